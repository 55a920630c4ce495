// The phase switches, sub-steps and advanced options of the Convert page. Each control maps to
// one dotted pipeline config key; it is shown only when the server's config has that key
// (GET /api/v1/capabilities), starts at the server's value, and is sent only when changed.

import { h, fill } from "./dom.js";

export const PHASES = [
  {
    key: "phase1.enabled",
    num: "I",
    title: "Sanitize",
    text: "Find the vehicle, drop the background, remove text, plates and badges.",
    steps: [
      { key: "phase1.vehicle_mask.enabled", label: "Cut out the vehicle", help: "Off: the whole photo counts as the vehicle." },
      { key: "phase1.text_removal.enabled", label: "Remove text, plates and badges" },
    ],
  },
  {
    key: "phase2.enabled",
    num: "II",
    title: "Stylize",
    text: "Turn shading and reflections into flat regions.",
    steps: [
      { key: "phase2.flatten.enabled", label: "Flatten into flat regions" },
      { key: "phase2.edges.enabled", label: "Find edges", help: "Feeds strategy B's detail lines." },
    ],
  },
  {
    key: "phase3.enabled",
    num: "III",
    title: "Palette",
    text: "Map every pixel to its nearest palette colour (CIEDE2000).",
    steps: [
      { key: "phase3.remove_specks", label: "Remove specks" },
      { key: "phase3.min_area_percent", label: "Smallest region", unit: "% of the vehicle", step: 0.01 },
      { key: "phase3.upscale.enabled", label: "Upscale before mapping" },
    ],
  },
  {
    key: "phase4.enabled",
    num: "IV",
    title: "Vectorize",
    text: "Trace the colour regions into SVG paths, one layer per colour.",
    steps: [
      { key: "phase4.stroke.enabled", label: "2 pt outlines that never scale" },
      { key: "phase4.strategy", label: "Strategy", choices: { A: "A · outlined fills", B: "B · fills + centre-line details" } },
      { key: "phase4.background", label: "Background", choices: { transparent: "Transparent", white: "White" } },
      { key: "phase4.min_path_area", label: "Smallest path", unit: "px²", step: 1 },
    ],
  },
];

export const QUALITY = [
  { key: "qa.enabled", label: "Run the quality checks" },
  { key: "qa.policy", label: "When a check fails", choices: { warn: "Keep the result, warn", retry: "Retry gentler, keep the best", fail: "Fail the job" } },
  { key: "qa.check_text", label: "Look for text left in the SVG" },
  { key: "qa.min_silhouette_iou", label: "Minimum silhouette IoU", step: 0.01 },
  { key: "input.work_long_side", label: "Working size", unit: "px, long side", step: 1 },
];

export const GPU = [
  { key: "phase2.prompt", label: "Prompt", multiline: true },
  { key: "phase2.negative_prompt", label: "Negative prompt", multiline: true },
  { key: "phase2.steps", label: "Diffusion steps", step: 1 },
  { key: "phase2.controlnet.depth_weight", label: "Depth ControlNet weight", step: 0.05, slider: true },
  { key: "phase2.controlnet.canny_weight", label: "Canny ControlNet weight", step: 0.05, slider: true },
  { key: "phase2.lora.path", label: "LoRA", lora: true },
  { key: "phase2.lora.scale", label: "LoRA strength", step: 0.05, slider: true },
];

const ID = (key) => `opt-${key.replaceAll(".", "-")}`;

/**
 * The option model: current values, their server defaults and validity.
 * `caps`: GET /api/v1/capabilities. `onChange()` runs after every edit.
 */
export function optionModel(caps, onChange) {
  const info = caps.options;
  const values = Object.fromEntries(Object.entries(info).map(([k, v]) => [k, v.value]));
  const errors = {};

  function check(key, raw) {
    const meta = info[key];
    if (typeof meta.value !== "number") return null;
    const number = Number(raw);
    if (raw === "" || Number.isNaN(number)) return "Enter a number";
    if (meta.minimum !== undefined && number < meta.minimum) return `At least ${meta.minimum}`;
    if (meta.maximum !== undefined && number > meta.maximum) return `At most ${meta.maximum}`;
    return null;
  }

  function set(key, raw) {
    const meta = info[key];
    errors[key] = check(key, raw);
    values[key] = typeof meta.value === "number" && !errors[key] ? Number(raw) : raw;
    onChange(key);
  }

  /** Changed keys only: {overrides, switches} for the job form. */
  function changes(includeGpu) {
    const overrides = {};
    const switches = {};
    for (const [key, value] of Object.entries(values)) {
      if (value === info[key].value) continue;
      if (!includeGpu && GPU.some((g) => g.key === key)) continue;
      const phase = /^phase(\d)\.enabled$/.exec(key);
      if (phase) switches[`phase${phase[1]}`] = value;
      else overrides[key] = value;
    }
    return { overrides, switches };
  }

  const invalid = () => Object.entries(errors).filter(([, e]) => e).map(([k, e]) => `${k}: ${e}`);
  return { info, values, errors, set, changes, invalid, has: (key) => key in info };
}

