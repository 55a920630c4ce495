// Convert: drop, paste or choose photos (or try the sample), pick a palette, submit one job per
// photo. The phases and the other expert options wait behind "Advanced".

import { capabilities, palettes, post, ApiError } from "./api.js";
import { h, fill, fmtBytes, localFiles, localPhotos, toast } from "./dom.js";
import { GPU, QUALITY, control, optionModel, phaseCards } from "./options.js";
import { palettePicker } from "./palette.js";
import { hintEditor } from "./hint.js";

// photos survive a visit to another page (until the tab is closed or they are submitted)
const draft = { photos: [] };
/** The sample photo shipped with the UI (static/samples/SOURCES.md: Apache-2.0 AND BSD-3-Clause). */
const SAMPLE = { url: "/ui/static/samples/london-bus.jpg", name: "london-bus.jpg", type: "image/jpeg" };

export async function convertView(main, navigate, params) {
  fill(main, h("p", { class: "muted" }, "Loading the server's options…"));
  const [caps, named] = await Promise.all([capabilities(), palettes()]);
  const limits = caps.limits;
  let submitting = false;
  const refresh = () => updateSubmit();
  const model = optionModel(caps, refresh);
  const lora = params?.get("lora"); // "Use" on the Train page: /ui?lora=<id>
  if (lora && caps.models.loras.includes(lora) && model.has("phase2.lora.path")) model.values["phase2.lora.path"] = lora;
  const picker = palettePicker(named, caps.palette || "default", refresh);
  const photoGrid = h("ul", { class: "photo-grid", "aria-label": "Selected photos" });
  const hintBox = h("div", { class: "hint-box" });
  let hint = null;
  const input = h("input", { type: "file", id: "photos", multiple: true, accept: limits.upload_types.join(","), class: "visually-hidden" });
  const zone = h("label", { for: "photos", class: "dropzone", tabindex: "-1" },
    h("span", { class: "dropzone-title" }, "Drop vehicle photos here"),
    h("span", { class: "muted" }, `or click to choose · JPEG, PNG or WebP · up to ${fmtBytes(limits.max_upload_bytes)} each`));
  const sampleButton = h("button", { type: "button", class: "ghost small", id: "try-sample", onclick: trySample }, "Try a sample photo");
  const start = h("div", { class: "photo-start" }, sampleButton,
    h("p", { class: "muted small" }, "or paste an image (", h("kbd", {}, "Ctrl"), "+", h("kbd", {}, "V"), ")"));
  const keep = h("input", { type: "checkbox", id: "keep-phases", checked: true, class: "switch", role: "switch" });
  const button = h("button", { type: "submit", class: "primary big", id: "convert-button", "aria-describedby": "submit-problems" }, "Convert");
  const problems = h("div", { id: "submit-problems", class: "submit-problems", "aria-live": "polite" });
  const summary = h("div", { class: "submit-summary" });

  input.addEventListener("change", () => addFiles(input.files));
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) zone.addEventListener(name, () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => { e.preventDefault(); addFiles(e.dataTransfer.files); });

  // a picture pasted anywhere on the page (not into a text field) becomes a photo
  function onPaste(event) {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.type !== "file") return;
    if (target instanceof HTMLTextAreaElement) return;
    const files = [...(event.clipboardData?.files || [])];
    if (!files.length) {
      if (event.clipboardData?.types?.includes("text/plain")) return; // text meant for somewhere else
      toast("The clipboard holds no image: copy a picture, then paste it here.", "error");
      return;
    }
    event.preventDefault();
    addFiles(files.map((file, i) => (file.name && file.name !== "image.png" ? file
      : new File([file], `pasted-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}${i ? `-${i + 1}` : ""}.${(file.type.split("/")[1] || "png").replace("jpeg", "jpg")}`, { type: file.type }))));
  }
  document.addEventListener("paste", onPaste);

  async function trySample() {
    sampleButton.disabled = true;
    try {
      const response = await fetch(SAMPLE.url);
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      addFiles([new File([await response.blob()], SAMPLE.name, { type: SAMPLE.type })]);
    } catch (err) {
      toast(`The sample photo could not be loaded: ${err.message}`, "error");
    } finally {
      sampleButton.disabled = false;
    }
  }

  function addFiles(list) {
    for (const file of list) {
      const photo = { file, url: URL.createObjectURL(file), problem: null, width: 0, height: 0 };
      if (!limits.upload_types.includes(file.type)) photo.problem = `${file.type || "this file type"} is not JPEG, PNG or WebP`;
      else if (file.size > limits.max_upload_bytes) photo.problem = `${fmtBytes(file.size)} is over the ${fmtBytes(limits.max_upload_bytes)} limit`;
      draft.photos.push(photo);
      const probe = new Image();
      probe.onload = () => {
        photo.width = probe.naturalWidth;
        photo.height = probe.naturalHeight;
        if (photo.width * photo.height > limits.max_upload_pixels) photo.problem = `${photo.width}×${photo.height} is over the pixel limit`;
        renderPhotos();
      };
      probe.onerror = () => { photo.problem = "the browser cannot read this image"; renderPhotos(); };
      probe.src = photo.url;
    }
    input.value = "";
    renderPhotos();
  }

  function renderPhotos() {
    // one photo is shown once, large, in the box editor below; several as thumbnails
    const single = draft.photos.length === 1 && !draft.photos[0].problem;
    zone.classList.toggle("compact", draft.photos.length > 0);
    zone.querySelector(".dropzone-title").textContent = draft.photos.length ? "Drop more photos here" : "Drop vehicle photos here";
    photoGrid.classList.toggle("single", single);
    fill(photoGrid, draft.photos.map((photo, i) => h("li", { class: `photo${photo.problem ? " bad" : ""}${single ? " compact" : ""}` },
      single ? null : h("img", { src: photo.url, alt: "" }),
      h("span", { class: "photo-text" },
        h("span", { class: "photo-name", title: photo.file.name }, photo.file.name),
        h("span", { class: "muted small" }, `${fmtBytes(photo.file.size)}${photo.width ? ` · ${photo.width}×${photo.height}` : ""}`)),
      photo.problem ? h("span", { class: "row-error" }, photo.problem) : null,
      h("button", { type: "button", class: "icon remove", "aria-label": `Remove ${photo.file.name}`, onclick: () => {
        URL.revokeObjectURL(photo.url);
        draft.photos.splice(i, 1);
        renderPhotos();
      } }, "×"))));
    hint = null;
    if (draft.photos.length === 1 && draft.photos[0].width) {
      fill(hintBox, hintEditor(draft.photos[0], (value) => { hint = value; updateSubmit(); }).el);
    } else {
      fill(hintBox, draft.photos.length > 1
        ? h("p", { class: "muted small" }, "A vehicle box can be drawn when one photo is selected.")
        : null);
    }
    updateSubmit();
  }

  function updateSubmit() {
    const list = [];
    const pal = picker.state();
    if (!draft.photos.length) list.push("Add at least one photo.");
    if (draft.photos.some((p) => p.problem)) list.push("Remove the photos marked in red.");
    if (!pal.valid) list.push(`Fix the palette: ${pal.problems[0]}.`);
    if (hint && hint.error) list.push(`Fix the vehicle box: ${hint.error}`);
    for (const problem of model.invalid()) list.push(`Fix ${problem}.`);
    fill(problems, list.map((p) => h("div", {}, p)));
    const n = draft.photos.length;
    button.textContent = submitting ? "Uploading…" : n > 1 ? `Convert ${n} photos` : "Convert";
    button.disabled = submitting || list.length > 0;
    const { overrides, switches } = model.changes(caps.gpu_options.available);
    const changed = Object.keys(overrides).length + Object.keys(switches).length;
    fill(summary, h("span", {}, `${n} photo${n === 1 ? "" : "s"}`), " · ",
      h("span", {}, pal.spec.includes("#") || !pal.valid ? `custom palette (${pal.rows} colour${pal.rows === 1 ? "" : "s"})` : `palette ${pal.spec}`), " · ",
      h("span", {}, changed ? `${changed} option${changed > 1 ? "s" : ""} changed` : "server defaults"));
  }

  async function submit(event) {
    event.preventDefault();
    if (button.disabled) return;
    submitting = true;
    updateSubmit();
    const pal = picker.state();
    const { overrides, switches } = model.changes(caps.gpu_options.available);
    const ids = [];
    try {
      for (const [i, photo] of draft.photos.entries()) {
        button.textContent = `Uploading ${i + 1} of ${draft.photos.length}…`;
        const form = new FormData();
        form.append("file", photo.file, photo.file.name);
        form.append("palette", pal.spec);
        if (Object.keys(overrides).length) form.append("overrides", JSON.stringify(overrides));
        for (const [name, on] of Object.entries(switches)) form.append(name, on ? "true" : "false");
        if (hint && hint.box && draft.photos.length === 1) form.append("hint", hint.box.join(","));
        form.append("intermediates", keep.checked ? "true" : "false");
        const job = await post("/api/v1/jobs", form);
        localPhotos.set(job.id, photo.url);
        localFiles.set(job.id, photo.file);
        ids.push(job.id);
      }
    } catch (err) {
      submitting = false;
      updateSubmit();
      const detail = err instanceof ApiError ? err.detail : String(err);
      fill(problems, h("div", { class: "field-error", role: "alert" }, `The server refused the job: ${detail}`));
      if (ids.length) toast(`${ids.length} job(s) were queued before the error.`, "info");
      return;
    }
    draft.photos = [];
    navigate(ids.length === 1 ? `/ui/jobs/${ids[0]}` : `/ui/batch?jobs=${ids.join(",")}`);
  }

  const gpuReason = caps.gpu_options.available ? null
    : h("p", { class: "notice", id: "gpu-reason" }, h("strong", {}, "Not available here. "), caps.gpu_options.reason);
  const gpuFields = h("fieldset", { class: "gpu-options", disabled: !caps.gpu_options.available, "aria-describedby": gpuReason ? "gpu-reason" : null },
    h("legend", {}, "GPU stylizer: prompt, ControlNet, LoRA"), gpuReason,
    h("div", { class: "option-grid" }, GPU.map((spec) => control(model, spec, { loras: caps.models.loras, disabled: !caps.gpu_options.available }))));
  const form = h("form", { class: "convert", onsubmit: submit, novalidate: true },
    h("section", { class: "card", "aria-labelledby": "photos-title" },
      h("h2", { id: "photos-title" }, h("span", { class: "step" }, "1"), "Photos"), input, zone, start, photoGrid, hintBox),
    h("section", { class: "card", "aria-labelledby": "palette-title" },
      h("h2", { id: "palette-title" }, h("span", { class: "step" }, "2"), "Palette"), picker.el),
    h("details", { class: "card advanced" },
      h("summary", {}, h("h2", {}, h("span", { class: "step" }, "3"), "Advanced options"),
        h("span", { class: "muted small summary-note" }, "phases, quality checks, working size")),
      h("section", { class: "phases", "aria-labelledby": "phases-title" },
        h("h3", { id: "phases-title" }, "Phases"),
        h("p", { class: "muted small" }, "Each switch changes the run. Values start at this server's configuration."),
        phaseCards(model)),
      h("h3", { class: "options-title" }, "Quality and size"),
      h("div", { class: "option-grid" }, QUALITY.filter((s) => model.has(s.key)).map((s) => control(model, s)),
        h("div", { class: "option option-switch" }, keep,
          h("label", { for: "keep-phases" }, "Keep each phase's image", h("span", { class: "help" }, "Lets Compare show the photo and the intermediate steps.")))),
      gpuFields),
    h("div", { class: "submit-bar" }, summary, problems, button));
  fill(main,
    h("header", { class: "page-head" }, h("div", {}, h("h1", {}, "Convert"),
      h("p", { class: "lead" }, "Vehicle photos in, palette-locked SVG illustrations out."))),
    form);
  renderPhotos();
  return () => document.removeEventListener("paste", onPaste);
}
