// A fake gateway for the unit tests: routes by method and path, records what was sent.

export interface Sent {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

type Handler = (sent: Sent) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type, ...headers } });
}

export function fakeGateway(routes: Record<string, Handler>) {
  const sent: Sent[] = [];
  async function fetchImpl(input: Request | string | URL, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const url = new URL(request.url);
    const entry: Sent = {
      method: request.method,
      path: url.pathname + url.search,
      headers: request.headers,
      body: await request.text(),
    };
    sent.push(entry);
    const key = `${request.method} ${url.pathname}`;
    const handler = routes[key];
    if (!handler) return json(404, { title: "Not found", detail: key });
    return handler(entry);
  }
  return { fetchImpl, sent };
}

/** An unsigned JWT with these claims (the SPA only reads them). */
export function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o))))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  return `${b64({ alg: "RS256", kid: "k" })}.${b64(claims)}.sig`;
}
