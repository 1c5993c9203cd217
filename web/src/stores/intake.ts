// The window-intake draft: kept in the tab's storage as it is typed (a lost connection, a 503 or a
// reload loses nothing), previewed by the triage endpoint, and registered with one Idempotency-Key
// per form so a retried submit never makes a second case.

import { defineStore } from "pinia";

import { api, ApiError, ok, type IntakeSchemas } from "@/api";
import {
  blankApplicant,
  blankClaim,
  blankForm,
  blankRespondent,
  buildCase,
  buildTriage,
  fingerprint,
  mapServerErrors,
  mapServerWarnings,
  readyToSend,
  type IntakeForm,
  type TriageResult,
} from "@/intake/form";
import type { PastedWorker } from "@/intake/paste";
import { applicantIsEmpty } from "@/intake/form";
import { uuid4 } from "@/utils/uuid";

export const DRAFT_KEY = "onewindow.intake.draft";

type CasePublic = IntakeSchemas["CasePublic"];

let triageSeq = 0;

export const useIntakeStore = defineStore("intake", {
  state: () => ({
    form: blankForm() as IntakeForm,
    triage: null as TriageResult | null,
    triageLoading: false,
    triageError: null as string | null,
    /** Errors the service returned, keyed like the form (``applicants.<rowKey>.id_number``). */
    serverErrors: {} as Record<string, string>,
    /** The preview's plausibility warnings, keyed like the form, each with the value it was said of
     * (a warning about a number since retyped is not shown). */
    serverWarnings: {} as Record<string, { value: string; message: string }>,
    generalErrors: [] as string[],
    submitting: false,
    submitError: null as string | null,
    /** The body last sent with the current key (a changed body gets a new key). */
    sentFingerprint: null as string | null,
  }),
  getters: {
    suggestedRoute: (s): string | null => s.triage?.route.route ?? null,
    chosenRoute(): string | null {
      return this.form.decision.route ?? this.suggestedRoute;
    },
    overriding(): boolean {
      return Boolean(
        this.form.decision.route && this.suggestedRoute && this.form.decision.route !== this.suggestedRoute,
      );
    },
  },
  actions: {
    restore(): void {
      const raw = sessionStorage.getItem(DRAFT_KEY);
      if (!raw) return;
      try {
        const saved = JSON.parse(raw) as { form: IntakeForm; sentFingerprint: string | null };
        if (saved.form?.applicants && saved.form.respondents && saved.form.claims) {
          this.form = { ...blankForm(), ...saved.form };
          this.sentFingerprint = saved.sentFingerprint ?? null;
        }
      } catch {
        sessionStorage.removeItem(DRAFT_KEY);
      }
    },

    persist(): void {
      sessionStorage.setItem(
        DRAFT_KEY,
        JSON.stringify({ form: this.form, sentFingerprint: this.sentFingerprint }),
      );
    },

    reset(): void {
      this.form = blankForm();
      this.triage = null;
      this.triageError = null;
      this.serverErrors = {};
      this.serverWarnings = {};
      this.generalErrors = [];
      this.submitError = null;
      this.sentFingerprint = null;
      sessionStorage.removeItem(DRAFT_KEY);
    },

    addApplicant(): string {
      const row = blankApplicant();
      this.form.applicants.push(row);
      return row.key;
    },

    removeApplicant(key: string): void {
      this.form.applicants = this.form.applicants.filter((a) => a.key !== key);
      if (!this.form.applicants.length) this.form.applicants.push(blankApplicant());
    },

    /** Pasted workers fill the empty rows first, then are appended. */
    addWorkers(workers: PastedWorker[]): number {
      const rows = this.form.applicants.filter((a) => !applicantIsEmpty(a));
      const known = new Set(rows.map((a) => a.id_number.trim().toUpperCase()));
      let added = 0;
      for (const w of workers) {
        if (known.has(w.id_number)) continue;
        known.add(w.id_number);
        rows.push(blankApplicant({ name: w.name, id_number: w.id_number, phone: w.phone }));
        added += 1;
      }
      this.form.applicants = rows.length ? rows : [blankApplicant()];
      return added;
    },

    addRespondent(): void {
      this.form.respondents.push(blankRespondent());
    },

    removeRespondent(key: string): void {
      this.form.respondents = this.form.respondents.filter((r) => r.key !== key);
      if (!this.form.respondents.length) this.form.respondents.push(blankRespondent());
    },

    /** A new claim row after ``afterKey`` (Enter in a claim row); returns its key for focus. */
    addClaim(afterKey?: string): string {
      const row = blankClaim();
      const at = afterKey ? this.form.claims.findIndex((c) => c.key === afterKey) : -1;
      if (at >= 0) this.form.claims.splice(at + 1, 0, row);
      else this.form.claims.push(row);
      return row.key;
    },

    removeClaim(key: string): void {
      this.form.claims = this.form.claims.filter((c) => c.key !== key);
      if (!this.form.claims.length) this.form.claims.push(blankClaim());
    },

    /** Ask the service how it would grade and route this dispute (nothing is saved). */
    async previewTriage(): Promise<void> {
      if (!readyToSend(this.form)) return;
      const seq = ++triageSeq;
      this.triageLoading = true;
      try {
        const body = buildTriage(this.form);
        const { paths } = buildCase(this.form, null);
        const result = await ok(api().intake.POST("/cases/triage", { body }));
        if (seq !== triageSeq) return;
        this.triage = result;
        this.serverWarnings = mapServerWarnings(result.field_warnings ?? [], body, paths);
        this.triageError = null;
        // Stale server errors go away once the service accepts the form.
        this.serverErrors = {};
        this.generalErrors = [];
      } catch (error) {
        if (seq !== triageSeq) return;
        if (error instanceof ApiError) {
          const { paths } = buildCase(this.form, null);
          const mapped = mapServerErrors(error.fieldErrors, paths);
          this.serverErrors = mapped.fields;
          this.generalErrors = mapped.general;
          this.triageError = error.message;
        } else {
          this.triageError = String(error);
        }
      } finally {
        if (seq === triageSeq) this.triageLoading = false;
      }
    },

    /** Register the case; the draft is cleared only once the service has answered with the case. */
    async submit(): Promise<CasePublic | null> {
      const { body, paths } = buildCase(this.form, this.suggestedRoute);
      if (this.overriding && !this.form.decision.reason.trim()) {
        this.serverErrors = { ...this.serverErrors, "decision.reason": "改变建议去向须填写理由" };
        return null;
      }
      const print = fingerprint(body);
      if (this.sentFingerprint && this.sentFingerprint !== print) this.form.idempotencyKey = uuid4();
      this.sentFingerprint = print;
      this.persist();
      this.submitting = true;
      this.submitError = null;
      try {
        const created = await ok(
          api().intake.POST("/cases", {
            body,
            params: { header: { "Idempotency-Key": this.form.idempotencyKey } },
          }),
        );
        this.reset();
        return created;
      } catch (error) {
        if (error instanceof ApiError) {
          const mapped = mapServerErrors(error.fieldErrors, paths);
          this.serverErrors = mapped.fields;
          this.generalErrors = mapped.general;
          this.submitError = error.message;
        } else {
          this.submitError = String(error);
        }
        return null;
      } finally {
        this.submitting = false;
      }
    },
  },
});
