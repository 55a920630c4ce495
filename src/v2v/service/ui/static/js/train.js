// Train: teach the GPU stylizer a house style (a LoRA) from input → target pairs. Says in plain
// words why when this server cannot train; otherwise takes the pairs (uploads or a folder on the
// server) and the hyperparameters, starts a training job, and lists the jobs and the LoRAs.

import { ApiError, capabilities, getJSON, post } from "./api.js";
import { h, fill, fmtBytes } from "./dom.js";
import { pairPicker } from "./pairs.js";
import { paramForm } from "./params.js";
import { lorasCard, trainingJobsCard } from "./trainlists.js";

// picked files survive a visit to another page (until the tab is closed or they are sent)
const draft = { inputs: [], targets: [], source: "upload", folder: "" };
const MAIN = ["name", "epochs", "batch_size", "learning_rate", "resolution"];
const STYLE = ["rank", "alpha", "trigger", "style_prompt"];
const IN_PAIRS_CARD = ["pairing"];
const SHOWN_PROBLEMS = 3;

function header() {
  return h("header", { class: "page-head" }, h("div", {}, h("h1", {}, "Train a style"),
    h("p", { class: "lead" }, "Teach the GPU stylizer a house style from input → target pairs (a LoRA).")));
}

function needs(caps) {
  const gpuStylizer = caps.backends.find((b) => b.name === "sdxl-controlnet");
  return h("ul", { class: "needs" },
    h("li", {}, h("strong", {}, "Pairs of images: "), "each vehicle photo with the illustration it should become (same framing), at least ten."),
    h("li", {}, h("strong", {}, "The GPU backend: "), gpuStylizer
      ? gpuStylizer.available ? "the SDXL stylizer can run on this server." : `the SDXL stylizer cannot run here: ${gpuStylizer.reason}.`
      : "this server has no SDXL stylizer registered."),
    h("li", {}, h("strong", {}, "A GPU: "), `${caps.gpu.detail}.`));
}

function unavailable(caps, reason) {
  return h("section", { class: "card notice-card", id: "training-unavailable", role: "status" },
    h("h2", {}, "Training is not available on this server"),
    h("p", {}, `Training needs the GPU backend and is not available on this server: ${reason}.`),
    h("h3", {}, "What training needs"), needs(caps));
}

export async function trainView(main, navigate) {
  fill(main, h("p", { class: "muted" }, "Asking the server…"));
  const caps = await capabilities();
  const training = caps.features.training;
  const info = training.endpoints.includes("/api/v1/training") ? await getJSON("/api/v1/training") : null;
  if (!info) {
    fill(main, header(), unavailable(caps, training.reason));
    return null;
  }
  const jobs = trainingJobsCard();
  const loras = lorasCard();
  const body = info.available ? trainForm(caps, info, navigate) : unavailable(caps, info.reason);
  fill(main, header(), body, jobs.el, loras.el);
  jobs.load();
  loras.load();
  return jobs.stop;
}

