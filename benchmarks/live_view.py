"""What a user sees while training: redraws per second, training speed with the page open, click latency.

Starts the real server the way the README does (``bash scripts/start.sh --server.port N`` in a process group
of its own, stopped with all its children at the end), opens the 2D playground (default circle data) in
headless Chromium and prints:

* **redraws/s** of the live view, counting only complete frames: a script injected into the page checks, on
  every animation frame, whether the view's paint counter (``data-frames``) advanced, and if so whether both
  canvases are fully painted (no transparent cell in a 16 x 16 sample grid of the boundary, pixels of both
  loss curves' colours in the chart); frames failing that are counted as incomplete;
* **epochs/s** of training with the page open (``data-epoch`` over the same window) against a
  ``WorkerHandle`` of the same config (the config the page put in its ``?config=`` link) that nobody reads
  frames from, measured before and after the page's run;
* **click-to-effect latency** of Pause (until ``data-status`` is ``paused`` and the epoch stops) and Play
  (until ``data-status`` is ``running`` and the epoch advances), timed in the page from the pointer press to
  the DOM change, repeated; and of a learning-rate change (arrow key on the slider until the view shows it).

Then, for the network view's targets ("with the per-neuron maps on, an 8 x 8 network on 1,000 points keeps at
least 5 visible redraws per second", and 15 for 8 x 32), it opens ``/playground_2d?config=<link>`` for 8 hidden
layers of 8 (``--network-units N``: N) tanh neurons on the circle with 1,000 points, plays, and prints the
**visible redraws/s of the neuron maps** (animation frames in which the network panel's paint counter
``data-paints`` advanced), the **boundary's redraws/s** (complete paints, and those that changed the plot),
training with the page open against a worker of the same setup and probes that nobody watches, and the
Play/Pause click-to-effect latency as above. The network-panel figures are printed for the
default page too (its network view is on). The "Inside the network" charts are on, as on a freshly opened page,
unless ``--no-inside`` switches them off; ``--network-hide NAMES`` opens the page as a
lesson link hiding those controls.

With ``--runs conv`` it opens the convolutions page instead (``/convolutions``: MNIST and the seed CNN, as the
page opens), with ``--runs seq`` the sequences page (``/sequences``: the seed LSTM), with ``--runs tab`` the tables
page (``/tabular``: the seed feedforward network, its charts), presses Play and, once the
first epoch is on the chart, measures a window of ``--view-seconds`` for each view with live pictures (conv:
Filters, then Feature maps; seq: Predictions, then Hidden state). In each it prints the live loss view's
**paints/s** (counted as above; these pages have no plane, so a complete paint is one with both loss curves) and
how often the view's **pictures actually change** on screen: every 20 ms a script in the page fingerprints the
pixels of the live pictures' canvases and counts the samples in which one changed. Training speed is read from
the worker's frames (``step``: batches trained) and compared with a ``WorkerHandle`` of the same setup that nobody
watches, once computing no probes and once the probes of the measured views (the worker computes only those of
the view on screen); each probe's own cost is timed on a fresh trainer of the same setup. Every page's window also
prints the CPU time the worker, the server and the browser took (in cores: on two cores they compete, and a real
user's browser runs on a machine of its own).

Training with the page open is timed in a window of its own, before the sampling starts: the sampler's animation
frames (60 a second) and pixel reads cost the browser 0.05 to 0.25 of a core, which a worker on the same cores lost.

Prints figures, asserts nothing (targets are printed beside them). Needs ``.venv`` with ``.[test]``
(Playwright) and Chromium at ``/usr/bin/chromium``; ``scripts/bench.sh`` runs it with the set-up done.
With ``--runs learn`` or ``--runs why`` it opens a lesson page (How it learns: the loop repeated, on the circle;
Why deep learning: its network, on the spiral), plays, and prints its live view's complete redraws, training against
the same setup unwatched, the server's side and Pause and Play to their visible effect.

With ``--runs largest`` it opens every page that trains with the largest network it allows (the layout tests'
setups: the 2D page's 8 x 32 from its link, a free-stack page's 64 layers from a setup file) in a presenter-sized
window (1400 x 900), plays, and times Pause and Play to their visible effect (the per-batch counter stops or moves
on); target: Pause within 0.5 s.

Run: ``.venv/bin/python benchmarks/live_view.py [--seconds S] [--cycles N]
[--runs all|default|network|conv|seq|tab|learn|why|largest] [--network-hide NAMES] [--no-inside] [--network-units N]
[--view-seconds S]``. ``all`` is the default page and the network view, as before; the others run that page only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from playground.config import RunConfig
from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.ui.probe_charts import CHART_PROBES

# The server (and how Chromium is launched) comes from the browser tests' module, importable from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser.largest import PRESENTER, open_largest, page_cases
from tests.browser.page_helpers import play_controls, run_button_container
from tests.browser.served_app import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Server, is_training_worker, running_server

PAGE_PATH = "/playground_2d"
PLAY = run_button_container("2d")
LEARNING_RATE = ".st-key-2d_learning_rate"

TARGET_REDRAWS = 30.0  # complete redraws per second, the default setup with the network view on
TARGET_LATENCY_S = 1.0  # from a click to its visible effect
TARGET_PAUSE_S = 0.5  # from a click on Pause to a run that stands still, on the largest network of each page
#: visible redraws of the neuron maps per second, 8 hidden layers of this many neurons on 1,000 points
TARGET_NETWORK_REDRAWS = {8: 5.0, 32: 15.0}
TARGET_PICTURE_CHANGES = 5.0  # visible changes per second of a view's pictures on the seed CNN and LSTM
TARGET_TRAINING_RATIO = 0.85  # training with the page open against a worker nobody watches
NETWORK_LAYERS, NETWORK_UNITS, NETWORK_POINTS = 8, 8, 1000
#: What the 2D page as it opens asks its worker for (the network view is on), and with its Inside the network charts.
PAGE_PROBES = ("boundary", "network")

# Injected into the page. While measuring (``B.start`` to ``B.stop``), on every animation frame: if the view's paint
# counter advanced, check that both canvases are complete; record the epoch. All along, a MutationObserver timestamps
# every data-status / data-epoch change and the learning-rate read-out, and pointer presses and key presses are
# timestamped too.
BENCH_JS = r"""() => {
  if (window.__pgBench) return;
  const TRAIN = [99, 110, 250], TEST = [239, 85, 59];    // the loss curves' colours (#636efa, #ef553b)
  const near = (d, i, c) => Math.abs(d[i] - c[0]) < 25 && Math.abs(d[i + 1] - c[1]) < 25
      && Math.abs(d[i + 2] - c[2]) < 25 && d[i + 3] > 200;
  const B = window.__pgBench = { events: [], measuring: false };
  const now = () => performance.now();
  document.addEventListener("pointerdown", () => B.events.push([now(), "press", ""]), true);
  document.addEventListener("keydown", () => B.events.push([now(), "key", ""]), true);
  let root = null, observer = null;
  const attach = () => {
    const el = document.querySelector('[data-testid="pg-live"]');
    if (el === root) return el;
    if (observer) observer.disconnect();
    root = el;
    if (el) {
      const lr = el.querySelector('[data-r="lr"]');
      observer = new MutationObserver((records) => {
        const t = now();
        for (const r of records) {
          if (r.type === "attributes") B.events.push([t, r.attributeName, el.getAttribute(r.attributeName)]);
          else B.events.push([t, "lr", lr.textContent]);
        }
      });
      observer.observe(el, { attributes: true, attributeFilter: ["data-status", "data-epoch", "data-batch-step"] });
      observer.observe(lr, { childList: true, characterData: true, subtree: true });
      B.events.push([now(), "mounted", ""]);
    }
    return el;
  };

  // Is what the canvases show right now complete? Returns [problems, boundary signature, loss signature].
  const check = (el) => {
    const problems = [];
    const dpr = window.devicePixelRatio || 1;
    const heat = el.querySelector('[data-testid="pg-boundary"]');
    const loss = el.querySelector('[data-testid="pg-loss"]');
    let heatSig = 0, lossSig = 0;
    // The boundary: the plot square (the view's layout: 26 px left, 6 px top, 8 px right, 20 px bottom).
    const hw = heat.width / dpr, hh = heat.height / dpr;
    const side = Math.floor(Math.max(10, Math.min(hw - 34, hh - 26)) * dpr);
    if (heat.closest("[hidden]")) {
      // no plane on this page (tables, convolutions): only the loss chart is checked
    } else if (heat.width < 40 || heat.height < 40) problems.push("boundary canvas has no size");
    else {
      const d = heat.getContext("2d").getImageData(Math.round(26 * dpr), Math.round(6 * dpr), side, side).data;
      const G = 16;
      let blank = 0;
      for (let gy = 0; gy < G; gy++) {
        for (let gx = 0; gx < G; gx++) {
          const px = Math.floor(((gx + 0.5) * side) / G), py = Math.floor(((gy + 0.5) * side) / G);
          const i = (py * side + px) * 4;
          if (d[i + 3] < 255) blank++;
          heatSig = (Math.imul(heatSig, 31) + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
        }
      }
      if (blank) problems.push("boundary with blank cells");
    }
    // The loss chart: the plot area (54 px left, 12 px right, 26 px top, 30 px bottom).
    const lw = loss.width / dpr, lh = loss.height / dpr;
    if (loss.width < 80 || loss.height < 80) problems.push("loss canvas has no size");
    else {
      const x0 = Math.round(54 * dpr), y0 = Math.round(24 * dpr);
      const w = Math.round((lw - 54 - 10) * dpr), h = Math.round((lh - 24 - 28) * dpr);
      const d = loss.getContext("2d").getImageData(x0, y0, w, h).data;
      let train = 0, test = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] <= 200) continue;
        if (near(d, i, TRAIN)) { train++; lossSig = (lossSig + i) | 0; }
        else if (near(d, i, TEST)) { test++; lossSig = (lossSig + 3 * i) | 0; }
      }
      if (train < 10) problems.push("no training-loss curve");
      if (test < 10) problems.push("no test-loss curve");
    }
    return [problems, heatSig, lossSig];
  };

  // The network panel's paint counter: an animation frame in which it advanced showed new neuron maps.
  const netPaints = (el) => {
    const net = el.querySelector('[data-testid="pg-network"]');
    return net && !net.hidden ? +(net.dataset.paints || 0) : null;
  };
  let lastFrames = null, lastNet = null;
  // Sampled on every animation frame while measuring only: the loop keeps the page at 60 frames a second and the
  // pixel checks cost the renderer about a tenth of a core, which a training window must not pay.
  const tick = () => {
    if (!B.measuring) { B.looping = false; return; }
    requestAnimationFrame(tick);
    const el = attach();
    if (!el) return;
    const m = B.m;
    m.animationFrames++;
    const net = netPaints(el);
    if (net !== null) {
      m.network = true;
      if (lastNet === null) lastNet = net;
      if (net !== lastNet) { m.netRedraws++; m.netPaints += net - lastNet; lastNet = net; }
    }
    const frames = +(el.dataset.frames || 0);
    if (lastFrames === null) lastFrames = frames;
    if (frames === lastFrames) return;
    m.paints += frames - lastFrames;
    lastFrames = frames;
    const started = now();
    const [problems, heatSig, lossSig] = check(el);
    m.checkMs += now() - started;
    m.checks++;
    if (problems.length) {
      m.incomplete++;
      for (const p of problems) m.reasons[p] = (m.reasons[p] || 0) + 1;
    } else {
      m.complete++;
      if (heatSig !== m.heatSig) m.heatChanged++;
      if (lossSig !== m.lossSig) m.lossChanged++;
      if (heatSig !== m.heatSig || lossSig !== m.lossSig) m.changed++;
    }
    // The plot on its own: a complete boundary that differs from the last one shown, whatever the chart shows.
    if (!problems.some((p) => p.startsWith("boundary")) && heatSig !== m.heatSig) m.boundaryRedraws++;
    m.heatSig = heatSig; m.lossSig = lossSig;
  };
  setInterval(attach, 100);  // a view mounted afresh is observed between measurements too

  B.start = () => {
    const el = attach();
    lastFrames = +(el.dataset.frames || 0);
    lastNet = netPaints(el);
    B.m = { started: now(), animationFrames: 0, paints: 0, checks: 0,
            checkMs: 0, complete: 0, incomplete: 0, changed: 0, heatChanged: 0, lossChanged: 0, reasons: {},
            heatSig: null, lossSig: null, network: false, netRedraws: 0, netPaints: 0, boundaryRedraws: 0 };
    B.measuring = true;
    if (!B.looping) { B.looping = true; requestAnimationFrame(tick); }
  };
  B.stop = () => {
    B.measuring = false;
    const el = attach();
    const m = B.m;
    m.seconds = (now() - m.started) / 1000;
    m.paintMs = +(el.dataset.paintMs || 0);
    m.fetchMs = +(el.dataset.fetchMs || 0);
    m.neurons = el.querySelectorAll('[data-testid="pg-neuron"]').length;
    return m;
  };
  B.mark = () => B.events.length;
  B.since = (index) => B.events.slice(index);
}"""


@dataclass(frozen=True)
class PicturesPage:
    """A page whose views the training view paints live: where it is, what it opens with, the views measured (their
    button label and name); ``PICTURE_PROBES`` times the probes behind them."""

    title: str
    path: str
    key: str  # the page's widget-key prefix
    preset: str  # the setup the page opens with
    model: str  # the setup in words
    views: dict[str, str]  # button label -> view name


#: A page's live pictures' probes: name -> (compute(trainer), how many times a second it may run while training).
ProbeTimers = dict[str, tuple[Callable[[Any], Any], float]]


def _conv_probes() -> ProbeTimers:
    from playground.train.probes import images, tables

    def gallery(trainer: Any) -> dict:
        trainer.probe_cache.entries.clear()  # its test predictions afresh, not the cached ones
        return images._gallery(trainer)

    return {
        "filters": (images._filters, 30.0),
        "sample": (lambda trainer: images.explain(trainer, trainer.x_test[:1]), 10.0),
        "gallery": (gallery, 10.0),
        "confusion": (lambda trainer: tables._confusion(trainer), 10.0),  # on the gallery's test predictions
    }


def _sequence_probes() -> ProbeTimers:
    from playground.train.probes import sequences, tables

    def predictions(trainer: Any) -> dict:
        trainer.probe_cache.entries.clear()  # its test predictions afresh, not the cached ones
        return tables._predictions(trainer)

    return {"predictions": (predictions, 10.0), "hidden": (lambda trainer: sequences._hidden(trainer, 0), 10.0)}


def _table_probes() -> ProbeTimers:
    from playground.train.probes import plane, tables

    def confusion(trainer: Any) -> dict:
        trainer.probe_cache.entries.clear()  # its test predictions afresh, not the cached ones
        return tables._confusion(trainer)

    def histograms(trainer: Any) -> dict:
        trainer.probe_cache.entries.clear()
        return tables.histograms(trainer)

    return {"confusion": (confusion, 10.0), "histograms": (histograms, 10.0), "gradients": (plane.gradients, 10.0)}


PICTURE_PAGES = {
    "conv": PicturesPage("Convolutions page", "/convolutions", "cnn", "seed-cnn", "the seed CNN",
                         {"Filters": "filters", "Feature maps": "maps", "Mistakes": "mistakes"}),
    "seq": PicturesPage("Sequences page", "/sequences", "seq", "seed-lstm", "the seed LSTM",
                        {"Predictions": "predictions", "Hidden state": "hidden"}),
    "tab": PicturesPage("Tables page", "/tabular", "tab", "seed-ffn", "the seed feedforward network",
                        {"Charts": ""}),
}  # fmt: skip
PICTURE_PROBES = {"conv": _conv_probes, "seq": _sequence_probes, "tab": _table_probes}

# Injected into a pictures page: every 20 ms, a fingerprint of the pixels of each of the live pictures'
# canvases (every 7th pixel); counts the samples in which any of them changed, and for each picture position how
# often its picture changed.
PICTURES_JS = r"""() => {
  if (window.__pgImages) clearInterval(window.__pgImages.timer);
  const S = window.__pgImages = { started: performance.now(), samples: 0, partial: 0, changes: 0, count: 0,
                                  perImage: [], last: null, lastPer: [], distinct: new Set() };
  const fingerprint = (canvas) => {
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let hash = 0;
    for (let i = 0; i < data.length; i += 28) hash = (hash * 31 + data[i] * 7 + data[i + 1] * 3 + data[i + 2]) | 0;
    return `${canvas.width}x${canvas.height}:${hash}`;
  };
  const read = () => {
    const canvases = [...document.querySelectorAll('[data-testid="pg-pictures"] canvas')];
    return canvases.length ? canvases.map(fingerprint) : null;
  };
  const tick = () => {
    S.samples++;
    const prints = read();
    if (prints === null) { S.partial++; return; }
    S.count = Math.max(S.count, prints.length);
    if (prints.length < S.count) { S.partial++; return; }
    prints.forEach((print) => S.distinct.add(print));
    const signature = prints.join("|");
    if (S.last !== null && signature !== S.last) S.changes++;
    prints.forEach((print, i) => {
      if (S.perImage.length <= i) S.perImage.push(0);
      if (S.lastPer[i] !== undefined && S.lastPer[i] !== print) S.perImage[i]++;
    });
    S.last = signature; S.lastPer = prints;
  };
  S.timer = setInterval(tick, 20);
  S.stop = () => {
    clearInterval(S.timer);
    return { seconds: (performance.now() - S.started) / 1000, samples: S.samples, partial: S.partial,
             changes: S.changes, count: S.count, perImage: S.perImage, distinct: S.distinct.size };
  };
}"""


# --------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------
def probe_costs(config: RunConfig, probes: ProbeTimers, repeats: int = 40) -> dict[str, float]:
    """Median milliseconds of each live picture's probe on a fresh trainer of ``config`` (in this process, one
    thread like a worker)."""
    import statistics

    import torch

    from playground.train.trainer import Trainer

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        trainer = Trainer(config)
        costs = {}
        for name, (compute, _) in probes.items():
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                compute(trainer)
                times.append(time.perf_counter() - started)
            costs[name] = statistics.median(times) * 1000
        return costs
    finally:
        torch.set_num_threads(threads)


def worker_rate(config: RunConfig, probes: tuple[str, ...], seconds: float, counter: str = "epoch") -> float:
    """A WorkerHandle playing the config for ``seconds`` with these probes, nobody asking it for frames: epochs
    (``counter="epoch"``) or batches (``"step"``, finer for a CNN whose epoch takes seconds) trained per second."""
    handle = WorkerHandle(config, probes=probes)
    try:
        handle.wait_until(lambda latest, _: latest.status == "paused", timeout=120)
        handle.play()
        first = handle.wait_until(lambda latest, _: latest.status == "running" and latest.epoch >= 1, timeout=120)
        started, count0 = time.monotonic(), getattr(first, counter)
        time.sleep(seconds)
        latest, _ = handle.snapshot()
        return (getattr(latest, counter) - count0) / (time.monotonic() - started)
    finally:
        handle.stop()


def play_button(page):
    return page.locator(PLAY).get_by_role("button")


#: The live view's pause between two polls while training (``TRAINING_GAP_MS`` in ``web/live_view.js``).
TRAINING_GAP_S = 0.020


#: Holds the page's animation frames, as a hidden tab has none: the live view paints nothing and, never asking ahead
#: of its paint, asks for no frame. ``release`` gives them back.
HOLD_FRAMES_JS = """() => {
  if (window.__pgHeldFrames) return;
  const own = window.requestAnimationFrame, held = [];
  window.__pgHeldFrames = { own, held };
  window.requestAnimationFrame = (callback) => { held.push(callback); return 0; };
}"""
RELEASE_FRAMES_JS = """() => {
  const hold = window.__pgHeldFrames;
  if (!hold) return;
  delete window.__pgHeldFrames;
  window.requestAnimationFrame = hold.own;
  for (const callback of hold.held) hold.own.call(window, callback);
}"""


def frames_without_drawing(page, server: Server, seconds: float, counter: str = "epoch") -> dict:
    """Training while the run's frames go to a client that draws nothing: the page gets no animation frames (as a
    hidden tab, so its live view paints nothing and asks for nothing), and this process asks the page's frame socket
    as the live view does (``after=`` the version it holds, ``have=`` the parts it holds, the epochs and batches it
    has seen), parsing every frame. What the server does for a watching page, without a browser painting on the
    same cores (a student's browser runs on a machine of its own). Returns the run's ``counter`` per second, the
    frames a second, the processes' CPU over the window and the frames the page painted meanwhile."""
    from websockets.sync.client import connect

    route = page.evaluate("() => document.querySelector('[data-testid=\"pg-live\"]').dataset.frameRoute")
    if not route:
        raise RuntimeError("the live view names no frame route")
    address = urllib.parse.urljoin(page.url, route + "/socket").replace("http", "ws", 1)
    page.evaluate(HOLD_FRAMES_JS)
    try:
        page.wait_for_timeout(500)  # the paint under way ends, and the frame asked before it is answered
        painted = page_frames(page)
        with connect(address, max_size=None) as socket:
            result = _ask_frames(socket, server, seconds, counter)
        result["page_frames"] = page_frames(page) - painted
    finally:
        page.evaluate(RELEASE_FRAMES_JS)
    return result


def page_frames(page) -> int:
    """The live view's paints so far."""
    return int(page.evaluate("() => +document.querySelector('[data-testid=\"pg-live\"]').dataset.frames"))


def _ask_frames(socket, server: Server, seconds: float, counter: str) -> dict:
    """Frames asked over ``socket`` one after the other for ``seconds``, as the live view asks them."""
    import json

    since, since_step, version, held, training = -1, -1, None, {}, False

    def ask() -> dict:
        nonlocal since, since_step, version, training
        query = {"since": since, "since_step": since_step}
        if held:
            query["have"] = ",".join(held.values())
        if version is not None and training:
            query["after"] = version
        socket.send(urllib.parse.urlencode(query))
        answer = json.loads(socket.recv(timeout=10))
        if answer["code"] != 200:
            raise RuntimeError(f"the frame socket answered {answer}")
        frame = answer["body"]
        epochs = (frame.get("history") or {}).get("epoch") or []
        since = epochs[-1] if epochs else since
        steps = (frame.get("batches") or {}).get("step") or []
        since_step = steps[-1] if steps else since_step
        version, training = frame.get("version"), frame.get("status") == "running"
        for part in ("pictures", "boundary", "network"):
            if isinstance(frame.get(part), dict) and frame[part].get("key"):
                held[part] = frame[part]["key"]
        return frame

    first = ask()
    cpu, started, frames = CpuUse(server), time.monotonic(), 0
    while time.monotonic() - started < seconds:
        last = ask()
        frames += 1
        time.sleep(TRAINING_GAP_S)
    elapsed = time.monotonic() - started
    return {"rate": (last[counter] - first[counter]) / elapsed, "frames": frames / elapsed, "cpu": cpu.stop()}


class CpuUse:
    """CPU time of the processes on the machine over a window, by group: the server (with its helpers), its
    training workers and the browser (Chromium, which a real user runs on a machine of their own). On two cores
    the three compete: this tells what the page's run costs the server from what the benchmark's browser costs."""

    def __init__(self, server: Server) -> None:
        self.groups: dict[int, str] = {}
        try:
            root = psutil.Process(server.pid)
            self.groups[root.pid] = "server"
            for child in root.children(recursive=True):
                self.groups[child.pid] = "worker" if is_training_worker(child) else "server"
        except psutil.Error:
            pass
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "chrom" in child.name().lower():
                    self.groups[child.pid] = "browser"
        self.started = time.monotonic()
        self.before = self._seconds()

    def _seconds(self) -> dict[int, float]:
        seconds = {}
        for pid in self.groups:
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                seconds[pid] = times.user + times.system
        return seconds

    def stop(self) -> dict[str, float]:
        """Each group's share of one core over the window (processes that ended meanwhile are left out)."""
        after, elapsed = self._seconds(), time.monotonic() - self.started
        shares = {"server": 0.0, "worker": 0.0, "browser": 0.0}
        for pid, seconds in after.items():
            if pid in self.before:
                shares[self.groups[pid]] += (seconds - self.before[pid]) / elapsed
        return shares


def cpu_text(shares: dict[str, float]) -> str:
    return (
        f"CPU over the window, in cores ({len(os.sched_getaffinity(0))} in all): worker {shares['worker']:.2f}, "
        f"server {shares['server']:.2f}, browser {shares['browser']:.2f}"
    )


def open_playground(page, url: str, query: str = "") -> None:
    from playwright.sync_api import expect

    page.goto(url + PAGE_PATH + query)
    expect(play_button(page)).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("pg-live")).to_be_attached(timeout=60_000)
    page.wait_for_function("() => location.search.includes('config=')", timeout=30_000)


