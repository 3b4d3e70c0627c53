// Sign-in: the agent pastes a token (README: `switchboardctl token …`). It is kept in
// sessionStorage only, never in a URL. A message says why the agent is here again.

import { el, replaceChildren } from "../dom.js";
import { readClaims, saveToken } from "../token.js";

export function mountSignIn(root, { onToken }) {
  const message = el("p", { class: "form-error", id: "signin-message", attrs: { role: "alert" } });
  const input = el("textarea", {
    id: "signin-token",
    rows: 5,
    spellcheck: false,
    autocomplete: "off",
    attrs: { "aria-describedby": "signin-help signin-message", required: true },
  });
  const form = el(
    "form",
    { class: "signin-form", on: { submit: submit } },
    el("h1", {}, "Switchboard desk"),
    el("label", { htmlFor: "signin-token" }, "Your token"),
    input,
    el("p", { class: "help", id: "signin-help" }, "Paste the token your administrator gave you (for a trial: ", el("code", {}, 'switchboardctl token --agent kate --name "Kate Lewis" --role agent'), "). It stays in this tab only."),
    message,
    el("button", { type: "submit", class: "primary", id: "signin-submit" }, "Sign in"),
  );
  replaceChildren(root, form);

  function submit(event) {
    event.preventDefault();
    const token = input.value.trim();
    try {
      readClaims(token);
    } catch (error) {
      message.textContent = error.message;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    input.value = "";
    message.textContent = "";
    saveToken(token);
    onToken(token);
  }

  return {
    show(text = "") {
      message.textContent = text;
      root.hidden = false;
      input.focus();
    },
    hide() {
      root.hidden = true;
    },
  };
}
