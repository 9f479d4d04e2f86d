"""Classic machine learning next to the network: every baseline fits every family of data on exactly the network's
split, scores as the Trainer does, maps the plane like the boundary view, refuses data too big in one line; the
learning curve's sizes and seeds; the command line's tables."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from playground.cli import main
from playground.config import RunConfig
from playground.data.registry import load_dataset
from playground.limits import LimitError
from playground.presets import load_preset
from playground.train.baselines import (
    BASELINES,
    MAX_BASELINE_CELLS,
    BaselineError,
    baselines_for,
    check_affordable,
    curve_rows,
    curve_sizes,
    fit_baseline,
    parse_baselines,
    score,
    subset,
)
from playground.train.compare import NETWORK, compare, learning_curve, network_steps
from playground.train.trainer import Trainer


def preset(name: str, epochs: int = 2, **data) -> RunConfig:
    raw = load_preset(name).model_dump()
    raw["data"].update(data)
    raw["training"]["epochs"] = epochs
    return RunConfig.from_dict(raw)


#: One small setup of each family of data the pages train: points (two classes, more, values), a table, images,
#: sequences of numbers, a series to forecast and text.
FAMILIES = {
    "circle": lambda: preset("circle", n_points=200),
    "blobs": lambda: preset("blobs", n_points=200),
    "plane-regression": lambda: preset("plane", n_points=200),
    "seed-table": lambda: preset("seed-ffn", n_points=300),
    "digits": lambda: preset("digits-cnn", epochs=1),
    "seed-sequences": lambda: preset("seed-lstm", n_points=120, steps=20, epochs=1),
    "sine": lambda: preset("sine-lstm", n_points=150, epochs=1),
    "text": lambda: preset("text-lstm", n_points=600, steps=8, epochs=1),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_baseline_fits_every_family_and_scores_better_than_nothing(family):
    config = FAMILIES[family]()
    dataset = load_dataset(config.data)
    names = baselines_for(dataset)
    assert ("features" in names) == (dataset.points_train is not None)
    for name in names:
        result = fit_baseline(name, dataset, features=config.data.features, one_hot=config.tokens)
        assert result.metric == ("r2" if dataset.task == "regression" else "accuracy")
        assert math.isfinite(result.test_metric) and math.isfinite(result.train_metric), (name, result)
        assert result.fit_seconds >= 0
        if dataset.task != "regression":
            assert 0 <= result.test_metric <= 1 and 0 <= result.train_metric <= 1
    # the forest learns something on every family: beats always guessing the commonest class (or the mean: R² 0)
    forest = fit_baseline("forest", dataset, features=config.data.features, one_hot=config.tokens)
    labels = dataset.y_test.reshape(-1)
    chance = 0.0 if dataset.task == "regression" else np.unique(labels, return_counts=True)[1].max() / len(labels)
    assert forest.test_metric > chance, (family, forest)


def test_the_baselines_see_the_networks_split_and_score_as_the_trainer_does():
    from sklearn.linear_model import LogisticRegression

    config = preset("seed-ffn", n_points=300)
    trainer = Trainer(config)
    dataset = trainer.dataset
    result = fit_baseline("logreg", dataset)
    by_hand = LogisticRegression(max_iter=1000).fit(dataset.x_train, dataset.y_train.reshape(-1).astype(int))
    assert result.test_metric == pytest.approx(by_hand.score(dataset.x_test, dataset.y_test.reshape(-1)))
    assert len(dataset.x_test) == len(load_dataset(config.data).x_test)
    np.testing.assert_array_equal(dataset.x_train, load_dataset(config.data).x_train)  # the same rows, scaled alike


def test_r2_is_the_trainers_over_every_target_value():
    targets = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]])
    predictions = targets + np.array([[0.5, 0.0], [0.0, -0.5], [0.2, 0.1]])
    expected = 1 - ((predictions - targets) ** 2).sum() / ((targets - targets.mean()) ** 2).sum()
    assert score("regression", predictions, targets) == pytest.approx(expected)
    assert score("binary", np.array([1, 0, 1]), np.array([[1.0], [1.0], [1.0]])) == pytest.approx(2 / 3)


def test_on_the_plane_each_model_maps_the_grid_the_boundary_view_draws():
    config = preset("circle", n_points=300)
    dataset = load_dataset(config.data)
    forest = fit_baseline("forest", dataset, grid_resolution=21, features=config.data.features)
    grid = forest.grid_values.reshape(21, 21)
    inside, corner = grid[10, 10], grid[0, 0]  # the circle: one class in the middle, the other outside
    labels_inside = dataset.y_train.reshape(-1)[np.hypot(*dataset.points_train.T) < 1.5]
    assert round(float(inside)) == round(float(labels_inside.mean()))
    assert round(float(corner)) == 1 - round(float(inside))
    # the hand-made features make the circle linear: a logistic regression on them separates it, on x1, x2 it cannot
    features = fit_baseline("features", dataset)
    plain = fit_baseline("logreg", dataset)
    assert features.test_metric > 0.9 > plain.test_metric
    blobs = preset("blobs", n_points=200)
    svm = fit_baseline("svm", load_dataset(blobs.data), grid_resolution=11, features=blobs.data.features)
    assert svm.grid_values.dtype == np.int8 and svm.grid_confidence.shape == (121,)


def test_data_too_big_for_the_baselines_is_refused_from_its_shape_in_one_line():
    dataset = load_dataset(preset("circle", n_points=200).data)
    wide = subset(dataset, np.arange(len(dataset.x_train)))
    wide.x_train = np.broadcast_to(np.float32(0), (MAX_BASELINE_CELLS // 10 + 1, 10))  # no memory taken
    with pytest.raises(LimitError, match=r"^baselines: training rows x input columns: 20,000,010 is over the limit"):
        check_affordable(wide, ["logreg"])
    with pytest.raises(BaselineError, match="unknown"):
        parse_baselines("logreg,magic", dataset)
    text = load_dataset(preset("text-lstm", n_points=150, steps=12).data)
    assert "features" not in parse_baselines("all", text)
    with pytest.raises(BaselineError, match="features needs points of the plane"):
        parse_baselines("features", text)


def test_a_learning_curve_draws_the_same_rows_for_every_model_and_fills_in_from_the_smallest_size():
    sizes = curve_sizes(1000)
    assert (sizes[0], sizes[-1], len(sizes)) == (25, 1000, 8)
    ratios = [later / earlier for earlier, later in zip(sizes, sizes[1:], strict=False)]
    assert all(1.6 < ratio < 1.8 for ratio in ratios), sizes  # log-spaced
    assert curve_sizes(20) == [20]
    np.testing.assert_array_equal(curve_rows(100, 30, seed=1), curve_rows(100, 30, seed=1))
    assert not np.array_equal(curve_rows(100, 30, seed=1), curve_rows(100, 30, seed=2))
    config = preset("circle", n_points=200, epochs=1)
    dataset = load_dataset(config.data)
    seen = []
    points = learning_curve(config, dataset, ["logreg", "tree"], [40, 10], seeds=2, on_point=seen.append)
    assert seen == points
    assert [(point.size, point.seed, point.model) for point in points][:3] == [
        (10, 0, "logreg"),
        (10, 0, "tree"),
        (10, 0, NETWORK),
    ]
    assert len(points) == 2 * 2 * 3
    trees = [point for point in points if point.model == "tree"]
    assert all(point.train_metric == 1.0 for point in trees)  # a full tree fits its training rows exactly
    many = preset("circle", n_points=200, epochs=200)  # 200 epochs x 10 batches x 20 sizes x 10 seeds
    with pytest.raises(BaselineError, match=r"^curve: the networks' optimizer steps: 400,000 is over the limit"):
        learning_curve(many, load_dataset(many.data), ["logreg"], list(range(5, 105, 5)), seeds=10)
    with pytest.raises(BaselineError, match="sizes: 500 is outside 2 to 100"):
        learning_curve(config, dataset, ["logreg"], [500], seeds=1)


def test_compare_trains_the_network_for_the_configs_steps_after_the_baselines():
    config = preset("circle", n_points=200, epochs=3)
    dataset = load_dataset(config.data)
    assert network_steps(config, 140) == 3 * 14
    results = compare(config, dataset, ["logreg", "knn"])
    assert [result.model for result in results] == ["logreg", "knn", NETWORK]
    network = results[-1]
    trainer = Trainer(config, dataset)
    for _ in range(3):
        row = trainer.train_epoch()
    assert network.test_metric == pytest.approx(row["test_accuracy"])


def test_the_command_line_writes_the_table_and_the_curves(tmp_path, capsys):
    config = preset("circle", n_points=200, epochs=1)
    setup = tmp_path / "setup.json"
    setup.write_text(config.model_dump_json())
    table = tmp_path / "table.csv"
    assert main(["compare", str(setup), "--baselines", "logreg,features", "--out", str(table)]) == 0
    rows = list(csv.DictReader(table.open()))
    assert [row["model"] for row in rows] == ["logreg", "features", "network"]
    assert list(rows[0]) == ["model", "metric", "test_metric", "train_metric", "fit_seconds"]
    assert rows[0]["metric"] == "accuracy" and 0 <= float(rows[1]["test_metric"]) <= 1
    assert "logistic regression on x1², x2², x1·x2, sin" in capsys.readouterr().out
    curves = tmp_path / "curve.csv"
    assert main(["curve", str(setup), "--sizes", "20,60", "--seeds", "2", "--baselines", "knn", "--out",
                 str(curves)]) == 0  # fmt: skip
    rows = list(csv.DictReader(curves.open()))
    assert list(rows[0]) == ["model", "size", "seed", "train_metric", "test_metric"]
    firsts = [(row["model"], row["size"], row["seed"]) for row in rows][:2]
    assert firsts == [("knn", "20", "0"), ("network", "20", "0")]
    assert len(rows) == 2 * 2 * 2
    assert main(["curve", str(setup), "--seeds", "99", "--out", str(curves)]) == 2
    assert "seeds: 99 is outside 1 to 10" in capsys.readouterr().err
    assert set(BASELINES) >= {"logreg", "knn", "svm", "tree", "forest", "boosting"}