def switch_inside_off(page) -> None:
    """Switch the 2D page's "Inside the network" charts off (on as it opens, painted once its worker is ready), and
    wait until the live view no longer shows them."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("pg-pictures")).to_be_visible(timeout=60_000)
    page.get_by_text("Inside the network", exact=False).first.click()
    expect(page.get_by_test_id("pg-pictures")).to_be_hidden(timeout=60_000)


def wait_status(page, status: str, timeout_ms: int = 20_000) -> None:
    page.wait_for_function(
        "(s) => document.querySelector('[data-testid=\"pg-live\"]')?.dataset.status === s", arg=status,
        timeout=timeout_ms,
    )  # fmt: skip


def live_epoch(page, counter: str = "epoch") -> int:
    return int(page.get_by_test_id("pg-live").get_attribute(f"data-{counter}") or 0)


def click_latency(
    page, action: str, hold_s: float = 1.0, button=None, counter: str = "epoch"
) -> tuple[float | None, str]:
    """Press Play/Pause (``button``, the 2D page's by default) once; returns (seconds from the press to the visible
    effect, note). The effect is the status shown and ``counter`` (``epoch``, or ``batch-step`` where an epoch takes
    seconds) moving on after Play, standing still after Pause."""
    target = "paused" if action == "pause" else "running"
    mark = page.evaluate("() => __pgBench.mark()")
    epoch_before = live_epoch(page, counter)
    (button or play_button(page)).click()
    wait_status(page, target)
    if action == "play":
        page.wait_for_function(
            "([name, e]) => +document.querySelector('[data-testid=\"pg-live\"]').getAttribute(name) > e",
            arg=[f"data-{counter}", epoch_before], timeout=20_000,
        )  # fmt: skip
    page.wait_for_timeout(hold_s * 1000)  # after Pause: does the epoch stay put?
    now, events = page.evaluate("(i) => [performance.now(), __pgBench.since(i)]", mark)
    presses = [t for t, kind, _ in events if kind == "press"]
    if not presses:
        return None, "no pointer press recorded"
    pressed = presses[0]
    after = [(t, kind, value) for t, kind, value in events if t >= pressed]
    status_at = next((t for t, kind, value in after if kind == "data-status" and value == target), None)
    epochs = [(t, int(value)) for t, kind, value in after if kind == f"data-{counter}"]
    if status_at is None:
        return None, f"data-status never became {target}"
    if action == "pause":
        # The epoch stops at its last change after the press; it must not change in the last half of the hold.
        stopped_at = max([status_at] + [t for t, _ in epochs])
        note = "" if not epochs or epochs[-1][0] < now - hold_s * 500 else "the epoch kept changing after Pause"
        return (stopped_at - pressed) / 1000, note
    advanced = next((t for t, value in epochs if value > epoch_before), None)
    if advanced is None:
        return None, "the epoch did not advance"
    return (max(status_at, advanced) - pressed) / 1000, ""


def learning_rate_latency(page) -> tuple[float | None, str]:
    """Arrow-right on the learning-rate slider: seconds from the key press until the view shows the new rate."""
    slider = page.locator(LEARNING_RATE).get_by_role("slider")
    if slider.count() != 1:
        return None, "learning-rate slider not found"
    before = page.locator('[data-testid="pg-live"] [data-r="lr"]').inner_text()
    slider.focus()
    mark = page.evaluate("() => __pgBench.mark()")
    page.keyboard.press("ArrowRight")
    try:
        page.wait_for_function(
            "(b) => document.querySelector('[data-testid=\"pg-live\"] [data-r=\"lr\"]').textContent !== b",
            arg=before, timeout=10_000,
        )  # fmt: skip
    except Exception:
        return None, "the view's learning rate did not change within 10 s"
    events = page.evaluate("(i) => __pgBench.since(i)", mark)
    keys = [t for t, kind, _ in events if kind == "key"]
    shown = next((t for t, kind, value in events if kind == "lr" and value != before), None)
    after = page.locator('[data-testid="pg-live"] [data-r="lr"]').inner_text()
    if not keys or shown is None:
        return None, "no key press or read-out change recorded"
    return (shown - keys[0]) / 1000, f"{before} -> {after}"


def verdict(ok: bool) -> str:
    return "target met" if ok else "below target"


def network_config(units: int = NETWORK_UNITS) -> RunConfig:
    """The network view's benchmark setup: the circle with 1,000 points, 8 hidden layers of ``units`` tanh neurons."""
    raw = load_preset("circle").model_dump()
    raw["data"]["n_points"] = NETWORK_POINTS
    hidden = [{"kind": "dense", "units": units, "activation": "tanh"}] * NETWORK_LAYERS
    raw["model"]["layers"] = [*hidden, raw["model"]["layers"][-1]]
    return RunConfig.from_dict(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each training window (default 8)")
    parser.add_argument("--cycles", type=int, default=5, help="Pause/Play presses to time (default 5 each)")
    parser.add_argument(
        "--runs",
        choices=("all", "default", "network", "conv", "seq", "tab", "learn", "why", "largest"),
        default="all",
        help="the default page (redraws, training speed, clicks), the 8-layer network view, both (default all), or "
        "the live pictures of the convolutions page (conv), the sequences page (seq) or the tables page (tab), or "
        "the live view of the How it learns page (learn) or the Why deep learning page (why)",
    )
    parser.add_argument(
        "--view-seconds",
        type=float,
        default=20.0,
        help="length of the window for each view of a pictures page (conv: Filters, Feature maps, Mistakes; seq: "
        "Predictions, Hidden state; default 20)",
    )
    parser.add_argument(
        "--no-inside",
        action="store_true",
        help="the default page and the network run with the 2D page's Inside the network charts switched off (on "
        "as the page opens)",
    )
    parser.add_argument(
        "--network-units",
        type=int,
        default=NETWORK_UNITS,
        help=f"neurons in each of the network run's {NETWORK_LAYERS} hidden layers (default {NETWORK_UNITS}; "
        "targets: 5 redraws/s for 8, 15 for 32)",
    )
    parser.add_argument(
        "--network-hide",
        default="",
        metavar="NAMES",
        help="controls the network run's page leaves out, as a lesson link's ?hide= (e.g. 'inside': no Inside "
        "the network charts under the view)",
    )
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing (scripts/test.sh installs it)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    # A SIGTERM (from a stopped script) unwinds like Ctrl+C, so the server and its workers are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-") as tmp,
        running_server(Path(tmp), check=False) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            results = (
                run_page_benchmarks(browser, server, args.seconds, args.cycles, not args.no_inside)
                if args.runs in ("all", "default")
                else None
            )
            network = (
                run_network_benchmark(
                    browser,
                    server,
                    args.seconds,
                    args.cycles,
                    args.network_hide,
                    not args.no_inside,
                    args.network_units,
                )
                if args.runs in ("all", "network")
                else None
            )
            pictures = (
                run_pictures_benchmark(browser, server, args.view_seconds, args.runs, args.cycles)
                if args.runs in PICTURE_PAGES
                else None
            )
            lesson = (
                run_lesson_benchmark(browser, server, args.seconds, args.runs, args.cycles)
                if args.runs in LESSON_PAGES
                else None
            )
            largest = run_largest_benchmark(browser, server, Path(tmp), args.cycles) if args.runs == "largest" else None
        finally:
            browser.close()
    if results is not None:
        report(results, args.seconds)
    if network is not None:
        report_network(network)
    if pictures is not None:
        report_pictures(pictures)
    if lesson is not None:
        report_lesson(lesson)
    if largest is not None:
        report_largest(largest)
    return 0


def run_page_benchmarks(browser, server: Server, seconds: float, cycles: int, inside: bool = True) -> dict:
    """The default page as it opens (``inside=False``: with its Inside the network charts switched off)."""
    results: dict = {"inside": inside}
    probes = (*PAGE_PROBES, *CHART_PROBES) if inside else PAGE_PROBES
    # The config exactly as the page builds it: its ?config= link.
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    open_playground(page, server.url)
    param = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["config"][0]
    config = RunConfig.from_url_param(param)
    results["config"] = f"{config.data.dataset}, {len(config.model.layers) - 1} hidden layers, " + (
        f"batch {config.training.batch_size}, {config.training.optimizer}"
    )
    context.close()  # ends the session and its (idle) worker
    server.wait_for_no_workers()

    # (3a) nobody watching, before the page's run.
    results["worker_before"] = worker_rate(config, probes, seconds)

    # (2) and (3b): the page open and training.
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    open_playground(page, server.url)
    if not inside:
        switch_inside_off(page)
    results["page"] = play_and_measure(page, seconds, server)

    # (4) Pause and Play, one after the other, while training.
    results["pause"], results["play"], results["click_notes"] = pause_play_latencies(page, cycles)
    results["learning_rate"] = learning_rate_latency(page)
    results["undrawn"] = frames_without_drawing(page, server, seconds)
    context.close()
    server.wait_for_no_workers()

    # (3a) again, after the page's run: the machine is noisy, so the page's figure sits between two.
    results["worker_after"] = worker_rate(config, probes, seconds)
    return results


def play_and_measure(page, seconds: float, server: Server, button=None) -> dict:
    """Inject the counters, press Play (``button``, the 2D page's by default), and once two epochs are on the chart
    measure two windows of ``seconds``: training with the page open and nothing sampling it (``training``: epochs a
    second and the processes' CPU), then the redraws, sampled on every animation frame (with the CPU the
    sampling takes)."""
    page.evaluate(BENCH_JS)
    page.wait_for_function("() => __pgBench.events.some((e) => e[1] === 'mounted')")
    page.wait_for_timeout(500)
    (button or play_button(page)).click()
    wait_status(page, "running", 60_000)
    page.wait_for_function(
        "() => +document.querySelector('[data-testid=\"pg-live\"]').dataset.rows >= 2", timeout=60_000
    )
    training = training_window(page, seconds, server, "epoch")
    page.evaluate("() => __pgBench.start()")
    cpu = CpuUse(server)
    page.wait_for_timeout(seconds * 1000)
    shares = cpu.stop()
    return {**page.evaluate("() => __pgBench.stop()"), "cpu": shares, "training": training}


def training_window(page, seconds: float, server: Server, counter: str) -> dict:
    """Training with the page open, painting, and nothing of the benchmark's running in it: the run's ``counter``
    (``epoch``, or ``batch-step``: batches) a second as the page shows it, and the processes' CPU."""
    read = f"() => +document.querySelector('[data-testid=\"pg-live\"]').dataset['{_camel(counter)}']"
    count0, started, cpu = page.evaluate(read), time.monotonic(), CpuUse(server)
    page.wait_for_timeout(seconds * 1000)
    shares, count1 = cpu.stop(), page.evaluate(read)
    return {"rate": (count1 - count0) / (time.monotonic() - started), "cpu": shares}


def _camel(attribute: str) -> str:
    """A ``data-*`` attribute's name as a ``dataset`` key: ``batch-step`` -> ``batchStep``."""
    head, *rest = attribute.split("-")
    return head + "".join(part.capitalize() for part in rest)


def pause_play_latencies(page, cycles: int, button=None, counter: str = "epoch") -> tuple[list, list, list[str]]:
    """Pause and Play, one after the other, ``cycles`` times while training: their latencies and any notes."""
    pauses, plays, notes = [], [], []
    for _ in range(cycles):
        latency, note = click_latency(page, "pause", 1.0, button, counter)
        pauses.append(latency)
        if note:
            notes.append(f"pause: {note}")
        latency, note = click_latency(page, "play", 0.5, button, counter)
        plays.append(latency)
        if note:
            notes.append(f"play: {note}")
    return pauses, plays, notes


def run_network_benchmark(
    browser,
    server: Server,
    seconds: float,
    cycles: int,
    hide: str = "",
    inside: bool = True,
    units: int = NETWORK_UNITS,
) -> dict:
    """The network view's target: 8 hidden layers of ``units`` neurons on 1,000 points, played, its neuron maps
    counted, and training against a worker nobody watches. ``hide``: controls to leave out of the page, as a lesson
    link's ``?hide=``; ``inside=False``: the charts under it switched off."""
    from playwright.sync_api import expect

    config = network_config(units)
    toggle_shown = "inside" not in hide.split(",")
    inside = inside and toggle_shown  # a link that hides the toggle leaves the charts off
    results: dict = {"config": config, "hide": hide, "inside": inside, "units": units}
    probes = ("boundary", "network", *(CHART_PROBES if inside else ()))  # what the page asks its worker for
    results["worker_before"] = worker_rate(config, probes, seconds)
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        query = "?config=" + config.to_url_param() + (f"&hide={urllib.parse.quote(hide)}" if hide else "")
        open_playground(page, server.url, query)
        neurons = len(config.data.features) + sum(layer.units for layer in config.model.layers)
        expect(page.get_by_test_id("pg-neuron")).to_have_count(neurons, timeout=60_000)
        if toggle_shown and not inside:
            switch_inside_off(page)
        shown = RunConfig.from_url_param(urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["config"][0])
        results["same_config"] = shown.model_dump(exclude={"name"}) == config.model_dump(exclude={"name"})
        results["page"] = play_and_measure(page, seconds, server)
        results["pause"], results["play"], results["click_notes"] = pause_play_latencies(page, cycles)
        results["undrawn"] = frames_without_drawing(page, server, seconds)
    finally:
        context.close()
    server.wait_for_no_workers()
    results["worker_after"] = worker_rate(config, probes, seconds)
    return results


def run_pictures_benchmark(browser, server: Server, seconds: float, name: str, cycles: int) -> dict:
    """A page with live pictures as it opens (the convolutions page: MNIST and the seed CNN; the sequences page: the
    seed LSTM), played: the live loss view's paints and each measured view's pictures, each over ``seconds``; then
    Pause and Play ``cycles`` times, timed to their visible effect (the per-batch line stops or moves on)."""
    from playwright.sync_api import expect

    from playground.data.registry import load_dataset

    spec, computes = PICTURE_PAGES[name], PICTURE_PROBES[name]()
    config = load_preset(spec.preset)  # the page's setup as it opens
    results: dict = {"views": {}, "config": config, "spec": spec, "per_second": {n: c[1] for n, c in computes.items()}}
    results["batches_per_epoch"] = -(-len(load_dataset(config.data).x_train) // config.training.batch_size)
    results["alone"] = worker_rate(config, (), seconds, "step")
    results["alone_probes"] = worker_rate(config, tuple(computes), seconds, "step")
    results["probe_ms"] = probe_costs(config, computes)
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()

        def step() -> tuple[float, int]:
            """(time, batches trained) from the page's own frame route."""
            frame = page.evaluate(
                "() => fetch(document.querySelector('[data-testid=\"pg-live\"]').dataset.frameRoute,"
                " {cache: 'no-store'}).then((r) => r.json())"
            )
            return time.monotonic(), int(frame["step"])

        page.goto(server.url + spec.path)
        play = page.locator(run_button_container(spec.key)).get_by_role("button")
        expect(play).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("pg-live")).to_be_attached(timeout=60_000)
        results["dataset"] = page.locator(f".st-key-{spec.key}_dataset_en").get_by_role("combobox").input_value()
        page.evaluate(BENCH_JS)
        page.wait_for_function("() => __pgBench.events.some((e) => e[1] === 'mounted')")
        play.click()
        wait_status(page, "running", 90_000)
        page.wait_for_function(  # the first epoch (and its evaluation) done: training at its steady pace
            "() => +document.querySelector('[data-testid=\"pg-live\"]').dataset.rows >= 1", timeout=120_000
        )
        for view, name in spec.views.items():
            if name:  # a page without views (the tables page) shows its pictures as it opens
                button = page.get_by_test_id("stButtonGroup").get_by_role("radio", name=view, exact=True)
                if button.get_attribute("aria-checked") != "true":
                    button.click()
                    expect(button).to_have_attribute("aria-checked", "true", timeout=20_000)
            # the pictures in view, as a student watching them has them (the view paints none far off screen)
            page.get_by_test_id("pg-pictures").scroll_into_view_if_needed()
            page.wait_for_timeout(3000)  # the view's fragment has drawn it once or twice
            # training with the view open and nothing of the benchmark's sampling it, then the sampled window
            started, step0 = step()
            cpu = CpuUse(server)
            page.wait_for_timeout(seconds * 1000)
            training_cpu = cpu.stop()
            ended, step1 = step()
            batches = (step1 - step0) / (ended - started)
            page.evaluate(PICTURES_JS)
            page.evaluate("() => __pgBench.start()")
            cpu = CpuUse(server)
            page.wait_for_timeout(seconds * 1000)
            shares = cpu.stop()
            live = page.evaluate("() => __pgBench.stop()")
            pictures = page.evaluate("() => __pgImages.stop()")
            results["views"][view] = {
                "live": live,
                "images": pictures,
                "batches": batches,
                "cpu": training_cpu,
                "sampled_cpu": shares,
            }
        results["pause"], results["play"], results["click_notes"] = pause_play_latencies(
            page, cycles, play, "batch-step"
        )
        results["undrawn"] = frames_without_drawing(page, server, seconds, "step")
        play.click()
        wait_status(page, "paused")
    finally:
        context.close()
    server.wait_for_no_workers()
    return results


@dataclass(frozen=True)
class LessonPage:
    """A lesson page whose live view trains the setup its address names: where it is, its buttons' key, the probes
    it asks its worker for, and how to bring its live view on screen."""

    title: str
    path: str
    key: str
    probes: tuple[str, ...]
    scroll_to: str  # the heading above the live view, scrolled into view before Play
    settled: str = ""  # what the page shows while other work of its worker runs (measured once it is gone)


LESSON_PAGES = {
    "learn": LessonPage("How it learns page (The loop repeated)", "/learning", "learn", ("boundary",),
                        "The loop, repeated"),
    # the page fits the classic models beside the network as it opens, in the same worker: measured after that
    "why": LessonPage("Why deep learning page (the network, left)", "/why", "why", ("boundary",), "The network",
                      '[data-testid="stProgress"]'),
}  # fmt: skip


def run_lesson_benchmark(browser, server: Server, seconds: float, name: str, cycles: int) -> dict:
    """A lesson page as it opens, played: its live view's complete redraws, training against the same setup
    unwatched (before and after), Pause and Play to their visible effect, and the server's side."""
    from playwright.sync_api import expect

    spec = LESSON_PAGES[name]
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    page.goto(server.url + spec.path)
    page.wait_for_function("() => location.search.includes('config=')", timeout=60_000)
    config = RunConfig.from_url_param(urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["config"][0])
    context.close()
    server.wait_for_no_workers()
    results: dict = {"spec": spec, "config": config, "worker_before": worker_rate(config, spec.probes, seconds)}
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(server.url + spec.path)
        play = page.locator(run_button_container(spec.key)).get_by_role("button")
        expect(play).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("pg-live")).to_be_attached(timeout=60_000)
        if spec.settled:
            started = time.monotonic()
            page.wait_for_timeout(3000)  # the work has begun
            expect(page.locator(spec.settled)).to_have_count(0, timeout=300_000)
            results["settled_s"] = time.monotonic() - started
        page.get_by_role("heading", name=spec.scroll_to, exact=True).scroll_into_view_if_needed()
        results["page"] = play_and_measure(page, seconds, server, play)
        results["pause"], results["play"], results["click_notes"] = pause_play_latencies(page, cycles, play)
        results["undrawn"] = frames_without_drawing(page, server, seconds)
    finally:
        context.close()
    server.wait_for_no_workers()
    results["worker_after"] = worker_rate(config, spec.probes, seconds)
    return results


