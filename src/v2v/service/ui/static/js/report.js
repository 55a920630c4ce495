// Panels built from a job's report.json: colour layers, QA badges, what was (not) removed.

import { h, fill, fmtPercent } from "./dom.js";

function layerId(color) {
  return `layer-${color.replace("#", "").toUpperCase()}`;
}

/** The colour layers with swatches and path counts; unticking one hides it in the viewer. */
export function layersPanel(report, svgText, onSvgUrl) {
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const palette = report.palette || { colors: [], names: [] };
  const nameOf = (color) => (palette.names || [])[(palette.colors || []).indexOf(color)] || "";
  const phase4 = (report.phases || {}).phase4 || {};
  let layers = (phase4.layers || []).map((l) => ({ ...l }));
  if (!layers.length) {
    layers = [...doc.querySelectorAll("g[id^='layer-']")].map((g) => ({
      color: `#${g.id.slice(6)}`, path_count: g.querySelectorAll("path").length, area_fraction: null,
    }));
  }
  layers.sort((a, b) => (b.area_fraction ?? 0) - (a.area_fraction ?? 0));
  const centerlines = doc.getElementById("centerlines");
  const hidden = new Set();

  function publish() {
    for (const g of doc.querySelectorAll("g[id]")) {
      if (hidden.has(g.id)) g.setAttribute("display", "none");
      else g.removeAttribute("display");
    }
    const text = new XMLSerializer().serializeToString(doc);
    onSvgUrl(URL.createObjectURL(new Blob([text], { type: "image/svg+xml" })));
  }

  function row(id, color, title, detail) {
    const box = h("input", { type: "checkbox", checked: true, id: `show-${id}`, "aria-label": `Show ${title}` });
    box.addEventListener("change", () => {
      if (box.checked) hidden.delete(id);
      else hidden.add(id);
      publish();
    });
    return h("li", { class: "layer-row" }, box,
      h("label", { for: `show-${id}`, class: "layer-label" },
        color ? h("span", { class: "swatch", style: { background: color } }) : h("span", { class: "swatch swatch-line" }),
        h("span", {}, h("strong", {}, title), color ? h("span", { class: "mono muted" }, ` ${color}`) : null)),
      h("span", { class: "layer-detail mono" }, detail));
  }

  const total = phase4.paths ?? layers.reduce((n, l) => n + l.path_count, 0);
  const list = h("ul", { class: "layers" },
    layers.map((l) => row(layerId(l.color), l.color, nameOf(l.color) || l.color,
      `${l.path_count} path${l.path_count === 1 ? "" : "s"}${l.area_fraction === null || l.area_fraction === undefined ? "" : ` · ${fmtPercent(l.area_fraction, 1)}`}`)),
    centerlines ? row("centerlines", null, "Centre-line details", `${centerlines.querySelectorAll("path, polyline, line").length} strokes`) : null);
  return h("section", { class: "card", "aria-labelledby": "layers-title" },
    h("div", { class: "card-head" }, h("h2", { id: "layers-title" }, "Colour layers"),
      h("span", { class: "muted" }, `${layers.length} colours · ${total} paths`)),
    list,
    h("p", { class: "muted small" }, "Untick a layer to hide it in the view above (the download is not changed)."));
}

function badge(label, value, ok, detail) {
  const state = ok === null ? "neutral" : ok ? "ok" : "bad";
  return h("div", { class: `badge badge-${state}` },
    h("span", { class: "badge-label" }, label),
    h("span", { class: "badge-value" }, value),
    detail ? h("span", { class: "badge-detail" }, detail) : null);
}

/** QA badges: palette and stroke compliance, silhouette IoU, detail loss, text left over. */
export function qaPanel(report, caps) {
  const qa = report.qa || {};
  const option = (key) => caps?.options?.[key]?.value;
  const minIou = option("qa.min_silhouette_iou");
  const maxLoss = option("qa.max_detail_loss");
  const badges = [];
  if ("palette_compliance" in qa) {
    const off = qa.off_palette_colors || [];
    badges.push(badge("Palette compliance", fmtPercent(qa.palette_compliance, 1), qa.palette_compliance >= 1,
      off.length ? `off-palette: ${off.join(", ")}` : `${(qa.colors_used || []).length} palette colours used`));
  }
  if ("stroke_compliance" in qa) {
    badges.push(badge("Stroke compliance", fmtPercent(qa.stroke_compliance, 1), qa.stroke_compliance >= 1, "2 pt, non-scaling outlines"));
  }
  if ("silhouette_iou" in qa) {
    badges.push(badge("Silhouette IoU", qa.silhouette_iou.toFixed(3), minIou === undefined ? null : qa.silhouette_iou >= minIou,
      minIou === undefined ? "photo mask vs SVG" : `needs ≥ ${minIou}`));
  }
  if ("detail_loss" in qa) {
    badges.push(badge("Detail removed", fmtPercent(qa.detail_loss, 1), maxLoss === undefined ? null : qa.detail_loss <= maxLoss,
      maxLoss === undefined ? "by phase I" : `allowed ≤ ${fmtPercent(maxLoss, 0)}`));
  }
  if ("text_remaining" in qa) {
    const left = qa.text_remaining || [];
    badges.push(badge("Text left in the SVG", left.length ? String(left.length) : "none", left.length === 0, left.join(", ")));
  }
  const verdict = qa.skipped ? h("p", { class: "verdict neutral" }, "Quality checks were switched off for this run.")
    : h("p", { class: `verdict ${qa.passed ? "ok" : "bad"}`, id: "qa-verdict" },
      qa.passed ? "All quality checks passed" : `Quality checks failed: ${(qa.failures || []).join("; ")}`);
  return h("section", { class: "card", "aria-labelledby": "qa-title" },
    h("div", { class: "card-head" }, h("h2", { id: "qa-title" }, "Quality"),
      qa.attempts > 1 ? h("span", { class: "muted" }, `${qa.attempts} attempts, best kept`) : null),
    verdict,
    h("div", { class: "badges" }, badges));
}

