import { describe, expect, it } from "vitest";

import { statsRouteLabel } from "@/utils/labels";

describe("风险等级与分流 chart labels", () => {
  it("names cases not yet routed in Chinese, never by the statistics key", () => {
    expect(statsRouteLabel("unrouted")).toBe("未分流");
    expect(statsRouteLabel("mediation")).toBe("联合调解");
    expect(statsRouteLabel("legal_aid")).toBe("法律援助");
    for (const key of [
      "unrouted",
      "mediation",
      "inspection",
      "legal_aid",
      "arbitration",
      "petition",
      "negotiation",
    ])
      expect(statsRouteLabel(key)).toMatch(/^[\u4e00-\u9fff]+$/u);
  });
});
