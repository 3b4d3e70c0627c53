// The desk's controller: loads the agent's state with REST, keeps it current from the
// live stream, and offers the panels the few operations that change shared state
// (select an interaction, reload one, post a message). The desk polls nothing: after the
// first load, every change arrives as a stream event; `resync` reloads with REST.

import { seg } from "./api.js";
import { DeskStream } from "./stream.js";
import { customerName } from "./format.js";

export function createDesk({ api, state }) {
  const me = state.claims.sub;
  // Offers this agent accepted: their interaction opens as soon as it is assigned.
  const openOnAssign = new Set();
  let messageCounter = 0;

  const stream = new DeskStream({
    api,
    onEvent: (kind, data) => handle(kind, data),
    onStatus: (status) => {
      state.connection = status;
      state.emit("connection", status);
    },
  });

  function addMessage({ text, level = "info", interactionId = null, at = new Date().toISOString(), id = null }) {
    messageCounter += 1;
    const key = id || `local-${messageCounter}`;
    if (state.messages.some((m) => m.id === key)) return;
    state.messages.unshift({ id: key, text, level, interactionId, at });
    state.messages.sort((a, b) => (a.at < b.at ? 1 : -1));
    state.emit("messages");
  }

  /** Merge a view (list item, event or single read) into the interaction held. */
  function upsert(view) {
    const held = state.interactions.get(view.id);
    const merged = { ...(held || {}), ...view };
    if (held && !("transcript" in view) && held.transcript) merged.transcript = held.transcript;
    if (held && !("contact_history" in view) && held.contact_history) merged.contact_history = held.contact_history;
    merged.seenAt = Date.now();
    state.interactions.set(view.id, merged);
    return merged;
  }

  function drop(id, text) {
    const held = state.interactions.get(id);
    if (!held) return;
    state.interactions.delete(id);
    if (text) addMessage({ text, interactionId: id });
    if (state.selectedId === id) {
      state.selectedId = null;
      state.emit("selected", null);
    }
    state.emit("interactions");
  }

  async function loadInteraction(id) {
    const full = await api.get(`/v1/interactions/${seg(id)}`);
    const merged = upsert(full);
    if (state.selectedId === id) state.emit("selected", merged);
    state.emit("interactions");
    return merged;
  }

  async function select(id) {
    state.selectedId = id;
    const held = state.interactions.get(id);
    state.emit("selected", held || null);
    state.emit("interactions");
    if (!held || !held.transcript) await loadInteraction(id);
  }

  async function reload() {
    const [agent, open, offers, notifications, dispositions] = await Promise.all([
      api.get(`/v1/agents/${seg(me)}`).catch((error) => ({ error })),
      api.get("/v1/interactions", { owner: "me", state: "open", limit: 200 }),
      api.get(`/v1/agents/${seg(me)}/offers`).catch(() => ({ items: [] })),
      api.get(`/v1/agents/${seg(me)}/notifications`).catch(() => ({ items: [] })),
      api.get("/v1/dispositions").catch(() => ({ items: [] })),
    ]);
    state.agent = agent.error ? null : agent;
    if (agent.error) {
      addMessage({ level: "error", text: `You are not in the agent directory (${agent.error.detail}); ask an admin to add agent "${me}".` });
    }
    state.emit("presence", state.agent);
    state.dispositions = dispositions.items || [];
    const ids = new Set(open.items.map((item) => item.id));
    for (const id of [...state.interactions.keys()]) if (!ids.has(id)) state.interactions.delete(id);
    for (const item of open.items) {
      const held = state.interactions.get(item.id);
      if (held) delete held.transcript; // reloaded on display: entries may have been missed
      upsert(item);
    }
    state.offers = new Map(offers.items.filter((o) => o.state === "pending").map((o) => [o.id, o]));
    state.emit("offers");
    for (const n of notifications.items) addMessage({ id: n.id, text: n.text, level: levelOf(n), interactionId: n.interaction_id, at: n.at });
    if (state.selectedId && !state.interactions.has(state.selectedId)) state.selectedId = null;
    state.emit("interactions");
    if (state.selectedId) await loadInteraction(state.selectedId);
    else state.emit("selected", null);
  }

  function handle(kind, data) {
    switch (kind) {
      case "offer":
        return onOffer(data);
      case "interaction":
        return onInteraction(data);
      case "transcript":
        return onTranscript(data);
      case "notification":
        return onNotification(data);
      case "presence":
        state.agent = data;
        return state.emit("presence", data);
      case "consultation":
        return state.emit("consultation-event", data);
      case "resync":
        addMessage({ text: "The live connection fell behind; the desk reloaded your work." });
        return reload().catch(() => {});
      default:
        return undefined;
    }
  }

  function onOffer(offer) {
    if (offer.state === "pending" && (!offer.expires_at || Date.parse(offer.expires_at) > Date.now())) {
      state.offers.set(offer.id, offer);
    } else {
      state.offers.delete(offer.id);
      if (offer.state === "accepted" && offer.kind === "callback" && offer.callback) {
        state.callbacks.set(offer.callback.id, { offer, callback: offer.callback });
        state.emit("callbacks");
      }
    }
    state.emit("offers");
  }

  function onInteraction(view) {
    const mine = view.owner?.id === me;
    if (mine && view.state !== "closed") {
      const isNew = !state.interactions.has(view.id);
      const merged = upsert(view);
      state.emit("interactions");
      if (state.selectedId === view.id) state.emit("selected", merged);
      if (isNew && openOnAssign.delete(view.id)) select(view.id).catch(() => {});
      return;
    }
    if (!state.interactions.has(view.id)) return;
    const who = customerName(state.interactions.get(view.id));
    if (view.state === "closed") drop(view.id, `Closed: ${who} (${view.close_reason || "closed"}).`);
    else drop(view.id, `${who} now belongs to ${view.owner?.name || view.owner?.id || "someone else"}.`);
  }

  function onTranscript({ interaction_id: id, entry }) {
    const held = state.interactions.get(id);
    if (!held || !held.transcript) return;
    const index = held.transcript.findIndex((e) => e.seq === entry.seq);
    if (index >= 0) held.transcript[index] = entry;
    else {
      held.transcript.push(entry);
      held.transcript.sort((a, b) => a.seq - b.seq);
    }
    state.emit("entry", { interactionId: id, entry });
  }

  function onNotification(n) {
    addMessage({ id: n.id, text: n.text, level: levelOf(n), interactionId: n.interaction_id, at: n.at });
    state.emit("notice", { interactionId: n.interaction_id, text: n.text, level: levelOf(n) });
  }

  return {
    me,
    stream,
    reload,
    select,
    loadInteraction,
    upsert,
    addMessage,
    forget: drop,
    expectAssignment: (interactionId) => openOnAssign.add(interactionId),
    async start() {
      stream.start();
      await reload();
    },
    stop() {
      stream.stop();
    },
  };
}

function levelOf(notification) {
  return notification.kind === "transfer_accepted" ? "info" : "error";
}
