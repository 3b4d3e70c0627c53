// Schedule a callback from the open interaction: a local date and time in the agent's
// time zone (callback resolves it, daylight-saving gaps included), for the agent itself
// or the interaction's queue, by SMS or voice, with notes. The transcript shows it.

import { el, replaceChildren, uid } from "../dom.js";
import { dateTime } from "../format.js";

export function mountCallbackSchedule(root, { api, desk }) {
  let interaction = null;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const ids = { when: uid("callback-when"), who: uid("callback-who"), channel: uid("callback-channel"), notes: uid("callback-notes") };
  const when = el("input", { id: ids.when, type: "datetime-local", required: true });
  const who = el("select", { id: ids.who }, el("option", { value: "me" }, "Me"), el("option", { value: "queue" }, "The interaction's queue"));
  const channel = el("select", { id: ids.channel }, el("option", { value: "sms" }, "SMS"), el("option", { value: "voice" }, "Voice"));
  const notes = el("textarea", { id: ids.notes, rows: 2, maxLength: 4000 });
  const status = el("p", { class: "field-status", id: "callback-status", attrs: { role: "status" } });

  replaceChildren(
    root,
    el("form", { on: { submit: schedule } },
      el("label", { htmlFor: ids.when }, `When (${zone})`), when,
      el("label", { htmlFor: ids.who }, "Who calls back"), who,
      el("label", { htmlFor: ids.channel }, "How"), channel,
      el("label", { htmlFor: ids.notes }, "Notes"), notes,
      el("button", { type: "submit", id: "schedule-callback" }, "Schedule callback"),
    ),
    status,
  );

  async function schedule(event) {
    event.preventDefault();
    status.textContent = "";
    status.classList.remove("inline-error");
    const [date, time] = when.value.split("T");
    if (!date || !time) {
      status.textContent = "Choose a date and time.";
      return;
    }
    const body = {
      phone: interaction.from,
      interaction_id: interaction.id,
      date,
      time,
      time_zone: zone,
      target: who.value === "me" ? { type: "agent", id: desk.me } : { type: "queue", id: interaction.queue },
      channel: channel.value,
    };
    if (interaction.contact?.id) body.contact_id = interaction.contact.id;
    if (notes.value.trim()) body.notes = notes.value.trim();
    try {
      const callback = await api.post("/v1/callbacks", body);
      status.textContent = `Callback scheduled for ${dateTime(callback.due_at)}.`;
      notes.value = "";
    } catch (failure) {
      status.classList.add("inline-error");
      status.textContent = failure.message;
    }
  }

  return {
    setInteraction(next) {
      if (next?.id !== interaction?.id) status.textContent = "";
      interaction = next;
    },
  };
}
