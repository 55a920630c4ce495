// A training job: stage, progress, epoch/step, ETA, the loss curve, the last log lines, cancel;
// once done, the LoRA id with its download, ready to pick on the Convert page.

import { ApiError, capabilities, errorTitle, getBlob, getJSON, post } from "./api.js";
import { h, fill, elapsed, fmtDate, fmtSeconds, isActive, saveBlob, statusPill, toast } from "./dom.js";
import { galleryCard } from "./gallery.js";
import { lossChart } from "./losschart.js";

const POLL_MS = 1000;
export const TRAIN_STAGES = [
  ["checking", "Check pairs"],
  ["preparing", "Prepare images"],
  ["loading", "Load models"],
  ["training", "Train"],
  ["saving", "Save LoRA"],
];

/** Download a LoRA's .safetensors with the API key (saved from memory). */
export async function downloadLora(loraId) {
  try {
    saveBlob(await getBlob(`/api/v1/loras/${loraId}/file`), `${loraId}.safetensors`);
  } catch (err) {
    toast(`Download failed: ${err.message}`, "error");
  }
}

function stageList(job) {
  const current = TRAIN_STAGES.findIndex(([key]) => key === job.stage);
  const finished = job.status === "succeeded";
  return h("ol", { class: "train-stages", "aria-label": "Stages" }, TRAIN_STAGES.map(([key, label], i) => {
    const state = finished || (current >= 0 && i < current) ? "done"
      : i === current ? (isActive(job) ? "current" : "stopped") : "waiting";
    return h("li", { class: state, "aria-current": state === "current" ? "step" : null }, h("span", { class: "stage-dot", "aria-hidden": "true" }), label);
  }));
}

function facts(job) {
  const seconds = elapsed(job);
  const rows = [
    ["Epoch", job.epochs ? `${job.epoch} of ${job.epochs}` : "–"],
    ["Step", job.total_steps ? `${job.step} of ${job.total_steps}` : "–"],
    ["Last step loss", job.last_loss === null || job.last_loss === undefined ? "–" : job.last_loss.toPrecision(4)],
    ["Elapsed", seconds === null ? "–" : fmtSeconds(seconds)],
    ["Time left", isActive(job) && job.eta_seconds !== null && job.eta_seconds !== undefined ? `about ${fmtSeconds(job.eta_seconds)}` : "–"],
  ];
  return h("dl", { class: "facts train-facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", { class: "mono", "data-fact": k }, v)]));
}

function lossCard(job) {
  const chart = lossChart({ train: job.train_loss, val: job.val_loss, epochs: job.epochs, running: isActive(job) });
  const last = (list) => (list.length ? list[list.length - 1].toPrecision(4) : "–");
  return [
    h("div", { class: "card-head" }, h("h2", { id: "loss-title" }, "Loss"),
      h("ul", { class: "legend" },
        h("li", { class: "legend-train" }, `train ${last(job.train_loss)}`),
        h("li", { class: "legend-val" }, `validation ${last(job.val_loss)}`))),
    chart || h("p", { class: "empty chart-empty" }, isActive(job)
      ? "The curve starts after the first epoch (the validation loss is measured once an epoch)."
      : "No epoch was completed."),
  ];
}

function resultCard(job) {
  if (job.status === "succeeded" && job.lora_id) {
    return h("section", { class: "card lora-result", "aria-labelledby": "lora-result-title" },
      h("h2", { id: "lora-result-title" }, "LoRA ready"),
      h("p", {}, "Pick it on the Convert page under ", h("strong", {}, "Advanced options → LoRA"), " (with the GPU stylizer)."),
      h("div", { class: "lora-id-row" }, h("code", { class: "lora-id", id: "lora-id" }, job.lora_id),
        h("button", { type: "button", class: "primary", id: "download-lora", onclick: () => downloadLora(job.lora_id) }, "Download .safetensors"),
        h("a", { href: `/ui?lora=${encodeURIComponent(job.lora_id)}`, "data-link": "", class: "button ghost", id: "convert-with-lora" }, "Convert with it")));
  }
  if (job.error) {
    return h("div", { class: `error-box${job.status === "cancelled" ? " neutral" : ""}`, role: "alert" },
      h("strong", {}, errorTitle(job.error.code)), h("p", {}, job.error.detail));
  }
  return null;
}

