/** Colour arithmetic and canvas sizing shared by the heatmaps, the chart and the network panel. */

import { MID, NEG, POS } from "./colors.js";
import { clamp } from "./numbers.js";


export const HEAT_ALPHA = 160 / 255;  // the boundary is painted as if translucent over white, as in TF Playground
/** How much larger points and thicker lines are drawn in presenter mode, to be seen on a projector. */
export const PRESENTER_SCALE = Object.freeze({ point: 1.6, line: 2 });
const PLAIN_SCALE = Object.freeze({ point: 1, line: 1 });

export const mix = (a, b, t) => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
export const overWhite = (c) => c.map((v) => v * HEAT_ALPHA + 255 * (1 - HEAT_ALPHA));
export const css = (c) => `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;
export const pack = (c) =>
  ((255 << 24) | (Math.round(c[2]) << 16) | (Math.round(c[1]) << 8) | Math.round(c[0])) >>> 0;
export const diverging = (t) => (t < 0 ? mix(MID, NEG, clamp(-t, 0, 1)) : mix(MID, POS, clamp(t, 0, 1)));

/** The factors for point sizes and line widths the view's data asks for (`present: true` in presenter mode). */
export const drawScale = (data) => (data && data.present ? PRESENTER_SCALE : PLAIN_SCALE);

export function sizeCanvas(canvas, wrap) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, wrap.clientWidth), h = Math.max(1, wrap.clientHeight);
  const bw = Math.round(w * dpr), bh = Math.round(h * dpr);
  if (canvas.width !== bw || canvas.height !== bh) { canvas.width = bw; canvas.height = bh; }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}
