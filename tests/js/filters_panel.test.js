// The live conv filters: a weight's colour and the grid of enlarged kernels.
import assert from "node:assert/strict";
import { test } from "node:test";

import { KERNEL_STOPS } from "../../playground/ui/web/colors.js";
import { COLUMNS, GAP_PX, TILE_PX, kernelColor, kernelPixels } from "../../playground/ui/web/filters_panel.js";

test("negative weights are blue, zero white, positive red, on the layer's symmetric scale", () => {
  assert.deepEqual(kernelColor(-2, 2), KERNEL_STOPS[0]);
  assert.deepEqual(kernelColor(0, 2), KERNEL_STOPS[1]);
  assert.deepEqual(kernelColor(5, 2), KERNEL_STOPS[2]);  // beyond the scale: the end colour
  assert.deepEqual(kernelColor(NaN, 2), KERNEL_STOPS[1]);
  assert.deepEqual(kernelColor(1, 0), KERNEL_STOPS[1]);  // an all-zero layer
});

test("kernels are tiles of square cells in rows of sixteen with white gaps", () => {
  const count = 20, k = 3, values = new Float32Array(count * k * k);
  values[0] = -1;                 // kernel 0, top left cell: blue
  values[17 * k * k + 4] = 1;     // kernel 17 (second row, second tile), middle cell: red
  const pixels = kernelPixels(values, count, k, k, 1);
  const cell = TILE_PX / k;
  assert.equal(pixels.width, COLUMNS * TILE_PX + (COLUMNS - 1) * GAP_PX);
  assert.equal(pixels.height, 2 * TILE_PX + GAP_PX);
  const rgb = (x, y) => Array.from(pixels.data.slice((y * pixels.width + x) * 4, (y * pixels.width + x) * 4 + 3));
  assert.deepEqual(rgb(0, 0), KERNEL_STOPS[0]);
  assert.deepEqual(rgb(cell - 1, cell - 1), KERNEL_STOPS[0]);
  assert.deepEqual(rgb(cell, 0), KERNEL_STOPS[1]);
  assert.deepEqual(rgb(TILE_PX, 0), [255, 255, 255]);  // the gap after the first tile
  const x17 = TILE_PX + GAP_PX + cell + 1, y17 = TILE_PX + GAP_PX + cell + 1;
  assert.deepEqual(rgb(x17, y17), KERNEL_STOPS[2]);
  assert.equal(pixels.data[3], 255);  // opaque
});
