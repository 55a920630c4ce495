// The job page's progress: while a job runs, the photo with live progress over it (where the
// illustration will appear) and the steps; once it has ended, one line with its one total time.

import { errorTitle } from "./api.js";
import { h, elapsed, fmtSeconds, isActive, STAGES } from "./dom.js";

/** The words that only say a step began or ended; the step's own name says that better. */
const EMPTY_MESSAGES = new Set(["", "starting", "started", "done", "queued"]);

/** One plain sentence for where a job is: the step's name, then its own message if it says more. */
export function progressMessage(job) {
  if (job.status === "queued") return "Waiting for a free worker…";
  const label = STAGES.find(([key]) => key === job.phase)?.[1];
  let message = (job.message || "").trim();
  if (job.phase && message.startsWith(`${job.phase}:`)) message = message.slice(job.phase.length + 1).trim();
  if (EMPTY_MESSAGES.has(message.toLowerCase())) return label ? `${label}…` : "Starting…";
  return label ? `${label}: ${message}` : message;
}

function stageRows(job) {
  const p = job.progress || {};
  const t = job.timings || {};
  return STAGES.map(([key, label]) => {
    const fraction = job.status === "succeeded" && key in t ? 1 : p[key] || 0;
    const current = job.phase === key && isActive(job);
    const halted = job.phase === key && !isActive(job) && job.status !== "succeeded";
    const state = current ? "current" : halted ? "stopped" : fraction >= 1 ? "done" : "waiting";
    return h("li", { class: `stage-row ${state}` },
      h("span", { class: "stage-dot", "aria-hidden": "true" }),
      h("span", { class: "stage-name" }, label),
      h("progress", { max: 1, value: fraction, "aria-label": `${label}: ${Math.round(fraction * 100)} %` }),
      h("span", { class: "stage-time mono" }, halted ? "stopped" : key in t ? fmtSeconds(t[key]) : current ? "…" : ""));
  });
}

function errorBox(error) {
  return h("div", { class: `error-box ${error.code === "cancelled" ? "neutral" : ""}`, role: "alert", id: "job-error" },
    h("strong", {}, errorTitle(error.code)), h("p", {}, error.detail),
    error.code === "cancelled" ? null : h("p", { class: "muted small" }, `Error code: ${error.code}. Quote the job id when you report it.`));
}

/** The total run time, said once: "12.3 s elapsed" while it runs, "5.4 s in total" after. */
export function elapsedText(job) {
  const seconds = elapsed(job);
  if (seconds === null) return "not started";
  return `${fmtSeconds(seconds)}${isActive(job) ? " elapsed" : " in total"}`;
}

/** The progress card of a job; `photoUrl` (or null) is shown while it runs. */
export function progressCard(job, photoUrl) {
  const time = h("span", { class: "elapsed mono", id: "elapsed" }, elapsedText(job));
  const list = h("ol", { class: "stages" }, stageRows(job));
  if (job.status === "succeeded") {
    const t = job.timings || {};
    const total = STAGES.reduce((n, [key]) => n + (t[key] || 0), 0) || 1;
    const strip = h("div", { class: "stage-strip", "aria-hidden": "true" },
      STAGES.filter(([key]) => t[key]).map(([key, label]) => h("span", { style: { flex: `${t[key] / total}` }, title: `${label}: ${fmtSeconds(t[key])}` })));
    return h("details", { class: "card run-card" },
      h("summary", {}, h("h2", { id: "progress-title" }, "Finished"), time, h("span", { class: "toggle-hint" }, "Time per step"), strip),
      list);
  }
  const active = isActive(job);
  const live = active && photoUrl
    ? h("figure", { class: "live-photo", "aria-hidden": "true" }, h("img", { src: photoUrl, alt: "" }),
      h("figcaption", {}, h("span", { class: "live-spinner" }), job.status === "queued" ? "Waiting…" : "Drawing…"))
    : null;
  return h("section", { class: `card progress-card${live ? " with-photo" : ""}`, "aria-labelledby": "progress-title" },
    live,
    h("div", { class: "progress-body" },
      h("div", { class: "progress-head" }, h("h2", { id: "progress-title" }, job.status === "queued" ? "Queued" : active ? "Working" : "Stopped"), time),
      job.error ? null : h("p", { class: "muted", "aria-live": "polite", id: "job-message" }, progressMessage(job)),
      list,
      job.error ? errorBox(job.error) : null));
}
