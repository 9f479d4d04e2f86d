// The live pictures: palettes, the grid of enlarged tiles, the saliency overlay, and which sets are new.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ACTIVATION_STOPS, KERNEL_STOPS, SALIENCY_COLOR, SIGNED_STOPS, VIRIDIS_STOPS,
} from "../../playground/ui/web/colors.js";
import {
  PicturesPanel, cellSize, galleryLayout, gridPixels, paintGallery, paletteLut, ramp, tileGap,
} from "../../playground/ui/web/pictures_panel.js";
import { recordingCanvas } from "./recording_canvas.js";

const lutColor = (lut, byte) => Array.from(lut.slice(byte * 3, byte * 3 + 3));

test("palettes run from their first stop to their last; a kernel's middle byte is about white", () => {
  assert.deepEqual(lutColor(paletteLut("kernel"), 0), KERNEL_STOPS[0]);
  assert.deepEqual(lutColor(paletteLut("kernel"), 255), KERNEL_STOPS[2]);
  const middle = lutColor(paletteLut("kernel"), 128);
  middle.forEach((value, i) => assert.ok(Math.abs(value - KERNEL_STOPS[1][i]) <= 2, `${middle}`));
  assert.deepEqual(lutColor(paletteLut("activation"), 0), ACTIVATION_STOPS[0]);
  assert.deepEqual(lutColor(paletteLut("activation"), 255), ACTIVATION_STOPS[3]);
  assert.deepEqual(lutColor(paletteLut("grey"), 51), [51, 51, 51]);
  assert.deepEqual(lutColor(paletteLut("signed"), 0), SIGNED_STOPS[0]);       // negative: blue
  assert.deepEqual(lutColor(paletteLut("signed"), 255), SIGNED_STOPS[10]);    // positive: red
  assert.deepEqual(lutColor(paletteLut("gate"), 255), VIRIDIS_STOPS[9]);      // open: yellow
  assert.deepEqual(ramp([[0, 0, 0], [100, 200, 50]], 0.5), [50, 100, 25]);
});

test("maps are framed tiles of square cells in rows of the given columns, apart by a gap that grows with the cell", () => {
  const count = 20, k = 3, bytes = new Uint8Array(count * k * k).fill(128);
  bytes[0] = 0;                 // map 0, top left cell: the first colour
  bytes[17 * k * k + 4] = 255;  // map 17 (second row, second tile), middle cell: the last colour
  const lut = paletteLut("kernel"), tile = 36, cell = 12, gap = 6, pad = 1;
  const pixels = gridPixels(bytes, count, k, k, lut, tile, 16);
  assert.equal(tileGap(count, cell, cell), gap);
  assert.equal(pixels.width, 16 * tile + 15 * gap + 2 * pad);
  assert.equal(pixels.height, 2 * tile + gap + 2 * pad);
  const rgb = (x, y) => Array.from(pixels.data.slice((y * pixels.width + x) * 4, (y * pixels.width + x) * 4 + 3));
  const frame = [203, 213, 225];
  assert.deepEqual(rgb(0, 0), frame);  // the frame around the first tile
  assert.deepEqual(rgb(pad, pad), KERNEL_STOPS[0]);
  assert.deepEqual(rgb(pad + cell - 1, pad + cell - 1), KERNEL_STOPS[0]);
  assert.deepEqual(rgb(pad + cell, pad), lutColor(lut, 128));
  assert.deepEqual(rgb(pad + tile, pad), frame);      // its right edge
  assert.deepEqual(rgb(pad + tile + 2, pad), [255, 255, 255]);  // the white gap before the next tile's frame
  assert.deepEqual(rgb(pad + tile + gap - 1, pad), frame);
  assert.deepEqual(rgb(pad + tile + gap + cell + 1, pad + tile + gap + cell + 1), KERNEL_STOPS[2]);
  assert.equal(pixels.data[3], 255);  // opaque
  assert.equal(tileGap(1, cell, cell), 0);  // one map: no gap, no frame
  assert.equal(tileGap(64, 2, 2), 4);       // small cells (feature maps): a narrow gap
});

