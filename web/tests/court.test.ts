import { describe, expect, it } from "vitest";

import {
  confirmationClock,
  confirmationStatus,
  daysUntil,
  offers,
  paymentOrderClock,
  paymentOrderStatus,
  type Confirmation,
  type Enforcement,
  type PaymentOrder,
} from "@/court/logic";

const order = (over: Partial<PaymentOrder>) =>
  ({
    state: "requested",
    accept_by: "2026-12-07",
    issue_by: null,
    object_by: null,
    order_no: null,
    ...over,
  }) as PaymentOrder;
const app = (over: Partial<Confirmation>) =>
  ({ state: "requested", decide_by: "2027-01-01", ruling: null, ruling_no: null, ...over }) as Confirmation;
const view = (over: Partial<Enforcement>) =>
  ({
    effective_on: "2026-11-20",
    confirmation_apply_by: "2026-12-21",
    confirmation_open: true,
    confirmation: null,
    payment_orders: [],
    payment_order_offer: {
      eligible: false,
      categories: [],
      reasons_zh: ["调解协议没有逾期未付的款项"],
      basis_zh: "",
      overdue: [],
    },
    ...over,
  }) as Enforcement;

describe("days on the statutory clocks", () => {
  it("counts calendar days between Shanghai dates, across a month", () => {
    expect(daysUntil("2026-11-30", "2026-12-02")).toBe(2);
    expect(daysUntil("2026-12-02", "2026-12-01")).toBe(-1);
  });
});

describe("司法确认 on the page", () => {
  it("shows the ruling in Chinese with its number, and where the parties go after a dismissal", () => {
    const ruled = app({ state: "ruled", ruling: "dismissed", ruling_no: "（2026）粤0304诉前调确1号" });
    expect(confirmationStatus(ruled)).toBe("裁定驳回申请（（2026）粤0304诉前调确1号）");
    expect(confirmationClock(ruled, "2026-12-02")).toContain("申请劳动争议仲裁");
    expect(confirmationClock(app({ state: "ruled", ruling: "valid" }), "2026-12-02")).toContain("强制执行");
  });
  it("counts the court's 30 days while it has the application", () => {
    expect(confirmationClock(app({}), "2026-12-30")).toBe(
      "法院应于2027-01-01前作出裁定（民事诉讼法第187条，剩余2天）",
    );
    expect(confirmationStatus(app({}))).toBe("已提交法院，待裁定");
  });
  it("is offered within the 30 days only, once, and says why not", () => {
    expect(offers(view({}), "2026-12-01").confirmation).toEqual({
      can: true,
      why: "须于2026-12-21前申请（剩余20天）",
    });
    const late = offers(view({ confirmation_open: false }), "2026-12-25").confirmation;
    expect(late.can).toBe(false);
    expect(late.why).toContain("2026-11-20生效，期限已于2026-12-21届满");
    expect(offers(view({ confirmation: app({}) }), "2026-12-01").confirmation.can).toBe(false);
  });
});

describe("支付令 on the page", () => {
  it("follows CPL 226–227 stage by stage", () => {
    expect(paymentOrderClock(order({}), "2026-12-02")).toBe(
      "法院应于2026-12-07前通知是否受理（民事诉讼法第226条，剩余5天）",
    );
    expect(paymentOrderClock(order({ state: "accepted", issue_by: "2026-12-18" }), "2026-12-03")).toContain(
      "第227条第1款",
    );
    const issued = order({ state: "issued", object_by: "2026-12-26", order_no: "（2026）粤0304民督3号" });
    expect(paymentOrderClock(issued, "2026-12-26")).toContain("今日届满");
    expect(paymentOrderStatus(issued)).toBe("已发出支付令，待用人单位清偿或异议（（2026）粤0304民督3号）");
    expect(paymentOrderClock(order({ state: "objected" }), "2026-12-27")).toContain(
      "劳动者可以就劳动争议事项依法申请劳动争议仲裁",
    );
    expect(paymentOrderClock(order({ state: "paid" }), "2026-12-27")).toBe("");
  });
  it("is offered only when the bridge says so and nothing is under way", () => {
    expect(offers(view({}), "2026-12-01").paymentOrder).toEqual({
      can: false,
      why: "调解协议没有逾期未付的款项",
    });
    const eligible = view({
      payment_order_offer: {
        eligible: true,
        categories: ["wage_arrears"],
        reasons_zh: [],
        basis_zh: "",
        overdue: [],
      },
    });
    expect(offers(eligible, "2026-12-01").paymentOrder.can).toBe(true);
    const busy = { ...eligible, payment_orders: [order({ state: "issued" })] };
    expect(offers(busy, "2026-12-01").paymentOrder).toEqual({ can: false, why: "支付令申请办理中" });
    const retry = { ...eligible, payment_orders: [order({ state: "rejected" })] };
    expect(offers(retry, "2026-12-01").paymentOrder.can).toBe(true);
  });
});
