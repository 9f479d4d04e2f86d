"""How smoothly the optimisers' race animates in a real browser: painted frames a second on the "How it learns"
page (the issue's target: 20 or more).

Starts the real server (as ``benchmarks/live_view.py`` does: its own process group, stopped with all its children
at the end), opens ``/learning?hide=step`` in headless Chromium with a race given by its ``&descent=`` link, waits
for the race to play once on its own, then presses Replay ``--replays`` times. During each replay a script in the
page reads, on every animation frame (each paint of the browser), how many points of the first racer's path
Plotly has drawn (it draws a frame's SVG at once, so the next paint shows it) and counts the paints in which that
number changed (frames drawn between two paints count once): **painted frames a second** are those changes over
the time from the first to the last. Also printed: Plotly's own animation frames (``plotly_animatingframe``
events) and how long the whole replay took. Two races: three optimisers for 100 steps (101 frames, the page's
default), and all six for 500 steps (capped at 120 frames, each frame redrawing 12 traces).

Prints figures, asserts nothing. Run: ``.venv/bin/python benchmarks/race_animation.py [--replays N]``;
``scripts/bench.sh`` runs it with the set-up done.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import urllib.parse
from pathlib import Path

from playground.train.descent import DEFAULT_RATES, OPTIMIZERS, DescentRequest
from playground.viz.descent_charts import FRAME_MS

# The server (and how Chromium is launched) comes from the browser tests' module, importable from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser.served_app import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, running_server

MAP = "[class*='st-key-learn_descent_map_'] .js-plotly-plot"
TARGET_FPS = 20.0

#: Counts, on every animation frame, whether the first racer's drawn path changed; stops at the race's last
#: frame (Plotly's ``plotly_animated``).
_MEASURE = """([selector]) => new Promise((resolve) => {
  const plot = document.querySelector(selector);
  const drawn = () => plot._fullData[0].x.length;  // the points of the first path Plotly has drawn
  let last = drawn(), changes = [], events = 0, done = false;
  const started = performance.now();
  plot.on("plotly_animatingframe", () => { events += 1; });
  plot.once("plotly_animated", () => { done = true; });
  const tick = (now) => {
    const now_drawn = drawn();
    if (now_drawn !== last) { changes.push(now); last = now_drawn; }
    if (done) {
      resolve({changes, events, total: performance.now() - started});
    } else {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
  plot.querySelector(".updatemenu-button").dispatchEvent(new MouseEvent("click", {bubbles: true}));
})"""


def race_link(optimizers: tuple[str, ...], steps: int) -> str:
    request = DescentRequest(rates={name: DEFAULT_RATES[name] for name in optimizers}, steps=steps)
    return urllib.parse.quote(request.model_dump_json())


def measure_race(browser, url: str, label: str, optimizers: tuple[str, ...], steps: int, replays: int) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(f"{url}/learning?hide=step&descent={race_link(optimizers, steps)}")
        page.wait_for_function(
            """(selector) => { const p = document.querySelector(selector);
                   const frames = p && p._transitionData && p._transitionData._frames;
                   return frames && frames.length > 0 && frames.at(-1).data.every(
                       (trace, index) => p._fullData[index].x.length === trace.x.length); }""",
            arg=MAP,
            timeout=120_000,
        )  # the race arrived and played once on its own, to its last frame
        page.wait_for_timeout(500)
        rates, totals, events = [], [], []
        for _ in range(replays):
            result = page.evaluate(_MEASURE, [MAP])
            changes = result["changes"]
            seconds = (changes[-1] - changes[0]) / 1000 if len(changes) > 1 else float("nan")
            rates.append((len(changes) - 1) / seconds if seconds > 0 else float("nan"))
            totals.append(result["total"] / 1000)
            events.append(result["events"])
            page.wait_for_timeout(300)
        fps = statistics.median(rates)
        verdict = "meets" if fps >= TARGET_FPS else "MISSES"
        print(
            f"{label}: painted {fps:.1f} frames/s (median of {replays}; each {min(rates):.1f}-{max(rates):.1f}), "
            f"target >= {TARGET_FPS:.0f}: {verdict}; Plotly frames {statistics.median(events):.0f} a replay at "
            f"{FRAME_MS} ms each, replay {statistics.median(totals):.2f} s"
        )
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replays", type=int, default=5, help="replays to time per race (default 5)")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing (scripts/test.sh installs it)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-") as tmp,
        running_server(Path(tmp), check=False) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            measure_race(browser, server.url, "3 optimisers, 100 steps", ("sgd", "momentum", "adam"), 100, args.replays)
            measure_race(browser, server.url, "6 optimisers, 500 steps", OPTIMIZERS, 500, args.replays)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
