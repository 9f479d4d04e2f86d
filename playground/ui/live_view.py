"""The live training view: decision boundary, loss curves and epoch counter, repainted by the browser itself.

Streamlit reruns are far too slow to animate a training run, so this view is an ``st.components.v2``
component (inline JavaScript, no iframe) that pulls compact frames from the route in
``playground.ui.frames`` at its own pace: fetch, draw on the next animation frame, repeat, at most ~30 times
a second while the run is ``running`` and ~2 times a second otherwise (any click or key press on the page
polls fast again for two seconds, so Play/Pause show at once). Only the static data (the points, the
labels, the options) travels through Streamlit; a rerun with unchanged arguments does not touch the mounted
DOM, and changed arguments update it in place, so the view never blanks.

The mounted element is ``[data-testid="pg-live"]``; it carries ``data-frames`` (paints so far),
``data-status``, ``data-epoch``, ``data-run-id``, ``data-rows`` (history rows held) and, for benchmarks,
``data-fetch-ms`` and ``data-paint-ms`` (moving averages of a frame's round trip and of a paint). The
counter is ``[data-testid="pg-epoch"]``, the status badge ``[data-testid="pg-status"]``, the message
box ``[data-testid="pg-message"]``, the canvases ``[data-testid="pg-boundary"]`` and
``[data-testid="pg-loss"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import streamlit as st

from playground.i18n import translator
from playground.ui.frames import FRAME_PATH
from playground.viz.colors import CLASS_PALETTE, hex_to_rgb

_english = translator("en")

Kind = Literal["binary", "multiclass", "regression"]

COMPONENT_NAME = "nn_playground_live_view"

#: The view's own words (counters, legend, statuses): keys of the translation tables in ``assets/i18n``.
LABEL_KEYS: tuple[str, ...] = (
    "epoch",
    "learning_rate",
    "train_loss",
    "test_loss",
    "linear_scale",
    "log_scale",
    "no_data",
    "connection_lost",
    "status_idle",
    "status_starting",
    "status_running",
    "status_paused",
    "status_finished",
    "status_stopped",
    "status_error",
    "status_diverged",
    "msg_diverged",
    "msg_worker_died",
    "msg_worker_error",
    "msg_config_invalid",
)

_CSS = r"""
/* The view paints live data during a rerun too, so Streamlit's fade of stale elements would only mislead. */
[data-testid="stElementContainer"][data-stale="true"]:has(> .stBidiComponent .pg-live) {
  opacity: 1 !important; transition: none !important; }
.pg-live { display: flex; flex-direction: column; gap: 0.6rem; width: 100%;
  font-family: var(--st-font, inherit); color: var(--st-text-color, inherit); }
.pg-live .pg-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.3rem 1.4rem; }
.pg-live .pg-epoch-box { display: flex; align-items: baseline; gap: 0.5rem; }
.pg-live .pg-epoch-label { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em;
  opacity: 0.7; }
.pg-live .pg-epoch { font-size: 1.9rem; font-weight: 600; line-height: 1; font-variant-numeric: tabular-nums;
  min-width: 4ch; }
