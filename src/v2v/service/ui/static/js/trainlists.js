// The Train page's lists: training jobs (newest first, refreshed while one runs) and the LoRAs in
// the model directory, with download and delete.

import { capabilities, del, getJSON } from "./api.js";
import { h, fill, fmtBytes, fmtDate, isActive, statusPill, toast } from "./dom.js";
import { downloadLora } from "./trainjob.js";

const REFRESH_MS = 3000;
const last = (list) => (list && list.length ? list[list.length - 1].toPrecision(4) : "–");

/** {el, load(), stop()}: the training jobs of this API key. */
export function trainingJobsCard() {
  const body = h("div", { class: "table-wrap" });
  const el = h("section", { class: "card", "aria-labelledby": "training-jobs-title" },
    h("h2", { id: "training-jobs-title" }, "Training jobs"), body);
  let timer = null;
  let stopped = false;

  function row(job) {
    const name = job.name || `training ${job.id.slice(0, 8)}`;
    return h("tr", { "data-training-job": job.id },
      h("th", { scope: "row" }, h("a", { href: `/ui/train/${job.id}`, "data-link": "" }, name), h("span", { class: "mono muted small id" }, job.id.slice(0, 8))),
      h("td", {}, statusPill(job.status)),
      h("td", { class: "nowrap" }, fmtDate(job.created_at)),
      h("td", {}, isActive(job)
        ? h("progress", { max: 1, value: job.progress, "aria-label": `${Math.round(job.progress * 100)} % done` })
        : job.epochs ? `${job.epoch} of ${job.epochs} epochs` : "–"),
      h("td", { class: "mono" }, last(job.val_loss)),
      h("td", { class: "mono" }, job.lora_id || (job.error ? h("span", { class: "muted small", title: job.error.detail }, job.error.code) : "–")));
  }

  async function load() {
    clearTimeout(timer);
    let data;
    try {
      data = await getJSON("/api/v1/training-jobs?limit=20");
    } catch (err) {
      fill(body, h("p", { class: "field-error", role: "alert" }, `Cannot load the training jobs: ${err.message}`));
      return;
    }
    if (stopped) return;
    if (!data.items.length) {
      fill(body, h("p", { class: "empty" }, "No training job yet."));
      return;
    }
    fill(body, h("table", { class: "jobs" },
      h("thead", {}, h("tr", {}, ["Name", "Status", "Created", "Progress", "Validation loss", "LoRA"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, data.items.map(row))),
    data.total > data.items.length ? h("p", { class: "muted small" }, `The newest ${data.items.length} of ${data.total}; every job is also under Jobs.`) : null);
    if (data.items.some(isActive)) timer = setTimeout(load, REFRESH_MS);
  }

  return { el, load, stop: () => { stopped = true; clearTimeout(timer); } };
}

/** {el, load()}: the LoRAs in the model directory's loras/ folder. */
export function lorasCard() {
  const body = h("div", { class: "table-wrap" });
  const el = h("section", { class: "card", "aria-labelledby": "loras-title" },
    h("h2", { id: "loras-title" }, "LoRAs"),
    h("p", { class: "muted small" }, "Every LoRA here can be picked on the Convert page (Advanced options → LoRA) and is shared by every API key of this server."),
    body);

  async function remove(item) {
    if (!window.confirm(`Delete the LoRA ${item.id} and its card? Jobs that name it will fail.`)) return;
    try {
      await del(`/api/v1/loras/${item.id}`);
      toast(`Deleted ${item.id}.`);
    } catch (err) {
      toast(err.message, "error");
    }
    capabilities(true).catch(() => null);
    load();
  }

  function row(item) {
    const card = item.card || {};
    const loss = card.loss || {};
    return h("tr", { "data-lora": item.id },
      h("th", { scope: "row" }, h("code", { class: "lora-id" }, item.id), card.name ? h("span", { class: "muted small id" }, card.name) : null),
      h("td", { class: "nowrap" }, fmtDate(card.created_at || item.modified)),
      h("td", { class: "mono" }, card.data ? String(card.data.pairs) : "–"),
      h("td", { class: "mono" }, card.epochs_run === undefined ? "–" : String(card.epochs_run)),
      h("td", { class: "mono" }, loss.best_validation === undefined || loss.best_validation === null ? "–" : loss.best_validation.toPrecision(4)),
      h("td", { class: "mono" }, fmtBytes(item.size_bytes)),
      h("td", { class: "row-actions nowrap" },
        h("a", { href: `/ui?lora=${encodeURIComponent(item.id)}`, "data-link": "", class: "button ghost small", "aria-label": `Convert with ${item.id}` }, "Use"),
        h("button", { type: "button", class: "ghost small", onclick: () => downloadLora(item.id), "aria-label": `Download ${item.id}` }, "Download"),
        h("button", { type: "button", class: "ghost small danger-text", onclick: () => remove(item), "aria-label": `Delete ${item.id}` }, "Delete")));
  }

  async function load() {
    let data;
    try {
      data = await getJSON("/api/v1/loras");
    } catch (err) {
      fill(body, h("p", { class: "field-error", role: "alert" }, `Cannot load the LoRAs: ${err.message}`));
      return;
    }
    if (!data.items.length) {
      fill(body, h("p", { class: "empty" }, "No LoRA yet. Train one, or copy a .safetensors LoRA into the model directory's loras/ folder."));
      return;
    }
    fill(body, h("table", { class: "loras" },
      h("thead", {}, h("tr", {}, ["LoRA", "Trained", "Pairs", "Epochs", "Best validation loss", "Size", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, data.items.map(row))));
  }

  return { el, load };
}
