// The triage panel shows LDMAL 47's scope as the intake service judged it: per item and per worker.
import { mount } from "@vue/test-utils";
import ElementPlus from "element-plus";
import { describe, expect, it } from "vitest";

import TriagePanel from "@/components/TriagePanel.vue";
import type { TriageResult } from "@/intake/form";

function triage(flag: Partial<TriageResult["final_award"][number]>): TriageResult {
  return {
    config_version: "2026-11",
    grade: "yellow",
    grade_label: "黄",
    reasons: [{ code: "workers_yellow", text: "涉及12名劳动者" }],
    dispute_type: "rights",
    dispute_type_label: "权利争议",
    collective: {
      is_collective: true,
      worker_count: 12,
      threshold: 10,
      common_claims: ["wage_arrears"],
      explanation: "集体争议",
    },
    limitation: [],
    limitation_warning: false,
    final_award: [
      {
        claim_index: 0,
        category: "wage_arrears",
        amount: "240000.00",
        threshold: "30240.00",
        is_final: true,
        status: "final",
        status_label: "属于终局裁决范围",
        kind: "劳动报酬",
        worker_count: 12,
        workers: Array.from({ length: 12 }, (_, i) => ({
          worker_index: i,
          amount: "20000.00",
          within_limit: true,
        })),
        basis: "每项请求、每名劳动者分别判断",
        ...flag,
      },
    ],
    route: { route: "mediation", route_label: "联合调解", to: "本中心", reasons: [] },
    applied_on: "2026-12-01",
  } as TriageResult;
}

function panel(result: TriageResult) {
  return mount(TriagePanel, {
    props: { triage: result, loading: false, error: null, missing: [] },
    global: { plugins: [ElementPlus] },
  });
}

describe("终局裁决 in the triage panel", () => {
  it("marks a 12-worker wage case 终局 when every worker's item is within the limit", () => {
    const text = panel(triage({})).get('[data-testid="final-award-0"]').text();
    expect(text).toContain("终局");
    expect(text).not.toContain("非终局");
    expect(text).toContain("12名劳动者分别判断");
    expect(text).toContain("12名未超过");
    expect(text).toContain("30,240.00");
  });

  it("says the workers must be judged one by one when only the group's total is known", () => {
    const text = panel(
      triage({
        is_final: false,
        status: "undetermined",
        status_label: "待按每名劳动者金额判断",
        workers: [],
        basis: "合计超过限额不等于每人超过，须录入每名劳动者的该项金额后分别判断",
      }),
    )
      .get('[data-testid="final-award-0"]')
      .text();
    expect(text).toContain("待按每名劳动者金额判断");
    expect(text).toContain("须录入每名劳动者的该项金额");
    expect(text).not.toMatch(/：\s*终局/);
  });
});

describe("the triage panel while the form has errors (issue 18)", () => {
  it("says what to fix instead of staying on 正在预览…", () => {
    const text = mount(TriagePanel, {
      props: { triage: null, loading: false, error: null, missing: [], invalid: 2 },
      global: { plugins: [ElementPlus] },
    }).text();
    expect(text).toContain("表单有2处需修改，改正后自动预览");
    expect(text).not.toContain("正在预览");
  });
});
