// The one source of the Chinese names of the codes the services send (web/src/labels/zh-CN.json):
// every enum value of the services' OpenAPI documents, every event type, the proceeding states and
// history actions. tests/test_labels.py fails when the services can send a code that has no name
// here; no screen shows a raw code (look a code up with codeLabel / eventLabel / …).

import LABELS from "@/labels/zh-CN.json";

type Table = Record<string, string>;
const CODES: Table = LABELS.codes;
const EVENTS: Table = LABELS.events;
const PROCEEDING_STATUS: Table = LABELS.proceeding_status;
const PROCEEDING_ACTION: Table = LABELS.proceeding_action;
const SYSTEMS: Table = LABELS.systems;

/** The Chinese name of an enum value (a status, a category, a role…); "未知（…）" marks a code the
 * labels do not know yet rather than showing it bare. */
export function codeLabel(code: string | null | undefined): string {
  if (!code) return "";
  return CODES[code] ?? unknown(code);
}

/** An event type (``intake.case.routed``, a webhook's ``referral.accepted``) in Chinese. */
export function eventLabel(type: string | null | undefined): string {
  if (!type) return "";
  return EVENTS[type] ?? unknown(type);
}

/** A proceeding's state (mediation's own words: "accepted" there means both parties agreed). */
export function proceedingStatusLabel(status: string | null | undefined): string {
  if (!status) return "";
  return PROCEEDING_STATUS[status] ?? codeLabel(status);
}

/** A line of a proceeding's history: "分派调解员（已立案待分派 → 已分派）". */
export function proceedingChangeLabel(change: {
  action: string;
  from_status?: string | null;
  to_status?: string | null;
}): string {
  const action = PROCEEDING_ACTION[change.action] ?? unknown(change.action);
  if (!change.to_status) return action;
  const from = change.from_status ? proceedingStatusLabel(change.from_status) + " → " : "";
  return `${action}（${from}${proceedingStatusLabel(change.to_status)}）`;
}

/** Who did it, as a person reads it: service clients ("service court-bridge") by the system's name. */
export function actorLabel(actor: string | null | undefined): string {
  if (!actor) return "";
  const service = /^service[ :-](.+)$/.exec(actor);
  if (service) return SYSTEMS[service[1]!] ?? "系统";
  return SYSTEMS[actor] ?? actor;
}

/** The mediator registry's audit log: what changed (组织、调解员、请假、回避), how, which fields. */
export function registryEntityLabel(entity: string): string {
  return (LABELS.registry_entity as Table)[entity] ?? unknown(entity);
}
export function registryActionLabel(action: string): string {
  return (LABELS.registry_action as Table)[action] ?? unknown(action);
}
export function registryFieldLabel(field: string): string {
  return (LABELS.registry_field as Table)[field] ?? unknown(field);
}

function unknown(code: string): string {
  return `未知（${code}）`;
}

/** Form choices in this order, named from the one label table. */
function choices(values: string[], table: Table = CODES): { value: string; label: string }[] {
  return values.map((value) => ({ value, label: table[value] ?? unknown(value) }));
}

export const CLAIM_CATEGORIES = choices([
  "wage_arrears",
  "overtime",
  "severance",
  "unlawful_termination",
  "no_contract_double_wage",
  "notice_pay",
  "annual_leave",
  "social_insurance",
  "work_injury",
  "confirm_relationship",
  "raise_demand",
  "collective_contract",
  "other",
]);

export const CHANNELS = choices([
  "walk_in",
  "phone",
  "online",
  "inspection_transfer",
  "petition_transfer",
  "court_referral",
  "arbitration_referral",
]);

export const ROUTES = choices([
  "mediation",
  "inspection",
  "legal_aid",
  "arbitration",
  "petition",
  "negotiation",
]);

/** A route key of the statistics (``by_route``) as a short chart label: cases not yet routed come as
 * "unrouted" (issue 16: the chart showed the key). */
export function statsRouteLabel(key: string): string {
  if (key === "unrouted") return "未分流";
  return label(ROUTES, key).replace(/（.*）/, "");
}

export const CASE_STATUSES = choices([
  "registered",
  "routed",
  "in_mediation",
  "returned",
  "transferred_to_arbitration",
  "referred_to_court",
  "referred_to_inspection",
  "legal_aid",
  "referred_to_petition",
  "in_negotiation",
  "resolved",
  "closed",
]);

/** The agency desks (DOMAIN.md §10) and the role that works each. */
export const DESKS: { value: string; label: string; role: string }[] = [
  { value: "inspection", label: "劳动保障监察", role: "inspector" },
  { value: "legal_aid", label: "法律援助", role: "legal_aid_officer" },
  { value: "petition", label: "信访", role: "petition_officer" },
  { value: "negotiation", label: "三方协调", role: "coordinator" },
];

export const RESPONDENT_ROLES = choices(["employer", "dispatch_agency", "host_employer"]);

export const GRADES: Record<string, { label: string; tag: "danger" | "warning" | "success" }> = {
  red: { label: "红", tag: "danger" },
  yellow: { label: "黄", tag: "warning" },
  green: { label: "绿", tag: "success" },
};

export const TERMINATION_REASONS = choices([
  "no_agreement",
  "party_refused",
  "false_information",
  "delay",
  "other",
]);

export const PARTIES = choices(["worker", "employer", "both"], LABELS.parties);

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

/** What a personal-data read covered (intake's ``pii_access.fields``: "id_number,phone",
 * "attachment:<id>") in Chinese. */
export function piiFieldsLabel(fields: string | null | undefined): string {
  if (!fields) return "";
  return fields
    .split(",")
    .map((f) => (f.startsWith("attachment:") ? "证据材料" : codeLabel(f.trim())))
    .join("、");
}

/** A read's purpose: the staff's own words, or a code the services set (``online_application_review``). */
export function piiPurposeLabel(purpose: string | null | undefined): string {
  if (!purpose) return "";
  return /^[a-z_]+$/.test(purpose) ? codeLabel(purpose) : purpose;
}
