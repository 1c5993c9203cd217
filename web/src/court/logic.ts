// 司法确认 and 支付令 on an agreement (court-bridge, issue 13): what the agreement page shows and
// offers — status, the statutory clock in days, the result and where the parties go next.

import type { CourtSchemas } from "@/api";
import { daysLeftText } from "@/utils/format";
import { CONFIRMATION_RULINGS, CONFIRMATION_STATES, PAYMENT_ORDER_STATES, label } from "@/utils/labels";

export type Enforcement = CourtSchemas["AgreementEnforcementPublic"];
export type Confirmation = CourtSchemas["ApplicationPublic"];
export type PaymentOrder = CourtSchemas["PaymentOrderPublic"];

/** Calendar days from ``today`` to ``due`` (both YYYY-MM-DD, Asia/Shanghai dates). */
export function daysUntil(today: string, due: string): number {
  const ms = Date.parse(`${due}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`);
  return Math.round(ms / 86_400_000);
}

const ONWARD = "当事人可以依法申请劳动争议仲裁或者向人民法院提起诉讼";

export function confirmationStatus(app: Confirmation): string {
  if (app.state === "ruled" && app.ruling) {
    return `${label(CONFIRMATION_RULINGS, app.ruling)}${app.ruling_no ? `（${app.ruling_no}）` : ""}`;
  }
  return label(CONFIRMATION_STATES, app.state);
}

/** The clock while the court has the application; the way on once it ruled. */
export function confirmationClock(app: Confirmation, today: string): string {
  if (app.state === "requested" && app.decide_by) {
    return `法院应于${app.decide_by}前作出裁定（民事诉讼法第187条，${daysLeftText(daysUntil(today, app.decide_by))}）`;
  }
  if (app.state === "ruled" && app.ruling === "valid")
    return "一方拒绝履行的，对方可以向人民法院申请强制执行";
  if (app.state === "ruled" && app.ruling === "dismissed") return ONWARD;
  return "";
}

export function paymentOrderStatus(order: PaymentOrder): string {
  return label(PAYMENT_ORDER_STATES, order.state) + (order.order_no ? `（${order.order_no}）` : "");
}

/** CPL 226–227's clock at the order's stage, or where the worker goes once it ended. */
export function paymentOrderClock(order: PaymentOrder, today: string): string {
  const left = (due: string) => daysLeftText(daysUntil(today, due));
  switch (order.state) {
    case "requested":
      return `法院应于${order.accept_by}前通知是否受理（民事诉讼法第226条，${left(order.accept_by)}）`;
    case "accepted":
      return order.issue_by
        ? `法院应于${order.issue_by}前发出支付令（民事诉讼法第227条第1款，${left(order.issue_by)}）`
        : "";
    case "issued":
      return order.object_by
        ? `用人单位应于${order.object_by}前清偿或者提出书面异议（民事诉讼法第227条第2款，${left(order.object_by)}）；逾期不清偿又不异议的，可以申请强制执行`
        : "待法院送达支付令";
    case "rejected":
    case "objected":
      return "劳动者可以就劳动争议事项依法申请劳动争议仲裁，对仲裁裁决不服的可以向人民法院提起诉讼";
    default:
      return "";
  }
}

export interface Offers {
  confirmation: { can: boolean; why: string };
  paymentOrder: { can: boolean; why: string };
}

/** What the page offers now: 司法确认 within its 30 days, once; 支付令 when an instalment of a
 * wage/compensation agreement is overdue and no application is under way. */
export function offers(view: Enforcement, today: string): Offers {
  let confirmation = { can: true, why: "" };
  if (view.confirmation) confirmation = { can: false, why: "已申请司法确认" };
  else if (!view.confirmation_open)
    confirmation = {
      can: false,
      why: `申请司法确认应当自调解协议生效之日起30日内提出（民事诉讼法第205条）：协议于${view.effective_on}生效，期限已于${view.confirmation_apply_by}届满`,
    };
  else
    confirmation.why = `须于${view.confirmation_apply_by}前申请（${daysLeftText(daysUntil(today, view.confirmation_apply_by))}）`;
  const open = view.payment_orders.find((o) =>
    ["preparing", "requested", "accepted", "issued"].includes(o.state),
  );
  let paymentOrder = {
    can: view.payment_order_offer.eligible,
    why: view.payment_order_offer.reasons_zh.join("；"),
  };
  if (open) paymentOrder = { can: false, why: "支付令申请办理中" };
  return { confirmation, paymentOrder };
}
