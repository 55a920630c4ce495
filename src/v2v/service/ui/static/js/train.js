// Train: says honestly whether this server can train a style LoRA, and what it takes.

import { capabilities } from "./api.js";
import { h, fill } from "./dom.js";

export async function trainView(main) {
  fill(main, h("p", { class: "muted" }, "Asking the server…"));
  const caps = await capabilities();
  const training = caps.features.training;
  const gpuStylizer = caps.backends.find((b) => b.name === "sdxl-controlnet");
  const head = h("header", { class: "page-head" }, h("div", {}, h("h1", {}, "Train a style"),
    h("p", { class: "lead" }, "Teach the GPU stylizer a house style from input → target pairs (a LoRA).")));
  const needs = h("ul", { class: "needs" },
    h("li", {}, h("strong", {}, "Pairs of images: "), "each vehicle photo with the illustration it should become (same size, same framing)."),
    h("li", {}, h("strong", {}, "The GPU backend: "), gpuStylizer
      ? gpuStylizer.available ? "the SDXL stylizer can run on this server." : `the SDXL stylizer cannot run here: ${gpuStylizer.reason}.`
      : "this server has no SDXL stylizer registered."),
    h("li", {}, h("strong", {}, "A GPU: "), `${caps.gpu.detail}.`));
  if (!training.available) {
    fill(main, head,
      h("section", { class: "card notice-card", id: "training-unavailable", role: "status" },
        h("h2", {}, "Training is not available yet"),
        h("p", {}, `Training needs the GPU backend and is not available on this server: ${training.reason}.`),
        h("p", { class: "muted" }, "When the training feature lands, this page will take the image pairs and the hyperparameters, and show each training job's progress, loss curve and log."),
        h("h3", {}, "What training will need"), needs));
    return;
  }
  fill(main, head,
    h("section", { class: "card", role: "status" },
      h("h2", {}, "Training endpoints found"),
      h("p", {}, "This server offers training through its API:"),
      h("ul", {}, training.endpoints.map((p) => h("li", { class: "mono" }, p))),
      h("p", {}, "Use the interactive API documentation to start a training job: ", h("a", { href: "/docs" }, "/docs"), "."),
      h("h3", {}, "What training needs"), needs));
}