.pg-live .pg-stat { font-size: 0.85rem; opacity: 0.85; white-space: nowrap; }
.pg-live .pg-stat b { font-weight: 600; font-variant-numeric: tabular-nums; }
.pg-live .pg-swatch { display: inline-block; width: 0.9em; height: 3px; vertical-align: middle;
  margin-right: 0.35em; border-radius: 2px; }
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
.pg-live .pg-loss-wrap { position: relative; flex: 1 1 300px; min-width: 240px; min-height: 240px; }
.pg-live canvas { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
.pg-live .pg-tooltip { position: absolute; z-index: 2; pointer-events: none; white-space: nowrap;
  font-size: 12px;
  line-height: 1.5; padding: 0.25rem 0.5rem; border-radius: 4px;
  background: var(--st-background-color, #fff); color: var(--st-text-color, #31333f);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.15); }
.pg-live .pg-tooltip[hidden] { display: none; }
.pg-live .pg-scale { position: absolute; z-index: 2; top: 0; right: 0; display: flex; }
.pg-live .pg-scale button { font: inherit; font-size: 11px; line-height: 1.4; padding: 0 0.5rem;
  cursor: pointer;
  color: inherit; background: transparent; opacity: 0.6;
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); }
.pg-live .pg-scale button:first-child { border-radius: 4px 0 0 4px; border-right: none; }
.pg-live .pg-scale button:last-child { border-radius: 0 4px 4px 0; }
.pg-live .pg-scale button[aria-pressed="true"] { opacity: 1; font-weight: 600;
  background: var(--st-secondary-background-color, #f0f2f6); }
"""

_JS = r"""
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

const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
const mix = (a, b, t) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const overWhite = (c) => c.map((v) => v * HEAT_ALPHA + 255 * (1 - HEAT_ALPHA));
const css = (c) => `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;
const pack = (c) =>
  ((255 << 24) | (Math.round(c[2]) << 16) | (Math.round(c[1]) << 8) | Math.round(c[0])) >>> 0;
const diverging = (t) => (t < 0 ? mix(MID, NEG, clamp(-t, 0, 1)) : mix(MID, POS, clamp(t, 0, 1)));
const finite = (v) => typeof v === "number" && Number.isFinite(v);
const ema = (average, value) => (average === undefined ? value : average + 0.1 * (value - average));

function decodeBase64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function formatValue(v) {
  if (!finite(v)) return "\u2013";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

function formatTick(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return Number(v.toPrecision(6)).toString();
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

const TEMPLATE = `
  <div class="pg-head">
    <div class="pg-epoch-box"><span class="pg-epoch-label" data-l="epoch"></span>
      <span class="pg-epoch" data-testid="pg-epoch">0</span></div>
    <div class="pg-stat"><span class="pg-swatch" style="background:${TRAIN_COLOR}"></span><span
      data-l="train_loss"></span> <b data-r="train">\u2013</b></div>
    <div class="pg-stat"><span class="pg-swatch" style="background:${TEST_COLOR}"></span><span
      data-l="test_loss"></span> <b data-r="test">\u2013</b></div>
    <div class="pg-stat"><span data-l="learning_rate"></span> <b data-r="lr">\u2013</b></div>
    <span class="pg-status" data-testid="pg-status" data-status="idle"></span>
  </div>
  <div class="pg-message" data-testid="pg-message" role="status" hidden></div>
  <div class="pg-body">
    <div class="pg-heat-wrap"><canvas data-testid="pg-boundary"></canvas></div>
    <div class="pg-loss-wrap"><canvas data-testid="pg-loss"></canvas>
      <div class="pg-scale"><button type="button" data-scale="linear"></button><button type="button"
        data-scale="log"></button></div>
      <div class="pg-tooltip" hidden></div></div>
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
      message: q('[data-testid="pg-message"]'), train: q('[data-r="train"]'), test: q('[data-r="test"]'),
      lr: q('[data-r="lr"]'), heatWrap: q(".pg-heat-wrap"), heat: q('[data-testid="pg-boundary"]'),
      lossWrap: q(".pg-loss-wrap"), loss: q('[data-testid="pg-loss"]'), tooltip: q(".pg-tooltip"),
    };
    this.frames = 0;
    this.url = null;
    this.generation = 0;
    this.failures = 0;
    this.pokeUntil = 0;
    this.hoverX = null;
    this.logY = null;
    this.data = null;
    this.dirty = { heat: true, overlay: true, loss: true, text: true };
    this.heatImage = document.createElement("canvas");
    this.overlay = document.createElement("canvas");
    this.themeKey = "";
    this.resetRun();

    this.onPoke = () => { this.pokeUntil = performance.now() + POKE_MS; this.wake(); };
    document.addEventListener("pointerdown", this.onPoke, true);
    document.addEventListener("keydown", this.onPoke, true);
    this.resizer = new ResizeObserver(() => {
      this.dirty.overlay = this.dirty.heat = this.dirty.loss = true;
      this.requestPaint();
    });
    this.resizer.observe(this.el.heatWrap);
    this.resizer.observe(this.el.lossWrap);
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
    this.stopped = false;
    this.loop();
  }

  // ---- inputs -------------------------------------------------------------------------------------
  update(data) {
    const previous = this.data;
    this.data = data;
    this.el.heatWrap.hidden = data.show_boundary === false;  // tables have no plane to draw
    if (!previous || previous.log_y !== data.log_y) this.logY = !!data.log_y;
    for (const node of this.root.querySelectorAll("[data-l]")) node.textContent = this.label(node.dataset.l);
    for (const node of this.root.querySelectorAll("[data-scale]")) {
      node.textContent = this.label(node.dataset.scale === "log" ? "log_scale" : "linear_scale");
    }
    if (data.frame_url !== this.url) {
      this.url = data.frame_url;
      this.resetRun();
      this.wake();
    }
    this.heatLut = null;
    this.dirty = { heat: true, overlay: true, loss: true, text: true };
    this.requestPaint();
  }

  /** The worker's message in the page's language: a translated template filled with its arguments. */
  translatedMessage(s) {
    const labels = (this.data && this.data.labels) || {};
    const template = s.message_key ? labels[s.message_key] : undefined;
    if (template === undefined) return s.message || "";
    return template.replace(/\{(\w+)\}/g, (whole, name) => {
      const value = (s.message_args || {})[name];
      if (value === undefined || value === null) return whole;
      return typeof value === "number" ? formatValue(value) : String(value);
    });
  }

  label(key) {
    const labels = (this.data && this.data.labels) || {};
    return labels[key] !== undefined ? labels[key] : key;
  }

  resetRun() {
    this.generation++;
    this.runId = null;
    this.since = -1;
    this.history = { epoch: [], train: [], test: [] };
    this.boundary = null;
    this.state = { status: "idle", message: null, epoch: 0, step: 0, learning_rate: null };
    this.dirty = { heat: true, overlay: true, loss: true, text: true };
  }

  // ---- polling ------------------------------------------------------------------------------------
  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wakeUp = null; resolve(); }, ms);
      this.wakeUp = () => { clearTimeout(timer); this.wakeUp = null; resolve(); };
    });
  }

  wake() { if (this.wakeUp) this.wakeUp(); }

  async fetchFrame() {
    const generation = this.generation;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    try {
      const response = await fetch(`${this.url}?since=${this.since}`, {
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
              gap = refetch ? 0 : frame.status === "running" ? RUNNING_GAP_MS
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
    const h = this.history;
    let refetch = false;
    const lastEpoch = h.epoch.length ? h.epoch[h.epoch.length - 1] : -1;
    if (f.run_id !== this.runId || (finite(f.epoch) && f.epoch < lastEpoch)) {
      refetch = this.since !== -1;   // this delta started after epochs the new run may have
      this.generation++;
      this.runId = f.run_id;
      this.since = -1;
      this.history = { epoch: [], train: [], test: [] };
      this.boundary = null;
      this.dirty.loss = this.dirty.heat = this.dirty.text = true;
    }
    if (!refetch && f.history && Array.isArray(f.history.epoch)) {
      const hist = this.history;
      const epochs = f.history.epoch, train = f.history.train_loss || [], test = f.history.test_loss || [];
      let last = hist.epoch.length ? hist.epoch[hist.epoch.length - 1] : -Infinity;
      for (let i = 0; i < epochs.length; i++) {
        if (!(epochs[i] > last)) continue;
        last = epochs[i];
        hist.epoch.push(epochs[i]);
        hist.train.push(finite(train[i]) ? train[i] : null);
        hist.test.push(finite(test[i]) ? test[i] : null);
      }
      if (epochs.length) this.dirty.loss = this.dirty.text = true;
      if (hist.epoch.length) this.since = hist.epoch[hist.epoch.length - 1];
    }
    const s = this.state;
    for (const key of ["status", "message", "message_key", "epoch", "step", "learning_rate"]) {
      const value = f[key] === undefined ? null : f[key];
      if (s[key] !== value) { s[key] = value; this.dirty.text = true; }
    }
    s.message_args = f.message_args || {};
    const b = f.boundary;
    if (b && b.values) {
      const old = this.boundary;
      if (!old || old.raw !== b.values || old.rawConfidence !== b.confidence || old.lo !== b.lo
          || old.hi !== b.hi || old.resolution !== b.resolution || old.extent !== b.extent) {
        this.boundary = {
          raw: b.values, rawConfidence: b.confidence, encoding: b.encoding, resolution: b.resolution,
          extent: b.extent, lo: finite(b.lo) ? b.lo : 0, hi: finite(b.hi) ? b.hi : 1,
          values: decodeBase64(b.values), confidence: b.confidence ? decodeBase64(b.confidence) : null,
        };
        if (!old || old.extent !== b.extent) this.dirty.overlay = true;
        this.dirty.heat = true;
      }
    }
    return refetch;
  }

  // ---- painting -----------------------------------------------------------------------------------
  anyDirty() { const d = this.dirty; return d.heat || d.overlay || d.loss || d.text; }

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
      this.dirty.overlay = this.dirty.heat = this.dirty.loss = true;
    }
    const d = this.dirty;
    this.dirty = { heat: false, overlay: false, loss: false, text: false };
    if (d.text) this.paintText();
    if ((d.heat || d.overlay) && !this.el.heatWrap.hidden) this.paintBoundary(d.overlay);
    if (d.loss) this.paintLoss();
    this.frames++;
    this.paintMs = ema(this.paintMs, performance.now() - started);
    const root = this.root.dataset;
    root.frames = String(this.frames);
    root.paintMs = this.paintMs.toFixed(1);
    root.fetchMs = this.fetchMs === undefined ? "" : this.fetchMs.toFixed(1);
  }

  paintText() {
    const s = this.state, h = this.history, el = this.el;
    const epoch = finite(s.epoch) ? s.epoch : 0;
    el.epoch.textContent = String(epoch);
    this.root.dataset.epoch = String(epoch);
    this.root.dataset.status = s.status || "idle";
    this.root.dataset.runId = this.runId || "";
    this.root.dataset.rows = String(h.epoch.length);
    el.status.dataset.status = s.status || "idle";
    el.status.textContent = this.label(`status_${s.status || "idle"}`);
    const lastFinite = (arr) => {
      for (let i = arr.length - 1; i >= 0; i--) if (finite(arr[i])) return arr[i];
      return null;
    };
    el.train.textContent = formatValue(lastFinite(h.train));
    el.test.textContent = formatValue(lastFinite(h.test));
    el.lr.textContent = finite(s.learning_rate) ? formatValue(s.learning_rate) : "\u2013";
    const bad = s.status === "error" || s.status === "diverged";
    let text = this.translatedMessage(s) || (bad ? this.label(`status_${s.status}`) : "");
    if (!text && this.offline) text = this.label("connection_lost");
    el.message.hidden = !text;
    el.message.textContent = text;
    el.message.dataset.tone = bad ? "error" : "info";
    el.message.setAttribute("role", bad ? "alert" : "status");
    for (const node of this.root.querySelectorAll("[data-scale]")) {
      node.setAttribute("aria-pressed", String((node.dataset.scale === "log") === this.logY));
    }
  }

  heatLookup() {
    const b = this.boundary, data = this.data;
    const key = `${b.encoding}|${b.lo}|${b.hi}|${data.kind}|${data.discretize}|${data.n_classes}`;
    if (this.heatLut && this.heatLutKey === key) return this.heatLut;
    let lut;
    if (b.encoding === "class-u8") {
      const k = Math.max(2, data.n_classes || 2);
      lut = new Uint32Array(256 * 256);
      const palette = data.palette;  // playground.viz.colors, shared with the thumbnails
      for (let c = 0; c < 256; c++) {
        const color = palette[c % palette.length];
        for (let q = 0; q < 256; q++) {
          // confidence as depth of colour, unless discretized: then each region is its class's colour
          const w = data.discretize ? 1 : clamp((q / 255 - 1 / k) / (1 - 1 / k), 0, 1);
          lut[c * 256 + q] = pack(overWhite(mix(MID, color, 0.12 + 0.88 * w)));
        }
      }
    } else {
      lut = new Uint32Array(256);
      for (let q = 0; q < 256; q++) {
        const v = b.lo + (q / 255) * (b.hi - b.lo);
        let t = data.kind === "regression" ? v : 2 * v - 1;
        if (data.discretize) t = t >= 0 ? 1 : -1;
        lut[q] = pack(overWhite(diverging(t)));
      }
    }
    this.heatLut = lut;
    this.heatLutKey = key;
    return lut;
  }

  renderHeatImage() {
    const b = this.boundary, res = b.resolution, img = this.heatImage;
    if (img.width !== res || img.height !== res) { img.width = res; img.height = res; }
    const ctx = img.getContext("2d");
    const image = ctx.createImageData(res, res);
    const out = new Uint32Array(image.data.buffer);
    const lut = this.heatLookup(), values = b.values, conf = b.confidence;
    const n = Math.min(values.length, res * res);
    for (let i = 0; i < n; i++) {
      const row = (i / res) | 0, col = i - row * res;
      const target = (res - 1 - row) * res + col;   // data rows run from y = -extent upwards
      out[target] = conf ? lut[values[i] * 256 + conf[i]] : lut[values[i]];
    }
    ctx.putImageData(image, 0, 0);
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

  boundaryLayout(w, h) {
    const pad = { l: 26, r: 8, t: 6, b: 20 };
    const side = Math.max(10, Math.min(w - pad.l - pad.r, h - pad.t - pad.b));
    return { x: pad.l, y: pad.t, side };
  }

  paintOverlay(w, h) {
    const dpr = window.devicePixelRatio || 1;
    const o = this.overlay;
    if (o.width !== Math.round(w * dpr) || o.height !== Math.round(h * dpr)) {
      o.width = Math.round(w * dpr); o.height = Math.round(h * dpr);
    }
    const ctx = o.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const { x, y, side } = this.boundaryLayout(w, h);
    const extent = (this.boundary && this.boundary.extent) || this.data.extent || 6;
    const px = (v) => x + ((v + extent) / (2 * extent)) * side;
    const py = (v) => y + ((extent - v) / (2 * extent)) * side;
    ctx.strokeStyle = "rgba(128,128,128,0.45)";
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, side - 1, side - 1);
    ctx.fillStyle = this.textColor;
    ctx.strokeStyle = this.textColor;
    ctx.globalAlpha = 0.7;
    ctx.font = `11px ${this.fontFamily}`;
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
        ctx.fillStyle = this.pointColor(labels[i]);
        ctx.fill();
        ctx.stroke();
      }
    };
    ctx.save();
    ctx.beginPath(); ctx.rect(x, y, side, side); ctx.clip();
    drawPoints(this.data.train, "rgba(255,255,255,0.95)", 1);
    if (this.data.show_test) drawPoints(this.data.test, "#111", 1.4);
    ctx.restore();
  }

  paintBoundary(overlayDirty) {
    const { ctx, w, h } = sizeCanvas(this.el.heat, this.el.heatWrap);
    if (overlayDirty || this.overlay.width !== this.el.heat.width) this.paintOverlay(w, h);
    ctx.clearRect(0, 0, w, h);
    const { x, y, side } = this.boundaryLayout(w, h);
    if (this.boundary) {
      this.renderHeatImage();
      ctx.imageSmoothingEnabled = !this.data.discretize || this.data.kind === "multiclass";
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(this.heatImage, x, y, side, side);
    } else {
      ctx.fillStyle = css(overWhite(MID));
      ctx.fillRect(x, y, side, side);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.overlay, 0, 0);
  }

  paintLoss() {
    const { ctx, w, h } = sizeCanvas(this.el.loss, this.el.lossWrap);
    ctx.clearRect(0, 0, w, h);
    const hist = this.history, n = hist.epoch.length, logY = this.logY;
    const pad = { l: 54, r: 12, t: 26, b: 30 };
    const pw = Math.max(10, w - pad.l - pad.r), ph = Math.max(10, h - pad.t - pad.b);
    const ok = (v) => finite(v) && (!logY || v > 0);
    let lo = Infinity, hi = -Infinity;
    for (const series of [hist.train, hist.test]) {
      for (const v of series) if (ok(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    const xmax = n ? Math.max(hist.epoch[n - 1], 1) : 1, xmin = 0;
    let y0, y1, yTicks;
    if (!(hi >= lo)) { lo = logY ? 0.1 : 0; hi = 1; }
    if (logY) {
      let l0 = Math.log10(lo), l1 = Math.log10(hi);
      const padding = Math.max(0.05 * (l1 - l0), 0.05);
      y0 = l0 - padding; y1 = l1 + padding;
      yTicks = logTicks(y0, y1);
    } else {
      y0 = 0; y1 = hi > 0 ? hi * 1.08 : 1;
      if (lo < 0) y0 = lo * 1.08;
      yTicks = linearTicks(y0, y1, Math.max(2, Math.round(ph / 45)));
    }
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
      ctx.globalAlpha = 0.7; ctx.fillText(formatTick(v), pad.l - 6, ty); ctx.globalAlpha = 1;
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
    // the header above shows the legend: a swatch, the name and the latest value of each curve
    ctx.textBaseline = "middle";
    if (!n) {
      ctx.globalAlpha = 0.5; ctx.textAlign = "center";
      ctx.fillText(this.label("no_data"), pad.l + pw / 2, pad.t + ph / 2); ctx.globalAlpha = 1;
      this.el.tooltip.hidden = true;
      return;
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(pad.l, pad.t - 2, pw + 2, ph + 4); ctx.clip();
    ctx.lineJoin = "round";
    for (const [series, color] of [[hist.train, TRAIN_COLOR], [hist.test, TEST_COLOR]]) {
      this.drawSeries(ctx, hist.epoch, series, X, Y, ok, pw);
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.stroke();
    }
    ctx.restore();
    // hover
    const tip = this.el.tooltip;
    if (this.hoverX === null || this.hoverX < pad.l - 8 || this.hoverX > pad.l + pw + 8) {
      tip.hidden = true;
      return;
    }
    const epochAt = xmin + ((this.hoverX - pad.l) / pw) * (xmax - xmin);
    const i = nearestIndex(hist.epoch, epochAt);
    const hx = X(hist.epoch[i]);
    ctx.strokeStyle = this.textColor; ctx.globalAlpha = 0.35; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(Math.round(hx) + 0.5, pad.t); ctx.lineTo(Math.round(hx) + 0.5, pad.t + ph);
    ctx.stroke(); ctx.setLineDash([]); ctx.globalAlpha = 1;
    const rows = [];
    const lines = [[hist.train, TRAIN_COLOR, "train_loss"], [hist.test, TEST_COLOR, "test_loss"]];
    for (const [series, color, key] of lines) {
      const v = series[i];
      if (ok(v)) {
        ctx.beginPath(); ctx.arc(hx, Y(v), 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = color; ctx.fill();
        ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
      }
      rows.push({ color, label: this.label(key), value: formatValue(v) });
    }
    tip.replaceChildren();
    const head = document.createElement("div");
    const strong = document.createElement("b");
    strong.textContent = `${this.label("epoch")} ${hist.epoch[i]}`;
    head.appendChild(strong);
    tip.appendChild(head);
    for (const row of rows) {
      const line = document.createElement("div");
      const swatch = document.createElement("span");
      swatch.className = "pg-swatch";
      swatch.style.background = row.color;
      line.append(swatch, `${row.label}: ${row.value}`);
      tip.appendChild(line);
    }
    tip.hidden = false;
    const tw = tip.offsetWidth;
    const left = hx + 12 + tw > w ? hx - 12 - tw : hx + 12;
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${pad.t + 4}px`;
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
    let column = null, first = 0, low = 0, high = 0, last = 0;
    const flush = () => {
      if (column === null) return;
      if (pen) ctx.lineTo(column, first); else { ctx.moveTo(column, first); pen = true; }
      if (high !== low) { ctx.lineTo(column, low); ctx.lineTo(column, high); }
      ctx.lineTo(column, last);
      column = null;
    };
    for (let i = 0; i < n; i++) {
      if (!ok(ys[i])) { flush(); pen = false; continue; }
      const x = Math.round(X(xs[i])), y = Y(ys[i]);
      if (x !== column) { flush(); column = x; first = low = high = last = y; }
      else { if (y < low) low = y; if (y > high) high = y; last = y; }
    }
    flush();
  }

  destroy() {
    this.stopped = true;
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
  view.update(data);
  // Streamlit keeps only the latest cleanup and calls it once, when the element unmounts.
  return () => {
    if (VIEWS.get(parentElement) === view) VIEWS.delete(parentElement);
    view.destroy();
  };
}
"""

_component = st.components.v2.component(COMPONENT_NAME, css=_CSS, js=_JS, isolate_styles=False)


def _points_payload(points: Sequence[Sequence[float]] | np.ndarray, labels: Sequence[Any] | np.ndarray) -> dict:
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2) if len(points) else np.zeros((0, 2))
    values = np.asarray(labels).reshape(-1)
    if values.dtype.kind == "f":
        label_list: list[Any] = np.round(np.nan_to_num(values), 4).tolist()
    else:
        label_list = values.astype(np.int64).tolist() if values.size else []
    return {
        "x": np.round(array[:, 0], 4).tolist(),
        "y": np.round(array[:, 1], 4).tolist(),
        "label": label_list,
    }


def live_training_view(
    token: str,
    *,
    kind: Kind | str,
    n_classes: int,
    train_points: Sequence[Sequence[float]] | np.ndarray,
    train_labels: Sequence[Any] | np.ndarray,
    test_points: Sequence[Sequence[float]] | np.ndarray,
    test_labels: Sequence[Any] | np.ndarray,
    show_test: bool,
    discretize: bool,
    labels: Mapping[str, str],
    key: str,
    log_y: bool = False,
    extent: float = 6.0,
    show_boundary: bool = True,
) -> None:
    """Mount (or update in place) the live view that paints the run served under ``token``.

    ``token`` names a frame source registered with ``playground.ui.frames.register_frame_source``; the view
    shows an empty plot until one is registered. ``kind`` is ``"binary"``, ``"multiclass"`` or
    ``"regression"``; labels are class ids (0/1 for binary) or regression targets in [-1, 1]. ``labels``
    holds the translated UI strings (keys of ``LABEL_KEYS``; missing keys fall back to English).
    ``log_y`` is the initial scale of the loss axis (the chart has its own linear/log switch). ``extent``
    is the half-width of the plane, used until the first boundary arrives; ``show_boundary=False`` leaves the
    plane out (tables: only the counters and the loss chart). Keep ``key`` stable: the same key
    keeps the same mounted view across reruns.
    """
    data = {
        "frame_url": f"{FRAME_PATH}/{token}",
        "kind": str(kind),
        "n_classes": int(n_classes),
        "extent": float(extent),
        "train": _points_payload(train_points, train_labels),
        "test": _points_payload(test_points, test_labels),
        "show_test": bool(show_test),
        "discretize": bool(discretize),
        "palette": [list(hex_to_rgb(color)) for color in CLASS_PALETTE],  # the thumbnails' colours too
        "log_y": bool(log_y),
        "show_boundary": bool(show_boundary),
        "labels": {**{key: _english(key) for key in LABEL_KEYS}, **{name: str(text) for name, text in labels.items()}},
    }
    _component(key=key, data=data, width="stretch", height="content")


__all__ = ["COMPONENT_NAME", "LABEL_KEYS", "live_training_view"]
