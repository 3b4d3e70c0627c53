// Messages: notifications (a transfer rejected, expired or accepted) and what the desk
// itself has to tell (an interaction closed or moved, an offer too late), newest first.
// A message about an interaction the agent holds opens it.

import { el, replaceChildren } from "../dom.js";
import { clock } from "../format.js";

export function mountMessages(root, { state, desk }) {
  const list = el("ol", { class: "message-list", id: "message-list", attrs: { "aria-live": "polite", "aria-relevant": "additions" } });
  replaceChildren(root, el("h2", {}, "Messages"), list);

  function render() {
    replaceChildren(
      list,
      state.messages.slice(0, 50).map((message) => {
        const open = message.interactionId && state.interactions.has(message.interactionId);
        const body = open
          ? el("button", { type: "button", class: "link-button", on: { click: () => desk.select(message.interactionId) } }, message.text)
          : el("span", {}, message.text);
        return el("li", { class: `message level-${message.level}`, dataset: { messageId: message.id } }, el("time", { dateTime: message.at }, clock(message.at)), " ", body);
      }),
    );
  }

  state.on("messages", render);
  state.on("interactions", render);
  render();
}
