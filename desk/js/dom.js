// DOM building without HTML parsing: every piece of text a customer, an agent or the API
// wrote goes in through text nodes, so nothing they type can become markup or script.

/**
 * el("button", {class: "primary", on: {click: fn}, attrs: {"aria-label": "…"}}, "Send")
 * Children: strings (text nodes), nodes, arrays of either; null/undefined/false are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (key === "attrs") for (const [name, v] of Object.entries(value)) { if (v !== null && v !== undefined && v !== false) node.setAttribute(name, v === true ? "" : String(v)); }
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node[key] = value; // DOM properties: id, type, value, hidden, disabled, href, title…
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace every child of `node` with `children`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A unique id for label/aria wiring. */
let counter = 0;
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}
