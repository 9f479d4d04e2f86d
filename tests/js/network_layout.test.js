// The network's drawing fits the height it is given: a deep, wide network shrinks its neurons so that the boundary
// and the loss curve under it stay in view; a small one keeps its large neurons.
import assert from "node:assert/strict";
import { test } from "node:test";

globalThis.document ??= { createElement: () => ({ getContext: () => null }) };
const { NetworkPanel } = await import("../../playground/ui/web/network_panel.js");

/** A panel over columns of these sizes (inputs first), laid out without a page around it. */
function panel(units, editable = true) {
  const view = Object.create(NetworkPanel.prototype);
  Object.assign(view, {
    columns: units.map((n) => ({ units: n, total: n })),
    editable: () => editable,
    nodeName: (c, u) => `x${u + 1}`,
  });
  return view;
}

test("the largest 2D network (8 x 32) fits the height it is given", () => {
  const layout = panel([2, 32, 32, 32, 32, 32, 32, 32, 32, 1]).computeLayout(537, 324);
  assert.ok(layout.stageH <= 324, `drawn ${layout.stageH} px tall`);
  assert.ok(layout.size >= 6, `neurons of ${layout.size} px`);
  assert.ok(layout.stageW <= 537, `drawn ${layout.stageW} px wide`);
});

test("a small network keeps its large neurons", () => {
  const layout = panel([2, 4, 2, 1]).computeLayout(537, 324);
  assert.ok(layout.size >= 48, `neurons of ${layout.size} px`);
  assert.ok(layout.stageH <= 324);
});

test("the height wins over the width: a narrow, tall network shrinks too", () => {
  const wide = panel([2, 32, 1]).computeLayout(1200, 900);
  const short = panel([2, 32, 1]).computeLayout(1200, 320);
  assert.ok(short.size < wide.size);
  assert.ok(short.stageH <= 320, `drawn ${short.stageH} px tall`);
});
