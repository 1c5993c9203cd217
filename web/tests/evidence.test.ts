import { describe, expect, it } from "vitest";

import { ApiError } from "@/api/errors";
import {
  formatBytes,
  partySummary,
  serviceFormErrors,
  uploadAttachment,
  type Ledger,
} from "@/intake/evidence";

function record(party: string, name: string, status: string) {
  return {
    id: `${party}-${status}`,
    document_id: "d",
    party_id: party,
    party_role: "applicant",
    party_name: name,
    status,
  };
}

describe("the service ledger summary", () => {
  it("counts served documents and names the pending ones per party", () => {
    const ledger = {
      case_id: "c",
      pending: 2,
      documents: [
        {
          id: "d1",
          title: "调解通知书",
          records: [record("p1", "工人1", "served"), record("p2", "某公司", "pending")],
        },
        {
          id: "d2",
          title: "支付令",
          records: [record("p1", "工人1", "sent"), record("p2", "某公司", "served")],
        },
      ],
    } as unknown as Ledger;
    expect(partySummary(ledger)).toEqual([
      { party: "工人1", served: 1, pending: ["支付令"] },
      { party: "某公司", served: 1, pending: ["调解通知书"] },
    ]);
  });
});

describe("the service form", () => {
  const empty = {
    method: "in_person",
    served_at: "2026-12-01T10:00:00+08:00",
    address: "",
    tracking_no: "",
    signed_by: "",
    proof_attachment_id: "",
  };
  it("asks for the proof each method needs", () => {
    expect(serviceFormErrors(empty)).toEqual({ signed_by: "直接送达须记录签收人或选择签收的送达回证" });
    expect(serviceFormErrors({ ...empty, signed_by: "赵某" })).toEqual({});
    expect(Object.keys(serviceFormErrors({ ...empty, method: "post" }))).toEqual(["address", "tracking_no"]);
    expect(serviceFormErrors({ ...empty, method: "email", address: "a@b.cn" })).toEqual({});
    expect(serviceFormErrors({ ...empty, served_at: "", signed_by: "x" })).toEqual({
      served_at: "请填写送达时间",
    });
  });
  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10.0 MB");
  });
});

class FakeXhr {
  static last: FakeXhr;
  headers: Record<string, string> = {};
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  status = 0;
  responseText = "";
  method = "";
  url = "";
  body: FormData | null = null;
  constructor(private readonly answer: { status: number; body: unknown }) {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: FormData) {
    this.body = body;
    this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 } as ProgressEvent);
    this.status = this.answer.status;
    this.responseText = JSON.stringify(this.answer.body);
    this.onload?.();
  }
}

describe("uploading an attachment", () => {
  const file = new File([new Uint8Array([0x25, 0x50, 0x44, 0x46])], "合同.pdf");

  it("sends multipart with the token and reports progress", async () => {
    const seen: number[] = [];
    const result = await uploadAttachment({
      url: "/api/intake/cases/c1/attachments",
      token: "t0k",
      file,
      evidenceType: "labour_contract",
      onProgress: (p) => seen.push(p),
      xhr: () => new FakeXhr({ status: 201, body: { id: "a1" } }) as unknown as XMLHttpRequest,
    });
    expect(result.id).toBe("a1");
    expect(seen).toEqual([50]);
    expect(FakeXhr.last.headers.Authorization).toBe("Bearer t0k");
    expect(FakeXhr.last.body?.get("evidence_type")).toBe("labour_contract");
  });

  it("turns a 415 into an ApiError naming the detected type on the file field", async () => {
    const problem = {
      status: 415,
      title: "Unsupported media type",
      type: "x",
      errors: [{ field: "file", message: "不支持的文件类型：检测为 executable" }],
    };
    const failed = uploadAttachment({
      url: "/u",
      token: null,
      file,
      evidenceType: "other",
      xhr: () => new FakeXhr({ status: 415, body: problem }) as unknown as XMLHttpRequest,
    });
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    await failed.catch((e: ApiError) => expect(e.fieldErrors.file).toContain("executable"));
  });
});
