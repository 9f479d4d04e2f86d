"""The per-batch line: the smoothed loss and accuracy between the epochs' evaluations, how many points it keeps,
the batches a second, and what a worker's frames carry of it."""

import math

import pytest

from playground.config import RunConfig
from playground.data.registry import load_dataset
from playground.presets import load_preset
from playground.train.batch_curve import MAX_POINTS_PER_EPOCH, MIN_POINT_INTERVAL_S, BatchCurve, thinned
from playground.train.trainer import Trainer
from playground.train.worker import WorkerHandle
from playground.ui.frames import dumps_frame, worker_frame


def feed(curve: BatchCurve, losses: list[float], epoch: int = 0, accuracy: float | None = None) -> None:
    """Batches one after the other, far enough apart in time that each may make a point."""
    for done, loss in enumerate(losses, start=1):
        step = epoch * curve.batches_per_epoch + done
        curve.add(step, epoch, done, loss, None if accuracy is None else (lambda: accuracy), now=step * 1.0)


def test_the_first_point_is_the_first_loss_and_later_ones_follow_the_losses_smoothly():
    curve = BatchCurve(batches_per_epoch=10)
    feed(curve, [1.0] + [0.0] * 9)
    points = curve.take()
    assert [point.step for point in points] == list(range(1, 11))
    assert [point.x for point in points] == pytest.approx([k / 10 for k in range(1, 11)])
    assert points[0].loss == pytest.approx(1.0)  # debiased: not pulled towards the zero it starts from
    losses = [point.loss for point in points]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:], strict=False))
    assert 0 < losses[-1] < 0.5  # smoothed: the one high batch still shows, fading
    assert curve.take() == []


def test_accuracy_is_asked_for_only_when_a_point_is_made():
    curve = BatchCurve(batches_per_epoch=1000)
    asked = []

    def accuracy() -> float:
        asked.append(1)
        return 0.75

    for done in range(1, 1001):
        curve.add(done, 0, done, 0.5, accuracy, now=done * 1.0)
    points = curve.take()
    assert len(asked) == len(points) <= MAX_POINTS_PER_EPOCH + 1
    assert points[-1].x == 1.0 and points[-1].accuracy == pytest.approx(0.75)


def test_points_are_capped_per_epoch_and_in_time_but_every_epoch_ends_with_one():
    curve = BatchCurve(batches_per_epoch=5000)
    feed(curve, [0.3] * 5000)
    assert MAX_POINTS_PER_EPOCH <= len(curve.take()) <= MAX_POINTS_PER_EPOCH + 1
    quick = BatchCurve(batches_per_epoch=4)
    for epoch in range(3):  # all within one MIN_POINT_INTERVAL_S: only the epochs' ends make points
        for done in range(1, 5):
            quick.add(epoch * 4 + done, epoch, done, 0.3, now=MIN_POINT_INTERVAL_S * (epoch * 4 + done) / 100)
    assert [point.x for point in quick.take()] == [pytest.approx(1 / 4), 1.0, 2.0, 3.0]


def test_batches_a_second_over_the_last_seconds_and_none_after_a_pause():
    curve = BatchCurve(batches_per_epoch=100)
    assert curve.batches_per_second(now=0.0) is None
    for second in range(1, 5):
        feed(curve, [0.1] * 50)
        rate = curve.batches_per_second(now=float(second))
    assert rate == pytest.approx(50.0)
    assert curve.batches_per_second(now=60.0) is None  # paused for a minute: nothing measured since


def test_thinning_keeps_every_other_point_and_the_newest():
    assert thinned([1, 2, 3], 3) == [1, 2, 3]
    assert thinned([1, 2, 3, 4], 3) == [2, 4]
    assert thinned([1, 2, 3, 4, 5], 3) == [1, 3, 5]


def test_a_trainer_draws_the_line_through_each_epoch_with_the_loss_it_trains_on():
    raw = load_preset("circle").model_dump()
    raw["training"].update(batch_size=5)
    trainer = Trainer(RunConfig.from_dict(raw))
    row = trainer.train_epoch()
    points = trainer.batch_curve.take()
    assert points and points[-1].x == 1.0 and points[-1].step == trainer.step
    assert all(0 < point.x <= 1 for point in points)
    assert all(0 <= point.accuracy <= 1 for point in points)
    assert points[-1].loss == pytest.approx(row["train_loss"], rel=0.5)  # the same loss, smoothed over batches
    trainer.train_epoch()
    assert all(1 < point.x <= 2 for point in trainer.batch_curve.take())


def test_regression_has_no_accuracy_and_a_penalty_is_not_part_of_the_loss():
    config = load_preset("plane")
    assert config.task == "regression"
    plain = Trainer(config)
    plain.train_epoch()
    raw = config.model_dump()
    raw["training"].update(regularization="l2", reg_rate=0.3)
    penalised = Trainer(RunConfig.from_dict(raw))
    penalised.train_epoch()
    first_plain, first_penalised = plain.batch_curve.take()[0], penalised.batch_curve.take()[0]
    assert first_plain.accuracy is None
    assert first_penalised.loss == pytest.approx(first_plain.loss)  # same weights, same batch: the data loss only


def test_frames_carry_the_points_after_the_step_asked_for_and_the_epochs_progress():
    handle = WorkerHandle(load_preset("circle"), probes=())
    try:
        handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
        handle.step()
        handle.step()
        handle.wait_until(lambda s, _: s.epoch == 2)
        frame = worker_frame(handle, 0, -1)
        batches = frame["batches"]
        assert batches["step"] == sorted(batches["step"]) and batches["x"][-1] == 2.0
        assert len(batches["step"]) == len(batches["x"]) == len(batches["loss"]) == len(batches["accuracy"])
        newest = batches["step"][-1]
        middle = batches["step"][len(batches["step"]) // 2]
        assert worker_frame(handle, 0, middle)["batches"]["step"] == [s for s in batches["step"] if s > middle]
        assert worker_frame(handle, 0, newest)["batches"]["step"] == []
        config = handle.config
        per_epoch = math.ceil(len(load_dataset(config.data).x_train) / config.training.batch_size)
        assert frame["progress"] == {"done": 0, "total": per_epoch, "per_second": None}  # paused between epochs
        assert "batches" not in worker_frame(handle, 0)  # run B of a comparison draws no per-batch line
        wire = dumps_frame(frame)
        assert b'"batches":{"step":[' in wire
    finally:
        handle.stop()
