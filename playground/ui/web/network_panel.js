/**
 * The network panel of the live training view (TensorFlow Playground's network picture).
 *
 * Every neuron is drawn as a small heatmap of its output over the data plane (resolution x resolution pixels,
 * scaled up smoothly), the links between consecutive columns on one canvas behind them (colour by sign, width by
 * |w|), a bias marker at each neuron's corner, and, when editable, TF Playground's "+ / -" buttons for layers and
 * neurons. Each neuron is a positioned <div> (clicks, hover, the selected outline); all their maps are painted on
 * one canvas under the divs: one <canvas> per neuron made each a compositor layer, and with 8 x 32 neurons the
 * browser spent 38 ms a frame committing 259 layers (10.7 redraws a second).
 *
 * The DOM is built once per network shape (and panel width); a frame only rewrites the pixels of one atlas of all
 * maps, draws its tiles onto the maps canvas and redraws the links canvas.
 *
 * A wide layer arrives summarised (see playground.ui.frames): a column's `units` is the layer's width and
 * `shown` the neurons the frame carries (its first ones, with the links among them); the panel draws those,
 * heads the column with the real width and says in one line (pg-net-summary) how many it shows. Weights and
 * biases arrive as base64 float32 and are read through one Float32Array each.
 */
import { NEG, POS } from "./colors.js";
import { decodeBase64, decodeFloat32 } from "./decode.js";
import { clamp, fillLabel, finite, formatValue } from "./numbers.js";
import { css, diverging, drawScale, overWhite, pack } from "./paint.js";

// ---- the network panel -------------------------------------------------------------------------------
// Neurons' maps and the boundary share one scale: a byte b means lo + b/255*(hi-lo), coloured around the
// middle of lo..hi, i.e. t = b/127.5 - 1 on the diverging orange-white-blue ramp whatever lo and hi are.
const NODE_LUT = (() => {
  const lut = new Uint32Array(256);
  for (let q = 0; q < 256; q++) lut[q] = pack(overWhite(diverging(q / 127.5 - 1)));
  return lut;
})();
const LINK_SAMPLES = 12;           // segments per link for hover hit-testing
const LINK_BUCKETS = 12;           // widths 0.5 .. 6 px in 0.5 px steps, per sign
/** Above this many links they are drawn straight: a browser without a GPU took about 26 ms a frame to draw the
 * ~7,300 curves of 8 layers of 32 neurons and 16 ms as straight lines (a mesh that dense looks the same). */
const STRAIGHT_LINKS_ABOVE = 1500;
/** The +/- buttons' side: 24 px (WCAG 2.2's minimum target), 44 px where the screen is touched. */
const buttonSide = () => (globalThis.matchMedia?.("(pointer: coarse)").matches ? 44 : 24);
/** The tallest the drawing of the network gets: a deep, wide network shrinks its neurons to fit, so the boundary
 *  and the loss curve under it stay in view (a neuron's map shows large on the boundary when it is clicked). */
const heightBudget = () => {
  // the layout viewport's height, in steps of 20 px: a phone's address bar that shows and hides does not rebuild it
  const tall = globalThis.document?.documentElement?.clientHeight || globalThis.innerHeight || 900;
  return Math.max(220, Math.round((tall * 0.36) / 20) * 20);
};
const MIN_NEURON = 6;
const linkWidth = (w) => clamp(0.5 + Math.abs(w) * 2.5, 0.5, 6);  // a fixed scale, like TF Playground

function makeEl(tag, className, attrs) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

