// Form logic of the mediator workbench: double-booking checks, instalment plans (the deadline order
// is the service's: GET /proceedings?sort=deadline).
// The service decides (409 on a double booking, 422 on an inconsistent agreement); these checks
// tell the mediator before they press the button.

import type { MediationSchemas } from "@/api";
import { addDays, toFen } from "@/utils/format";

export type Proceeding = MediationSchemas["ProceedingPublic"];
export type Session = MediationSchemas["SessionPublic"];
export type AgreementCreate = MediationSchemas["AgreementCreate"];

/** The scheduled sessions that overlap [start, end) (cancelled ones do not count). */
export function clashes(start: Date, end: Date, sessions: Session[], ignoreId?: string): Session[] {
  return sessions.filter((s) => {
    if (s.id === ignoreId || s.status === "cancelled") return false;
    const s0 = new Date(s.starts_at).getTime();
    const s1 = new Date(s.ends_at).getTime();
    return s0 < end.getTime() && start.getTime() < s1;
  });
}

export interface PaymentRow {
  key: string;
  due_on: string;
  amount: string;
  payer: string;
  payee: string;
}

function fenToString(fen: bigint): string {
  return `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
}

/** Split a total into ``count`` instalments a month apart (30 days), the remainder on the last. */
export function splitInstalments(
  total: string,
  count: number,
  firstDue: string,
  payer: string,
  payee: string,
): PaymentRow[] {
  const fen = toFen(total) ?? 0n;
  const n = BigInt(Math.max(1, count));
  const each = fen / n;
  return Array.from({ length: Number(n) }, (_, i) => ({
    key: `p${i}-${Date.now().toString(36)}`,
    due_on: addDays(firstDue, 30 * i),
    amount: fenToString(i === Number(n) - 1 ? fen - each * (n - 1n) : each),
    payer,
    payee,
  }));
}

export function paymentsTotal(rows: PaymentRow[]): string {
  return fenToString(rows.reduce((sum, r) => sum + (toFen(r.amount) ?? 0n), 0n));
}

export interface AgreementDraft {
  scope: "full" | "partial";
  signed_on: string;
  effective_on: string;
  terms: string;
  facts: string;
  total_amount: string;
  payments: PaymentRow[];
  confirmation: "none" | "judicial" | "arbitration";
  signatures: { party: "worker" | "employer" | "mediator" | "organisation_seal"; name: string }[];
}

/** Problems the service would also report, keyed by its field paths. */
export function agreementErrors(d: AgreementDraft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (d.terms.trim().length < 2) errors.terms = "请填写协议条款";
  const total = toFen(d.total_amount);
  if (total === null) errors.total_amount = "请填写协议总额（元，最多两位小数）";
  d.payments.forEach((p, i) => {
    if (!p.due_on) errors[`payments[${i}].due_on`] = "请填写支付日期";
    else if (d.signed_on && p.due_on < d.signed_on)
      errors[`payments[${i}].due_on`] = "支付日期不能早于协议签订日期";
    const fen = toFen(p.amount);
    if (fen === null || fen <= 0n) errors[`payments[${i}].amount`] = "金额须大于0";
    if (!p.payer.trim()) errors[`payments[${i}].payer`] = "请填写付款方";
    if (!p.payee.trim()) errors[`payments[${i}].payee`] = "请填写收款方";
  });
  if (total !== null && d.payments.length && toFen(paymentsTotal(d.payments)) !== total) {
    errors.payments = `分期金额合计${paymentsTotal(d.payments)}元与协议总额${d.total_amount}元不一致`;
  }
  if (total !== null && total > 0n && !d.payments.length)
    errors.payments = "协议约定支付金额的，须填写支付安排";
  if (d.effective_on && d.signed_on && d.effective_on < d.signed_on)
    errors.effective_on = "生效日期不能早于签订日期";
  d.signatures.forEach((s, i) => {
    if (!s.name.trim()) errors[`signatures[${i}].name`] = "请填写签字人";
  });
  return errors;
}

export function buildAgreement(d: AgreementDraft): AgreementCreate {
  return {
    scope: d.scope,
    signed_on: d.signed_on,
    effective_on: d.effective_on,
    terms: d.terms.trim(),
    facts: d.facts.trim() || null,
    total_amount: d.total_amount.trim(),
    payments: d.payments.map((p) => ({
      due_on: p.due_on,
      amount: p.amount.trim(),
      payer: p.payer.trim(),
      payee: p.payee.trim(),
    })),
    parties_request_judicial_confirmation: d.confirmation === "judicial",
    parties_request_arbitration_review: d.confirmation === "arbitration",
    signatures: d.signatures.map((s) => ({ party: s.party, name: s.name.trim(), signed_on: d.signed_on })),
  };
}