def run_largest_benchmark(browser, server: Server, folder: Path, cycles: int) -> dict:
    """Every page that trains, opened with the largest network it allows and played: Pause and Play ``cycles``
    times each, timed to their visible effect on the per-batch counter (an epoch of 64 layers takes seconds)."""
    from playwright.sync_api import expect

    results: dict = {}
    for case in page_cases():
        context = browser.new_context(viewport=PRESENTER, locale="en-US")
        context.set_default_timeout(30_000)
        try:
            page = context.new_page()
            open_largest(page, server.url, case, folder)
            page.evaluate(BENCH_JS)
            play = play_controls(case.page_key)[0](page)
            expect(play).to_be_visible()
            latency, note = click_latency(page, "play", 0.5, play, "batch-step")
            results[case.path] = {"first_play": latency, "notes": [note] if note else []}
            pauses, plays, notes = pause_play_latencies(page, cycles, play, "batch-step")
            results[case.path].update(pause=pauses, play=plays)
            results[case.path]["notes"] += notes
        finally:
            context.close()
        server.wait_for_no_workers()
    return results


def report_largest(results: dict) -> None:
    print(f"Pause and Play on the largest network each page allows, in a {PRESENTER['width']} x "
          f"{PRESENTER['height']} window (to a per-batch counter that stops or moves on):")  # fmt: skip
    for path, m in results.items():
        pauses = [v for v in m["pause"] if v is not None]
        plays = [v for v in m["play"] if v is not None]
        if not pauses or not plays:
            print(f"  {path}: not measured ({'; '.join(m['notes']) or 'no latency recorded'})")
            continue
        worst = max(pauses)
        notes = f"; notes: {'; '.join(m['notes'])}" if m["notes"] else ""
        met = "within" if worst <= TARGET_PAUSE_S else "over"
        print(
            f"  {path}: Pause {statistics.median(pauses):.2f} s median, {worst:.2f} s worst "
            f"({met} the target of {TARGET_PAUSE_S} s); Play {statistics.median(plays):.2f} s / "
            f"{max(plays):.2f} s over {len(pauses)} clicks{notes}"
        )


