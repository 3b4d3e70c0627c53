// The reply box: characters remaining and SMS parts as the agent types (POST
// /v1/sms/preview, which also lists misspelled words: the agent is warned before sending
// them), standard responses by search or by shortcut (type `/keyword` then Tab), Send
// (Ctrl+Enter too). Errors such as 409 `recipient_opted_out` appear right under the box.

import { el, replaceChildren, uid } from "../dom.js";
import { seg } from "../api.js";
import { customerName } from "../format.js";

const drafts = new Map(); // interaction id -> text not sent yet
const SHORTCUT = /(^|\s)\/([^\s/]{1,32})$/;

export function mountReplyBox(root, ctx, initial) {
  const { api, state, desk } = ctx;
  let interaction = initial;
  let preview = null; // {text, result}
  let previewSeq = 0;
  let timer = null;
  let confirmSpelling = null; // the text the agent chose to send despite misspellings
  let standardResponse = null; // {id, text} inserted last
  let initialized = false;

  const ids = { text: uid("reply"), counter: uid("counter"), error: uid("reply-error"), search: uid("sr-search") };
  const textarea = el("textarea", { id: ids.text, class: "reply-text", rows: 3, attrs: { "aria-describedby": `${ids.counter} ${ids.error}` } });
  const counter = el("p", { class: "counter", id: ids.counter }, "160 characters remaining · 0 parts");
  const spelling = el("div", { class: "spelling", id: "spelling" });
  const error = el("p", { class: "inline-error reply-error", id: ids.error, attrs: { role: "alert" } });
  const send = el("button", { type: "button", class: "primary", id: "send-reply", on: { click: () => sendReply() } }, "Send");
  const search = el("input", { type: "search", id: ids.search, placeholder: "Search standard responses", autocomplete: "off", attrs: { "aria-controls": "sr-results" } });
  const results = el("ul", { class: "sr-results", id: "sr-results" });

  replaceChildren(
    root,
    el("label", { htmlFor: ids.text, class: "reply-label" }, "Reply ", el("span", { class: "muted" }, "(type /shortcut then Tab for a standard response; Ctrl+Enter sends)")),
    textarea,
    el("div", { class: "reply-bar" }, counter, send),
    error,
    spelling,
    el("details", { class: "standard-responses" }, el("summary", {}, "Standard responses"), el("label", { htmlFor: ids.search, class: "sr-only" }, "Search standard responses"), search, results),
  );

  textarea.addEventListener("input", () => {
    drafts.set(interaction.id, textarea.value);
    error.textContent = "";
    confirmSpelling = null;
    send.textContent = "Send";
    schedulePreview();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      sendReply();
    } else if (event.key === "Tab" && !event.shiftKey && SHORTCUT.test(textarea.value.slice(0, textarea.selectionStart))) {
      event.preventDefault();
      expandShortcut();
    }
  });
  let searchTimer = null;
  // Each search is numbered, and an answer to an older one (overtaken by a newer search) is
  // dropped: answers can arrive out of order, and the list must answer what is in the field.
  let searchSeq = 0;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(findResponses, 200);
  });

  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(runPreview, 200);
  }

  async function runPreview() {
    const text = textarea.value;
    const mine = ++previewSeq;
    try {
      const result = await api.post("/v1/sms/preview", { text });
      if (mine !== previewSeq) return preview;
      preview = { text, result };
      renderPreview();
      return preview;
    } catch (failure) {
      if (mine === previewSeq) counter.textContent = `Cannot count characters: ${failure.message}`;
      return null;
    }
  }

  function renderPreview() {
    const { result } = preview;
    const partCount = result.parts.length;
    counter.textContent = `${result.characters_remaining} characters remaining · ${partCount} ${partCount === 1 ? "part" : "parts"} · ${result.encoding === "gsm7" ? "GSM-7" : "Unicode"}${result.too_long ? ` · too long (at most ${result.max_parts} parts)` : ""}`;
    counter.classList.toggle("too-long", result.too_long);
    const misspelled = result.misspelled || [];
    replaceChildren(
      spelling,
      misspelled.length
        ? [
            el("span", { class: "muted" }, "Check spelling: "),
            misspelled.map((m) =>
              el("span", { class: "misspelling" }, el("mark", {}, m.word), m.suggestions.length ? " → " : "", m.suggestions.slice(0, 3).map((s) => el("button", { type: "button", class: "small", on: { click: () => replaceWord(m, s) } }, s)), " "),
            ),
          ]
        : [],
    );
  }

  function replaceWord(misspelling, suggestion) {
    const text = textarea.value;
    if (text.slice(misspelling.offset, misspelling.offset + misspelling.length) !== misspelling.word) return;
    textarea.value = text.slice(0, misspelling.offset) + suggestion + text.slice(misspelling.offset + misspelling.length);
    textarea.dispatchEvent(new Event("input"));
    textarea.focus();
  }

  function insert(response, replaceFrom = null) {
    const caret = textarea.selectionStart;
    const start = replaceFrom ?? caret;
    const text = textarea.value;
    textarea.value = text.slice(0, start) + response.text + text.slice(textarea.selectionEnd);
    const end = start + response.text.length;
    textarea.setSelectionRange(end, end);
    standardResponse = { id: response.id, text: response.text };
    textarea.dispatchEvent(new Event("input"));
    textarea.focus();
  }

  async function expandShortcut() {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = SHORTCUT.exec(before);
    if (!match) return;
    try {
      const { items } = await api.get("/v1/standard-responses", { shortcut: match[2] });
      if (!items.length) {
        error.textContent = `No standard response has the shortcut /${match[2]}.`;
        return;
      }
      insert(items[0], before.length - match[2].length - 1);
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  async function findResponses() {
    const mine = ++searchSeq;
    try {
      const { items } = await api.get("/v1/standard-responses", { q: search.value.trim() });
      if (mine !== searchSeq) return;
      replaceChildren(
        results,
        items.length
          ? items.slice(0, 20).map((item) =>
              el("li", {}, el("button", { type: "button", class: "sr-item", on: { click: () => insert(item) } }, el("strong", {}, item.name), item.shortcut ? el("span", { class: "muted" }, ` /${item.shortcut}`) : null, el("span", { class: "sr-text" }, item.text))),
            )
          : el("li", { class: "muted" }, "No standard response matches."),
      );
    } catch (failure) {
      if (mine === searchSeq) replaceChildren(results, el("li", { class: "inline-error" }, failure.message));
    }
  }

  async function sendReply() {
    const text = textarea.value;
    error.textContent = "";
    if (!text.trim()) {
      error.textContent = "Write a reply first.";
      textarea.focus();
      return;
    }
    send.disabled = true;
    try {
      const checked = preview && preview.text === text ? preview : await runPreview();
      const misspelled = checked?.result.misspelled || [];
      if (misspelled.length && confirmSpelling !== text) {
        confirmSpelling = text;
        error.textContent = `Possible misspellings: ${[...new Set(misspelled.map((m) => m.word))].join(", ")}. Correct them, or press Send anyway.`;
        send.textContent = "Send anyway";
        return;
      }
      if (checked?.result.too_long) {
        error.textContent = `Too long: at most ${checked.result.max_parts} SMS parts.`;
        return;
      }
      const body = { text };
      if (standardResponse && text.includes(standardResponse.text)) body.standard_response_id = standardResponse.id;
      const result = await api.post(`/v1/interactions/${seg(interaction.id)}/messages`, body);
      textarea.value = "";
      drafts.delete(interaction.id);
      standardResponse = null;
      confirmSpelling = null;
      send.textContent = "Send";
      schedulePreview();
      if (result.closed) desk.forget(interaction.id, `Replied and closed (Page mode): ${customerName(interaction)}.`);
    } catch (failure) {
      error.textContent = explain(failure);
    } finally {
      send.disabled = false;
    }
  }

  function explain(failure) {
    switch (failure.code) {
      case "recipient_opted_out":
        return "Not sent: this customer opted out of texts from this number (they can text START to opt back in).";
      case "interaction_closed":
        return "Not sent: this interaction is closed.";
      case "not_owner":
        return "Not sent: this interaction is no longer yours.";
      default:
        return `Not sent: ${failure.message}`;
    }
  }

  return {
    update(next) {
      const first = !initialized;
      initialized = true;
      interaction = next;
      const open = next.state !== "closed" && next.owner?.id === desk.me;
      textarea.disabled = !open;
      send.disabled = !open;
      if (first) {
        textarea.value = drafts.get(next.id) || "";
        schedulePreview();
      }
    },
    destroy() {
      clearTimeout(timer);
      clearTimeout(searchTimer);
    },
  };
}
