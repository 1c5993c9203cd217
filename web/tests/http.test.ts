import { describe, expect, it, vi } from "vitest";

import { createClients, ok } from "@/api/clients";
import { ApiError, NETWORK_MESSAGE } from "@/api/errors";
import { createAuthFetch, type TokenSource } from "@/api/http";

import { fakeGateway, json } from "./helpers";

function tokens(initial = "t1"): TokenSource & { current: string; refreshes: number } {
  const t = {
    current: initial,
    refreshes: 0,
    accessToken: async () => t.current,
    refresh: async () => {
      t.refreshes += 1;
      t.current = `t${t.refreshes + 1}`;
      return true;
    },
    expired: vi.fn(),
  };
  return t;
}

const connection = () => ({ online: vi.fn(), offline: vi.fn() });

describe("the authenticating fetch", () => {
  it("sends the bearer token and the typed body", async () => {
    const gw = fakeGateway({ "POST /api/intake/cases/triage": () => json(200, { grade: "yellow" }) });
    const clients = createClients(createAuthFetch(tokens(), connection(), gw.fetchImpl), "http://spa.test");
    const result = await ok(
      clients.intake.POST("/cases/triage", {
        body: { channel: "walk_in", applicants: [], respondents: [], claims: [], facts: "x" },
      }),
    );
    expect(result).toEqual({ grade: "yellow" });
    expect(gw.sent[0].headers.get("authorization")).toBe("Bearer t1");
    expect(JSON.parse(gw.sent[0].body).channel).toBe("walk_in");
  });

  it("refreshes once on a 401 and retries the same request", async () => {
    const t = tokens();
    const gw = fakeGateway({
      "GET /api/intake/cases": (s) =>
        s.headers.get("authorization") === "Bearer t2"
          ? json(200, { items: [], next_cursor: null })
          : json(401, { title: "Unauthorized" }),
    });
    const clients = createClients(createAuthFetch(t, connection(), gw.fetchImpl), "http://spa.test");
    await ok(clients.intake.GET("/cases", { params: { query: { limit: 5 } } }));
    expect(t.refreshes).toBe(1);
    expect(gw.sent.map((s) => s.headers.get("authorization"))).toEqual(["Bearer t1", "Bearer t2"]);
    expect(gw.sent[1].path).toBe("/api/intake/cases?limit=5");
  });

  it("ends the session when the refresh is refused", async () => {
    const t = tokens();
    t.refresh = async () => false;
    const gw = fakeGateway({ "GET /api/intake/stats": () => json(401, { title: "Unauthorized" }) });
    const clients = createClients(createAuthFetch(t, connection(), gw.fetchImpl), "http://spa.test");
    await expect(ok(clients.intake.GET("/stats"))).rejects.toMatchObject({
      kind: "unauthenticated",
      status: 401,
    });
    expect(t.expired).toHaveBeenCalledOnce();
  });

  it("turns a dropped connection into a plain message and tells the banner", async () => {
    const c = connection();
    const fetchImpl = async () => {
      throw new TypeError("Failed to fetch");
    };
    const clients = createClients(createAuthFetch(tokens(), c, fetchImpl), "http://spa.test");
    const error = await clients.intake.GET("/stats").catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.kind).toBe("network");
    expect(error.message).toBe(NETWORK_MESSAGE);
    expect(c.offline).toHaveBeenCalledWith("network");
  });

  it("says a 503 plainly and reports the service unavailable", async () => {
    const c = connection();
    const gw = fakeGateway({
      "GET /api/mediation/proceedings": () =>
        json(503, { title: "Service unavailable", detail: "mediation is not answering" }),
    });
    const clients = createClients(createAuthFetch(tokens(), c, gw.fetchImpl), "http://spa.test");
    await expect(ok(clients.mediation.GET("/proceedings"))).rejects.toMatchObject({
      kind: "unavailable",
      status: 503,
    });
    expect(c.offline).toHaveBeenCalledWith("unavailable");
  });

  it("gives field errors and the Chinese detail of a problem", async () => {
    const gw = fakeGateway({
      "POST /api/intake/cases": () =>
        json(422, {
          title: "Validation failed",
          status: 422,
          errors: [{ field: "applicants[0].id_number", message: "公民身份号码校验码不正确" }],
        }),
      "POST /api/mediation/proceedings/p1/accept": () =>
        json(409, { title: "Conflict", detail: "already", detail_zh: "当前状态不能接受" }),
    });
    const clients = createClients(createAuthFetch(tokens(), connection(), gw.fetchImpl), "http://spa.test");
    const e1 = await ok(
      clients.intake.POST("/cases", {
        body: { channel: "walk_in", applicants: [], respondents: [], claims: [], facts: "x" },
      }),
    ).catch((e) => e);
    expect(e1.fieldErrors).toEqual({ "applicants[0].id_number": "公民身份号码校验码不正确" });
    expect(e1.message).toBe("填写的内容有误，请按提示修改");
    const e2 = await ok(
      clients.mediation.POST("/proceedings/{proceeding_id}/accept", {
        params: { path: { proceeding_id: "p1" } },
        body: {},
      }),
    ).catch((e) => e);
    expect(e2.message).toBe("当前状态不能接受");
  });
});
