// The loss curve of a training job: train and validation loss per epoch, drawn as inline SVG
// (no chart library).

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 58, right: 18, top: 14, bottom: 40 };

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Round tick values covering [min, max]: [lo, …, hi] with 1, 2 or 5 × 10^k steps. */
export function niceTicks(min, max, count = 4) {
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 0.1;
    min -= pad;
    max += pad;
  }
  let step = 10 ** Math.floor(Math.log10((max - min) / count));
  const ratio = (max - min) / count / step;
  step *= ratio >= 7.5 ? 10 : ratio >= 3.5 ? 5 : ratio >= 1.5 ? 2 : 1;
  const ticks = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Tick labels with as many decimals as the step needs (0.005 → 3), so no two labels read alike. */
function tickFormat(ticks) {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  const big = Math.max(...ticks.map(Math.abs));
  if (big >= 1e5 || step < 1e-4) return (v) => v.toExponential(Math.max(0, Math.floor(Math.log10(big)) - Math.floor(Math.log10(step) + 1e-9)));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return (v) => v.toFixed(decimals);
}

function series(values, x, y, name, label) {
  const points = values.map((v, i) => [x(i + 1), y(v), v, i + 1]).filter(([, , v]) => Number.isFinite(v));
  if (!points.length) return null;
  const d = points.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)} ${py.toFixed(1)}`).join(" ");
  return svg("g", { class: `series series-${name}` },
    svg("path", { d, fill: "none" }),
    points.map(([px, py, v, epoch]) => svg("circle", { cx: px.toFixed(1), cy: py.toFixed(1), r: 3.5 },
      svg("title", {}, `epoch ${epoch} · ${label} loss ${v.toPrecision(4)}`))));
}

/**
 * An <svg> of the losses, or null while there is no epoch yet.
 * `train`, `val`: loss per completed epoch (numbers); `epochs`: epochs planned; `running`: while
 * the job runs the x axis leaves room for the next epochs (up to twice those done), once it has
 * ended it spans the epochs that were run.
 */
export function lossChart({ train = [], val = [], epochs = 0, running = false }) {
  const values = [...train, ...val].filter(Number.isFinite);
  if (!values.length) return null;
  const done = Math.max(train.length, val.length);
  const n = running ? Math.max(done, Math.min(epochs, Math.max(done + 1, 2 * done, 5))) : done;
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const [lo, hi] = [ticks[0], ticks[ticks.length - 1]];
  const fmt = tickFormat(ticks);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (epoch) => PAD.left + (n === 1 ? plotW / 2 : ((epoch - 1) / (n - 1)) * plotW);
  const y = (v) => PAD.top + ((hi - v) / (hi - lo)) * plotH;
  const every = Math.ceil(n / 12);
  const epochTicks = Array.from({ length: n }, (_, i) => i + 1).filter((e) => e === 1 || e === n || (e % every === 0 && n - e >= every / 2));
  const describe = (name, list) => `${name}: ${list.length ? list.map((v) => v.toPrecision(4)).join(", ") : "none yet"}`;
  return svg("svg", { class: "loss-chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-labelledby": "loss-chart-title loss-chart-desc" },
    svg("title", { id: "loss-chart-title" }, "Loss per epoch"),
    svg("desc", { id: "loss-chart-desc" }, `${describe("train", train)}; ${describe("validation", val)}`),
    svg("g", { class: "grid" }, ticks.map((t) => svg("g", {},
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(t).toFixed(1), y2: y(t).toFixed(1) }),
      svg("text", { x: PAD.left - 8, y: y(t).toFixed(1), "text-anchor": "end", "dominant-baseline": "middle" }, fmt(t))))),
    svg("g", { class: "axis" },
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH }),
      epochTicks.map((e) => svg("text", { x: x(e).toFixed(1), y: PAD.top + plotH + 18, "text-anchor": "middle" }, String(e))),
      svg("text", { class: "axis-title", x: PAD.left + plotW / 2, y: HEIGHT - 4, "text-anchor": "middle" }, "epoch"),
      svg("text", { class: "axis-title", x: 14, y: PAD.top + plotH / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${PAD.top + plotH / 2})` }, "loss")),
    series(train, x, y, "train", "train"),
    series(val, x, y, "val", "validation"));
}
