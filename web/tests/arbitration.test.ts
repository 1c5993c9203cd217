import { describe, expect, it } from "vitest";

import {
  applicationPreview,
  arbitrationReviewText,
  canAskReview,
  canTransfer,
  clockText,
  offeredKinds,
  reviewResult,
  transferResult,
  type CasePublic,
  type ReviewView,
  type TransferView,
} from "@/arbitration/logic";

const kase = {
  applicants: [
    { name: "王五", address: "深圳市福田区沙头街道某村" },
    { name: "李四", address: null },
  ],
  respondents: [{ name: "深圳市某某物流有限公司", address: "深圳市福田区某路8号" }],
  claims: [
    { category_label: "拖欠工资", amount: "12000.10" },
    { category_label: "加班费", amount: "0.20" },
  ],
  facts: "被申请人拖欠工资。",
} as unknown as CasePublic;

describe("which applications the case offers", () => {
  it("offers direct arbitration to a worker who refuses mediation, at the window or back from it", () => {
    expect(offeredKinds({ status: "registered", dispute_type: "rights" })).toEqual(["refused_mediation"]);
    expect(offeredKinds({ status: "returned", dispute_type: "rights" })).toContain("refused_mediation");
    expect(offeredKinds({ status: "resolved", dispute_type: "rights" })).toEqual(["breached_agreement"]);
    expect(offeredKinds({ status: "in_mediation", dispute_type: "rights" })).toEqual([]);
  });
  it("never offers arbitration for an interest dispute (劳动法第84条)", () => {
    expect(offeredKinds({ status: "registered", dispute_type: "interest" })).toEqual([]);
  });
  it("asks for review once per agreement, again only after a refusal", () => {
    const r = (state: string, decision: string | null) => ({ state, decision }) as ReviewView;
    expect(canAskReview({ status: "resolved" }, [])).toBe(true);
    expect(canAskReview({ status: "resolved" }, [r("requested", null)])).toBe(false);
    expect(canAskReview({ status: "resolved" }, [r("decided", "refused")])).toBe(true);
    expect(canAskReview({ status: "returned" }, [])).toBe(false);
  });
  it("sends a transfer again only after a rejection", () => {
    const t = (state: string) => ({ state }) as TransferView;
    expect(canTransfer([t("rejected")])).toBe(true);
    expect(canTransfer([t("requested")])).toBe(false);
  });
});

describe("the application preview", () => {
  it("lists parties with service addresses, the requests and their exact total, and what is missing", () => {
    const p = applicationPreview(kase, "refused_mediation", "  双方确认入职日期  ");
    expect(p.title).toBe("拒绝调解，直接申请仲裁");
    expect(p.applicants[0]).toEqual({ role: "申请人", name: "王五", address: "深圳市福田区沙头街道某村" });
    expect(p.total).toBe("12000.30");
    expect(p.undisputedFacts).toBe("双方确认入职日期");
    expect(p.missing).toEqual(["李四的送达地址"]);
  });
});

describe("clocks and results read in Chinese", () => {
  it("says how long is left, or how late", () => {
    expect(clockText("2026-12-08", 3)).toBe("还剩3日（2026-12-08前）");
    expect(clockText("2026-12-08", 0)).toBe("今日到期（2026-12-08）");
    expect(clockText("2026-12-08", -2)).toBe("已逾期2日（应于2026-12-08前）");
    expect(clockText(null, null)).toBe("");
  });
  it("names the commission's case number and the 仲裁调解书", () => {
    expect(
      transferResult({ state: "accepted", arbitration_case_no: "深劳人仲案〔2026〕123号" } as TransferView),
    ).toBe("仲裁案号：深劳人仲案〔2026〕123号");
    expect(
      reviewResult({ decision: "confirmed", document_no: "深劳人仲调字〔2026〕45号" } as ReviewView),
    ).toContain("仲裁调解书：深劳人仲调字〔2026〕45号");
    expect(reviewResult({ decision: "refused", decision_reason: "协议违法" } as ReviewView)).toBe(
      "不予确认：协议违法",
    );
  });
});

describe("the review on the agreement", () => {
  it("reads the state the bridge reported", () => {
    expect(arbitrationReviewText({ state: "requested", due_on: "2026-12-09" })).toBe(
      "已向仲裁院申请，待审查（应于2026-12-09前作出结论）",
    );
    expect(arbitrationReviewText({ state: "confirmed", document_no: "深劳人仲调字〔2026〕45号" })).toBe(
      "仲裁院已审查确认，出具仲裁调解书（深劳人仲调字〔2026〕45号）",
    );
    expect(arbitrationReviewText({ state: "refused", reason: "协议违法" })).toBe("仲裁院不予确认：协议违法");
  });
});
