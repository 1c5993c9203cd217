// How an API failure reaches the person: problem+json errors by field, a lost connection or an
// unavailable service said plainly (the form keeps what was typed: nothing is cleared on error).

import type { components } from "./generated/intake";

export type FieldErrors = Record<string, string>;

export type ErrorKind = "network" | "unavailable" | "unauthenticated" | "http";

/** The services' problem+json body (RFC 9457), as every OpenAPI document declares it (the kit's
 * ``Problem`` schema); partial because a proxy or a dropped connection may answer something else. */
export type Problem = Partial<components["schemas"]["Problem"]>;

const STATUS_ZH: Record<number, string> = {
  400: "请求有误",
  401: "登录已失效，请重新登录",
  403: "您的角色无权执行此操作",
  404: "未找到该记录，或您无权查看",
  409: "操作与当前状态冲突",
  412: "记录已被他人修改，请刷新后重试",
  413: "提交的内容过大",
  415: "文件类型不受支持",
  422: "填写的内容有误，请按提示修改",
  428: "缺少版本信息，请刷新后重试",
  429: "操作过于频繁，请稍后再试",
};

export const NETWORK_MESSAGE =
  "无法连接服务器：网络已断开或网关未运行。已填写的内容仍保留，请恢复连接后重试。";
export const UNAVAILABLE_MESSAGE = "服务暂时不可用（503），请稍后重试。已填写的内容仍保留。";

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly problem: Problem;
  readonly fieldErrors: FieldErrors;
  /** Errors that name no field (or a field the form does not show). */
  readonly generalErrors: string[];

  constructor(kind: ErrorKind, status: number, message: string, problem: Problem = {}) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
    this.problem = problem;
    this.fieldErrors = {};
    this.generalErrors = [];
    for (const e of problem.errors ?? []) {
      if (e.field && !(e.field in this.fieldErrors)) this.fieldErrors[e.field] = e.message;
      else if (!e.field) this.generalErrors.push(e.message);
    }
  }

  get isConnectionProblem(): boolean {
    return this.kind === "network" || this.kind === "unavailable";
  }
}

/** The message a person reads for a failed response (Chinese detail from the service when it has one). */
export function messageFor(status: number, problem: Problem): string {
  if (problem.detail_zh) return problem.detail_zh;
  const base = STATUS_ZH[status] ?? `服务返回错误（${status}）`;
  if (status === 422 && problem.errors?.length) return base;
  // Details in English are for developers; show them after the Chinese summary.
  return problem.detail && problem.detail !== problem.title ? `${base}：${problem.detail}` : base;
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  let problem: Problem = {};
  const type = response.headers.get("content-type") ?? "";
  try {
    if (type.includes("json") && !response.bodyUsed) problem = (await response.clone().json()) as Problem;
  } catch {
    problem = {};
  }
  return errorFromProblem(response.status, problem);
}

/** The error for a status and its already parsed body (openapi-fetch reads the body itself). */
export function errorFromProblem(status: number, body: unknown): ApiError {
  const problem: Problem = body && typeof body === "object" ? (body as Problem) : {};
  if (status === 502 || status === 503 || status === 504) {
    return new ApiError("unavailable", status, UNAVAILABLE_MESSAGE, problem);
  }
  if (status === 401) return new ApiError("unauthenticated", status, messageFor(status, problem), problem);
  return new ApiError("http", status, messageFor(status, problem), problem);
}

export function networkError(cause: unknown): ApiError {
  const error = new ApiError("network", 0, NETWORK_MESSAGE);
  (error as { cause?: unknown }).cause = cause;
  return error;
}

/** Field errors under a prefix, re-keyed relative to it: ``under(errs, 'applicants[2]')``. */
export function fieldErrorsUnder(errors: FieldErrors, prefix: string): FieldErrors {
  const out: FieldErrors = {};
  for (const [field, message] of Object.entries(errors)) {
    if (field.startsWith(prefix + ".")) out[field.slice(prefix.length + 1)] = message;
  }
  return out;
}

/** What a person reads for anything a `catch` receives: the API's Chinese message, or the error's own. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The field errors an API failure names (none for any other failure), for a form's `:error`s. */
export function fieldErrorsOf(e: unknown): FieldErrors {
  return e instanceof ApiError ? e.fieldErrors : {};
}
