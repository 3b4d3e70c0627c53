// Wrap-up: disposition (codes of GET /v1/dispositions), note, case data (a JSON merge
// patch), and Done. Where a disposition is required, Done answers 409
// `disposition_required`: the desk then asks for one right here and focuses the choice.

import { el, replaceChildren, uid } from "../dom.js";
import { seg } from "../api.js";
import { customerName } from "../format.js";

export function mountWrapUp(root, { api, state, desk }) {
  let interaction = null;
  const ids = { disposition: uid("disposition"), note: uid("note"), key: uid("case-key"), value: uid("case-value") };
  const disposition = el("select", { id: ids.disposition, name: "disposition" });
  const dispositionStatus = el("p", { class: "field-status", attrs: { role: "status" } });
  const note = el("textarea", { id: ids.note, rows: 3, maxLength: 4000 });
  const noteStatus = el("p", { class: "field-status", attrs: { role: "status" } });
  const caseList = el("dl", { class: "case-data", id: "case-data" });
  const caseKey = el("input", { id: ids.key, type: "text", maxLength: 64, autocomplete: "off" });
  const caseValue = el("input", { id: ids.value, type: "text", maxLength: 1024, autocomplete: "off" });
  const caseStatus = el("p", { class: "field-status", attrs: { role: "status" } });
  const doneError = el("p", { class: "inline-error", id: "done-error", attrs: { role: "alert" } });
  const done = el("button", { type: "button", class: "primary", id: "done", on: { click: markDone } }, "Done");

  replaceChildren(
    root,
    el("div", { class: "field" }, el("label", { htmlFor: ids.disposition }, "Disposition"), el("div", { class: "inline" }, disposition, el("button", { type: "button", id: "save-disposition", on: { click: saveDisposition } }, "Set")), dispositionStatus),
    el("div", { class: "field" }, el("label", { htmlFor: ids.note }, "Note"), note, el("button", { type: "button", id: "save-note", on: { click: saveNote } }, "Save note"), noteStatus),
    el(
      "fieldset",
      { class: "field" },
      el("legend", {}, "Case data"),
      caseList,
      el("div", { class: "inline" }, el("label", { htmlFor: ids.key, class: "sr-only" }, "Name"), caseKey, el("label", { htmlFor: ids.value, class: "sr-only" }, "Value"), caseValue, el("button", { type: "button", id: "save-case-data", on: { click: saveCaseData } }, "Add")),
      caseStatus,
    ),
    el("div", { class: "done-row" }, done, doneError),
  );
  caseKey.placeholder = "name";
  caseValue.placeholder = "value";

  function renderDispositions() {
    replaceChildren(disposition, el("option", { value: "" }, "— choose —"), state.dispositions.map((d) => el("option", { value: d.code }, d.label)));
    disposition.value = interaction?.disposition || "";
  }

  function renderCaseData() {
    const entries = Object.entries(interaction?.case_data || {});
    replaceChildren(
      caseList,
      entries.length
        ? entries.map(([key, value]) => [
            el("dt", {}, key),
            el("dd", {}, value, " ", el("button", { type: "button", class: "small link-button", attrs: { "aria-label": `Remove ${key}` }, on: { click: () => patchCaseData({ [key]: null }) } }, "Remove")),
          ])
        : el("dd", { class: "muted" }, "None yet."),
    );
  }

  async function run(status, action, success) {
    status.textContent = "";
    status.classList.remove("inline-error");
    try {
      await action();
      status.textContent = success;
    } catch (failure) {
      status.textContent = failure.message;
      status.classList.add("inline-error");
    }
  }

  function path(suffix) {
    return `/v1/interactions/${seg(interaction.id)}/${suffix}`;
  }

  function saveDisposition() {
    if (!disposition.value) {
      dispositionStatus.textContent = "Choose a disposition first.";
      return Promise.resolve();
    }
    return run(dispositionStatus, async () => {
      desk.upsert(await api.put(path("disposition"), { code: disposition.value }));
      disposition.removeAttribute("aria-invalid");
      doneError.textContent = "";
      state.emit("interactions");
    }, "Disposition set.");
  }

  function saveNote() {
    return run(noteStatus, async () => {
      desk.upsert(await api.put(path("note"), { text: note.value }));
    }, "Note saved.");
  }

  function patchCaseData(patch) {
    return run(caseStatus, async () => {
      const { case_data: caseData } = await api.patch(path("case-data"), patch);
      interaction = desk.upsert({ id: interaction.id, case_data: caseData });
      renderCaseData();
    }, "Case data saved.");
  }

  function saveCaseData() {
    const key = caseKey.value.trim();
    if (!key) {
      caseStatus.textContent = "Give the case data a name.";
      caseKey.focus();
      return;
    }
    patchCaseData({ [key]: caseValue.value }).then(() => {
      caseKey.value = "";
      caseValue.value = "";
    });
  }

  async function markDone() {
    doneError.textContent = "";
    done.disabled = true;
    try {
      if (disposition.value && disposition.value !== (interaction.disposition || "")) await saveDisposition();
      await api.post(path("done"));
      desk.forget(interaction.id, `Done: ${customerName(interaction)}.`);
    } catch (failure) {
      if (failure.code === "disposition_required") {
        doneError.textContent = "A disposition is required before Done: choose one above, then press Done again.";
        disposition.setAttribute("aria-invalid", "true");
        disposition.closest("details")?.setAttribute("open", "");
        disposition.focus();
      } else doneError.textContent = failure.message;
    } finally {
      done.disabled = false;
    }
  }

  return {
    setInteraction(next) {
      const changed = next?.id !== interaction?.id;
      interaction = next;
      if (!next) return;
      if (changed) {
        note.value = next.note || "";
        doneError.textContent = "";
        for (const s of [dispositionStatus, noteStatus, caseStatus]) s.textContent = "";
        disposition.removeAttribute("aria-invalid");
        renderDispositions();
      } else if (!disposition.matches(":focus") && next.disposition) disposition.value = next.disposition;
      renderCaseData();
    },
  };
}
