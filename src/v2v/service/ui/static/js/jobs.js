// Manage: the jobs list with filters, paging, cancel, delete and batch download.

import { ApiError, del, getBlob, getJSON, post } from "./api.js";
import { h, fill, elapsed, fmtDate, fmtPercent, fmtSeconds, isActive, jobName, jobState, overall, saveBlob, statusPill, toast } from "./dom.js";

const PAGE = 20;
const WIDE = "col-wide"; // columns a phone leaves out (the job page has them all)
const REFRESH_MS = 4000;
const FILTERS = [
  [null, "All"],
  ["queued", "Queued"],
  ["running", "Running"],
  ["succeeded", "Done"],
  ["failed", "Failed"],
  ["cancelled", "Cancelled"],
];

export function jobsView(main, navigate, params) {
  const state = { status: params.get("status") || null, offset: 0, search: "", selected: new Set(), data: null };
  let timer = null;
  let stopped = false;
  const filters = h("div", { class: "segmented", role: "group", "aria-label": "Filter by status" });
  const search = h("input", { type: "search", id: "job-search", placeholder: "Filter this page by name or id" });
  const bulk = h("div", { class: "bulk", "aria-live": "polite" });
  const table = h("div", { class: "table-wrap" });
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  const cards = h("section", { class: "dashboard-cards", "aria-label": "Summary", id: "dashboard" });
  search.addEventListener("input", () => { state.search = search.value.toLowerCase(); render(); });
  fill(main,
    h("header", { class: "page-head" }, h("div", {}, h("h1", {}, "Jobs"), h("p", { class: "lead" }, "Every conversion on this server (for your API key), newest first.")),
      h("div", { class: "actions" }, h("a", { href: "/ui", "data-link": "", class: "button primary" }, "New conversion"))),
    cards,
    h("section", { class: "card" },
      h("div", { class: "toolbar" }, filters, h("label", { class: "visually-hidden", for: "job-search" }, "Filter by name or id"), search),
      bulk, table, pager));

  /** The dashboard cards: success rate, average time, active jobs (yours), and server load. */
  async function loadFigures() {
    const [jobs, system] = await Promise.all([
      getJSON("/api/v1/dashboard/metrics-data").catch(() => null),
      getJSON("/api/v1/dashboard/system-stats").catch(() => null),
    ]);
    const card = (label, value, note) => h("div", { class: "dash-card" },
      h("span", { class: "muted small" }, label), h("strong", {}, value), note ? h("span", { class: "muted small" }, note) : null);
    const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v)} %`);
    fill(cards, jobs ? [
      card("Success rate", jobs.success_rate, `${jobs.succeeded_jobs} done · ${jobs.failed_jobs} failed`),
      card("Average time", jobs.avg_time, "start to finish"),
      card("Active jobs", String(jobs.active_jobs_count), `${jobs.completed_jobs_count} done today`),
    ] : null, system ? card("Server", `CPU ${pct(system.cpu_percent)}`, `memory ${pct(system.memory_percent)} · disk ${pct(system.disk_percent)}`) : null,
    system && system.gpu_memory_total_gb ? card("GPU", `${system.gpu_memory_reserved_gb} of ${system.gpu_memory_total_gb} GiB`,
      `${system.gpu_name} · ${system.gpu_memory_allocated_gb} GiB allocated`) : null);
  }

  async function load() {
    clearTimeout(timer);
    loadFigures();
    const query = new URLSearchParams({ limit: PAGE, offset: state.offset });
    if (state.status) query.set("status", state.status);
    try {
      state.data = await getJSON(`/api/v1/jobs?${query}`);
    } catch (err) {
      fill(table, h("p", { class: "field-error", role: "alert" }, `Cannot load the jobs: ${err.message}`));
      return;
    }
    if (stopped) return;
    render();
    if (state.data.items.some(isActive)) timer = setTimeout(load, REFRESH_MS);
  }

  function render() {
    fill(filters, FILTERS.map(([status, label]) => h("button", {
      type: "button", "aria-pressed": String(state.status === status), onclick: () => {
        state.status = status;
        state.offset = 0;
        state.selected.clear();
        history.replaceState(null, "", status ? `/ui/jobs?status=${status}` : "/ui/jobs");
        load();
      },
    }, label)));
    const { items, total } = state.data;
    const shown = items.filter((j) => !state.search || jobName(j).toLowerCase().includes(state.search) || j.id.includes(state.search));
    if (!shown.length) {
      fill(table, h("p", { class: "empty" }, total ? "No job on this page matches the filter." : "No jobs yet. Convert a photo to start."));
    } else {
      fill(table, h("table", { class: "jobs" },
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, h("input", { type: "checkbox", "aria-label": "Select all on this page", checked: shown.every((j) => state.selected.has(j.id)), onchange: (e) => {
            shown.forEach((j) => (e.target.checked ? state.selected.add(j.id) : state.selected.delete(j.id)));
            render();
          } })),
          [["Name"], ["Status"], ["Created", WIDE], ["Run time", WIDE], ["Progress", WIDE], ["IoU", WIDE], ["Palette", WIDE], [""]].map(([t, c]) => h("th", { scope: "col", class: c }, t)))),
        h("tbody", {}, shown.map(row))));
    }
    const from = total ? state.offset + 1 : 0;
    fill(pager,
      h("span", { class: "muted" }, `${from}–${state.offset + items.length} of ${total}`),
      h("button", { type: "button", class: "ghost", disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - PAGE); load(); } }, "← Newer"),
      h("button", { type: "button", class: "ghost", disabled: !state.data.next, onclick: () => { state.offset += PAGE; load(); } }, "Older →"));
    renderBulk();
  }

  function row(job) {
    const qa = job.qa || {};
    const active = isActive(job);
    const seconds = elapsed(job);
    const check = h("input", { type: "checkbox", "aria-label": `Select ${jobName(job)}`, checked: state.selected.has(job.id), onchange: (e) => {
      if (e.target.checked) state.selected.add(job.id);
      else state.selected.delete(job.id);
      renderBulk();
    } });
    return h("tr", { "data-job": job.id, class: `row-${job.status}` },
      h("td", {}, check),
      h("th", { scope: "row" }, h("a", { href: job.kind === "train" ? `/ui/train/${job.id}` : `/ui/jobs/${job.id}`, "data-link": "" }, jobName(job)), h("span", { class: "mono muted small id" }, job.id.slice(0, 8))),
      h("td", { class: "status-cell" }, statusPill(job), warnings(job)),
      h("td", { class: `nowrap ${WIDE}` }, fmtDate(job.created_at)),
      h("td", { class: `mono ${WIDE}` }, seconds === null ? "–" : fmtSeconds(seconds)),
      h("td", { class: WIDE }, active ? h("progress", { max: 1, value: overall(job), "aria-label": `${Math.round(overall(job) * 100)} % done` }) : job.error ? h("span", { class: "muted small", title: job.error.detail }, job.error.code) : "–"),
      h("td", { class: `mono ${WIDE}` }, qa.silhouette_iou === undefined ? "–" : qa.silhouette_iou.toFixed(3)),
      h("td", { class: `mono ${WIDE}` }, qa.palette_compliance === undefined ? "–" : fmtPercent(qa.palette_compliance, 0)),
      h("td", { class: "row-actions" }, active
        ? h("button", { type: "button", class: "ghost small", onclick: () => cancel([job.id]) }, "Cancel")
        : h("button", { type: "button", class: "ghost small", onclick: () => remove([job.id]) }, "Delete")));
  }

  /** Which checks failed, under the pill of a job done with warnings. */
  function warnings(job) {
    const state = jobState(job);
    return state.detail ? h("span", { class: "row-warning small" }, state.detail) : null;
  }

  function renderBulk() {
    const ids = [...state.selected];
    if (!ids.length) {
      fill(bulk);
      return;
    }
    fill(bulk, h("span", {}, `${ids.length} selected`),
      h("button", { type: "button", class: "ghost small", onclick: () => archive(ids) }, "Download results (ZIP)"),
      h("button", { type: "button", class: "ghost small", onclick: () => navigate(`/ui/batch?jobs=${ids.join(",")}`) }, "Open as batch"),
      h("button", { type: "button", class: "ghost small", onclick: () => cancel(ids) }, "Cancel"),
      h("button", { type: "button", class: "ghost small danger-text", onclick: () => remove(ids) }, "Delete"),
      h("button", { type: "button", class: "ghost small", onclick: () => { state.selected.clear(); render(); } }, "Clear selection"));
  }

  async function cancel(ids) {
    const active = state.data.items.filter((j) => ids.includes(j.id) && isActive(j));
    let asked = 0;
    let ended = 0;
    for (const job of active) {
      try {
        await post(`/api/v1/jobs/${job.id}/cancel`);
        asked += 1;
      } catch (err) {
        // finished between the last refresh and the click: nothing went wrong
        if (err instanceof ApiError && err.code === "job_finished") ended += 1;
        else toast(`${jobName(job)}: ${err.message}`, "error");
      }
    }
    if (asked) toast(`Cancelling ${asked} job(s)…`);
    if (ended) toast(`${ended} job(s) had already finished.`);
    if (!active.length) toast("None of the selected jobs is running.");
    load();
  }

  async function remove(ids) {
    if (!window.confirm(`Delete ${ids.length} job(s) and their files?`)) return;
    let deleted = 0;
    for (const id of ids) {
      try {
        await del(`/api/v1/jobs/${id}`);
        deleted += 1;
        state.selected.delete(id);
      } catch (err) {
        toast(err.message, "error");
      }
    }
    if (deleted) toast(`Deleted ${deleted} job(s).`);
    load();
  }

  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Download the results of jobs as one ZIP (GET /api/v1/archive). */
export async function archive(ids) {
  try {
    toast("Packing the results…");
    const blob = await getBlob(`/api/v1/archive?jobs=${ids.join(",")}`);
    saveBlob(blob, `v2v-results-${ids.length}.zip`);
  } catch (err) {
    toast(`Download failed: ${err.message}`, "error");
  }
}
