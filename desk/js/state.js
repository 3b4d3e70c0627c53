// The desk's state and a tiny publish/subscribe, so panels stay independent: the
// controller (desk.js) changes state and emits a topic; each panel re-renders its part.
//
// Topics: "interactions" (the list), "selected" (the open interaction was replaced or
// changed), "entry" ({interactionId, entry}), "offers", "messages", "presence",
// "connection", "consultations", "callbacks".

export function createState() {
  const listeners = new Map();
  return {
    claims: null,
    agent: null,
    connection: "connecting",
    interactions: new Map(), // id -> interaction (with `transcript` once loaded)
    selectedId: null,
    offers: new Map(), // id -> pending offer
    messages: [], // newest first: {id, at, kind, text, interactionId, level}
    consultations: new Map(), // id -> {consultation, entries}
    callbacks: new Map(), // callback id -> accepted callback offer's callback, being worked
    dispositions: [],

    on(topic, fn) {
      if (!listeners.has(topic)) listeners.set(topic, new Set());
      listeners.get(topic).add(fn);
    },
    emit(topic, data) {
      for (const fn of listeners.get(topic) || []) fn(data);
    },
    get selected() {
      return this.selectedId ? this.interactions.get(this.selectedId) || null : null;
    },
  };
}