/** One control (switch, choice, number, text) bound to `model`. */
export function control(model, spec, { loras = [], disabled = false } = {}) {
  const meta = model.info[spec.key] || { value: "" };
  const id = ID(spec.key);
  const value = model.values[spec.key] ?? meta.value;
  const help = spec.help;
  const error = h("span", { class: "row-error", id: `${id}-error`, hidden: true });
  const showError = () => {
    const problem = model.errors[spec.key];
    error.hidden = !problem;
    error.textContent = problem || "";
    input.setAttribute("aria-invalid", problem ? "true" : "false");
  };
  let input;
  if (typeof meta.value === "boolean") {
    input = h("input", { type: "checkbox", role: "switch", id, checked: value, disabled, class: "switch" });
    input.addEventListener("change", () => model.set(spec.key, input.checked));
    return h("div", { class: "option option-switch" }, input,
      h("label", { for: id }, spec.label, help ? h("span", { class: "help" }, help) : null));
  }
  if (spec.choices || meta.choices) {
    const choices = spec.choices || Object.fromEntries(meta.choices.map((c) => [c, c]));
    input = h("select", { id, disabled }, Object.entries(choices).map(([v, label]) =>
      h("option", { value: v, selected: v === value }, label)));
    input.addEventListener("change", () => model.set(spec.key, input.value));
  } else if (spec.lora) {
    input = h("select", { id, disabled }, h("option", { value: "" }, "None"),
      loras.map((name) => h("option", { value: name, selected: name === value }, name)));
    input.addEventListener("change", () => model.set(spec.key, input.value));
  } else if (spec.multiline) {
    input = h("textarea", { id, rows: 2, disabled }, value);
    input.addEventListener("input", () => model.set(spec.key, input.value));
  } else {
    input = h("input", {
      type: spec.slider ? "range" : "number", id, value, disabled, step: spec.step ?? "any",
      min: meta.minimum, max: meta.maximum, "aria-describedby": `${id}-error`, class: spec.slider ? "" : "num",
    });
    const shown = spec.slider ? h("output", { for: id, class: "mono" }, value) : null;
    input.addEventListener("input", () => {
      model.set(spec.key, input.value);
      if (shown) shown.textContent = input.value;
      showError();
    });
    return h("div", { class: "option option-value" },
      h("label", { for: id }, spec.label, help ? h("span", { class: "help" }, help) : null),
      h("span", { class: "value-row" }, input, shown, spec.unit ? h("span", { class: "unit" }, spec.unit) : null),
      error);
  }
  return h("div", { class: "option option-value" },
    h("label", { for: id }, spec.label, help ? h("span", { class: "help" }, help) : null), input, error);
}

/** The four phase cards with their switches and sub-steps. */
export function phaseCards(model) {
  const grid = h("div", { class: "phase-grid" });
  for (const phase of PHASES) {
    if (!model.has(phase.key)) continue;
    const body = h("div", { class: "phase-steps" });
    const enabled = model.values[phase.key];
    const steps = phase.steps.filter((s) => model.has(s.key));
    fill(body, steps.map((s) => control(model, s, { disabled: !enabled })));
    const toggle = control(model, { key: phase.key, label: "Run this phase" });
    const card = h("section", { class: `phase-card${enabled ? "" : " off"}`, "aria-labelledby": `${ID(phase.key)}-title` },
      h("header", {},
        h("span", { class: "phase-num", "aria-hidden": "true" }, phase.num),
        h("div", {}, h("h3", { id: `${ID(phase.key)}-title` }, phase.title, h("span", { class: "visually-hidden" }, ` (phase ${phase.num})`)), h("p", { class: "muted small" }, phase.text))),
      toggle, body);
    toggle.querySelector("input").addEventListener("change", (event) => {
      card.classList.toggle("off", !event.target.checked);
      body.querySelectorAll("input, select, textarea").forEach((el) => { el.disabled = !event.target.checked; });
    });
    grid.append(card);
  }
  return grid;
}
