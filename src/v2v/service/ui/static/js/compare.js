// Compare: the photo (or a phase image) and the SVG side by side, as a slider, or toggled,
// with zoom and pan shared by both, and a choice of backdrop for the transparent SVG.
// The SVG is never drawn over the photo: each side of the slider shows one picture alone, the
// SVG on the chosen backdrop. The slider starts with the SVG on its own (the result first);
// dragging it reveals the photo from the left.

import { h, fill } from "./dom.js";

const MODES = [
  ["slider", "Slider"],
  ["side", "Side by side"],
  ["toggle", "Toggle"],
];
const BACKDROPS = [
  ["checker", "Checks"],
  ["white", "White"],
  ["dark", "Dark"],
];

/**
 * `width`, `height`: the SVG's working size (its viewBox); the photo is stretched to it.
 * `focus`: [x, y, w, h] of the drawing inside it (or null): the first view is zoomed on it, so
 * the illustration fills the view; "Fit" shows the whole picture.
 * Returns {el, setSvg(url), setPhoto(url, label)}.
 */
export function compareViewer({ width, height, svgUrl, photoUrl, photoLabel = "Photo", focus = null }) {
  const view = { scale: 1, x: 0, y: 0, mode: photoUrl ? "slider" : "svg", reveal: 0, showing: "svg", backdrop: "checker" };
  let svg = svgUrl;
  let photo = photoUrl;
  let label = photoLabel;
  const viewer = h("div", { class: "viewer", tabindex: "0", "aria-label": "Comparison view. Arrow keys pan, + and − zoom, 0 fits, T toggles." });
  viewer.style.setProperty("--ratio", String(height / width)); // the CSS sizes the view to the picture
  const zoomLabel = h("output", { class: "mono zoom-label", "aria-live": "polite" }, "100 %");
  const reveal = h("input", { type: "range", min: 0, max: 100, value: view.reveal, id: "reveal", "aria-label": "Slide to reveal the photo beside the SVG" });
  const modeGroup = h("div", { class: "segmented", role: "group", "aria-label": "Compare mode" });
  const backdropGroup = h("div", { class: "segmented", role: "group", "aria-label": "Backdrop" });
  const toggleButton = h("button", { type: "button", class: "ghost", id: "toggle-view" }, "Show photo");
  const stages = [];

  function pane(images, caption) {
    const stage = h("div", { class: "stage", style: { width: `${width}px`, height: `${height}px` } }, images);
    stages.push(stage);
    return h("div", { class: `pane backdrop-${view.backdrop}` }, stage, caption ? h("span", { class: "pane-label" }, caption) : null);
  }

  function layout() {
    stages.length = 0;
    const svgImg = () => h("img", { src: svg, alt: "The SVG result", class: "layer-svg", draggable: "false" });
    const photoImg = () => h("img", { src: photo, alt: label, class: "layer-photo", draggable: "false" });
    let panes;
    if (view.mode === "side") panes = [pane([photoImg()], label), pane([svgImg()], "SVG")];
    else if (view.mode === "slider") {
      // the photo left of the line, the SVG right of it, never one over the other
      const left = photoImg();
      const right = svgImg();
      const line = h("span", { class: "divider", style: { left: `${view.reveal}%` } });
      const place = () => {
        left.style.clipPath = `inset(0 ${100 - view.reveal}% 0 0)`;
        right.style.clipPath = `inset(0 0 0 ${view.reveal}%)`;
        line.style.left = `${view.reveal}%`;
        line.hidden = view.reveal <= 0 || view.reveal >= 100;
      };
      place();
      panes = [pane([left, right, line])];
      reveal.oninput = () => {
        view.reveal = Number(reveal.value);
        place();
      };
    } else if (view.mode === "toggle") panes = [pane([view.showing === "svg" ? svgImg() : photoImg()], view.showing === "svg" ? "SVG" : label)];
    else panes = [pane([svgImg()])];
    viewer.className = `viewer mode-${view.mode}`;
    fill(viewer, panes);
    revealRow.hidden = view.mode !== "slider";
    toggleButton.hidden = view.mode !== "toggle";
    toggleButton.textContent = view.showing === "svg" ? `Show ${label.toLowerCase()}` : "Show SVG";
    requestAnimationFrame(() => (view.fitted ? apply() : fit(focus)));
  }

  function paneSize() {
    const first = viewer.querySelector(".pane");
    return first ? [first.clientWidth, first.clientHeight] : [width, height];
  }

  function apply() {
    for (const stage of stages) stage.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    zoomLabel.textContent = `${Math.round(view.scale * 100)} %`;
  }

  /** Show `box` ([x, y, w, h] in SVG units; the whole picture when null) centred in the view. */
  function fit(box = null) {
    const [w, h0] = paneSize();
    const [bx, by, bw, bh] = box || [0, 0, width, height];
    view.scale = Math.max(0.01, Math.min(w / bw, h0 / bh) * 0.94);
    view.x = (w - bw * view.scale) / 2 - bx * view.scale;
    view.y = (h0 - bh * view.scale) / 2 - by * view.scale;
    view.fitted = box ? "focus" : "whole";
    apply();
  }

  function zoom(factor, px, py) {
    const [w, h0] = paneSize();
    const cx = px ?? w / 2;
    const cy = py ?? h0 / 2;
    const next = Math.min(32, Math.max(0.05, view.scale * factor));
    view.x = cx - (cx - view.x) * (next / view.scale);
    view.y = cy - (cy - view.y) * (next / view.scale);
    view.scale = next;
    apply();
  }

  viewer.addEventListener("wheel", (e) => {
    e.preventDefault();
    const bounds = e.target.closest(".pane")?.getBoundingClientRect() || viewer.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - bounds.left, e.clientY - bounds.top);
  }, { passive: false });
  let drag = null;
  viewer.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    viewer.setPointerCapture(e.pointerId);
  });
  viewer.addEventListener("pointermove", (e) => {
    if (!drag) return;
    view.x = drag.vx + e.clientX - drag.x;
    view.y = drag.vy + e.clientY - drag.y;
    apply();
  });
  viewer.addEventListener("pointerup", () => { drag = null; });
  viewer.addEventListener("keydown", (e) => {
    const step = 40;
    const actions = {
      "+": () => zoom(1.25), "=": () => zoom(1.25), "-": () => zoom(0.8), 0: () => fit(),
      ArrowLeft: () => { view.x += step; apply(); }, ArrowRight: () => { view.x -= step; apply(); },
      ArrowUp: () => { view.y += step; apply(); }, ArrowDown: () => { view.y -= step; apply(); },
      t: () => view.mode === "toggle" && flip(),
    };
    if (actions[e.key]) {
      e.preventDefault();
      actions[e.key]();
    }
  });

  function flip() {
    view.showing = view.showing === "svg" ? "photo" : "svg";
    layout();
  }
  toggleButton.addEventListener("click", flip);

  function renderModes() {
    fill(modeGroup, MODES.map(([mode, text]) => h("button", {
      type: "button", "aria-pressed": String(view.mode === mode), disabled: !photo,
      onclick: () => { view.mode = mode; renderModes(); layout(); },
    }, text)));
    fill(backdropGroup, BACKDROPS.map(([name, text]) => h("button", {
      type: "button", "aria-pressed": String(view.backdrop === name),
      onclick: () => { view.backdrop = name; renderModes(); layout(); },
    }, text)));
  }

  const toolbar = h("div", { class: "viewer-tools" },
    modeGroup,
    h("div", { class: "zoom" },
      h("button", { type: "button", class: "icon", "aria-label": "Zoom out", onclick: () => zoom(0.8) }, "−"),
      zoomLabel,
      h("button", { type: "button", class: "icon", "aria-label": "Zoom in", onclick: () => zoom(1.25) }, "+"),
      h("button", { type: "button", class: "ghost small", title: "Show the whole picture", onclick: () => fit() }, "Fit"),
      h("button", { type: "button", class: "ghost small", onclick: () => { const r = view.scale; zoom(1 / r); } }, "1:1")),
    backdropGroup);
  const revealRow = h("div", { class: "reveal-row" }, h("span", { class: "reveal-label" }, label), reveal, h("span", {}, "SVG"));
  revealRow.title = "Drag to the right to reveal the photo";
  // the picture first; the controls under it (on a phone they would push it below the fold)
  const el = h("div", { class: "compare" }, viewer, h("div", { class: "viewer-foot" }, revealRow, toggleButton), toolbar);
  renderModes();
  layout();
  window.addEventListener("resize", () => view.fitted && fit(view.fitted === "focus" ? focus : null));

  return {
    el,
    setSvg(url) {
      svg = url;
      for (const img of viewer.querySelectorAll(".layer-svg")) img.src = url;
    },
    setPhoto(url, text) {
      photo = url;
      label = text;
      revealRow.querySelector(".reveal-label").textContent = text;
      if (view.mode === "svg" && url) view.mode = "slider";
      renderModes();
      layout();
    },
  };
}