test("one long map stretches its cells to about the size asked for; a number asks for square cells", () => {
  assert.deepEqual(cellSize([600, 240], 64, 100), [6, 4]);   // 64 units x 100 steps
  assert.deepEqual(cellSize([160, 64], 128, 400), [1, 1]);   // never below one pixel
  assert.deepEqual(cellSize(56, 26, 26), [2, 2]);
  const pixels = gridPixels(new Uint8Array(2 * 3).fill(255), 1, 2, 3, paletteLut("gate"), [30, 4], 16);
  assert.equal(pixels.width, 30);
  assert.equal(pixels.height, 4);
  assert.equal(pixels.cellW, 10);
});

test("a saliency overlay paints the salient pixels in its colour over the darkened image", () => {
  const image = new Uint8Array([200, 200]), overlay = new Uint8Array([0, 255]);
  const pixels = gridPixels(image, 1, 1, 2, paletteLut("grey"), 1, 16, overlay);
  assert.deepEqual(Array.from(pixels.data.slice(0, 3)), [110, 110, 110]);  // 200 x 0.55
  assert.deepEqual(Array.from(pixels.data.slice(4, 7)), SALIENCY_COLOR);
});

test("a set of pictures is new once: its key alone keeps it, a frame without pictures clears it", () => {
  const panel = new PicturesPanel(null);
  const first = { key: "7", panels: [{ kind: "bars", labels: ["a"], values: [1], mark: 0 }] };
  assert.equal(panel.key(), null);
  assert.equal(panel.setPictures(first), true);
  assert.equal(panel.key(), "7");
  assert.equal(panel.setPictures({ key: "7" }), false);  // the server sends the key alone: nothing to repaint
  assert.equal(panel.part, first);
  assert.equal(panel.setPictures({ key: "9" }), false);  // a key this view does not hold: keep what it has
  assert.equal(panel.setPictures({ key: "8", panels: [] }), true);
  assert.equal(panel.setPictures(null), true);          // the view shows no pictures any more
  assert.equal(panel.key(), null);
  assert.equal(panel.setPictures(undefined), false);
});

test("a gallery frames each picture red for a mistake and green for a right answer, with its lines under it", () => {
  const bytes = Buffer.from(new Uint8Array(3 * 2 * 2).fill(200)).toString("base64");
  const panel = {
    kind: "gallery", count: 3, height: 2, width: 2, tile: 20, columns: 2, values: bytes, wrong: [1, 0, 1],
    labels: [["true 7 \u2192 predicted 4", "99 % sure \u00b7 #12"], ["true 3 \u2192 predicted 3", "51 % sure \u00b7 #4"],
      ["true 1 \u2192 predicted 7", "80 % sure \u00b7 #9"]],
  };
  const layout = galleryLayout(panel);
  assert.equal(layout.tileW, 2 * 10 + 2 * 3);  // cells of 10 px, a 3 px frame on each side
  assert.equal(layout.cols, 2);
  assert.ok(layout.stepX > layout.tileW && layout.stepY > layout.tileH + 2 * 11, "pictures and labels are spaced");
  globalThis.ImageData ||= class { constructor(data, width, height) { Object.assign(this, { data, width, height }); } };
  const canvas = recordingCanvas();  // its text is 6 px a character
  paintGallery(canvas, panel, "#111", "sans-serif");
  const measured = galleryLayout(panel, (text) => text.length * 6);
  assert.equal(measured.columnW, "true 7 \u2192 predicted 4".length * 6 + 4);  // as wide as the widest label
  assert.deepEqual([canvas.width, canvas.height], [measured.width, measured.height]);
  const frames = canvas.calls.filter((call) => call[0] === "fillRect");
  assert.deepEqual(frames.map((call) => call[5]), ["#dc2626", "#16a34a", "#dc2626"]);
  const inset = Math.floor((measured.columnW - measured.tileW) / 2);  // each picture over the middle of its labels
  assert.deepEqual(frames.map((call) => [call[1], call[2]]),
    [[inset, 0], [measured.stepX + inset, 0], [inset, measured.stepY]]);
  const pictures = canvas.calls.filter((call) => call[0] === "putImageData");
  assert.equal(pictures.length, 3);
  assert.equal(pictures[0][1].width, 20);
  assert.deepEqual([pictures[1][2], pictures[1][3]], [measured.stepX + inset + 3, 3]);  // inside its frame
  const texts = canvas.calls.filter((call) => call[0] === "fillText");
  assert.deepEqual(texts.map((call) => call[1]), panel.labels.flat());
  assert.ok(texts.every((call) => call.length === 6), "no label is squeezed to a width");  // name, text, x, y, style, alpha
});
