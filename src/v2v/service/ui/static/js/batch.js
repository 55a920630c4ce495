// Batch: several jobs watched together, with one archive of all results.

import { ApiError, errorTitle, getBlob, getJSON, post } from "./api.js";
import { h, fill, isActive, jobName, jobState, overall, statusPill, toast } from "./dom.js";
import { archive } from "./jobs.js";

const POLL_MS = 1000;

export function batchView(main, navigate, params) {
  const ids = (params.get("jobs") || "").split(",").filter((id) => /^[0-9a-f]{32}$/.test(id));
  const jobs = new Map();
  const thumbs = new Map();
  let timer = null;
  let stopped = false;
  const summary = h("div", { class: "batch-summary", "aria-live": "polite" });
  const grid = h("ul", { class: "batch-grid" });
  const actions = h("div", { class: "actions" });
  fill(main,
    h("a", { href: "/ui/jobs", class: "back", "data-link": "" }, "← All jobs"),
    h("header", { class: "page-head" }, h("div", {}, h("h1", {}, "Batch"), summary), actions),
    h("section", { class: "card" }, grid));
  if (!ids.length) {
    fill(grid, h("p", { class: "empty" }, "No jobs in this batch. Select jobs on the Jobs page and choose “Open as batch”."));
    return () => {};
  }

  async function poll() {
    const pending = ids.filter((id) => !jobs.has(id) || isActive(jobs.get(id)));
    await Promise.all(pending.map(async (id) => {
      try {
        jobs.set(id, await getJSON(`/api/v1/jobs/${id}`));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) jobs.set(id, { id, status: "missing" });
      }
    }));
    if (stopped) return;
    await loadThumbs();
    render();
    if ([...jobs.values()].some(isActive) || jobs.size < ids.length) timer = setTimeout(poll, POLL_MS);
  }

  async function loadThumbs() {
    for (const job of jobs.values()) {
      if (job.status === "succeeded" && job.urls?.png && !thumbs.has(job.id)) {
        thumbs.set(job.id, null);
        getBlob(job.urls.png).then((blob) => {
          thumbs.set(job.id, URL.createObjectURL(blob));
          if (!stopped) render();
        }).catch(() => thumbs.delete(job.id));
      }
    }
  }

  function render() {
    const all = ids.map((id) => jobs.get(id)).filter(Boolean);
    const count = (s) => all.filter((j) => j.status === s).length;
    const done = count("succeeded");
    const warned = all.filter((j) => jobState(j).key === "warnings").length;
    const active = all.filter(isActive);
    const total = ids.length;
    const fraction = all.reduce((n, j) => n + (j.status === "missing" ? 1 : isActive(j) ? overall(j) : 1), 0) / total;
    fill(summary,
      h("p", { class: "lead" }, `${done} of ${total} done`, warned ? ` (${warned} with warnings)` : "",
        count("failed") ? ` · ${count("failed")} failed` : "", count("cancelled") ? ` · ${count("cancelled")} cancelled` : "",
        count("running") ? ` · ${count("running")} working` : "", count("queued") ? ` · ${count("queued")} waiting` : ""),
      h("progress", { max: 1, value: fraction, class: "wide", "aria-label": `Batch ${Math.round(fraction * 100)} % done` }));
    fill(actions,
      h("button", { type: "button", class: "primary", id: "download-all", disabled: !done, onclick: () => archive(ids.filter((id) => jobs.get(id)?.status === "succeeded")) },
        done ? `Download all (${done}) as ZIP` : "Download all as ZIP"),
      active.length ? h("button", { type: "button", class: "ghost", onclick: cancelAll }, "Cancel the rest") : null);
    fill(grid, ids.map((id) => card(jobs.get(id) || { id, status: "queued", progress: {} })));
  }

  function card(job) {
    if (job.status === "missing") {
      return h("li", { class: "batch-card" }, h("div", { class: "thumb empty-thumb" }, "?"), h("strong", {}, id8(job.id)), h("span", { class: "muted small" }, "deleted or not yours"));
    }
    const thumb = thumbs.get(job.id);
    return h("li", { class: `batch-card status-${job.status}` },
      h("a", { href: `/ui/jobs/${job.id}`, "data-link": "", class: "thumb", "aria-label": `Open ${jobName(job)}` },
        thumb ? h("img", { src: thumb, alt: "" }) : h("span", { class: "muted small" }, isActive(job) ? `${Math.round(overall(job) * 100)} %` : "")),
      h("div", { class: "batch-meta" }, h("strong", { class: "batch-name" }, jobName(job)), statusPill(job)),
      isActive(job) ? h("progress", { max: 1, value: overall(job), "aria-label": `${jobName(job)} progress` }) : null,
      jobState(job).detail ? h("p", { class: "row-warning small" }, jobState(job).detail) : null,
      job.error && job.status === "failed" ? h("p", { class: "row-error" }, errorTitle(job.error.code)) : null);
  }

  async function cancelAll() {
    for (const job of jobs.values()) {
      if (!isActive(job)) continue;
      try {
        await post(`/api/v1/jobs/${job.id}/cancel`);
      } catch (err) {
        toast(err.message, "error");
      }
    }
    toast("Cancelling the remaining jobs…");
  }

  const id8 = (id) => `job ${id.slice(0, 8)}`;
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
    thumbs.forEach((url) => url && URL.revokeObjectURL(url));
  };
}
