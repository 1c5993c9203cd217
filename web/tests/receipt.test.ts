import { describe, expect, it } from "vitest";

import { receiptWording } from "@/intake/receipt";

describe("receipt wording", () => {
  it("fits the route: arbitration is not worded as mediation", () => {
    expect(receiptWording("arbitration").what).toContain("仲裁");
    expect(receiptWording("arbitration").next).not.toContain("指派调解员");
    expect(receiptWording("arbitration").deadline).toBe("仲裁委员会受理决定期限");
    expect(receiptWording("mediation").next).toContain("十五日");
    expect(receiptWording("legal_aid").next).toContain("法律援助");
  });
  it("falls back to mediation for an unknown route", () => {
    expect(receiptWording("unknown")).toEqual(receiptWording("mediation"));
  });
});
