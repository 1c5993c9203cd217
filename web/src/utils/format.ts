// Times are stored in UTC and shown in Asia/Shanghai; money is kept as the decimal string the API
// sends and only formatted for display.

const TZ = "Asia/Shanghai";

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat("zh-CN", {
    timeZone: TZ,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}

/** Today's date in Asia/Shanghai as YYYY-MM-DD (the services' legal dates are China dates). */
export function chinaToday(now: Date = new Date()): string {
  return shanghaiDate(now);
}

export function shanghaiDate(d: Date): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: TZ,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(d);
  return parts;
}

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A Shanghai wall-clock date and time as an aware ISO string (+08:00, as the services require). */
export function shanghaiIso(date: string, time: string): string {
  return `${date}T${time.length === 5 ? time + ":00" : time}+08:00`;
}

export function formatMoney(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  const n = typeof value === "number" ? value : Number(value);
  if (Number.isNaN(n)) return String(value);
  return "¥" + n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Sum decimal strings exactly (in fen), for totals shown before the service computes them. */
export function sumMoney(values: (string | number | null | undefined)[]): string {
  let fen = 0n;
  for (const v of values) {
    const cents = toFen(v);
    if (cents !== null) fen += cents;
  }
  const sign = fen < 0n ? "-" : "";
  const abs = fen < 0n ? -fen : fen;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/** Money as typed at a Chinese window: full-width digits and point (１２０００．５０) read as
 * ASCII (NFKC), thousands separators and a trailing 元 dropped — the services normalise the same way. */
export function normaliseAmount(v: string): string {
  return v
    .normalize("NFKC")
    .trim()
    .replace(/元$/u, "")
    .trim()
    .replace(/(?<=\d)[,\s](?=\d{3}(\D|$))/gu, "");
}

export function toFen(v: string | number | null | undefined): bigint | null {
  if (v === null || v === undefined) return null;
  const s = normaliseAmount(String(v));
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return BigInt(m[1]) * 100n + BigInt((m[2] ?? "").padEnd(2, "0"));
}

/** An assignment score for people: two decimals are enough to rank (the engine keeps four). */
export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || Number.isNaN(score)) return "";
  return score.toFixed(2);
}

export function daysLeftText(days: number | null | undefined): string {
  if (days === null || days === undefined) return "";
  if (days < 0) return `已超期${-days}天`;
  if (days === 0) return "今日届满";
  return `剩余${days}天`;
}
