// A mediator's own proceedings and sessions (the sessions of every open proceeding, for the
// calendar and the double-booking check).

import { defineStore } from "pinia";

import { api, ApiError, errorMessage, ok, type MediationSchemas } from "@/api";
import type { Proceeding, Session } from "@/mediation/logic";

export const useWorkbenchStore = defineStore("workbench", {
  state: () => ({
    me: null as MediationSchemas["MediatorPublic"] | null,
    notRegistered: false,
    open: [] as Proceeding[],
    closed: [] as Proceeding[],
    sessions: [] as Session[],
    loading: false,
    error: null as string | null,
  }),
  actions: {
    async load(): Promise<void> {
      this.loading = true;
      this.error = null;
      try {
        try {
          this.me = await ok(api().mediation.GET("/mediators/me"));
          this.notRegistered = false;
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) this.notRegistered = true;
          else throw e;
        }
        const all: Proceeding[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < 10; page++) {
          const result: MediationSchemas["ProceedingPage"] = await ok(
            // Nearest deadline first, ordered by the service (issue 18), not re-sorted here.
            api().mediation.GET("/proceedings", {
              params: { query: { limit: 100, cursor, sort: "deadline" } },
            }),
          );
          all.push(...result.items);
          cursor = result.next_cursor;
          if (!cursor) break;
        }
        const OPEN = ["opened", "assigned", "accepted", "in_session"];
        this.open = all.filter((p) => OPEN.includes(p.status));
        this.closed = all.filter((p) => !OPEN.includes(p.status));
        await this.loadSessions();
      } catch (e) {
        this.error = errorMessage(e);
      } finally {
        this.loading = false;
      }
    },

    async loadSessions(): Promise<void> {
      // Sessions stay booked after their proceeding ends (an agreement signed before a later
      // sitting): the diary reads every proceeding that ended in the last 30 days too.
      const recent = Date.now() - 30 * 86_400_000;
      const lists = await Promise.all(
        [...this.open, ...this.closed.filter((p) => p.closed_at && new Date(p.closed_at).getTime() > recent)]
          .filter((p) => p.status !== "opened" && p.status !== "assigned")
          .map((p) =>
            ok(
              api().mediation.GET("/proceedings/{proceeding_id}/sessions", {
                params: { path: { proceeding_id: p.id } },
              }),
            ),
          ),
      );
      this.sessions = lists.flat();
    },
  },
});