def report_lesson(results: dict) -> None:
    m, config, spec = results["page"], results["config"], results["spec"]
    print(
        f"{spec.title} in Chromium, as it opens ({config.data.dataset}, {len(config.model.layers) - 1} hidden "
        f"layers, batch {config.training.batch_size}, {config.training.optimizer}), while training"
        + (f" (measured once its other work ended, {results['settled_s']:.0f} s after it opened)"
           if "settled_s" in results else "")  # fmt: skip
        + ":"
    )
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(m["reasons"].items())) or "none"
    complete = m["complete"] / m["seconds"]
    print(
        f"  redraws: {complete:.1f} complete redraws/s of the boundary and the loss chart ({m['incomplete']} "
        f"incomplete: {reasons}); {m['changed'] / m['seconds']:.1f}/s changed what is shown; browser animation "
        f"frames {m['animationFrames'] / m['seconds']:.0f}/s"
    )
    print_training(results)
    print_latencies(results)


def report_pictures(results: dict) -> None:
    config, per_epoch, spec = results["config"], results["batches_per_epoch"], results["spec"]
    print(
        f"{spec.title} in Chromium, as it opens ({results['dataset']}, {spec.model}, batch "
        f"{config.training.batch_size}, {config.training.optimizer}; {per_epoch} batches an epoch), while training:"
    )

    def speed(batches: float) -> str:
        return f"{batches:.1f} batches/s ({batches / per_epoch:.2f} epochs/s)"

    alone, probes = results["alone"], results["alone_probes"]
    print(
        f"  training with nobody watching (a WorkerHandle of the same setup): {speed(alone)} computing no probes, "
        f"{speed(probes)} computing the probes of the measured views (ratio {probes / alone:.2f})"
    )
    costs = ", ".join(
        f"{name} {ms:.2f} ms (at most {results['per_second'][name]:.0f} a second: "
        f"{ms * results['per_second'][name] / 10:.1f} % of training time)"
        for name, ms in results["probe_ms"].items()
    )
    print(f"  cost of the live pictures' probes (median, one thread): {costs}")
    for view, figures in results["views"].items():
        m, pictures = figures["live"], figures["images"]
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(m["reasons"].items())) or "none"
        paints, ratio = m["paints"] / m["seconds"], figures["batches"] / probes
        print(
            f"  {view} view, {m['seconds']:.1f} s each: training {speed(figures['batches'])}, ratio {ratio:.2f} to the "
            f"same probes unwatched ({verdict(ratio >= TARGET_TRAINING_RATIO)}, target >= {TARGET_TRAINING_RATIO:g}); "
            f"live loss view {paints:.1f} paints/s, "
            f"{m['complete'] / m['seconds']:.1f}/s complete with both loss curves ({m['incomplete']} not: "
            f"{reasons}), {m['lossChanged'] / m['seconds']:.2f}/s changed the chart"
        )
        print(
            f"  {'':9}{cpu_text(figures['cpu'])} (the pictures' window, sampled every 20 ms: browser "
            f"{figures['sampled_cpu']['browser']:.2f})"
        )
        count, seconds = pictures["count"], pictures["seconds"]
        kind, every = "live canvas(es)", 20
        if not count:
            print(f"  {'':9}no {kind} of the view seen in {pictures['samples']} samples")
            continue
        per_image = ", ".join(f"{changes / seconds:.2f}" for changes in pictures["perImage"])
        print(
            f"  {'':9}{count} {kind}: the view's pictures changed {pictures['changes'] / seconds:.2f} times/s "
            f"(per picture: {per_image}/s; {pictures['distinct']} distinct pictures; {pictures['partial']} of "
            f"{pictures['samples']} samples every {every} ms found none drawn or caught a rerun half drawn; "
            f"target: at least {TARGET_PICTURE_CHANGES:.0f}/s)"
        )
    last = list(results["views"])[-1]
    print_undrawn(results["undrawn"], alone, "batches", f" ({last} view; against the worker computing no probes)")
    print_latencies(results)


