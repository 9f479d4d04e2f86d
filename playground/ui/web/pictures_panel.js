/** A page's live pictures under the training view: grids of enlarged tiles (conv filters, feature maps, an image and
 *  its saliency) and probability bars, repainted with every new set the frames carry (see playground.ui.pictures
 *  for the panels' wire form). A set is sent once; later frames carry its key alone while it stays the same. */

import { ACTIVATION_STOPS, KERNEL_STOPS, SALIENCY_COLOR } from "./colors.js";
import { decodeBase64 } from "./decode.js";
import { clamp } from "./numbers.js";
import { mix } from "./paint.js";

export const GAP_PX = 2;
const BAR_ROW_PX = 18;
const BAR_WIDTH_PX = 280;
const GREYED = 0.55;   // the image under a saliency overlay is darkened this much, so the overlay stands out
const MARK_COLOR = "#0877bd";
const BAR_COLOR = "#9aa5b1";

/** The colour of position ``t`` in [0, 1] along evenly spaced ``stops``. */
export function ramp(stops, t) {
  const position = clamp(t, 0, 1) * (stops.length - 1);
  const lower = Math.min(Math.floor(position), stops.length - 2);
  return mix(stops[lower], stops[lower + 1], position - lower).map(Math.round);
}

const grey = (t) => { const v = Math.round(clamp(t, 0, 1) * 255); return [v, v, v]; };
const PALETTES = { kernel: (t) => ramp(KERNEL_STOPS, t), activation: (t) => ramp(ACTIVATION_STOPS, t), grey };
const LUTS = {};

/** The 256 colours of a palette's bytes, as one Uint8Array of RGB triples (an unknown palette is grey). */
export function paletteLut(name) {
  if (!LUTS[name]) {
    const color = PALETTES[name] || grey;
    const lut = new Uint8Array(256 * 3);
    for (let byte = 0; byte < 256; byte++) lut.set(color(byte / 255), byte * 3);
    LUTS[name] = lut;
  }
  return LUTS[name];
}

/** RGBA pixels of ``count`` maps of ``height`` x ``width`` bytes in rows of ``columns`` tiles, each cell a square
 *  block (about ``tile`` pixels over the map's longer side), white gaps between tiles; ``overlay`` bytes (or null)
 *  blend the saliency colour over a darkened picture. */
export function gridPixels(bytes, count, height, width, lut, tile, columns, overlay = null) {
  const cell = Math.max(1, Math.round(tile / Math.max(height, width, 1)));
  const tileW = width * cell, tileH = height * cell;
  const cols = Math.max(1, Math.min(columns, count)), rows = Math.max(1, Math.ceil(count / cols));
  const w = cols * tileW + (cols - 1) * GAP_PX, h = rows * tileH + (rows - 1) * GAP_PX;
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  const rgb = [0, 0, 0];
  for (let k = 0; k < count; k++) {
    const x0 = (k % cols) * (tileW + GAP_PX), y0 = Math.floor(k / cols) * (tileH + GAP_PX);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const index = (k * height + r) * width + c, at = bytes[index] * 3;
        rgb[0] = lut[at]; rgb[1] = lut[at + 1]; rgb[2] = lut[at + 2];
        if (overlay) {
          const heat = overlay[index] / 255;
          for (let i = 0; i < 3; i++) rgb[i] = rgb[i] * GREYED * (1 - heat) + SALIENCY_COLOR[i] * heat;
        }
        for (let y = y0 + r * cell; y < y0 + (r + 1) * cell; y++) {
          let i = (y * w + x0 + c * cell) * 4;
          for (let x = 0; x < cell; x++, i += 4) { data[i] = rgb[0]; data[i + 1] = rgb[1]; data[i + 2] = rgb[2]; }
        }
      }
    }
  }
  return { width: w, height: h, data };
}

