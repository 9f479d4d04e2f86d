/**
 * The live training view: header, message box, the boundary heatmaps, the loss/metric chart and the network
 * panel, fed by frames it asks the server for (see playground/ui/live_view.py for the data it receives and
 * the test ids it carries).
 */
import { NEG, POS, TEST_COLOR, TRAIN_COLOR } from "./colors.js";
import { HeatPanel } from "./heat_panel.js";
import { setAttr, setHidden, setText } from "./dom.js";
import { FrameSocket } from "./frame_socket.js";
import { firstShown, operatesControl, typingIn } from "./keys.js";
import { appendBatches, lastStep, newBatches, progressView } from "./batches.js";
import { appendHistory, column, compareVerdict, lastEpoch, lastFinite, newHistory } from "./history.js";
import { NetworkPanel } from "./network_panel.js";
import { PicturesPanel } from "./pictures_panel.js";
import {
  clamp, ema, fillLabel, finite, formatPercent, formatTick, formatValue, linearTicks, logTicks, nearestIndex,
} from "./numbers.js";
import { css, diverging, drawScale, sizeCanvas } from "./paint.js";

const POKE_GAP_MS = 33;        // after a click or key press, ~30 polls a second (see POKE_MS)
const TRAINING_GAP_MS = 20;    // while training at most 50 polls a second (each waits for a new snapshot; two runs
                               // side by side send up to 80 between them)
const STARTING_GAP_MS = 100;
const IDLE_GAP_MS = 500;       // ~2 a second when nothing moves
const POKE_MS = 2000;          // after a click or key press, poll fast for this long
const FETCH_TIMEOUT_MS = 5000;
const SOCKET_TRIES = 2;        // a frame socket that never opens this many times: HTTP requests for this route
const TICKS_EVERY_MS = 100;    // the read-outs that change on every frame, written ten times a second while training
const TICKS_LATE_MS = 50;      // ... by the next frame's paint, or by a timer this much later when no frame comes
const FOCUS_HOLD_MS = 4000;    // a clicked neuron stays outlined this long while the server catches up
const OUTBOX_MAX = 64;         // events kept until Python acknowledges them
const RESEND_MS = 1500;      // unacknowledged events go out again after this long
const RESEND_TIMES = 4;
const RUN_WAIT_MS = 20000;     // the longest an event waits for the page's script run to end
const RUN_POLL_MS = 50;
const SETTLE_MS = 300;         // a resend waits until the page has been idle this long
const PAUSING_MS = 5000;       // the longest the status says "Pausing…" while the run still trains
const FOCUSABLE = "a, button, input, select, textarea, [role], [tabindex], [contenteditable]";

function normFocus(value) {
  if (Array.isArray(value) && value.length >= 2 && Number.isInteger(value[0]) && Number.isInteger(value[1])) {
    return [value[0], value[1]];
  }
  return null;
}