export class NetworkPanel {
  constructor(view, wrap) {
    this.view = view;
    this.wrap = wrap;
    this.bar = wrap.querySelector(".pg-net-bar");
    this.scroll = wrap.querySelector(".pg-net-scroll");
    this.stage = wrap.querySelector(".pg-net-stage");
    this.tooltip = wrap.querySelector(".pg-net-tip");
    this.addLayer = wrap.querySelector('[data-testid="pg-net-add-layer"]');
    this.removeLayer = wrap.querySelector('[data-testid="pg-net-remove-layer"]');
    this.count = wrap.querySelector(".pg-net-count");
    this.summary = wrap.querySelector('[data-testid="pg-net-summary"]');
    this.links = document.createElement("canvas");
    this.links.className = "pg-net-links";
    this.maps = makeEl("canvas", "pg-net-maps", { "data-testid": "pg-net-maps" });  // every neuron's map
    // the maps at their own resolution, one tile under another, each between copies of its first and last row:
    // a tile drawn enlarged with smoothing samples a little beyond its edges, which must not be the next map
    this.atlas = document.createElement("canvas");
    this.atlasImage = null;
    this.atlasPixels = null;
    this.columns = [];            // decoded columns of the latest network
    this.resolution = 0;
    this.shapeKey = "";           // what the DOM was built for
    this.wireKey = null;          // the server's key of the network held (``key``)
    this.builtKey = null;
    this.layout = null;
    this.nodes = [];              // nodes[c][u] = {div, tile, bias, biasColor}: tile = its row of tiles in the atlas
    this.paints = 0;
    this.dirty = { maps: false, links: false };
    this.focusKey = "";
    this.hover = null;

    this.addLayer.addEventListener("click", () => this.editLayer("add_layer"));
    this.removeLayer.addEventListener("click", () => this.editLayer("remove_layer"));
    this.stage.addEventListener("click", (e) => this.onClick(e));
    this.stage.addEventListener("pointermove", (e) => this.onHover(e));
    this.stage.addEventListener("pointerleave", () => this.hideTip());
  }

  clear() {
    this.columns = [];
    this.resolution = 0;
    this.shapeKey = "";
    this.wireKey = null;
    this.dirty.maps = this.dirty.links = true;
  }

  /** The server's key of the network held (sent back with ``?have=``: a frame then carries the key alone). */
  key() { return this.wireKey; }

  /** Takes a frame's ``network`` (the key alone: the one held); returns true when something visible changed. */
  setNetwork(n) {
    if (!n || !Array.isArray(n.columns)) return false;
    const res = n.resolution | 0;
    const old = this.columns;
    const columns = [];
    let mapsChanged = res !== this.resolution || n.columns.length !== old.length;
    let linksChanged = mapsChanged;
    for (let c = 0; c < n.columns.length; c++) {
      const w = n.columns[c] || {}, prev = old[c];
      // ``units`` here: the neurons drawn (the frame's ``shown``); ``total``: the layer's real width
      const total = Math.max(0, w.units | 0);
      const units = finite(w.shown) ? clamp(w.shown | 0, 0, total) : total;
      const col = {
        title: w.title == null ? "" : String(w.title), layer: w.layer, units, total, activation: w.activation,
        names: Array.isArray(w.names) ? w.names : null, raw: w.maps, maps: null,
        lo: finite(w.lo) ? w.lo : 0, hi: finite(w.hi) ? w.hi : 1, weights: null, bias: null,
        paramsKey: `${w.weights}|${w.bias}`,
      };
      if (prev && prev.raw === w.maps && prev.units === units) {
        col.maps = prev.maps;
      } else {
        col.maps = typeof w.maps === "string" ? decodeBase64(w.maps) : null;
        mapsChanged = true;
      }
      if (prev && prev.paramsKey === col.paramsKey && prev.units === units) {
        col.weights = prev.weights;
        col.bias = prev.bias;
      } else {
        // rows of the drawn neurons' incoming links from the drawn neurons before: weights[u][i], as before
        const sources = c > 0 ? columns[c - 1].units : 0;
        const flat = typeof w.weights === "string" ? decodeFloat32(w.weights) : null;
        if (flat && sources > 0 && flat.length === units * sources) {
          col.weights = [];
          for (let u = 0; u < units; u++) col.weights.push(flat.subarray(u * sources, (u + 1) * sources));
        }
        col.bias = typeof w.bias === "string" ? decodeFloat32(w.bias) : null;
        linksChanged = true;
      }
      if (!prev || prev.units !== units || prev.total !== total) mapsChanged = linksChanged = true;
      columns.push(col);
    }
    this.columns = columns;
    this.resolution = res;
    this.extent = finite(n.extent) ? n.extent : 6;
    this.shapeKey = `${res}|` + columns.map((c) => `${c.units}/${c.total}/${c.title}/${(c.names || []).join(",")}`)
      .join("|");
    if (mapsChanged) this.dirty.maps = true;
    if (linksChanged) this.dirty.links = true;
    this.wireKey = typeof n.key === "string" ? n.key : null;  // held only once decoded
    return mapsChanged || linksChanged;
  }

