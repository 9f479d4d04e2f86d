/** The training history the view holds: epochs plus any columns the frames carry (losses, accuracies, R², RMSE, ...). */

import { finite } from "./numbers.js";


const EMPTY = Object.freeze([]);

export function newHistory() { return { epoch: [], col: Object.create(null), seen: Object.create(null) }; }

export const column = (hist, name) => (hist && hist.col[name]) || EMPTY;

/** Appends the rows of a delta newer than the last epoch held; returns how many it appended. */
export function appendHistory(hist, delta) {
  const epochs = delta && delta.epoch;
  if (!Array.isArray(epochs)) return 0;
  for (const name of Object.keys(delta)) {
    if (name !== "epoch" && Array.isArray(delta[name]) && !hist.col[name]) {
      hist.col[name] = new Array(hist.epoch.length).fill(null);
    }
  }
  const names = Object.keys(hist.col);
  let last = hist.epoch.length ? hist.epoch[hist.epoch.length - 1] : -Infinity, added = 0;
  for (let i = 0; i < epochs.length; i++) {
    if (!(epochs[i] > last)) continue;
    last = epochs[i];
    hist.epoch.push(epochs[i]);
    for (const name of names) {
      const source = delta[name];
      const v = Array.isArray(source) ? source[i] : null;
      if (finite(v)) { hist.col[name].push(v); hist.seen[name] = true; } else hist.col[name].push(null);
    }
    added++;
  }
  return added;
}

export function lastFinite(values) {
  for (let i = values.length - 1; i >= 0; i--) if (finite(values[i])) return values[i];
  return null;
}

export const lastEpoch = (hist) => (hist && hist.epoch.length ? hist.epoch[hist.epoch.length - 1] : -1);

/** How far apart two runs are compared (run A's history and title, run B's): which one's latest test loss is lower
 *  and how many times, after the epochs both have trained; level when they are within 10 %; null until both have a
 *  test loss. ``{key, args}`` for a translated sentence ("compare_ahead" or "compare_level"). */
export function compareVerdict(histA, titleA, histB, titleB) {
  const a = lastFinite(column(histA, "test_loss")), b = lastFinite(column(histB, "test_loss"));
  if (a === null || b === null) return null;
  const epochs = Math.min(lastEpoch(histA), lastEpoch(histB));
  const low = Math.min(a, b), high = Math.max(a, b);
  if (high <= low * 1.1) return { key: "compare_level", args: { a: titleA, b: titleB, loss_a: a, loss_b: b, epochs } };
  const [winner, loser] = a < b ? [titleA, titleB] : [titleB, titleA];
  const ratio = low > 0 ? (high / low).toFixed(high / low < 10 ? 1 : 0) : "\u221e";
  return { key: "compare_ahead", args: { winner, loser, winner_loss: low, loser_loss: high, ratio, epochs } };
}
