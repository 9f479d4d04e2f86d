// Base64 arrays of the frames (tests/test_web_assets.py also decodes what the server encodes).
import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeBase64, decodeFloat32 } from "../../playground/ui/web/decode.js";

test("decodeBase64 gives the bytes back", () => {
  const bytes = Uint8Array.from([0, 1, 127, 128, 255]);
  assert.deepEqual([...decodeBase64(Buffer.from(bytes).toString("base64"))], [...bytes]);
  assert.equal(decodeBase64("").length, 0);
});

test("decodeFloat32 reads little-endian float32 and keeps NaN", () => {
  const values = Float32Array.from([1.5, -0.25, NaN, 3e38]);
  const decoded = decodeFloat32(Buffer.from(values.buffer).toString("base64"));
  assert.equal(decoded.length, 4);
  assert.equal(decoded[0], 1.5);
  assert.equal(decoded[1], -0.25);
  assert.ok(Number.isNaN(decoded[2]));
  assert.equal(decoded[3], values[3]);
});
