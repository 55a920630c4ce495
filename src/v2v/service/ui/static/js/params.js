// Training hyperparameters as form fields, generated from the JSON schema the server publishes
// (GET /api/v1/training → parameters): each field starts at its default, shows its valid range,
// is checked as it is typed, and is sent only when changed. The server validates again; its
// 422 messages ("rank: Input should be …") are shown beside the field they name.

import { h } from "./dom.js";

/** Labels, units and help a person understands; anything else falls back to the schema title. */
const WORDS = {
  name: { label: "Name", help: "The LoRA id starts with it." },
  epochs: { label: "Epochs", unit: "passes over the pairs" },
  batch_size: { label: "Batch size", unit: "pairs a step" },
  learning_rate: { label: "Learning rate", step: "any" },
  resolution: { label: "Resolution", unit: "px, long side", step: 8, multipleOf: 8, empty: "phase II's resolution", help: "A multiple of 8." },
  rank: { label: "LoRA rank", help: "Capacity of the style adapter." },
  alpha: { label: "LoRA alpha", help: "Strength scale: alpha / rank." },
  validation_split: { label: "Validation share", step: 0.05, help: "Pairs held out to measure the validation loss." },
  seed: { label: "Seed", help: "Same seed, same LoRA." },
  save_every: { label: "Checkpoint every", unit: "steps" },
  patience: { label: "Early-stop patience", unit: "epochs", help: "Stop after this many epochs without a better validation loss; 0 = off." },
  pairing: { label: "Pair files", choices: { stem: "by file stem (car1.jpg ↔ car1.png)", order: "by name order (1st ↔ 1st)" } },
  min_pairs: { label: "Minimum pairs" },
  style_prompt: { label: "Style prompt", multiline: true, empty: "phase II's prompt" },
  trigger: {
    label: "Trigger token", help: "A new word for the style, e.g. <v2v-style>.",
    pattern: /^<[a-z0-9][a-z0-9_-]{1,38}>$/, patternText: "Use < + 2–39 lowercase letters, digits, - or _ + >",
  },
  trigger_init: { label: "Trigger starts from", help: "Words whose meaning the trigger starts with." },
  flip: { label: "Flip pairs horizontally", help: "Input and target together, half of the time." },
  color_jitter: { label: "Colour jitter", step: 0.01, help: "Target brightness, contrast and saturation ± this share." },
  precision: { label: "Precision on a GPU", choices: { auto: "auto (bf16 when supported)", bf16: "bf16", fp16: "fp16", fp32: "fp32" } },
  gradient_checkpointing: { label: "Gradient checkpointing", help: "Less GPU memory, a little slower." },
  max_aspect_difference: { label: "Max aspect difference", step: 0.01, help: "How much an input's and its target's proportions may differ." },
};

/** One property's type, its range and whether it may be empty (anyOf [X, null]). */
function describe(name, prop) {
  const variants = prop.anyOf || [prop];
  const main = variants.find((v) => v.type && v.type !== "null") || prop;
  const nullable = variants.some((v) => v.type === "null");
  const words = WORDS[name] || {};
  return {
    ...main, name, nullable, default: prop.default, description: prop.description, title: prop.title,
    enum: prop.enum || main.enum, multipleOf: main.multipleOf ?? words.multipleOf, pattern: words.pattern, patternText: words.patternText,
  };
}

function rangeText(spec) {
  if (spec.enum) return null;
  if (spec.type === "string") return spec.maxLength ? `up to ${spec.maxLength} characters` : null;
  if (spec.minimum === undefined && spec.maximum === undefined) return null;
  const fmt = (n) => (Number.isInteger(n) ? n.toLocaleString("en") : Math.abs(n) < 1e-3 ? n.toExponential() : String(n));
  if (spec.maximum === undefined) return `at least ${fmt(spec.minimum)}`;
  if (spec.minimum === undefined) return `at most ${fmt(spec.maximum)}`;
  return `${fmt(spec.minimum)} – ${fmt(spec.maximum)}`;
}

/** The problem with a raw field value (string or boolean), or null. */
export function check(spec, raw) {
  if (spec.type === "boolean" || spec.enum) return null;
  if (raw === "" || raw === null) return spec.nullable ? null : spec.type === "string" ? "Required" : "Enter a number";
  if (spec.type === "string") {
    if (spec.minLength && raw.length < spec.minLength) return `At least ${spec.minLength} character${spec.minLength > 1 ? "s" : ""}`;
    if (spec.maxLength && raw.length > spec.maxLength) return `At most ${spec.maxLength} characters (now ${raw.length})`;
    if (spec.pattern && !spec.pattern.test(raw)) return spec.patternText;
    return null;
  }
  const number = Number(raw);
  if (Number.isNaN(number)) return "Enter a number";
  if (spec.type === "integer" && !Number.isInteger(number)) return "Enter a whole number";
  if (spec.minimum !== undefined && number < spec.minimum) return `At least ${spec.minimum}`;
  if (spec.maximum !== undefined && number > spec.maximum) return `At most ${spec.maximum}`;
  if (spec.multipleOf && number % spec.multipleOf) return `Use a multiple of ${spec.multipleOf}`;
  return null;
}

