// The clerks' queue of online applications (issue 19): check, register as a case, or return with a reason.
import { flushPromises, mount } from "@vue/test-utils";
import ElementPlus from "element-plus";
import { describe, expect, it, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { installApi } from "@/api";
import ApplicationsView from "@/views/ApplicationsView.vue";

import { fakeGateway, json } from "./helpers";

const ROW = {
  id: "app1",
  reference: "网申〔2026〕0001",
  center_id: "futian",
  status: "submitted",
  status_label: "已提交，等待工作人员审核",
  phone_masked: "138****8000",
  applicant_count: 1,
  employer_name: "深圳市某某电子有限公司",
  credit_code: "91440300MA00000077",
  total_claimed: "12000.00",
  submitted_at: "2026-12-02T01:00:00Z",
  decided_at: null,
  return_reason: null,
  case_id: null,
  case_no: null,
};
const SUBMISSION = {
  applicants: [{ name: "李四", id_number: "44030419910305017X", phone: "13800138000" }],
  respondents: [{ name: "深圳市某某电子有限公司", credit_code: "91440300MA00000077" }],
  claims: [{ category: "wage_arrears", amount: "12000.00", description: "拖欠8–9月工资" }],
  facts: "被申请人拖欠工资。",
};

async function mounted() {
  const gw = fakeGateway({
    "GET /api/intake/applications": () => json(200, [ROW]),
    "GET /api/intake/applications/app1": () => json(200, { ...ROW, submission: SUBMISSION }),
    "POST /api/intake/applications/app1/register": () =>
      json(201, { id: "case1", case_no: "福田一窗〔2026〕00009号" }),
    "POST /api/intake/applications/app1/return": () => json(200, { ...ROW, status: "returned" }),
  });
  vi.stubGlobal("fetch", (input: Request | string, init?: RequestInit) => gw.fetchImpl(input, init));
  installApi(
    { accessToken: async () => "t", refresh: async () => true, expired: vi.fn() },
    { online: vi.fn(), offline: vi.fn() },
  );
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/applications", component: ApplicationsView },
      { path: "/cases/:id", component: { template: "<div>case</div>" } },
    ],
  });
  await router.push("/applications");
  const wrapper = mount(ApplicationsView, {
    global: { plugins: [ElementPlus, router] },
    attachTo: document.body,
  });
  await flushPromises();
  return { gw, wrapper, router };
}

describe("网上申请", () => {
  it("lists the queue, shows the submission and registers it as a case", async () => {
    const { gw, wrapper, router } = await mounted();
    expect(gw.sent[0].path).toBe("/api/intake/applications?status=submitted");
    expect(wrapper.text()).toContain("深圳市某某电子有限公司");
    await wrapper.get(".el-table__row").trigger("click");
    await flushPromises();
    expect(document.body.textContent).toContain("李四");
    expect(document.body.textContent).toContain("拖欠工资");
    (document.querySelector('[data-testid="application-register"]') as HTMLElement).click();
    await flushPromises();
    const post = gw.sent.find((s) => s.path === "/api/intake/applications/app1/register");
    expect(JSON.parse(post?.body ?? "{}")).toEqual({
      signals: { employer_absconded: false, collective_action: false, repeat_complaint: false },
      route: { route: "mediation", reason: null },
    });
    expect(router.currentRoute.value.path).toBe("/cases/case1");
    wrapper.unmount();
  }, 30_000);

  it("returns an application only with a reason the applicant reads", async () => {
    const { gw, wrapper } = await mounted();
    await wrapper.get(".el-table__row").trigger("click");
    await flushPromises();
    (document.querySelector('[data-testid="application-return"]') as HTMLElement).click();
    await flushPromises();
    expect(document.body.textContent).toContain("请填写退回原因");
    expect(gw.sent.some((s) => s.path.endsWith("/return"))).toBe(false);
    const input = document.querySelector(
      'input[data-testid="application-return-reason"]',
    ) as HTMLInputElement;
    input.value = "请补充劳动合同或工资条";
    input.dispatchEvent(new Event("input"));
    await flushPromises();
    (document.querySelector('[data-testid="application-return"]') as HTMLElement).click();
    await flushPromises();
    const post = gw.sent.find((s) => s.path.endsWith("/return"));
    expect(JSON.parse(post?.body ?? "{}")).toEqual({ reason: "请补充劳动合同或工资条" });
    wrapper.unmount();
  }, 30_000);
});
