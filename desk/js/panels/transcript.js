// The transcript: one list item per entry, coloured by participant (customer, this
// agent, another agent, system), with its time, its text and entities (linkify.js), its
// media, and for replies each SMS part's delivery status with the carrier's error.

import { el } from "../dom.js";
import { clock } from "../format.js";
import { renderText } from "../linkify.js";
import { renderMedia } from "./media.js";

function participant(entry, me) {
  if (entry.kind === "system") return "system";
  if (entry.kind === "internal") return "internal";
  if (entry.author?.type === "contact") return "customer";
  return entry.author?.id === me ? "me" : "agent";
}

function authorName(entry, me) {
  if (entry.kind === "system") return "System";
  if (entry.author?.type === "contact") return entry.author.name || entry.author.id || "Customer";
  const name = entry.author?.id === me ? "You" : entry.author?.name || entry.author?.id || "Agent";
  // IM consultation messages are in the transcript too; the customer never sees them.
  return entry.kind === "internal" ? `${name} (internal, not sent to the customer)` : name;
}

function statusOf(entry) {
  if (!entry.parts?.length) return null;
  const statuses = entry.parts.map((p) => p.status);
  const overall = ["failed", "undelivered", "queued", "sent", "delivered"].find((s) => statuses.includes(s));
  const failures = entry.parts.filter((p) => p.error_code || p.error_reason);
  return el(
    "p",
    { class: `delivery status-${overall}` },
    el("span", { class: "status-text" }, overall),
    entry.parts.length > 1 ? ` · ${entry.parts.length} parts (${statuses.join(", ")})` : null,
    failures.map((p) => el("span", { class: "inline-error" }, ` · error ${p.error_code ?? ""} ${p.error_reason ?? ""}`)),
  );
}

// The entry (as JSON, keys sorted) each rendered <li> shows, so that rendering again can
// tell which nodes still show their entry (renderTranscript, updateEntry). Sorted: the same
// entry comes from the REST API and from the stream, not always with its keys in one order.
const shown = new WeakMap();

function signature(entry) {
  return JSON.stringify(entry, (_key, value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

export function renderEntry(entry, ctx) {
  const node = entryNode(entry, ctx);
  shown.set(node, signature(entry));
  return node;
}

function entryNode(entry, ctx) {
  const who = participant(entry, ctx.desk.me);
  return el(
    "li",
    { class: `entry from-${who}${entry.kind === "system" ? " system" : ""}`, dataset: { seq: entry.seq } },
    el("div", { class: "entry-head" }, el("span", { class: "author" }, authorName(entry, ctx.desk.me)), " ", el("time", { dateTime: entry.at }, clock(entry.at))),
    el("p", { class: "entry-text" }, renderText(entry.text || "", entry.entities)),
    entry.media?.length ? renderMedia(entry.media, ctx) : null,
    statusOf(entry),
  );
}

/**
 * Keep `list` (an <ol>) showing `entries`; scroll to the end if the agent was there.
 *
 * The list is updated in place: the node of an entry that has not changed stays where it
 * is, never taken out, so a transcript shown again after an update of the interaction (its
 * state, a disposition, a transfer) neither reloads thumbnails nor loses the agent's text
 * selection or focus. An attachment that failed to load is rendered again, to try again.
 */
export function renderTranscript(list, entries, ctx) {
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const held = new Map();
  for (const child of list.children) if (child.dataset.seq !== undefined) held.set(child.dataset.seq, child);
  let cursor = list.firstChild;
  for (const entry of entries) {
    const kept = held.get(String(entry.seq));
    const node = kept && unchanged(kept, entry) ? kept : renderEntry(entry, ctx);
    if (node === cursor) cursor = cursor.nextSibling;
    else list.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
  if (atEnd || !list.dataset.rendered) list.scrollTop = list.scrollHeight;
  list.dataset.rendered = "1";
}

/** The node shows `entry` as it is now, and no attachment of it failed to load. */
function unchanged(node, entry) {
  return shown.get(node) === signature(entry) && !node.querySelector(".media-row .inline-error");
}

/** Replace or append one entry's node (left alone when it shows the entry already). */
export function updateEntry(list, entry, ctx) {
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const held = list.querySelector(`li[data-seq="${entry.seq}"]`);
  if (held && unchanged(held, entry)) return;
  const node = renderEntry(entry, ctx);
  if (held) held.replaceWith(node);
  else {
    const after = [...list.children].find((child) => Number(child.dataset.seq) > entry.seq);
    list.insertBefore(node, after || null);
  }
  if (atEnd) list.scrollTop = list.scrollHeight;
}
