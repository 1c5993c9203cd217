// One way for a panel or a form to run what a button asks for (save, record, generate…): the button
// shows `busy`, a failure is kept for the screen to show — `error` in an ErrorAlert, `fieldErrors` at
// the fields — and the form keeps what was typed (nothing is cleared on failure).

import { ref } from "vue";

import { errorMessage, fieldErrorsOf, type FieldErrors } from "@/api/errors";

export function useAction() {
  const busy = ref(false);
  const error = ref("");
  const fieldErrors = ref<FieldErrors>({});

  /** Runs `work` with the last failure cleared; resolves to whether it succeeded (a failure is kept, not thrown). */
  async function run(work: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    error.value = "";
    fieldErrors.value = {};
    try {
      await work();
      return true;
    } catch (e) {
      fieldErrors.value = fieldErrorsOf(e);
      error.value = errorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, fieldErrors, run };
}
