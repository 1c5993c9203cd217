import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { REFRESH_MARGIN_MS, useAuthStore } from "@/stores/auth";

import { fakeGateway, json, jwt } from "./helpers";

function tokenBody(n: number, roles = ["clerk"]) {
  return {
    access_token: jwt({ sub: "u1", name: "王芳（窗口受理）", roles, center_id: "futian", exp: 0 }) + n,
    refresh_token: `rt${n}`,
    expires_in: 900,
    token_type: "Bearer",
  };
}

describe("the signed-in person", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    sessionStorage.clear();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("logs in with the password grant and reads name and roles from the token", async () => {
    const gw = fakeGateway({ "POST /auth/token": () => json(200, tokenBody(1)) });
    vi.stubGlobal("fetch", gw.fetchImpl);
    const auth = useAuthStore();
    await auth.login("clerk", "secret");
    expect(new URLSearchParams(gw.sent[0].body).get("grant_type")).toBe("password");
    expect(gw.sent[0].headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(auth.displayName).toBe("王芳（窗口受理）");
    expect(auth.hasRole("clerk")).toBe(true);
    expect(auth.home()).toBe("/intake");
    expect(JSON.parse(sessionStorage.getItem("onewindow.session") ?? "{}").refreshToken).toBe("rt1");
  });

  it("says a wrong password in Chinese", async () => {
    vi.stubGlobal(
      "fetch",
      fakeGateway({ "POST /auth/token": () => json(400, { error: "invalid_grant" }) }).fetchImpl,
    );
    await expect(useAuthStore().login("clerk", "nope")).rejects.toThrow("用户名或密码错误，或账号已停用");
  });

  it("refreshes silently a minute before the access token expires, rotating the refresh token", async () => {
    vi.useFakeTimers();
    let n = 1;
    const gw = fakeGateway({ "POST /auth/token": () => json(200, tokenBody(n++)) });
    vi.stubGlobal("fetch", gw.fetchImpl);
    const auth = useAuthStore();
    await auth.login("clerk", "secret");
    await vi.advanceTimersByTimeAsync(900_000 - REFRESH_MARGIN_MS - 1_000);
    expect(gw.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(gw.sent).toHaveLength(2);
    expect(Object.fromEntries(new URLSearchParams(gw.sent[1].body))).toEqual({
      grant_type: "refresh_token",
      refresh_token: "rt1",
    });
    expect(auth.refreshToken).toBe("rt2");
  });

  it("refreshes once for many callers (a reused refresh token would end the session)", async () => {
    let n = 1;
    const gw = fakeGateway({ "POST /auth/token": () => json(200, tokenBody(n++)) });
    vi.stubGlobal("fetch", gw.fetchImpl);
    const auth = useAuthStore();
    await auth.login("clerk", "secret");
    await Promise.all([auth.refresh(), auth.refresh(), auth.refresh()]);
    expect(gw.sent).toHaveLength(2);
  });

  it("ends the session when the refresh token is refused, and keeps it when the network is down", async () => {
    let mode: "ok" | "refuse" | "down" = "ok";
    vi.stubGlobal("fetch", async (input: Request | string, init?: RequestInit) => {
      if (mode === "down") throw new TypeError("Failed to fetch");
      return fakeGateway({
        "POST /auth/token": () =>
          mode === "ok" ? json(200, tokenBody(1)) : json(400, { error: "invalid_grant" }),
      }).fetchImpl(input, init);
    });
    const auth = useAuthStore();
    await auth.login("clerk", "secret");
    mode = "down";
    await expect(auth.refresh()).rejects.toMatchObject({ kind: "network" });
    expect(auth.loggedIn).toBe(true);
    mode = "refuse";
    expect(await auth.refresh()).toBe(false);
    expect(auth.loggedIn).toBe(false);
    expect(auth.endedReason).toBe("登录已失效，请重新登录");
  });

  it("picks the session up after a reload and forgets it on logout", async () => {
    vi.stubGlobal(
      "fetch",
      fakeGateway({ "POST /auth/token": () => json(200, tokenBody(1, ["mediator"])) }).fetchImpl,
    );
    await useAuthStore().login("mediator1", "secret");
    setActivePinia(createPinia());
    const again = useAuthStore();
    again.restore();
    expect(again.loggedIn).toBe(true);
    expect(again.home()).toBe("/workbench");
    again.logout();
    expect(sessionStorage.getItem("onewindow.session")).toBeNull();
    expect(again.loggedIn).toBe(false);
  });

  it("revokes the refresh token at the gateway on logout", async () => {
    const gateway = fakeGateway({
      "POST /auth/token": () => json(200, tokenBody(1, ["clerk"])),
      "POST /auth/revoke": () => new Response(null, { status: 200 }),
    });
    vi.stubGlobal("fetch", gateway.fetchImpl);
    const auth = useAuthStore();
    await auth.login("clerk", "secret");
    const refreshToken = auth.refreshToken;
    await auth.logout();
    const revoke = gateway.sent.find((s) => s.path === "/auth/revoke");
    expect(revoke?.method).toBe("POST");
    expect(new URLSearchParams(revoke?.body).get("token")).toBe(refreshToken);
    expect(auth.loggedIn).toBe(false);
  });
});
