// The job page: Watch (live progress), then Compare, layers, QA and Download when it is done.

import { ApiError, capabilities, del, getBlob, getJSON, getText, palettes, post } from "./api.js";
import { compareViewer } from "./compare.js";
import { exportForm } from "./exportform.js";
import { h, fill, fmtDate, jobName, jobState, localFiles, localPhotos, saveBlob, statusPill, isActive, toast } from "./dom.js";
import { elapsedText, progressCard } from "./progress.js";
import { qaPanel, layersPanel, removalsPanel, subjectPanel } from "./report.js";

const POLL_MS = 800;
const PHOTO_FILE = "intermediate_phase0_input.png";
const PHASE_IMAGES = {
  [PHOTO_FILE]: "Photo",
  "intermediate_phase1_clean.png": "I · Sanitized",
  "intermediate_phase1_vehicle_mask.png": "I · Vehicle mask",
  "intermediate_phase1_removed_mask.png": "I · Removed areas",
  "intermediate_phase2_styled.png": "II · Stylized",
  "intermediate_phase2_edges.png": "II · Edges",
  "intermediate_phase3_paletted.png": "III · Paletted",
};

export function jobView(main, navigate, id) {
  let timer = null;
  let stopped = false;
  let job = null;
  let resultsShown = false;
  let dismissCancelling = null;
  const urls = [];
  const head = h("header", { class: "page-head job-head" });
  const warning = h("div", { class: "warning-slot" });
  const progress = h("div", { class: "progress-slot" });
  const results = h("div", { class: "results" });
  fill(main, h("a", { href: "/ui/jobs", class: "back", "data-link": "" }, "← All jobs"), head, warning, progress, results);

  async function poll() {
    try {
      job = await getJSON(`/api/v1/jobs/${id}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        fill(head, h("h1", {}, "Job not found"));
        fill(progress, h("p", {}, "There is no such job, it was deleted, or it belongs to another API key."),
          h("a", { href: "/ui", "data-link": "", class: "button" }, "Convert a photo"));
        return;
      }
      fill(progress, h("p", { class: "field-error", role: "alert" }, `Cannot reach the server: ${err.message}. Retrying…`));
      timer = setTimeout(poll, POLL_MS * 4);
      return;
    }
    if (stopped) return;
    if (job.kind === "train") {
      navigate(`/ui/train/${id}`, true); // a training job has its own page
      return;
    }
    if (!isActive(job) && dismissCancelling) {
      dismissCancelling(); // the page now says how it ended
      dismissCancelling = null;
    }
    renderHead();
    renderWarning();
    renderProgress();
    if (job.status === "succeeded" && !resultsShown) {
      resultsShown = true;
      showResults().catch((err) => fill(results, h("p", { class: "field-error", role: "alert" }, `Could not load the results: ${err.message}`)));
    }
    if (isActive(job)) timer = setTimeout(poll, POLL_MS);
  }

  function renderHead() {
    const actions = [];
    if (isActive(job)) actions.push(h("button", { type: "button", class: "danger", id: "cancel-job", onclick: cancel }, "Cancel job"));
    else actions.push(h("button", { type: "button", class: "ghost", id: "delete-job", onclick: remove }, "Delete job"));
    actions.push(h("a", { href: "/ui", "data-link": "", class: "button ghost" }, "Convert another"));
    fill(head,
      h("div", { class: "job-title" }, h("h1", {}, jobName(job), " ", statusPill(job)),
        h("p", { class: "muted" }, `Job ${job.id} · created ${fmtDate(job.created_at)}${job.attempts > 1 ? ` · attempt ${job.attempts}` : ""}`)),
      h("div", { class: "actions" }, actions));
  }

  function renderProgress() {
    fill(progress, progressCard(job, localPhotos.get(id) || null));
    // once the result is on screen, the run's timings are a footnote under it
    if (job.status === "succeeded") results.after(progress);
  }

  /** Done with warnings: which checks failed, said at the top (the Quality card has the figures). */
  function renderWarning() {
    const state = jobState(job);
    fill(warning, state.detail ? h("div", { class: "warn-box", role: "status", id: "job-warning" },
      h("strong", {}, "Done, but the quality checks failed: "), state.detail,
      h("p", { class: "muted small" }, "The drawing was kept; check it against the photo before you use it, or convert again with other options.")) : null);
  }

  async function cancel() {
    try {
      job = await post(`/api/v1/jobs/${id}/cancel`);
      dismissCancelling = toast("Cancelling the job…");
      renderHead();
      renderProgress();
    } catch (err) {
      // it ended between the last poll and the click: say so, and show how it ended
      if (err instanceof ApiError && err.code === "job_finished") toast("The job had already finished.");
      else toast(err.message, "error");
    }
    clearTimeout(timer);
    timer = setTimeout(poll, 200);
  }

  async function remove() {
    if (!window.confirm("Delete this job and its files?")) return;
    try {
      await del(`/api/v1/jobs/${id}`);
      toast("Job deleted.");
      navigate("/ui/jobs");
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async function showResults() {
    fill(results, h("p", { class: "muted" }, "Loading the result…"));
    const files = job.urls.files;
    const [report, svgText, caps] = await Promise.all([getJSON(job.urls.report), job.urls.svg ? getText(job.urls.svg) : null, capabilities().catch(() => null)]);
    const [width, height] = report.input?.working_size || [512, 512];
    const svgUrl = blobUrl(svgText, "image/svg+xml");
    let photoUrl = null;
    let photoLabel = "Photo";
    if (files[PHOTO_FILE]) photoUrl = track(URL.createObjectURL(await getBlob(files[PHOTO_FILE])));
    else if (localPhotos.has(id)) photoUrl = localPhotos.get(id);
    const focus = svgText ? drawingBox(svgText, width, height) : null;
    const viewer = svgUrl ? compareViewer({ width, height, svgUrl, photoUrl, photoLabel, focus })
      : { el: h("img", { src: track(URL.createObjectURL(await getBlob(job.urls.png))), alt: "Preview", class: "preview-only" }) };
    const against = phaseSelect(files, (url, label) => viewer.setPhoto(url, label));
    const layers = svgText ? layersPanel(report, svgText, (url) => viewer.setSvg(track(url))) : null;
    const primary = files["result.svg"]
      ? h("div", { class: "result-actions" },
        h("button", { type: "button", class: "primary", id: "download-svg", onclick: () => download("result.svg") }, "Download SVG"),
        h("a", { href: "#downloads", class: "button ghost small", id: "more-downloads", onclick: (e) => {
          e.preventDefault();
          document.getElementById("downloads")?.scrollIntoView({ behavior: "smooth", block: "start" });
        } }, "More downloads ↓"))
      : null;
    fill(results,
      h("section", { class: "card compare-card", "aria-labelledby": "compare-title" },
        h("div", { class: "card-head" }, h("h2", { id: "compare-title" }, "Result"), primary),
        viewer.el,
        h("div", { class: "compare-foot" }, against,
          photoUrl ? null : h("p", { class: "muted small" }, "The original photo was not kept for this job; switch on “Keep each phase's image” when converting to compare against it."))),
      h("div", { class: "result-grid" },
        downloadsPanel(files),
        qaPanel(report, caps),
        layers,
        subjectPanel(report, photoUrl, (rank) => redraw(report, rank)),
        removalsPanel(report)));
  }

  /** The same photo again with another detected vehicle as the subject (a new job). */
  async function redraw(report, rank) {
    const files = job.urls.files;
    let photo = null;
    try {
      if (localFiles.has(id)) photo = localFiles.get(id);
      else if (files[PHOTO_FILE]) photo = await getBlob(files[PHOTO_FILE]);
    } catch (err) {
      photo = null;
    }
    if (!photo) {
      toast("The photo was not kept for this job: convert it again and pick the vehicle there.", "error");
      return;
    }
    const form = new FormData();
    form.append("file", photo, job.name || "photo.png");
    form.append("subject", String(rank));
    // the job's own settings again (all but the subject), so the ranks mean the same vehicles
    const overrides = { ...(job.overrides || {}) };
    delete overrides["phase1.detector.subject"];
    if (Object.keys(overrides).length) form.append("overrides", JSON.stringify(overrides));
    // a built-in palette by name when its colours are still the job's (the names stay),
    // anything else by its colours
    const pal = report.palette || {};
    const same = (p) => p.name === pal.name && (p.colors || []).join(",") === (pal.colors || []).join(",");
    if (pal.name && pal.name !== "custom" && (await palettes().catch(() => [])).some(same)) form.append("palette", pal.name);
    else if (pal.colors) form.append("palette", pal.colors.join(","));
    form.append("intermediates", files[PHOTO_FILE] ? "true" : "false");
    try {
      const next = await post("/api/v1/jobs", form);
      if (localPhotos.has(id)) localPhotos.set(next.id, localPhotos.get(id));
      localFiles.set(next.id, photo);
      toast(`Drawing vehicle ${rank}…`);
      navigate(`/ui/jobs/${next.id}`);
    } catch (err) {
      toast(`The server refused the job: ${err.message}`, "error");
    }
  }

  function phaseSelect(files, onPick) {
    const names = Object.keys(PHASE_IMAGES).filter((n) => files[n]);
    if (names.length < 2) return null;
    const select = h("select", { id: "compare-with" }, names.map((n) => h("option", { value: n }, PHASE_IMAGES[n])));
    select.addEventListener("change", async () => {
      const url = track(URL.createObjectURL(await getBlob(files[select.value])));
      onPick(url, PHASE_IMAGES[select.value]);
    });
    return h("label", { class: "inline-label" }, "Compare with ", select);
  }

  function downloadsPanel(files) {
    const main = [["result.svg", "SVG", "the illustration"], ["preview.png", "PNG preview", "rendered from the SVG"], ["report.json", "Report", "QA, timings, layers"]];
    const button = (name, title, note) => h("button", { type: "button", class: "download", "data-file": name, onclick: () => download(name) },
      h("strong", {}, title), h("span", { class: "muted small" }, note));
    const extra = Object.keys(files).filter((n) => !main.some(([m]) => m === n));
    return h("section", { class: "card", id: "downloads", "aria-labelledby": "downloads-title" },
      h("h2", { id: "downloads-title" }, "Download"),
      h("div", { class: "downloads" }, main.filter(([n]) => files[n]).map(([n, t, note]) => button(n, t, note))),
      files["result.svg"] ? exportForm(job) : null,
      extra.length ? h("details", {}, h("summary", {}, `Phase images (${extra.length})`),
        h("div", { class: "downloads small-grid" }, extra.map((n) => button(n, PHASE_IMAGES[n] || n, n)))) : null);
  }

  async function download(name) {
    try {
      const blob = await getBlob(job.urls.files[name]);
      saveBlob(blob, `${job.name || "v2v"}-${name}`);
    } catch (err) {
      toast(`Download failed: ${err.message}`, "error");
    }
  }

  /** [x, y, w, h] of what the SVG draws (its viewBox units), with a margin; null when it fills
   * the picture anyway or cannot be measured. Measured by the browser on a hidden copy. */
  function drawingBox(svgText, width, height) {
    const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    if (doc.documentElement.nodeName !== "svg") return null;
    const holder = h("div", { "aria-hidden": "true", style: { position: "absolute", left: "-10000px", top: "0", width: `${width}px`, height: `${height}px`, visibility: "hidden" } });
    const svg = document.importNode(doc.documentElement, true);
    holder.append(svg);
    document.body.append(holder);
    try {
      const box = svg.getBBox();
      if (!box.width || !box.height || box.width * box.height > 0.8 * width * height) return null;
      const pad = 0.06 * Math.max(box.width, box.height);
      return [box.x - pad, box.y - pad, box.width + 2 * pad, box.height + 2 * pad];
    } catch {
      return null;
    } finally {
      holder.remove();
    }
  }

  function track(url) {
    urls.push(url);
    return url;
  }

  function blobUrl(text, type) {
    return text === null ? null : track(URL.createObjectURL(new Blob([text], { type })));
  }

  poll();
  const tick = setInterval(() => {
    const el = document.getElementById("elapsed");
    if (job && isActive(job) && el && job.started_at) el.textContent = elapsedText(job);
  }, 250);
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(tick);
    urls.forEach((u) => URL.revokeObjectURL(u));
  };
}
