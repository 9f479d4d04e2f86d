"""The engine behind "Why deep learning": the capacity sweep (wider networks on the same few rows), the remedies
for overfitting as setup changes, early stopping in the Trainer, the comparison's answers in the worker, and the
pictures (each model's map in the 2D page's colours, learning curves with bands, who leads where)."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from playground.config import ConfigError, RunConfig
from playground.data.registry import load_dataset
from playground.presets import load_preset
from playground.train.baselines import BaselineError, fit_baseline
from playground.train.compare import (
    MAX_CURVE_NETWORK_STEPS,
    ComparisonRequest,
    capacity_points,
    run_comparison,
    scaled_model,
)
from playground.train.overfitting import Remedies, can_augment, can_drop_out, with_remedies
from playground.train.trainer import Trainer
from playground.train.worker import WorkerHandle
from playground.viz.colors import CLASS_PALETTE, NEGATIVE, POSITIVE, hex_to_rgb
from playground.viz.comparison_charts import (
    HEAT_ALPHA,
    boundary_picture,
    capacity_figure,
    leaders,
    learning_curve_figure,
    map_with_points,
)


def preset(name: str, epochs: int = 2, **data) -> RunConfig:
    raw = load_preset(name).model_dump()
    raw["data"].update(data)
    raw["training"]["epochs"] = epochs
    return RunConfig.from_dict(raw)


def widths(config: RunConfig) -> list[int | None]:
    return [getattr(layer, "units", getattr(layer, "filters", None)) for layer in config.model.layers]


def test_scaled_model_widens_every_hidden_layer_and_keeps_the_output():
    spiral = load_preset("spiral")
    assert widths(spiral) == [16, 16, 1]
    assert widths(scaled_model(spiral, 0.25)) == [4, 4, 1]
    assert widths(scaled_model(spiral, 0.01)) == [1, 1, 1]  # at least one neuron
    assert scaled_model(spiral, 4).total_params() > 10 * spiral.total_params()
    cnn = load_preset("seed-cnn")
    wide = scaled_model(cnn, 2)
    assert widths(wide)[0] == 2 * widths(cnn)[0] and widths(wide)[-1] == 10  # filters doubled, 10 classes kept
    with pytest.raises(ConfigError):
        scaled_model(cnn, 64)  # over the server's parameter limit: refused as any setup is


def test_capacity_sweep_trains_every_width_on_the_same_rows_and_memorises_with_width():
    config = preset("circle", epochs=60, n_points=200, noise=30)
    dataset = load_dataset(config.data)
    points = list(capacity_points(config, dataset, [0.125, 4.0], size=20, seeds=2))
    assert [(p.width, p.seed) for p in points] == [(0.125, 0), (0.125, 1), (4.0, 0), (4.0, 1)]
    assert all(p.size == 20 for p in points)
    narrow, wide = points[0], points[2]
    assert wide.params > 20 * narrow.params
    # 20 noisy rows: the wide network fits them far better than the narrow one, and far better than the test rows
    assert wide.train_loss < narrow.train_loss and wide.train_loss < 0.5 * wide.test_loss
    assert all(0.0 <= p.test_metric <= 1.0 and math.isfinite(p.test_loss) for p in points)


def test_capacity_sweep_refuses_too_much_work_and_bad_widths_in_one_line():
    config = preset("circle", epochs=200, n_points=2000)
    dataset = load_dataset(config.data)
    with pytest.raises(BaselineError, match=f"capacity: the networks' optimizer steps.*{MAX_CURVE_NETWORK_STEPS:,}"):
        next(capacity_points(config, dataset, [1, 2, 4, 8], size=50, seeds=3))
    with pytest.raises(BaselineError, match="widths"):
        next(capacity_points(config, dataset, [0.0], size=50, seeds=1))
    with pytest.raises(BaselineError, match="sizes: 5000 is outside"):
        next(capacity_points(config, dataset, [1.0], size=5000, seeds=1))


def test_run_comparison_reports_a_capacity_sweep_as_it_grows_and_stops_when_told():
    config = preset("circle", epochs=5, n_points=200)
    dataset = load_dataset(config.data)
    answers: list[dict] = []
    request = ComparisonRequest(kind="capacity", widths=[0.5, 2.0], size=40, seeds=1)
    run_comparison(config, dataset, request, threading.Event(), answers.append)
    assert answers[-1]["finished"] and answers[-1]["size"] == 40 and answers[-1]["total"] == 2
    assert [row["width"] for row in answers[-1]["rows"]] == [0.5, 2.0]
    assert any("progress" in answer for answer in answers)  # the network's steps are reported while it trains
    stop = threading.Event()
    stop.set()
    stopped: list[dict] = []
    run_comparison(config, dataset, request, stop, stopped.append)
    assert stopped[-1]["stopped"] and stopped[-1]["rows"] == []
    refused: list[dict] = []
    run_comparison(config, dataset, ComparisonRequest(kind="capacity", widths=[64.0]), stop, refused.append)
    assert "widths" in refused[-1]["error"]


def test_remedies_change_the_setup_as_named():
    spiral = load_preset("spiral")
    assert with_remedies(spiral, Remedies()) == spiral
    changed = with_remedies(spiral, Remedies(dropout=0.3, l2=0.001, patience=20))
    assert [layer.kind for layer in changed.model.layers] == ["dense", "dropout", "dense", "dropout", "dense"]
    assert changed.model.layers[1].rate == 0.3
    assert (changed.training.regularization, changed.training.reg_rate, changed.training.patience) == ("l2", 0.001, 20)
    cnn = load_preset("seed-cnn")
    assert can_augment(cnn) and not can_augment(spiral)
    augmented = with_remedies(cnn, Remedies(dropout=0.5, augment=True))
    assert augmented.augments and augmented.data.augment_shift == 2
    kinds = [layer.kind for layer in augmented.model.layers]
    assert kinds[-3:] == ["dense", "dropout", "dense"] and kinds.count("dropout") == 1  # not after conv layers
    assert with_remedies(changed, Remedies(dropout=0.5)).model.layers == changed.model.layers  # never doubled
    assert with_remedies(spiral, Remedies(augment=True)) == spiral  # points cannot be augmented
    assert can_drop_out(load_preset("seed-lstm"))
    bare = RunConfig.from_dict({"data": {"dataset": "circle"}, "model": {"layers": [{"kind": "dense", "units": 1}]}})
    assert not can_drop_out(bare) and with_remedies(bare, Remedies(dropout=0.5)) == bare


def test_early_stopping_stops_once_the_test_loss_stops_improving_and_once_only():
    trainer = Trainer(preset("circle", epochs=100).model_copy(deep=True))
    trainer.set_training(trainer.training.model_copy(update={"patience": 2}))
    trainer.history = [{"epoch": e, "test_loss": loss} for e, loss in enumerate([0.5, 0.4, 0.45, 0.41], start=1)]
    trainer.epoch = 3
    assert trainer.stop_reached() is None  # one epoch without improvement
    trainer.epoch = 4
    english, key, args = trainer.stop_reached()
    assert key == "msg_finished_patience" and args == {"patience": 2, "loss": 0.4, "epoch": 2}
    assert "lowest (0.4) in epoch 2" in english
    trainer.history.append({"epoch": 5, "test_loss": 0.42})
    trainer.epoch = 5
    assert trainer.stop_reached() is None  # announced once; Play then trains on
    trainer.history.append({"epoch": 6, "test_loss": 0.3})  # a new best: patience starts again
    trainer.history += [{"epoch": e, "test_loss": 0.35} for e in (7, 8)]
    trainer.epoch = 8
    assert trainer.stop_reached()[2]["epoch"] == 6


def test_worker_reports_its_training_time_and_a_capacity_sweep():
    handle = WorkerHandle(preset("circle", epochs=3, n_points=200), probes=())
    try:
        handle.step()
        handle.wait_until(lambda latest, _: latest.epoch >= 1, timeout=60)
        assert handle.snapshot()[0].train_seconds > 0
        request = handle.compare(ComparisonRequest(kind="capacity", widths=[1.0], size=30).model_dump_json())
        answer = handle.wait_for_answer("compare", request, timeout=120, until=lambda a: "finished" in a)
        assert answer["finished"] and answer["rows"][0]["size"] == 30
        handle.reset()
        handle.wait_until(lambda latest, _: latest.epoch == 0, timeout=60)
        assert handle.snapshot()[0].train_seconds == 0.0
    finally:
        handle.stop()


def _rgb(color: str) -> np.ndarray:
    """A colour painted over white as the live view paints the boundary."""
    return np.round(np.array(hex_to_rgb(color)) * HEAT_ALPHA + 255 * (1 - HEAT_ALPHA))


def test_boundary_picture_uses_the_live_views_colours_with_y_up():
    # a 2x2 grid, rows from the bottom up: bottom row sure of class 0, top row sure of class 1
    picture = boundary_picture(np.array([0.0, 0.0, 1.0, 1.0]), None, "binary", 2, 2)
    np.testing.assert_array_equal(picture[0, 0], _rgb(POSITIVE))  # the top of the picture is the top row
    np.testing.assert_array_equal(picture[1, 1], _rgb(NEGATIVE))
    undecided = boundary_picture(np.full(4, 0.5), None, "binary", 2, 2)
    assert undecided[0, 0].min() > 220  # the pale middle
    classes = boundary_picture(np.array([2, 2, 0, 0]), np.ones(4), "multiclass", 3, 2)
    np.testing.assert_array_equal(classes[1, 0], _rgb(CLASS_PALETTE[2]))
    unsure = boundary_picture(np.array([2, 2, 0, 0]), np.full(4, 1 / 3), "multiclass", 3, 2)
    assert np.abs(unsure[1, 0].astype(int) - _rgb(CLASS_PALETTE[2])).max() > 40  # unsure: paler
    values = boundary_picture(np.array([-1.0, -1.0, 1.0, 1.0]), None, "regression", 1, 2)
    np.testing.assert_array_equal(values[0, 0], _rgb(POSITIVE))


def test_a_fitted_models_map_shows_what_it_predicts_with_the_points_on_it():
    config = preset("gauss", n_points=200)
    dataset = load_dataset(config.data)
    result = fit_baseline("logreg", dataset, grid_resolution=20)
    picture = boundary_picture(result.grid_values, None, "binary", 2, 20)
    image = map_with_points(picture, dataset.points_train, dataset.y_train, "binary", size=200)
    assert image.shape == (200, 200, 3)
    # every training point sits on a dot of its class's colour
    limit = 6.0
    for (x, y), label in list(zip(dataset.points_train, dataset.y_train.reshape(-1), strict=True))[:20]:
        column, row = round((x + limit) / (2 * limit) * 199), round((limit - y) / (2 * limit) * 199)
        if 0 <= row < 200 and 0 <= column < 200:
            np.testing.assert_array_equal(image[row, column], hex_to_rgb(CLASS_PALETTE[int(label)]))
    # the map is the model's: a line separates the two clouds, so each colour covers a good part of it
    orange = np.abs(picture - _rgb(NEGATIVE)).sum(axis=2) < np.abs(picture - _rgb(POSITIVE)).sum(axis=2)
    assert 0.2 < orange.mean() < 0.8


CURVE_ROWS = [
    {"model": model, "size": size, "seed": seed, "train_metric": 1.0, "test_metric": score + 0.01 * seed}
    for model, scores in {"network": (0.6, 0.8, 0.95), "forest": (0.7, 0.75, 0.8)}.items()
    for size, score in zip((25, 100, 400), scores, strict=True)
    for seed in (0, 1)
]


def test_learning_curve_figure_draws_the_mean_and_a_band_over_seeds_on_a_log_axis():
    labels = {"title": "t", "size": "rows", "metric": "accuracy", "test": "test", "train": "training"}
    figure = learning_curve_figure(CURVE_ROWS, {"network": "neural network", "forest": "random forest"}, labels)
    lines = [trace for trace in figure.data if trace.mode == "lines+markers"]
    bands = [trace for trace in figure.data if trace.fill == "toself"]
    assert [trace.name for trace in lines] == ["neural network", "random forest"] and len(bands) == 2
    assert list(lines[0].x) == [25, 100, 400] and lines[0].y[0] == pytest.approx(0.605)
    assert figure.layout.xaxis.type == "log"
    assert max(bands[0].y) == pytest.approx(0.96) and min(bands[0].y) == pytest.approx(0.6)
    with_train = learning_curve_figure(CURVE_ROWS, {}, labels, show_train=True)
    assert sum(trace.line.dash == "dash" for trace in with_train.data if trace.mode == "lines+markers") == 2


def test_leaders_say_where_the_network_overtakes():
    assert [(lead.size, lead.best) for lead in leaders(CURVE_ROWS)] == [
        (25, "forest"),
        (100, "network"),
        (400, "network"),
    ]
    diverged = [{**row, "test_metric": math.nan} if row["model"] == "network" and row["size"] == 25 else row
                for row in CURVE_ROWS]  # fmt: skip
    assert [lead.size for lead in leaders(diverged)] == [100, 400]  # a size whose networks all diverged is left out


def test_capacity_figure_plots_training_and_test_loss_against_parameters():
    rows = [
        {"width": w, "params": p, "size": 20, "seed": 0, "train_loss": tr, "test_loss": te, "train_metric": 1.0,
         "test_metric": 0.5}
        for w, p, tr, te in ((0.5, 10, 0.5, 0.6), (2.0, 100, 0.01, 0.9))
    ]  # fmt: skip
    labels = {"title": "t", "params": "weights", "loss": "loss", "train": "training", "test": "test"}
    figure = capacity_figure(rows, labels)
    lines = {trace.name: trace for trace in figure.data if trace.mode == "lines+markers"}
    assert list(lines["training"].y) == [0.5, 0.01] and list(lines["test"].y) == [0.6, 0.9]
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.type == "log"