function trainForm(caps, info, navigate) {
  let submitting = false;
  const params = paramForm(info.parameters, () => picker.render());
  const pairSettings = () => ({
    pairing: params.values.pairing, min_pairs: params.values.min_pairs, max_aspect_difference: params.values.max_aspect_difference,
  });
  const picker = pairPicker(draft, caps.limits, pairSettings, () => updateSubmit());
  const button = h("button", { type: "submit", class: "primary big", id: "train-button", "aria-describedby": "train-problems" }, "Start training");
  const problems = h("div", { id: "train-problems", class: "submit-problems", "aria-live": "polite" });
  const summary = h("div", { class: "submit-summary" });
  const folderSelect = h("select", { id: "train-folder" }, h("option", { value: "" }, "Choose a folder…"),
    info.folders.map((f) => h("option", { value: f, selected: f === draft.folder }, f)));
  folderSelect.addEventListener("change", () => { draft.folder = folderSelect.value; updateSubmit(); });
  const folderPane = h("div", { class: "folder-pane" },
    h("label", { for: "train-folder" }, "Pair folder on the server",
      h("span", { class: "help" }, "A folder under DATA_DIR/pairs/ holding inputs/ and targets/; the server checks its pairs when you start.")),
    folderSelect);
  const sourceButtons = [["upload", "Upload files"], ["folder", "Folder on the server"]].map(([value, label]) =>
    h("button", { type: "button", "data-source": value, disabled: value === "folder" && !info.folders.length, onclick: () => { draft.source = value; showSource(); } }, label));

  function showSource() {
    sourceButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.source === draft.source)));
    picker.el.hidden = draft.source !== "upload";
    folderPane.hidden = draft.source !== "folder";
    updateSubmit();
  }

  function updateSubmit() {
    const list = [];
    let pairs = 0;
    if (draft.source === "upload") {
      const state = picker.state();
      pairs = state.pairs.length;
      if (!state.files) list.push("Add the input photos and their target illustrations.");
      else list.push(...state.problems.slice(0, SHOWN_PROBLEMS));
      if (state.files && state.problems.length > SHOWN_PROBLEMS) list.push(`…and ${state.problems.length - SHOWN_PROBLEMS} more (marked in red above).`);
      if (state.bytes > info.max_request_bytes) {
        list.push(`The files add up to ${fmtBytes(state.bytes)}, over the ${fmtBytes(info.max_request_bytes)} the server takes at once: put the set in DATA_DIR/pairs/<name>/ on the server and choose it as a folder.`);
      }
    } else if (!draft.folder) {
      list.push("Choose a pair folder.");
    }
    for (const problem of params.invalid()) list.push(`Fix ${problem}.`);
    fill(problems, list.map((p) => h("div", {}, p)));
    button.disabled = submitting || list.length > 0;
    button.textContent = submitting ? (draft.source === "upload" ? `Uploading ${pairs} pairs…` : "Checking the folder…") : "Start training";
    const changed = Object.keys(params.changed()).length;
    const v = params.values;
    fill(summary, draft.source === "upload" ? `${pairs} pair${pairs === 1 ? "" : "s"}` : `folder ${draft.folder || "–"}`,
      ` · ${v.epochs} epoch${v.epochs === 1 ? "" : "s"} · batch ${v.batch_size} · ${changed ? `${changed} setting${changed > 1 ? "s" : ""} changed` : "server defaults"}`);
  }

  async function submit(event) {
    event.preventDefault();
    if (button.disabled) return;
    submitting = true;
    updateSubmit();
    const form = new FormData();
    if (draft.source === "upload") {
      for (const item of draft.inputs) form.append("inputs", item.file, item.file.name);
      for (const item of draft.targets) form.append("targets", item.file, item.file.name);
    } else {
      form.append("folder", draft.folder);
    }
    form.append("params", JSON.stringify(params.changed()));
    let job;
    try {
      job = await post("/api/v1/training-jobs", form);
    } catch (err) {
      submitting = false;
      updateSubmit();
      const detail = err instanceof ApiError ? err.detail : String(err);
      const rest = err instanceof ApiError && err.code === "config_error" ? params.showServerErrors(detail) : [detail];
      if (rest.length) fill(problems, h("div", { class: "field-error", role: "alert" }, `The server refused the training job: ${rest.join("; ")}`));
      return;
    }
    if (draft.source === "upload") {
      for (const item of [...draft.inputs, ...draft.targets]) URL.revokeObjectURL(item.url);
      draft.inputs = [];
      draft.targets = [];
    }
    navigate(`/ui/train/${job.id}`);
  }

  const fields = (names) => h("div", { class: "option-grid" }, names.map((n) => params.field(n)));
  const rest = params.names.filter((n) => ![...MAIN, ...STYLE, ...IN_PAIRS_CARD].includes(n));
  const form = h("form", { class: "train-form", onsubmit: submit, novalidate: true },
    h("section", { class: "card", "aria-labelledby": "pairs-title" },
      h("div", { class: "card-head" }, h("h2", { id: "pairs-title" }, h("span", { class: "step" }, "1"), "Pairs"),
        h("div", { class: "segmented", role: "group", "aria-label": "Where the pairs come from" }, sourceButtons)),
      h("p", { class: "muted small" }, "Each input photo is paired with the target illustration of the same file name (car1.jpg ↔ car1.png). Inputs condition the ControlNets; targets are what the LoRA learns to draw."),
      picker.el, folderPane,
      h("div", { class: "pairing-row" }, IN_PAIRS_CARD.map((n) => params.field(n)))),
    h("section", { class: "card", "aria-labelledby": "settings-title" },
      h("h2", { id: "settings-title" }, h("span", { class: "step" }, "2"), "Training settings"),
      h("p", { class: "muted small" }, "Each setting starts at the server's default and shows its valid range; only the ones you change are sent."),
      fields(MAIN),
      h("h3", { class: "subhead" }, "Style adapter"), fields(STYLE),
      h("details", { class: "more-settings" }, h("summary", {}, "More settings"), fields(rest))),
    h("div", { class: "submit-bar" }, summary, problems, button));
  showSource();
  picker.render();
  return form;
}
