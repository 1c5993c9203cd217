import { describe, expect, it } from "vitest";

import { applicationBody, fieldErrors, linkNote, normalisePhone } from "../src/portal/logic";

describe("portal logic", () => {
  it("normalises mainland mobile numbers and refuses others", () => {
    expect(normalisePhone("+86 138-0013-8000")).toBe("13800138000");
    expect(normalisePhone("12345678901")).toBeNull();
  });

  it("maps problem errors to fields, with a plain form-level message otherwise", () => {
    expect(fieldErrors({ errors: [{ field: "phone", message: "请输入11位手机号码" }] }, 422)).toEqual({
      phone: "请输入11位手机号码",
    });
    expect(fieldErrors({ detail: "验证码错误或已失效" }, 400)).toEqual({ "": "验证码错误或已失效" });
    expect(fieldErrors(undefined, 429)[""]).toContain("频繁");
  });

  it("says when an online session's link will show", () => {
    expect(linkNote("online", null, "2026-12-03T05:30:00Z")).toContain("2026/12/03 13:30");
    expect(linkNote("online", "https://m.example.cn/1", "2026-12-03T05:30:00Z")).toBe("");
    expect(linkNote("in_person", null, null)).toBe("");
  });

  it("builds the window's application shape, blanks left out", () => {
    const body = applicationBody({
      center_id: "futian",
      name: " 张三 ",
      id_number: "440304199001020017",
      phone: "13800130001",
      address: "",
      employer_name: "某公司",
      credit_code: "91440300ma5abcde1x",
      employer_phone: "",
      category: "wage_arrears",
      amount: "12000",
      description: "",
      facts: "拖欠工资",
      employment_start_on: "",
      knew_on: "2026-10-10",
    });
    expect(body).toMatchObject({
      applicants: [{ name: "张三", phone: "13800130001" }],
      respondents: [{ credit_code: "91440300MA5ABCDE1X" }],
      knew_on: "2026-10-10",
    });
    expect((body.applicants as object[])[0]).not.toHaveProperty("address", "");
  });
});
