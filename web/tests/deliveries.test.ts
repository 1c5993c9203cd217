// The delivery log shows and replays the arbitration commission's webhooks like the court's (issue 16).
import { flushPromises, mount } from "@vue/test-utils";
import ElementPlus from "element-plus";
import { describe, expect, it, vi } from "vitest";

import { installApi } from "@/api";
import DeliveriesView from "@/views/DeliveriesView.vue";

import { fakeGateway, json } from "./helpers";

function summary(partner: string, failed: number) {
  return {
    partner_id: partner,
    delivered: 3,
    pending: 0,
    failed,
    oldest_pending_at: null,
    last_error: failed ? "HTTP 503" : null,
  };
}

function message(id: string, partner: string) {
  return {
    msg_id: id,
    partner_id: partner,
    event_type: "transfer.requested",
    status: "failed",
    attempts: 6,
    last_status_code: 503,
    last_error: "HTTP 503",
    created_at: "2026-12-01T01:30:00Z",
  };
}

function partner(id: string, name: string) {
  return {
    partner_id: id,
    kind: "court",
    name,
    center_id: "futian",
    webhook_url: null,
    client_id: id,
    active: true,
    secrets: [],
    created_at: "2026-12-01T01:00:00Z",
    updated_at: "2026-12-01T01:00:00Z",
  };
}

describe("对接推送记录", () => {
  it("lists the arbitration bridge's deliveries and replays them", async () => {
    const gw = fakeGateway({
      "GET /api/court/admin/webhooks": () => json(200, [summary("futian-court", 0)]),
      "GET /api/court/admin/webhooks/messages": () => json(200, { items: [], next_cursor: null }),
      "GET /api/court/admin/partners": () => json(200, [partner("futian-court", "福田区人民法院")]),
      "GET /api/arbitration/admin/partners": () =>
        json(200, [partner("futian-arbitration", "福田区劳动人事争议仲裁委员会")]),
      "GET /api/arbitration/admin/webhooks": () => json(200, [summary("futian-arbitration", 1)]),
      "GET /api/arbitration/admin/webhooks/messages": () =>
        json(200, { items: [message("msg_a1", "futian-arbitration")], next_cursor: null }),
      "POST /api/arbitration/admin/webhooks/messages/msg_a1/replay": () =>
        json(200, message("msg_a1", "futian-arbitration")),
      "POST /api/arbitration/admin/webhooks/partners/futian-arbitration/replay-failed": () =>
        json(200, { replayed: 1 }),
    });
    vi.stubGlobal("fetch", (input: Request | string, init?: RequestInit) => gw.fetchImpl(input, init));
    installApi(
      { accessToken: async () => "t", refresh: async () => true, expired: vi.fn() },
      { online: vi.fn(), offline: vi.fn() },
    );
    const wrapper = mount(DeliveriesView, { global: { plugins: [ElementPlus] } });
    await flushPromises();

    expect(wrapper.text()).not.toContain("尚未提供推送记录接口");
    expect(wrapper.text()).toContain("仲裁院（裁调对接）");
    const partners = wrapper.get('[data-testid="partners-arbitration"]');
    // Partners by name and events in Chinese, never their codes (issue 18).
    expect(partners.text()).toContain("福田区劳动人事争议仲裁委员会");
    expect(partners.text()).not.toContain("futian-arbitration");
    expect(partners.text()).toContain("HTTP 503");
    const messages = wrapper.get('[data-testid="messages-arbitration"]');
    expect(messages.text()).toContain("移送仲裁");
    expect(messages.text()).not.toContain("transfer.requested");

    await messages.get("button").trigger("click");
    await flushPromises();
    await partners.get("button").trigger("click");
    await flushPromises();
    const posts = gw.sent.filter((s) => s.method === "POST").map((s) => s.path);
    expect(posts).toEqual([
      "/api/arbitration/admin/webhooks/messages/msg_a1/replay",
      "/api/arbitration/admin/webhooks/partners/futian-arbitration/replay-failed",
    ]);
    expect(wrapper.get('[data-testid="partners-court"]').text()).toContain("福田区人民法院");
  }, 30_000); // mounting two Element Plus tables is slow on a busy machine (a test timeout, not an assertion)
});
