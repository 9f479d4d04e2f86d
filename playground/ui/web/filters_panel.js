/** The conv filters, painted live: each layer's kernels (one input channel) as a grid of enlarged tiles, negative
 *  weights blue, zero white, positive red, on one symmetric scale per layer (see the frames' ``filters``). They are
 *  the layers' weights, so they change with every training step and cost the worker nearly nothing to send. */

import { KERNEL_STOPS } from "./colors.js";
import { decodeFloat32 } from "./decode.js";
import { clamp, finite } from "./numbers.js";
import { mix } from "./paint.js";

export const TILE_PX = 36;     // a kernel's tile, as the filter pictures were drawn before
export const GAP_PX = 2;
export const COLUMNS = 16;

/** The RGB of a weight on the scale [-limit, limit] (as ``paint.diverging`` with the kernels' own colours); a
 *  non-finite weight is the middle (white). */
export function kernelColor(value, limit) {
  const t = finite(value) && limit > 0 ? clamp(value / limit, -1, 1) : 0;
  const [negative, middle, positive] = KERNEL_STOPS;
  return (t < 0 ? mix(middle, negative, -t) : mix(middle, positive, t)).map(Math.round);
}

/** RGBA pixels of a layer's kernels ``values`` [count, height, width] in rows of ``columns`` tiles, each kernel
 *  cell a square block (the tile's size over the kernel's), with white gaps between the tiles. */
export function kernelPixels(values, count, height, width, limit, columns = COLUMNS) {
  const cell = Math.max(1, Math.floor(TILE_PX / Math.max(height, width)));
  const tileW = width * cell, tileH = height * cell;
  const cols = Math.max(1, Math.min(columns, count)), rows = Math.ceil(count / cols);
  const w = cols * tileW + (cols - 1) * GAP_PX, h = rows * tileH + (rows - 1) * GAP_PX;
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  for (let k = 0; k < count; k++) {
    const x0 = (k % cols) * (tileW + GAP_PX), y0 = Math.floor(k / cols) * (tileH + GAP_PX);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const [red, green, blue] = kernelColor(values[(k * height + r) * width + c], limit);
        for (let y = y0 + r * cell; y < y0 + (r + 1) * cell; y++) {
          for (let x = x0 + c * cell; x < x0 + (c + 1) * cell; x++) {
            const i = (y * w + x) * 4;
            data[i] = red; data[i + 1] = green; data[i + 2] = blue;
          }
        }
      }
    }
  }
  return { width: w, height: h, data };
}

export class FiltersPanel {
  constructor(wrap) {
    this.wrap = wrap;
    this.layers = [];  // the grids on screen: { box, heading, canvas, caption } per conv layer
    this.wire = null;
    this.paints = 0;
  }

  clear() { this.wire = null; }

  /** Takes the frame's ``filters`` (or nothing); returns whether there is something new to paint. */
  setFilters(filters) {
    const layers = filters && Array.isArray(filters.layers) ? filters.layers : null;
    const old = this.wire;
    if (!layers) { this.wire = null; return old !== null; }
    if (old && old.length === layers.length
        && old.every((layer, i) => layer.values === layers[i].values && layer.title === layers[i].title)) {
      return false;
    }
    this.wire = layers;
    return true;
  }

  /** Paints every layer's grid; ``label(key)`` and ``fill`` give the translated captions. */
  paint(label, fill) {
    const layers = this.wire;
    this.wrap.hidden = !layers;
    if (!layers) return;
    while (this.layers.length > layers.length) this.layers.pop().box.remove();
    while (this.layers.length < layers.length) {
      const box = document.createElement("div");
      box.className = "pg-filters-layer";
      const heading = document.createElement("div");
      heading.className = "pg-filters-heading";
      const canvas = document.createElement("canvas");
      canvas.setAttribute("data-testid", "pg-filter-grid");
      const caption = document.createElement("div");
      caption.className = "pg-filters-caption";
      box.append(heading, canvas, caption);
      this.wrap.append(box);
      this.layers.push({ box, heading, canvas, caption });
    }
    layers.forEach((layer, i) => {
      const shown = this.layers[i];
      shown.heading.textContent = `${(layer.index | 0) + 1}. ${layer.title}`;
      shown.caption.textContent = fill(label("filters_of"), { n: layer.count, channel: (layer.channel | 0) + 1 });
      const pixels = kernelPixels(decodeFloat32(layer.values), layer.count | 0, layer.height | 0, layer.width | 0,
        +layer.limit);
      const canvas = shown.canvas;
      if (canvas.width !== pixels.width || canvas.height !== pixels.height) {
        canvas.width = pixels.width; canvas.height = pixels.height;
      }
      canvas.getContext("2d").putImageData(new ImageData(pixels.data, pixels.width, pixels.height), 0, 0);
    });
    this.paints++;
    this.wrap.dataset.paints = String(this.paints);
  }
}
