/** Numbers: finiteness, smoothing, formatting for labels and axes, tick positions, nearest samples. */

export const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
export const finite = (v) => typeof v === "number" && Number.isFinite(v);
export const ema = (average, value) => (average === undefined ? value : average + 0.1 * (value - average));

export function formatValue(v) {
  if (!finite(v)) return "\u2013";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

export const formatPercent = (v) => (finite(v) ? `${(v * 100).toFixed(1)}%` : "\u2013");

export function formatTick(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return Number(v.toPrecision(6)).toString();
}

/** A translated template with its ``{name}`` fields filled; numbers are formatted, unknown fields kept. */
export function fillLabel(template, args) {
  return String(template).replace(/\{(\w+)\}/g, (whole, name) => {
    const value = (args || {})[name];
    if (value === undefined || value === null) return whole;
    return typeof value === "number" ? formatValue(value) : String(value);
  });
}

export function niceStep(range, target) {
  const raw = range / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

export function linearTicks(lo, hi, target, minStep = 0) {
  if (!(hi > lo)) return [lo];
  const step = Math.max(minStep, niceStep(hi - lo, target));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

export function logTicks(lo10, hi10) {
  const out = [];
  for (let k = Math.ceil(lo10); k <= Math.floor(hi10); k++) out.push(Math.pow(10, k));
  if (out.length < 3) {
    for (let k = Math.floor(lo10); k <= Math.ceil(hi10); k++) {
      for (const m of [2, 5]) {
        const v = m * Math.pow(10, k);
        const l = Math.log10(v);
        if (l >= lo10 && l <= hi10) out.push(v);
      }
    }
    out.sort((a, b) => a - b);
  }
  if (out.length < 3) {  // less than a decade: plain nice steps read better
    return linearTicks(Math.pow(10, lo10), Math.pow(10, hi10), 4).filter((v) => v > 0);
  }
  return out;
}

export function nearestIndex(xs, x) {
  let lo = 0, hi = xs.length - 1;
  if (hi < 0) return -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid; else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}
