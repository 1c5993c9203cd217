import { describe, expect, it } from "vitest";

import {
  agreementErrors,
  buildAgreement,
  clashes,
  paymentsTotal,
  splitInstalments,
  type AgreementDraft,
  type Session,
} from "@/mediation/logic";

const s = (id: string, from: string, to: string, status = "scheduled") =>
  ({ id, starts_at: from, ends_at: to, status, proceeding_id: "x" }) as Session;

describe("double booking", () => {
  const diary = [
    s("1", "2026-11-23T01:30:00Z", "2026-11-23T03:30:00Z"),
    s("2", "2026-11-23T06:00:00Z", "2026-11-23T07:00:00Z", "cancelled"),
  ];
  it("finds an overlapping session", () => {
    expect(
      clashes(new Date("2026-11-23T03:00:00Z"), new Date("2026-11-23T04:00:00Z"), diary).map((x) => x.id),
    ).toEqual(["1"]);
  });
  it("allows back-to-back sessions and ignores cancelled ones", () => {
    expect(clashes(new Date("2026-11-23T03:30:00Z"), new Date("2026-11-23T05:30:00Z"), diary)).toEqual([]);
    expect(clashes(new Date("2026-11-23T06:00:00Z"), new Date("2026-11-23T07:00:00Z"), diary)).toEqual([]);
  });
});

describe("instalments", () => {
  it("split a total exactly, the remainder on the last", () => {
    const rows = splitInstalments("100000.01", 3, "2026-12-01", "某公司", "申请人");
    expect(rows.map((r) => r.amount)).toEqual(["33333.33", "33333.33", "33333.35"]);
    expect(rows.map((r) => r.due_on)).toEqual(["2026-12-01", "2026-12-31", "2027-01-30"]);
    expect(paymentsTotal(rows)).toBe("100000.01");
  });

  function draft(): AgreementDraft {
    return {
      scope: "full",
      signed_on: "2026-11-22",
      effective_on: "2026-11-22",
      terms: "分两期支付",
      facts: "",
      total_amount: "20000",
      payments: splitInstalments("20000", 2, "2026-11-29", "某公司", "申请人"),
      confirmation: "judicial",
      signatures: [
        { party: "worker", name: "工人代表" },
        { party: "employer", name: "某公司" },
        { party: "mediator", name: "张敏" },
        { party: "organisation_seal", name: "调解中心" },
      ],
    };
  }

  it("agree with the total before they are sent", () => {
    const d = draft();
    expect(agreementErrors(d)).toEqual({});
    d.payments[1].amount = "9000";
    expect(agreementErrors(d).payments).toBe("分期金额合计19000.00元与协议总额20000元不一致");
    d.payments[0].due_on = "2026-11-01";
    expect(agreementErrors(d)["payments[0].due_on"]).toBe("支付日期不能早于协议签订日期");
  });

  it("build the body the service expects", () => {
    const body = buildAgreement(draft());
    expect(body.parties_request_judicial_confirmation).toBe(true);
    expect(body.parties_request_arbitration_review).toBe(false);
    expect(body.payments).toHaveLength(2);
    expect(body.signatures?.every((x) => x.signed_on === "2026-11-22")).toBe(true);
  });
});
