// The identifier checks of libs/domain (onewindow_domain.identifiers), ported so the clerk sees a
// mistake while typing. The service checks again on submit; messages are the same Chinese texts.

import { chinaToday } from "@/utils/format";

export type Check = { ok: true; value: string } | { ok: false; message: string };

function squash(raw: string, upper: boolean): string {
  // NFKC turns full-width characters half-width; every kind of whitespace goes.
  let text = String(raw);
  for (let i = 0; i < 5; i++) {
    let next = text.normalize("NFKC").replace(/\s/gu, "");
    if (upper) next = next.toUpperCase();
    if (next === text) break;
    text = next;
  }
  return text;
}

// --- 公民身份号码 (GB 11643-1999), check character ISO 7064 MOD 11-2 ---------------------------

const ID_WEIGHTS = Array.from({ length: 17 }, (_, i) => 2 ** (17 - i) % 11);
const ID_CHECK_CHARS = "10X98765432";

export function normalizeIdNumber(raw: string): string {
  return squash(raw, true);
}

export function idCheckChar(first17: string): string {
  const digits = normalizeIdNumber(first17);
  if (!/^\d{17}$/.test(digits)) throw new Error("计算校验码需要17位数字本体码");
  let total = 0;
  for (let i = 0; i < 17; i++) total += Number(digits[i]) * ID_WEIGHTS[i];
  return ID_CHECK_CHARS[total % 11];
}

function isoDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

export function checkIdNumber(raw: string, today: Date = new Date()): Check {
  const value = normalizeIdNumber(raw);
  if (value.length !== 18) return { ok: false, message: `公民身份号码应为18位，实际为${value.length}位` };
  const body = value.slice(0, 17);
  const check = value[17];
  if (!/^\d{17}$/.test(body)) return { ok: false, message: "公民身份号码前17位应全部为数字" };
  if (!/^[\dX]$/.test(check)) return { ok: false, message: "公民身份号码最后一位应为数字或X" };
  const y = Number(body.slice(6, 10));
  const m = Number(body.slice(10, 12));
  const d = Number(body.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1 || birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) {
    return { ok: false, message: `公民身份号码中的出生日期${body.slice(6, 14)}不是有效日期` };
  }
  if (y < 1900) return { ok: false, message: `公民身份号码中的出生日期${isoDate(y, m, d)}早于1900年` };
  const todayIso = chinaToday(today); // Beijing's date, not the browser's zone (issue 16)
  if (isoDate(y, m, d) > todayIso)
    return { ok: false, message: `公民身份号码中的出生日期${isoDate(y, m, d)}晚于今天` };
  if (check !== idCheckChar(body))
    return { ok: false, message: "公民身份号码校验码不正确，请核对号码是否录入有误" };
  return { ok: true, value };
}

// Province-level codes of GB/T 2260 (the first two digits of every administrative division code).
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
  62, 63, 64, 65, 71, 81, 82, 83,
]);
const MIN_WORKING_AGE = 16; // 劳动法第15条: no employment under 16

/** What is odd about a valid ID number — an unknown area code, a worker under 16 on ``on`` (the day
 * they knew of the infringement, ISO date; today when not given) — said as a warning for the clerk to
 * check with the worker, never a refusal (such numbers exist; the card decides). The same texts as
 * the service's preview (onewindow_domain.identifiers.id_number_warnings), whose answer the form
 * shows once it arrives; this one covers the time before. */
