// Training pairs in the browser: input photos and target illustrations, paired by file stem (or by
// name order) the way the server pairs them (v2v.training.pairs), so every mismatch is named
// beside the file before anything is sent. The server checks the set again.

import { h, fill, fmtBytes } from "./dom.js";

const UNSAFE = /[^A-Za-z0-9._-]+/g;
const SIDES = { inputs: "input", targets: "target" };

/** The stem the server gives an upload: the name without its extension, unsafe characters → "_". */
export function stemOf(name) {
  const base = name.replaceAll("\\", "/").split("/").pop();
  const stem = base.includes(".") ? base.slice(0, base.lastIndexOf(".")) : base;
  return stem.replace(UNSAFE, "_").replace(/^[._-]+|[._-]+$/g, "").slice(0, 100) || "upload";
}

/** 'car2' before 'car10', as the server sorts names for pairing by order. */
export function naturalCompare(a, b) {
  const split = (s) => s.toLowerCase().split(/(\d+)/).map((p, i) => (i % 2 ? Number(p) : p));
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/** An image the person picked: {file, url, stem, width, height, problem}. */
function entry(file, limits, onProbe) {
  const item = { file, url: URL.createObjectURL(file), stem: stemOf(file.name), width: 0, height: 0, problem: null };
  if (!limits.upload_types.includes(file.type)) item.problem = `${file.type || "this file type"} is not JPEG, PNG or WebP`;
  else if (file.size > limits.max_upload_bytes) item.problem = `${fmtBytes(file.size)} is over the ${fmtBytes(limits.max_upload_bytes)} limit`;
  const probe = new Image();
  probe.onload = () => { item.width = probe.naturalWidth; item.height = probe.naturalHeight; onProbe(); };
  probe.onerror = () => { item.problem = "the browser cannot read this image"; onProbe(); };
  probe.src = item.url;
  return item;
}

/**
 * Pair the two lists. `settings`: {pairing, min_pairs, max_aspect_difference}.
 * Returns {pairs: [{name, input, target, problem}], orphans: [{side, item, problem}], problems: [text]}.
 */
export function pairUp(inputs, targets, settings) {
  const problems = [];
  const orphans = [];
  const pairs = [];
  for (const [side, items] of [["inputs", inputs], ["targets", targets]]) {
    const seen = new Map();
    for (const item of items) {
      if (item.problem) problems.push(`${side}/${item.file.name}: ${item.problem}`);
      const other = seen.get(item.stem);
      if (other) {
        item.duplicate = `same stem as ${other.file.name}`;
        problems.push(`${side}/${item.file.name} and ${other.file.name}: two files with the same stem`);
      } else {
        item.duplicate = null;
        seen.set(item.stem, item);
      }
    }
  }
  if (settings.pairing === "order") {
    const sorted = (items) => [...items].sort((a, b) => naturalCompare(a.file.name, b.file.name));
    const [a, b] = [sorted(inputs), sorted(targets)];
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
      if (a[i] && b[i]) pairs.push({ name: a[i].stem, input: a[i], target: b[i] });
      else if (a[i]) orphans.push({ side: "inputs", item: a[i], problem: `no target at position ${i + 1}` });
      else orphans.push({ side: "targets", item: b[i], problem: `no input at position ${i + 1}` });
    }
    if (a.length !== b.length) problems.push(`${a.length} inputs but ${b.length} targets: pairing by order needs as many of each`);
  } else {
    const byStem = (items) => new Map(items.filter((i) => !i.duplicate).map((i) => [i.stem, i]));
    const [a, b] = [byStem(inputs), byStem(targets)];
    for (const [stem, item] of a) {
      if (b.has(stem)) pairs.push({ name: stem, input: item, target: b.get(stem) });
      else orphans.push({ side: "inputs", item, problem: `no target named ${stem}.*` });
    }
    for (const [stem, item] of b) {
      if (!a.has(stem)) orphans.push({ side: "targets", item, problem: `no input named ${stem}.*` });
    }
    pairs.sort((x, y) => naturalCompare(x.name, y.name));
    for (const o of orphans) problems.push(`${o.side}/${o.item.file.name}: ${o.problem}`);
  }
  for (const pair of pairs) pair.problem = aspectProblem(pair, settings.max_aspect_difference);
  for (const pair of pairs) if (pair.problem) problems.push(`${pair.name}: ${pair.problem}`);
  if (pairs.length < settings.min_pairs) {
    problems.push(`only ${pairs.length} pair(s); at least ${settings.min_pairs} are needed (add pairs, or lower “Minimum pairs”)`);
  }
  return { pairs, orphans, problems };
}

function aspectProblem(pair, maxDifference) {
  const { input, target } = pair;
  if (!input.width || !target.width || typeof maxDifference !== "number") return null;
  const difference = Math.abs((input.width / input.height) / (target.width / target.height) - 1);
  if (difference <= maxDifference) return null;
  return `aspect ratios differ by ${Math.round(difference * 100)} % (${input.width}×${input.height} and ${target.width}×${target.height}; at most ${Math.round(maxDifference * 100)} %)`;
}

