// Why a link in a customer's message deserves a second look. The transcript shows every
// web address as the address a click really opens (`display`, from session's entities);
// these are the reasons the desk adds a warning next to it.

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8]/gu;

/** Invisible and bidirectional controls as <U+202E>-style markers, so they can be shown. */
export function revealHidden(text) {
  return text.replace(CONTROL, (c) => `<U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}>`);
}

/** The reasons (strings, possibly none) to warn about a URL entity {text, display, suspicious}. */
export function urlWarnings(entity) {
  const reasons = [];
  if (entity.suspicious) reasons.push("Switchboard flagged this address (hidden characters, a look-alike host or a hidden user name)");
  let url = null;
  try {
    url = new URL(entity.display);
  } catch {
    reasons.push("the address cannot be read");
    return reasons;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") reasons.push(`it is not a web address (${url.protocol})`);
  const host = url.hostname;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[")) reasons.push("the host is a bare IP address");
  if (host.split(".").some((label) => label.startsWith("xn--"))) reasons.push("the host is an international name shown as punycode (it may imitate another)");
  if (url.username || url.password) reasons.push("a user name is written before the host");
  const written = /^[a-z][a-z0-9+.-]*:\/\//i.test(entity.text) ? entity.text : `http://${entity.text}`;
  if (written.toLowerCase() !== entity.display.toLowerCase()) reasons.push(`the message writes it differently: ${revealHidden(entity.text)}`);
  return [...new Set(reasons)];
}

/** Only http(s) addresses become clickable. */
export function isWebAddress(display) {
  try {
    const url = new URL(display);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