def print_latencies(results: dict) -> None:
    for name, values in (("Pause", results["pause"]), ("Play", results["play"])):
        measured = [v for v in values if v is not None]
        if measured:
            worst = max(measured)
            print(
                f"  click to effect, {name}: median {statistics.median(measured):.2f} s, max {worst:.2f} s "
                f"over {len(measured)} clicks ({verdict(worst < TARGET_LATENCY_S and len(measured) == len(values))}, "
                f"target < {TARGET_LATENCY_S:g} s)"
            )
        else:
            print(f"  click to effect, {name}: not measured")
    for note in results["click_notes"]:
        print(f"  note: {note}")


def print_network_redraws(m: dict, units: int = NETWORK_UNITS) -> None:
    if not m["network"]:
        print("  neuron maps: the network view is not shown")
        return
    rate = m["netRedraws"] / m["seconds"]
    target = TARGET_NETWORK_REDRAWS.get(units)
    judged = "no target" if target is None else f"{verdict(rate >= target)}, target >= {target:g}"
    print(
        f"  neuron maps ({m['neurons']} neurons): {rate:.1f} visible redraws/s ({judged}); "
        f"{m['netPaints']} map repaints in {m['netRedraws']} animation frames over {m['seconds']:.1f} s"
    )


def print_training(results: dict) -> None:
    """Training with the page open against a worker of the same setup and probes that nobody watches (measured
    before and after the page's run: the machine is noisy, so the page's figure sits between two)."""
    m = results["page"]
    training = m["training"]
    before, after = results["worker_before"], results["worker_after"]
    alone = (before + after) / 2
    ratio = training["rate"] / alone
    print(
        f"  training: {training['rate']:.1f} epochs/s with the page open and painting; {alone:.1f} epochs/s with "
        f"nobody watching (a WorkerHandle of the same config and probes: {before:.1f} before, {after:.1f} after); "
        f"ratio {ratio:.2f} ({verdict(ratio >= TARGET_TRAINING_RATIO)}, target >= {TARGET_TRAINING_RATIO:g})"
    )
    print(f"  {'':9}{cpu_text(training['cpu'])} (the redraws' window, sampled: browser {m['cpu']['browser']:.2f})")
    print_undrawn(results["undrawn"], alone, "epochs")


