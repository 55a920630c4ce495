// Small DOM and formatting helpers shared by every view. No framework, no build step.

/** Create an element: h("button", {class: "primary", onclick: fn}, "Label", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "style" && typeof value === "object") {
      Object.assign(el.style, value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${n < 10 && i ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function fmtSeconds(s) {
  if (s === null || s === undefined || Number.isNaN(s)) return "–";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function fmtPercent(x, digits = 0) {
  if (x === null || x === undefined) return "–";
  return `${(x * 100).toFixed(digits)} %`;
}

export function fmtDate(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  const today = new Date();
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === today.toDateString()) return `today ${time}`;
  return `${d.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

/** Seconds a job has run (or ran): started → finished/now. */
export function elapsed(job) {
  if (!job.started_at) return null;
  const end = job.finished_at ? new Date(job.finished_at) : new Date();
  return Math.max(0, (end - new Date(job.started_at)) / 1000);
}

/** A short-lived message in the corner (announced to screen readers). Returns a function that
 * takes it away at once (for a message whose news is overtaken, such as "Cancelling…"). */
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 9000 : 4000);
  return () => item.remove();
}

/** Save a Blob under a file name (a temporary link; works with API-key downloads). */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

export const STATUS_LABEL = {
  queued: "Queued",
  running: "Running",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/**
 * What a job's outcome means to a person: a finished job whose quality checks failed is "done
 * with warnings", never a plain green Done. `detail` names the failed checks (or null).
 */
export function jobState(job) {
  const qa = job.qa || {};
  if (job.status === "succeeded" && qa.passed === false && !qa.skipped) {
    const failures = qa.failures || [];
    return { key: "warnings", label: "Done with warnings", detail: failures.length ? failures.join("; ") : "a quality check failed" };
  }
  return { key: job.status, label: STATUS_LABEL[job.status] || job.status, detail: null };
}

/** The status pill of a job (or of a bare status name). */
export function statusPill(jobOrStatus) {
  const state = typeof jobOrStatus === "string" ? { key: jobOrStatus, label: STATUS_LABEL[jobOrStatus] || jobOrStatus, detail: null } : jobState(jobOrStatus);
  return h("span", { class: `pill pill-${state.key}`, title: state.detail ? `Quality checks failed: ${state.detail}` : null }, state.label);
}

export function isActive(job) {
  return job.status === "queued" || job.status === "running";
}

/** The stages a conversion walks through, in order, with their display names. */
export const STAGES = [
  ["load", "Load photo"],
  ["phase1", "I · Sanitize"],
  ["phase2", "II · Stylize"],
  ["phase3", "III · Palette"],
  ["phase4", "IV · Vectorize"],
  ["qa", "Quality checks"],
  ["preview", "Preview"],
];

/** Overall fraction done (0–1) of a job from its per-stage progress. */
export function overall(job) {
  if (job.status === "succeeded") return 1;
  const p = job.progress || {};
  const done = STAGES.reduce((sum, [key]) => sum + (p[key] || 0), 0);
  return Math.min(1, done / STAGES.length);
}

export function jobName(job) {
  return job.name || `job ${job.id.slice(0, 8)}`;
}

/** Object URLs of photos uploaded from this tab, by job id (the Compare view falls back on them). */
export const localPhotos = new Map();
/** job id → the uploaded File, kept in this tab so that a job can be run again (another subject). */
export const localFiles = new Map();