function parse(spec, raw) {
  if (spec.type === "boolean" || spec.enum || spec.type === "string") return raw === "" && spec.nullable ? null : raw;
  return raw === "" ? null : Number(raw);
}

/**
 * The parameter model and its fields. `schema`: a JSON schema object (properties, defaults).
 * `onChange()` runs after every edit.
 */
export function paramForm(schema, onChange) {
  const specs = Object.fromEntries(Object.entries(schema.properties).map(([n, p]) => [n, describe(n, p)]));
  const values = Object.fromEntries(Object.values(specs).map((s) => [s.name, s.default ?? null]));
  const errors = {};
  const serverErrors = {};
  const shown = {};

  function set(name, raw) {
    errors[name] = check(specs[name], raw);
    serverErrors[name] = null;
    if (!errors[name]) values[name] = parse(specs[name], raw);
    shown[name]?.();
    onChange(name);
  }

  function field(name) {
    const spec = specs[name];
    const words = WORDS[name] || {};
    const id = `param-${name}`;
    const error = h("span", { class: "row-error", id: `${id}-error`, hidden: true });
    const range = rangeText(spec);
    const help = [words.help, range ? `Range ${range}.` : null, spec.nullable ? `Empty: ${words.empty || "the server's default"}.` : null].filter(Boolean).join(" ");
    const label = h("label", { for: id }, words.label || spec.title || name, help ? h("span", { class: "help" }, help) : null);
    let input;
    if (spec.type === "boolean") {
      input = h("input", { type: "checkbox", role: "switch", class: "switch", id, checked: values[name] });
      input.addEventListener("change", () => set(name, input.checked));
      return h("div", { class: "option option-switch", "data-param": name }, input, label);
    }
    if (spec.enum) {
      const choices = words.choices || Object.fromEntries(spec.enum.map((c) => [c, c]));
      input = h("select", { id }, spec.enum.map((c) => h("option", { value: c, selected: c === values[name] }, choices[c] || c)));
      input.addEventListener("change", () => set(name, input.value));
    } else if (spec.type === "string") {
      const attrs = { id, maxlength: spec.maxLength, placeholder: spec.nullable ? words.empty : null, "aria-describedby": `${id}-error` };
      input = words.multiline ? h("textarea", { ...attrs, rows: 2 }, values[name] ?? "") : h("input", { ...attrs, type: "text", value: values[name] ?? "" });
      input.addEventListener("input", () => set(name, input.value));
    } else {
      input = h("input", {
        type: "number", id, class: "num", value: values[name] ?? "", min: spec.minimum, max: spec.maximum,
        step: words.step ?? (spec.type === "integer" ? 1 : "any"), placeholder: spec.nullable ? "default" : null,
        "aria-describedby": `${id}-error`,
      });
      input.addEventListener("input", () => set(name, input.value));
    }
    shown[name] = () => {
      const problem = errors[name] || serverErrors[name];
      error.hidden = !problem;
      error.textContent = problem || "";
      input.setAttribute("aria-invalid", problem ? "true" : "false");
    };
    const row = words.unit ? h("span", { class: "value-row" }, input, h("span", { class: "unit" }, words.unit)) : input;
    return h("div", { class: "option option-value", "data-param": name }, label, row, error);
  }

  /** The values that differ from the defaults (what is sent). */
  function changed() {
    return Object.fromEntries(Object.entries(values).filter(([n, v]) => v !== (specs[n].default ?? null)));
  }

  /** Inline messages for the fields a server 422 names; returns the parts it could not place. */
  function showServerErrors(detail) {
    const rest = [];
    const text = detail.replace(/^invalid training parameters:\s*/, "");
    for (const part of text.split(/;\s+/)) {
      const match = /^([a-z_]+): (.*)$/.exec(part);
      if (match && specs[match[1]]) {
        serverErrors[match[1]] = match[2].replace(/^Value error, /, "");
        shown[match[1]]?.();
      } else {
        rest.push(part);
      }
    }
    return rest;
  }

  const invalid = () => Object.entries(errors).filter(([, e]) => e).map(([n, e]) => `${(WORDS[n] || {}).label || n}: ${e}`);
  return { specs, values, field, changed, invalid, showServerErrors, names: Object.keys(specs) };
}
