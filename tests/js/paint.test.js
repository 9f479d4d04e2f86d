// Colour arithmetic: the orange-white-blue ramp of the boundary and the neurons' maps.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MID, NEG, POS } from "../../playground/ui/web/colors.js";
import {
  HEAT_ALPHA, PRESENTER_SCALE, css, diverging, drawScale, mix, overWhite, pack,
} from "../../playground/ui/web/paint.js";

test("the ramp runs from the negative colour through the middle to the positive one, clamped at the ends", () => {
  assert.deepEqual(diverging(-1), NEG);
  assert.deepEqual(diverging(0), MID);
  assert.deepEqual(diverging(1), POS);
  assert.deepEqual(diverging(-7), NEG);
  assert.deepEqual(diverging(7), POS);
  assert.deepEqual(diverging(0.5), mix(MID, POS, 0.5));
});

test("overWhite paints a colour as if translucent over white", () => {
  assert.deepEqual(overWhite([255, 255, 255]), [255, 255, 255]);
  const black = overWhite([0, 0, 0]);
  assert.ok(Math.abs(black[0] - 255 * (1 - HEAT_ALPHA)) < 1e-9);
});

test("pack writes RGBA little-endian for a Uint32Array over ImageData, css writes rgb()", () => {
  const bytes = new Uint8Array(new Uint32Array([pack([1, 2, 3])]).buffer);
  assert.deepEqual([...bytes], [1, 2, 3, 255]);
  assert.equal(css([1.4, 2.6, 3]), "rgb(1,3,3)");
});

test("presenter mode draws points about 1.6 times larger and lines twice as thick; otherwise as they were", () => {
  assert.deepEqual(drawScale({ present: true }), PRESENTER_SCALE);
  assert.equal(PRESENTER_SCALE.point, 1.6);
  assert.equal(PRESENTER_SCALE.line, 2);
  for (const data of [{ present: false }, {}, null, undefined]) assert.deepEqual(drawScale(data), { point: 1, line: 1 });
});
