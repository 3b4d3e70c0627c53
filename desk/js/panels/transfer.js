// Instant transfer: search targets (GET /v1/targets?q=: agents with their presence and
// spare capacity, queues, routing points), pick one, add a note, transfer. The target's
// answer comes later on the stream: a rejection or expiry shows in the interaction window
// and in Messages; an acceptance moves the interaction off this desk.

import { el, replaceChildren, uid } from "../dom.js";

export function mountTransfer(root, { api, state, desk }) {
  let interaction = null;
  let chosen = null;
  const ids = { search: uid("target-search"), note: uid("transfer-note") };
  const search = el("input", { id: ids.search, type: "search", autocomplete: "off", placeholder: "Name of an agent, queue or routing point", attrs: { "aria-controls": "target-results" } });
  const results = el("ul", { class: "target-results", id: "target-results", attrs: { role: "listbox", "aria-label": "Transfer targets" } });
  const note = el("input", { id: ids.note, type: "text", maxLength: 500, autocomplete: "off" });
  const status = el("p", { class: "field-status", id: "transfer-result", attrs: { role: "alert" } });
  const go = el("button", { type: "button", class: "primary", id: "transfer-go", disabled: true, on: { click: transfer } }, "Transfer");

  replaceChildren(
    root,
    el("label", { htmlFor: ids.search }, "Transfer to"),
    search,
    results,
    el("label", { htmlFor: ids.note }, "Note for the target (optional)"),
    note,
    el("div", { class: "inline" }, go),
    status,
  );

  let timer = null;
  // Each search is numbered, and an answer to an older one (overtaken by a newer search,
  // or asked for the interaction open before) is dropped: answers can arrive out of order,
  // and the list must answer what is in the field now.
  let searchSeq = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(find, 200);
  });
  search.addEventListener("focus", () => {
    if (!results.children.length) find();
  });

  function describe(target) {
    if (target.type === "agent") return `${target.presence === "ready" ? "Ready" : "Not Ready"}${target.spare_capacity != null ? `, ${target.spare_capacity} free` : ""}`;
    if (target.type === "routing_point") return `routing point → ${target.queue}`;
    return "queue";
  }

  async function find() {
    const mine = ++searchSeq;
    try {
      const { items } = await api.get("/v1/targets", { q: search.value.trim() });
      if (mine !== searchSeq) return;
      const targets = items.filter((t) => !(t.type === "agent" && t.id === desk.me));
      replaceChildren(
        results,
        targets.length
          ? targets.map((target) => {
              const selected = chosen && chosen.type === target.type && chosen.id === target.id;
              return el(
                "li",
                {},
                el(
                  "button",
                  { type: "button", class: `target${selected ? " selected" : ""}`, dataset: { targetId: target.id, targetType: target.type }, attrs: { role: "option", "aria-selected": String(Boolean(selected)) }, on: { click: () => choose(target) } },
                  el("strong", {}, target.name || target.id),
                  el("span", { class: "muted" }, ` ${target.type === "agent" ? "agent" : ""} · ${describe(target)}`),
                ),
              );
            })
          : el("li", { class: "muted" }, "No target matches."),
      );
    } catch (failure) {
      if (mine === searchSeq) replaceChildren(results, el("li", { class: "inline-error" }, failure.message));
    }
  }

  function choose(target) {
    chosen = target;
    go.disabled = !interaction;
    go.textContent = `Transfer to ${target.name || target.id}`;
    for (const button of results.querySelectorAll("button.target")) {
      const on = button.dataset.targetId === target.id && button.dataset.targetType === target.type;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-selected", String(on));
    }
    go.focus();
  }

  async function transfer() {
    if (!chosen || !interaction) return;
    status.textContent = "";
    status.classList.remove("inline-error");
    go.disabled = true;
    const body = { interaction_id: interaction.id, target: { type: chosen.type, id: chosen.id } };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      const result = await api.post("/v1/transfers", body);
      status.textContent = result.state === "completed"
        ? `Sent to ${chosen.name || chosen.id}: it will be offered there.`
        : `Waiting for ${chosen.name || chosen.id} to accept…`;
      note.value = "";
      state.emit("window-notice", { interactionId: interaction.id, text: status.textContent, level: "info" });
    } catch (failure) {
      status.classList.add("inline-error");
      status.textContent = explain(failure);
      state.emit("window-notice", { interactionId: interaction.id, text: status.textContent, level: "error" });
    } finally {
      go.disabled = false;
    }
  }

  function explain(failure) {
    switch (failure.code) {
      case "target_unavailable":
        return `Not transferred: ${chosen.name || chosen.id} is not Ready or has no free capacity.`;
      case "transfer_pending":
        return "Not transferred: a transfer of this interaction is already waiting for an answer.";
      case "unknown_target":
        return "Not transferred: that target no longer exists.";
      default:
        return `Not transferred: ${failure.message}`;
    }
  }

  return {
    setInteraction(next) {
      if (next?.id !== interaction?.id) {
        status.textContent = "";
        chosen = null;
        searchSeq += 1;
        go.textContent = "Transfer";
        go.disabled = true;
        replaceChildren(results);
        search.value = "";
      }
      interaction = next;
    },
  };
}
