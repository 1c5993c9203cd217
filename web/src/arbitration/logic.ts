// 仲裁审查确认 and direct arbitration from the case page (decision 0018): which applications the
// case offers now, the 申请书 preview the clerk checks before sending, and how a request's clock and
// result read. Pure functions: the component only fetches and shows.

import type { ArbitrationSchemas, IntakeSchemas, MediationSchemas } from "@/api";

export type CasePublic = IntakeSchemas["CasePublic"];
export type TransferView = ArbitrationSchemas["TransferView"];
export type ReviewView = ArbitrationSchemas["ReviewView"];
export type TransferKind = TransferView["kind"];
export type AgreementReview = NonNullable<MediationSchemas["AgreementPublic"]["arbitration_review"]>;

export const TRANSFER_KINDS: { value: TransferKind; label: string; note: string }[] = [
  {
    value: "refused_mediation",
    label: "拒绝调解，直接申请仲裁",
    note: "调解遵循自愿原则（人民调解法第17条）：申请人不愿调解的，可直接向仲裁院申请仲裁",
  },
  {
    value: "breached_agreement",
    label: "不履行调解协议，申请仲裁",
    note: "调解协议约定的款项逾期未付的，申请人可申请仲裁（劳动人事争议仲裁办案规则第75条）",
  },
  {
    value: "failed_mediation",
    label: "调解不成，转仲裁",
    note: "调解终结或期限届满未达成协议的，案件材料连同无争议事实移送仲裁院",
  },
];

export const TRANSFER_STATES: Record<TransferView["state"], string> = {
  preparing: "准备材料中",
  requested: "已移送，待仲裁院决定受理",
  accepted: "仲裁院已受理",
  rejected: "仲裁院不予受理",
};

export const REVIEW_STATES: Record<ReviewView["state"], string> = {
  preparing: "准备材料中",
  requested: "已申请，待仲裁院审查",
  decided: "仲裁院已作出决定",
};

/** The kinds of direct application the case's status allows (the bridge re-checks and explains). */
export function offeredKinds(kase: Pick<CasePublic, "status" | "dispute_type">): TransferKind[] {
  if (kase.dispute_type === "interest") return []; // 劳动法第84条: not arbitrated
  switch (kase.status) {
    case "registered":
    case "routed":
      return ["refused_mediation"];
    case "returned":
      return ["failed_mediation", "refused_mediation"];
    case "resolved":
      return ["breached_agreement"];
    default:
      return [];
  }
}

/** A review can be asked for while the agreement awaits performance (within its 15 days). */
export function canAskReview(kase: Pick<CasePublic, "status">, reviews: ReviewView[]): boolean {
  return (
    kase.status === "resolved" && !reviews.some((r) => r.state !== "decided" || r.decision === "confirmed")
  );
}

/** Whether a new transfer may be sent: none active (a rejected one may be sent again). */
export function canTransfer(transfers: TransferView[]): boolean {
  return !transfers.some((t) => t.state !== "rejected");
}

export interface PreviewParty {
  role: string;
  name: string;
  address: string;
}

export interface ApplicationPreview {
  title: string;
  applicants: PreviewParty[];
  respondents: PreviewParty[];
  requests: { label: string; amount: string }[];
  total: string;
  facts: string;
  undisputedFacts: string;
  missing: string[];
}

/** The 申请书 as the commission will receive it (identities are read by the bridge, not shown here). */
export function applicationPreview(
  kase: Pick<CasePublic, "applicants" | "respondents" | "claims" | "facts">,
  kind: TransferKind,
  undisputedFacts = "",
): ApplicationPreview {
  const missing: string[] = [];
  const party = (role: string) => (p: { name: string; address?: string | null }) => {
    if (!p.address) missing.push(`${p.name}的送达地址`);
    return { role, name: p.name, address: p.address ?? "" };
  };
  const applicants = kase.applicants.map(party("申请人"));
  const respondents = kase.respondents.map(party("被申请人"));
  if (!kase.claims.length) missing.push("仲裁请求");
  const requests = kase.claims.map((c) => ({ label: c.category_label, amount: String(c.amount) }));
  const cents = kase.claims.reduce((sum, c) => sum + Math.round(Number(c.amount) * 100), 0);
  return {
    title: TRANSFER_KINDS.find((k) => k.value === kind)?.label ?? "仲裁申请",
    applicants,
    respondents,
    requests,
    total: (cents / 100).toFixed(2),
    facts: kase.facts,
    undisputedFacts: undisputedFacts.trim(),
    missing,
  };
}

/** How a clock reads: "还剩3日（2026-12-08前）", "今日到期", "已逾期2日". */
export function clockText(dueOn: string | null | undefined, daysLeft: number | null | undefined): string {
  if (!dueOn || daysLeft === null || daysLeft === undefined) return "";
  if (daysLeft < 0) return `已逾期${-daysLeft}日（应于${dueOn}前）`;
  if (daysLeft === 0) return `今日到期（${dueOn}）`;
  return `还剩${daysLeft}日（${dueOn}前）`;
}

/** The result line of a transfer: the commission's case number, or its reason for refusing. */
export function transferResult(t: TransferView): string {
  if (t.state === "accepted") return `仲裁案号：${t.arbitration_case_no ?? ""}`;
  if (t.state === "rejected") return `不予受理理由：${t.decision_reason ?? ""}`;
  return "";
}

/** The result line of a review: the 仲裁调解书 number, or the reason for refusing. */
export function reviewResult(r: ReviewView): string {
  if (r.decision === "confirmed") return `审查确认，出具仲裁调解书：${r.document_no ?? ""}`;
  if (r.decision === "refused") return `不予确认：${r.decision_reason ?? ""}`;
  return "";
}

/** The review as the agreement shows it (mediation keeps what the bridge reported). */
export function arbitrationReviewText(r: AgreementReview): string {
  if (r.state === "confirmed") return `仲裁院已审查确认，出具仲裁调解书（${r.document_no ?? ""}）`;
  if (r.state === "refused") return `仲裁院不予确认${r.reason ? "：" + r.reason : ""}`;
  return `已向仲裁院申请，待审查${r.due_on ? `（应于${r.due_on}前作出结论）` : ""}`;
}
