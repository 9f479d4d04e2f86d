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
