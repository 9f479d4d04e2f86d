"""The JavaScript and CSS of the live training view, kept apart from its Python API in ``live_view``.

The component's code is one ES module: :data:`BASE_JS` (colours, number formatting, the history store),
then ``live_view_network_js.JS`` (the network panel), then :data:`VIEW_JS` (the heatmaps, the chart, the
polling loop and the ``export default``). ``playground.ui.live_view`` concatenates them.
"""

from __future__ import annotations

CSS = r"""
/* The view paints live data during a rerun too, so Streamlit's fade of stale elements would only mislead. */
[data-testid="stElementContainer"][data-stale="true"]:has(> .stBidiComponent .pg-live) {
  opacity: 1 !important; transition: none !important; }
.pg-live { display: flex; flex-direction: column; gap: 0.6rem; width: 100%;
  font-family: var(--st-font, inherit); color: var(--st-text-color, inherit); }
.pg-live .pg-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.3rem 1.4rem; }
.pg-live .pg-head[hidden] { display: none; }
.pg-live .pg-head-b { gap: 0.3rem 1.1rem; padding-top: 0.35rem;
  border-top: 1px dashed var(--st-border-color, rgba(49, 51, 63, 0.2)); }
.pg-live .pg-epoch-box { display: flex; align-items: baseline; gap: 0.5rem; }
.pg-live .pg-epoch-label { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em;
  opacity: 0.7; }
.pg-live .pg-epoch { font-size: 1.9rem; font-weight: 600; line-height: 1; font-variant-numeric: tabular-nums;
  min-width: 4ch; }
.pg-live .pg-run-tag { font-size: 0.75rem; font-weight: 700; padding: 0 0.4rem; border-radius: 4px;
  border: 1px solid currentColor; opacity: 0.85; }
.pg-live .pg-run-tag[hidden], .pg-live .pg-stat[hidden] { display: none; }
.pg-live .pg-run-title { font-size: 0.85rem; font-weight: 600; max-width: 26ch; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.pg-live .pg-stat { font-size: 0.85rem; opacity: 0.85; white-space: nowrap; }
.pg-live .pg-stat b { font-weight: 600; font-variant-numeric: tabular-nums; }
.pg-live .pg-swatch { display: inline-block; width: 0.9em; height: 3px; vertical-align: middle;
  margin-right: 0.35em; border-radius: 2px; }
.pg-live .pg-swatch.pg-dashed { height: 0; border-top: 3px dashed; background: transparent !important; }
.pg-live .pg-status { margin-left: auto; font-size: 0.75rem; padding: 0.1rem 0.7rem; border-radius: 999px;
  border: 1px solid currentColor; white-space: nowrap; opacity: 0.9; }
.pg-live .pg-status[data-status="running"] { color: var(--st-green-text-color, #177233); }
.pg-live .pg-status[data-status="starting"] { color: var(--st-orange-text-color, #a15c00); }
.pg-live .pg-status[data-status="finished"] { color: var(--st-blue-text-color, #0054a3); }
.pg-live .pg-status[data-status="error"], .pg-live .pg-status[data-status="diverged"] {
  color: var(--st-red-text-color, #b42318); }
.pg-live .pg-message { padding: 0.5rem 0.8rem; font-size: 0.9rem;
  border-radius: var(--st-base-radius, 0.5rem);
  background: var(--st-secondary-background-color, #f0f2f6); }
.pg-live .pg-message[data-tone="error"] { background: var(--st-red-background-color, #fde8e8);
  color: var(--st-red-text-color, #b42318); font-weight: 600; }
.pg-live .pg-message[hidden] { display: none; }
.pg-live .pg-body { display: flex; flex-wrap: wrap; gap: 1rem; align-items: stretch; }
.pg-live .pg-heat-wrap { position: relative; flex: 1 1 300px; min-width: 220px; max-width: 480px;
  aspect-ratio: 1 / 1; align-self: flex-start; }
.pg-live .pg-heat-wrap[hidden] { display: none; }
.pg-live .pg-heat-wrap[data-edit="true"] canvas { cursor: crosshair; }
.pg-live .pg-heat-caption { position: absolute; z-index: 1; left: 32px; top: 10px; max-width: calc(100% - 48px);
  font-size: 12px; line-height: 1.5; padding: 0 0.45rem; border-radius: 4px; pointer-events: none;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  background: rgba(255, 255, 255, 0.85); color: #31333f; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.15); }
.pg-live .pg-heat-caption[hidden] { display: none; }
.pg-live .pg-loss-wrap { position: relative; flex: 1 1 300px; min-width: 240px; min-height: 240px; }
.pg-live canvas { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
.pg-live .pg-tooltip { position: absolute; z-index: 3; pointer-events: none; white-space: nowrap;
  font-size: 12px;
  line-height: 1.5; padding: 0.25rem 0.5rem; border-radius: 4px;
  background: var(--st-background-color, #fff); color: var(--st-text-color, #31333f);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.15); }
.pg-live .pg-tooltip[hidden] { display: none; }
.pg-live .pg-tools { position: absolute; z-index: 2; top: 0; right: 0; display: flex; gap: 0.4rem; }
.pg-live .pg-seg { display: flex; }
.pg-live .pg-seg[hidden] { display: none; }
.pg-live .pg-seg button { font: inherit; font-size: 11px; line-height: 1.4; padding: 0 0.5rem;
  cursor: pointer;
  color: inherit; background: transparent; opacity: 0.6;
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); }
.pg-live .pg-seg button:first-child { border-radius: 4px 0 0 4px; border-right: none; }
.pg-live .pg-seg button:last-child { border-radius: 0 4px 4px 0; }
.pg-live .pg-seg button[aria-pressed="true"] { opacity: 1; font-weight: 600;
  background: var(--st-secondary-background-color, #f0f2f6); }
"""