export function idNumberWarning(raw: string, today: Date = new Date(), on?: string | null): string | null {
  const checked = checkIdNumber(raw, today);
  if (!checked.ok) return null;
  const value = checked.value;
  const warnings: string[] = [];
  const area = value.slice(0, 6);
  if (!PROVINCES.has(Number(area.slice(0, 2))) || area.slice(2) === "0000")
    warnings.push(`号码前6位行政区划代码${area}不存在，请与身份证原件核对`);
  const todayIso = chinaToday(today);
  const birthIso = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  const at = on && /^\d{4}-\d{2}-\d{2}$/.test(on) && on >= birthIso && on <= todayIso ? on : todayIso;
  const [ty, tm, td] = at.split("-").map(Number);
  const [y, m, d] = birthIso.split("-").map(Number);
  const age = ty - y - (tm < m || (tm === m && td < d) ? 1 : 0);
  if (age < MIN_WORKING_AGE) {
    const when = at === todayIso ? "现年" : `于${at}时`;
    warnings.push(
      `按号码计算本人${when}${age}周岁，未满16周岁（劳动法第15条禁止招用），请核对号码或按童工线索处理`,
    );
  }
  return warnings.length ? warnings.join("；") : null;
}

/** The form shown in lists: first 4, ten stars, last 4 (``4403**********1234``). */
export function maskIdNumber(value: string): string {
  return value.slice(0, 4) + "*".repeat(10) + value.slice(-4);
}

/** A valid fake ID number (for tests and the demo). */
export function makeIdNumber(region = "440304", birth = "19900101", seq = 1): string {
  const body = `${region}${birth}${String(seq).padStart(3, "0")}`;
  return body + idCheckChar(body);
}

// --- 统一社会信用代码 (GB 32100-2015) ----------------------------------------------------------

export const CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const CREDIT_EXCLUDED = "IOZSV";

export function normalizeCreditCode(raw: string): string {
  return squash(raw, true);
}

function sortedUnique(chars: string[]): string[] {
  return [...new Set(chars)].sort();
}

function alphabetProblem(code: string): string | null {
  const excluded = sortedUnique([...code].filter((ch) => CREDIT_EXCLUDED.includes(ch)));
  if (excluded.length) {
    return `统一社会信用代码不使用字母${excluded.join("、")}（不含I、O、Z、S、V），请核对是否将数字录成了字母`;
  }
  const other = sortedUnique([...code].filter((ch) => !CREDIT_CODE_ALPHABET.includes(ch)));
  if (other.length) return `统一社会信用代码含有无效字符：${other.join("、")}`;
  return null;
}

export function creditCodeCheckChar(body17: string): string {
  const body = normalizeCreditCode(body17);
  if (body.length !== 17) throw new Error("计算校验码需要17位本体代码");
  const problem = alphabetProblem(body);
  if (problem) throw new Error(problem);
  let total = 0;
  for (let i = 0; i < 17; i++) total += CREDIT_CODE_ALPHABET.indexOf(body[i]) * CREDIT_WEIGHTS[i];
  return CREDIT_CODE_ALPHABET[(31 - (total % 31)) % 31];
}

export function checkCreditCode(raw: string): Check {
  const value = normalizeCreditCode(raw);
  if (value.length !== 18) return { ok: false, message: `统一社会信用代码应为18位，实际为${value.length}位` };
  const problem = alphabetProblem(value);
  if (problem) return { ok: false, message: problem };
  if (value[17] !== creditCodeCheckChar(value.slice(0, 17))) {
    return { ok: false, message: "统一社会信用代码校验码不正确，请核对代码是否录入有误" };
  }
  return { ok: true, value };
}

/** A valid credit code for a 17-character body. */
export function makeCreditCode(body17 = "91440300MA0000000"): string {
  return body17 + creditCodeCheckChar(body17);
}

// --- mainland mobile numbers ------------------------------------------------------------------

export function normalizeMobile(raw: string): string {
  let text = squash(raw, false).replace(/[-()]/g, "");
  if (text.startsWith("+86")) text = text.slice(3);
  else if (text.startsWith("0086") && text.length === 15) text = text.slice(4);
  else if (text.startsWith("86") && text.length === 13) text = text.slice(2);
  return text;
}

export function checkMobile(raw: string): Check {
  const value = normalizeMobile(raw);
  if (!/^1[3-9]\d{9}$/.test(value)) return { ok: false, message: "手机号码应为以13–19开头的11位数字" };
  return { ok: true, value };
}
