// IM consultation. On the owner's side (a tool of the open interaction): invite another
// agent and talk to them privately. On the invited agent's side (the sidebar): the
// consultations it was invited to, with the customer's transcript to read while open.

import { el, replaceChildren, uid } from "../dom.js";
import { seg } from "../api.js";
import { followConsultations, replaceThreads, upsertConsultation } from "./consultation-thread.js";
import { renderEntry } from "./transcript.js";

export function mountConsultation(root, ctx) {
  const { api, state } = ctx;
  let interaction = null;
  const searchId = uid("consult-search");
  const search = el("input", { id: searchId, type: "search", autocomplete: "off", placeholder: "Agent name" });
  const agents = el("ul", { class: "target-results" });
  const status = el("p", { class: "field-status", attrs: { role: "status" } });
  const threads = el("div", { class: "threads", id: "consultations" });
  replaceChildren(root, el("label", { htmlFor: searchId }, "Invite an agent"), el("div", { class: "inline" }, search, el("button", { type: "button", on: { click: find } }, "Find")), agents, status, threads);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      find();
    }
  });

  // Each search is numbered, and an answer to an older one (overtaken by a newer search,
  // or asked for the interaction open before) is dropped: answers can arrive out of order,
  // and the list must answer what is in the field now.
  let searchSeq = 0;

  async function find() {
    const mine = ++searchSeq;
    try {
      const { items } = await api.get("/v1/targets", { q: search.value.trim() });
      if (mine !== searchSeq) return;
      const found = items.filter((t) => t.type === "agent" && t.id !== ctx.desk.me);
      replaceChildren(agents, found.length ? found.map((a) => el("li", {}, el("button", { type: "button", class: "target", on: { click: () => invite(a) } }, `Consult ${a.name || a.id}`))) : el("li", { class: "muted" }, "No agent matches."));
    } catch (failure) {
      if (mine === searchSeq) replaceChildren(agents, el("li", { class: "inline-error" }, failure.message));
    }
  }

  async function invite(agent) {
    status.textContent = "";
    try {
      upsertConsultation(state, await api.post(`/v1/interactions/${seg(interaction.id)}/consultations`, { agent_id: agent.id }));
      replaceChildren(agents);
    } catch (failure) {
      status.textContent = failure.status === 404 && failure.code === "not_found" ? "Consultation is not available on this server yet." : failure.message;
    }
  }

  function render() {
    if (!interaction) return;
    const records = [...state.consultations.values()].filter((r) => r.consultation.interaction_id === interaction.id);
    replaceThreads(threads, records, ctx, "No consultation about this interaction.");
  }

  async function load(id) {
    try {
      const { items } = await api.get(`/v1/interactions/${seg(id)}/consultations`);
      for (const consultation of items) if (!state.consultations.has(consultation.id)) upsertConsultation(state, consultation);
    } catch {
      /* older server without consultations: the panel still offers the invitation */
    }
  }

  state.on("consultations", render);
  return {
    setInteraction(next) {
      const changed = next?.id !== interaction?.id;
      interaction = next;
      if (next && changed) {
        status.textContent = "";
        searchSeq += 1;
        replaceChildren(agents);
        load(next.id);
        render();
      }
    },
  };
}

/** The sidebar list of consultations this agent was invited to. */
export function mountConsultationInbox(root, ctx) {
  const { api, state, desk } = ctx;
  followConsultations(state);
  const list = el("div", { class: "threads", id: "consultation-threads" });
  replaceChildren(root, el("h2", {}, "Consultations"), list);
  const transcripts = new Map(); // interaction id -> transcript node

  function render() {
    const invited = [...state.consultations.values()].filter((r) => r.consultation.agent?.id === desk.me);
    root.hidden = invited.length === 0;
    replaceThreads(list, invited, ctx, "");
    for (const node of list.querySelectorAll("article.consultation")) {
      const record = state.consultations.get(node.dataset.consultationId);
      if (record?.consultation.state !== "open") continue;
      const id = record.consultation.interaction_id;
      const details = el("details", { class: "consult-transcript" }, el("summary", {}, "The customer's conversation"));
      if (transcripts.has(id)) details.append(transcripts.get(id));
      else details.addEventListener("toggle", () => details.open && showTranscript(id, details), { once: true });
      node.append(details);
    }
  }

  async function showTranscript(id, details) {
    try {
      const interaction = await api.get(`/v1/interactions/${seg(id)}`);
      const log = el("ol", { class: "transcript compact" }, interaction.transcript.map((entry) => renderEntry(entry, ctx)));
      transcripts.set(id, log);
      details.append(log);
    } catch (failure) {
      details.append(el("p", { class: "inline-error" }, failure.message));
    }
  }

  state.on("consultations", render);
  render();
}
