// The fetch every API client uses: adds the access token, refreshes it once on a 401 and retries,
// and turns a dropped connection into an ApiError the screens show plainly.

import { networkError } from "./errors";

export interface TokenSource {
  /** A valid access token (refreshed first when it is about to expire), or null when logged out. */
  accessToken(): Promise<string | null>;
  /** Force a refresh after a 401; false when the session is over. */
  refresh(): Promise<boolean>;
  /** Called when the session cannot be renewed. */
  expired(): void;
}

export interface ConnectionListener {
  online(): void;
  offline(kind: "network" | "unavailable"): void;
}

export function createAuthFetch(
  tokens: TokenSource,
  connection: ConnectionListener,
  fetchImpl: (input: Request) => Promise<Response> = (r) => globalThis.fetch(r),
): (input: Request) => Promise<Response> {
  async function send(request: Request, token: string | null): Promise<Response> {
    const attempt = request.clone();
    if (token) attempt.headers.set("Authorization", `Bearer ${token}`);
    let response: Response;
    try {
      response = await fetchImpl(attempt);
    } catch (cause) {
      connection.offline("network");
      throw networkError(cause);
    }
    if (response.status === 502 || response.status === 503 || response.status === 504)
      connection.offline("unavailable");
    else connection.online();
    return response;
  }

  return async (request: Request) => {
    const response = await send(request, await tokens.accessToken());
    if (response.status !== 401) return response;
    if (!(await tokens.refresh())) {
      tokens.expired();
      return response;
    }
    const retried = await send(request, await tokens.accessToken());
    if (retried.status === 401) tokens.expired();
    return retried;
  };
}
