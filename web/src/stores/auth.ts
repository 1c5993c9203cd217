// The signed-in person: password login at the gateway, silent refresh before the access token
// expires (the refresh token is rotated on every use), logout, and the roles that shape navigation.

import { defineStore } from "pinia";

import { ApiError, messageFor, networkError, type Problem } from "@/api/errors";
import type { GatewaySchemas } from "@/api";
import { decodeClaims, type Claims } from "@/utils/jwt";

type TokenResponse = GatewaySchemas["TokenResponse"];

const STORAGE_KEY = "onewindow.session";
// Refresh this long before the access token expires (15-minute tokens: at 14 minutes).
export const REFRESH_MARGIN_MS = 60_000;

export type Role =
  | "clerk"
  | "mediator"
  | "supervisor"
  | "admin"
  | "inspector"
  | "legal_aid_officer"
  | "petition_officer"
  | "coordinator";

/** The desk a desk role works (DOMAIN.md §10). */
export const DESK_OF_ROLE: Record<string, string> = {
  inspector: "inspection",
  legal_aid_officer: "legal_aid",
  petition_officer: "petition",
  coordinator: "negotiation",
};

interface Saved {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

let timer: ReturnType<typeof setTimeout> | null = null;
let inflight: Promise<boolean> | null = null;

export class LoginError extends Error {}

async function tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
  let response: Response;
  try {
    response = await globalThis.fetch(`${window.location.origin}/auth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
  } catch (cause) {
    throw networkError(cause);
  }
  if (response.ok) return (await response.json()) as TokenResponse;
  let body: Problem & { error?: string; error_description?: string };
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  if (response.status >= 502 && response.status <= 504) {
    throw new ApiError("unavailable", response.status, messageFor(503, {}), body);
  }
  if (body.error === "invalid_grant") {
    throw new LoginError(
      form.grant_type === "password" ? "用户名或密码错误，或账号已停用" : "登录已失效，请重新登录",
    );
  }
  if (body.error === "slow_down" || response.status === 429) {
    const wait = response.headers.get("Retry-After");
    throw new LoginError(`登录失败次数过多，请${wait ? `${wait}秒` : "稍"}后再试`);
  }
  throw new LoginError(body.error_description ?? `登录失败（${response.status}）`);
}

export const useAuthStore = defineStore("auth", {
  state: () => ({
    accessToken: null as string | null,
    refreshToken: null as string | null,
    expiresAt: 0,
    claims: null as Claims | null,
    /** Why the person was sent back to the login page, if they did not log out themselves. */
    endedReason: null as string | null,
  }),
  getters: {
    loggedIn: (s) => Boolean(s.accessToken && s.claims),
    roles: (s): string[] => s.claims?.roles ?? [],
    displayName: (s) => s.claims?.name ?? s.claims?.sub ?? "",
    centerId: (s) => s.claims?.center_id ?? null,
  },
  actions: {
    hasRole(...roles: Role[]): boolean {
      return roles.some((r) => this.roles.includes(r));
    },

    /** The first screen for this person's roles. */
    home(): string {
      if (this.hasRole("clerk")) return "/intake";
      if (this.hasRole("mediator")) return "/workbench";
      if (this.hasRole("supervisor", "admin")) return "/dashboard";
      const desk = this.roles.map((r) => DESK_OF_ROLE[r]).find(Boolean);
      if (desk) return `/desks/${desk}`;
      return "/login";
    },

    async login(username: string, password: string): Promise<void> {
      const body = await tokenRequest({ grant_type: "password", username, password });
      this.accept(body);
      this.endedReason = null;
    },

    /** Renew the access token with the refresh token (one request at a time: reuse ends the session). */
    refresh(): Promise<boolean> {
      if (!this.refreshToken) return Promise.resolve(false);
      if (inflight) return inflight;
      const refreshToken = this.refreshToken;
      inflight = (async () => {
        try {
          this.accept(await tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken }));
          return true;
        } catch (error) {
          if (error instanceof ApiError && error.isConnectionProblem) {
            // Keep the session: the connection will come back. Try again shortly.
            this.schedule(15_000);
            throw error;
          }
          this.end("登录已失效，请重新登录");
          return false;
        } finally {
          inflight = null;
        }
      })();
      return inflight;
    },

    /** A token to send now, refreshed first when it is about to expire. */
    async validAccessToken(): Promise<string | null> {
      if (this.accessToken && this.refreshToken && Date.now() > this.expiresAt - 30_000) {
        await this.refresh().catch(() => false);
      }
      return this.accessToken;
    },

    accept(body: TokenResponse): void {
      this.accessToken = body.access_token;
      this.refreshToken = body.refresh_token ?? this.refreshToken;
      this.expiresAt = Date.now() + body.expires_in * 1000;
      this.claims = decodeClaims(body.access_token);
      this.save();
      this.schedule();
    },

    schedule(delay?: number): void {
      if (timer) clearTimeout(timer);
      if (!this.refreshToken) return;
      const wait = delay ?? Math.max(5_000, this.expiresAt - Date.now() - REFRESH_MARGIN_MS);
      timer = setTimeout(() => {
        this.refresh().catch(() => undefined);
      }, wait);
    },

    save(): void {
      if (!this.accessToken || !this.refreshToken) return;
      const saved: Saved = {
        accessToken: this.accessToken,
        refreshToken: this.refreshToken,
        expiresAt: this.expiresAt,
      };
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
    },

    /** Pick the session up again after a reload of the tab. */
    restore(): void {
      const raw = sessionStorage.getItem(STORAGE_KEY);
      if (!raw) return;
      try {
        const saved = JSON.parse(raw) as Saved;
        this.accessToken = saved.accessToken;
        this.refreshToken = saved.refreshToken;
        this.expiresAt = saved.expiresAt;
        this.claims = decodeClaims(saved.accessToken);
        this.schedule();
      } catch {
        sessionStorage.removeItem(STORAGE_KEY);
      }
    },

    end(reason: string | null): void {
      if (timer) clearTimeout(timer);
      timer = null;
      sessionStorage.removeItem(STORAGE_KEY);
      this.accessToken = null;
      this.refreshToken = null;
      this.expiresAt = 0;
      this.claims = null;
      this.endedReason = reason;
    },

    /** Sign out here and at the gateway: the refresh token is revoked (RFC 7009), so a copy of it
     * left in this tab's storage or a proxy log cannot open the session again. */
    logout(): Promise<void> {
      const refreshToken = this.refreshToken;
      this.end(null);
      if (!refreshToken) return Promise.resolve();
      return globalThis
        .fetch(`${window.location.origin}/auth/revoke`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token: refreshToken, token_type_hint: "refresh_token" }),
        })
        .then(
          () => undefined,
          () => undefined, // offline: the session still ends here and the token expires on its own
        );
    },
  },
});