def print_undrawn(undrawn: dict, alone: float, unit: str, where: str = "") -> None:
    """Training while the frames go to a client that draws nothing, against the worker nobody watches."""
    ratio = undrawn["rate"] / alone
    print(
        f"  training while this process takes the frames and draws nothing{where} (the server's side of a page "
        f"watched from another machine): {undrawn['rate']:.1f} {unit}/s, ratio {ratio:.2f} "
        f"({verdict(ratio >= TARGET_TRAINING_RATIO)}, target >= {TARGET_TRAINING_RATIO:g}); "
        f"{undrawn['frames']:.1f} frames/s (the page, held without animation frames, painted {undrawn['page_frames']})"
    )
    print(f"  {'':9}{cpu_text(undrawn['cpu'])}")


def report_network(results: dict) -> None:
    m, config = results["page"], results["config"]
    print(
        f"Network view in Chromium: {NETWORK_LAYERS} hidden layers x {results['units']} tanh neurons on "
        f"{config.data.dataset} with {config.data.n_points:,} points (batch {config.training.batch_size}, "
        f"{config.training.optimizer}), opened from its ?config= link"
        + (f" with ?hide={results['hide']}" if results["hide"] else "")
        + (", the Inside the network charts on" if results["inside"] else "")
        + ("" if results["same_config"] else " (the page adjusted the setup!)")
        + ":"
    )
    print_network_redraws(m, results["units"])
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(m["reasons"].items())) or "none"
    print(
        f"  boundary: {m['boundaryRedraws'] / m['seconds']:.1f} redraws/s that changed the plot (complete plot); "
        f"view paints {m['paints'] / m['seconds']:.1f}/s, of them {m['complete'] / m['seconds']:.1f}/s complete with "
        f"both loss curves ({m['incomplete']} not: {reasons}); browser animation frames "
        f"{m['animationFrames'] / m['seconds']:.0f}/s"
    )
    print(f"  {'':9}paint {m['paintMs']:.1f} ms, frame round trip {m['fetchMs']:.1f} ms (moving averages)")
    print_training(results)
    print_latencies(results)


