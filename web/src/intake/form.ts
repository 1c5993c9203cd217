// The window-intake form: what the clerk types (strings, as typed), live checks, and the
// registration body the intake service receives (CaseCreate from its OpenAPI).

import type { IntakeSchemas } from "@/api";
import { toFen } from "@/utils/format";
import { uuid4 } from "@/utils/uuid";
import {
  checkCreditCode,
  checkIdNumber,
  checkMobile,
  normalizeCreditCode,
  normalizeIdNumber,
  normalizeMobile,
} from "@/validators/identifiers";

export type CaseCreate = IntakeSchemas["CaseCreate"];
export type TriageResult = IntakeSchemas["TriageResult"];

export interface ApplicantRow {
  key: string;
  name: string;
  id_number: string;
  phone: string;
  address: string;
  occupation: string;
  monthly_wage: string;
  migrant_worker: boolean;
  platform_worker: boolean;
}

export interface RespondentRow {
  key: string;
  name: string;
  credit_code: string;
  role: "employer" | "dispatch_agency" | "host_employer";
  address: string;
  legal_representative: string;
  phone: string;
  industry: string;
}

export interface ClaimRow {
  key: string;
  category: string;
  amount: string;
  period_start_on: string;
  period_end_on: string;
  description: string;
  /** The clerk confirms every applicant claims the same amount for this item (LDMAL 47 is judged per worker). */
  equal_shares?: boolean;
}

export interface RouteDecision {
  /** null: follow the suggestion */
  route: string | null;
  reason: string;
}

export interface IntakeForm {
  idempotencyKey: string;
  channel: string;
  applicants: ApplicantRow[];
  respondents: RespondentRow[];
  claims: ClaimRow[];
  facts: string;
  employment_start_on: string;
  employment_end_on: string;
  knew_on: string;
  street: string;
  signals: { employer_absconded: boolean; collective_action: boolean; repeat_complaint: boolean };
  decision: RouteDecision;
}

