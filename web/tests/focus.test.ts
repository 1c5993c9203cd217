import { describe, expect, it } from "vitest";

import { installPickerTabGuard, untabPickerPanels } from "@/utils/focus";

describe("date picker panels are out of the Tab order (issue 18)", () => {
  it("takes the panel's buttons and cells out, and leaves the form alone", async () => {
    document.body.innerHTML = `
      <form><input id="date" /><button id="save">保存</button></form>
      <div class="el-popper el-picker__popper"><button aria-label="前一年"></button><span class="cell" tabindex="0">1</span></div>
      <div class="el-popper el-select__popper"><li tabindex="0">选项</li></div>`;
    expect(untabPickerPanels(document.body)).toBe(2);
    expect(
      [...document.querySelectorAll(".el-picker__popper [tabindex]")].map((e) => e.getAttribute("tabindex")),
    ).toEqual(["-1", "-1"]);
    expect(document.getElementById("save")?.hasAttribute("tabindex")).toBe(false);
    expect(document.querySelector(".el-select__popper li")?.getAttribute("tabindex")).toBe("0");

    // A panel rendered later, and a cell Vue sets back to 0 on re-render.
    const observer = installPickerTabGuard(document.body);
    const later = document.createElement("div");
    later.className = "el-popper el-picker__popper";
    later.innerHTML = `<button aria-label="下个月"></button>`;
    document.body.append(later);
    document.querySelector(".el-picker__popper .cell")?.setAttribute("tabindex", "0");
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(later.querySelector("button")?.getAttribute("tabindex")).toBe("-1");
    expect(document.querySelector(".el-picker__popper .cell")?.getAttribute("tabindex")).toBe("-1");
    observer.disconnect();
  });
});
