/** A page's live pictures under the training view: grids of enlarged tiles (conv filters, feature maps, an image and
 *  its saliency, hidden states and gates) and small charts (chart_panels.js), repainted with every new set the
 *  frames carry (see playground.ui.pictures for the panels' wire form). A set is sent once; later frames carry its
 *  key alone while it stays the same; of a new set, only the panels that changed are painted again. */

import {
  ACTIVATION_STOPS, KERNEL_STOPS, MARKER_COLOR, SALIENCY_COLOR, SIGNED_STOPS, VIRIDIS_STOPS,
} from "./colors.js";
import { CHART_PAINTERS } from "./chart_panels.js";
import { decodeBase64 } from "./decode.js";
import { setAttr, setHidden, setText } from "./dom.js";
import { clamp } from "./numbers.js";
import { mix } from "./paint.js";

export const GAP_PX = 2;
const TILE_FRAME = [203, 213, 225];  // a 1 px frame around each of several tiles: white-ish kernels stay apart
const GREYED = 0.55;   // the image under a saliency overlay is darkened this much, so the overlay stands out

/** The colour of position ``t`` in [0, 1] along evenly spaced ``stops``. */
export function ramp(stops, t) {
  const position = clamp(t, 0, 1) * (stops.length - 1);
  const lower = Math.min(Math.floor(position), stops.length - 2);
  return mix(stops[lower], stops[lower + 1], position - lower).map(Math.round);
}

const grey = (t) => { const v = Math.round(clamp(t, 0, 1) * 255); return [v, v, v]; };
const PALETTES = {
  kernel: (t) => ramp(KERNEL_STOPS, t), activation: (t) => ramp(ACTIVATION_STOPS, t), grey,
  signed: (t) => ramp(SIGNED_STOPS, t), gate: (t) => ramp(VIRIDIS_STOPS, t),
};
const STEP_FONT_PX = 11;
const STEP_ROW_PX = 15;   // the row under a map that names its columns
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

/** The cell's width and height in pixels: square, about ``tile`` over the map's longer side; or, for a tile given
 *  as [width, height], stretched to about that size. */
export function cellSize(tile, height, width) {
  if (Array.isArray(tile)) {
    return [Math.max(1, Math.round(tile[0] / Math.max(width, 1))), Math.max(1, Math.round(tile[1] / Math.max(height, 1)))];
  }
  const cell = Math.max(1, Math.round(tile / Math.max(height, width, 1)));
  return [cell, cell];
}

/** The white space between tiles of ``cell``-pixel cells: wider for big cells (a filter's 3 x 3 weights), so that
 *  the tiles are told apart; none for a single map. */
export function tileGap(count, cellW, cellH) {
  return count > 1 ? Math.max(GAP_PX + 2, Math.min(8, Math.round(Math.min(cellW, cellH) / 2))) : 0;
}

/** RGBA pixels of ``count`` maps of ``height`` x ``width`` bytes in rows of ``columns`` tiles, each cell a block of
 *  ``cellSize(tile)``; several tiles are framed in light grey with white gaps between them (``tileGap``: the
 *  kernel palette is white at zero, so unframed kernels ran into one strip). ``overlay`` bytes (or null) blend the
 *  saliency colour over a darkened picture. */
export function gridPixels(bytes, count, height, width, lut, tile, columns, overlay = null) {
  const [cellW, cellH] = cellSize(tile, height, width);
  const tileW = width * cellW, tileH = height * cellH;
  const cols = Math.max(1, Math.min(columns, count)), rows = Math.max(1, Math.ceil(count / cols));
  const gap = tileGap(count, cellW, cellH), pad = gap ? 1 : 0;  // room for the frame around the outer tiles
  const w = cols * tileW + (cols - 1) * gap + 2 * pad, h = rows * tileH + (rows - 1) * gap + 2 * pad;
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  const rgb = [0, 0, 0];
  for (let k = 0; k < count; k++) {
    const x0 = pad + (k % cols) * (tileW + gap), y0 = pad + Math.floor(k / cols) * (tileH + gap);
    if (pad) frameTile(data, w, x0 - 1, y0 - 1, tileW + 2, tileH + 2);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const index = (k * height + r) * width + c, at = bytes[index] * 3;
        rgb[0] = lut[at]; rgb[1] = lut[at + 1]; rgb[2] = lut[at + 2];
        if (overlay) {
          const heat = overlay[index] / 255;
          for (let i = 0; i < 3; i++) rgb[i] = rgb[i] * GREYED * (1 - heat) + SALIENCY_COLOR[i] * heat;
        }
        for (let y = y0 + r * cellH; y < y0 + (r + 1) * cellH; y++) {
          let i = (y * w + x0 + c * cellW) * 4;
          for (let x = 0; x < cellW; x++, i += 4) { data[i] = rgb[0]; data[i + 1] = rgb[1]; data[i + 2] = rgb[2]; }
        }
      }
    }
  }
  return { width: w, height: h, data, cellW, gap, pad };
}

