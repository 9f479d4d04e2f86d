// A canvas for painters under test: its 2D context records what is drawn.

/** A canvas whose 2D context records what is drawn: each call as [name, ...args, fill style, alpha then]. */
export function recordingCanvas() {
  const calls = [];
  const state = { fillStyle: "", globalAlpha: 1 };
  const ctx = new Proxy(state, {
    get(target, name) {
      if (name in target) return target[name];
      if (name === "measureText") return (text) => ({ width: String(text).length * 6 });
      return (...args) => { calls.push([name, ...args, target.fillStyle, target.globalAlpha]); };
    },
    set(target, name, value) { target[name] = value; return true; },
  });
  return { calls, style: {}, width: 0, height: 0, getContext: () => ctx };
}
