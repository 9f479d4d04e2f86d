// The live view's number helpers: what the header, the tooltips and the chart axes print.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  clamp, ema, fillLabel, finite, formatPercent, formatTick, formatValue, linearTicks, logTicks, nearestIndex, niceStep,
} from "../../playground/ui/web/numbers.js";

test("formatValue keeps four significant digits and switches to exponents for tiny and huge values", () => {
  assert.equal(formatValue(0.123456), "0.1235");
  assert.equal(formatValue(1234.5678), "1235");
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(0.0001234), "1.23e-4");
  assert.equal(formatValue(123456), "1.23e+5");
  assert.equal(formatValue(-2.5), "-2.5");
});

test("formatValue and formatPercent print a dash for anything that is not a finite number", () => {
  for (const value of [NaN, Infinity, -Infinity, null, undefined, "1"]) {
    assert.equal(formatValue(value), "\u2013");
    assert.equal(formatPercent(value), "\u2013");
  }
  assert.equal(formatPercent(0.98765), "98.8%");
});

test("formatTick prints axis labels without float noise", () => {
  assert.equal(formatTick(0.30000000000000004), "0.3");
  assert.equal(formatTick(1e-5), "1e-5");
  assert.equal(formatTick(2e6), "2e+6");
});

test("fillLabel fills named fields, formats numbers and keeps unknown fields", () => {
  assert.equal(fillLabel("epoch {epoch}: loss {loss}", { epoch: "7", loss: 0.123456 }), "epoch 7: loss 0.1235");
  assert.equal(fillLabel("{missing} stays", {}), "{missing} stays");
  assert.equal(fillLabel("no args {x}", undefined), "no args {x}");
});

test("niceStep picks 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceStep(10, 5), 2);
  assert.equal(niceStep(1, 4), 0.2);
  assert.equal(niceStep(700, 3), 200);
});

test("linearTicks covers the range with nice steps and a clean zero", () => {
  assert.deepEqual(linearTicks(0, 1, 5), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
  assert.deepEqual(linearTicks(-1, 1, 2), [-1, 0, 1]);
  assert.deepEqual(linearTicks(3, 3, 5), [3]);  // an empty range still gets its one tick
  assert.deepEqual(linearTicks(0, 10, 50, 5), [0, 5, 10]);  // never finer than minStep
});

test("logTicks gives powers of ten over decades and nice steps inside one", () => {
  assert.deepEqual(logTicks(-3, 1), [0.001, 0.01, 0.1, 1, 10]);
  assert.deepEqual(logTicks(-1, 0.5), [0.1, 0.2, 0.5, 1, 2]);
  const inside = logTicks(Math.log10(0.2), Math.log10(0.5));
  assert.ok(inside.length >= 2 && inside.every((v) => v >= 0.2 - 1e-12 && v <= 0.5 + 1e-12), String(inside));
});

test("nearestIndex finds the closest sample in a sorted array", () => {
  const xs = [1, 2, 4, 8];
  assert.equal(nearestIndex(xs, 0), 0);
  assert.equal(nearestIndex(xs, 2.9), 1);
  assert.equal(nearestIndex(xs, 3.1), 2);
  assert.equal(nearestIndex(xs, 100), 3);
  assert.equal(nearestIndex([], 1), -1);
});

test("clamp, finite and ema", () => {
  assert.equal(clamp(5, 0, 1), 1);
  assert.equal(clamp(-5, 0, 1), 0);
  assert.equal(finite(1), true);
  assert.equal(finite(NaN), false);
  assert.equal(ema(undefined, 10), 10);
  assert.equal(ema(10, 20), 11);
});
