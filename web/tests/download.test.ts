import { describe, expect, it } from "vitest";

import { attachmentName } from "@/utils/download";

describe("attachmentName", () => {
  it("prefers the UTF-8 name", () => {
    const header =
      "attachment; filename=\"cases-2026-12-02.xlsx\"; filename*=UTF-8''%E6%A1%88%E4%BB%B6%E6%B8%85%E5%8D%95-2026-12-02.xlsx";
    expect(attachmentName(header, "x.xlsx")).toBe("案件清单-2026-12-02.xlsx");
  });
  it("falls back to the plain name, then to the default", () => {
    expect(attachmentName('attachment; filename="deadlines.xlsx"', "x.xlsx")).toBe("deadlines.xlsx");
    expect(attachmentName(null, "x.xlsx")).toBe("x.xlsx");
  });
});
