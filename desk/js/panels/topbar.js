// The top bar: who is signed in, Ready / Not Ready for SMS (PUT presence; the stream's
// `presence` event keeps it true when another tab or a supervisor changes it), the live
// connection's state, and sign out.

import { el, replaceChildren } from "../dom.js";
import { seg } from "../api.js";

const CONNECTION_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  stopped: "Offline",
};

export function mountTopBar(root, { api, state, desk, signOut }) {
  const presenceButton = el("button", { id: "presence-toggle", type: "button", class: "presence", attrs: { "aria-pressed": "false" }, on: { click: toggle } }, "Not Ready");
  const presenceError = el("span", { class: "inline-error", attrs: { role: "alert" } });
  const connection = el("span", { id: "connection-status", class: "connection", attrs: { role: "status" } }, CONNECTION_TEXT.connecting);
  replaceChildren(
    root,
    el("span", { class: "brand" }, "Switchboard"),
    el("span", { class: "who", id: "agent-name" }, state.claims.name),
    el("span", { class: "presence-group" }, el("span", { class: "label" }, "SMS:"), presenceButton, presenceError),
    connection,
    el("button", { type: "button", class: "link-button", id: "sign-out", on: { click: () => signOut("You signed out.") } }, "Sign out"),
  );

  function ready() {
    return state.agent?.presence?.sms === "ready";
  }

  function render() {
    const isReady = ready();
    presenceButton.textContent = isReady ? "Ready" : "Not Ready";
    presenceButton.setAttribute("aria-pressed", String(isReady));
    presenceButton.classList.toggle("is-ready", isReady);
    presenceButton.disabled = !state.agent;
    presenceButton.title = isReady ? "You receive offers. Press to go Not Ready." : "You receive no offers. Press to go Ready.";
  }

  async function toggle() {
    presenceError.textContent = "";
    presenceButton.disabled = true;
    try {
      state.agent = await api.put(`/v1/agents/${seg(desk.me)}/presence`, { channel: "sms", state: ready() ? "not_ready" : "ready" });
      state.emit("presence", state.agent);
    } catch (error) {
      presenceError.textContent = error.message;
      render();
    }
  }

  state.on("presence", render);
  state.on("connection", (status) => {
    connection.textContent = CONNECTION_TEXT[status] || status;
    connection.dataset.status = status;
  });
  render();
}
