"""The probes' shared time budget: a probe is recomputed only for a changed model, and while the worker trains no
more often than the probes in use can afford together (about a fifth of the time); probes a page paints live may
go as fast as ten times a second within that budget, the weights thirty, the 2D page's boundary and neuron maps
with every snapshot. A probe that takes over 0.1 s each time takes at most a tenth of the time on its own."""

from __future__ import annotations

import math
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


#: The share of the time the probes in use may take together while the worker trains.
PROBE_SHARE = 0.2
#: A probe that takes longer than this for one computation stalls training that long each time it runs (the
#: convolutions page's predictions on 1,000 test images for its Mistakes view: 170-270 ms with the seed CNN) ...
SLOW_PROBE_S = 0.1
#: ... and may take only this share of the time on its own (every 1.7-2.7 s for those predictions): with it at a
#: fifth, a page that showed it trained at 0.69-0.80 of a worker computing nothing.
SLOW_PROBE_SHARE = 0.1


class ProbeCache:
    """The last result of every probe with what it cost; ``throttle`` is set by the worker while it trains."""

    def __init__(self) -> None:
        # name -> (key, when, own cost, probe, floor: None for PROBE_INTERVAL_S)
        self.entries: dict[str, tuple[tuple, float, float, Any, float | None]] = {}
        self.throttle = False
        self._nested_cost = 0.0  # seconds spent in probes computed inside the one being computed
        self._computing: list[str] = []  # the probes being computed, the innermost last
        self.parents: dict[str, set[str]] = {}  # a probe computed inside others -> those others

    def interval(self, floor: float | None = None) -> float:
        """Seconds between two computations of a probe while training: at least PROBE_INTERVAL_S, or ``floor`` for
        a probe a page paints live, and at least the shared spacing at which the probes computed in the last
        PROBE_RECENT_S take PROBE_SHARE of the time together (``shared_interval``); never so long that a probe
        would drop out of its own window."""
        return min(max(_floor(floor), self.shared_interval()), PROBE_RECENT_S / 2)

    def shared_interval(self) -> float:
        """The shortest spacing I such that the recent probes, each computed every max(I, its own floor), take at
        most PROBE_SHARE of the time: a probe whose floor is longer than I costs only its own share (the charts
        redrawn ten times a second beside neuron maps redrawn with every snapshot once counted as if they were
        computed as often as the maps, and slowed the maps by a third)."""
        recent = time.monotonic() - PROBE_RECENT_S
        entries = [(floor, cost) for _, when, cost, _, floor in self.entries.values() if when >= recent]
        probes = sorted((_floor(_own_floor(floor, cost)), cost) for floor, cost in entries)
        # slow[k]: the share of probes k.. if each is computed at its own floor
        slow = [0.0] * (len(probes) + 1)
        for k in range(len(probes) - 1, -1, -1):
            floor, cost = probes[k]
            slow[k] = slow[k + 1] + (cost / floor if floor > 0 else math.inf)
        fast = 0.0  # the cost of probes 0..k-1, computed every I
        for k in range(len(probes) + 1):
            low = probes[k - 1][0] if k else 0.0
            high = probes[k][0] if k < len(probes) else math.inf
            if high > low and slow[k] < PROBE_SHARE:  # I in [low, high): probes 0..k-1 every I, the others slower
                spacing = max(low, fast / (PROBE_SHARE - slow[k]))
                if spacing < high:
                    return spacing
            if k < len(probes):
                fast += probes[k][1]
        return fast / PROBE_SHARE  # not reached: the last range is unbounded

    def forget(self, names: Iterable[str]) -> None:
        """Drop these probes' results, and those of the probes computed only inside them: the page no longer shows
        them, so their cost must not slow the probes it shows now (within PROBE_RECENT_S of a switch from the
        sequences' predictions to the hidden state, the test predictions under them, 22 ms, still cut the hidden
        state's rate by a third)."""
        gone = set(names)
        grew = True
        while grew:
            inner = {name for name, parents in self.parents.items() if name not in gone and parents <= gone}
            gone |= inner
            grew = bool(inner)
        for name in gone:
            self.entries.pop(name, None)
            self.parents.pop(name, None)
        for parents in self.parents.values():  # a probe still shown is built only on those it still has
            parents -= gone

    def get(self, name: str, key: tuple[Hashable, ...], compute: Callable[[], Any], floor: float | None = None) -> Any:
        """``compute()``'s result, computed again only for a new ``key`` (epoch, step, hand edits, choices). While
        training, a key that differs only in the training counters is served from the cache for ``interval()`` s,
        a new epoch included, so that the probes in use take about a fifth of the time together (six probes of a
        conv net, each throttled on its own, took ~40 %). When training stops, the next request is exact again."""
        cached = self.entries.get(name)
        now = time.monotonic()
        if self._computing:  # asked for inside another probe: forgotten with it (``forget``), unless others ask
            self.parents.setdefault(name, set()).add(self._computing[-1])
        if cached is not None:
            cached_key, when, cost, probe, _ = cached
            if cached_key == key:
                return probe
            if self.throttle and cached_key[2:] == key[2:]:  # same hand edits and chosen images: only training moved
                wait = self.interval(_own_floor(floor, cost))
                if now - when < wait:
                    return probe
        outer_nested, self._nested_cost = self._nested_cost, 0.0
        self._computing.append(name)
        try:
            probe = compute()
        finally:
            self._computing.pop()
            elapsed = time.monotonic() - now
            own = max(0.0, elapsed - self._nested_cost)  # a probe built on another (gallery on test predictions)
            self._nested_cost = outer_nested + elapsed  # counts only its own part
        self.entries[name] = (key, now, own, probe, floor)
        return probe


def _floor(floor: float | None) -> float:
    return PROBE_INTERVAL_S if floor is None else floor


def _own_floor(floor: float | None, cost: float) -> float | None:
    """A probe's floor once its own cost is known: a slow one (over SLOW_PROBE_S) is spaced so that it takes at most
    SLOW_PROBE_SHARE of the time on its own."""
    return max(_floor(floor), cost / SLOW_PROBE_SHARE) if cost > SLOW_PROBE_S else floor


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