/** The bars of a probability panel: one row per label, the marked one (the prediction) in the accent colour. */
function paintBars(canvas, panel, textColor, fontFamily) {
  const labels = panel.labels || [], values = panel.values || [];
  const dpr = window.devicePixelRatio || 1;
  const w = BAR_WIDTH_PX, h = labels.length * BAR_ROW_PX + 2;
  canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  canvas.style.width = `${w}px`; canvas.style.height = `${h}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = `12px ${fontFamily}`;
  ctx.textBaseline = "middle";
  const labelW = Math.min(110, Math.max(20, ...labels.map((label) => ctx.measureText(label).width)) + 6);
  const barW = w - labelW - 44;
  labels.forEach((label, i) => {
    const y = i * BAR_ROW_PX + 1, middle = y + BAR_ROW_PX / 2, value = clamp(+values[i] || 0, 0, 1);
    ctx.fillStyle = textColor;
    ctx.textAlign = "right";
    ctx.fillText(label, labelW - 6, middle, labelW - 6);
    ctx.fillStyle = i === panel.mark ? MARK_COLOR : BAR_COLOR;
    ctx.fillRect(labelW, y + 3, Math.max(1, value * barW), BAR_ROW_PX - 6);
    ctx.fillStyle = textColor;
    ctx.textAlign = "left";
    ctx.fillText(`${Math.round(value * 100)}%`, labelW + value * barW + 4, middle);
  });
}

/** A panel's place on screen: a heading, its canvas and a caption. */
function pictureBox(kind) {
  const box = document.createElement("figure");
  box.className = `pg-picture pg-picture-${kind}`;
  const heading = document.createElement("div");
  heading.className = "pg-picture-heading";
  const canvas = document.createElement("canvas");
  canvas.setAttribute("data-testid", `pg-picture-${kind}`);
  const caption = document.createElement("figcaption");
  caption.className = "pg-picture-caption";
  box.append(heading, canvas, caption);
  return { kind, box, heading, canvas, caption };
}

export class PicturesPanel {
  constructor(wrap) {
    this.wrap = wrap;
    this.boxes = [];   // on screen, one per panel: { kind, box, heading, canvas, caption }
    this.part = null;  // the frames' pictures: { key, panels }
    this.paints = 0;
  }

  clear() { this.part = null; }

  /** The key of the pictures held, for the next poll's ``have``: the server then sends the key alone. */
  key() { return this.part ? this.part.key : null; }

  /** Takes the frame's ``pictures`` (or nothing); returns whether there is something new to paint. */
  setPictures(pictures) {
    const old = this.part;
    if (!pictures || typeof pictures !== "object") { this.part = null; return old !== null; }
    if (old && pictures.key === old.key) return false;
    if (!Array.isArray(pictures.panels)) return false;  // a key alone that this view does not hold: wait
    this.part = pictures;
    return true;
  }

  /** Paints every panel; ``textColor`` and ``fontFamily`` are the page's. */
  paint(textColor, fontFamily) {
    const panels = this.part ? this.part.panels : [];
    this.wrap.hidden = !panels.length;
    while (this.boxes.length > panels.length) this.boxes.pop().box.remove();
    panels.forEach((panel, i) => {
      let shown = this.boxes[i];
      if (!shown || shown.kind !== panel.kind) {
        const fresh = pictureBox(panel.kind);
        if (shown) shown.box.replaceWith(fresh.box); else this.wrap.append(fresh.box);
        this.boxes[i] = shown = fresh;
      }
      shown.heading.textContent = panel.heading || "";
      shown.heading.hidden = !panel.heading;
      shown.caption.textContent = panel.caption || "";
      shown.caption.hidden = !panel.caption;
      if (panel.kind === "bars") {
        paintBars(shown.canvas, panel, textColor, fontFamily);
        return;
      }
      const pixels = gridPixels(decodeBase64(panel.values), panel.count | 0, panel.height | 0, panel.width | 0,
        paletteLut(panel.palette), panel.tile | 0, panel.columns | 0,
        panel.overlay ? decodeBase64(panel.overlay) : null);
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
