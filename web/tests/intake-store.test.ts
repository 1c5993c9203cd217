import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { installApi } from "@/api";
import { blankApplicant, blankClaim, blankRespondent } from "@/intake/form";
import { DRAFT_KEY, useIntakeStore } from "@/stores/intake";
import { makeCreditCode, makeIdNumber } from "@/validators/identifiers";

import { fakeGateway, json } from "./helpers";

type Mode = "ok" | "down" | "invalid";

function setup() {
  const state = { mode: "ok" as Mode };
  const gw = fakeGateway({
    "POST /api/intake/cases/triage": () => json(200, { grade: "yellow", route: { route: "mediation" } }),
    "POST /api/intake/cases": () =>
      state.mode === "invalid"
        ? json(422, {
            title: "Validation failed",
            errors: [{ field: "applicants[0].id_number", message: "该身份证号已注销" }],
          })
        : json(201, { id: "c1", case_no: "福田一窗〔2026〕00001号" }),
  });
  // The app's clients (installApi, on window.location.origin) send through globalThis.fetch.
  vi.stubGlobal("fetch", async (input: Request | string, init?: RequestInit) => {
    if (state.mode === "down") throw new TypeError("Failed to fetch");
    return gw.fetchImpl(input, init);
  });
  const tokens = { accessToken: async () => "t", refresh: async () => true, expired: vi.fn() };
  const connection = { online: vi.fn(), offline: vi.fn() };
  installApi(tokens, connection);
  return { gw, state, connection };
}

function fill(store: ReturnType<typeof useIntakeStore>) {
  store.form.applicants = [
    blankApplicant({ name: "张三", id_number: makeIdNumber("440304", "19900101", 1) }),
  ];
  store.form.respondents = [
    blankRespondent({ name: "深圳市某某电子有限公司", credit_code: makeCreditCode("91440300MA5FABCDE") }),
  ];
  store.form.claims = [blankClaim({ category: "wage_arrears", amount: "8000" })];
  store.form.facts = "拖欠工资";
}

describe("registering at the window", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    sessionStorage.clear();
    vi.unstubAllGlobals();
  });

  it("keeps the form and the key through a lost connection, and the retry sends the same key", async () => {
    const { gw, state, connection } = setup();
    const store = useIntakeStore();
    fill(store);
    await store.previewTriage();
    expect(store.suggestedRoute).toBe("mediation");
    state.mode = "down";
    expect(await store.submit()).toBeNull();
    expect(store.submitError).toContain("无法连接服务器");
    expect(connection.offline).toHaveBeenCalledWith("network");
    expect(store.form.applicants[0].name).toBe("张三");
    const key = store.form.idempotencyKey;
    expect(JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? "{}").form.facts).toBe("拖欠工资");
    state.mode = "ok";
    const created = await store.submit();
    expect(created?.case_no).toBe("福田一窗〔2026〕00001号");
    const sent = gw.sent.filter((s) => s.path === "/api/intake/cases");
    expect(sent.at(-1)?.headers.get("idempotency-key")).toBe(key);
    expect(JSON.parse(sent.at(-1)?.body ?? "{}").route).toEqual({ route: "mediation", reason: null });
    // Registered: a fresh form with a new key, the draft gone.
    expect(store.form.idempotencyKey).not.toBe(key);
    expect(sessionStorage.getItem(DRAFT_KEY)).toBeNull();
  });

  it("shows the service's field errors next to the row and uses a new key for a changed body", async () => {
    const { gw, state } = setup();
    const store = useIntakeStore();
    fill(store);
    state.mode = "invalid";
    expect(await store.submit()).toBeNull();
    const row = store.form.applicants[0].key;
    expect(store.serverErrors[`applicants.${row}.id_number`]).toBe("该身份证号已注销");
    const first = store.form.idempotencyKey;
    store.form.applicants[0].id_number = makeIdNumber("440304", "19900101", 3);
    state.mode = "ok";
    await store.submit();
    const keys = gw.sent
      .filter((s) => s.path === "/api/intake/cases")
      .map((s) => s.headers.get("idempotency-key"));
    expect(keys[0]).toBe(first);
    expect(keys[1]).not.toBe(first);
  });

  it("keeps the preview's field warnings by row, with the number they were said of", async () => {
    const gw = fakeGateway({
      "POST /api/intake/cases/triage": () =>
        json(200, {
          grade: "green",
          route: { route: "mediation" },
          field_warnings: [
            {
              field: "applicants[1].id_number",
              message: "号码前6位行政区划代码000000不存在，请与身份证原件核对",
            },
            { field: "applicants[1].id_number", message: "按号码计算本人现年11周岁，未满16周岁" },
          ],
        }),
    });
    vi.stubGlobal("fetch", (input: Request | string, init?: RequestInit) => gw.fetchImpl(input, init));
    installApi(
      { accessToken: async () => "t", refresh: async () => true, expired: vi.fn() },
      {
        online: vi.fn(),
        offline: vi.fn(),
      },
    );
    const store = useIntakeStore();
    fill(store);
    // An empty row in between is not sent: the service's index 1 is the form's third row.
    const odd = makeIdNumber("000000", "20150601", 2);
    store.form.applicants.push(blankApplicant(), blankApplicant({ name: "李四", id_number: ` ${odd} ` }));
    await store.previewTriage();
    const row = store.form.applicants[2].key;
    expect(store.serverWarnings).toEqual({
      [`applicants.${row}.id_number`]: {
        value: odd,
        message:
          "号码前6位行政区划代码000000不存在，请与身份证原件核对；按号码计算本人现年11周岁，未满16周岁",
      },
    });
    store.reset();
    expect(store.serverWarnings).toEqual({});
  });

  it("asks for a reason before overriding the suggested route", async () => {
    setup();
    const store = useIntakeStore();
    fill(store);
    await store.previewTriage();
    store.form.decision = { route: "arbitration", reason: "" };
    expect(await store.submit()).toBeNull();
    expect(store.serverErrors["decision.reason"]).toBe("改变建议去向须填写理由");
  });

  it("fills pasted workers into empty rows without duplicates", () => {
    const store = useIntakeStore();
    const added = store.addWorkers([
      { name: "甲", id_number: makeIdNumber("440304", "19900101", 5), phone: "" },
      { name: "乙", id_number: makeIdNumber("440304", "19900101", 6), phone: "" },
      { name: "甲", id_number: makeIdNumber("440304", "19900101", 5), phone: "" },
    ]);
    expect(added).toBe(2);
    expect(store.form.applicants.map((a) => a.name)).toEqual(["甲", "乙"]);
  });

  it("adds a claim row after the current one (Enter)", () => {
    const store = useIntakeStore();
    const first = store.form.claims[0].key;
    store.addClaim();
    const inserted = store.addClaim(first);
    expect(store.form.claims.map((c) => c.key).indexOf(inserted)).toBe(1);
  });
});