  anyDirty() { return this.dirty.maps || this.dirty.links; }

  /** How much thicker than TF Playground's the links are drawn (presenter mode: twice). */
  lineScale() { return drawScale(this.view.data).line; }

  label(key) { return this.view.label(key); }

  hiddenCount() { return Math.max(0, this.columns.length - 2); }

  isOutput(c) { return c === this.columns.length - 1 && c > 0; }

  /** "neuron 2 of layer 1", "output neuron 3", "x₁": for sentences (tooltips). */
  nodeName(c, u) {
    const col = this.columns[c];
    if (!col) return "";
    if (c === 0) return (col.names && col.names[u] != null) ? String(col.names[u]) : `x${u + 1}`;
    if (this.isOutput(c)) {
      return col.total > 1 ? fillLabel(this.label("net_output_neuron"), { unit: u + 1 }) : this.label("net_output");
    }
    return fillLabel(this.label("net_neuron"), { unit: u + 1, layer: c });
  }

  /** "Neuron 2 of layer 1", "Output": for headings and the big map's caption. */
  nodeTitle(c, u) {
    const col = this.columns[c];
    if (!col) return "";
    if (c === 0) return this.nodeName(c, u);
    if (this.isOutput(c)) {
      return col.total > 1 ? fillLabel(this.label("focus_output_unit"), { unit: u + 1 }) : this.label("output");
    }
    return fillLabel(this.label("focus_neuron"), { unit: u + 1, layer: c });
  }

  // ---- events ------------------------------------------------------------------------------------------
  editable() { return !!(this.view.data && this.view.data.network_editable); }

  editLayer(action) {
    if (!this.editable() || !this.columns.length) return;
    const hidden = this.hiddenCount();
    if (action === "remove_layer" && hidden < 1) return;
    // add_layer: the column the new layer will have (it goes after the last hidden one, before the output);
    // remove_layer: the column of the hidden layer that goes (the last one).
    const column = action === "add_layer" ? this.columns.length - 1 : this.columns.length - 2;
    this.view.emit("network", { action, column });
  }

  editNeuron(action, column) {
    if (!this.editable()) return;
    const col = this.columns[column];
    if (!col || column === 0 || this.isOutput(column)) return;
    if (action === "remove_neuron" && col.total <= 1) return;
    this.view.emit("network", { action, column });
  }

  onClick(e) {
    const button = e.target.closest("button[data-action]");
    if (button) {
      this.editNeuron(button.dataset.action, +button.dataset.column);
      return;
    }
    const node = e.target.closest(".pg-neuron");
    if (!node) return;
    const c = +node.dataset.column, u = +node.dataset.unit;
    if (c === 0) return;  // inputs are not selectable: their maps are fixed
    this.view.toggleFocus(c, u);
  }

  onHover(e) {
    const rect = this.wrap.getBoundingClientRect();
    const px = e.clientX - rect.left, py = e.clientY - rect.top;
    const node = e.target.closest(".pg-neuron");
    if (node) {
      this.hover = { kind: "node", c: +node.dataset.column, u: +node.dataset.unit, px, py };
    } else if (e.target.closest(".pg-net-head")) {
      this.hover = null;
    } else {
      const srect = this.stage.getBoundingClientRect();
      const link = this.hitLink(e.clientX - srect.left, e.clientY - srect.top);
      this.hover = link ? { kind: "link", ...link, px, py } : null;
    }
    this.showTip();
  }

  hideTip() { this.hover = null; this.tooltip.hidden = true; }

