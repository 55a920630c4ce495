// The palette picker: named palettes as swatch cards, and a hex editor with live validation.

import { h, fill } from "./dom.js";

const HEX = /^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$/;
const MIN_COLORS = 2;
const MAX_COLORS = 64;

/** "#c22", "C22" or "#cc2222" → "#CC2222"; anything else → null. */
export function normalizeHex(text) {
  const match = HEX.exec(String(text).trim());
  if (!match) return null;
  const digits = match[1].length === 3 ? [...match[1]].map((d) => d + d).join("") : match[1];
  return `#${digits.toUpperCase()}`;
}

/** Problems of a list of hex texts: {rows: [message|null per entry], summary: [messages]}. */
export function validateColors(texts) {
  const rows = texts.map(() => null);
  const seen = new Map();
  texts.forEach((text, i) => {
    const value = normalizeHex(text);
    if (!String(text).trim()) rows[i] = "Empty: type a colour such as #1F4E9C";
    else if (!value) rows[i] = `“${String(text).trim()}” is not a hex colour; use #RRGGBB or #RGB`;
    else if (seen.has(value)) rows[i] = `${value} is already colour ${seen.get(value) + 1}`;
    else seen.set(value, i);
  });
  const summary = [];
  const bad = rows.filter(Boolean).length;
  if (bad) summary.push(`${bad} colour${bad > 1 ? "s need" : " needs"} fixing`);
  if (texts.length < MIN_COLORS) summary.push(`a palette needs at least ${MIN_COLORS} colours`);
  if (texts.length > MAX_COLORS) summary.push(`a palette has at most ${MAX_COLORS} colours`);
  return { rows, summary };
}

export function swatchStrip(colors, names = [], size = "md") {
  return h(
    "div",
    { class: `swatches swatches-${size}${colors.length > 24 ? " many" : ""}`, role: "img", "aria-label": `${colors.length} colours: ${colors.join(", ")}` },
    colors.map((c, i) => h("span", { class: "swatch", style: { background: c }, title: names[i] ? `${names[i]} ${c}` : c })),
  );
}

/**
 * The picker. `palettes`: [{name, colors, names}] from GET /api/v1/palettes.
 * `onChange()` runs after every change; read `state()` for {spec, valid, problems, colors, rows}
 * (`rows`: how many colours the person sees, valid or not).
 */
