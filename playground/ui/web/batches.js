/** The per-batch line: the smoothed training loss (and accuracy) of each batch, between the epochs' points, and
 *  the progress of the epoch in progress (see playground/train/batch_curve.py for what the worker sends). */

import { finite } from "./numbers.js";

/** Points kept at most; past that every other one goes, the newest staying (as the server keeps them). */
export const MAX_BATCH_POINTS = 4000;

export const newBatches = () => ({ step: [], x: [], loss: [], accuracy: [] });

export const lastStep = (b) => (b.step.length ? b.step[b.step.length - 1] : -1);

/** Appends the points of a frame newer than the last one held; returns how many it appended. */
export function appendBatches(b, delta) {
  if (!delta || !Array.isArray(delta.step)) return 0;
  let last = lastStep(b), added = 0;
  for (let i = 0; i < delta.step.length; i++) {
    if (!(delta.step[i] > last)) continue;
    last = delta.step[i];
    b.step.push(delta.step[i]);
    b.x.push(delta.x[i]);
    b.loss.push(finite(delta.loss[i]) ? delta.loss[i] : null);
    const accuracy = Array.isArray(delta.accuracy) ? delta.accuracy[i] : null;
    b.accuracy.push(finite(accuracy) ? accuracy : null);
    added++;
  }
  if (b.step.length > MAX_BATCH_POINTS) {
    const start = (b.step.length - 1) % 2;
    for (const key of Object.keys(b)) b[key] = b[key].filter((_, i) => i % 2 === start);
  }
  return added;
}

/** "12 s", "3 min 5 s": a duration short enough to read at a glance. */
export function formatSeconds(seconds) {
  if (!finite(seconds) || seconds < 0) return "\u2013";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** The progress line's parts and the bar's fraction, or null while there is nothing to show: an epoch of under
 *  ``minSeconds`` at the current speed flashes by, and a bar that fills and empties several times a second
 *  says nothing. ``label(key)`` gives the translated templates, ``fill`` fills them. */
export function progressView(progress, label, fill, minSeconds = 1) {
  if (!progress || !(progress.total > 0)) return null;
  const rate = finite(progress.per_second) && progress.per_second > 0 ? progress.per_second : null;
  if (rate === null || progress.total / rate < minSeconds) return null;
  const done = Math.min(progress.done, progress.total);
  const parts = [
    fill(label("progress_batches"), { done: done.toLocaleString("en-US"), total: progress.total.toLocaleString("en-US") }),
    fill(label("progress_rate"), { rate: rate >= 10 ? Math.round(rate).toLocaleString("en-US") : rate.toFixed(1) }),
    fill(label("progress_left"), { time: formatSeconds((progress.total - done) / rate) }),
  ];
  return { fraction: done / progress.total, text: parts.join(" \u00b7 ") };
}