BASE_JS = r"""
// Mounted views by parent element. Global, so that a new version of this code (a new module, after the
// Python source changed) finds and replaces the views of the old one instead of stacking a second view.
const VIEWS = (globalThis.__pgLiveViews ||= new WeakMap());
const VERSION = {};  // one per evaluation of this module

const NEG = [245, 147, 34];    // class 0 / negative: TF Playground orange
const MID = [232, 234, 235];   // undecided
const POS = [8, 119, 189];     // class 1 / positive: TF Playground blue
const HEAT_ALPHA = 160 / 255;  // the boundary is painted as if translucent over white, as in TF Playground
const TRAIN_COLOR = "#636efa";
const TEST_COLOR = "#ef553b";

const RUNNING_GAP_MS = 33;     // at most ~30 fetches (and paints) a second while training
const STARTING_GAP_MS = 100;
const IDLE_GAP_MS = 500;       // ~2 a second when nothing moves
const POKE_MS = 2000;          // after a click or key press, poll fast for this long
const FETCH_TIMEOUT_MS = 5000;
const FOCUS_HOLD_MS = 4000;    // a clicked neuron stays outlined this long while the server catches up
const OUTBOX_MAX = 64;         // events kept until Python acknowledges them
const RESEND_MS = 1500;      // unacknowledged events go out again after this long
const RESEND_TIMES = 4;

const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
const mix = (a, b, t) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const overWhite = (c) => c.map((v) => v * HEAT_ALPHA + 255 * (1 - HEAT_ALPHA));
const css = (c) => `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;
const pack = (c) =>
  ((255 << 24) | (Math.round(c[2]) << 16) | (Math.round(c[1]) << 8) | Math.round(c[0])) >>> 0;
const diverging = (t) => (t < 0 ? mix(MID, NEG, clamp(-t, 0, 1)) : mix(MID, POS, clamp(t, 0, 1)));
const finite = (v) => typeof v === "number" && Number.isFinite(v);
const ema = (average, value) => (average === undefined ? value : average + 0.1 * (value - average));
const EMPTY = Object.freeze([]);

function decodeBase64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Base64 of little-endian float32 (the frames' weights and biases) as a Float32Array; NaN stays NaN. */
function decodeFloat32(text) {
  const bytes = decodeBase64(text);
  return new Float32Array(bytes.buffer, 0, bytes.length >> 2);
}

function formatValue(v) {
  if (!finite(v)) return "\u2013";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

const formatPercent = (v) => (finite(v) ? `${(v * 100).toFixed(1)}%` : "\u2013");

function formatTick(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return Number(v.toPrecision(6)).toString();
}

/** A translated template with its ``{name}`` fields filled; numbers are formatted, unknown fields kept. */
function fillLabel(template, args) {
  return String(template).replace(/\{(\w+)\}/g, (whole, name) => {
    const value = (args || {})[name];
    if (value === undefined || value === null) return whole;
    return typeof value === "number" ? formatValue(value) : String(value);
  });
}

function niceStep(range, target) {
  const raw = range / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

function linearTicks(lo, hi, target, minStep = 0) {
  if (!(hi > lo)) return [lo];
  const step = Math.max(minStep, niceStep(hi - lo, target));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

function logTicks(lo10, hi10) {
  const out = [];
  for (let k = Math.ceil(lo10); k <= Math.floor(hi10); k++) out.push(Math.pow(10, k));
  if (out.length < 3) {
    for (let k = Math.floor(lo10); k <= Math.ceil(hi10); k++) {
      for (const m of [2, 5]) {
        const v = m * Math.pow(10, k);
        const l = Math.log10(v);
        if (l >= lo10 && l <= hi10) out.push(v);
      }
    }
    out.sort((a, b) => a - b);
  }
  if (out.length < 3) {  // less than a decade: plain nice steps read better
    return linearTicks(Math.pow(10, lo10), Math.pow(10, hi10), 4).filter((v) => v > 0);
  }
  return out;
}

function nearestIndex(xs, x) {
  let lo = 0, hi = xs.length - 1;
  if (hi < 0) return -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid; else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}

function sizeCanvas(canvas, wrap) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, wrap.clientWidth), h = Math.max(1, wrap.clientHeight);
  const bw = Math.round(w * dpr), bh = Math.round(h * dpr);
  if (canvas.width !== bw || canvas.height !== bh) { canvas.width = bw; canvas.height = bh; }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

// ---- history: epochs plus any columns the frames carry (losses, accuracies, R², RMSE, ...) -------------
function newHistory() { return { epoch: [], col: Object.create(null), seen: Object.create(null) }; }

const column = (hist, name) => (hist && hist.col[name]) || EMPTY;

/** Appends the rows of a delta newer than the last epoch held; returns how many it appended. */
function appendHistory(hist, delta) {
  const epochs = delta && delta.epoch;
  if (!Array.isArray(epochs)) return 0;
  for (const name of Object.keys(delta)) {
    if (name !== "epoch" && Array.isArray(delta[name]) && !hist.col[name]) {
      hist.col[name] = new Array(hist.epoch.length).fill(null);
    }
  }
  const names = Object.keys(hist.col);
  let last = hist.epoch.length ? hist.epoch[hist.epoch.length - 1] : -Infinity, added = 0;
  for (let i = 0; i < epochs.length; i++) {
    if (!(epochs[i] > last)) continue;
    last = epochs[i];
    hist.epoch.push(epochs[i]);
    for (const name of names) {
      const source = delta[name];
      const v = Array.isArray(source) ? source[i] : null;
      if (finite(v)) { hist.col[name].push(v); hist.seen[name] = true; } else hist.col[name].push(null);
    }
    added++;
  }
  return added;
}

function lastFinite(values) {
  for (let i = values.length - 1; i >= 0; i--) if (finite(values[i])) return values[i];
  return null;
}

const lastEpoch = (hist) => (hist && hist.epoch.length ? hist.epoch[hist.epoch.length - 1] : -1);

function normFocus(value) {
  if (Array.isArray(value) && value.length >= 2 && Number.isInteger(value[0]) && Number.isInteger(value[1])) {
    return [value[0], value[1]];
  }
  return null;
}

const sameFocus = (a, b) => (a === null || b === null ? a === b : a[0] === b[0] && a[1] === b[1]);
"""

