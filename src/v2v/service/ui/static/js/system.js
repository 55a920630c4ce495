// Backends & models: what this server can run, and why the rest cannot run.

import { capabilities, ready } from "./api.js";
import { h, fill, fmtBytes } from "./dom.js";

const PHASE_NAMES = { phase1: "Phase I · Sanitize", phase2: "Phase II · Stylize", phase3: "Phase III · Palette", phase4: "Phase IV · Vectorize" };

export async function systemView(main) {
  fill(main, h("p", { class: "muted" }, "Asking the server…"));
  const [caps, readiness] = await Promise.all([capabilities(true), ready().catch(() => null)]);
  fill(main,
    h("header", { class: "page-head" }, h("div", {}, h("h1", {}, "Backends & models"),
      h("p", { class: "lead" }, `What this server (v2v ${caps.version}) can run right now, and what is missing for the rest.`))),
    h("div", { class: "system-grid" },
      backendsCard(caps),
      serviceCard(caps, readiness),
      modelsCard(caps)));
}

function backendsCard(caps) {
  const phases = [...new Set(caps.backends.map((b) => b.phase))];
  return h("section", { class: "card span-2", "aria-labelledby": "backends-title" },
    h("h2", { id: "backends-title" }, "Backends"),
    phases.map((phase) => h("div", { class: "backend-phase" },
      h("h3", {}, PHASE_NAMES[phase] || phase),
      h("ul", { class: "backend-list" }, caps.backends.filter((b) => b.phase === phase).map((b) =>
        h("li", { class: `backend ${b.available ? "ok" : "bad"}`, "data-backend": b.name },
          h("div", { class: "backend-head" },
            h("strong", {}, b.name),
            b.selected ? h("span", { class: "pill pill-selected" }, "in use") : null,
            h("span", { class: `pill ${b.available ? "pill-succeeded" : "pill-failed"}` }, b.available ? "available" : "not available"),
            b.needs_gpu ? h("span", { class: "pill pill-neutral" }, "GPU") : h("span", { class: "pill pill-neutral" }, "CPU")),
          h("p", { class: "muted" }, b.description),
          b.reason ? h("p", { class: "reason" }, h("strong", {}, "Why not: "), b.reason) : null))))),
    h("p", { class: "muted small" }, caps.gpu.detail, ". ",
      caps.gpu_options.available ? "Prompt, ControlNet and LoRA options are enabled on the Convert page."
        : `Prompt, ControlNet and LoRA are disabled on the Convert page: ${caps.gpu_options.reason}.`));
}

function serviceCard(caps, readiness) {
  const checks = readiness ? Object.entries(readiness.checks) : [];
  return h("section", { class: "card", "aria-labelledby": "service-title" },
    h("h2", { id: "service-title" }, "Service"),
    readiness ? h("p", { class: `verdict ${readiness.status === "ready" ? "ok" : "bad"}` },
      readiness.status === "ready" ? "Ready to take jobs"
        : readiness.status === "warming" ? "Warming up: the workers are loading their models; jobs wait until they have"
        : `Not ready: ${readiness.failing.join(", ")}`) : h("p", { class: "muted" }, "Readiness unknown."),
    h("ul", { class: "checks" }, checks.map(([name, check]) =>
      h("li", { class: check.ok ? "ok" : "bad" }, h("strong", {}, name), h("span", { class: "muted small" }, check.detail)))),
    h("dl", { class: "facts" },
      h("dt", {}, "Workers"), h("dd", {}, String(caps.limits.job_workers)),
      h("dt", {}, "Upload limit"), h("dd", {}, `${fmtBytes(caps.limits.max_upload_bytes)}, ${Math.round(caps.limits.max_upload_pixels / 1e6)} MP`),
      h("dt", {}, "Rate limit"), h("dd", {}, caps.limits.rate_limit || "off"),
      h("dt", {}, "API keys"), h("dd", {}, caps.keys_required ? "required" : "not configured (this machine only)")));
}

function modelsCard(caps) {
  const folders = caps.models.folders;
  return h("section", { class: "card span-3", "aria-labelledby": "models-title" },
    h("h2", { id: "models-title" }, "Model folders"),
    h("p", { class: "muted small" }, "The neural backends read weights from the model directory (MODEL_VOLUME_PATH). The CPU backends need none. Check them with `v2v models verify`."),
    h("div", { class: "table-wrap" }, h("table", { class: "models" },
      h("thead", {}, h("tr", {}, ["Folder", "Needed by", "State", "Files", "Size", "Problem"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, folders.map((f) => h("tr", { class: f.ok ? "ok" : "bad" },
        h("th", { scope: "row", class: "mono" }, f.name),
        h("td", {}, f.needed_by.join(", ")),
        h("td", {}, h("span", { class: `pill ${f.ok ? "pill-succeeded" : f.optional ? "pill-neutral" : "pill-failed"}` }, f.ok ? "ready" : f.optional ? "optional" : "missing")),
        h("td", { class: "mono" }, String(f.files)),
        h("td", { class: "mono" }, f.size_bytes ? fmtBytes(f.size_bytes) : "–"),
        h("td", { class: "small" }, f.problem || "")))))),
    caps.models.loras.length ? h("p", {}, `LoRAs: ${caps.models.loras.join(", ")}`) : h("p", { class: "muted small" }, "No LoRA in the loras/ folder."));
}
