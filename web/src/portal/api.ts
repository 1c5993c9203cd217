// The portal's calls: plain fetch through the gateway with the party token (kept for this tab only).

export interface Answer<T> {
  ok: boolean;
  status: number;
  data: T;
}

const KEY = "onewindow.portal";

export interface PortalSession {
  token: string;
  phone: string;
  phoneMasked: string;
  expiresAt: number;
}

export function loadSession(): PortalSession | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const s = JSON.parse(raw) as PortalSession;
  return s.expiresAt > Date.now() ? s : null;
}

export function saveSession(s: PortalSession | null): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, data: { detail: "网络连接失败，请检查网络后重试" } as T };
  }
  const text = await response.text();
  const data = (text ? JSON.parse(text) : {}) as T;
  return { ok: response.ok, status: response.status, data };
}

/** A multipart upload (one file and its form fields); the browser sets the boundary. */
export async function upload<T>(path: string, form: FormData, token: string): Promise<Answer<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
      body: form,
    });
  } catch {
    return { ok: false, status: 0, data: { detail: "网络连接失败，请检查网络后重试" } as T };
  }
  const text = await response.text();
  let data: T;
  try {
    data = (text ? JSON.parse(text) : {}) as T;
  } catch {
    data = {} as T; // a proxy's HTML page (e.g. 413 from nginx): the status speaks
  }
  return { ok: response.ok, status: response.status, data };
}

// A PDF behind the party token: fetched with the header (a plain link cannot carry it), then
// handed to the browser as a download. Nothing is cached: the response is private, no-store.
export async function downloadPdf(path: string, token: string, fileName: string): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    return false;
  }
  if (!response.ok) return false;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return true;
}