export function palettePicker(palettes, selected, onChange) {
  let choice = palettes.some((p) => p.name === selected) ? selected : palettes[0]?.name || "custom";
  let custom = [...(palettes.find((p) => p.name === choice)?.colors || ["#15181C", "#FFFFFF"])];
  const group = h("div", { class: "palette-cards", role: "radiogroup", "aria-label": "Palette" });
  const editor = h("div", { class: "hex-editor", id: "hex-editor" });
  const root = h("div", { class: "palette-picker" }, group, editor);

  function card(name, label, colors, names, note) {
    const input = h("input", { type: "radio", name: "palette", value: name, checked: choice === name });
    input.addEventListener("change", () => {
      if (name === "custom" && choice !== "custom") {
        custom = [...(palettes.find((p) => p.name === choice)?.colors || custom)];
      }
      choice = name;
      render();
      group.querySelector("input:checked")?.focus(); // keep the keyboard where it was
      onChange();
    });
    return h(
      "label",
      { class: `palette-card${choice === name ? " selected" : ""}`, "data-palette": name },
      input,
      h("span", { class: "palette-card-head" }, h("strong", {}, label), h("span", { class: "muted" }, note)),
      swatchStrip(colors, names, "lg"),
    );
  }

  function render() {
    fill(
      group,
      palettes.map((p) => card(p.name, p.name, p.colors, p.names, `${p.colors.length} colours`)),
      card("custom", "Custom", custom.map((c) => normalizeHex(c) || "transparent"), [], "edit hex colours"),
    );
    if (choice === "custom") renderEditor();
    else fill(editor);
    editor.hidden = choice !== "custom";
  }

  function renderEditor() {
    const { rows, summary } = validateColors(custom);
    const list = h("ol", { class: "hex-list" });
    custom.forEach((text, i) => list.append(hexRow(text, i, rows[i])));
    const paste = h("textarea", {
      id: "hex-paste",
      rows: 3,
      placeholder: "#15181C, #FFFFFF, #C8202F …",
      "aria-describedby": "hex-paste-help",
    });
    fill(
      editor,
      h("p", { class: "muted small" }, "Every fill and outline of the SVG will be one of these colours, exactly."),
      list,
      h(
        "div",
        { class: "hex-actions" },
        h("button", { type: "button", class: "ghost", disabled: custom.length >= MAX_COLORS, onclick: () => {
          custom.push("#");
          renderEditor();
          onChange();
          editor.querySelector(`#hex-${custom.length - 1}`)?.focus();
        } }, "+ Add colour"),
        h("details", { class: "paste" },
          h("summary", {}, "Paste a list"),
          h("label", { for: "hex-paste", class: "small" }, "Hex colours separated by commas, spaces or new lines"),
          paste,
          h("p", { id: "hex-paste-help", class: "muted small" }, "Replaces the colours above."),
          h("button", { type: "button", class: "ghost", onclick: () => {
            const parts = paste.value.split(/[\s,;]+/).filter(Boolean);
            if (parts.length) {
              custom = parts;
              renderEditor();
              onChange();
            }
          } }, "Use these colours")),
      ),
      h("div", { class: "field-error", id: "palette-error", role: "alert", hidden: !summary.length },
        summary.length ? `Palette: ${summary.join("; ")}.` : ""),
    );
  }

  function hexRow(text, i, problem) {
    const value = normalizeHex(text);
    const picker = h("input", { type: "color", value: value || "#000000", "aria-label": `Pick colour ${i + 1}` });
    const field = h("input", {
      type: "text",
      id: `hex-${i}`,
      class: `hex-input${problem ? " invalid" : ""}`,
      value: text,
      spellcheck: "false",
      autocomplete: "off",
      maxlength: 9,
      "aria-label": `Colour ${i + 1} (hex)`,
      "aria-invalid": problem ? "true" : "false",
      "aria-describedby": problem ? `hex-${i}-error` : null,
    });
    const swatch = h("span", { class: `swatch swatch-edit${value ? "" : " swatch-bad"}`, style: { background: value || "" } });
    field.addEventListener("input", () => {
      custom[i] = field.value;
      updateRow();
      onChange();
    });
    picker.addEventListener("change", () => {
      custom[i] = picker.value.toUpperCase();
      field.value = custom[i];
      updateRow();
      onChange();
    });
    function updateRow() {
      // re-validate everything (duplicates depend on the other rows) without losing focus
      const active = document.activeElement?.id;
      const caret = document.activeElement?.selectionStart;
      renderEditor();
      group.querySelector('[data-palette="custom"] .swatches')?.replaceWith(
        swatchStrip(custom.map((c) => normalizeHex(c) || "transparent"), [], "lg"),
      );
      const again = active && editor.querySelector(`#${active}`);
      if (again) {
        again.focus();
        if (caret !== undefined && again.setSelectionRange && again.type === "text") again.setSelectionRange(caret, caret);
      }
    }
    return h(
      "li",
      { class: "hex-row" },
      h("label", { class: "swatch-picker" }, swatch, picker),
      field,
      h("button", { type: "button", class: "icon", "aria-label": `Remove colour ${i + 1}`, disabled: custom.length <= MIN_COLORS, onclick: () => {
        custom.splice(i, 1);
        renderEditor();
        onChange();
      } }, "×"),
      problem ? h("span", { class: "row-error", id: `hex-${i}-error` }, problem) : null,
    );
  }

  function state() {
    if (choice !== "custom") {
      const palette = palettes.find((p) => p.name === choice);
      return { spec: choice, valid: true, problems: [], colors: palette.colors, names: palette.names, rows: palette.colors.length };
    }
    const { rows, summary } = validateColors(custom);
    const colors = custom.map(normalizeHex);
    return {
      spec: colors.join(","),
      valid: summary.length === 0,
      problems: summary.concat(rows.filter(Boolean)),
      colors: colors.filter(Boolean),
      names: [],
      rows: custom.length,
    };
  }

  render();
  return { el: root, state };
}
