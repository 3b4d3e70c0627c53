// The tools beside the interaction window, each a disclosure (<details>: keyboard
// operable without script) filled by its own module and told which interaction is open.

import { el, replaceChildren } from "../dom.js";
import { mountWrapUp } from "./wrap-up.js";
import { mountTransfer } from "./transfer.js";
import { mountContact } from "./contact.js";
import { mountCallbackSchedule } from "./callback-schedule.js";
import { mountConsultation } from "./consultation.js";

const PANELS = [
  { id: "panel-wrap-up", title: "Disposition, note, case data, Done", mount: mountWrapUp, open: true },
  { id: "panel-transfer", title: "Transfer", mount: mountTransfer, open: true },
  { id: "panel-contact", title: "Contact", mount: mountContact, open: false },
  { id: "panel-consultation", title: "Consult an agent", mount: mountConsultation, open: false },
  { id: "panel-callback", title: "Schedule a callback", mount: mountCallbackSchedule, open: false },
];

export function mountSidePanels(root, ctx) {
  const mounted = [];
  const sections = PANELS.map((panel) => {
    const body = el("div", { class: "panel-body" });
    const details = el("details", { id: panel.id, class: "tool", open: panel.open }, el("summary", {}, panel.title), body);
    mounted.push(panel.mount(body, ctx));
    return details;
  });
  const hint = el("p", { class: "muted" }, "Open an interaction to use these tools.");
  replaceChildren(root, hint, sections);

  function show(interaction) {
    hint.hidden = Boolean(interaction);
    for (const section of sections) section.hidden = !interaction;
    for (const panel of mounted) panel.setInteraction(interaction);
  }

  ctx.state.on("selected", show);
  show(null);
}
