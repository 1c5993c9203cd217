// The notification centre: the header asks for the unread count every few seconds (short polling,
// docs/decisions/0009-notification-delivery.md) and the list when it is opened.

import { defineStore } from "pinia";

import { api, ok, type IntakeSchemas } from "@/api";

export const POLL_MS = 5_000;

let timer: ReturnType<typeof setInterval> | null = null;

export const useNotificationsStore = defineStore("notifications", {
  state: () => ({
    unread: 0,
    items: [] as IntakeSchemas["NotificationPublic"][],
    loading: false,
  }),
  actions: {
    async poll(): Promise<void> {
      try {
        this.unread = (await ok(api().intake.GET("/notifications/unread-count"))).unread;
      } catch {
        // The connection banner explains an outage; the badge keeps its last count.
      }
    },
    async load(): Promise<void> {
      this.loading = true;
      try {
        const page = await ok(api().intake.GET("/notifications", { params: { query: { limit: 50 } } }));
        this.items = page.items;
        this.unread = page.unread;
      } finally {
        this.loading = false;
      }
    },
    async markRead(id: number): Promise<void> {
      await ok(
        api().intake.POST("/notifications/{notification_id}/read", {
          params: { path: { notification_id: id } },
        }),
      );
      await this.load();
    },
    async markAllRead(): Promise<void> {
      await ok(api().intake.POST("/notifications/read-all"));
      await this.load();
    },
    start(): void {
      if (timer) return;
      void this.poll();
      timer = setInterval(() => void this.poll(), POLL_MS);
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  },
});
