// One IM consultation between two agents about an interaction: its internal messages
// (never sent to the customer), a box to write, and End. Used by both agents' desks.

import { el, replaceChildren, uid } from "../dom.js";
import { seg } from "../api.js";
import { clock } from "../format.js";

export function renderThread(record, { api, state, desk }) {
  const { consultation, entries } = record;
  const open = consultation.state === "open";
  const other = consultation.agent?.id === desk.me ? consultation.from_agent : consultation.agent;
  const inputId = uid("consult-text");
  const input = el("input", { id: inputId, type: "text", autocomplete: "off", maxLength: 2000, disabled: !open });
  const error = el("p", { class: "inline-error", attrs: { role: "alert" } });

  async function send(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    try {
      const entry = await api.post(`/v1/consultations/${seg(consultation.id)}/messages`, { text });
      input.value = "";
      addEntry(state, consultation, entry);
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  async function end() {
    try {
      const ended = await api.post(`/v1/consultations/${seg(consultation.id)}/end`);
      upsertConsultation(state, ended || { ...consultation, state: "ended" });
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  return el(
    "article",
    { class: `consultation state-${consultation.state}`, dataset: { consultationId: consultation.id } },
    el("header", {}, el("strong", {}, `With ${other?.name || other?.id || "an agent"}`), el("span", { class: "muted" }, open ? " · open" : ` · ended${consultation.ended_by ? ` by ${consultation.ended_by.name || consultation.ended_by.id || consultation.ended_by}` : ""}`)),
    el("ol", { class: "consult-log", attrs: { role: "log", "aria-label": "Consultation messages" } },
      entries.length ? entries.map((entry) => el("li", { class: entry.author?.id === desk.me ? "from-me" : "from-agent" }, el("span", { class: "author" }, entry.author?.id === desk.me ? "You" : entry.author?.name || entry.author?.id || "Agent"), " ", el("time", { dateTime: entry.at }, clock(entry.at)), ": ", entry.text)) : el("li", { class: "muted" }, "No messages yet."),
    ),
    open
      ? el("form", { class: "inline", on: { submit: send } }, el("label", { htmlFor: inputId, class: "sr-only" }, "Internal message"), input, el("button", { type: "submit" }, "Send"), el("button", { type: "button", on: { click: end } }, "End"))
      : null,
    error,
  );
}

/** Keep a consultation in state (from an answer or a stream event) and tell the panels. */
export function upsertConsultation(state, consultation) {
  const held = state.consultations.get(consultation.id);
  state.consultations.set(consultation.id, { consultation, entries: held?.entries || [] });
  state.emit("consultations");
}

export function addEntry(state, consultation, entry) {
  if (!state.consultations.has(consultation.id)) upsertConsultation(state, consultation);
  const record = state.consultations.get(consultation.id);
  if (entry && !record.entries.some((e) => e.seq === entry.seq && e.at === entry.at && e.text === entry.text)) record.entries.push(entry);
  state.emit("consultations");
}

/** The stream's `consultation` events: started, message, ended. */
export function followConsultations(state) {
  state.on("consultation-event", (data) => {
    if (!data?.consultation) return;
    if (data.type === "message" && data.entry) addEntry(state, data.consultation, data.entry);
    else upsertConsultation(state, data.consultation);
  });
}

export function replaceThreads(container, records, ctx, emptyText) {
  replaceChildren(container, records.length ? records.map((r) => renderThread(r, ctx)) : el("p", { class: "muted" }, emptyText));
}
