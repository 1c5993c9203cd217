// Chinese labels for the codes the services use (the services send labels with most records;
// these cover the choices a form offers before there is a record).

export const CLAIM_CATEGORIES: { value: string; label: string }[] = [
  { value: "wage_arrears", label: "拖欠工资" },
  { value: "overtime", label: "加班费" },
  { value: "severance", label: "经济补偿金" },
  { value: "unlawful_termination", label: "违法解除赔偿金" },
  { value: "no_contract_double_wage", label: "未签合同二倍工资" },
  { value: "notice_pay", label: "代通知金" },
  { value: "annual_leave", label: "未休年休假工资" },
  { value: "social_insurance", label: "社会保险" },
  { value: "work_injury", label: "工伤待遇" },
  { value: "confirm_relationship", label: "确认劳动关系" },
  { value: "raise_demand", label: "增加工资等诉求（利益争议）" },
  { value: "collective_contract", label: "集体合同签订（利益争议）" },
  { value: "other", label: "其他" },
];

export const CHANNELS: { value: string; label: string }[] = [
  { value: "walk_in", label: "窗口来访" },
  { value: "phone", label: "电话" },
  { value: "online", label: "网上" },
  { value: "inspection_transfer", label: "劳动监察移送" },
  { value: "petition_transfer", label: "信访转办" },
  { value: "court_referral", label: "法院委派/委托" },
  { value: "arbitration_referral", label: "仲裁院先行调解" },
];

export const ROUTES: { value: string; label: string }[] = [
  { value: "mediation", label: "联合调解（工会/人民调解）" },
  { value: "inspection", label: "劳动监察" },
  { value: "legal_aid", label: "法律援助" },
  { value: "arbitration", label: "直接申请仲裁" },
  { value: "petition", label: "信访" },
  { value: "negotiation", label: "三方协调（利益争议）" },
];

/** A route key of the statistics (``by_route``) as a short chart label: cases not yet routed come as
 * "unrouted" (issue 16: the chart showed the key). */
export function statsRouteLabel(key: string): string {
  if (key === "unrouted") return "未分流";
  return label(ROUTES, key).replace(/（.*）/, "");
}

export const CASE_STATUSES: { value: string; label: string }[] = [
  { value: "registered", label: "已登记" },
  { value: "routed", label: "已分流" },
  { value: "in_mediation", label: "调解中" },
  { value: "returned", label: "已退回窗口" },
  { value: "transferred_to_arbitration", label: "已转仲裁" },
  { value: "referred_to_court", label: "已转法院" },
  { value: "referred_to_inspection", label: "劳动监察办理中" },
  { value: "legal_aid", label: "法律援助办理中" },
  { value: "referred_to_petition", label: "信访办理中" },
  { value: "in_negotiation", label: "三方协调中" },
  { value: "resolved", label: "已达成协议，待履行" },
  { value: "closed", label: "已结案" },
];

/** The agency desks (DOMAIN.md §10) and the role that works each. */
export const DESKS: { value: string; label: string; role: string }[] = [
  { value: "inspection", label: "劳动保障监察", role: "inspector" },
  { value: "legal_aid", label: "法律援助", role: "legal_aid_officer" },
  { value: "petition", label: "信访", role: "petition_officer" },
  { value: "negotiation", label: "三方协调", role: "coordinator" },
];

export const RESPONDENT_ROLES: { value: string; label: string }[] = [
  { value: "employer", label: "用人单位" },
  { value: "dispatch_agency", label: "劳务派遣单位" },
  { value: "host_employer", label: "用工单位" },
];

export const GRADES: Record<string, { label: string; tag: "danger" | "warning" | "success" }> = {
  red: { label: "红", tag: "danger" },
  yellow: { label: "黄", tag: "warning" },
  green: { label: "绿", tag: "success" },
};

export const TERMINATION_REASONS: { value: string; label: string }[] = [
  { value: "no_agreement", label: "经调解未能达成协议" },
  { value: "party_refused", label: "一方当事人拒绝继续调解" },
  { value: "false_information", label: "当事人提供虚假情况" },
  { value: "delay", label: "当事人无正当理由拖延" },
  { value: "other", label: "其他原因" },
];

export const PARTIES: { value: string; label: string }[] = [
  { value: "worker", label: "劳动者一方" },
  { value: "employer", label: "用人单位一方" },
  { value: "both", label: "双方当事人" },
];

export const SOURCE_TAGS: Record<string, string> = {
  intake: "受理",
  mediation: "调解",
  court: "法院",
  "court-bridge": "法院",
  arbitration: "仲裁",
  "arbitration-bridge": "仲裁",
};

export function label(list: { value: string; label: string }[], value: string | null | undefined): string {
  if (!value) return "";
  return list.find((x) => x.value === value)?.label ?? value;
}

// 司法确认 (court-bridge ``ConfirmationApplication.state``, then the ruling) and 支付令
// (``PaymentOrderApplication.state``): what a clerk reads for each code (issue 13).
export const CONFIRMATION_STATES: { value: string; label: string }[] = [
  { value: "preparing", label: "正在准备申请材料" },
  { value: "requested", label: "已提交法院，待裁定" },
  { value: "ruled", label: "法院已裁定" },
];

export const CONFIRMATION_RULINGS: { value: string; label: string }[] = [
  { value: "valid", label: "裁定调解协议有效（具有强制执行力）" },
  { value: "dismissed", label: "裁定驳回申请" },
];

export const PAYMENT_ORDER_STATES: { value: string; label: string }[] = [
  { value: "preparing", label: "正在准备申请材料" },
  { value: "requested", label: "已提交法院，待受理" },
  { value: "accepted", label: "法院已受理，待发出支付令" },
  { value: "rejected", label: "法院不予受理/驳回申请" },
  { value: "issued", label: "已发出支付令，待用人单位清偿或异议" },
  { value: "paid", label: "已清偿" },
  { value: "objected", label: "用人单位提出异议，支付令失效" },
];