function dropzone(side, title, text, accept, onFiles) {
  const input = h("input", { type: "file", id: `train-${side}`, multiple: true, accept, class: "visually-hidden" });
  const zone = h("label", { for: `train-${side}`, class: "dropzone dropzone-small" },
    h("span", { class: "dropzone-title" }, title), h("span", { class: "muted small" }, text));
  input.addEventListener("change", () => { onFiles(input.files); input.value = ""; });
  for (const name of ["dragenter", "dragover"]) zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.add("over"); });
  for (const name of ["dragleave", "drop"]) zone.addEventListener(name, () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => { e.preventDefault(); onFiles(e.dataTransfer.files); });
  return h("div", { class: "pair-drop" }, input, zone);
}

function thumb(item, side, onRemove) {
  if (!item) return h("div", { class: "pair-thumb missing" }, h("span", {}, `no ${SIDES[side]}`));
  return h("figure", { class: "pair-thumb" },
    h("img", { src: item.url, alt: "" }),
    h("figcaption", { title: item.file.name }, item.file.name),
    h("button", { type: "button", class: "icon remove", "aria-label": `Remove ${side}/${item.file.name}`, onclick: () => onRemove(side, item) }, "×"));
}

/**
 * The Pairs card's upload half. `limits`: capabilities().limits; `settings()`: the current
 * pairing parameters; `onChange()` runs after every change.
 * Returns {el, state() → pairUp(...) + {files, bytes}, files() → {inputs, targets}, render()}.
 */
export function pairPicker(draft, limits, settings, onChange) {
  const grid = h("ul", { class: "pair-grid", "aria-label": "Pairs" });
  const counts = h("p", { class: "pair-counts", "aria-live": "polite" });
  const accept = limits.upload_types.join(",");
  const add = (side) => (files) => {
    for (const file of files) draft[side].push(entry(file, limits, render));
    render();
  };
  const remove = (side, item) => {
    URL.revokeObjectURL(item.url);
    draft[side] = draft[side].filter((i) => i !== item);
    render();
  };
  const clear = h("button", { type: "button", class: "ghost small", id: "clear-pairs", onclick: () => {
    for (const item of [...draft.inputs, ...draft.targets]) URL.revokeObjectURL(item.url);
    draft.inputs = [];
    draft.targets = [];
    render();
  } }, "Remove all");

  function state() {
    const result = pairUp(draft.inputs, draft.targets, settings());
    const bytes = [...draft.inputs, ...draft.targets].reduce((sum, i) => sum + i.file.size, 0);
    return { ...result, bytes, files: draft.inputs.length + draft.targets.length };
  }

  function render() {
    const { pairs, orphans } = state();
    const by = settings().pairing === "order" ? "by name order" : "by file stem";
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    if (!draft.inputs.length && !draft.targets.length) fill(counts, h("span", { class: "muted" }, "No files yet: add the photos on the left and their illustrations on the right."));
    else fill(counts, h("strong", {}, plural(pairs.length, "pair")), ` matched ${by} · ${plural(draft.inputs.length, "input")}, ${plural(draft.targets.length, "target")}`);
    clear.hidden = !(draft.inputs.length + draft.targets.length);
    const cards = [
      ...orphans.map((o) => h("li", { class: "pair bad", "data-stem": o.item.stem },
        thumb(o.side === "inputs" ? o.item : null, "inputs", remove), h("span", { class: "pair-arrow", "aria-hidden": "true" }, "→"),
        thumb(o.side === "targets" ? o.item : null, "targets", remove),
        h("span", { class: "pair-name" }, o.item.stem), h("span", { class: "row-error" }, `${o.item.file.name}: ${o.problem}`))),
      ...pairs.map((p) => {
        const bad = p.problem || p.input.problem || p.target.problem || p.input.duplicate || p.target.duplicate;
        return h("li", { class: `pair${bad ? " bad" : ""}`, "data-stem": p.name },
          thumb(p.input, "inputs", remove), h("span", { class: "pair-arrow", "aria-hidden": "true" }, "→"), thumb(p.target, "targets", remove),
          h("span", { class: "pair-name" }, p.name), bad ? h("span", { class: "row-error" }, bad) : null);
      }),
    ];
    fill(grid, cards);
    onChange();
  }

  const el = h("div", { class: "pair-picker" },
    h("div", { class: "pair-drops" },
      dropzone("inputs", "Input photos", "the vehicle photos · JPEG, PNG or WebP", accept, add("inputs")),
      dropzone("targets", "Target illustrations", "the drawings made from them · same file names", accept, add("targets"))),
    h("div", { class: "pair-toolbar" }, counts, clear),
    grid);
  return { el, state, render, files: () => ({ inputs: draft.inputs, targets: draft.targets }) };
}
