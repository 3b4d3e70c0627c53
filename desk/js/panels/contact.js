// The contact panel: the interaction's contact (names, phones, e-mails) with its history
// and 24-hour count, a lookup by phone, e-mail or name, and manual assignment of the
// interaction to a contact found (optionally adding the customer's number to it).

import { el, replaceChildren, uid } from "../dom.js";
import { seg } from "../api.js";
import { dateTime } from "../format.js";

export function mountContact(root, { api, state, desk }) {
  let interaction = null;
  const ids = { lookup: uid("contact-lookup"), addPhone: uid("add-phone") };
  const current = el("div", { class: "contact-current", id: "contact-current" });
  const history = el("ul", { class: "contact-history" });
  const lookup = el("input", { id: ids.lookup, type: "search", autocomplete: "off", placeholder: "Phone, e-mail or name" });
  const addPhone = el("input", { id: ids.addPhone, type: "checkbox", checked: true });
  const results = el("ul", { class: "contact-results", id: "contact-results" });
  const status = el("p", { class: "field-status", attrs: { role: "status" } });

  replaceChildren(
    root,
    current,
    history,
    el("form", { class: "contact-lookup", on: { submit: (e) => { e.preventDefault(); find(); } } },
      el("label", { htmlFor: ids.lookup }, "Look up a contact"),
      el("div", { class: "inline" }, lookup, el("button", { type: "submit" }, "Search")),
      el("label", { class: "check" }, addPhone, " Add the customer's number when assigning"),
    ),
    results,
    status,
  );

  function query(text) {
    if (text.includes("@")) return { email: text };
    if (/^[+\d\s().-]{5,}$/.test(text)) return { phone: text };
    return { q: text };
  }

  async function find() {
    status.textContent = "";
    const text = lookup.value.trim();
    if (!text) return;
    try {
      const { items } = await api.get("/v1/contacts", { ...query(text), limit: 20 });
      replaceChildren(
        results,
        items.length
          ? items.map((contact) =>
              el("li", {}, el("span", {}, contact.display_name || [contact.first_name, contact.last_name].filter(Boolean).join(" ") || "(no name)"), el("span", { class: "muted" }, ` ${contact.phones.join(", ")} ${contact.emails.join(", ")}`), " ",
                el("button", { type: "button", class: "small", on: { click: () => assign(contact) } }, "Assign")),
            )
          : el("li", { class: "muted" }, "No contact matches."),
      );
    } catch (failure) {
      replaceChildren(results, el("li", { class: "inline-error" }, failure.message));
    }
  }

  async function assign(contact) {
    status.textContent = "";
    try {
      const result = await api.post("/v1/contact-assignments", { interaction_id: interaction.id, contact_id: contact.id, add_phone: addPhone.checked });
      status.textContent = `Assigned to ${result.contact_name || "the contact"}${result.phone_added ? "; number added" : ""}.`;
      await desk.loadInteraction(interaction.id);
    } catch (failure) {
      status.textContent = failure.code === "phone_taken" ? "That number already belongs to another contact." : failure.message;
    }
  }

  async function showContact(contactId) {
    try {
      const [contact, past] = await Promise.all([api.get(`/v1/contacts/${seg(contactId)}`), api.get(`/v1/contacts/${seg(contactId)}/history`, { limit: 10 })]);
      if (interaction?.contact?.id !== contactId) return;
      replaceChildren(
        current,
        el("p", {}, el("strong", {}, contact.display_name || [contact.first_name, contact.last_name].filter(Boolean).join(" ") || "(no name)")),
        el("p", {}, contact.phones.map((p) => [el("a", { href: `tel:${p}` }, p), " "]), contact.emails.map((m) => [el("a", { href: `mailto:${m}` }, m), " "])),
        el("p", { class: "muted" }, `${past.count_24h} interactions in the past 24 hours`),
      );
      replaceChildren(history, past.items.map((item) => el("li", {}, `${dateTime(item.created_at)} · ${item.state}${item.disposition ? ` · ${item.disposition}` : ""}${item.agent ? ` · ${item.agent.name || item.agent.id}` : ""}`)));
    } catch (failure) {
      replaceChildren(current, el("p", { class: "inline-error" }, failure.message));
    }
  }

  return {
    setInteraction(next) {
      const changedContact = next?.contact?.id !== interaction?.contact?.id || next?.id !== interaction?.id;
      interaction = next;
      if (!next || !changedContact) return;
      replaceChildren(results);
      status.textContent = "";
      replaceChildren(history);
      if (next.contact) {
        replaceChildren(current, el("p", { class: "muted" }, "Loading the contact…"));
        showContact(next.contact.id);
      } else {
        replaceChildren(current, el("p", { class: "muted" }, "No contact is known for this number. Look one up and assign it."));
        lookup.value = next.from;
      }
    },
  };
}