const sameFocus = (a, b) => (a === null || b === null ? a === b : a[0] === b[0] && a[1] === b[1]);

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
    <div class="pg-stat pg-points-key" data-m="points" data-testid="pg-points-key" hidden><span
      class="pg-dot"></span><span data-l="legend_train_points"></span><span data-m="test-points"
      hidden><span class="pg-dot pg-dot-test"></span><span data-l="legend_test_points"></span></span></div>
    <span class="pg-status" data-testid="pg-status" data-status="idle"></span>
  </div>
  <div class="pg-progress" data-testid="pg-progress" hidden><div class="pg-progress-bar"><span></span></div>
    <span class="pg-progress-text"></span></div>
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
  <div class="pg-verdict" data-testid="pg-verdict" role="status" hidden></div>
  <div class="pg-body">
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
  </div>
  <div class="pg-pictures" data-testid="pg-pictures" data-paints="0" hidden></div>`;

/** Whether Streamlit runs the page's script (a whole run or a fragment's) or has asked for a run, as its app
 *  element says: triggers sent then are merged into that run's request, and a merged trigger can be lost. */
const BUSY_SCRIPT_STATES = new Set(["running", "rerunRequested"]);
const pageScriptBusy = () =>
  BUSY_SCRIPT_STATES.has(document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState);

/** Whether a Streamlit button shows the Pause icon (its Material icon's name is its text; the label is
 * translated, the icon is not). */
export function showsPause(button) {
  const icon = button.querySelector('[data-testid="stIconMaterial"]');
  return !!icon && icon.textContent.trim() === "pause";
}

export class LiveView {
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
      progress: q('[data-testid="pg-progress"]'), progressFill: q(".pg-progress-bar span"),
      progressText: q(".pg-progress-text"), verdict: q('[data-testid="pg-verdict"]'),
    };
    this.r = {};
    for (const node of this.root.querySelectorAll("[data-r]")) this.r[node.dataset.r] = node;
    this.m = {};
    for (const node of this.root.querySelectorAll("[data-m]")) this.m[node.dataset.m] = node;
    this.panelA = new HeatPanel(this.el.heatWrap, this.el.heat, q('[data-testid="pg-focus-caption"]'));
    this.panelB = new HeatPanel(this.el.heatWrapB, this.el.heatB, q('[data-testid="pg-compare-caption"]'));
    this.net = new NetworkPanel(this, this.el.netWrap);
    this.pictures = new PicturesPanel(q('[data-testid="pg-pictures"]'), () => {
      this.dirty.pictures = true;
      this.requestPaint();
    });
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
    this.onClick = (event) => this.pauseIfPauseClicked(event);
    document.addEventListener("click", this.onClick, true);  // before Streamlit's own handler of the button
    this.onSpace = (event) => this.pauseIfSpacePressed(event);
    document.addEventListener("keydown", this.onSpace, true);  // before Streamlit's shortcut prevents its default
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
    this.dirty = { heat: true, heatB: true, overlay: true, loss: true, text: true, net: true, pictures: true };
    this.requestPaint();
  }

  // ---- inputs -------------------------------------------------------------------------------------
  update(data) {
    const previous = this.data;
    this.data = data;
    const labelsJson = JSON.stringify(data.labels || {});
    if (labelsJson !== this.labelsJson) { this.labelsJson = labelsJson; this.labelsKey++; }
    setHidden(this.el.heatWrap, data.show_boundary === false);  // tables have no plane to draw
    // what the plane's dots are: training points ringed white, test points (when shown) ringed dark
    setHidden(this.m.points, data.show_boundary === false || !(data.train && data.train.x && data.train.x.length));
    setHidden(this.m["test-points"], !data.show_test);
    setHidden(this.el.netWrap, !data.network);
    setAttr(this.el.heatWrap, "data-edit", data.edit_points ? "true" : "false");
    setAttr(this.el.heat, "title", data.edit_points ? this.label("edit_points_hint") : "");
    setAttr(this.root, "data-present", data.present ? "true" : "false");
    if (!previous || previous.log_y !== data.log_y) this.logY = !!data.log_y;
    for (const node of this.root.querySelectorAll("[data-l]")) setText(node, this.label(node.dataset.l));
    for (const node of this.root.querySelectorAll("[data-scale]")) {
      setText(node, this.label(node.dataset.scale === "log" ? "log_scale" : "linear_scale"));
    }
    const acked = data.acked && data.acked[this.instance];
    if (finite(acked)) this.outbox = this.outbox.filter((event) => event.seq > acked);
    if (!this.outbox.length) clearTimeout(this.resendTimer);
    if (!data.compare && this.cmp) { this.cmp = null; this.sinceB = -1; this.panelB.clear(); }
    if (data.frame_url !== this.url) {
      this.url = data.frame_url;
      setAttr(this.root, "data-frame-route", this.url || "");
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
    if (this.inFlight) this.inFlight.abort();  // it may wait up to half a second for the old run's next snapshot
    if (this.socket && this.socket.frameUrl !== this.url) {
      this.socket.close();
      this.socket = null;
    }
    this.runId = null;
    this.version = null;          // the server's version of the frame painted last (``frameUrl``)
    this.since = -1;
    this.history = newHistory();
    this.batches = newBatches();
    this.progress = null;
    this.pictures.clear();
    this.panelA.clear();
    this.net.clear();
    this.cmp = null;
    this.sinceB = -1;
    this.panelB.clear();
    this.localFocus = null;
    this.pendingFocus = null;
    this.pausingUntil = 0;
    this.state = { status: "idle", message: null, epoch: 0, step: 0, learning_rate: null, title: null,
      focus: null };
    this.dirty = { heat: true, heatB: true, overlay: true, loss: true, text: true, net: true, pictures: true };
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
  //
  // A send waits until the page's script has been idle for SETTLE_MS (RUN_WAIT_MS at most); a click on an
  // idle page goes out at once. A trigger that arrives during a run restarts it with the browser's widget
  // values, which do not hold yet what the run's callbacks set (the network's +/- buttons move the layer
  // sliders from a callback, so the restarted run put the sliders back), and triggers that reach the server
  // while it has a run queued are merged into it, where one can be lost. The settling time lets the finished
  // run's acknowledgement reach this view first, so that no needless resend queues a run the next click would
  // be merged into. On a server slowed down about 8 times, 3 of 4 sequences of five +/- clicks lost one.
  sendOutbox(idle = 0, waited = 0) {
    clearTimeout(this.resendTimer);
    if (!this.outbox.length || this.stopped) return;
    const ready = this.resends === 0 ? idle > 0 || !pageScriptBusy() : idle >= SETTLE_MS;
    if (!ready && waited < RUN_WAIT_MS) {
      const next = pageScriptBusy() ? 0 : idle + RUN_POLL_MS;
      this.resendTimer = setTimeout(() => this.sendOutbox(next, waited + RUN_POLL_MS), RUN_POLL_MS);
      return;
    }
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

  /** The next frame's address: what the view holds (history and batches up to, the parts by their keys) and,
   * while training, the version it painted: the server answers once there is a newer one (long polling). */
  frameUrl() {
    return `${this.url}?${this.frameQuery()}`;
  }

  frameQuery() {
    let url = `since=${this.since}&since_step=${lastStep(this.batches)}`;
    const compare = !!(this.data && this.data.compare);
    if (compare) url += `&since_compare=${this.sinceB}`;
    const held = [this.pictures.key(), this.panelA.key(), compare ? this.panelB.key() : null];
    if (this.data && this.data.network) held.push(this.net.key());
    const have = held.filter((key) => typeof key === "string" && key);
    if (have.length) url += `&have=${encodeURIComponent(have.join(","))}`;
    if (this.version !== null && this.training()) url += `&after=${encodeURIComponent(this.version)}`;
    return url;
  }

  /** A click on the page's Pause button (``data.play_button``, while it shows Pause and the run trains) pauses the
   * run at once through the frame route, ahead of the click's own script run, which on a busy server waits behind
   * every other session's; the status says "Pausing…" until the worker has paused. The script run still comes
   * and pauses the run again, which changes nothing. */
  pauseIfPauseClicked(event) {
    const selector = this.data && this.data.play_button;
    if (!selector || !(event.target instanceof Element)) return;
    this.pauseIfPausePressed(event.target.closest(selector));
  }

  /** Space is the Play/Pause button's shortcut, which Streamlit applies without a click: the same at once, when
   * nothing has the focus (Space on a focused control is that control's: a focused button's click says what it
   * pressed; the run shortcuts keep a Space from the buttons in a slider, a tab...). */
  pauseIfSpacePressed(event) {
    const selector = this.data && this.data.play_button;
    if (!selector || event.key !== " " || event.repeat || event.ctrlKey || event.metaKey || event.altKey
      || typingIn(event) || operatesControl(event)) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && target !== document.body && target.closest(FOCUSABLE)) return;
    this.pauseIfPausePressed(firstShown([...document.querySelectorAll(selector)]));
  }

  pauseIfPausePressed(button) {
    if (!button || button.disabled || !showsPause(button) || !this.training() || !this.url) return;
    if (this.pausing()) return;  // sent already
    this.pausingUntil = performance.now() + PAUSING_MS;
    this.paintText(false);  // at once, within the press: a paused frame may come before the next paint
    const plays = Number.isInteger(this.state.plays) ? `?plays=${this.state.plays}` : "";
    fetch(`${this.url}/pause${plays}`, { method: "POST", cache: "no-store", credentials: "same-origin",
      keepalive: true }).catch(() => {});  // the press's own script run pauses the run anyway
  }

  /** Pause was clicked, and the run still trains (for at most ``PAUSING_MS``). */
  pausing() {
    return this.state.status === "running" && this.pausingUntil > performance.now();
  }

  /** A run (A, or B beside it) trains: frames change by themselves. */
  training() {
    return this.state.status === "running" || !!(this.cmp && this.cmp.state.status === "running");
  }

  async fetchFrame() {
    const generation = this.generation;
    const controller = this.inFlight = new AbortController();  // a new run aborts it (``resetRun``)
    const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    try {
      const query = this.frameQuery();
      const answer = await (this.socketUsable() ? this.askSocket(query, controller.signal)
        : this.askHttp(query, controller.signal));
      if (answer.code === 404) return { generation, frame: null };
      if (answer.code !== 200) throw new Error(`HTTP ${answer.code}`);
      return { generation, frame: answer.body };
    } finally {
      clearTimeout(timer);
      if (this.inFlight === controller) this.inFlight = null;
    }
  }

  /** Frames come over the route's WebSocket unless it never opened ``SOCKET_TRIES`` times for this route. */
  socketUsable() {
    if (typeof WebSocket !== "function") return false;
    if (!this.socket) this.socket = Object.assign(new FrameSocket(this.url), { frameUrl: this.url, misses: 0 });
    return this.socket.misses < SOCKET_TRIES;
  }

  async askSocket(query, signal) {
    const socket = this.socket, close = () => socket.close();
    signal.addEventListener("abort", close);
    try {
      return await socket.request(query);
    } catch (error) {
      if (signal.aborted || socket.opened) throw error;
      socket.misses++;  // it never opened (a proxy without WebSockets?): this request goes over HTTP
      return this.askHttp(query, signal);
    } finally {
      signal.removeEventListener("abort", close);
    }
  }

  async askHttp(query, signal) {
    const response = await fetch(`${this.url}?${query}`, { cache: "no-store", credentials: "same-origin", signal });
    return { code: response.status, body: response.ok ? await response.json() : null };
  }

  async loop() {
    while (!this.stopped) {
      const started = performance.now(), asked = this.generation;
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
              if (refetch) this.version = null;  // the run's whole history, now: no waiting for a newer frame
              // training: ask again soon, the server answers when the next snapshot is there (a frame without a
              // version cannot be waited for: polls every POKE_GAP_MS)
              const training = this.version !== null ? TRAINING_GAP_MS : POKE_GAP_MS;
              gap = refetch ? 0 : this.training() ? training
                : frame.status === "starting" ? STARTING_GAP_MS : IDLE_GAP_MS;
            }
          } else {
            gap = 0;
          }
        } catch (error) {
          if (this.stopped) return;
          if (asked !== this.generation) continue;  // aborted for a new run: ask for its frame at once
          this.failures++;
          if (this.failures >= 3) this.setOffline(true);
          gap = Math.min(IDLE_GAP_MS * this.failures, 5000);
        }
        if (this.anyDirty()) this.requestPaint();
      }
      if (performance.now() < this.pokeUntil) gap = Math.min(gap, POKE_GAP_MS);
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
      this.batches = newBatches();
      this.progress = null;
      this.panelA.clear();
      this.net.clear();
      dirty.loss = dirty.heat = dirty.text = dirty.net = true;
    }
    if (!refetch && f.history && Array.isArray(f.history.epoch)) {
      appendHistory(this.history, f.history);
      if (f.history.epoch.length) dirty.loss = dirty.text = true;
      if (this.history.epoch.length) this.since = lastEpoch(this.history);
    }
    if (!refetch && appendBatches(this.batches, f.batches)) dirty.loss = dirty.text = true;
    this.version = typeof f.version === "string" ? f.version : null;
    if (this.pictures.setPictures(f.pictures)) dirty.pictures = true;
    const progress = f.progress || null;
    if (JSON.stringify(progress) !== JSON.stringify(this.progress)) { this.progress = progress; dirty.text = true; }
    const s = this.state;
    for (const key of ["status", "message", "message_key", "epoch", "step", "learning_rate", "title", "plays"]) {
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
    return d.heat || d.heatB || d.overlay || d.loss || d.text || d.net || d.pictures;
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
      Object.assign(this.dirty, { overlay: true, heat: true, heatB: true, loss: true, pictures: true });
    }
    const d = this.dirty;
    this.dirty = { heat: false, heatB: false, overlay: false, loss: false, text: false, net: false, pictures: false };
    if (d.text) this.paintText(this.ticksDue());
    const output = !this.data.network || this.state.focus === null;
    if ((d.heat || d.overlay) && !this.el.heatWrap.hidden) this.panelA.paint(this, d.overlay, output);
    if ((d.heatB || d.overlay) && !this.el.heatWrapB.hidden) this.panelB.paint(this, d.overlay, true);
    if (d.loss) this.paintChart();
    if ((d.net || this.net.anyDirty()) && !this.el.netWrap.hidden) this.net.paint();
    if (d.pictures) this.pictures.paint(this.textColor, this.fontFamily);
    this.frames++;
    this.paintMs = ema(this.paintMs, performance.now() - started);
    const root = this.root.dataset;
    root.frames = String(this.frames);
    root.paintMs = this.paintMs.toFixed(1);
    root.fetchMs = this.fetchMs === undefined ? "" : this.fetchMs.toFixed(1);
  }

  /** The header's read-outs of one run that change as it trains: losses, the test metric. */
  paintStats(hist, prefix) {
    const r = this.r, m = this.m;
    setText(r[`${prefix}train`], formatValue(lastFinite(column(hist, "train_loss"))));
    setText(r[`${prefix}test`], formatValue(lastFinite(column(hist, "test_loss"))));
    const regression = this.data.kind === "regression";
    const show = (name, on, text) => {
      setHidden(m[prefix + name], !on);
      if (on) setText(r[prefix + name], text);
    };
    show("acc", !regression && !!hist.seen.test_accuracy, formatPercent(lastFinite(column(hist, "test_accuracy"))));
    show("r2", regression && !!hist.seen.test_r2, formatValue(lastFinite(column(hist, "test_r2"))));
    show("rmse", regression && !!hist.seen.test_rmse, formatValue(lastFinite(column(hist, "test_rmse"))));
  }

  /** Whether the read-outs that change on every frame while training (the epoch, the losses, the progress bar) are
   * written in this paint: ten times a second while training, which is as fast as anyone reads a number; each write
   * makes the browser lay out and paint the page again. A timer writes the last values when no frame follows; a new
   * run (A's or B's) has its read-outs written at once, with its id. */
  ticksDue() {
    const now = performance.now(), runs = `${this.runId}|${this.cmp ? this.cmp.runId : ""}`;
    if (!this.training() || !(now < this.ticksAt) || runs !== this.tickedRuns) {
      this.ticksAt = now + TICKS_EVERY_MS;
      this.tickedRuns = runs;
      clearTimeout(this.ticksTimer);
      this.ticksTimer = null;
      return true;
    }
    if (!this.ticksTimer) {
      this.ticksTimer = setTimeout(() => {
        this.ticksTimer = null;
        this.dirty.text = true;
        this.requestPaint();
      }, this.ticksAt - now + TICKS_LATE_MS);
    }
    return false;
  }

  /** The read-outs, the status and the switches; each node is written only when what it shows changes, and the
   * ticking ones (see ``ticksDue``) only when ``ticking``. */
  paintText(ticking) {
    const s = this.state, h = this.history, el = this.el, r = this.r, cmp = this.cmp, root = this.root;
    setAttr(root, "data-status", s.status || "idle");
    setAttr(root, "data-run-id", this.runId || "");
    if (ticking) {
      const epoch = finite(s.epoch) ? s.epoch : 0;
      setText(el.epoch, String(epoch));
      setAttr(root, "data-epoch", String(epoch));
      setAttr(root, "data-rows", String(h.epoch.length));
      setAttr(root, "data-batch-points", String(this.batches.step.length));
      setAttr(root, "data-batch-step", String(lastStep(this.batches)));
      this.paintStats(h, "");
    }
    setText(r.lr, finite(s.learning_rate) ? formatValue(s.learning_rate) : "\u2013");  // a student's change: at once
    const progress = s.status === "running" ? progressView(this.progress, (key) => this.label(key), fillLabel) : null;
    setHidden(el.progress, !progress);
    if (progress && ticking) {
      const width = `${(progress.fraction * 100).toFixed(1)}%`;  // the browser reads "12.0%" back as "12%"
      if (this.progressWidth !== width) { this.progressWidth = width; el.progressFill.style.width = width; }
      setText(el.progressText, progress.text);
    }
    setAttr(root, "data-chart", this.chartMode === "metric" && this.metricAvailable() ? "metric" : "loss");
    setAttr(root, "data-focus", s.focus ? s.focus.join(",") : "");
    const pausing = this.pausing();
    if (!pausing) this.pausingUntil = 0;
    setAttr(root, "data-pausing", pausing ? "true" : "false");
    setAttr(el.status, "data-status", s.status || "idle");
    setText(el.status, this.label(`status_${pausing ? "pausing" : s.status || "idle"}`));
    // run B, when a comparison is on
    setHidden(r["a-tag"], !cmp);
    setHidden(r["a-title"], !cmp || !s.title);
    setText(r["a-title"], s.title || "");
    setHidden(el.headB, !cmp);
    setHidden(el.heatWrapB, !cmp || this.data.show_boundary === false);
    const b = cmp ? cmp.state : null, epochB = b && finite(b.epoch) ? b.epoch : 0;
    if (cmp) {
      setText(r["b-title"], b.title || "");
      setAttr(r["b-title"], "title", b.message || b.title || "");
      setAttr(el.statusB, "data-status", b.status || "idle");
      setText(el.statusB, this.label(`status_${b.status || "idle"}`));
      if (ticking) {
        setText(r["b-epoch"], String(epochB));
        this.paintStats(cmp.history, "b-");
      }
      setText(r["b-lr"], finite(b.learning_rate) ? formatValue(b.learning_rate) : "\u2013");
      setText(this.panelB.caption, b.title ? `B \u00b7 ${b.title}` : "B");
    }
    // who is ahead, and by how much (the race's verdict; the 2D page's comparison)
    const verdict = cmp ? compareVerdict(h, s.title || "A", cmp.history, b.title || "B") : null;
    setHidden(el.verdict, !verdict);
    if (verdict) setText(el.verdict, fillLabel(this.label(verdict.key), verdict.args));
    setAttr(root, "data-compare-run-id", cmp ? cmp.runId || "" : null);
    if (ticking || !cmp) {
      setAttr(root, "data-compare-epoch", cmp ? String(epochB) : null);
      setAttr(root, "data-compare-rows", cmp ? String(cmp.history.epoch.length) : null);
    }
    // what the big map shows: the output, or the neuron picked in the network
    const parts = [];
    if (cmp) parts.push(s.title ? `A \u00b7 ${s.title}` : "A");
    if (this.data.network) parts.push(s.focus ? this.net.nodeTitle(s.focus[0], s.focus[1]) : this.label("output"));
    const caption = parts.join(" \u00b7 ");
    setHidden(this.panelA.caption, !caption);
    setText(this.panelA.caption, caption);
    // the message box: errors in red, anything else (a finished run, a lost connection) in a neutral tone
    const bad = s.status === "error" || s.status === "diverged";
    let text = this.translatedMessage(s) || (bad ? this.label(`status_${s.status}`) : "");
    if (!text && this.offline) text = this.label("connection_lost");
    setHidden(el.message, !text);
    setText(el.message, text);
    setAttr(el.message, "data-tone", bad ? "error" : "info");
    setAttr(el.message, "role", bad ? "alert" : "status");
    // the chart's switches
    const metric = this.metricAvailable();
    setHidden(el.mode, !metric);
    const showMetric = metric && this.chartMode === "metric";
    for (const node of this.root.querySelectorAll("[data-mode]")) {
      setText(node, node.dataset.mode === "loss" ? this.label("loss")
        : this.label(this.data.kind === "regression" ? "chart_r2" : "chart_accuracy"));
      setAttr(node, "aria-pressed", String((node.dataset.mode === "metric") === showMetric));
    }
    setHidden(el.scale, showMetric);  // accuracy and R² are read on a linear axis
    for (const node of this.root.querySelectorAll("[data-scale]")) {
      setAttr(node, "aria-pressed", String((node.dataset.scale === "log") === this.logY));
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
    const scale = drawScale(this.data);
    const compare = !!this.cmp;
    const hist = this.history, histB = this.cmp ? this.cmp.history : null;
    // the per-batch line: the loss, or the accuracy (R² has none: a batch's R² says little)
    const batches = this.batches;
    const batchValues = !metric ? batches.loss : accuracy ? batches.accuracy : null;
    const batchLine = batchValues && batchValues.some((v) => v !== null) ? batchValues : null;
    const n = hist.epoch.length + (histB ? histB.epoch.length : 0) + (batchLine ? batchLine.length : 0);
    // the legend (A and B) or the per-batch line's label goes at the top left, beside the tools at the top right;
    // on a narrow chart, under them
    const tools = this.root.querySelector(".pg-tools");
    const toolsW = tools ? tools.offsetWidth : 0, toolsH = tools ? tools.offsetHeight : 0;
    const beside = !(compare || batchLine) || w - toolsW - 10 - 54 >= 140;  // under them only a label moves down
    const labelY = beside ? 10 : toolsH + 10, labelLimit = beside ? w - toolsW - 10 : w - 10;
    const pad = { l: 54, r: 12, t: labelY + 16, b: 30 };
    const pw = Math.max(10, w - pad.l - pad.r), ph = Math.max(10, h - pad.t - pad.b);
    const ok = (v) => finite(v) && (!logY || v > 0);
    let lo = Infinity, hi = -Infinity;
    for (const values of [...series.map((line) => line.values), batchLine || []]) {
      for (const v of values) if (ok(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    const lastBatchX = batchLine ? batches.x[batches.x.length - 1] : 0;
    const xmax = Math.max(lastEpoch(hist), lastEpoch(histB), lastBatchX, 1), xmin = 0;
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
    if (compare) this.paintLegend(ctx, pad, labelY, labelLimit);
    else if (batchLine) {
      ctx.textAlign = "left"; ctx.globalAlpha = 0.6;
      ctx.fillText(this.label("batch_line"), pad.l, labelY); ctx.globalAlpha = 1;
    }
    if (!n) {
      ctx.globalAlpha = 0.5; ctx.textAlign = "center";
      ctx.fillText(this.label("no_data"), pad.l + pw / 2, pad.t + ph / 2); ctx.globalAlpha = 1;
      this.el.tooltip.hidden = true;
      return;
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(pad.l, pad.t - 2, pw + 2, ph + 4); ctx.clip();
    ctx.lineJoin = "round";
    if (batchLine) {  // under the epochs' lines, thin and faint
      this.drawSeries(ctx, batches.x, batchLine, X, Y, ok, pw, scale.point);
      ctx.setLineDash([]);
      ctx.strokeStyle = TRAIN_COLOR; ctx.lineWidth = scale.line; ctx.globalAlpha = 0.55; ctx.stroke();
      ctx.globalAlpha = 1;
    }
    for (const line of series) {
      if (!line.hist.epoch.length) continue;
      this.drawSeries(ctx, line.hist.epoch, line.values, X, Y, ok, pw, scale.point);
      ctx.setLineDash(line.dashed ? [6 * scale.line, 4 * scale.line] : []);
      ctx.strokeStyle = line.color; ctx.lineWidth = 2 * scale.line; ctx.stroke();
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
        ctx.beginPath(); ctx.arc(X(line.hist.epoch[i]), Y(v), 3.5 * scale.point, 0, 2 * Math.PI);
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

  /** "A · <title>" solid and "B · <title>" dashed, from the plot's left edge at height ``y``, up to ``limit``. */
  paintLegend(ctx, pad, y, limit) {
    let x = pad.l;
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

  // A path through the finite points; with more points than pixels, one vertical span per pixel column. A lone
  // point is a dot of radius 1.5 times `pointScale`.
  drawSeries(ctx, xs, ys, X, Y, ok, width, pointScale = 1) {
    ctx.beginPath();
    const n = xs.length;
    let pen = false;
    if (n <= width * 2) {
      for (let i = 0; i < n; i++) {
        if (!ok(ys[i])) { pen = false; continue; }
        const x = X(xs[i]), y = Y(ys[i]);
        if (pen) ctx.lineTo(x, y); else { ctx.moveTo(x, y); pen = true; }
      }
      if (n === 1 && ok(ys[0])) ctx.arc(X(xs[0]), Y(ys[0]), 1.5 * pointScale, 0, 2 * Math.PI);
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
    clearTimeout(this.ticksTimer);
    if (this.inFlight) this.inFlight.abort();  // before the socket closes: no fall-back request after the view
    if (this.socket) this.socket.close();
    this.wake();
    if (this.paintResolve) this.paintResolve();
    this.resizer.disconnect();
    this.pictures.disconnect();
    document.removeEventListener("pointerdown", this.onPoke, true);
    document.removeEventListener("keydown", this.onPoke, true);
    document.removeEventListener("click", this.onClick, true);
    document.removeEventListener("keydown", this.onSpace, true);
    this.root.remove();
  }
}
