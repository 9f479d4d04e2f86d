/** Small charts among the live pictures, painted on canvas (see playground.ui.pictures for their wire form): lines
 *  (the metric per epoch, gradient norms), predicted against true, a confusion matrix, histograms per layer,
 *  probability bars, a bar per input step; and a text. Each paints the whole canvas (or box) from its panel. */

import { TEST_COLOR, TRAIN_COLOR } from "./colors.js";
import { clamp, finite, formatTick, formatValue, linearTicks, logTicks } from "./numbers.js";
import { css, mix } from "./paint.js";

const FONT_PX = 11;
const CHART_W = 420, CHART_H = 260;
const PAD = { l: 52, r: 12, t: 8, b: 34 };
const GRID_COLOR = "rgba(128,128,128,0.25)";
const DIAGONAL_COLOR = "#888888";
const BASELINE_COLOR = "#6b7280";
const BLUES = [[247, 251, 255], [8, 48, 107]];  // a confusion matrix from no count to the most
const BAR_ROW_PX = 18;
const BAR_WIDTH_PX = 280;
const MARK_COLOR = "#0877bd";
const BAR_COLOR = "#9aa5b1";
const SMALL_W = 190, SMALL_H = 130, SMALL_PER_ROW = 4;

/** The canvas sized to ``w`` x ``h`` CSS pixels at the screen's pixel ratio, cleared, with its font set. */
function sized(canvas, w, h, fontFamily) {
  const dpr = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
  const bw = Math.round(w * dpr), bh = Math.round(h * dpr);
  if (canvas.width !== bw || canvas.height !== bh) { canvas.width = bw; canvas.height = bh; }
  canvas.style.width = `${w}px`;  // the height follows (CSS height: auto), so a narrowed chart keeps its shape
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = `${FONT_PX}px ${fontFamily}`;
  return ctx;
}

/** The range of the finite values (only positive ones on a log scale), widened when empty or a single value. */
export function valueRange(values, log = false) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!finite(v) || (log && v <= 0)) continue;
    const x = log ? Math.log10(v) : v;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(hi >= lo)) return [0, 1];
  if (hi === lo) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** A grey dotted line from (x0, y0) to (x1, y1): a baseline or a divider. */
function dottedLine(ctx, x0, y0, x1, y1) {
  ctx.save();
  ctx.strokeStyle = BASELINE_COLOR;
  ctx.lineWidth = 1.5;
  ctx.setLineDash([2, 3]);
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
  ctx.restore();
}

/** A value axis's tick as a percentage: 0.25 is "25%". */
export const formatPercentTick = (v) => `${Number((v * 100).toPrecision(6))}%`;