/** What phase I removed, and what this backend could not remove. */
export function removalsPanel(report) {
  const removed = report.removed || [];
  const notRemoved = report.not_removed || [];
  const list = h("ul", { class: "removed" }, removed.map((r) =>
    h("li", {}, h("span", { class: "tag" }, r.kind), r.text ? ` “${r.text}”` : "",
      h("span", { class: "muted small" }, ` at ${r.box.join(", ")} · score ${Number(r.score).toFixed(2)}`))));
  const section = h("section", { class: "card", "aria-labelledby": "removed-title" },
    h("h2", { id: "removed-title" }, "Removed from the photo"));
  fill(section, section.firstChild,
    removed.length ? list : h("p", { class: "muted" }, "Nothing was detected to remove (text, plates, badges)."),
    notRemoved.length ? [h("h3", {}, "What this backend could not remove"),
      h("ul", { class: "not-removed" }, notRemoved.map((n) => h("li", {}, n)))] : null);
  return section;
}

const SUBJECTS_SHOWN = 6; // the best-ranked detections offered; the report lists them all

/** The vehicles phase I detected, drawn as boxes over the photo (working-size pixels); the one
 * drawn is marked, and clicking another (or its button) calls onPick(rank). Null when the
 * detector did not run (a cut-out, or the detector switched off). */
export function subjectPanel(report, photoUrl, onPick) {
  const phase1 = report.phases?.phase1 || {};
  const subject = phase1.subject;
  if (!subject) return null;
  const detections = (phase1.detections || []).slice(0, SUBJECTS_SHOWN);
  const [width, height] = report.input?.working_size || [1, 1];
  const pct = (v, total) => `${(100 * v) / total}%`;
  const label = (d) => `${d.rank}. ${d.class} · ${Number(d.score).toFixed(2)}`;
  const chosen = (d) => subject.rank === d.rank;
  const boxes = detections.map((d) => h("button", {
    type: "button",
    class: `subject-box${chosen(d) ? " chosen" : ""}`,
    "data-rank": String(d.rank),
    title: chosen(d) ? `${label(d)} (drawn)` : `Draw vehicle ${label(d)} instead`,
    "aria-label": chosen(d) ? `Vehicle ${label(d)}, drawn` : `Draw vehicle ${label(d)} instead`,
    style: { left: pct(d.box[0], width), top: pct(d.box[1], height), width: pct(d.box[2] - d.box[0], width), height: pct(d.box[3] - d.box[1], height) },
    onclick: () => { if (!chosen(d)) onPick(d.rank); },
  }, h("span", {}, String(d.rank))));
  const stage = photoUrl ? h("div", { class: "subject-stage" }, h("img", { src: photoUrl, alt: "The photo with the detected vehicles" }), boxes) : null;
  const list = h("ul", { class: "subject-list" }, detections.map((d) => h("li", {},
    chosen(d) ? h("strong", {}, `${label(d)} — drawn`) : h("button", { type: "button", class: "ghost small", "data-pick": String(d.rank), onclick: () => onPick(d.rank) }, `Draw ${label(d)}`))));
  const said = subject.box === null
    ? h("p", { class: "field-error", role: "alert" }, "No vehicle was detected in this photo: the most salient object was drawn. Draw a box around the vehicle on the Convert page to choose it.")
    : h("p", { class: "muted" }, `Drawn: ${subject.class ? subject.class : "the box you drew"} — ${subject.reason}.`);
  return h("section", { class: "card subject-card", "aria-labelledby": "subject-title" },
    h("h2", { id: "subject-title" }, "Vehicle"), said, detections.length > 1 ? stage : null, detections.length > 1 ? list : null);
}
