// The TypeScript checks answer exactly as libs/domain does (fixtures written by
// web/scripts/identifier_cases.py from the Python rules).
import { describe, expect, it } from "vitest";

import cases from "./fixtures/identifiers.json";
import {
  checkCreditCode,
  checkIdNumber,
  checkMobile,
  creditCodeCheckChar,
  idCheckChar,
  makeCreditCode,
  makeIdNumber,
  maskIdNumber,
} from "@/validators/identifiers";

const today = new Date(`${cases.today}T12:00:00`);

describe("公民身份号码 (ISO 7064 MOD 11-2)", () => {
  it.each(cases.id_numbers)("$input", (c) => {
    const got = checkIdNumber(c.input, today);
    expect(got).toEqual(c.ok ? { ok: true, value: c.value } : { ok: false, message: c.message });
  });

  it("computes the check character the standard way", () => {
    expect(idCheckChar("11010519491231002")).toBe("X");
    expect(makeIdNumber("440304", "19900101", 1)).toMatch(/^44030419900101001[\dX]$/);
  });

  it("masks for lists", () => {
    expect(maskIdNumber("440304199001010014")).toBe("4403**********0014");
  });

  it("counts the length of what was typed", () => {
    expect(checkIdNumber("4403041990")).toEqual({ ok: false, message: "公民身份号码应为18位，实际为10位" });
  });
});

describe("统一社会信用代码 (GB 32100-2015)", () => {
  it.each(cases.credit_codes)("$input", (c) => {
    const got = checkCreditCode(c.input);
    expect(got).toEqual(c.ok ? { ok: true, value: c.value } : { ok: false, message: c.message });
  });

  it("builds valid codes", () => {
    const code = makeCreditCode("91440300MA5FABCDE");
    expect(checkCreditCode(code).ok).toBe(true);
    expect(creditCodeCheckChar(code.slice(0, 17))).toBe(code[17]);
  });
});

describe("手机号码", () => {
  it.each(cases.mobiles)("$input", (c) => {
    const got = checkMobile(c.input);
    expect(got).toEqual(c.ok ? { ok: true, value: c.value } : { ok: false, message: c.message });
  });
});

describe("“today” is Beijing's date, whatever the browser's zone (issue 16)", () => {
  // 01:30 UTC is 09:30 in Beijing (same day); 23:30 UTC is 07:30 the next day in Beijing.
  it.each([
    ["2026-12-01T01:30:00Z", "20261201", "20261202"],
    ["2026-12-01T23:30:00Z", "20261202", "20261203"],
  ])("at %s a birth date of Beijing's today is valid, tomorrow is not", (instant, born, future) => {
    const now = new Date(instant);
    expect(checkIdNumber(makeIdNumber("440304", born, 1), now).ok).toBe(true);
    const later = checkIdNumber(makeIdNumber("440304", future, 1), now);
    expect(later.ok).toBe(false);
    expect(later.ok ? "" : later.message).toContain("晚于今天");
  });
});

describe("ID numbers that are valid but odd (issue 18)", () => {
  it("warns about an unknown area code and a worker under 16, and not about an ordinary number", async () => {
    const { idNumberWarning, makeIdNumber } = await import("@/validators/identifiers");
    const today = new Date("2026-12-02T02:00:00Z");
    expect(idNumberWarning(makeIdNumber("000000", "19900101", 1), today)).toContain(
      "行政区划代码000000不存在",
    );
    expect(idNumberWarning(makeIdNumber("440304", "20150601", 1), today)).toContain("未满16周岁");
    expect(idNumberWarning(makeIdNumber("440304", "19900101", 1), today)).toBeNull();
    expect(idNumberWarning("440304199001011230", today)).toBeNull(); // invalid: an error, not a warning
  });

  it("counts the age on the day the worker knew (the service's rule), today without one", async () => {
    const { idNumberWarning, makeIdNumber } = await import("@/validators/identifiers");
    const today = new Date("2026-12-02T02:00:00Z");
    const turned16InOctober = makeIdNumber("440304", "20101020", 1);
    expect(idNumberWarning(turned16InOctober, today)).toBeNull();
    expect(idNumberWarning(turned16InOctober, today, "2026-10-10")).toBe(
      "按号码计算本人于2026-10-10时15周岁，未满16周岁（劳动法第15条禁止招用），请核对号码或按童工线索处理",
    );
    expect(idNumberWarning(turned16InOctober, today, "2026-10-20")).toBeNull();
    expect(idNumberWarning(makeIdNumber("000000", "20150601", 1), today)?.split("；")).toHaveLength(2);
  });
});