/** Axes with grid lines and tick labels around the plot box; returns the value-to-pixel maps. */
function axes(ctx, box, xRange, yRange, log, textColor, xTitle, yTitle, yTickText = formatTick) {
  const { x, y, w, h } = box;
  const px = (v) => x + ((v - xRange[0]) / (xRange[1] - xRange[0])) * w;
  const py = (v) => y + h - (((log ? Math.log10(v) : v) - yRange[0]) / (yRange[1] - yRange[0])) * h;
  ctx.strokeStyle = GRID_COLOR;
  ctx.lineWidth = 1;
  ctx.fillStyle = textColor;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  const yTicks = log ? logTicks(yRange[0], yRange[1]) : linearTicks(yRange[0], yRange[1], 4);
  for (const tick of yTicks) {
    const ty = py(tick);
    ctx.beginPath(); ctx.moveTo(x, ty); ctx.lineTo(x + w, ty); ctx.stroke();
    ctx.fillText(yTickText(tick), x - 4, ty);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const tick of linearTicks(xRange[0], xRange[1], 5)) {
    const tx = px(tick);
    ctx.beginPath(); ctx.moveTo(tx, y); ctx.lineTo(tx, y + h); ctx.stroke();
    ctx.fillText(formatTick(tick), tx, y + h + 3);
  }
  if (xTitle) ctx.fillText(xTitle, x + w / 2, y + h + 17);
  if (yTitle) {
    ctx.save();
    ctx.translate(10, y + h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(yTitle, 0, 0);
    ctx.restore();
  }
  return { px, py };
}

/** A labelled dotted horizontal line at the baseline's value (the score to beat), when it lies in ``yRange``. */
function paintBaseline(ctx, baseline, box, yRange, py, textColor) {
  if (!baseline || !finite(baseline.y) || baseline.y < yRange[0] || baseline.y > yRange[1]) return;
  const by = py(baseline.y);
  dottedLine(ctx, box.x, by, box.x + box.w, by);
  ctx.fillStyle = textColor;
  ctx.textAlign = "left";
  ctx.textBaseline = "bottom";
  ctx.fillText(baseline.label, box.x + 4, by - 2, box.w - 8);
}

/** The value axis's range (log10 of the values on a log scale): the panel's own when it has one, else the
 *  values' (with the baseline's, and 0 for a panel that starts at ``zero``). */
export function linesRange(panel) {
  const log = !!panel.log;
  const fixed = panel.y_range;
  if (Array.isArray(fixed) && fixed.length === 2 && finite(fixed[0]) && finite(fixed[1]) && fixed[1] > fixed[0]
      && !(log && fixed[0] <= 0)) {
    return log ? [Math.log10(fixed[0]), Math.log10(fixed[1])] : [fixed[0], fixed[1]];
  }
  const values = (panel.series || []).flatMap((line) => line.y);
  if (panel.baseline && !log) values.push(panel.baseline.y);
  if (panel.zero && !log) values.push(0);
  return valueRange(values, log);
}

/** Lines, one per series, with a legend under the plot; a null value (or one <= 0 on a log scale) is a gap. */
export function paintLines(canvas, panel, textColor, fontFamily) {
  const series = panel.series || [];
  const legendRows = Math.ceil(series.length / 2);
  const ctx = sized(canvas, CHART_W, CHART_H + legendRows * 16, fontFamily);
  const log = !!panel.log;
  const box = { x: PAD.l, y: PAD.t, w: CHART_W - PAD.l - PAD.r, h: CHART_H - PAD.t - PAD.b };
  const xRange = valueRange(series.flatMap((line) => line.x));
  const yRange = linesRange(panel);
  const tickText = panel.percent ? formatPercentTick : formatTick;
  const { px, py } = axes(ctx, box, xRange, yRange, log, textColor, panel.x_title, panel.y_title, tickText);
  if (finite(panel.divider)) dottedLine(ctx, px(panel.divider), box.y, px(panel.divider), box.y + box.h);
  if (!log) paintBaseline(ctx, panel.baseline, box, yRange, py, textColor);
  ctx.lineWidth = 1.5;
  series.forEach((line, i) => {
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.x, box.y, box.w, box.h);
    ctx.clip();  // a value outside a fixed axis leaves the plot box, not the chart
    ctx.strokeStyle = line.color;
    ctx.setLineDash(line.dash ? [6, 4] : []);
    ctx.beginPath();
    let drawing = false;
    line.x.forEach((xv, j) => {
      const yv = line.y[j];
      if (!finite(xv) || !finite(yv) || (log && yv <= 0)) { drawing = false; return; }
      if (drawing) ctx.lineTo(px(xv), py(yv)); else ctx.moveTo(px(xv), py(yv));
      drawing = true;
    });
    ctx.stroke();
    ctx.restore();
    const lx = PAD.l + (i % 2) * (box.w / 2), ly = CHART_H + Math.floor(i / 2) * 16 + 2;
    ctx.save();  // the key's swatch is drawn as its line is: solid, or dashed
    ctx.strokeStyle = line.color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(line.dash ? [5, 3] : []);
    ctx.beginPath();
    ctx.moveTo(lx, ly + 6.5);
    ctx.lineTo(lx + 14, ly + 6.5);
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = textColor;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(line.name, lx + 18, ly, box.w / 2 - 22);
  });
}

