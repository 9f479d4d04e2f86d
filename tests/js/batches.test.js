// The per-batch line the live view keeps, and the epoch's progress line.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_BATCH_POINTS, appendBatches, formatSeconds, lastStep, newBatches, progressView,
} from "../../playground/ui/web/batches.js";
import { fillLabel } from "../../playground/ui/web/numbers.js";

const LABELS = {
  progress_batches: "Batch {done} of {total}", progress_rate: "{rate} batches/s", progress_left: "{time} left",
};
const label = (key) => LABELS[key];

test("points newer than the last one held are appended, repeats and holes in accuracy handled", () => {
  const b = newBatches();
  assert.equal(appendBatches(b, { step: [1, 2], x: [0.5, 1], loss: [0.7, 0.6], accuracy: [0.5, null] }), 2);
  assert.equal(appendBatches(b, { step: [2, 3], x: [1, 1.5], loss: [0.6, 0.5] }), 1);  // 2 again: skipped
  assert.deepEqual(b, { step: [1, 2, 3], x: [0.5, 1, 1.5], loss: [0.7, 0.6, 0.5], accuracy: [0.5, null, null] });
  assert.equal(lastStep(b), 3);
  assert.equal(appendBatches(b, undefined), 0);
});

test("past the limit every other point goes and the newest stays", () => {
  const b = newBatches();
  const steps = Array.from({ length: MAX_BATCH_POINTS + 1 }, (_, i) => i + 1);
  appendBatches(b, { step: steps, x: steps, loss: steps.map(() => 0.1) });
  assert.equal(b.step.length, MAX_BATCH_POINTS / 2 + 1);
  assert.equal(lastStep(b), MAX_BATCH_POINTS + 1);
  assert.equal(b.step[0], 1);
});

test("the progress line says the batch, the speed and the time left, but not for epochs that flash by", () => {
  const view = progressView({ done: 340, total: 1875, per_second: 1250 }, label, fillLabel);
  assert.equal(view.text, "Batch 340 of 1,875 \u00b7 1,250 batches/s \u00b7 1.2 s left");
  assert.ok(Math.abs(view.fraction - 340 / 1875) < 1e-12);
  assert.equal(progressView({ done: 10, total: 25, per_second: 1500 }, label, fillLabel), null);  // 17 ms an epoch
  assert.equal(progressView({ done: 10, total: 25, per_second: null }, label, fillLabel), null);  // not training
  assert.equal(progressView(null, label, fillLabel), null);
  assert.match(progressView({ done: 4, total: 125, per_second: 43.72 }, label, fillLabel).text, /· 44 batches\/s ·/);
  assert.match(progressView({ done: 4, total: 125, per_second: 2.345 }, label, fillLabel).text, /· 2.3 batches\/s ·/);
});

test("durations read at a glance", () => {
  assert.equal(formatSeconds(1.23), "1.2 s");
  assert.equal(formatSeconds(42.4), "42 s");
  assert.equal(formatSeconds(185), "3 min 5 s");
  assert.equal(formatSeconds(NaN), "\u2013");
});
