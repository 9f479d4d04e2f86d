// While training, the read-outs that change on every frame are written ten times a second; a new run's at once.
import assert from "node:assert/strict";
import { test } from "node:test";

globalThis.document ??= { createElement: () => ({ getContext: () => null }) };
const { LiveView } = await import("../../playground/ui/web/live_view.js");

test("the ticking read-outs are due ten times a second while training, at once for a new run or when it stops", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  let now = 1000;
  t.mock.method(performance, "now", () => now);
  const view = Object.create(LiveView.prototype);
  let paints = 0;
  Object.assign(view, {
    runId: "r1", cmp: null, state: { status: "running" }, dirty: { text: false },
    requestPaint: () => { paints++; },
  });
  assert.equal(view.ticksDue(), true);        // the first paint
  now += 30;
  assert.equal(view.ticksDue(), false);       // the next frame, 30 ms later
  now += 30;
  assert.equal(view.ticksDue(), false);
  now += 41;
  assert.equal(view.ticksDue(), true);        // 101 ms after the first
  now += 20;
  assert.equal(view.ticksDue(), false);
  view.runId = "r2";                          // Reset: a new run
  assert.equal(view.ticksDue(), true);
  now += 10;
  view.cmp = { runId: "b1", state: { status: "running" } };  // a comparison starts
  assert.equal(view.ticksDue(), true);
  now += 10;
  assert.equal(view.ticksDue(), false);
  view.state.status = view.cmp.state.status = "paused";  // Pause: every paint writes them
  assert.equal(view.ticksDue(), true);
  assert.equal(view.ticksDue(), true);
  // no frame comes after a deferred paint: a timer writes the last values 50 ms after they were due
  view.state.status = "running";
  now += 100;
  assert.equal(view.ticksDue(), true);
  now += 10;
  assert.equal(view.ticksDue(), false);
  t.mock.timers.tick(139);
  assert.equal(paints, 0);
  t.mock.timers.tick(1);                       // 100 - 10 + 50 ms after the deferred paint
  assert.equal(paints, 1);
  assert.equal(view.dirty.text, true);
});