/** Points (x, y) with the dashed diagonal y = x: on it, a prediction is exact. */
export function paintScatter(canvas, panel, textColor, fontFamily) {
  const ctx = sized(canvas, CHART_W, CHART_H, fontFamily);
  const box = { x: PAD.l, y: PAD.t, w: CHART_W - PAD.l - PAD.r, h: CHART_H - PAD.t - PAD.b };
  const range = valueRange([...panel.x, ...panel.y]);
  const { px, py } = axes(ctx, box, range, range, false, textColor, panel.x_title, panel.y_title);
  ctx.save();
  ctx.strokeStyle = DIAGONAL_COLOR;
  ctx.setLineDash([5, 4]);
  ctx.beginPath(); ctx.moveTo(px(range[0]), py(range[0])); ctx.lineTo(px(range[1]), py(range[1])); ctx.stroke();
  ctx.restore();
  paintBaseline(ctx, panel.baseline, box, range, py, textColor);
  ctx.fillStyle = TEST_COLOR;
  ctx.globalAlpha = 0.6;
  panel.x.forEach((xv, i) => {
    const yv = panel.y[i];
    if (!finite(xv) || !finite(yv)) return;
    ctx.beginPath(); ctx.arc(px(xv), py(yv), 2.5, 0, 2 * Math.PI); ctx.fill();
  });
  ctx.globalAlpha = 1;
}

/** The colour of a count among counts up to ``most``, and whether text on it should be white. */
export function matrixColor(count, most) {
  const t = most > 0 ? clamp(count / most, 0, 1) : 0;
  return { fill: css(mix(BLUES[0], BLUES[1], t)), light: t > 0.5 };
}

