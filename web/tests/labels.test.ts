import { describe, expect, it } from "vitest";

import { ROUTES, statsRouteLabel } from "@/utils/labels";

describe("风险等级与分流 chart labels", () => {
  it("names cases not yet routed in Chinese, never by the statistics key", () => {
    expect(statsRouteLabel("unrouted")).toBe("未分流");
    expect(statsRouteLabel("mediation")).toBe("联合调解");
    expect(statsRouteLabel("legal_aid")).toBe("法律援助");
    for (const key of ["unrouted", ...ROUTES.map((r) => r.value)])
      expect(statsRouteLabel(key)).toMatch(/^[\u4e00-\u9fff]+$/u);
  });
});

describe("one label source (issue 18)", () => {
  it("names proceeding history, events, systems and scores without raw codes", async () => {
    const { proceedingChangeLabel, eventLabel, actorLabel, codeLabel } = await import("@/utils/labels");
    const { formatScore, toFen } = await import("@/utils/format");
    expect(proceedingChangeLabel({ action: "assigned", from_status: "opened", to_status: "assigned" })).toBe(
      "分派调解员（已立案待分派 → 已分派）",
    );
    expect(proceedingChangeLabel({ action: "session_scheduled" })).toBe("安排调解会");
    expect(eventLabel("referral.accepted")).toBe("委派调解已受理");
    expect(actorLabel("service court-bridge")).toBe("法院对接系统");
    expect(actorLabel("张三")).toBe("张三");
    expect(codeLabel("requested")).not.toMatch(/[a-z]/);
    expect(codeLabel("no_such_code")).toBe("未知（no_such_code）");
    expect(formatScore(5.8417)).toBe("5.84");
    expect(toFen("１２０００")).toBe(1200000n);
    expect(toFen("１２，０００．５")).toBe(1200050n);
    expect(toFen("12,000元")).toBe(1200000n);
    expect(toFen("1,2")).toBeNull();
  });
});

describe("personal-data reads in Chinese", () => {
  it("names the fields and the services' purposes", async () => {
    const { piiFieldsLabel, piiPurposeLabel } = await import("@/utils/labels");
    expect(piiFieldsLabel("id_number,phone")).toBe("身份证号、电话");
    expect(piiFieldsLabel("attachment:abc")).toBe("证据材料");
    expect(piiPurposeLabel("online_application_review")).toBe("审核网上申请");
    expect(piiPurposeLabel("核对当事人身份")).toBe("核对当事人身份");
  });
});
