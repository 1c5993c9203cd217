import { describe, expect, it } from "vitest";

import {
  applicationBody,
  evidenceLabel,
  fieldErrors,
  fileSize,
  linkNote,
  normalisePhone,
  removable,
  toUpload,
  uploadError,
  type EvidenceItem,
} from "../src/portal/logic";

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

  it("shows the API's own message for a refused file, a plain one by status otherwise", () => {
    const type = {
      detail: "file: 不支持的文件类型（检测为 exe）",
      errors: [{ field: "file", message: "不支持的文件类型：检测为 exe，可上传 pdf、png" }],
    };
    expect(uploadError(type, 415)).toBe("不支持的文件类型：检测为 exe，可上传 pdf、png");
    expect(uploadError({ errors: [{ field: "file", message: "文件不能超过20MB" }] }, 413)).toBe(
      "文件不能超过20MB",
    );
    expect(uploadError({}, 413)).toContain("文件过大");
    expect(uploadError(undefined, 415)).toContain("不支持的文件类型");
    expect(uploadError({ detail: "申请已处理，不能再添加材料" }, 409)).toContain("申请已处理");
    expect(uploadError({ detail: "网络连接失败，请检查网络后重试" }, 0)).toContain("网络");
    expect(uploadError(undefined, 503)).toContain("服务暂时不可用");
  });

  it("sends pending and failed files, and lets only those be removed", () => {
    const file = new File(["%PDF-1.4"], "合同.pdf");
    const item = (key: number, state: EvidenceItem["state"]): EvidenceItem => ({
      key,
      file,
      evidenceType: "labour_contract",
      state,
      error: "",
    });
    const items = [item(1, "pending"), item(2, "uploaded"), item(3, "failed"), item(4, "uploading")];
    expect(toUpload(items).map((i) => i.key)).toEqual([1, 3]);
    expect(items.filter(removable).map((i) => i.key)).toEqual([1, 3]);
  });

  it("labels evidence types and sizes in Chinese units", () => {
    expect(evidenceLabel("pay_slip")).toBe("工资条/工资流水");
    expect(evidenceLabel("unknown")).toBe("unknown");
    expect(fileSize(512)).toBe("512B");
    expect(fileSize(1536)).toBe("1.5KB");
    expect(fileSize(3 * 1024 * 1024)).toBe("3.0MB");
  });
});
