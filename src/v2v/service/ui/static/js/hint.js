// The optional vehicle box: drag on the photo, or type x0,y0,x1,y1 (photo pixels).

import { h } from "./dom.js";

export function parseBox(text, width, height) {
  if (!text.trim()) return { box: null, error: null };
  const parts = text.split(",").map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) {
    return { box: null, error: "give four numbers: x0,y0,x1,y1" };
  }
  const [x0, y0, x1, y1] = parts.map(Math.round);
  if (x0 < 0 || y0 < 0 || x0 >= x1 || y0 >= y1) return { box: null, error: "x0 < x1 and y0 < y1, all ≥ 0" };
  if (x1 > width || y1 > height) return { box: null, error: `the box must lie inside the ${width}×${height} photo` };
  return { box: [x0, y0, x1, y1], error: null };
}

export function hintEditor(photo, onChange) {
  const { width, height } = photo;
  const rect = h("div", { class: "hint-rect", hidden: true });
  const image = h("img", { src: photo.url, alt: `Preview of ${photo.file.name}`, draggable: "false" });
  const stage = h("div", { class: "hint-stage" }, image, rect);
  const field = h("input", { type: "text", id: "hint", placeholder: "x0,y0,x1,y1", spellcheck: "false", "aria-describedby": "hint-help hint-error", class: "mono" });
  const error = h("span", { class: "row-error", id: "hint-error", role: "alert", hidden: true });
  let start = null;

  function show(box) {
    rect.hidden = !box;
    if (!box) return;
    Object.assign(rect.style, {
      left: `${(box[0] / width) * 100}%`,
      top: `${(box[1] / height) * 100}%`,
      width: `${((box[2] - box[0]) / width) * 100}%`,
      height: `${((box[3] - box[1]) / height) * 100}%`,
    });
  }

  function update() {
    const result = parseBox(field.value, width, height);
    error.hidden = !result.error;
    error.textContent = result.error ? `Vehicle box: ${result.error}` : "";
    field.setAttribute("aria-invalid", result.error ? "true" : "false");
    show(result.box);
    onChange(result.box || result.error ? result : null);
  }

  function point(event) {
    const bounds = image.getBoundingClientRect();
    const x = Math.min(Math.max(0, event.clientX - bounds.left), bounds.width);
    const y = Math.min(Math.max(0, event.clientY - bounds.top), bounds.height);
    return [Math.round((x / bounds.width) * width), Math.round((y / bounds.height) * height)];
  }

  stage.addEventListener("pointerdown", (event) => {
    start = point(event);
    stage.setPointerCapture(event.pointerId);
  });
  stage.addEventListener("pointermove", (event) => {
    if (!start) return;
    const [x, y] = point(event);
    field.value = [Math.min(start[0], x), Math.min(start[1], y), Math.max(start[0], x), Math.max(start[1], y)].join(",");
    update();
  });
  stage.addEventListener("pointerup", () => {
    start = null;
    const result = parseBox(field.value, width, height);
    if (result.box && (result.box[2] - result.box[0] < 4 || result.box[3] - result.box[1] < 4)) {
      field.value = "";
      update();
    }
  });
  field.addEventListener("input", update);

  // the photo itself is the editor (shown once); typing the box is for the few who need it
  const el = h("div", { class: "hint-editor" },
    stage,
    h("div", { class: "hint-form" },
      h("p", { class: "hint-title" }, "Vehicle box (optional)"),
      h("p", { id: "hint-help", class: "muted small" },
        "Drag on the photo around the vehicle. It helps when the photo shows more than one vehicle."),
      error,
      h("button", { type: "button", class: "ghost small", onclick: () => { field.value = ""; update(); } }, "Clear box"),
      h("details", { class: "hint-more" }, h("summary", {}, "Type the box in pixels"),
        h("label", { for: "hint", class: "small" }, "x0,y0,x1,y1 in photo pixels"), field)));
  return { el };
}
