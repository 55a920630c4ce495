// The shell: navigation between views, the API-key dialog, and error display.

import { apiKey, setApiKey, setHooks, ApiError } from "./api.js";
import { h, fill, toast } from "./dom.js";
import { batchView } from "./batch.js";
import { convertView } from "./convert.js";
import { jobView } from "./job.js";
import { jobsView } from "./jobs.js";
import { systemView } from "./system.js";
import { trainView } from "./train.js";
import { trainJobView } from "./trainjob.js";

const main = document.getElementById("main");
let cleanup = null;

const ROUTES = [
  [/^\/ui\/?$/, "convert", (p, q) => convertView(main, navigate, q)],
  [/^\/ui\/convert\/?$/, "convert", (p, q) => convertView(main, navigate, q)],
  [/^\/ui\/jobs\/?$/, "jobs", (p, q) => jobsView(main, navigate, q)],
  [/^\/ui\/jobs\/([0-9a-f]{32})\/?$/, "jobs", (p) => jobView(main, navigate, p[1])],
  [/^\/ui\/batch\/?$/, "jobs", (p, q) => batchView(main, navigate, q)],
  [/^\/ui\/system\/?$/, "system", () => systemView(main)],
  [/^\/ui\/train\/?$/, "train", () => trainView(main, navigate)],
  [/^\/ui\/train\/([0-9a-f]{32})\/?$/, "train", (p) => trainJobView(main, navigate, p[1])],
];

export function navigate(url, replace = false) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  show();
}

async function show() {
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  const url = new URL(window.location.href);
  const match = ROUTES.map(([re, nav, view]) => [url.pathname.match(re), nav, view]).find(([m]) => m);
  document.querySelectorAll(".nav a").forEach((a) => {
    if (match && a.dataset.nav === match[1]) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  if (!match) {
    fill(main, h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "/ui", "data-link": "" }, "Go to Convert")));
    return;
  }
  try {
    cleanup = await match[2](match[0], url.searchParams);
  } catch (err) {
    const detail = err instanceof ApiError ? err.detail : err.message;
    fill(main, h("div", { class: "card error-box", role: "alert" }, h("strong", {}, "This page could not be loaded"), h("p", {}, detail),
      h("button", { type: "button", onclick: show }, "Try again")));
  }
  const title = main.querySelector("h1")?.textContent;
  document.title = title ? `${title} · v2v` : "v2v";
}

// Links marked data-link stay inside the page (no reload); everything else behaves normally.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});
window.addEventListener("popstate", show);

// -- the API key: asked for once, kept for this browser tab ------------------------------------
const dialog = document.getElementById("key-dialog");
const keyInput = document.getElementById("key-input");
const keyReason = document.getElementById("key-reason");
let pendingKey = null;
let keyPromise = null;

// Requests refused at the same moment share one question (and one answer).
function askForKey(error) {
  if (keyPromise) return keyPromise;
  keyReason.textContent = error.code === "api_key_invalid"
    ? "The key was not accepted (mistyped or revoked). Enter another one."
    : "This server needs an API key. Ask its administrator for one (created with `v2v keys create NAME`).";
  keyInput.value = "";
  dialog.showModal();
  keyInput.focus();
  keyPromise = new Promise((resolve) => { pendingKey = resolve; });
  return keyPromise;
}

dialog.addEventListener("close", () => {
  const value = dialog.returnValue === "save" ? keyInput.value.trim() : "";
  const resolve = pendingKey;
  pendingKey = null;
  keyPromise = null;
  if (resolve) resolve(value || null);
  if (!value) toast("No API key given: the server refuses requests without one.", "error");
});

function renderKeyButton() {
  const button = document.getElementById("key-button");
  button.hidden = !apiKey();
  button.textContent = "Forget API key";
}

document.getElementById("key-button").addEventListener("click", () => {
  setApiKey(null);
  toast("The API key was forgotten for this tab.");
});
document.addEventListener("v2v:key", renderKeyButton);

setHooks({
  askForKey,
  onWait: (seconds) => toast(`The server asks to slow down; retrying in ${seconds} s.`),
});
renderKeyButton();
show();
