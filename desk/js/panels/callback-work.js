// Callbacks this agent accepted (an offer of kind `callback`): text the customer first
// (agent-initiated outbound, POST /v1/interactions, which opens a Session-mode
// interaction owned by the agent) and complete the callback with its outcome.

import { el, replaceChildren, uid } from "../dom.js";
import { seg } from "../api.js";
import { dateTime } from "../format.js";

const OUTCOMES = [
  ["reached", "Reached the customer"],
  ["no_answer", "No answer"],
  ["voicemail", "Left a voicemail"],
  ["wrong_number", "Wrong number"],
];

export function mountCallbackWork(root, ctx) {
  const { api, state, desk } = ctx;
  const list = el("div", { id: "callbacks" });
  replaceChildren(root, el("h2", {}, "Callbacks"), list);
  const orgNumbers = new Map(); // callback id -> organisation number found

  function card({ callback }) {
    const ids = { from: uid("cb-from"), text: uid("cb-text"), outcome: uid("cb-outcome") };
    const from = el("input", { id: ids.from, type: "tel", autocomplete: "off", value: orgNumbers.get(callback.id) || "", required: true });
    const text = el("textarea", { id: ids.text, rows: 2, required: true });
    const outcome = el("select", { id: ids.outcome }, OUTCOMES.map(([value, label]) => el("option", { value }, label)));
    const status = el("p", { class: "field-status", attrs: { role: "status" } });

    async function textCustomer(event) {
      event.preventDefault();
      status.textContent = "";
      try {
        const interaction = await api.post("/v1/interactions", { to: callback.phone, from: from.value.trim(), text: text.value });
        text.value = "";
        desk.upsert(interaction);
        state.emit("interactions");
        await desk.select(interaction.id);
        status.textContent = "Sent; the conversation is open.";
      } catch (failure) {
        const open = failure.code === "interaction_open" && /([0-9a-f-]{36})\s*\.?$/i.exec(failure.detail);
        if (open) {
          status.textContent = "A conversation with this customer is already open: reply there.";
          await desk.loadInteraction(open[1]).catch(() => {});
          await desk.select(open[1]).catch(() => {});
        } else status.textContent = failure.code === "recipient_opted_out" ? "Not sent: the customer opted out of texts from this number." : `Not sent: ${failure.message}`;
      }
    }

    async function complete() {
      status.textContent = "";
      try {
        await api.post(`/v1/callbacks/${seg(callback.id)}/complete`, { outcome: outcome.value });
        state.callbacks.delete(callback.id);
        desk.addMessage({ text: `Callback to ${callback.phone} completed (${outcome.value}).` });
        state.emit("callbacks");
      } catch (failure) {
        status.textContent = failure.message;
      }
    }

    return el(
      "article",
      { class: "callback-card", dataset: { callbackId: callback.id } },
      el("p", {}, el("strong", {}, el("a", { href: `tel:${callback.phone}` }, callback.phone)), el("span", { class: "muted" }, ` · due ${dateTime(callback.due_at)}`)),
      callback.notes ? el("p", {}, callback.notes) : null,
      el("form", { on: { submit: textCustomer } },
        el("label", { htmlFor: ids.from }, "From our number"), from,
        el("label", { htmlFor: ids.text }, "Text the customer"), text,
        el("button", { type: "submit" }, "Send text"),
      ),
      el("div", { class: "inline" }, el("label", { htmlFor: ids.outcome }, "Outcome"), outcome, el("button", { type: "button", class: "primary", on: { click: complete } }, "Complete callback")),
      status,
    );
  }

  /** The organisation number to text from: that of the interaction the callback came from. */
  async function findOrgNumber(callback) {
    if (!callback.interaction_id || orgNumbers.has(callback.id)) return;
    try {
      const interaction = await api.get(`/v1/interactions/${seg(callback.interaction_id)}`);
      orgNumbers.set(callback.id, interaction.to);
      render();
    } catch {
      orgNumbers.set(callback.id, "");
    }
  }

  function render() {
    root.hidden = state.callbacks.size === 0;
    replaceChildren(list, [...state.callbacks.values()].map(card));
    for (const { callback } of state.callbacks.values()) findOrgNumber(callback);
  }

  state.on("callbacks", render);
  render();
}
