// The history store: the loss chart's rows, appended from the deltas that frames carry.
import assert from "node:assert/strict";
import { test } from "node:test";

import { appendHistory, column, lastEpoch, lastFinite, newHistory } from "../../playground/ui/web/history.js";

test("a delta appends only epochs newer than the last one held", () => {
  const hist = newHistory();
  assert.equal(appendHistory(hist, { epoch: [1, 2], train_loss: [0.9, 0.8] }), 2);
  assert.equal(appendHistory(hist, { epoch: [2, 3], train_loss: [0.8, 0.7] }), 1);  // 2 again: a resent frame
  assert.deepEqual(hist.epoch, [1, 2, 3]);
  assert.deepEqual(column(hist, "train_loss"), [0.9, 0.8, 0.7]);
  assert.equal(lastEpoch(hist), 3);
});

test("a column that appears later is filled with nulls for the rows before it", () => {
  const hist = newHistory();
  appendHistory(hist, { epoch: [1], train_loss: [0.5] });
  appendHistory(hist, { epoch: [2], train_loss: [0.4], test_accuracy: [0.75] });
  assert.deepEqual(column(hist, "test_accuracy"), [null, 0.75]);
  assert.equal(hist.seen.test_accuracy, true);
});

test("values that are not finite numbers are held as null and never count as seen", () => {
  const hist = newHistory();
  appendHistory(hist, { epoch: [1, 2], test_loss: [null, NaN] });
  assert.deepEqual(column(hist, "test_loss"), [null, null]);
  assert.equal(hist.seen.test_loss, undefined);
  assert.equal(lastFinite(column(hist, "test_loss")), null);
  assert.equal(lastFinite([1, 2, null]), 2);
});

test("a delta without epochs appends nothing, and an unknown column reads as empty", () => {
  const hist = newHistory();
  assert.equal(appendHistory(hist, null), 0);
  assert.equal(appendHistory(hist, { train_loss: [1] }), 0);
  assert.deepEqual(column(hist, "nothing"), []);
  assert.deepEqual(column(null, "train_loss"), []);
  assert.equal(lastEpoch(hist), -1);
});
