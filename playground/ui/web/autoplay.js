/**
 * Plays a Plotly chart's animation once when a new figure arrives, as a press of its first animation button
 * would: the optimisers' paths on the "How it learns" page grow as soon as the race is shown, at the browser's
 * pace. The figure names itself in its layout's `meta`; the script waits (up to `waitMs`) until the chart in
 * the page shows that figure with its frames, and then as long as the chart is out of sight (in a tab not
 * chosen yet), then presses the button. Each figure plays once per element.
 *
 * Plotly ignores a click on a chart while frames are drawn without a full redraw (its selection state is stale
 * until one: the figure's last frame redraws), so a click on the map during the animation would be lost. The
 * script holds it and, once the last frame is shown, clicks again where the user clicked (a few seconds at most).
 */

/** Whether the chart shows the figure `figureId` with its frames. */
export function showsFigure(plot, figureId) {
  if (!plot || !plot.layout || plot.layout.meta !== figureId) return false;
  const frames = plot._transitionData && plot._transitionData._frames;
  return Boolean(frames && frames.length > 0);
}

/** The chart's first animation button once it shows the figure and can be seen, else null. */
export function playButtonOf(plot, figureId) {
  if (!showsFigure(plot, figureId) || plot.getClientRects().length === 0) return null;
  return plot.querySelector(".updatemenu-button");
}

/** The pointer events of a click at (x, y), as Plotly's drag layer reads them. */
export function clickEvents(x, y) {
  const init = { clientX: x, clientY: y, bubbles: true, cancelable: true, button: 0, buttons: 1, view: window };
  return [new MouseEvent("mousedown", init), new MouseEvent("mouseup", { ...init, buttons: 0 })];
}

/** Keep clicks on `plot` that land during an animation: click there again once it has ended. */
function keepClicksDuringAnimation(plot) {
  if (plot.dataset.pgClicksKept) return;
  plot.dataset.pgClicksKept = "1";
  let animating = false;
  let pending = null;
  plot.on("plotly_animatingframe", () => { animating = true; });
  plot.on("plotly_animated", () => {
    animating = false;
    if (!pending) return;
    const { x, y } = pending;
    pending = null;
    requestAnimationFrame(() => {
      const [down, up] = clickEvents(x, y);
      const target = document.elementFromPoint(x, y);
      if (!target) return;
      target.dispatchEvent(down);
      document.dispatchEvent(up);
    });
  });
  plot.addEventListener("mousedown", (event) => {
    if (!animating || !event.isTrusted || event.button !== 0) return;
    if (event.target.closest(".updatemenu-container")) return;  // the buttons themselves work during a replay
    event.stopPropagation();
    pending = { x: event.clientX, y: event.clientY };
  }, true);
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data.figureId || parentElement.dataset.played === data.figureId) return;
  parentElement.dataset.played = data.figureId;
  const deadline = performance.now() + data.waitMs;
  const tryPlay = () => {
    if (!parentElement.isConnected || parentElement.dataset.played !== data.figureId) return;  // gone, or newer
    const plot = document.querySelector(data.selector);
    const button = playButtonOf(plot, data.figureId);
    if (button) {
      keepClicksDuringAnimation(plot);
      button.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      parentElement.dataset.started = data.figureId;
    } else if (showsFigure(plot, data.figureId) || performance.now() < deadline) {
      setTimeout(tryPlay, 100);
    }
  };
  tryPlay();
}
