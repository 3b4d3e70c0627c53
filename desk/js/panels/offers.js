// Offer previews (routing, transfer and callback offers): a toast per pending offer with
// the customer's number and text, a countdown to its expiry, and Accept / Reject. The
// container is an ARIA live region: a new offer is announced as it is added (the
// countdown's text changes are not additions, so they are not read out every second).

import { el, replaceChildren } from "../dom.js";
import { seg } from "../api.js";
import { dateTime } from "../format.js";

export function mountOffers(root, { api, state, desk }) {
  root.setAttribute("role", "region");
  root.setAttribute("aria-live", "assertive");
  root.setAttribute("aria-relevant", "additions");
  const toasts = new Map(); // offer id -> {node, countdown, offer}

  function title(offer) {
    if (offer.kind === "transfer") return `Transfer from ${offer.from_agent?.name || offer.from_agent?.id || "an agent"}`;
    if (offer.kind === "callback") return "Callback due";
    return "New conversation";
  }

  function build(offer) {
    const preview = offer.preview || {};
    const callback = offer.callback || null;
    const countdown = el("span", { class: "countdown" });
    const error = el("p", { class: "inline-error", attrs: { role: "alert" } });
    const accept = el("button", { type: "button", class: "primary", dataset: { action: "accept" }, on: { click: () => answer(offer, "accept", error) } }, "Accept");
    const reject = el("button", { type: "button", dataset: { action: "reject" }, on: { click: () => answer(offer, "reject", error) } }, "Reject");
    const text = callback ? callback.notes : preview.text;
    const textNode = el("p", { class: "toast-text" }, text || (callback ? "No notes." : "The message text is on its way…"));
    const node = el(
      "article",
      { class: `toast kind-${offer.kind}`, dataset: { offerId: offer.id, interactionId: offer.interaction_id || "" }, attrs: { "aria-label": `${title(offer)} ${preview.from || callback?.phone || ""}` } },
      el("header", {}, el("strong", {}, title(offer)), " ", countdown),
      el("p", { class: "toast-from" }, preview.from || callback?.phone || "", preview.origin ? el("span", { class: "muted" }, ` · ${preview.origin}`) : null),
      callback ? el("p", { class: "muted" }, `Due ${dateTime(callback.due_at)}`) : null,
      textNode,
      offer.kind === "transfer" && offer.note ? el("p", { class: "muted" }, `Note: ${offer.note}`) : null,
      error,
      el("div", { class: "actions" }, accept, reject),
    );
    return { node, countdown, textNode, offer };
  }

  async function answer(offer, action, error) {
    error.textContent = "";
    const buttons = toasts.get(offer.id)?.node.querySelectorAll("button") || [];
    buttons.forEach((b) => (b.disabled = true));
    try {
      const answered = await api.post(`/v1/offers/${seg(offer.id)}/${action}`);
      state.offers.delete(offer.id);
      if (action === "accept") {
        if (offer.kind === "callback" && (answered.callback || offer.callback)) {
          const callback = answered.callback || offer.callback;
          state.callbacks.set(callback.id, { offer: answered, callback });
          state.emit("callbacks");
        } else {
          desk.expectAssignment(offer.interaction_id);
          if (state.interactions.has(offer.interaction_id)) desk.select(offer.interaction_id).catch(() => {});
        }
      }
      state.emit("offers");
    } catch (failure) {
      buttons.forEach((b) => (b.disabled = false));
      error.textContent = failure.code === "offer_expired" ? "Too late: this offer expired." : failure.message;
      if (["offer_expired", "offer_not_pending", "interaction_closed"].includes(failure.code)) {
        desk.addMessage({ level: "error", text: `Offer from ${offer.preview?.from || "a customer"}: ${failure.message}`, interactionId: offer.interaction_id });
        setTimeout(() => {
          state.offers.delete(offer.id);
          state.emit("offers");
        }, 4000);
      }
    }
  }

  function render() {
    for (const [id, toast] of toasts) {
      if (!state.offers.has(id)) {
        toast.node.remove();
        toasts.delete(id);
      }
    }
    for (const [id, offer] of state.offers) {
      const held = toasts.get(id);
      if (held) {
        // The customer's text arrives after the offer: updated in place, so focus stays.
        if (offer.preview?.text && held.offer.preview?.text !== offer.preview.text) held.textNode.textContent = offer.preview.text;
        held.offer = offer;
        continue;
      }
      const toast = build(offer);
      root.append(toast.node);
      toasts.set(id, toast);
    }
    root.hidden = toasts.size === 0;
    tick();
  }

  function tick() {
    const now = Date.now();
    for (const [id, toast] of toasts) {
      if (!toast.offer.expires_at) continue;
      const left = Math.ceil((Date.parse(toast.offer.expires_at) - now) / 1000);
      if (left <= 0) {
        state.offers.delete(id);
        toast.node.remove();
        toasts.delete(id);
        continue;
      }
      toast.countdown.textContent = `${left} s left`;
      toast.node.classList.toggle("urgent", left <= 5);
    }
    root.hidden = toasts.size === 0;
  }

  state.on("offers", render);
  setInterval(tick, 250);
  replaceChildren(root);
  render();
}