def report(results: dict, seconds: float) -> None:
    m = results["page"]
    complete_rate = m["complete"] / m["seconds"]
    charts = ", the Inside the network charts on" if results["inside"] else ""
    print(f"Live view in Chromium, 2D playground with its default config ({results['config']}){charts}:")
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(m["reasons"].items())) or "none"
    print(
        f"  redraws: {complete_rate:.1f} complete redraws/s ({verdict(complete_rate >= TARGET_REDRAWS)}, "
        f"target >= {TARGET_REDRAWS:g}); {m['incomplete']} incomplete (blank or half-painted) of "
        f"{m['complete'] + m['incomplete']} checked over {m['seconds']:.1f} s ({reasons})"
    )
    print(
        f"  {'':9}of the complete ones {m['changed'] / m['seconds']:.1f}/s changed what is shown (boundary "
        f"{m['heatChanged'] / m['seconds']:.1f}/s, loss chart {m['lossChanged'] / m['seconds']:.1f}/s); "
        f"browser animation frames {m['animationFrames'] / m['seconds']:.0f}/s; "
        f"checking cost {m['checkMs'] / max(1, m['checks']):.1f} ms per redraw"
    )
    print_training(results)
    print_network_redraws(m)
    print_latencies(results)
    latency, note = results["learning_rate"]
    if latency is None:
        print(f"  learning-rate change: not measured ({note})")
    else:
        print(f"  learning-rate change (arrow key on the slider, {note}): shown after {latency:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
