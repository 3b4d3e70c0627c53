// The interaction window: who the customer is (contact name, number), the contact's
// recent history, origin, ticking elapsed time, the live connection and the
// interaction's state, a transfer in progress, notices (a rejected transfer) where the
// agent is looking, the transcript, and the reply box.

import { el, replaceChildren } from "../dom.js";
import { dateTime, duration, plural } from "../format.js";
import { renderTranscript, updateEntry } from "./transcript.js";
import { mountReplyBox } from "./reply-box.js";

const CONNECTION = { live: "connected", connecting: "connecting…", reconnecting: "reconnecting…", stopped: "offline" };

export function mountInteractionWindow(root, ctx) {
  const { state, desk } = ctx;
  let currentId = null;
  let reply = null;
  let parts = null;
  const notices = new Map(); // interaction id -> {text, level}

  function empty() {
    currentId = null;
    reply?.destroy();
    reply = null;
    parts = null;
    replaceChildren(root, el("div", { class: "window-empty" }, el("h2", {}, "No interaction open"), el("p", { class: "muted" }, "Accept an offer, or pick one of your interactions on the left.")));
  }

  function build(interaction) {
    currentId = interaction.id;
    reply?.destroy();
    parts = {
      title: el("h2", { id: "window-title" }),
      number: el("a", { class: "number" }),
      history: el("p", { class: "history", id: "contact-history" }),
      facts: el("dl", { class: "facts" }),
      elapsed: el("dd", { id: "elapsed" }),
      connection: el("dd", { id: "window-connection" }),
      transfer: el("p", { class: "transfer-status", id: "transfer-status", attrs: { role: "status" } }),
      notice: el("div", { class: "notice", id: "window-notice", attrs: { role: "alert" } }),
      transcript: el("ol", { class: "transcript", id: "transcript", attrs: { role: "log", "aria-label": "Transcript", tabindex: "0" } }),
      replyHost: el("div", { class: "reply-host" }),
    };
    replaceChildren(
      root,
      el("header", { class: "window-head" }, el("div", {}, parts.title, parts.number, parts.history), parts.facts),
      parts.transfer,
      parts.notice,
      parts.transcript,
      parts.replyHost,
    );
    reply = mountReplyBox(parts.replyHost, ctx, interaction);
    update(interaction);
  }

  function fact(term, value) {
    return [el("dt", {}, term), value instanceof Node ? value : el("dd", {}, value)];
  }

  function update(interaction) {
    parts.title.textContent = interaction.contact?.name || "Unknown contact";
    parts.number.textContent = interaction.from;
    parts.number.href = `tel:${interaction.from}`;
    parts.number.title = `Call ${interaction.from}`;
    const history = interaction.contact_history;
    parts.history.textContent = history
      ? `${plural(history.message_exchanges_24h, "message exchange")} with this contact in the past 24 hours · ${plural(history.open_or_recent_interactions, "open or recent interaction")}`
      : "";
    replaceChildren(
      parts.facts,
      fact("Origin", interaction.origin),
      fact("Elapsed", parts.elapsed),
      fact("State", interaction.state),
      fact("Connection", parts.connection),
      fact("To", interaction.to),
      interaction.disposition ? fact("Disposition", interaction.disposition) : null,
    );
    tick();
    parts.connection.textContent = `SMS ${CONNECTION[state.connection] || state.connection}`;
    const transfer = interaction.transfer;
    parts.transfer.textContent = transfer
      ? `Transfer to ${transfer.target.name || transfer.target.id} pending${transfer.expires_at ? ` until ${dateTime(transfer.expires_at)}` : ""}…`
      : "";
    parts.transfer.hidden = !transfer;
    renderNotice();
    if (interaction.transcript) renderTranscript(parts.transcript, interaction.transcript, ctx);
    else replaceChildren(parts.transcript, el("li", { class: "muted" }, "Loading the transcript…"));
    reply.update(interaction);
  }

  function renderNotice() {
    const notice = notices.get(currentId);
    parts.notice.hidden = !notice;
    parts.notice.className = `notice level-${notice?.level || "info"}`;
    replaceChildren(
      parts.notice,
      notice ? [el("span", {}, notice.text), " ", el("button", { type: "button", class: "link-button", on: { click: () => { notices.delete(currentId); renderNotice(); } } }, "Dismiss")] : [],
    );
  }

  function tick() {
    const interaction = state.selected;
    if (!interaction || !parts) return;
    const end = interaction.closed_at ? Date.parse(interaction.closed_at) : Date.now();
    parts.elapsed.textContent = duration((end - Date.parse(interaction.created_at)) / 1000);
  }

  state.on("selected", (interaction) => {
    if (!interaction) return empty();
    if (interaction.id !== currentId) build(interaction);
    else update(interaction);
  });
  state.on("entry", ({ interactionId, entry }) => {
    if (interactionId === currentId && parts) updateEntry(parts.transcript, entry, ctx);
  });
  state.on("notice", ({ interactionId, text, level }) => {
    notices.set(interactionId, { text, level });
    if (interactionId === currentId) renderNotice();
  });
  state.on("window-notice", ({ interactionId, text, level }) => {
    notices.set(interactionId, { text, level });
    if (interactionId === currentId) renderNotice();
  });
  state.on("connection", () => {
    if (parts) parts.connection.textContent = `SMS ${CONNECTION[state.connection] || state.connection}`;
  });
  setInterval(tick, 1000);
  empty();
}