export function trainJobView(main, navigate, id) {
  let timer = null;
  let stopped = false;
  let refreshed = false;
  let job = null;
  const head = h("header", { class: "page-head job-head" });
  const result = h("div", { class: "result-slot" });
  const progress = h("section", { class: "card", "aria-labelledby": "train-progress-title" });
  const loss = h("section", { class: "card loss-card", "aria-labelledby": "loss-title" });
  const logBox = h("pre", { class: "log", id: "train-log", tabindex: "0", "aria-label": "Training log" });
  const params = h("div");
  const gallery = galleryCard();
  let galleryStage = null;
  fill(main, h("a", { href: "/ui/train", class: "back", "data-link": "" }, "← Train"), head, result,
    h("div", { class: "train-grid" }, progress, loss),
    h("section", { class: "card", "aria-labelledby": "log-title" }, h("h2", { id: "log-title" }, "Log"), logBox),
    gallery.box, params);

  async function poll() {
    try {
      job = await getJSON(`/api/v1/training-jobs/${id}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        fill(head, h("h1", {}, "Training job not found"));
        fill(progress, h("p", {}, "There is no such training job, it was deleted, or it belongs to another API key."));
        return;
      }
      fill(result, h("p", { class: "field-error", role: "alert" }, `Cannot reach the server: ${err.message}. Retrying…`));
      timer = setTimeout(poll, POLL_MS * 4);
      return;
    }
    if (stopped) return;
    render();
    // the gallery grows while the pairs are prepared; after that it is read once a stage
    if (job.stage === "preparing" || job.stage !== galleryStage) gallery.update(id);
    galleryStage = job.stage;
    if (isActive(job)) timer = setTimeout(poll, POLL_MS);
    else if (job.status === "succeeded" && !refreshed) {
      refreshed = true;
      capabilities(true).catch(() => null); // the Convert page lists the new LoRA
    }
  }

  function render() {
    const name = job.name || `training ${job.id.slice(0, 8)}`;
    fill(head,
      h("div", {}, h("h1", {}, name, " ", statusPill(job.status)),
        h("p", { class: "muted" }, `Training job ${job.id} · created ${fmtDate(job.created_at)}${job.source ? ` · pairs from ${job.source}` : ""}`)),
      h("div", { class: "actions" },
        isActive(job) ? h("button", { type: "button", class: "danger", id: "cancel-training", onclick: cancel }, "Cancel training") : null,
        h("a", { href: "/ui/train", "data-link": "", class: "button ghost" }, "Train another")));
    fill(result, resultCard(job));
    const percent = Math.round(job.progress * 100);
    fill(progress,
      h("div", { class: "progress-head" }, h("h2", { id: "train-progress-title" }, job.status === "queued" ? "Waiting for a worker" : "Progress"),
        h("span", { class: "elapsed mono", id: "train-percent" }, `${percent} %`)),
      h("progress", { max: 1, value: job.progress, "aria-label": `${percent} % done` }),
      h("p", { class: "muted small train-message" }, (!job.error && job.message) || "\u00a0"),
      stageList(job), facts(job));
    fill(loss, lossCard(job));
    const atBottom = logBox.scrollHeight - logBox.scrollTop - logBox.clientHeight < 24;
    logBox.textContent = job.log.length ? job.log.join("\n") : "No log lines yet.";
    if (atBottom) logBox.scrollTop = logBox.scrollHeight;
    const entries = Object.entries(job.parameters || {});
    if (params.childElementCount || !entries.length) return; // drawn once: an open <details> stays open
    fill(params, h("details", { class: "card params-card" },
      h("summary", {}, h("h2", {}, "Parameters")),
      h("dl", { class: "facts" }, entries.map(([k, v]) => [h("dt", {}, k), h("dd", { class: "mono" }, v === null ? "default" : String(v))]))));
  }

  async function cancel() {
    try {
      await post(`/api/v1/training-jobs/${id}/cancel`);
      toast("Cancelling: training stops within one step.");
    } catch (err) {
      toast(err.message, "error");
    }
    clearTimeout(timer);
    poll();
  }

  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
    gallery.release();
  };
}
