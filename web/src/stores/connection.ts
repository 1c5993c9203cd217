// Whether the gateway answers: a lost connection or a 503 is shown in a banner, plainly.

import { defineStore } from "pinia";

import { NETWORK_MESSAGE, UNAVAILABLE_MESSAGE } from "@/api/errors";

export const useConnectionStore = defineStore("connection", {
  state: () => ({
    status: "ok" as "ok" | "network" | "unavailable",
    since: null as number | null,
  }),
  getters: {
    message: (s) =>
      s.status === "network" ? NETWORK_MESSAGE : s.status === "unavailable" ? UNAVAILABLE_MESSAGE : "",
  },
  actions: {
    online(): void {
      this.status = "ok";
      this.since = null;
    },
    offline(kind: "network" | "unavailable"): void {
      if (this.status === "ok") this.since = Date.now();
      this.status = kind;
    },
    async check(): Promise<void> {
      try {
        const response = await globalThis.fetch(`${window.location.origin}/health`, { cache: "no-store" });
        if (response.status >= 502 && response.status <= 504) this.offline("unavailable");
        else this.online();
      } catch {
        this.offline("network");
      }
    },
  },
});