  showTip() {
    const h = this.hover, tip = this.tooltip;
    if (!h) { tip.hidden = true; return; }
    const lines = [];
    if (h.kind === "node") {
      const col = this.columns[h.c];
      if (!col) { tip.hidden = true; return; }
      lines.push(["b", this.nodeTitle(h.c, h.u)]);
      if (col.title) lines.push(["", col.title]);
      const b = col.bias && col.bias[h.u];
      if (h.c > 0 && finite(b)) lines.push(["", fillLabel(this.label("net_bias"), { value: formatValue(b) })]);
      if (h.c > 0) lines.push(["i", this.label("net_click_hint")]);
    } else {
      const col = this.columns[h.c];
      const w = col && col.weights && col.weights[h.u] ? col.weights[h.u][h.i] : undefined;
      if (!finite(w)) { tip.hidden = true; return; }
      lines.push(["", fillLabel(this.label("net_weight"), {
        value: formatValue(w), source: this.nodeName(h.c - 1, h.i), target: this.nodeName(h.c, h.u),
      })]);
    }
    tip.replaceChildren();
    for (const [style, text] of lines) {
      const line = document.createElement("div");
      if (style === "b") { const b = document.createElement("b"); b.textContent = text; line.appendChild(b); }
      else line.textContent = text;
      if (style === "i") line.style.opacity = "0.7";
      tip.appendChild(line);
    }
    tip.hidden = false;
    const ww = this.wrap.clientWidth, tw = tip.offsetWidth;
    tip.style.left = `${Math.max(0, h.px + 14 + tw > ww ? h.px - 14 - tw : h.px + 14)}px`;
    tip.style.top = `${Math.max(0, h.py + 14)}px`;
  }

  hitLink(x, y) {
    const L = this.layout;
    if (!L || !L.links.length) return null;
    let best = null, bestD = 5;
    const samples = L.samples, stride = 2 * (LINK_SAMPLES + 1);
    for (let k = 0; k < L.links.length; k++) {
      const [c, u, i] = L.links[k];
      const col = this.columns[c];
      const w = col && col.weights && col.weights[u] ? col.weights[u][i] : undefined;
      if (!finite(w)) continue;
      const limit = Math.max(4, (linkWidth(w) * this.lineScale()) / 2 + 2);
      const base = k * stride;
      // quick reject on the link's bounding box
      const x0 = samples[base], x1 = samples[base + stride - 2];
      if (x < Math.min(x0, x1) - limit || x > Math.max(x0, x1) + limit) continue;
      for (let s = 0; s < LINK_SAMPLES; s++) {
        const ax = samples[base + 2 * s], ay = samples[base + 2 * s + 1];
        const bx = samples[base + 2 * s + 2], by = samples[base + 2 * s + 3];
        const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        const t = len2 > 0 ? clamp(((x - ax) * dx + (y - ay) * dy) / len2, 0, 1) : 0;
        const d = Math.hypot(x - ax - t * dx, y - ay - t * dy);
        if (d < limit && d < bestD) { bestD = d; best = { c, u, i }; }
      }
    }
    return best;
  }

  // ---- layout --------------------------------------------------------------------------------------------
  computeLayout(width, tall = heightBudget()) {
    const cols = this.columns, n = cols.length, editable = this.editable();
    let maxUnits = 1, nameChars = 0;
    for (const col of cols) maxUnits = Math.max(maxUnits, col.units);
    if (cols[0]) for (let u = 0; u < cols[0].units; u++) nameChars = Math.max(nameChars, this.nodeName(0, u).length);
    const left = Math.round(clamp(nameChars * 6.5 + 10, 22, 80)), right = 12;
    const avail = Math.max(50, width - left - right);
    const head = editable ? buttonSide() + 24 : 20;
    const bySpace = clamp(avail / (n + Math.max(0, n - 1) * 0.9), 24, 56);
    const byHeight = Math.floor((tall - head - 4) / (maxUnits * 1.3));  // each neuron and the gap under it
    const size = Math.round(clamp(Math.min(bySpace, byHeight), MIN_NEURON, 56));
    const gap = n > 1 ? Math.round(clamp((avail - n * size) / (n - 1), 16, Math.max(4 * size, 96))) : 0;
    const vgap = Math.max(size < 24 ? 2 : 7, Math.floor(size * 0.3));  // within the 1.3 x size byHeight counts
    const xs = [], ys = [];
    for (let c = 0; c < n; c++) {
      xs.push(left + c * (size + gap));
      const column = [];
      for (let u = 0; u < cols[c].units; u++) column.push(head + u * (size + vgap));
      ys.push(column);
    }
    const stageW = left + n * size + Math.max(0, n - 1) * gap + right;
    const stageH = head + maxUnits * (size + vgap) + 4;
    const links = [];
    const samples = [];
    let count = 0;
    for (let c = 1; c < n; c++) count += cols[c].units * cols[c - 1].units;
    const straight = count > STRAIGHT_LINKS_ABOVE;
    for (let c = 1; c < n; c++) {
      for (let u = 0; u < cols[c].units; u++) {
        for (let i = 0; i < cols[c - 1].units; i++) {
          links.push([c, u, i]);
          const x0 = xs[c - 1] + size, y0 = ys[c - 1][i] + size / 2, x1 = xs[c], y1 = ys[c][u] + size / 2;
          const mx = (x0 + x1) / 2;
          for (let s = 0; s <= LINK_SAMPLES; s++) {
            const t = s / LINK_SAMPLES, m = 1 - t;
            if (straight) samples.push(m * x0 + t * x1, m * y0 + t * y1);
            else {  // cubic Bezier with control points (mx, y0) and (mx, y1)
              samples.push(m * m * m * x0 + 3 * m * m * t * mx + 3 * m * t * t * mx + t * t * t * x1,
                m * m * m * y0 + 3 * m * m * t * y0 + 3 * m * t * t * y1 + t * t * t * y1);
            }
          }
        }
      }
    }
    return {
      size, gap, vgap, head, left, xs, ys, stageW, stageH, links, straight, samples: new Float32Array(samples),
    };
  }