/** Counts of true (rows) against predicted (columns), each cell with its count, names along both sides. */
export function paintMatrix(canvas, panel, textColor, fontFamily) {
  const labels = panel.labels || [], counts = panel.counts || [], n = labels.length;
  const cell = clamp(Math.floor(300 / Math.max(n, 1)), 6, 36);
  const left = 70, top = 4, size = cell * n;
  const ctx = sized(canvas, left + size + 12, top + size + 42, fontFamily);
  const most = Math.max(0, ...counts.flat());
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  counts.forEach((row, r) => row.forEach((count, c) => {
    const color = matrixColor(count, most);
    ctx.fillStyle = color.fill;
    ctx.fillRect(left + c * cell, top + r * cell, cell, cell);
    if (cell >= 18) {
      ctx.fillStyle = color.light ? "#ffffff" : "#1f2937";
      ctx.fillText(String(count), left + (c + 0.5) * cell, top + (r + 0.5) * cell, cell - 2);
    }
  }));
  ctx.fillStyle = textColor;
  if (cell >= 10) {
    labels.forEach((label, i) => {
      ctx.textAlign = "right";
      ctx.fillText(label, left - 4, top + (i + 0.5) * cell, 40);
      ctx.textAlign = "center";
      ctx.fillText(label, left + (i + 0.5) * cell, top + size + 8, cell);
    });
  }
  ctx.textAlign = "center";
  ctx.fillText(panel.columns_title || "", left + size / 2, top + size + 26);
  ctx.save();
  ctx.translate(10, top + size / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(panel.rows_title || "", 0, 0);
  ctx.restore();
}

/** One small bar chart per layer, side by side (rows of four), each with its range under it. */
export function paintHistograms(canvas, panel, textColor, fontFamily) {
  const layers = panel.layers || [];
  const columns = Math.max(1, Math.min(SMALL_PER_ROW, layers.length));
  const rows = Math.max(1, Math.ceil(layers.length / columns));
  const ctx = sized(canvas, columns * SMALL_W, rows * SMALL_H, fontFamily);
  layers.forEach((layer, i) => {
    const x0 = (i % columns) * SMALL_W + 6, y0 = Math.floor(i / columns) * SMALL_H;
    const w = SMALL_W - 14, top = y0 + 16, h = SMALL_H - 36;
    ctx.fillStyle = textColor;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(layer.title, x0, y0 + 2, w);
    const counts = layer.counts || [], most = Math.max(1, ...counts), bar = w / Math.max(1, counts.length);
    ctx.fillStyle = layer.color;
    counts.forEach((count, j) => {
      const bh = (count / most) * h;
      ctx.fillRect(x0 + j * bar, top + h - bh, Math.max(1, bar - 0.5), bh);
    });
    ctx.fillStyle = textColor;
    ctx.fillText(formatValue(layer.lo), x0, top + h + 3);
    ctx.textAlign = "right";
    ctx.fillText(formatValue(layer.hi), x0 + w, top + h + 3);
  });
}

/** The bars of a probability panel: one row per label, the marked one (the prediction) in the accent colour. */
export function paintBars(canvas, panel, textColor, fontFamily) {
  const labels = panel.labels || [], values = panel.values || [];
  const w = BAR_WIDTH_PX, h = labels.length * BAR_ROW_PX + 2;
  const ctx = sized(canvas, w, h, fontFamily);
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

/** A bar per step 1..n (a log scale leaves values <= 0 out), the steps from ``shade.from`` on shaded and
 *  labelled: how strongly the loss reacts to each input step, and how far back the network reaches. */
export function paintColumns(canvas, panel, textColor, fontFamily) {
  const values = panel.values || [], n = values.length, log = !!panel.log;
  const ctx = sized(canvas, CHART_W, CHART_H, fontFamily);
  const box = { x: PAD.l, y: PAD.t, w: CHART_W - PAD.l - PAD.r, h: CHART_H - PAD.t - PAD.b };
  const xRange = [0.5, Math.max(1, n) + 0.5];
  const yRange = log ? valueRange(values, true) : valueRange([0, ...values]);
  const { px, py } = axes(ctx, box, xRange, yRange, log, textColor, panel.x_title, panel.y_title);
  const shade = panel.shade;
  if (shade && shade.from >= 1 && shade.from <= n) {
    const x0 = px(shade.from - 0.5);
    ctx.fillStyle = TEST_COLOR;
    ctx.globalAlpha = 0.12;
    ctx.fillRect(x0, box.y, box.x + box.w - x0, box.h);
    ctx.globalAlpha = 1;
    ctx.fillStyle = textColor;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(shade.label, x0 + 3, box.y + 2, box.x + box.w - x0 - 6);
  }
  const bottom = log ? box.y + box.h : py(Math.max(yRange[0], 0));
  const width = Math.max(1, (box.w / Math.max(1, n)) * 0.8);
  ctx.fillStyle = TRAIN_COLOR;
  values.forEach((v, i) => {
    if (!finite(v) || (log && v <= 0)) return;
    const top = py(v);
    ctx.fillRect(px(i + 1) - width / 2, Math.min(top, bottom), width, Math.max(1, Math.abs(bottom - top)));
  });
}

/** A text in a box: the prompt greyed, then what the network wrote highlighted (``box`` is an element). */
export function paintText(box, panel) {
  const prompt = document.createElement("span");
  prompt.className = "pg-text-prompt";
  prompt.textContent = panel.prompt || "";
  const written = document.createElement("span");
  written.className = "pg-text-written";
  written.textContent = panel.text || "";
  box.replaceChildren(prompt, written);
}

/** A sentence that changes as the network learns (what it answers for the example shown); its parts between
 *  ``**`` pairs in bold, as in Markdown. */
export function paintNote(box, panel) {
  const parts = String(panel.text || "").split("**").map((part, i) => {
    const node = document.createElement(i % 2 ? "b" : "span");
    node.textContent = part;
    return node;
  });
  box.replaceChildren(...parts);
}

/** The painter of each chart kind. */
export const CHART_PAINTERS = {
  bars: paintBars, lines: paintLines, scatter: paintScatter, matrix: paintMatrix, histograms: paintHistograms,
  columns: paintColumns, text: paintText, note: paintNote,
};
