// Tab never lands in a date picker's panel (issue 18): Element Plus keeps every picker's panel in
// the DOM once opened (its tooltip is `persistent`, teleported to the end of <body>), and its header
// buttons (前一年, 上个月, …) and day cells are `tabindex=0`, so Tab from the form's last field walked
// into panels that were closing or collapsed — invisible controls. A clerk types dates into the
// input; the panel is for the mouse and for the arrow keys, which Element Plus moves with .focus()
// and which work at tabindex -1 too. So everything focusable inside a picker panel is taken out of
// the Tab order, also when Vue re-renders it (a MutationObserver re-applies it).

const PANEL = ".el-picker__popper";
const FOCUSABLE =
  'button:not([tabindex="-1"]), [tabindex]:not([tabindex="-1"]), a[href], input, select, textarea';

export function untabPickerPanels(root: ParentNode): number {
  let changed = 0;
  for (const panel of root.querySelectorAll(PANEL)) {
    for (const el of panel.querySelectorAll<HTMLElement>(FOCUSABLE)) {
      // The panel's own inputs (a datetime picker's time field) keep their order among themselves.
      if (el.getAttribute("tabindex") === "-1") continue;
      el.setAttribute("tabindex", "-1");
      changed++;
    }
  }
  return changed;
}

export function installPickerTabGuard(target: HTMLElement = document.body): MutationObserver {
  untabPickerPanels(target);
  const observer = new MutationObserver(() => untabPickerPanels(target));
  observer.observe(target, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["tabindex"],
  });
  return observer;
}
