import { describe, expect, it } from "vitest";

import { ApiError } from "@/api/errors";
import { useAction } from "@/composables/useAction";

function invalid(): ApiError {
  return new ApiError("http", 422, "填写的内容有误，请按提示修改", {
    errors: [{ field: "monthly", message: "请填写金额" }],
  });
}

describe("useAction", () => {
  it("is busy while the work runs and clears the last failure first", async () => {
    const action = useAction();
    await action.run(() => Promise.reject(invalid()));
    let release = () => {};
    const running = action.run(() => new Promise<void>((resolve) => (release = resolve)));
    expect(action.busy.value).toBe(true);
    expect(action.error.value).toBe("");
    expect(action.fieldErrors.value).toEqual({});
    release();
    expect(await running).toBe(true);
    expect(action.busy.value).toBe(false);
  });

  it("keeps an API failure by message and by field, and resolves false instead of throwing", async () => {
    const action = useAction();
    expect(await action.run(() => Promise.reject(invalid()))).toBe(false);
    expect(action.error.value).toBe("填写的内容有误，请按提示修改");
    expect(action.fieldErrors.value).toEqual({ monthly: "请填写金额" });
    expect(action.busy.value).toBe(false);
  });

  it("says any other failure by its message, with no field errors", async () => {
    const action = useAction();
    expect(await action.run(() => Promise.reject(new TypeError("boom")))).toBe(false);
    expect(action.error.value).toBe("boom");
    expect(action.fieldErrors.value).toEqual({});
    expect(await action.run(() => Promise.reject("plain"))).toBe(false);
    expect(action.error.value).toBe("plain");
  });
});
