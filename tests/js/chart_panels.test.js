// The small charts among the live pictures: value ranges, the confusion matrix's colours, and which panels changed.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CHART_PAINTERS, formatPercentTick, linesRange, matrixColor, paintColumns, paintLines, valueRange,
} from "../../playground/ui/web/chart_panels.js";
import { panelSignature } from "../../playground/ui/web/pictures_panel.js";
import { recordingCanvas } from "./recording_canvas.js";

test("a value range covers the finite values, only positive ones on a log scale, and is never empty", () => {
  assert.deepEqual(valueRange([3, null, -1, NaN, 2]), [-1, 3]);
  assert.deepEqual(valueRange([0.01, 0, -5, 100], true), [-2, 2]);  // log10
  assert.deepEqual(valueRange([]), [0, 1]);
  assert.deepEqual(valueRange([4, 4]), [3.5, 4.5]);
});

test("a confusion matrix runs from white to dark blue, with white text on the dark half", () => {
  assert.deepEqual(matrixColor(0, 10), { fill: "rgb(247,251,255)", light: false });
  assert.deepEqual(matrixColor(10, 10), { fill: "rgb(8,48,107)", light: true });
  assert.equal(matrixColor(3, 0).light, false);  // no counts at all
});

test("every chart kind has a painter, and a panel's signature changes with what it shows", () => {
  assert.deepEqual(Object.keys(CHART_PAINTERS).sort(),
    ["bars", "columns", "histograms", "lines", "matrix", "note", "scatter", "text"]);
  const grid = { kind: "grid", count: 1, height: 2, width: 2, palette: "grey", tile: 8, values: "AAAA" };
  assert.equal(panelSignature(grid), panelSignature({ ...grid }));
  assert.notEqual(panelSignature(grid), panelSignature({ ...grid, values: "AAAB" }));
  assert.notEqual(panelSignature(grid), panelSignature({ ...grid, marks: [2] }));
  const chart = { kind: "scatter", x: [1, 2], y: [1, 2] };
  assert.notEqual(panelSignature(chart), panelSignature({ ...chart, y: [1, 3] }));
});

test("the metric per epoch keeps its fixed axis, writes percentages and draws the score to beat", () => {
  const panel = {
    kind: "lines", x_title: "epoch", y_title: "", log: false, percent: true, y_range: [0, 1.02],
    series: [{ name: "test", color: "#ef553b", dash: false, x: [1, 2], y: [0.5, 0.75] }],
    baseline: { y: 0.3, label: "always the most frequent" }, divider: null,
  };
  assert.deepEqual(linesRange(panel), [0, 1.02]);
  assert.equal(formatPercentTick(0.25), "25%");
  const canvas = recordingCanvas();
  paintLines(canvas, panel, "#000", "sans-serif");
  const texts = canvas.calls.filter((call) => call[0] === "fillText").map((call) => call[1]);
  assert.ok(texts.includes("40%") && texts.includes("100%"), texts.join(" "));
  assert.ok(texts.includes("always the most frequent"));
  // without a fixed range the baseline is inside the value axis, however far from the values
  const free = { ...panel, y_range: null, percent: false, baseline: { y: -2, label: "mean" } };
  assert.deepEqual(linesRange(free), [-2, 0.75]);
  // errors start at 0, so that a small difference does not look large; a fixed axis on a log scale is in log10
  assert.deepEqual(linesRange({ ...free, baseline: null, zero: true }), [0, 0.75]);
  assert.deepEqual(linesRange({ ...panel, log: true, y_range: [0.01, 100] }), [-2, 2]);
});

test("a bar per step, none for values a log scale cannot show, and the reached steps shaded", () => {
  const canvas = recordingCanvas();
  paintColumns(canvas, { values: [0, 0.1, 0.2, 0.7], log: true, shade: { from: 3, label: "reach" },
    x_title: "step", y_title: "gradient" }, "#000", "sans-serif");
  const rects = canvas.calls.filter((call) => call[0] === "fillRect");
  const shaded = rects.filter((call) => call.at(-1) < 1);
  const bars = rects.filter((call) => call.at(-2) === "#636efa" && call.at(-1) === 1);
  assert.equal(shaded.length, 1);
  assert.equal(bars.length, 3);  // the zero has no bar on a log scale
  const [, x0] = shaded[0];
  assert.ok(bars[0][1] < x0 && bars[1][1] > x0, "the shade starts between the second and third step");
  assert.ok(canvas.calls.some((call) => call[0] === "fillText" && call[1] === "reach"));
});

test("a dashed line's key under the chart is dashed too (the race's LSTM), a solid one's solid", () => {
  const canvas = recordingCanvas();
  paintLines(canvas, {
    kind: "lines", x_title: "step", y_title: "", log: true,
    series: [{ name: "SimpleRNN", color: "#636efa", dash: false, x: [1, 2], y: [0.5, 0.1] },
      { name: "LSTM", color: "#ef553b", dash: true, x: [1, 2], y: [0.3, 0.2] }],
  }, "#000", "sans-serif");
  const dashes = canvas.calls.filter((call) => call[0] === "setLineDash").map((call) => JSON.stringify(call[1]));
  assert.deepEqual(dashes, ["[]", "[]", "[6,4]", "[5,3]"]);  // the lines as drawn, then each key's swatch
});
