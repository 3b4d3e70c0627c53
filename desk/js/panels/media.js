// MMS media in the transcript: thumbnails, full size in a new tab, and Save only for a
// token with the permission `media.save` (the media service refuses a download without
// it anyway). Media needs the bearer token, which an <img src> cannot send, so bytes are
// fetched with it and shown through blob: URLs (the page's CSP allows img-src blob:).

import { el } from "../dom.js";
import { seg } from "../api.js";
import { hasPerm } from "../token.js";

// media id -> Promise<{meta, thumbnail: blob URL | null}>; kept for the page's life so a
// transcript re-render never fetches twice.
const cache = new Map();

function load(api, id) {
  if (!cache.has(id)) {
    const promise = (async () => {
      const meta = await api.get(`/v1/media/${seg(id)}`);
      let thumbnail = null;
      if (meta.has_thumbnail) thumbnail = URL.createObjectURL(await api.blob(`/v1/media/${seg(id)}/thumbnail`));
      return { meta, thumbnail };
    })();
    promise.catch(() => cache.delete(id));
    cache.set(id, promise);
  }
  return cache.get(id);
}

function describe(meta) {
  const size = meta.width && meta.height ? `${meta.width}×${meta.height}, ` : "";
  return `${meta.content_type}, ${size}${Math.max(1, Math.round(meta.bytes / 1024))} KB`;
}

async function openFull(api, id) {
  // Opened while the click's activation lasts, filled once the bytes are here.
  const tab = window.open("", "_blank");
  try {
    const url = URL.createObjectURL(await api.blob(`/v1/media/${seg(id)}/content`));
    if (tab) tab.location.href = url;
    else window.location.assign(url);
  } catch (error) {
    tab?.close();
    throw error;
  }
}

async function save(api, id, meta) {
  const blob = await api.blob(`/v1/media/${seg(id)}/content`, { download: "1" });
  const extension = (meta.content_type.split("/")[1] || "bin").replace(/[^a-z0-9]/gi, "");
  const link = el("a", { href: URL.createObjectURL(blob), download: `media-${id}.${extension}` });
  document.body.append(link);
  link.click();
  link.remove();
}

/** A figure per media id; fills in as metadata and thumbnails arrive. */
export function renderMedia(ids, { api, state, desk }) {
  const canSave = hasPerm(state.claims, "media.save");
  return el(
    "div",
    { class: "media-row" },
    ids.map((id) => {
      const figure = el("figure", { class: "media", dataset: { mediaId: id } }, el("span", { class: "muted" }, "Loading attachment…"));
      load(api, id)
        .then(({ meta, thumbnail }) => {
          const label = describe(meta);
          const view = el(
            "button",
            {
              type: "button",
              class: "thumb-button",
              attrs: { "aria-label": `Open full size in a new tab (${label})` },
              on: { click: () => openFull(api, id).catch((e) => desk.addMessage({ level: "error", text: `Could not open the attachment: ${e.message}` })) },
            },
            thumbnail ? el("img", { src: thumbnail, alt: `Attachment: ${label}`, class: "thumbnail" }) : el("span", { class: "file" }, "Open attachment"),
          );
          const saveButton = canSave
            ? el("button", { type: "button", class: "small", dataset: { action: "save-media" }, on: { click: () => save(api, id, meta).catch((e) => desk.addMessage({ level: "error", text: `Could not save: ${e.message}` })) } }, "Save")
            : null;
          figure.replaceChildren(view, el("figcaption", {}, label, " ", saveButton));
        })
        .catch((error) => figure.replaceChildren(el("span", { class: "inline-error" }, `Attachment unavailable: ${error.message}`)));
      return figure;
    }),
  );
}