  build(width) {
    const data = this.view.data, editable = this.editable(), tall = heightBudget(), side = buttonSide();
    const key = `${this.shapeKey}|${width}|${tall}|${side}|${editable}|${data.kind}|${JSON.stringify(data.palette)}|`
      + `${this.view.labelsKey}|${this.lineScale()}`;  // a new scale (presenter mode) redraws the links
    if (key === this.builtKey) return false;
    this.builtKey = key;
    this.hideTip();
    const stage = this.stage, cols = this.columns, hidden = this.hiddenCount();
    this.addLayer.hidden = this.removeLayer.hidden = !editable;
    this.removeLayer.disabled = hidden < 1;
    this.addLayer.title = this.label("net_add_layer");
    this.removeLayer.title = this.label("net_remove_layer");
    this.count.textContent = cols.length ? fillLabel(this.label("net_hidden_layers"), { n: hidden }) : "";
    this.paintSummary();
    stage.replaceChildren();
    this.nodes = [];
    this.focusKey = null;
    if (!cols.length) {
      this.layout = null;
      stage.style.width = "auto";
      stage.style.height = "auto";
      const empty = makeEl("div", "pg-net-empty");
      empty.textContent = this.label("no_data");
      stage.appendChild(empty);
      return true;
    }
    const L = this.layout = this.computeLayout(width, tall);
    stage.style.width = `${L.stageW}px`;
    stage.style.height = `${L.stageH}px`;
    for (const canvas of [this.links, this.maps]) {
      canvas.style.width = `${L.stageW}px`;
      canvas.style.height = `${L.stageH}px`;
      stage.appendChild(canvas);
    }
    const res = Math.max(1, this.resolution);
    const tiles = cols.reduce((sum, col) => sum + col.units, 0);
    this.atlas.width = res;
    this.atlas.height = (res + 2) * Math.max(1, tiles);
    this.atlasImage = this.atlas.getContext("2d").createImageData(res, this.atlas.height);
    this.atlasPixels = new Uint32Array(this.atlasImage.data.buffer);
    let tile = 0;
    const multiclass = data.kind === "multiclass";
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c], output = this.isOutput(c);
      // the column head: +/- for the hidden layers, the neuron count or the column's name
      const head = makeEl("div", "pg-net-head");
      head.style.left = `${L.xs[c] - L.gap / 2}px`;
      head.style.width = `${L.size + L.gap}px`;
      if (editable && c > 0 && !output) {
        const pm = makeEl("div", "pg-pm");
        const add = makeEl("button", "", { type: "button", "data-action": "add_neuron", "data-column": String(c),
          "data-testid": `pg-net-add-neuron-${c}`, title: this.label("net_add_neuron") });
        add.textContent = "+";
        const remove = makeEl("button", "", { type: "button", "data-action": "remove_neuron",
          "data-column": String(c), "data-testid": `pg-net-remove-neuron-${c}`,
          title: this.label("net_remove_neuron") });
        remove.textContent = "\u2212";
        remove.disabled = col.total <= 1;
        pm.append(add, remove);
        head.appendChild(pm);
      } else if (editable) {
        head.appendChild(makeEl("div", "pg-pm-spacer"));
        head.lastChild.style.height = `${side}px`;
      }
      const text = document.createElement("span");
      const full = c === 0 ? this.label("net_inputs") : output ? this.label("output")
        : col.total === 1 ? this.label("net_one_neuron")
        : fillLabel(this.label("net_neurons"), { n: col.total.toLocaleString("en-US") });
      // in a narrow column a hidden layer's head shows just its neuron count; the whole text is its tooltip
      text.textContent = c > 0 && !output && L.size + L.gap < 64 ? col.total.toLocaleString("en-US") : full;
      head.title = col.title ? `${full} \u00b7 ${col.title}` : full;
      head.appendChild(text);
      stage.appendChild(head);
      const nodes = [];
      for (let u = 0; u < col.units; u++) {
        const div = makeEl("div", "pg-neuron", { "data-testid": "pg-neuron", "data-column": String(c),
          "data-unit": String(u) });
        div.style.left = `${L.xs[c]}px`;
        div.style.top = `${L.ys[c][u]}px`;
        div.style.width = div.style.height = `${L.size}px`;
        if (multiclass && output && col.total > 1) {
          const p = data.palette[u % data.palette.length];
          div.style.borderColor = css(p);
          div.style.boxShadow = `0 0 0 1.5px ${css(p)}`;
        }
        let bias = null;
        if (c > 0) { bias = makeEl("span", "pg-bias"); div.appendChild(bias); }
        stage.appendChild(div);
        if (c === 0) {
          const name = makeEl("span", "pg-node-name");
          name.textContent = this.nodeName(0, u);
          name.style.left = `${L.xs[0] - 5}px`;
          name.style.top = `${L.ys[0][u] + L.size / 2}px`;
          stage.appendChild(name);
        }
        nodes.push({ div, tile: tile++, bias, biasColor: "" });
      }
      this.nodes.push(nodes);
    }
    this.dirty.maps = this.dirty.links = true;
    return true;
  }

  /** One line under the bar when wide layers arrive summarised: "Showing 32 of up to 4,096 neurons per layer". */
  paintSummary() {
    let shown = 0, total = 0;
    for (const col of this.columns) {
      if (col.units < col.total) { shown = Math.max(shown, col.units); total = Math.max(total, col.total); }
    }
    this.summary.hidden = !total;
    this.summary.textContent = total ? fillLabel(this.label("net_summary"), {
      shown: shown.toLocaleString("en-US"), units: total.toLocaleString("en-US"),
    }) : "";
  }

  // ---- painting ------------------------------------------------------------------------------------------
  paint() {
    const width = Math.max(120, this.scroll.clientWidth);
    this.build(width);
    if (this.dirty.maps) { this.dirty.maps = false; this.paintMaps(); }
    if (this.dirty.links) { this.dirty.links = false; this.paintLinks(); }
    this.paintFocus();
    if (this.hover) this.showTip();
  }

  paintMaps() {
    const res = this.resolution, cells = res * res, L = this.layout, px = this.atlasPixels;
    if (!L || !cells || !px || this.atlas.width !== res) return;
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c], maps = col.maps, nodes = this.nodes[c] || [];
      const flat = !(col.hi > col.lo);
      for (let u = 0; u < nodes.length; u++) {
        const node = nodes[u], top = node.tile * (cells + 2 * res), start = top + res;  // after its top margin
        if (top + cells + 2 * res > px.length) continue;
        const base = u * cells;
        if (!maps || maps.length < base + cells || flat) {
          px.fill(NODE_LUT[128], top, top + cells + 2 * res);
        } else {
          for (let row = 0; row < res; row++) {
            const src = base + row * res, dst = start + (res - 1 - row) * res;  // data rows run from y = -extent up
            for (let x = 0; x < res; x++) px[dst + x] = NODE_LUT[maps[src + x]];
          }
          px.copyWithin(top, start, start + res);  // the margins repeat the edge rows
          px.copyWithin(start + cells, start + cells - res, start + cells);
        }
        if (node.bias) {
          const b = col.bias ? col.bias[u] : undefined;
          const color = !finite(b) ? "rgb(160,160,160)" : css(b >= 0 ? POS : NEG);
          if (color !== node.biasColor) { node.biasColor = color; node.bias.style.background = color; }
        }
      }
    }
    this.atlas.getContext("2d").putImageData(this.atlasImage, 0, 0);
    const dpr = window.devicePixelRatio || 1;
    const bw = Math.round(L.stageW * dpr), bh = Math.round(L.stageH * dpr);
    if (this.maps.width !== bw || this.maps.height !== bh) { this.maps.width = bw; this.maps.height = bh; }
    const ctx = this.maps.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, L.stageW, L.stageH);
    ctx.imageSmoothingEnabled = true;
    ctx.fillStyle = "#fff";
    const size = L.size, inner = Math.max(1, size - 2);  // inside the neuron's 1 px border
    for (let c = 0; c < this.nodes.length; c++) {
      for (let u = 0; u < this.nodes[c].length; u++) {
        const x = L.xs[c], y = L.ys[c][u];
        ctx.fillRect(x, y, size, size);  // under the border, as the neuron's own background was
        ctx.drawImage(this.atlas, 0, this.nodes[c][u].tile * (res + 2) + 1, res, res, x + 1, y + 1, inner, inner);
      }
    }
    this.paints++;
    this.wrap.dataset.paints = String(this.paints);
  }

  paintLinks() {
    const L = this.layout, canvas = this.links;
    if (!L) return;
    const dpr = window.devicePixelRatio || 1;
    const bw = Math.round(L.stageW * dpr), bh = Math.round(L.stageH * dpr);
    if (canvas.width !== bw || canvas.height !== bh) { canvas.width = bw; canvas.height = bh; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, L.stageW, L.stageH);
    // one path per (sign, width) bucket: ~24 strokes instead of one per link
    const buckets = [];
    for (let k = 0; k < L.links.length; k++) {
      const [c, u, i] = L.links[k];
      const col = this.columns[c];
      const w = col && col.weights && col.weights[u] ? col.weights[u][i] : undefined;
      if (!finite(w)) continue;
      const step = clamp(Math.round(linkWidth(w) * 2) - 1, 0, LINK_BUCKETS - 1);
      const b = (w >= 0 ? LINK_BUCKETS : 0) + step;
      (buckets[b] ||= []).push(k);
    }
    ctx.lineCap = "round";
    const size = L.size, lineScale = this.lineScale();
    for (let b = 0; b < buckets.length; b++) {
      const list = buckets[b];
      if (!list) continue;
      const positive = b >= LINK_BUCKETS, step = b % LINK_BUCKETS;
      ctx.beginPath();
      for (const k of list) {
        const [c, u, i] = L.links[k];
        const x0 = L.xs[c - 1] + size, y0 = L.ys[c - 1][i] + size / 2, x1 = L.xs[c], y1 = L.ys[c][u] + size / 2;
        const mx = (x0 + x1) / 2;
        ctx.moveTo(x0, y0);
        if (L.straight) ctx.lineTo(x1, y1);
        else ctx.bezierCurveTo(mx, y0, mx, y1, x1, y1);
      }
      ctx.lineWidth = ((step + 1) / 2) * lineScale;
      ctx.globalAlpha = 0.35 + 0.65 * (step / (LINK_BUCKETS - 1));
      ctx.strokeStyle = css(positive ? POS : NEG);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  paintFocus() {
    const focus = this.view.shownFocus();
    const key = focus ? `${focus[0]},${focus[1]}` : "";
    if (key === this.focusKey) return;
    this.focusKey = key;
    for (let c = 0; c < this.nodes.length; c++) {
      for (let u = 0; u < this.nodes[c].length; u++) {
        const on = !!focus && focus[0] === c && focus[1] === u;
        const div = this.nodes[c][u].div;
        if ((div.dataset.selected === "true") !== on) div.dataset.selected = on ? "true" : "false";
      }
    }
  }
}
