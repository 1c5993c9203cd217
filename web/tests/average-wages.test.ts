// The severance cap's average wage is a sourced figure an administrator sets (issue 12, item 6).
import { flushPromises, mount } from "@vue/test-utils";
import ElementPlus from "element-plus";
import { createPinia, setActivePinia } from "pinia";
import { describe, expect, it, vi } from "vitest";

import { installApi } from "@/api";
import AverageWages from "@/components/AverageWages.vue";
import { useAuthStore } from "@/stores/auth";

import { fakeGateway, json } from "./helpers";

const FIGURE = {
  city: "深圳",
  year: 2025,
  monthly: "13730.00",
  source: "深圳市人力资源和社会保障局关于发布2025年度职工月平均工资的通告",
  published_on: "2026-06-30",
  set_by: "admin",
  set_at: "2026-12-02T01:00:00Z",
};

function setup(roles: string[], rows: unknown[]) {
  setActivePinia(createPinia());
  useAuthStore().$patch({ accessToken: "t", claims: { sub: "u", roles, exp: 0 } as never });
  const gw = fakeGateway({
    "GET /api/mediation/calculators/average-wages": () => json(200, rows),
    "PUT /api/mediation/calculators/average-wages/深圳/2025": (sent) =>
      json(200, { ...FIGURE, ...JSON.parse(sent.body) }),
  });
  vi.stubGlobal("fetch", (input: Request | string, init?: RequestInit) => gw.fetchImpl(input, init));
  installApi(
    { accessToken: async () => "t", refresh: async () => true, expired: vi.fn() },
    { online: vi.fn(), offline: vi.fn() },
  );
  return gw;
}

/** Element Plus puts a field's attributes on its inner <input> (el-input) or its root (el-input-number). */
const field = (id: string) => `input[data-testid="${id}"], [data-testid="${id}"] input`;

describe("职工月平均工资", () => {
  it("warns that severance shows no capped amount while no figure is set, and hides the form from mediators", async () => {
    setup(["mediator"], []);
    const wrapper = mount(AverageWages, { global: { plugins: [ElementPlus] } });
    await flushPromises();
    expect(wrapper.text()).toContain("尚未录入公布的职工月平均工资");
    expect(wrapper.find('[data-testid="wage-save"]').exists()).toBe(false);
  });

  it("lets an administrator set a figure with its source", async () => {
    const gw = setup(["admin"], [FIGURE]);
    const wrapper = mount(AverageWages, { global: { plugins: [ElementPlus] } });
    await flushPromises();
    expect(wrapper.text()).toContain("13,730.00");
    await wrapper.get(field("wage-monthly")).setValue("13730.00");
    await wrapper.get(field("wage-source")).setValue(FIGURE.source);
    const year = wrapper.get(field("wage-year"));
    await year.setValue("2025");
    await year.trigger("blur");
    await wrapper.get("form").trigger("submit");
    await flushPromises();
    const put = gw.sent.find((s) => s.method === "PUT");
    expect(put?.path).toBe(`/api/mediation/calculators/average-wages/${encodeURIComponent("深圳")}/2025`);
    expect(JSON.parse(put?.body ?? "{}")).toEqual({
      monthly: "13730.00",
      source: FIGURE.source,
      published_on: null,
    });
  }, 30_000);
});
