// A training job's preprocessing gallery: each pair's photo, what phase I made of it, the
// control images (depth, Canny) and the target, as the worker wrote them while preparing.

import { getBlob, getJSON } from "./api.js";
import { h, fill } from "./dom.js";

const COLUMNS = [
  ["raw_inputs", "Photo"],
  ["phase1_outputs", "Phase I"],
  ["phase2_depth", "Depth"],
  ["phase2_edge", "Edges"],
  ["targets", "Target"],
];

/** A gallery card that `update(jobId)` refills; images load with the API key, as blobs. */
export function galleryCard() {
  const box = h("section", { class: "card gallery-card", "aria-labelledby": "gallery-title", hidden: "" });
  const urls = new Map(); // gallery URL → object URL, loaded once
  let shown = -1;

  async function thumb(url, label) {
    if (!urls.has(url)) urls.set(url, URL.createObjectURL(await getBlob(url)));
    return h("figure", {}, h("img", { src: urls.get(url), alt: label, loading: "lazy" }), h("figcaption", {}, label));
  }

  async function update(jobId) {
    let body;
    try {
      body = await getJSON(`/api/v1/training-jobs/${jobId}/gallery`);
    } catch {
      return; // the card stays as it was; the next poll tries again
    }
    if (body.pairs.length === shown) return;
    shown = body.pairs.length;
    const rows = await Promise.all(body.pairs.map(async (pair) => {
      const tries = pair.phase1_attempts > 1 ? ` · phase I: ${pair.phase1_attempts} attempts` : "";
      const figures = await Promise.all(COLUMNS.filter(([key]) => pair.images[key])
        .map(([key, label]) => thumb(pair.images[key], `${pair.pair}: ${label}`).catch(() => null)));
      return h("div", { class: "gallery-row" }, h("h3", { class: "mono small" }, `${pair.pair}${tries}`),
        h("div", { class: "gallery-images" }, figures));
    }));
    box.hidden = rows.length === 0;
    fill(box, h("h2", { id: "gallery-title" }, `Prepared pairs (${rows.length})`), rows);
  }

  function release() {
    urls.forEach((url) => URL.revokeObjectURL(url));
    urls.clear();
  }

  return { box, update, release };
}