/** A 1 px frame in ``TILE_FRAME`` around the ``width`` x ``height`` box at (x, y) of RGBA ``data`` ``w`` wide. */
function frameTile(data, w, x, y, width, height) {
  const put = (px, py) => { data.set(TILE_FRAME, (py * w + px) * 4); };
  for (let i = 0; i < width; i++) { put(x + i, y); put(x + i, y + height - 1); }
  for (let j = 0; j < height; j++) { put(x, y + j); put(x + width - 1, y + j); }
}

/** A map's column names under it and dotted lines through its marked columns (1-based), over pixels already put. */
function paintSteps(ctx, panel, pixels, textColor, fontFamily) {
  const cellW = pixels.cellW;
  ctx.save();
  ctx.strokeStyle = MARKER_COLOR;
  ctx.lineWidth = 2;
  ctx.setLineDash([3, 3]);
  for (const mark of panel.marks || []) {
    const x = (mark - 0.5) * cellW;
    ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, pixels.height); ctx.stroke();
  }
  ctx.restore();
  if (!Array.isArray(panel.steps)) return;
  ctx.fillStyle = textColor;
  ctx.font = `${STEP_FONT_PX}px ${fontFamily}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  panel.steps.forEach((name, i) => ctx.fillText(name, (i + 0.5) * cellW, pixels.height + 2, cellW));
}

/** What tells one panel's picture from another's: a grid's or a gallery's bytes (one long string, compared
 *  natively) with what is drawn over them, or the whole panel of a chart (small). */
export function panelSignature(panel) {
  if (panel.kind === "gallery") {
    return `${panel.count}/${panel.height}/${panel.width}/${panel.tile}/${panel.columns}/${panel.values}/`
      + `${JSON.stringify(panel.wrong || null)}/${JSON.stringify(panel.labels || null)}`;
  }
  if (panel.kind === "grid") {
    return `${panel.count}/${panel.height}/${panel.width}/${panel.palette}/${JSON.stringify(panel.tile)}/`
      + `${panel.values}/${panel.overlay || ""}/${JSON.stringify(panel.steps || null)}/${JSON.stringify(panel.marks || null)}`;
  }
  return JSON.stringify(panel);
}

/** A grid panel's tiles, with its steps' names and marks. */
function paintGrid(canvas, panel, textColor, fontFamily) {
  const pixels = gridPixels(decodeBase64(panel.values), panel.count | 0, panel.height | 0, panel.width | 0,
    paletteLut(panel.palette), panel.tile, panel.columns | 0, panel.overlay ? decodeBase64(panel.overlay) : null);
  const height = pixels.height + (Array.isArray(panel.steps) ? STEP_ROW_PX : 0);
  if (canvas.width !== pixels.width || canvas.height !== height) {
    canvas.width = pixels.width; canvas.height = height;
  }
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.putImageData(new ImageData(pixels.data, pixels.width, pixels.height), 0, 0);
  if (panel.steps || panel.marks) paintSteps(ctx, panel, pixels, textColor, fontFamily);
}

const FRAME_PX = 3;            // a gallery picture's frame: red for a mistake, green for a right answer
const WRONG_COLOR = "#dc2626";
const RIGHT_COLOR = "#16a34a";
const LABEL_FONT_PX = 11;
const LABEL_ROW_PX = 14;
const GALLERY_GAP_PX = 10;     // between a picture's labels and the next one, so the pictures are told apart

/** A gallery's tiles: each grey picture enlarged, framed red where it is a mistake (green otherwise), with its
 *  label lines under it; tiles spaced in rows of ``columns``, each column as wide as its widest label (``measure``
 *  gives a text's width; the picture is centred over its labels, which are never squeezed). */
export function galleryLayout(panel, measure = () => 0) {
  const count = panel.count | 0, height = panel.height | 0, width = panel.width | 0;
  const [cellW, cellH] = cellSize(panel.tile, height, width);
  const labels = panel.labels || [];
  const lines = Math.max(0, ...labels.map((label) => label.length));
  const tileW = width * cellW + 2 * FRAME_PX, tileH = height * cellH + 2 * FRAME_PX;
  const labelW = Math.max(0, ...labels.flat().map((line) => Math.ceil(measure(line))));
  const columnW = Math.max(tileW, labelW + 4);
  const stepX = columnW + GALLERY_GAP_PX, stepY = tileH + lines * LABEL_ROW_PX + GALLERY_GAP_PX;
  const cols = Math.max(1, Math.min(panel.columns | 0 || 1, count)), rows = Math.max(1, Math.ceil(count / cols));
  return { cellW, cellH, tileW, tileH, columnW, stepX, stepY, cols, width: cols * stepX - GALLERY_GAP_PX,
    height: rows * stepY - GALLERY_GAP_PX };
}

export function paintGallery(canvas, panel, textColor, fontFamily) {
  const font = `${LABEL_FONT_PX}px ${fontFamily}`, measuring = canvas.getContext("2d");
  measuring.font = font;
  const layout = galleryLayout(panel, (text) => measuring.measureText(text).width);
  const size = (panel.height | 0) * (panel.width | 0);
  if (canvas.width !== layout.width || canvas.height !== layout.height) {
    canvas.width = layout.width; canvas.height = layout.height;  // resets the context's state
  }
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const bytes = decodeBase64(panel.values), lut = paletteLut("grey");
  ctx.font = font;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let k = 0; k < (panel.count | 0); k++) {
    const column = (k % layout.cols) * layout.stepX, y = Math.floor(k / layout.cols) * layout.stepY;
    const x = column + Math.floor((layout.columnW - layout.tileW) / 2);  // the picture over the middle of its labels
    ctx.fillStyle = panel.wrong && panel.wrong[k] ? WRONG_COLOR : RIGHT_COLOR;
    ctx.fillRect(x, y, layout.tileW, layout.tileH);
    const pixels = gridPixels(bytes.subarray(k * size, (k + 1) * size), 1, panel.height | 0, panel.width | 0, lut,
      panel.tile, 1);
    ctx.putImageData(new ImageData(pixels.data, pixels.width, pixels.height), x + FRAME_PX, y + FRAME_PX);
    ctx.fillStyle = textColor;
    ((panel.labels || [])[k] || []).forEach((line, i) => {
      ctx.fillText(line, column + layout.columnW / 2, y + layout.tileH + 2 + i * LABEL_ROW_PX);
    });
  }
}

/** A panel's place on screen: a heading, its canvas (a text's box for a text) and a caption. */
function pictureBox(kind) {
  const box = document.createElement("figure");
  box.className = `pg-picture pg-picture-${kind}`;
  const heading = document.createElement("div");
  heading.className = "pg-picture-heading";
  const canvas = document.createElement(kind === "text" || kind === "note" ? "div" : "canvas");
  canvas.setAttribute("data-testid", `pg-picture-${kind}`);
  const caption = document.createElement("figcaption");
  caption.className = "pg-picture-caption";
  box.append(heading, canvas, caption);
  return { kind, box, heading, canvas, caption };
}

/** How far outside the window a picture is still painted: one scrolled into view is painted before it shows. */
const PAINT_MARGIN = "300px 0px";

export class PicturesPanel {
  /** ``onShown`` is called when a picture left unpainted off screen comes near the window (the view then repaints). */
  constructor(wrap, onShown = () => {}) {
    this.wrap = wrap;
    this.boxes = [];   // on screen, one per panel: { kind, box, heading, canvas, caption }
    this.part = null;  // the frames' pictures: { key, panels }
    this.paints = 0;
    // Which boxes are near the window: a picture far off screen is not painted (the Inside the network charts below
    // a 2D page's plot took 1.2 ms of each frame in a browser without a GPU), and is when it comes near.
    this.near = new Map();
    this.observer = typeof IntersectionObserver === "undefined" ? null : new IntersectionObserver((entries) => {
      let shown = false;
      for (const entry of entries) {
        if (entry.isIntersecting && this.near.get(entry.target) === false) shown = true;
        this.near.set(entry.target, entry.isIntersecting);
      }
      if (shown) onShown();
    }, { rootMargin: PAINT_MARGIN });
  }

  /** Stops watching the boxes (the view is destroyed). */
  disconnect() { if (this.observer) this.observer.disconnect(); }

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

  /** Paints every panel that changed (all of them with a new ``textColor`` or ``fontFamily``, the page's). */
  paint(textColor, fontFamily) {
    const restyled = `${textColor}|${fontFamily}` !== this.style;
    this.style = `${textColor}|${fontFamily}`;
    const panels = this.part ? this.part.panels : [];
    setHidden(this.wrap, !panels.length);
    while (this.boxes.length > panels.length) this.forget(this.boxes.pop().box);
    panels.forEach((panel, i) => {
      let shown = this.boxes[i];
      if (!shown || shown.kind !== panel.kind) {
        const fresh = pictureBox(panel.kind);
        if (shown) { shown.box.replaceWith(fresh.box); this.forget(shown.box); } else this.wrap.append(fresh.box);
        if (this.observer) this.observer.observe(fresh.box);
        this.boxes[i] = shown = fresh;
      }
      setText(shown.heading, panel.heading || "");
      setHidden(shown.heading, !panel.heading);
      setText(shown.caption, panel.caption || "");
      setHidden(shown.caption, !panel.caption);
      // far off screen (known once the observer has seen the box; a new one is painted): painted when it comes near
      if (this.near.get(shown.box) === false) {
        shown.signature = null;
        setAttr(shown.canvas, "data-stale", "true");
        return;
      }
      const signature = panelSignature(panel);
      if (signature === shown.signature && !restyled) return;
      shown.signature = signature;
      setAttr(shown.canvas, "data-stale", null);
      const chart = CHART_PAINTERS[panel.kind];
      if (chart) chart(shown.canvas, panel, textColor, fontFamily);
      else if (panel.kind === "gallery") paintGallery(shown.canvas, panel, textColor, fontFamily);
      else paintGrid(shown.canvas, panel, textColor, fontFamily);
    });
    this.paints++;
    this.wrap.dataset.paints = String(this.paints);
  }

  forget(box) {
    if (this.observer) this.observer.unobserve(box);
    this.near.delete(box);
    box.remove();
  }
}
