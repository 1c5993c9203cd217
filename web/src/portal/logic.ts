// Pure helpers of the portal (tested in tests/portal.test.ts).

import type { components } from "@/api/generated/intake";

export interface ProblemLike {
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

/** Field -> message from a problem+json body; "" is the form-level message. */
export function fieldErrors(problem: ProblemLike | undefined, status: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem?.errors ?? []) out[e.field] = e.message;
  if (!Object.keys(out).length) {
    out[""] =
      status === 429
        ? "操作过于频繁，请稍后再试"
        : status >= 500
          ? "服务暂时不可用，请稍后再试"
          : (problem?.detail ?? "提交失败，请检查后重试");
  }
  return out;
}

/** 11 digits starting 13–19, spaces and dashes ignored. */
export function normalisePhone(raw: string): string | null {
  const digits = raw.replace(/[\s-]/g, "").replace(/^\+86/, "");
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
}

const BEIJING = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

/** An instant as Beijing wall time: 2026/12/03 14:00. */
export function beijing(iso: string): string {
  return BEIJING.format(new Date(iso));
}

/** What to say about an online session's link that is not shown yet. */
export function linkNote(mode: string, link: string | null, availableFrom: string | null): string {
  if (mode !== "online") return "";
  if (link) return "";
  return availableFrom ? `会议链接将于 ${beijing(availableFrom)} 起显示` : "";
}

export const CLAIM_OPTIONS: [string, string][] = [
  ["wage_arrears", "拖欠工资"],
  ["overtime", "加班费"],
  ["severance", "经济补偿金"],
  ["unlawful_termination", "违法解除赔偿金"],
  ["no_contract_double_wage", "未签合同二倍工资"],
  ["notice_pay", "代通知金"],
  ["annual_leave", "未休年休假工资"],
  ["social_insurance", "社会保险"],
  ["work_injury", "工伤待遇"],
  ["confirm_relationship", "确认劳动关系"],
  ["other", "其他"],
];

export interface ApplicationForm {
  center_id: string;
  name: string;
  id_number: string;
  phone: string;
  address: string;
  employer_name: string;
  credit_code: string;
  employer_phone: string;
  category: string;
  amount: string;
  description: string;
  facts: string;
  employment_start_on: string;
  knew_on: string;
}

/** The form as intake's OnlineApplicationCreate (the window's own shape and checks). */
export function applicationBody(f: ApplicationForm): Record<string, unknown> {
  const blank = (v: string) => (v.trim() ? v.trim() : undefined);
  return {
    center_id: f.center_id,
    applicants: [
      { name: f.name.trim(), id_number: f.id_number.trim(), phone: f.phone, address: blank(f.address) },
    ],
    respondents: [
      {
        name: f.employer_name.trim(),
        credit_code: f.credit_code.trim().toUpperCase(),
        phone: blank(f.employer_phone),
      },
    ],
    claims: [{ category: f.category, amount: f.amount || "0", description: blank(f.description) }],
    facts: f.facts.trim(),
    employment_start_on: blank(f.employment_start_on),
    knew_on: blank(f.knew_on),
  };
}

// ---- evidence files of an online application ----------------------------------------------

// A party's own kinds of evidence (not the 送达回证, a staff paper); typed by the API's enum.
export const EVIDENCE_OPTIONS: [components["schemas"]["EvidenceType"], string][] = [
  ["labour_contract", "劳动合同"],
  ["pay_slip", "工资条/工资流水"],
  ["attendance_record", "考勤记录"],
  ["chat_screenshot", "聊天记录截图"],
  ["termination_notice", "解除劳动合同通知"],
  ["social_insurance", "社保缴纳记录"],
  ["id_copy", "身份证复印件"],
  ["medical_record", "病历/工伤材料"],
  ["other", "其他材料"],
];

export const EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.heic,.webp,.docx,.xlsx";

/** The Chinese label of an evidence type (the value itself if unknown). */
export function evidenceLabel(value: string): string {
  return EVIDENCE_OPTIONS.find(([v]) => v === value)?.[1] ?? value;
}

/** ``1536`` -> ``1.5KB``. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)}KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)}MB`;
}

/** One file's upload failure as the applicant reads it: the API's own message for the file
 * (type and size are checked there, from the content), else a plain one by status. */
export function uploadError(problem: ProblemLike | undefined, status: number): string {
  const field = problem?.errors?.find((e) => e.field === "file") ?? problem?.errors?.[0];
  if (field) return field.message;
  if (status === 413) return "文件过大，请压缩后再上传";
  if (status === 415) return "不支持的文件类型，请上传PDF或图片";
  if (status === 409) return "申请已处理，不能再添加材料";
  if (status === 0) return problem?.detail ?? "网络连接失败，请检查网络后重试";
  return fieldErrors(problem, status)[""] ?? "上传失败，请稍后重试";
}

export type UploadState = "pending" | "uploading" | "uploaded" | "failed";

export interface EvidenceItem {
  key: number;
  file: File;
  evidenceType: string;
  state: UploadState;
  error: string;
}

/** Files still to send: the ones never sent and the ones that failed (a retry). */
export function toUpload(items: EvidenceItem[]): EvidenceItem[] {
  return items.filter((i) => i.state === "pending" || i.state === "failed");
}

/** A file can be taken off the list until the API holds it (there is no delete for the applicant). */
export function removable(item: EvidenceItem): boolean {
  return item.state === "pending" || item.state === "failed";
}
