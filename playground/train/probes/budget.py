"""The probes' shared time budget: a probe is recomputed only for a changed model, and while the worker trains no
more often than the probes in use can afford together (about a fifth of the time); probes a page paints live may
go as fast as ten times a second within that budget, the weights thirty, the 2D page's boundary and neuron maps
with every snapshot."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.train.trainer import Trainer

#: While training, a probe is recomputed at most this often (or less often when probes are costly).
PROBE_INTERVAL_S = 0.5
#: The floor for probes that only copy weights (the conv filters): at most 30 a second (about every other snapshot
#: at 40 snapshots a second, the worker's rate).
WEIGHTS_PROBE_INTERVAL_S = 1 / 30
#: The floor for the other probes a page paints live (an image through the network, a hidden state, the charts):
#: ten times a second while training (the first snapshot after it is due takes it, and the page's next poll paints
#: it: at 0.2 s the seed CNN's feature maps changed 3.4 times a second on screen, at 0.125 s 5.0), or less often
#: when the probes in use cost more (see ``ProbeCache.interval``).
PICTURE_PROBE_INTERVAL_S = 0.1
#: The floor for the 2D page's boundary and neuron maps: none, every snapshot (up to 40 a second), as long as the
#: probes in use cost at most a fifth of the time together. For 8 hidden layers of 32 neurons the 100 x 100
#: boundary costs several milliseconds: recomputed for every snapshot it took a large share of training.
PLANE_PROBE_INTERVAL_S = 0.0
#: Probes computed within this many seconds count towards the shared budget.
PROBE_RECENT_S = 20.0


class ProbeCache:
    """The last result of every probe with what it cost; ``throttle`` is set by the worker while it trains."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[tuple, float, float, Any]] = {}  # name -> (key, when, own cost, probe)
        self.throttle = False
        self._nested_cost = 0.0  # seconds spent in probes computed inside the one being computed

    def interval(self, floor: float | None = None) -> float:
        """Seconds between two computations of a probe while training: five times what the probes computed in the
        last PROBE_RECENT_S cost together (a probe the page stopped asking for no longer counts), so they take
        about a fifth of the time; at least PROBE_INTERVAL_S, or ``floor`` for a probe a page paints live; never so
        long that a probe would drop out of its own window."""
        recent = time.monotonic() - PROBE_RECENT_S
        total = sum(cost for _, when, cost, _ in self.entries.values() if when >= recent)
        return min(max(PROBE_INTERVAL_S if floor is None else floor, 5 * total), PROBE_RECENT_S / 2)

    def forget(self, names: Iterable[str]) -> None:
        """Drop these probes' results: the page no longer shows them, so their cost must not slow the probes it
        shows now (within PROBE_RECENT_S of a switch from the predictions to the hidden state, the predictions'
        cost still halved the hidden state's rate)."""
        for name in names:
            self.entries.pop(name, None)

    def get(self, name: str, key: tuple[Hashable, ...], compute: Callable[[], Any], floor: float | None = None) -> Any:
        """``compute()``'s result, computed again only for a new ``key`` (epoch, step, hand edits, choices). While
        training, a key that differs only in the training counters is served from the cache for ``interval()`` s,
        a new epoch included, so that the probes in use take about a fifth of the time together (six probes of a
        conv net, each throttled on its own, took ~40 %). When training stops, the next request is exact again."""
        cached = self.entries.get(name)
        now = time.monotonic()
        if cached is not None:
            cached_key, when, own, probe = cached
            if cached_key == key:
                return probe
            if self.throttle and cached_key[2:] == key[2:]:  # same hand edits and chosen images: only training moved
                wait = self.interval(floor)
                if now - when < wait:
                    return probe
        outer_nested, self._nested_cost = self._nested_cost, 0.0
        probe = compute()
        elapsed = time.monotonic() - now
        own = max(0.0, elapsed - self._nested_cost)  # a probe built on another (gallery on test predictions)
        self._nested_cost = outer_nested + elapsed  # counts only its own part
        self.entries[name] = (key, now, own, probe)
        return probe


def throttled(
    trainer: Trainer,
    name: str,
    compute: Callable[[], Any],
    floor: float | None = None,
    variant: Hashable = None,
) -> Any:
    """A probe of ``trainer`` through its cache (see ``ProbeCache.get``): training counters first, then the hand
    edits and the choices (sample, drawing, temperature) that must show at once. With ``floor``, a probe a page
    paints live is recomputed once its last result is ``floor`` seconds old rather than PROBE_INTERVAL_S
    (``WEIGHTS_PROBE_INTERVAL_S`` for weights: every snapshot; ``PICTURE_PROBE_INTERVAL_S`` for the others), while
    the probes in use together still take about a fifth of the time. A new ``variant`` (a grid's resolution) is
    computed at once, like a new choice."""
    key = (trainer.epoch, trainer.step, trainer.revision, trainer.inspected, variant)
    return trainer.probe_cache.get(name, key, compute, floor)
