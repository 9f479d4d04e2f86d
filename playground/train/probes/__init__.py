"""The probes: what the views show of a training run, computed from a ``Trainer`` in the worker process.

One module per family (``plane`` for 2D points, ``tables``, ``images``, ``sequences``), the shared time budget
(``budget``) and what the user points them at (``choices``). :data:`PROBES` maps every name a page may ask the
worker for to its function; a new probe is a function ``(trainer) -> dict`` in its family's module, listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from playground.train.probes import images, plane, sequences, tables

if TYPE_CHECKING:
    from playground.train.trainer import Trainer

PROBES: dict[str, Callable[[Trainer], dict]] = {
    "boundary": plane.boundary,
    "network": plane.network,
    "gradients": plane.gradients,
    "confusion": tables.confusion,
    "predictions": tables.predictions,
    "histograms": tables.histograms,
    "filters": images.filters,
    "sample": images.sample,
    "drawn": images.drawn,
    "gallery": images.gallery,
    "generated": sequences.generated,
    "hidden": sequences.hidden,
    "memory": sequences.memory,
}


def compute_probe(trainer: Trainer, name: str) -> dict:
    """Probe ``name`` of ``trainer``; ValueError for a name no view asks for."""
    probe = PROBES.get(name)
    if probe is None:
        raise ValueError(f"there is no probe {name!r}; probes are {', '.join(sorted(PROBES))}")
    return probe(trainer)
