"""The running training loss (and accuracy) per mini-batch, between the per-epoch evaluations.

An epoch's history row comes only at its end: on the seed CNN that is one point every second or so, and a
student watching sees a still chart. Keras's progress bar and TensorBoard show the training loss of every batch
instead, smoothed. This keeps the same: every trained batch updates an exponential moving average of its loss
(and, for classification, its accuracy), debiased like TensorBoard's smoothing so the first batches are not pulled
towards zero; a point of it is kept at most ``MAX_POINTS_PER_EPOCH`` times an epoch (the 2D page trains thousands
of batches a second), and the worker sends the points new since its last snapshot.

A point's ``x`` is in epochs: ``2.5`` is half-way through the third epoch, whose history row has epoch 3; its
``step`` is the run's batch counter after that batch, by which a page asks for the points it has not seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Points kept per epoch at most: a fine line across the chart, however many batches an epoch has.
MAX_POINTS_PER_EPOCH = 100
#: A point at most this often (besides each epoch's end): the 2D page trains thousands of batches a second.
MIN_POINT_INTERVAL_S = 0.005
#: The smoothing window in batches is a tenth of an epoch, at least this many and at most ``MAX_WINDOW``.
MIN_WINDOW, MAX_WINDOW = 5, 200
#: Batches a second are measured over about this long, so the figure and the time left hold still enough to read.
RATE_WINDOW_S = 2.0


def thinned(points: list, limit: int) -> list:
    """``points`` if there are at most ``limit``, else every other one, the newest kept: the line keeps its shape
    over the whole run at half the resolution (the handle and the browser thin the same way)."""
    return points if len(points) <= limit else points[(len(points) - 1) % 2 :: 2]


@dataclass(frozen=True)
class BatchPoint:
    step: int
    x: float  # in epochs
    loss: float
    accuracy: float | None


@dataclass
class BatchCurve:
    """Smoothed per-batch training loss and accuracy of one run, and how far the epoch in progress has come."""

    batches_per_epoch: int
    unsent: list[BatchPoint] = field(default_factory=list)
    batches_done: int = 0  # in the epoch in progress
    _loss: float = 0.0
    _loss_weight: float = 0.0  # 1 - (1 - alpha)^n: divides the average so the first batches are not biased to 0
    _accuracy: float = 0.0
    _accuracy_weight: float = 0.0
    _last_x: float = float("-inf")
    _last_time: float = float("-inf")
    _rate_marks: list[tuple[float, int]] = field(default_factory=list)  # (time, batches trained) samples
    _trained: int = 0

    @property
    def alpha(self) -> float:
        window = min(MAX_WINDOW, max(MIN_WINDOW, self.batches_per_epoch // 10))
        return 2.0 / (window + 1)

    def add(
        self,
        step: int,
        epoch: int,
        batches_done: int,
        loss: float,
        accuracy: Callable[[], float] | None = None,
        now: float | None = None,
    ) -> None:
        """Take one trained batch, the run's ``step``-th: the ``batches_done``-th of the epoch that started after
        ``epoch`` epochs, with its loss. ``accuracy`` (classification) computes the batch's accuracy; it is called
        only for the batches that make a point (a few ops a batch cost the 2D page's tiny batches ~10 %), so the
        accuracy is smoothed over those. A point is made at an epoch's end, and otherwise at most
        ``MAX_POINTS_PER_EPOCH`` times an epoch and once every ``MIN_POINT_INTERVAL_S``."""
        alpha = self.alpha
        self._loss += alpha * (loss - self._loss)
        self._loss_weight += alpha * (1.0 - self._loss_weight)
        self.batches_done = batches_done
        self._trained += 1
        x = epoch + min(1.0, batches_done / max(1, self.batches_per_epoch))
        now = time.perf_counter() if now is None else now
        if batches_done < self.batches_per_epoch and (
            x - self._last_x < 1.0 / MAX_POINTS_PER_EPOCH or now - self._last_time < MIN_POINT_INTERVAL_S
        ):
            return
        self._last_x, self._last_time = x, now
        smoothed_accuracy = None
        if accuracy is not None:
            self._accuracy += alpha * (accuracy() - self._accuracy)
            self._accuracy_weight += alpha * (1.0 - self._accuracy_weight)
            smoothed_accuracy = self._accuracy / self._accuracy_weight
        self.unsent.append(BatchPoint(step, x, self._loss / self._loss_weight, smoothed_accuracy))

    def epoch_ended(self) -> None:
        self.batches_done = 0

    def take(self) -> list[BatchPoint]:
        """The points new since the last call."""
        points, self.unsent = self.unsent, []
        return points

    def batches_per_second(self, now: float | None = None) -> float | None:
        """Batches trained a second over the last ``RATE_WINDOW_S`` (None until two samples are that far apart)."""
        now = time.monotonic() if now is None else now
        marks = self._rate_marks
        if marks and now - marks[-1][0] > RATE_WINDOW_S:  # paused meanwhile: that time is not training time
            marks.clear()
        marks.append((now, self._trained))
        while len(marks) > 2 and now - marks[1][0] >= RATE_WINDOW_S:
            marks.pop(0)
        (then, before), (_, after) = marks[0], marks[-1]
        if now - then < RATE_WINDOW_S / 4 or after == before:
            return None
        return (after - before) / (now - then)
