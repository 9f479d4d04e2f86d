/** Arrays the frames carry as base64 (see playground.ui.frames). */

export function decodeBase64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Base64 of little-endian float32 (the frames' weights and biases) as a Float32Array; NaN stays NaN. */
export function decodeFloat32(text) {
  const bytes = decodeBase64(text);
  return new Float32Array(bytes.buffer, 0, bytes.length >> 2);
}
