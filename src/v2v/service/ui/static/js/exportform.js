// The download card's "Other formats" row: format, size and shape stacking for
// GET /api/v1/jobs/{id}/export (the server validates every value and says what is wrong).

import { getBlob } from "./api.js";
import { h, saveBlob, toast } from "./dom.js";

const FORMATS = [
  ["pdf", "PDF (vector, print)"],
  ["svg", "SVG"],
  ["eps", "EPS"],
  ["dxf", "DXF (cutters, CAD)"],
  ["png", "PNG"],
  ["ase", "Swatches .ase (Adobe)"],
  ["gpl", "Swatches .gpl (GIMP, Inkscape)"],
];

/** A small form that downloads job ``job`` in another format, size or stacking. */
export function exportForm(job) {
  const format = h("select", { id: "export-format" }, FORMATS.map(([v, t]) => h("option", { value: v }, t)));
  const size = h("input", { id: "export-size", type: "text", value: "working", size: 10, spellcheck: "false",
    title: "300mm, 12in, 2048px, x200mm, working (the SVG's size) or photo (the photo's size)" });
  const dpi = h("input", { id: "export-dpi", type: "number", value: "300", min: "1", max: "2400", step: "1" });
  const stacking = h("select", { id: "export-stacking" },
    h("option", { value: "stacked" }, "Stacked shapes"), h("option", { value: "cutout" }, "Cut-out (no overlaps)"));
  const button = h("button", { type: "button", class: "ghost", id: "export-button" }, "Export");
  button.addEventListener("click", async () => {
    const query = new URLSearchParams({ format: format.value, size: size.value.trim() || "working", stacking: stacking.value });
    if (format.value === "png") query.set("dpi", dpi.value);
    button.disabled = true;
    try {
      const blob = await getBlob(`/api/v1/jobs/${job.id}/export?${query}`);
      saveBlob(blob, `${job.name || "v2v"}-${stacking.value}.${format.value}`);
    } catch (err) {
      toast(`Export failed: ${err.message}`, "error");
    } finally {
      button.disabled = false;
    }
  });
  return h("div", { class: "export-form" },
    h("label", {}, "Format ", format),
    h("label", {}, "Size ", size),
    h("label", {}, "PNG dpi ", dpi),
    h("label", {}, "Shapes ", stacking),
    button);
}
