// A transcript entry's text as DOM nodes with its entities made clickable: web addresses
// shown as the address they really open (never the text as written), phone numbers as
// tel: links, e-mail addresses as mailto: links. Session extracted the entities when the
// entry was written; here they are only located in the text. Text is never parsed as HTML.

import { el } from "./dom.js";
import { isWebAddress, urlWarnings } from "./link-safety.js";

const PHONE_LIKE = /\+?\(?\d[\d\s().-]{5,20}\d/g;

function digits(text) {
  return text.replace(/\D/g, "");
}

function findAll(haystack, needle, ignoreCase) {
  const found = [];
  if (!needle) return found;
  const h = ignoreCase ? haystack.toLowerCase() : haystack;
  const n = ignoreCase ? needle.toLowerCase() : needle;
  for (let at = h.indexOf(n); at >= 0; at = h.indexOf(n, at + n.length)) found.push([at, at + n.length]);
  return found;
}

/** The ranges of text to turn into links, in order, never overlapping. */
export function linkRanges(text, entities) {
  const ranges = [];
  const add = (start, end, kind, value) => {
    if (ranges.some((r) => start < r.end && end > r.start)) return;
    ranges.push({ start, end, kind, value });
  };
  for (const url of entities?.urls || []) for (const [s, e] of findAll(text, url.text, false)) add(s, e, "url", url);
  for (const email of entities?.emails || []) for (const [s, e] of findAll(text, email, true)) add(s, e, "email", email);
  const phones = entities?.phones || [];
  for (const match of text.matchAll(PHONE_LIKE)) {
    const written = digits(match[0]);
    if (written.length < 7) continue;
    const phone = phones.find((p) => digits(p) === written || digits(p).endsWith(written));
    if (phone) add(match.index, match.index + match[0].length, "phone", phone);
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/** Nodes for `text` with its links; phones and e-mails not found in it follow as chips. */
export function renderText(text, entities) {
  const nodes = [];
  let at = 0;
  const used = new Set();
  for (const range of linkRanges(text, entities)) {
    if (range.start > at) nodes.push(document.createTextNode(text.slice(at, range.start)));
    nodes.push(...linkNodes(range, text.slice(range.start, range.end)));
    used.add(range.value);
    at = range.end;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  const extra = [...(entities?.phones || []), ...(entities?.emails || [])].filter((v) => !used.has(v));
  if (extra.length) {
    nodes.push(el("span", { class: "entity-chips" }, extra.map((v) => (v.includes("@") ? mailLink(v) : telLink(v)))));
  }
  return nodes;
}

function telLink(phone) {
  return el("a", { href: `tel:${phone}`, class: "entity tel", title: `Call ${phone}` }, phone);
}

function mailLink(email) {
  return el("a", { href: `mailto:${email}`, class: "entity mail", title: `Write to ${email}` }, email);
}

/** A phone or e-mail keeps its written form (the link says where it goes); a web address
 * is shown as the address it opens. */
function linkNodes(range, written) {
  if (range.kind === "phone") {
    const link = telLink(range.value);
    link.textContent = written;
    return [link];
  }
  if (range.kind === "email") {
    const link = mailLink(range.value);
    link.textContent = written;
    return [link];
  }
  const url = range.value;
  const warnings = urlWarnings(url);
  const shown = isWebAddress(url.display)
    ? el("a", { href: url.display, target: "_blank", rel: "noopener noreferrer nofollow", class: `entity url${warnings.length ? " suspicious" : ""}`, referrerPolicy: "no-referrer" }, url.display)
    : el("code", { class: "entity url suspicious" }, url.display);
  if (!warnings.length) return [shown];
  return [shown, el("span", { class: "link-warning", attrs: { role: "note" } }, `⚠ Check this link: ${warnings.join("; ")}.`)];
}