VIEW_JS = r"""
// ---- a heatmap of the plane: the boundary (or a neuron's map) with the points over it ---------------------
class HeatPanel {
  constructor(wrap, canvas, caption) {
    this.wrap = wrap;
    this.canvas = canvas;
    this.caption = caption;
    this.image = document.createElement("canvas");
    this.overlay = document.createElement("canvas");
    this.boundary = null;
    this.lut = null;
    this.lutKey = "";
    this.imageData = null;
  }

  clear() { this.boundary = null; }

  /** Takes a wire boundary; returns 0 (unchanged), 1 (new values) or 2 (new values and a new extent). */
  setBoundary(b) {
    if (!b || !b.values) return 0;
    const old = this.boundary;
    if (old && old.raw === b.values && old.rawConfidence === b.confidence && old.lo === b.lo
        && old.hi === b.hi && old.resolution === b.resolution && old.extent === b.extent) return 0;
    this.boundary = {
      raw: b.values, rawConfidence: b.confidence, encoding: b.encoding, resolution: b.resolution | 0,
      extent: b.extent, lo: finite(b.lo) ? b.lo : 0, hi: finite(b.hi) ? b.hi : 1,
      values: decodeBase64(b.values), confidence: b.confidence ? decodeBase64(b.confidence) : null,
    };
    return !old || old.extent !== b.extent ? 2 : 1;
  }

  lookup(data, output) {
    const b = this.boundary;
    const discretize = !!data.discretize && output;  // a neuron's map is always shown as it is
    const key = `${b.encoding}|${b.lo}|${b.hi}|${data.kind}|${discretize}|${data.n_classes}`;
    if (this.lut && this.lutKey === key) return this.lut;
    let lut;
    if (b.encoding === "class-u8") {
      const k = Math.max(2, data.n_classes || 2);
      lut = new Uint32Array(256 * 256);
      const palette = data.palette;  // playground.viz.colors, shared with the thumbnails
      for (let c = 0; c < 256; c++) {
        const color = palette[c % palette.length];
        for (let q = 0; q < 256; q++) {
          // confidence as depth of colour, unless discretized: then each region is its class's colour
          const w = discretize ? 1 : clamp((q / 255 - 1 / k) / (1 - 1 / k), 0, 1);
          lut[c * 256 + q] = pack(overWhite(mix(MID, color, 0.12 + 0.88 * w)));
        }
      }
    } else {
      // value lo + q/255*(hi-lo), coloured around the middle of lo..hi (0.5 for probabilities, 0 for -1..1)
      lut = new Uint32Array(256);
      const middle = (b.lo + b.hi) / 2, half = (b.hi - b.lo) / 2;
      for (let q = 0; q < 256; q++) {
        const v = b.lo + (q / 255) * (b.hi - b.lo);
        let t = half > 0 ? (v - middle) / half : 0;
        if (discretize) t = t >= 0 ? 1 : -1;
        lut[q] = pack(overWhite(diverging(t)));
      }
    }
    this.lut = lut;
    this.lutKey = key;
    return lut;
  }

  renderImage(data, output) {
    const b = this.boundary, res = b.resolution, img = this.image;
    if (img.width !== res || img.height !== res) { img.width = res; img.height = res; }
    const ctx = img.getContext("2d");
    if (!this.imageData || this.imageData.width !== res) {
      this.imageData = ctx.createImageData(res, res);
      this.pixels = new Uint32Array(this.imageData.data.buffer);
    }
    const out = this.pixels;
    const lut = this.lookup(data, output), values = b.values, conf = b.confidence;
    const n = Math.min(values.length, res * res);
    if (n < res * res) out.fill(pack(overWhite(MID)));
    for (let i = 0; i < n; i++) {
      const row = (i / res) | 0, col = i - row * res;
      const target = (res - 1 - row) * res + col;   // data rows run from y = -extent upwards
      out[target] = conf ? lut[values[i] * 256 + conf[i]] : lut[values[i]];
    }
    ctx.putImageData(this.imageData, 0, 0);
  }

  static layout(w, h) {
    const pad = { l: 26, r: 8, t: 6, b: 20 };
    const side = Math.max(10, Math.min(w - pad.l - pad.r, h - pad.t - pad.b));
    return { x: pad.l, y: pad.t, side };
  }

  extent(data) { return (this.boundary && this.boundary.extent) || data.extent || 6; }

  /** The data coordinates under a client position, or null outside the plane. */
  dataAt(clientX, clientY, data) {
    const r = this.canvas.getBoundingClientRect();
    const { x, y, side } = HeatPanel.layout(this.wrap.clientWidth, this.wrap.clientHeight);
    const px = clientX - r.left - x, py = clientY - r.top - y;
    if (px < 0 || py < 0 || px > side || py > side) return null;
    const extent = this.extent(data);
    return { x: -extent + (px / side) * 2 * extent, y: extent - (py / side) * 2 * extent };
  }

  paintOverlay(view, w, h) {
    const data = view.data;
    const dpr = window.devicePixelRatio || 1;
    const o = this.overlay;
    if (o.width !== Math.round(w * dpr) || o.height !== Math.round(h * dpr)) {
      o.width = Math.round(w * dpr); o.height = Math.round(h * dpr);
    }
    const ctx = o.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const { x, y, side } = HeatPanel.layout(w, h);
    const extent = this.extent(data);
    const px = (v) => x + ((v + extent) / (2 * extent)) * side;
    const py = (v) => y + ((extent - v) / (2 * extent)) * side;
    ctx.strokeStyle = "rgba(128,128,128,0.45)";
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, side - 1, side - 1);
    ctx.fillStyle = view.textColor;
    ctx.strokeStyle = view.textColor;
    ctx.globalAlpha = 0.7;
    ctx.font = `11px ${view.fontFamily}`;
    const step = niceStep(2 * extent, 6);
    for (let v = -extent; v <= extent + 1e-9; v += step) {
      const tx = px(v), ty = py(v), text = formatTick(Math.round(v * 1e6) / 1e6);
      ctx.beginPath();
      ctx.moveTo(tx, y + side); ctx.lineTo(tx, y + side + 4);
      ctx.moveTo(x, ty); ctx.lineTo(x - 4, ty);
      ctx.stroke();
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.fillText(text, clamp(tx, x + 6, x + side - 6), y + side + 6);
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      ctx.fillText(text, x - 6, clamp(ty, y + 6, y + side - 6));
    }
    ctx.globalAlpha = 1;
    const radius = clamp(side / 130, 2.2, 4);
    const drawPoints = (points, outline, width) => {
      if (!points || !points.x) return;
      const xs = points.x, ys = points.y, labels = points.label;
      ctx.lineWidth = width;
      ctx.strokeStyle = outline;
      for (let i = 0; i < xs.length; i++) {
        ctx.beginPath();
        ctx.arc(px(xs[i]), py(ys[i]), radius, 0, 2 * Math.PI);
        ctx.fillStyle = view.pointColor(labels[i]);
        ctx.fill();
        ctx.stroke();
      }
    };
    ctx.save();
    ctx.beginPath(); ctx.rect(x, y, side, side); ctx.clip();
    drawPoints(data.train, "rgba(255,255,255,0.95)", 1);
    if (data.show_test) drawPoints(data.test, "#111", 1.4);
    ctx.restore();
  }

  paint(view, overlayDirty, output) {
    const { ctx, w, h } = sizeCanvas(this.canvas, this.wrap);
    if (overlayDirty || this.overlay.width !== this.canvas.width || this.overlay.height !== this.canvas.height) {
      this.paintOverlay(view, w, h);
    }
    ctx.clearRect(0, 0, w, h);
    const { x, y, side } = HeatPanel.layout(w, h);
    if (this.boundary) {
      this.renderImage(view.data, output);
      const discrete = !!view.data.discretize && output && this.boundary.encoding !== "class-u8";
      ctx.imageSmoothingEnabled = !discrete;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(this.image, x, y, side, side);
    } else {
      ctx.fillStyle = css(overWhite(MID));
      ctx.fillRect(x, y, side, side);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.overlay, 0, 0);
  }
}

const swatch = (color, dashed) =>
  `<span class="pg-swatch${dashed ? " pg-dashed" : ""}" style="background:${color};color:${color}"></span>`;

const TEMPLATE = `
  <div class="pg-head" data-row="a">
    <span class="pg-run-tag" data-r="a-tag" hidden>A</span>
    <span class="pg-run-title" data-r="a-title" hidden></span>
    <div class="pg-epoch-box"><span class="pg-epoch-label" data-l="epoch"></span>
      <span class="pg-epoch" data-testid="pg-epoch">0</span></div>
    <div class="pg-stat">${swatch(TRAIN_COLOR)}<span
      data-l="train_loss"></span> <b data-r="train">\u2013</b></div>
    <div class="pg-stat">${swatch(TEST_COLOR)}<span
      data-l="test_loss"></span> <b data-r="test">\u2013</b></div>
    <div class="pg-stat" data-m="acc" hidden><span data-l="test_accuracy"></span>
      <b data-r="acc" data-testid="pg-accuracy">\u2013</b></div>
    <div class="pg-stat" data-m="r2" hidden><span data-l="test_r2"></span> <b data-r="r2"
      data-testid="pg-r2">\u2013</b></div>
    <div class="pg-stat" data-m="rmse" hidden><span data-l="test_rmse"></span> <b data-r="rmse">\u2013</b></div>
    <div class="pg-stat"><span data-l="learning_rate"></span> <b data-r="lr">\u2013</b></div>
    <span class="pg-status" data-testid="pg-status" data-status="idle"></span>
  </div>
  <div class="pg-head pg-head-b" data-row="b" data-testid="pg-compare-head" hidden>
    <span class="pg-run-tag">B</span>
    <span class="pg-run-title" data-r="b-title"></span>
    <div class="pg-stat"><span data-l="epoch"></span> <b data-r="b-epoch" data-testid="pg-epoch-b">0</b></div>
    <div class="pg-stat">${swatch(TRAIN_COLOR, true)}<span
      data-l="train_loss"></span> <b data-r="b-train">\u2013</b></div>
    <div class="pg-stat">${swatch(TEST_COLOR, true)}<span
      data-l="test_loss"></span> <b data-r="b-test">\u2013</b></div>
    <div class="pg-stat" data-m="b-acc" hidden><span data-l="test_accuracy"></span> <b data-r="b-acc">\u2013</b></div>
    <div class="pg-stat" data-m="b-r2" hidden><span data-l="test_r2"></span> <b data-r="b-r2">\u2013</b></div>
    <div class="pg-stat" data-m="b-rmse" hidden><span data-l="test_rmse"></span> <b data-r="b-rmse">\u2013</b></div>
    <div class="pg-stat"><span data-l="learning_rate"></span> <b data-r="b-lr">\u2013</b></div>
    <span class="pg-status" data-testid="pg-status-b" data-status="idle"></span>
  </div>
  <div class="pg-message" data-testid="pg-message" role="status" hidden></div>
  <div class="pg-body">
    <div class="pg-net-wrap" data-testid="pg-network" data-paints="0" hidden>
      <div class="pg-net-bar">
        <button type="button" data-testid="pg-net-add-layer" hidden>+</button><button type="button"
          data-testid="pg-net-remove-layer" hidden>\u2212</button>
        <span class="pg-net-count"></span>
      </div>
      <div class="pg-net-summary" data-testid="pg-net-summary" hidden></div>
      <div class="pg-net-scroll"><div class="pg-net-stage"></div></div>
      <div class="pg-tooltip pg-net-tip" hidden></div>
    </div>
    <div class="pg-heat-wrap" data-panel="a"><canvas data-testid="pg-boundary"></canvas>
      <div class="pg-heat-caption" data-testid="pg-focus-caption" hidden></div></div>
    <div class="pg-heat-wrap" data-panel="b" hidden><canvas data-testid="pg-boundary-b"></canvas>
      <div class="pg-heat-caption" data-testid="pg-compare-caption"></div></div>
    <div class="pg-loss-wrap"><canvas data-testid="pg-loss"></canvas>
      <div class="pg-tools">
        <div class="pg-seg pg-mode" hidden><button type="button" data-mode="loss"
          data-testid="pg-chart-loss"></button><button type="button" data-mode="metric"
          data-testid="pg-chart-metric"></button></div>
        <div class="pg-seg pg-scale"><button type="button" data-scale="linear"></button><button type="button"
          data-scale="log"></button></div>
      </div>
      <div class="pg-tooltip pg-chart-tip" hidden></div></div>
  </div>`;

class LiveView {
  constructor(parent) {
    this.root = document.createElement("div");
    this.root.className = "pg-live";
    this.root.setAttribute("data-testid", "pg-live");
    this.root.innerHTML = TEMPLATE;
    parent.appendChild(this.root);
    const q = (s) => this.root.querySelector(s);
    this.el = {
      epoch: q('[data-testid="pg-epoch"]'), status: q('[data-testid="pg-status"]'),
      message: q('[data-testid="pg-message"]'), lr: q('[data-r="lr"]'),
      heatWrap: q('.pg-heat-wrap[data-panel="a"]'), heat: q('[data-testid="pg-boundary"]'),
      heatWrapB: q('.pg-heat-wrap[data-panel="b"]'), heatB: q('[data-testid="pg-boundary-b"]'),
      lossWrap: q(".pg-loss-wrap"), loss: q('[data-testid="pg-loss"]'), tooltip: q(".pg-chart-tip"),
      netWrap: q('[data-testid="pg-network"]'), headB: q('[data-testid="pg-compare-head"]'),
      statusB: q('[data-testid="pg-status-b"]'), mode: q(".pg-mode"), scale: q(".pg-scale"),
    };
    this.r = {};
    for (const node of this.root.querySelectorAll("[data-r]")) this.r[node.dataset.r] = node;
    this.m = {};
    for (const node of this.root.querySelectorAll("[data-m]")) this.m[node.dataset.m] = node;
    this.panelA = new HeatPanel(this.el.heatWrap, this.el.heat, q('[data-testid="pg-focus-caption"]'));
    this.panelB = new HeatPanel(this.el.heatWrapB, this.el.heatB, q('[data-testid="pg-compare-caption"]'));
    this.net = new NetworkPanel(this, this.el.netWrap);
    this.frames = 0;
    this.url = null;
    this.generation = 0;
    this.failures = 0;
    this.pokeUntil = 0;
    this.hoverX = null;
    this.logY = null;
    this.chartMode = "loss";
    this.data = null;
    this.labelsJson = null;
    this.labelsKey = 0;
    this.instance = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    this.seq = 0;
    this.outbox = [];
    this.localFocus = null;
    this.pendingFocus = null;
    this.themeKey = "";
    this.resetRun();

    this.onPoke = () => { this.pokeUntil = performance.now() + POKE_MS; this.wake(); };
    document.addEventListener("pointerdown", this.onPoke, true);
    document.addEventListener("keydown", this.onPoke, true);
    this.resizer = new ResizeObserver(() => this.markAll());
    for (const wrap of [this.el.heatWrap, this.el.heatWrapB, this.el.lossWrap, this.el.netWrap]) {
      this.resizer.observe(wrap);
    }
    this.el.loss.addEventListener("pointermove", (e) => {
      const r = this.el.loss.getBoundingClientRect();
      this.hoverX = e.clientX - r.left;
      this.dirty.loss = true;
      this.requestPaint();
    });
    this.el.loss.addEventListener("pointerleave", () => {
      this.hoverX = null;
      this.dirty.loss = true;
      this.requestPaint();
    });
    for (const button of this.root.querySelectorAll("[data-scale]")) {
      button.addEventListener("click", () => {
        this.logY = button.dataset.scale === "log";
        this.dirty.loss = this.dirty.text = true;
        this.requestPaint();
      });
    }
    for (const button of this.root.querySelectorAll("[data-mode]")) {
      button.addEventListener("click", () => {
        this.chartMode = button.dataset.mode;
        this.dirty.loss = this.dirty.text = true;
        this.requestPaint();
      });
    }
    // point editing on the main plane: click adds, shift-click or right-click removes the nearest point
    this.el.heat.addEventListener("click", (e) => this.editPoint(e, e.shiftKey ? "remove" : "add"));
    this.el.heat.addEventListener("contextmenu", (e) => {
      if (!this.data || !this.data.edit_points) return;
      e.preventDefault();
      this.editPoint(e, "remove");
    });
    this.stopped = false;
    this.loop();
  }

  markAll() {
    this.dirty = { heat: true, heatB: true, overlay: true, loss: true, text: true, net: true };
    this.requestPaint();
  }

  // ---- inputs -------------------------------------------------------------------------------------
  update(data) {
    const previous = this.data;
    this.data = data;
    const labelsJson = JSON.stringify(data.labels || {});
    if (labelsJson !== this.labelsJson) { this.labelsJson = labelsJson; this.labelsKey++; }
    this.el.heatWrap.hidden = data.show_boundary === false;  // tables have no plane to draw
    this.el.netWrap.hidden = !data.network;
    this.el.heatWrap.dataset.edit = data.edit_points ? "true" : "false";
    this.el.heat.title = data.edit_points ? this.label("edit_points_hint") : "";
    if (!previous || previous.log_y !== data.log_y) this.logY = !!data.log_y;
    for (const node of this.root.querySelectorAll("[data-l]")) node.textContent = this.label(node.dataset.l);
    for (const node of this.root.querySelectorAll("[data-scale]")) {
      node.textContent = this.label(node.dataset.scale === "log" ? "log_scale" : "linear_scale");
    }
    const acked = data.acked && data.acked[this.instance];
    if (finite(acked)) this.outbox = this.outbox.filter((event) => event.seq > acked);
    if (!this.outbox.length) clearTimeout(this.resendTimer);
    if (!data.compare && this.cmp) { this.cmp = null; this.sinceB = -1; this.panelB.clear(); }
    if (data.frame_url !== this.url) {
      this.url = data.frame_url;
      this.resetRun();
      this.wake();
    }
    this.panelA.lut = this.panelB.lut = null;
    this.markAll();
  }

  /** The worker's message in the page's language: a translated template filled with its arguments. */
  translatedMessage(s) {
    const labels = (this.data && this.data.labels) || {};
    const template = s.message_key ? labels[s.message_key] : undefined;
    if (template === undefined) return s.message || "";
    return fillLabel(template, s.message_args);
  }

  label(key) {
    const labels = (this.data && this.data.labels) || {};
    return labels[key] !== undefined ? labels[key] : key;
  }

  resetRun() {
    this.generation++;
    this.runId = null;
    this.since = -1;
    this.history = newHistory();
    this.panelA.clear();
    this.net.clear();
    this.cmp = null;
    this.sinceB = -1;
    this.panelB.clear();
    this.localFocus = null;
    this.pendingFocus = null;
    this.state = { status: "idle", message: null, epoch: 0, step: 0, learning_rate: null, title: null,
      focus: null };
    this.dirty = { heat: true, heatB: true, overlay: true, loss: true, text: true, net: true };
  }

  // ---- events to Python -----------------------------------------------------------------------------
  // Every event goes out with all the events Python has not acknowledged yet (``data.acked`` holds the last
  // sequence number it handled for this view instance): a trigger lost to a coalesced rerun is re-sent with
  // the next one, and Python skips what it has seen, so each event is handled exactly once.
  emit(kind, value) {
    this.seq++;
    this.outbox.push({ seq: this.seq, kind, value });
    if (this.outbox.length > OUTBOX_MAX) this.outbox.splice(0, this.outbox.length - OUTBOX_MAX);
    this.root.dataset.events = String(this.seq);
    this.resends = 0;
    this.sendOutbox();
  }

  // Sends what Python has not acknowledged, and again every RESEND_MS until it has (a few times at most): a
  // trigger that arrives during a fragment's rerun, or is lost, would otherwise wait for the next click. Python
  // skips events it has handled, so a resend only brings the page up to date.
  sendOutbox() {
    clearTimeout(this.resendTimer);
    if (!this.outbox.length || this.stopped) return;
    const send = this.component && this.component.setTriggerValue;
    if (typeof send !== "function") return;
    try {
      send("events", { instance: this.instance, events: this.outbox.slice() });
    } catch (error) {
      console.warn("live view: could not send an event", error);
    }
    if (this.resends++ < RESEND_TIMES) this.resendTimer = setTimeout(() => this.sendOutbox(), RESEND_MS);
  }

  toggleFocus(c, u) {
    const current = this.shownFocus();
    const next = current && current[0] === c && current[1] === u ? null : [c, u];
    this.pendingFocus = { value: next, until: performance.now() + FOCUS_HOLD_MS };
    this.localFocus = next;
    this.emit("select", next ? { column: c, unit: u } : null);
    this.dirty.net = this.dirty.text = true;
    this.requestPaint();
  }

  /** The neuron outlined in the network: the one just clicked, until the server's frames show it. */
  shownFocus() {
    const p = this.pendingFocus;
    if (p && performance.now() < p.until) return p.value;
    return this.state.focus;
  }

  editPoint(e, action) {
    if (!this.data || !this.data.edit_points || this.el.heatWrap.hidden) return;
    const point = this.panelA.dataAt(e.clientX, e.clientY, this.data);
    if (!point) return;
    const round = (v) => Math.round(v * 1e4) / 1e4;
    this.emit("point", { action, x: round(point.x), y: round(point.y) });
  }

  // ---- polling ------------------------------------------------------------------------------------
  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wakeUp = null; resolve(); }, ms);
      this.wakeUp = () => { clearTimeout(timer); this.wakeUp = null; resolve(); };
    });
  }

  wake() { if (this.wakeUp) this.wakeUp(); }

  frameUrl() {
    let url = `${this.url}?since=${this.since}`;
    if (this.data && this.data.compare) url += `&since_compare=${this.sinceB}`;
    return url;
  }

  async fetchFrame() {
    const generation = this.generation;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    try {
      const response = await fetch(this.frameUrl(), {
        cache: "no-store", credentials: "same-origin", signal: controller.signal,
      });
      if (response.status === 404) return { generation, frame: null };
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return { generation, frame: await response.json() };
    } finally {
      clearTimeout(timer);
    }
  }

  async loop() {
    while (!this.stopped) {
      const started = performance.now();
      let gap = IDLE_GAP_MS;
      if (this.url) {
        try {
          const { generation, frame } = await this.fetchFrame();
          if (this.stopped) return;
          this.fetchMs = ema(this.fetchMs, performance.now() - started);
          if (generation === this.generation) {
            this.failures = 0;
            this.setOffline(false);
            if (frame !== null) {
              const refetch = this.applyFrame(frame);
              const running = frame.status === "running" || (this.cmp && this.cmp.state.status === "running");
              gap = refetch ? 0 : running ? RUNNING_GAP_MS
                : frame.status === "starting" ? STARTING_GAP_MS : IDLE_GAP_MS;
            }
          } else {
            gap = 0;
          }
        } catch (error) {
          if (this.stopped) return;
          this.failures++;
          if (this.failures >= 3) this.setOffline(true);
          gap = Math.min(IDLE_GAP_MS * this.failures, 5000);
        }
        if (this.anyDirty()) this.requestPaint();
      }
      if (performance.now() < this.pokeUntil) gap = Math.min(gap, RUNNING_GAP_MS);
      const wait = gap - (performance.now() - started);
      if (wait > 0) await this.sleep(wait);
      // Never fetch ahead of painting: the paint overlaps the wait, and a hidden tab (no animation frames)
      // stops polling right here.
      if (this.paintPending) await this.paintDone;
    }
  }

  setOffline(offline) {
    if (this.offline !== offline) { this.offline = offline; this.dirty.text = true; }
  }

  // Returns true when the frame belonged to a new run and the full history has to be fetched again.
  applyFrame(f) {
    let refetch = false;
    const dirty = this.dirty;
    if (f.run_id !== this.runId || (finite(f.epoch) && f.epoch < lastEpoch(this.history))) {
      refetch = this.since !== -1;   // this delta started after epochs the new run may have
      this.generation++;
      this.runId = f.run_id;
      this.since = -1;
      this.history = newHistory();
      this.panelA.clear();
      this.net.clear();
      dirty.loss = dirty.heat = dirty.text = dirty.net = true;
    }
    if (!refetch && f.history && Array.isArray(f.history.epoch)) {
      appendHistory(this.history, f.history);
      if (f.history.epoch.length) dirty.loss = dirty.text = true;
      if (this.history.epoch.length) this.since = lastEpoch(this.history);
    }
    const s = this.state;
    for (const key of ["status", "message", "message_key", "epoch", "step", "learning_rate", "title"]) {
      const value = f[key] === undefined ? null : f[key];
      if (s[key] !== value) { s[key] = value; dirty.text = true; }
    }
    s.message_args = f.message_args || {};
    const focus = "focus" in f ? normFocus(f.focus) : this.localFocus;
    if (!sameFocus(focus, s.focus)) { s.focus = focus; dirty.text = dirty.net = dirty.heat = true; }
    const pending = this.pendingFocus;
    if (pending && (sameFocus(pending.value, focus) || performance.now() >= pending.until)) {
      this.pendingFocus = null;
      dirty.net = true;
    }
    const changed = this.panelA.setBoundary(f.boundary);
    if (changed) { dirty.heat = true; if (changed === 2) dirty.overlay = true; }
    if (this.data && this.data.network && f.network && this.net.setNetwork(f.network)) dirty.net = true;
    if (this.applyCompare(this.data && this.data.compare ? f.compare : null)) refetch = true;
    return refetch;
  }

  /** Run B of a comparison, beside the main run A; returns true when B's history must be fetched again. */
  applyCompare(c) {
    const dirty = this.dirty;
    if (!c || typeof c !== "object") {
      if (this.cmp) {
        this.cmp = null;
        this.panelB.clear();
        dirty.loss = dirty.text = dirty.heatB = true;
      }
      this.sinceB = -1;
      return false;
    }
    let refetch = false;
    if (!this.cmp || c.run_id !== this.cmp.runId || (finite(c.epoch) && c.epoch < lastEpoch(this.cmp.history))) {
      refetch = this.sinceB !== -1;
      this.cmp = { runId: c.run_id, history: newHistory(), state: {} };
      this.sinceB = -1;
      this.panelB.clear();
      dirty.loss = dirty.text = dirty.heatB = dirty.overlay = true;
    }
    const cmp = this.cmp;
    if (!refetch && c.history && Array.isArray(c.history.epoch)) {
      appendHistory(cmp.history, c.history);
      if (c.history.epoch.length) dirty.loss = dirty.text = true;
      if (cmp.history.epoch.length) this.sinceB = lastEpoch(cmp.history);
    }
    for (const key of ["status", "epoch", "learning_rate", "title", "message"]) {
      const value = c[key] === undefined ? null : c[key];
      if (cmp.state[key] !== value) { cmp.state[key] = value; dirty.text = true; }
    }
    const changed = this.panelB.setBoundary(c.boundary);
    if (changed) dirty.heatB = true;
    return refetch;
  }

  // ---- painting -----------------------------------------------------------------------------------
  anyDirty() {
    const d = this.dirty;
    return d.heat || d.heatB || d.overlay || d.loss || d.text || d.net;
  }

  requestPaint() {
    if (this.paintPending || this.stopped) return;
    this.paintPending = true;
    this.paintDone = new Promise((resolve) => { this.paintResolve = resolve; });
    requestAnimationFrame(() => {
      this.paintPending = false;
      if (!this.stopped) this.paint();
      this.paintResolve();
    });
  }

  paint() {
    if (!this.data || !this.anyDirty()) return;
    const started = performance.now();
    const style = getComputedStyle(this.root);
    const themeKey = `${style.color}|${style.fontFamily}`;
    if (themeKey !== this.themeKey) {
      this.themeKey = themeKey;
      this.textColor = style.color;
      this.fontFamily = style.fontFamily;
      Object.assign(this.dirty, { overlay: true, heat: true, heatB: true, loss: true });
    }
    const d = this.dirty;
    this.dirty = { heat: false, heatB: false, overlay: false, loss: false, text: false, net: false };
    if (d.text) this.paintText();
    const output = !this.data.network || this.state.focus === null;
    if ((d.heat || d.overlay) && !this.el.heatWrap.hidden) this.panelA.paint(this, d.overlay, output);
    if ((d.heatB || d.overlay) && !this.el.heatWrapB.hidden) this.panelB.paint(this, d.overlay, true);
    if (d.loss) this.paintChart();
    if ((d.net || this.net.anyDirty()) && !this.el.netWrap.hidden) this.net.paint();
    this.frames++;
    this.paintMs = ema(this.paintMs, performance.now() - started);
    const root = this.root.dataset;
    root.frames = String(this.frames);
    root.paintMs = this.paintMs.toFixed(1);
    root.fetchMs = this.fetchMs === undefined ? "" : this.fetchMs.toFixed(1);
  }

  /** The header's read-outs of one run: losses, the test metric, the learning rate. */
  paintStats(hist, s, prefix) {
    const r = this.r, m = this.m;
    r[`${prefix}train`].textContent = formatValue(lastFinite(column(hist, "train_loss")));
    r[`${prefix}test`].textContent = formatValue(lastFinite(column(hist, "test_loss")));
    r[`${prefix}lr`].textContent = finite(s.learning_rate) ? formatValue(s.learning_rate) : "\u2013";
    const regression = this.data.kind === "regression";
    const show = (name, on, text) => {
      if (m[prefix + name].hidden === on) m[prefix + name].hidden = !on;
      if (on) r[prefix + name].textContent = text;
    };
    show("acc", !regression && !!hist.seen.test_accuracy, formatPercent(lastFinite(column(hist, "test_accuracy"))));
    show("r2", regression && !!hist.seen.test_r2, formatValue(lastFinite(column(hist, "test_r2"))));
    show("rmse", regression && !!hist.seen.test_rmse, formatValue(lastFinite(column(hist, "test_rmse"))));
  }

  paintText() {
    const s = this.state, h = this.history, el = this.el, r = this.r, cmp = this.cmp;
    const epoch = finite(s.epoch) ? s.epoch : 0;
    el.epoch.textContent = String(epoch);
    const root = this.root.dataset;
    root.epoch = String(epoch);
    root.status = s.status || "idle";
    root.runId = this.runId || "";
    root.rows = String(h.epoch.length);
    root.chart = this.chartMode === "metric" && this.metricAvailable() ? "metric" : "loss";
    root.focus = s.focus ? s.focus.join(",") : "";
    el.status.dataset.status = s.status || "idle";
    el.status.textContent = this.label(`status_${s.status || "idle"}`);
    this.paintStats(h, s, "");
    // run B, when a comparison is on
    r["a-tag"].hidden = !cmp;
    r["a-title"].hidden = !cmp || !s.title;
    r["a-title"].textContent = s.title || "";
    el.headB.hidden = !cmp;
    el.heatWrapB.hidden = !cmp || this.data.show_boundary === false;
    if (cmp) {
      const b = cmp.state, epochB = finite(b.epoch) ? b.epoch : 0;
      r["b-title"].textContent = b.title || "";
      r["b-title"].title = b.message || b.title || "";
      r["b-epoch"].textContent = String(epochB);
      el.statusB.dataset.status = b.status || "idle";
      el.statusB.textContent = this.label(`status_${b.status || "idle"}`);
      this.paintStats(cmp.history, b, "b-");
      root.compareRunId = cmp.runId || "";
      root.compareEpoch = String(epochB);
      root.compareRows = String(cmp.history.epoch.length);
      this.panelB.caption.textContent = b.title ? `B \u00b7 ${b.title}` : "B";
    } else {
      delete root.compareRunId;
      delete root.compareEpoch;
      delete root.compareRows;
    }
    // what the big map shows: the output, or the neuron picked in the network
    const parts = [];
    if (cmp) parts.push(s.title ? `A \u00b7 ${s.title}` : "A");
    if (this.data.network) parts.push(s.focus ? this.net.nodeTitle(s.focus[0], s.focus[1]) : this.label("output"));
    const caption = parts.join(" \u00b7 ");
    this.panelA.caption.hidden = !caption;
    this.panelA.caption.textContent = caption;
    // the message box: errors in red, anything else (a finished run, a lost connection) in a neutral tone
    const bad = s.status === "error" || s.status === "diverged";
    let text = this.translatedMessage(s) || (bad ? this.label(`status_${s.status}`) : "");
    if (!text && this.offline) text = this.label("connection_lost");
    el.message.hidden = !text;
    el.message.textContent = text;
    el.message.dataset.tone = bad ? "error" : "info";
    el.message.setAttribute("role", bad ? "alert" : "status");
    // the chart's switches
    const metric = this.metricAvailable();
    el.mode.hidden = !metric;
    const showMetric = metric && this.chartMode === "metric";
    for (const node of this.root.querySelectorAll("[data-mode]")) {
      node.textContent = node.dataset.mode === "loss" ? this.label("loss")
        : this.label(this.data.kind === "regression" ? "chart_r2" : "chart_accuracy");
      node.setAttribute("aria-pressed", String((node.dataset.mode === "metric") === showMetric));
    }
    el.scale.hidden = showMetric;  // accuracy and R² are read on a linear axis
    for (const node of this.root.querySelectorAll("[data-scale]")) {
      node.setAttribute("aria-pressed", String((node.dataset.scale === "log") === this.logY));
    }
  }

  pointColor(label) {
    const kind = this.data.kind;
    if (kind === "multiclass") {
      const palette = this.data.palette;
      return css(palette[(label | 0) % palette.length]);
    }
    if (kind === "regression") return css(diverging(clamp(+label, -1, 1)));
    return css(+label > 0.5 ? POS : NEG);
  }

  // ---- the chart: losses, or accuracy / R², of A (solid) and B (dashed) --------------------------------
  metricColumns() {
    return this.data.kind === "regression" ? ["train_r2", "test_r2"] : ["train_accuracy", "test_accuracy"];
  }

  metricAvailable() {
    const [a, b] = this.metricColumns();
    for (const hist of [this.history, this.cmp && this.cmp.history]) {
      if (hist && (hist.seen[a] || hist.seen[b])) return true;
    }
    return false;
  }

  chartSeries(metric) {
    const names = metric ? this.metricColumns() : ["train_loss", "test_loss"];
    const runs = [[this.history, false, "A", this.state.title]];
    if (this.cmp) runs.push([this.cmp.history, true, "B", this.cmp.state.title]);
    const out = [];
    for (const [hist, dashed, tag, title] of runs) {
      out.push({ hist, values: column(hist, names[0]), color: TRAIN_COLOR, dashed, key: names[0], tag, title });
      out.push({ hist, values: column(hist, names[1]), color: TEST_COLOR, dashed, key: names[1], tag, title });
    }
    return out;
  }

  paintChart() {
    const { ctx, w, h } = sizeCanvas(this.el.loss, this.el.lossWrap);
    ctx.clearRect(0, 0, w, h);
    const metric = this.chartMode === "metric" && this.metricAvailable();
    const accuracy = metric && this.data.kind !== "regression";
    const logY = !metric && this.logY;
    const series = this.chartSeries(metric);
    const compare = !!this.cmp;
    const hist = this.history, histB = this.cmp ? this.cmp.history : null;
    const n = hist.epoch.length + (histB ? histB.epoch.length : 0);
    const pad = { l: 54, r: 12, t: 26, b: 30 };
    const pw = Math.max(10, w - pad.l - pad.r), ph = Math.max(10, h - pad.t - pad.b);
    const ok = (v) => finite(v) && (!logY || v > 0);
    let lo = Infinity, hi = -Infinity;
    for (const { values } of series) {
      for (const v of values) if (ok(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    const xmax = Math.max(lastEpoch(hist), lastEpoch(histB), 1), xmin = 0;
    let y0, y1, yTicks;
    if (!(hi >= lo)) { lo = logY ? 0.1 : 0; hi = 1; }
    if (metric) {
      y1 = Math.max(1, hi);
      y0 = accuracy ? Math.max(0, Math.floor((lo - 0.02) * 10) / 10) : Math.max(-1, Math.floor((lo - 0.02) * 10) / 10);
      if (!(y1 > y0)) y0 = y1 - 1;
      yTicks = linearTicks(y0, y1, Math.max(2, Math.round(ph / 45)));
    } else if (logY) {
      const l0 = Math.log10(lo), l1 = Math.log10(hi);
      const padding = Math.max(0.05 * (l1 - l0), 0.05);
      y0 = l0 - padding; y1 = l1 + padding;
      yTicks = logTicks(y0, y1);
    } else {
      y0 = 0; y1 = hi > 0 ? hi * 1.08 : 1;
      if (lo < 0) y0 = lo * 1.08;
      yTicks = linearTicks(y0, y1, Math.max(2, Math.round(ph / 45)));
    }
    const tickText = accuracy ? (v) => `${Number((v * 100).toPrecision(6))}%` : formatTick;
    const X = (v) => pad.l + ((v - xmin) / (xmax - xmin)) * pw;
    const Y = (v) => pad.t + ph - (((logY ? Math.log10(v) : v) - y0) / (y1 - y0)) * ph;
    // grid and axes
    ctx.font = `11px ${this.fontFamily}`;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(128,128,128,0.22)";
    ctx.fillStyle = this.textColor;
    ctx.globalAlpha = 1;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const v of yTicks) {
      const ty = Math.round(Y(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(pad.l, ty); ctx.lineTo(pad.l + pw, ty); ctx.stroke();
      ctx.globalAlpha = 0.7; ctx.fillText(tickText(v), pad.l - 6, ty); ctx.globalAlpha = 1;
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const v of linearTicks(xmin, xmax, Math.max(2, Math.round(pw / 80)), 1)) {
      const tx = Math.round(X(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(tx, pad.t); ctx.lineTo(tx, pad.t + ph); ctx.stroke();
      ctx.globalAlpha = 0.7; ctx.fillText(formatTick(v), tx, pad.t + ph + 6); ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = "rgba(128,128,128,0.55)";
    ctx.beginPath(); ctx.moveTo(pad.l + 0.5, pad.t); ctx.lineTo(pad.l + 0.5, pad.t + ph + 0.5);
    ctx.lineTo(pad.l + pw, pad.t + ph + 0.5); ctx.stroke();
    ctx.globalAlpha = 0.7; ctx.textAlign = "right"; ctx.textBaseline = "alphabetic";
    ctx.fillText(this.label("epoch"), pad.l + pw, h - 2); ctx.globalAlpha = 1;
    // the header above shows the legend of the colours; with a comparison, A (solid) and B (dashed) go here
    ctx.textBaseline = "middle";
    if (compare) this.paintLegend(ctx, pad, w);
    if (!n) {
      ctx.globalAlpha = 0.5; ctx.textAlign = "center";
      ctx.fillText(this.label("no_data"), pad.l + pw / 2, pad.t + ph / 2); ctx.globalAlpha = 1;
      this.el.tooltip.hidden = true;
      return;
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(pad.l, pad.t - 2, pw + 2, ph + 4); ctx.clip();
    ctx.lineJoin = "round";
    for (const line of series) {
      if (!line.hist.epoch.length) continue;
      this.drawSeries(ctx, line.hist.epoch, line.values, X, Y, ok, pw);
      ctx.setLineDash(line.dashed ? [6, 4] : []);
      ctx.strokeStyle = line.color; ctx.lineWidth = 2; ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.restore();
    // hover
    const tip = this.el.tooltip;
    if (this.hoverX === null || this.hoverX < pad.l - 8 || this.hoverX > pad.l + pw + 8) {
      tip.hidden = true;
      return;
    }
    const epochAt = xmin + ((this.hoverX - pad.l) / pw) * (xmax - xmin);
    const reference = hist.epoch.length ? hist : histB;
    const at = reference.epoch[nearestIndex(reference.epoch, epochAt)];
    const hx = X(at);
    ctx.strokeStyle = this.textColor; ctx.globalAlpha = 0.35; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(Math.round(hx) + 0.5, pad.t); ctx.lineTo(Math.round(hx) + 0.5, pad.t + ph);
    ctx.stroke(); ctx.setLineDash([]); ctx.globalAlpha = 1;
    const rows = [];
    for (const line of series) {
      if (!line.hist.epoch.length) continue;
      const i = nearestIndex(line.hist.epoch, at);
      const v = line.values[i];
      if (ok(v)) {
        ctx.beginPath(); ctx.arc(X(line.hist.epoch[i]), Y(v), 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = line.color; ctx.fill();
        ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
      }
      const name = compare ? `${line.tag} \u00b7 ${this.label(line.key)}` : this.label(line.key);
      const off = line.hist.epoch[i] !== at ? ` (${this.label("epoch")} ${line.hist.epoch[i]})` : "";
      rows.push({ color: line.color, dashed: line.dashed, label: name,
        value: (accuracy ? formatPercent(v) : formatValue(v)) + off });
    }
    tip.replaceChildren();
    const head = document.createElement("div");
    const strong = document.createElement("b");
    strong.textContent = `${this.label("epoch")} ${at}`;
    head.appendChild(strong);
    tip.appendChild(head);
    for (const row of rows) {
      const line = document.createElement("div");
      const mark = document.createElement("span");
      mark.className = row.dashed ? "pg-swatch pg-dashed" : "pg-swatch";
      mark.style.background = row.color;
      mark.style.color = row.color;
      line.append(mark, `${row.label}: ${row.value}`);
      tip.appendChild(line);
    }
    tip.hidden = false;
    const tw = tip.offsetWidth;
    const left = hx + 12 + tw > w ? hx - 12 - tw : hx + 12;
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${pad.t + 4}px`;
  }

  paintLegend(ctx, pad, w) {
    const tools = this.root.querySelector(".pg-tools");
    const limit = w - (tools ? tools.offsetWidth : 0) - 10;
    let x = pad.l;
    const y = 10;
    const entries = [["A", this.state.title, false], ["B", this.cmp.state.title, true]];
    ctx.textAlign = "left";
    for (const [tag, title, dashed] of entries) {
      if (x + 30 > limit) break;
      ctx.strokeStyle = this.textColor; ctx.lineWidth = 2; ctx.globalAlpha = 0.8;
      ctx.setLineDash(dashed ? [5, 3] : []);
      ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 18, y); ctx.stroke();
      ctx.setLineDash([]);
      let text = title ? `${tag} \u00b7 ${title}` : tag;
      const room = Math.max(0, limit - (x + 22));
      while (text.length > 1 && ctx.measureText(text).width > room) text = text.slice(0, -2) + "\u2026";
      ctx.fillStyle = this.textColor; ctx.globalAlpha = 0.85;
      ctx.fillText(text, x + 22, y);
      ctx.globalAlpha = 1;
      x += 22 + ctx.measureText(text).width + 16;
    }
  }

  // A path through the finite points; with more points than pixels, one vertical span per pixel column.
  drawSeries(ctx, xs, ys, X, Y, ok, width) {
    ctx.beginPath();
    const n = xs.length;
    let pen = false;
    if (n <= width * 2) {
      for (let i = 0; i < n; i++) {
        if (!ok(ys[i])) { pen = false; continue; }
        const x = X(xs[i]), y = Y(ys[i]);
        if (pen) ctx.lineTo(x, y); else { ctx.moveTo(x, y); pen = true; }
      }
      if (n === 1 && ok(ys[0])) ctx.arc(X(xs[0]), Y(ys[0]), 1.5, 0, 2 * Math.PI);
      return;
    }
    let col = null, first = 0, low = 0, high = 0, last = 0;
    const flush = () => {
      if (col === null) return;
      if (pen) ctx.lineTo(col, first); else { ctx.moveTo(col, first); pen = true; }
      if (high !== low) { ctx.lineTo(col, low); ctx.lineTo(col, high); }
      ctx.lineTo(col, last);
      col = null;
    };
    for (let i = 0; i < n; i++) {
      if (!ok(ys[i])) { flush(); pen = false; continue; }
      const x = Math.round(X(xs[i])), y = Y(ys[i]);
      if (x !== col) { flush(); col = x; first = low = high = last = y; }
      else { if (y < low) low = y; if (y > high) high = y; last = y; }
    }
    flush();
  }

  destroy() {
    this.stopped = true;
    clearTimeout(this.resendTimer);
    this.wake();
    if (this.paintResolve) this.paintResolve();
    this.resizer.disconnect();
    document.removeEventListener("pointerdown", this.onPoke, true);
    document.removeEventListener("keydown", this.onPoke, true);
    this.root.remove();
  }
}

export default function (component) {
  const { data, parentElement } = component;
  let view = VIEWS.get(parentElement);
  if (view && view.version !== VERSION) {
    view.destroy();
    view = undefined;
  }
  if (!view) {
    view = new LiveView(parentElement);
    view.version = VERSION;
    VIEWS.set(parentElement, view);
  }
  view.component = component;  // the latest setTriggerValue
  view.update(data);
  // Streamlit keeps only the latest cleanup and calls it once, when the element unmounts.
  return () => {
    if (VIEWS.get(parentElement) === view) VIEWS.delete(parentElement);
    view.destroy();
  };
}
"""
