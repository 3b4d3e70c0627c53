// The agent's open interactions: customer, origin, ticking elapsed time, a pending
// transfer. Each row is a button (keyboard: Tab, Enter); the open one is marked.

import { el, replaceChildren } from "../dom.js";
import { customerName, duration } from "../format.js";

export function mountInteractionList(root, { state, desk }) {
  const list = el("ul", { class: "item-list", id: "interactions" });
  const empty = el("p", { class: "muted empty" }, "No open interactions. Go Ready to receive offers.");
  replaceChildren(root, el("h2", {}, "Interactions"), empty, list);

  function elapsed(interaction) {
    const start = Date.parse(interaction.created_at);
    return duration((Date.now() - start) / 1000);
  }

  function render() {
    const items = [...state.interactions.values()].sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    empty.hidden = items.length > 0;
    replaceChildren(
      list,
      items.map((interaction) => {
        const selected = interaction.id === state.selectedId;
        return el(
          "li",
          {},
          el(
            "button",
            {
              type: "button",
              class: `item${selected ? " selected" : ""}`,
              dataset: { interactionId: interaction.id },
              attrs: { "aria-current": selected ? "true" : null },
              on: { click: () => desk.select(interaction.id).catch((e) => desk.addMessage({ level: "error", text: e.message })) },
            },
            el("span", { class: "item-title" }, customerName(interaction)),
            el("span", { class: "item-meta" }, interaction.origin, " · ", el("span", { class: "elapsed", dataset: { since: interaction.created_at } }, elapsed(interaction))),
            interaction.transfer ? el("span", { class: "badge" }, "Transfer pending") : null,
          ),
        );
      }),
    );
  }

  setInterval(() => {
    for (const node of list.querySelectorAll(".elapsed")) node.textContent = duration((Date.now() - Date.parse(node.dataset.since)) / 1000);
  }, 1000);
  state.on("interactions", render);
  render();
}