let counter = 0;
function key(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

export function blankApplicant(partial: Partial<ApplicantRow> = {}): ApplicantRow {
  return {
    key: key("a"),
    name: "",
    id_number: "",
    phone: "",
    address: "",
    occupation: "",
    monthly_wage: "",
    migrant_worker: false,
    platform_worker: false,
    ...partial,
  };
}

export function blankRespondent(partial: Partial<RespondentRow> = {}): RespondentRow {
  return {
    key: key("r"),
    name: "",
    credit_code: "",
    role: "employer",
    address: "",
    legal_representative: "",
    phone: "",
    industry: "",
    ...partial,
  };
}

export function blankClaim(partial: Partial<ClaimRow> = {}): ClaimRow {
  return {
    key: key("c"),
    category: "",
    amount: "",
    period_start_on: "",
    period_end_on: "",
    description: "",
    ...partial,
  };
}

export function blankForm(): IntakeForm {
  return {
    idempotencyKey: uuid4(),
    channel: "walk_in",
    applicants: [blankApplicant()],
    respondents: [blankRespondent()],
    claims: [blankClaim()],
    facts: "",
    employment_start_on: "",
    employment_end_on: "",
    knew_on: "",
    street: "",
    signals: { employer_absconded: false, collective_action: false, repeat_complaint: false },
    decision: { route: null, reason: "" },
  };
}

// --- live checks (what the clerk sees while typing) --------------------------------------------

export type RowErrors = Record<string, string>;

const isBlank = (s: string) => !s || !s.trim();

export function applicantIsEmpty(a: ApplicantRow): boolean {
  return isBlank(a.name) && isBlank(a.id_number) && isBlank(a.phone);
}

export function respondentIsEmpty(r: RespondentRow): boolean {
  return isBlank(r.name) && isBlank(r.credit_code);
}

export function claimIsEmpty(c: ClaimRow): boolean {
  return !c.category && isBlank(c.amount) && isBlank(c.description);
}

/** Problems of one applicant row; an ID number is judged once it could be complete. */
export function applicantErrors(a: ApplicantRow, today: Date = new Date()): RowErrors {
  const errors: RowErrors = {};
  if (applicantIsEmpty(a)) return errors;
  if (isBlank(a.name)) errors.name = "请填写姓名";
  if (isBlank(a.id_number)) errors.id_number = "请填写公民身份号码";
  else {
    const checked = checkIdNumber(a.id_number, today);
    if (!checked.ok) errors.id_number = checked.message;
  }
  if (!isBlank(a.phone)) {
    const checked = checkMobile(a.phone);
    if (!checked.ok) errors.phone = checked.message;
  }
  if (!isBlank(a.monthly_wage) && toFen(a.monthly_wage) === null)
    errors.monthly_wage = "月工资应为金额，最多两位小数";
  return errors;
}

export function respondentErrors(r: RespondentRow): RowErrors {
  const errors: RowErrors = {};
  if (respondentIsEmpty(r)) return errors;
  if (r.name.trim().length < 2) errors.name = "请填写单位名称";
  if (isBlank(r.credit_code)) errors.credit_code = "请填写统一社会信用代码";
  else {
    const checked = checkCreditCode(r.credit_code);
    if (!checked.ok) errors.credit_code = checked.message;
  }
  return errors;
}

export function claimErrors(c: ClaimRow): RowErrors {
  const errors: RowErrors = {};
  if (claimIsEmpty(c)) return errors;
  if (!c.category) errors.category = "请选择请求事项";
  if (!isBlank(c.amount) && toFen(c.amount) === null) errors.amount = "金额应为数字，最多两位小数";
  if (c.period_start_on && c.period_end_on && c.period_end_on < c.period_start_on) {
    errors.period_end_on = "结束日期不能早于开始日期";
  }
  return errors;
}

/** Duplicate ID numbers among the applicants: row key → message. */
export function duplicateIdErrors(applicants: ApplicantRow[]): RowErrors {
  const first = new Map<string, number>();
  const errors: RowErrors = {};
  applicants.forEach((a, i) => {
    if (isBlank(a.id_number)) return;
    const id = normalizeIdNumber(a.id_number);
    if (first.has(id)) errors[a.key] = `与第${(first.get(id) ?? 0) + 1}位申请人的身份证号重复`;
    else first.set(id, i);
  });
  return errors;
}

/** Every live problem keyed the way the form shows them: ``applicants.<rowKey>.<field>``. */
export function formErrors(form: IntakeForm, today: Date = new Date()): RowErrors {
  const errors: RowErrors = {};
  form.applicants.forEach((a) => {
    for (const [f, m] of Object.entries(applicantErrors(a, today))) errors[`applicants.${a.key}.${f}`] = m;
  });
  for (const [k, m] of Object.entries(duplicateIdErrors(form.applicants))) {
    errors[`applicants.${k}.id_number`] ??= m;
  }
  form.respondents.forEach((r) => {
    for (const [f, m] of Object.entries(respondentErrors(r))) errors[`respondents.${r.key}.${f}`] = m;
  });
  form.claims.forEach((c) => {
    for (const [f, m] of Object.entries(claimErrors(c))) errors[`claims.${c.key}.${f}`] = m;
  });
  if (
    form.employment_start_on &&
    form.employment_end_on &&
    form.employment_end_on < form.employment_start_on
  ) {
    errors.employment_end_on = "离职日期不能早于入职日期";
  }
  return errors;
}

/** What is still missing before the case can be saved (shown as a checklist). */
export function missing(form: IntakeForm): string[] {
  const out: string[] = [];
  if (!form.applicants.some((a) => !applicantIsEmpty(a))) out.push("至少一名申请人");
  if (!form.respondents.some((r) => !respondentIsEmpty(r))) out.push("被申请人（用人单位）");
  if (!form.claims.some((c) => !claimIsEmpty(c))) out.push("至少一项请求事项");
  if (isBlank(form.facts)) out.push("事实与理由");
  return out;
}

export function readyToSend(form: IntakeForm, today: Date = new Date()): boolean {
  return missing(form).length === 0 && Object.keys(formErrors(form, today)).length === 0;
}

// --- the body the service receives ----------------------------------------------------------

export interface Built {
  body: CaseCreate;
  /** payload path prefix (``applicants[3]``) → form key prefix (``applicants.<rowKey>``) */
  paths: Record<string, string>;
}

const opt = (s: string): string | null => (isBlank(s) ? null : s.trim());
const money = (s: string): string | null => {
  const fen = toFen(s);
  if (fen === null) return isBlank(s) ? null : s.trim(); // let the service say what is wrong
  return `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
};

/** ``amount`` split into ``n`` equal shares in fen (the first shares take any remaining fen), or null
 * when there is nothing to split: the clerk stated that every applicant claims the same amount. */
export function equalShares(amount: string, n: number): string[] | null {
  const fen = toFen(amount);
  if (fen === null || n < 2) return null;
  const base = fen / BigInt(n);
  const rest = fen % BigInt(n);
  const yuan = (f: bigint) => `${f / 100n}.${String(f % 100n).padStart(2, "0")}`;
  return Array.from({ length: n }, (_, i) => yuan(base + (BigInt(i) < rest ? 1n : 0n)));
}

export function buildCase(form: IntakeForm, suggestedRoute: string | null): Built {
  const paths: Record<string, string> = {};
  const applicants = form.applicants.filter((a) => !applicantIsEmpty(a));
  const respondents = form.respondents.filter((r) => !respondentIsEmpty(r));
  const claims = form.claims.filter((c) => !claimIsEmpty(c));
  applicants.forEach((a, i) => (paths[`applicants[${i}]`] = `applicants.${a.key}`));
  respondents.forEach((r, i) => (paths[`respondents[${i}]`] = `respondents.${r.key}`));
  claims.forEach((c, i) => (paths[`claims[${i}]`] = `claims.${c.key}`));
  const body: CaseCreate = {
    channel: form.channel as CaseCreate["channel"],
    applicants: applicants.map((a) => ({
      name: a.name.trim(),
      id_number: normalizeIdNumber(a.id_number),
      phone: isBlank(a.phone) ? null : normalizeMobile(a.phone),
      address: opt(a.address),
      occupation: opt(a.occupation),
      monthly_wage: money(a.monthly_wage),
      migrant_worker: a.migrant_worker,
      platform_worker: a.platform_worker,
    })),
    respondents: respondents.map((r) => ({
      name: r.name.trim(),
      credit_code: normalizeCreditCode(r.credit_code),
      role: r.role,
      address: opt(r.address),
      legal_representative: opt(r.legal_representative),
      phone: opt(r.phone),
      industry: opt(r.industry),
    })),
    claims: claims.map((c) => ({
      category: c.category as IntakeSchemas["ClaimIn"]["category"],
      amount: money(c.amount) ?? "0.00",
      ...(c.equal_shares ? { amounts_by_applicant: equalShares(c.amount, applicants.length) } : {}),
      period_start_on: opt(c.period_start_on),
      period_end_on: opt(c.period_end_on),
      description: opt(c.description),
    })),
    facts: form.facts.trim(),
    employment_start_on: opt(form.employment_start_on),
    employment_end_on: opt(form.employment_end_on),
    knew_on: opt(form.knew_on),
    street: opt(form.street),
    signals: { ...form.signals },
  };
  const route = form.decision.route ?? suggestedRoute;
  if (route) {
    body.route = {
      route: route as IntakeSchemas["RouteChoice"]["route"],
      reason: route !== suggestedRoute ? opt(form.decision.reason) : null,
    };
  }
  return { body, paths };
}

/** The triage preview needs no route: the suggestion is what it computes. */
export function buildTriage(form: IntakeForm): CaseCreate {
  const { body } = buildCase(form, null);
  delete body.route;
  return body;
}

/** Map the service's field paths (``applicants[3].id_number``) to the form's keys. */
export function mapServerErrors(
  fieldErrors: Record<string, string>,
  paths: Record<string, string>,
): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const [field, message] of Object.entries(fieldErrors)) {
    const m = /^(applicants|respondents|claims)\[(\d+)\](?:\.(.+))?$/.exec(field);
    if (m) {
      const prefix = paths[`${m[1]}[${m[2]}]`];
      if (prefix && m[3]) {
        fields[`${prefix}.${m[3]}`] = message;
        continue;
      }
      general.push(
        `${m[1] === "applicants" ? "申请人" : m[1] === "respondents" ? "被申请人" : "请求事项"}第${Number(m[2]) + 1}项：${message}`,
      );
      continue;
    }
    if (field.startsWith("route")) {
      fields["decision.reason"] = message;
      continue;
    }
    const top = field.split(".")[0];
    if (["facts", "employment_start_on", "employment_end_on", "knew_on", "street", "channel"].includes(top)) {
      fields[top] = message;
      continue;
    }
    general.push(field ? `${field}：${message}` : message);
  }
  return { fields, general };
}

/** The preview's warnings (``applicants[1].id_number``) keyed like the form, each with the value sent
 * for that field; several warnings of one field are joined. */
export function mapServerWarnings(
  warnings: { field: string; message: string }[],
  body: CaseCreate,
  paths: Record<string, string>,
): Record<string, { value: string; message: string }> {
  const out: Record<string, { value: string; message: string }> = {};
  for (const { field, message } of warnings) {
    const m = /^(applicants|respondents|claims)\[(\d+)\]\.(.+)$/.exec(field);
    const prefix = m ? paths[`${m[1]}[${m[2]}]`] : undefined;
    const key = m && prefix ? `${prefix}.${m[3]}` : field;
    const row = m ? (body[m[1] as "applicants" | "respondents" | "claims"] as unknown[])[Number(m[2])] : body;
    const sent = (row as Record<string, unknown> | undefined)?.[m ? m[3] : field];
    const seen = out[key];
    out[key] = { value: String(sent ?? ""), message: seen ? `${seen.message}；${message}` : message };
  }
  return out;
}

/** A stable fingerprint of the body, to tell whether a retry sends the same registration. */
export function fingerprint(body: CaseCreate): string {
  return JSON.stringify(body);
}

export function totalClaimed(form: IntakeForm): bigint {
  return form.claims.reduce((sum, c) => sum + (toFen(c.amount) ?? 0n), 0n);
}
