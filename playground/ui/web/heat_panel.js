/** A heatmap of the plane: the boundary (or a neuron's map) with the points over it. */
import { MID } from "./colors.js";
import { decodeBase64 } from "./decode.js";
import { clamp, finite, formatTick, niceStep } from "./numbers.js";
import { css, diverging, drawScale, mix, overWhite, pack, sizeCanvas } from "./paint.js";

export class HeatPanel {
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

  /** The server's key of the boundary held (sent back with ``?have=``: a frame then carries the key alone). */
  key() { return this.boundary ? this.boundary.key : null; }

  /** Takes a wire boundary (the key alone: the one held); returns 0 (unchanged), 1 (new values) or 2 (new values
   * and a new extent). */
  setBoundary(b) {
    if (!b || !b.values) return 0;
    const old = this.boundary;
    const key = typeof b.key === "string" ? b.key : null;
    if (old && old.raw === b.values && old.rawConfidence === b.confidence && old.lo === b.lo
        && old.hi === b.hi && old.resolution === b.resolution && old.extent === b.extent) {
      old.key = key;
      return 0;
    }
    this.boundary = {
      key, raw: b.values, rawConfidence: b.confidence, encoding: b.encoding, resolution: b.resolution | 0,
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
    const scale = drawScale(data).point;
    const radius = clamp(side / 130, 3, 4) * scale;  // 3 px at least: a point a class sees on a small plot
    const drawPoints = (points, outline, width) => {
      if (!points || !points.x) return;
      const xs = points.x, ys = points.y, labels = points.label;
      ctx.lineWidth = width * scale;
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
      // bilinear where the grid is scaled up less than six times (100 x 100 on a plot of up to 600 px): it looks as
      // it does with bicubic ("high"), which took about 1 ms more of each frame in a browser without a GPU; a
      // coarser grid (a big network's 40 x 40 or less while training) shows bilinear's creases, so bicubic there
      ctx.imageSmoothingQuality = side / this.boundary.resolution < 6 ? "low" : "high";
      ctx.drawImage(this.image, x, y, side, side);
    } else {
      ctx.fillStyle = css(overWhite(MID));
      ctx.fillRect(x, y, side, side);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.overlay, 0, 0);
  }
}
