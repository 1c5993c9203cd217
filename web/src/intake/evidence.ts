// Evidence attachments (证据材料) and the service ledger (送达): labels, the upload with progress
// (XMLHttpRequest: fetch cannot report upload progress) and the ledger's per-party summary.

import { errorFromProblem, networkError, type Problem } from "@/api/errors";
import type { IntakeSchemas } from "@/api";

export type Attachment = IntakeSchemas["AttachmentPublic"];
export type Ledger = IntakeSchemas["ServiceLedger"];
export type ServiceRecord = IntakeSchemas["ServiceRecordPublic"];

export const EVIDENCE_TYPES: { value: IntakeSchemas["EvidenceType"]; label: string }[] = [
  { value: "labour_contract", label: "劳动合同" },
  { value: "pay_slip", label: "工资条/工资流水" },
  { value: "attendance_record", label: "考勤记录" },
  { value: "chat_screenshot", label: "聊天记录截图" },
  { value: "id_copy", label: "身份证复印件" },
  { value: "termination_notice", label: "解除劳动合同通知" },
  { value: "social_insurance", label: "社保缴纳记录" },
  { value: "medical_record", label: "病历/工伤材料" },
  { value: "service_receipt", label: "送达回证（签收件）" },
  { value: "other", label: "其他材料" },
];

export const DOCUMENT_KINDS: { value: IntakeSchemas["DocumentKind"]; label: string }[] = [
  { value: "receipt", label: "受理回执" },
  { value: "mediation_notice", label: "调解通知书" },
  { value: "mediation_agreement", label: "调解协议书" },
  { value: "termination", label: "调解终结书" },
  { value: "undisputed_facts", label: "无争议事实确认书" },
  { value: "payment_order", label: "支付令" },
  { value: "other", label: "其他文书" },
];

export const SERVICE_METHODS: { value: IntakeSchemas["ServiceMethod"]; label: string }[] = [
  { value: "in_person", label: "直接送达" },
  { value: "sms", label: "短信送达" },
  { value: "post", label: "邮寄送达" },
  { value: "email", label: "电子邮件送达" },
];

export const SERVICE_STATUSES: Record<
  string,
  { label: string; tag: "info" | "warning" | "success" | "danger" }
> = {
  pending: { label: "待送达", tag: "warning" },
  sent: { label: "已发送，待回执", tag: "info" },
  served: { label: "已送达", tag: "success" },
  failed: { label: "送达失败", tag: "danger" },
};

export const ACCEPT = ".pdf,.jpg,.jpeg,.png,.heic,.webp,.docx,.xlsx";

/** ``1536`` -> ``1.5 KB``. */
export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}

/** Per party: how many documents were served and which are still pending (their titles). */
export function partySummary(ledger: Ledger): { party: string; served: number; pending: string[] }[] {
  const out = new Map<string, { party: string; served: number; pending: string[] }>();
  for (const doc of ledger.documents) {
    for (const r of doc.records) {
      const row = out.get(r.party_id) ?? { party: r.party_name, served: 0, pending: [] };
      if (r.status === "served") row.served += 1;
      else row.pending.push(doc.title);
      out.set(r.party_id, row);
    }
  }
  return [...out.values()];
}

/** What the service form must have for the method chosen (the service checks the same, by field). */
export function serviceFormErrors(form: {
  method: string;
  served_at: string;
  address: string;
  tracking_no: string;
  signed_by: string;
  proof_attachment_id: string;
}): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!form.served_at) errors.served_at = "请填写送达时间";
  if (form.method === "in_person" && !form.signed_by && !form.proof_attachment_id)
    errors.signed_by = "直接送达须记录签收人或选择签收的送达回证";
  if (form.method === "post") {
    if (!form.address) errors.address = "请填写邮寄地址";
    if (!form.tracking_no) errors.tracking_no = "请填写邮件号";
  }
  if (form.method === "email" && !form.address.includes("@")) errors.address = "请填写电子邮箱地址";
  return errors;
}

export interface UploadRequest {
  url: string;
  token: string | null;
  file: File;
  evidenceType: string;
  description?: string;
  onProgress?: (percent: number) => void;
  xhr?: () => XMLHttpRequest;
}

/** POST the file as multipart/form-data, reporting progress; the new attachment or an ApiError. */
export function uploadAttachment(req: UploadRequest): Promise<Attachment> {
  const body = new FormData();
  body.append("file", req.file, req.file.name);
  body.append("evidence_type", req.evidenceType);
  if (req.description) body.append("description", req.description);
  return new Promise((resolve, reject) => {
    const xhr = req.xhr ? req.xhr() : new XMLHttpRequest();
    xhr.open("POST", req.url);
    if (req.token) xhr.setRequestHeader("Authorization", `Bearer ${req.token}`);
    xhr.upload.onprogress = (e: ProgressEvent) => {
      if (e.lengthComputable && req.onProgress) req.onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(networkError(new Error("upload failed")));
    xhr.onload = () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed as Attachment);
      else reject(errorFromProblem(xhr.status, (parsed ?? {}) as Problem));
    };
    xhr.send(body);
  });
}
