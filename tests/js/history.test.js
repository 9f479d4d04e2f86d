// The history store: the loss chart's rows, appended from the deltas that frames carry.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  appendHistory, column, compareVerdict, lastEpoch, lastFinite, newHistory,
} from "../../playground/ui/web/history.js";

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

test("a comparison's verdict: who is ahead by the latest test loss, by how much, after the epochs both trained", () => {
  const run = (losses) => {
    const hist = newHistory();
    appendHistory(hist, { epoch: losses.map((_, i) => i + 1), test_loss: losses });
    return hist;
  };
  assert.equal(compareVerdict(newHistory(), "SimpleRNN", run([0.5]), "LSTM"), null);  // no test loss yet
  assert.deepEqual(compareVerdict(run([0.2, 0.05, 0.04]), "SimpleRNN", run([0.1, 0.002]), "LSTM"), {
    key: "compare_ahead",
    args: { winner: "LSTM", loser: "SimpleRNN", winner_loss: 0.002, loser_loss: 0.04, ratio: "20", epochs: 2 },
  });
  assert.equal(compareVerdict(run([0.03]), "A", run([0.09]), "B").args.ratio, "3.0");
  assert.equal(compareVerdict(run([0.03]), "A", run([0.09]), "B").args.winner, "A");
  assert.equal(compareVerdict(run([0.1]), "A", run([0.105]), "B").key, "compare_level");  // within 10 %
  assert.equal(compareVerdict(run([0]), "A", run([0.1]), "B").args.ratio, "\u221e");
});
