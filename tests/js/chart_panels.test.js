// The small charts among the live pictures: value ranges, the confusion matrix's colours, and which panels changed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CHART_PAINTERS, matrixColor, valueRange } from "../../playground/ui/web/chart_panels.js";
import { panelSignature } from "../../playground/ui/web/pictures_panel.js";

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
  assert.deepEqual(Object.keys(CHART_PAINTERS).sort(), ["bars", "histograms", "lines", "matrix", "scatter"]);
  const grid = { kind: "grid", count: 1, height: 2, width: 2, palette: "grey", tile: 8, values: "AAAA" };
  assert.equal(panelSignature(grid), panelSignature({ ...grid }));
  assert.notEqual(panelSignature(grid), panelSignature({ ...grid, values: "AAAB" }));
  assert.notEqual(panelSignature(grid), panelSignature({ ...grid, marks: [2] }));
  const chart = { kind: "scatter", x: [1, 2], y: [1, 2] };
  assert.notEqual(panelSignature(chart), panelSignature({ ...chart, y: [1, 3] }));
});
