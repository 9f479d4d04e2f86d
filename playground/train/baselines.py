"""Classic machine learning next to the network: scikit-learn's standard models trained on exactly the network's
split (the same rows, the same standardisation), scored with the same accuracy or R² as the Trainer.

The lesson of the seed article: a network learns the features that classic methods need made by hand, and it
needs (and profits from) more data. Here a logistic regression, k-nearest neighbours, an RBF SVM, a decision
tree, a random forest and histogram gradient boosting see the network's own inputs (flattened: pixels, a
window's steps; text as one-hot characters), and on the plane a logistic regression also gets hand-made features
(x1², x2², x1·x2, sin x1, sin x2). On the plane each model also maps its output over the 2D page's grid.

scikit-learn is imported inside the functions: a worker that never fits a baseline never pays for it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from playground.data import two_d
from playground.data.kinds.base import Dataset
from playground.history import train_sample
from playground.limits import LimitError, over_limit

#: The classic models, in the order tables list them.
BASELINES = ("logreg", "knn", "svm", "tree", "forest", "boosting", "features")
#: Their names in tables and legends (the page translates them; the command line prints these).
BASELINE_NAMES = {
    "logreg": "logistic regression",
    "knn": "k-nearest neighbours",
    "svm": "SVM (RBF kernel)",
    "tree": "decision tree",
    "forest": "random forest",
    "boosting": "gradient boosting",
    "features": "logistic regression on x1², x2², x1·x2, sin",
}
#: For regression the linear models are ridge regressions.
REGRESSION_NAMES = {"logreg": "ridge regression", "features": "ridge regression on x1², x2², x1·x2, sin"}
#: The hand-made features of the ``features`` model (the 2D page's own feature names).
HAND_MADE_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2")
#: Cells (rows x input columns) of the training inputs a baseline may take: 5,000 MNIST digits are 3.9 M; more
#: would keep a worker busy for minutes (an SVM grows with the square of the rows).
MAX_BASELINE_CELLS = 20_000_000
#: Rows an RBF SVM may fit on: its time grows with their square (5,000 digits take about 10 s on two cores).
MAX_SVM_ROWS = 10_000
#: Trees of the random forest; boosting rounds of the gradient boosting, which grows one tree per class and round,
#: so its trees in all stay near BOOSTING_TREES (10 digits: 30 rounds; 57 characters of text: 10). 100 rounds of
#: the 10 digits took 33 s of the 30 s all baselines may take on 5,000 MNIST digits (benchmarks/baselines.py).
FOREST_TREES, BOOSTING_ROUNDS, BOOSTING_TREES = 100, 100, 300
#: Neighbours of k-nearest neighbours (fewer when there are fewer training rows).
NEIGHBOURS = 5


class BaselineError(ValueError):
    """A baseline cannot be fitted on this data; the message is the one-line reason."""


@dataclass
class BaselineResult:
    """One fitted model's scores, as a row of the comparison table."""

    model: str
    metric: str  # "accuracy" or "r2"
    test_metric: float
    train_metric: float
    fit_seconds: float
    #: On the plane: the model's output over the 2D page's grid (``two_d.boundary_grid``), as the boundary probe
    #: gives the network's: P(class 1), a class number per cell, or the value.
    grid_values: np.ndarray | None = None
    grid_confidence: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def row(self) -> dict[str, object]:
        """The command line's CSV row."""
        return {
            "model": self.model,
            "metric": self.metric,
            "test_metric": round(self.test_metric, 6),
            "train_metric": round(self.train_metric, 6),
            "fit_seconds": round(self.fit_seconds, 4),
        }


def metric_name(task: str) -> str:
    return "r2" if task == "regression" else "accuracy"


def display_name(model: str, task: str) -> str:
    """A model's name in tables: the classic ones by what they are, anything else (the network) as given."""
    if task == "regression" and model in REGRESSION_NAMES:
        return REGRESSION_NAMES[model]
    return BASELINE_NAMES.get(model, model)


def baselines_for(dataset: Dataset) -> list[str]:
    """The classic models this data allows: the hand-made features only on the plane."""
    return [name for name in BASELINES if name != "features" or dataset.points_train is not None]


def parse_baselines(text: str, dataset: Dataset) -> list[str]:
    """``all`` or a comma-separated list of model names, checked against what the data allows."""
    allowed = baselines_for(dataset)
    if text.strip() == "all":
        return allowed
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in BASELINES]
    if unknown or not names:
        raise BaselineError(f"--baselines: {', '.join(unknown) or 'none'} unknown; choose from all, "
                            f"{', '.join(BASELINES)}")  # fmt: skip
    if "features" in names and "features" not in allowed:
        raise BaselineError("--baselines: features needs points of the plane (the 2D datasets)")
    return names


def score(task: str, predictions: np.ndarray, targets: np.ndarray) -> float:
    """Accuracy, or R² over every target value (as the Trainer computes it, so the rows compare)."""
    if task != "regression":
        return float(np.mean(predictions.reshape(-1) == targets.reshape(-1)))
    predictions = predictions.reshape(len(targets), -1).astype(np.float64)
    targets = targets.reshape(len(targets), -1).astype(np.float64)
    spread = float(((targets - targets.mean()) ** 2).sum())
    return 1.0 - float(((predictions - targets) ** 2).sum()) / spread if spread > 0 else 0.0


def _columns(dataset: Dataset, one_hot: bool) -> int:
    """Input columns a baseline sees: the flattened input; text (character numbers) one-hot."""
    per_row = math.prod(dataset.x_train.shape[1:])
    return per_row * dataset.n_classes if one_hot else per_row


def check_affordable(dataset: Dataset, models: list[str], one_hot: bool = False) -> None:
    """Refuse, from the shapes alone and before anything is allocated, data too big for the baselines."""
    cells = len(dataset.x_train) * _columns(dataset, one_hot)
    if cells > MAX_BASELINE_CELLS:
        raise LimitError(over_limit("baselines: training rows x input columns", cells, MAX_BASELINE_CELLS))
    if "svm" in models and len(dataset.x_train) > MAX_SVM_ROWS:
        raise LimitError(over_limit("baselines: the SVM's training rows", len(dataset.x_train), MAX_SVM_ROWS))


def inputs_of(dataset: Dataset, x: np.ndarray, one_hot: bool = False) -> np.ndarray:
    """Rows as a classic model takes them: flattened float32; text (``one_hot``) as one-hot characters."""
    if one_hot:
        return np.eye(dataset.n_classes, dtype=np.float32)[x].reshape(len(x), -1)
    return np.asarray(x, dtype=np.float32).reshape(len(x), -1)


def targets_of(task: str, y: np.ndarray) -> np.ndarray:
    """Labels as scikit-learn takes them: class numbers, or values (one column flattened)."""
    if task != "regression":
        return np.asarray(y).reshape(-1).astype(np.int64)
    values = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return values.ravel() if values.shape[1] == 1 else values


def _estimator(name: str, task: str, rows: int, outputs: int, seed: int, classes: int = 2):
    """A fresh scikit-learn model; for regression the regressor of the same family."""
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.svm import SVC, SVR
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    neighbours = max(1, min(NEIGHBOURS, rows))
    if task == "regression":
        single = {
            "logreg": lambda: Ridge(alpha=1.0),
            "features": lambda: Ridge(alpha=1.0),
            "knn": lambda: KNeighborsRegressor(n_neighbors=neighbours),
            "svm": lambda: SVR(kernel="rbf", gamma="scale"),
            "tree": lambda: DecisionTreeRegressor(random_state=seed),
            "forest": lambda: RandomForestRegressor(n_estimators=FOREST_TREES, random_state=seed, n_jobs=2),
            "boosting": lambda: HistGradientBoostingRegressor(max_iter=BOOSTING_ROUNDS, random_state=seed),
        }[name]
        many_outputs_native = name in ("logreg", "features", "knn", "tree", "forest")
        return single() if outputs == 1 or many_outputs_native else MultiOutputRegressor(single())
    return {
        "logreg": lambda: LogisticRegression(max_iter=1000),
        "features": lambda: LogisticRegression(max_iter=1000),
        "knn": lambda: KNeighborsClassifier(n_neighbors=neighbours),
        "svm": lambda: SVC(kernel="rbf", gamma="scale", random_state=seed),
        "tree": lambda: DecisionTreeClassifier(random_state=seed),
        "forest": lambda: RandomForestClassifier(n_estimators=FOREST_TREES, random_state=seed, n_jobs=2),
        "boosting": lambda: HistGradientBoostingClassifier(
            max_iter=max(10, min(BOOSTING_ROUNDS, BOOSTING_TREES // classes)), random_state=seed, early_stopping=False
        ),
    }[name]()


def _hand_made(points: np.ndarray) -> np.ndarray:
    return two_d.feature_matrix(points, HAND_MADE_FEATURES)


def fit_baseline(
    name: str,
    dataset: Dataset,
    seed: int = 0,
    grid_resolution: int | None = None,
    features: list[str] | None = None,
    one_hot: bool = False,
) -> BaselineResult:
    """Fit one classic model on the dataset's training rows and score it on both parts; with ``grid_resolution``
    (plane data) also its output over the 2D page's grid, whose inputs are made with ``features`` (the
    network's input features). ``one_hot``: the inputs are character numbers (text)."""
    if name not in BASELINES:
        raise BaselineError(f"baseline {name!r} unknown; choose from {', '.join(BASELINES)}")
    task = dataset.task
    if name == "features":
        if dataset.points_train is None or dataset.points_test is None:
            raise BaselineError("the hand-made features need points of the plane (the 2D datasets)")
        x_train, x_test = _hand_made(dataset.points_train), _hand_made(dataset.points_test)
    else:
        x_train, x_test = inputs_of(dataset, dataset.x_train, one_hot), inputs_of(dataset, dataset.x_test, one_hot)
    y_train, y_test = targets_of(task, dataset.y_train), targets_of(task, dataset.y_test)
    if task != "regression" and len(np.unique(y_train)) < 2:
        return _constant(name, dataset, y_train, y_test, grid_resolution)  # one class: nothing to separate
    outputs = 1 if y_train.ndim == 1 else y_train.shape[1]
    classes = 2 if task == "binary" else dataset.n_classes
    model = _estimator(name, task, len(x_train), outputs, seed, classes)
    started = time.perf_counter()
    model.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - started
    sample = train_sample(len(x_train))  # the training rows the Trainer reports its training metric on
    result = BaselineResult(
        model=name,
        metric=metric_name(task),
        test_metric=score(task, model.predict(x_test), y_test),
        train_metric=score(task, model.predict(x_train[sample]), y_train[sample]),
        fit_seconds=fit_seconds,
    )
    if grid_resolution is not None and dataset.points_train is not None:
        _, _, grid = two_d.boundary_grid(grid_resolution)
        inputs = _hand_made(grid) if name == "features" else two_d.feature_matrix(grid, features or ["x1", "x2"])
        result.grid_values, result.grid_confidence = _grid_outputs(model, task, inputs)
    return result


def _grid_outputs(model, task: str, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """What the boundary view draws: P(class 1) for two classes (an SVM's margin through a logistic curve), the
    class and its probability for more, the value for regression."""
    if task == "regression":
        return np.asarray(model.predict(inputs), dtype=np.float32).reshape(len(inputs), -1)[:, 0], None
    if task == "binary":
        if hasattr(model, "predict_proba"):
            return model.predict_proba(inputs)[:, -1].astype(np.float32), None
        return (1.0 / (1.0 + np.exp(-model.decision_function(inputs)))).astype(np.float32), None
    classes = model.predict(inputs).astype(np.int8)
    if hasattr(model, "predict_proba"):
        return classes, model.predict_proba(inputs).max(axis=1).astype(np.float32)
    return classes, np.ones(len(inputs), dtype=np.float32)


def _constant(
    name: str, dataset: Dataset, y_train: np.ndarray, y_test: np.ndarray, grid_resolution: int | None
) -> BaselineResult:
    """Training rows of one class only (a tiny learning-curve size): every model can only predict that class."""
    only = int(y_train[0])
    result = BaselineResult(
        model=name,
        metric="accuracy",
        test_metric=float(np.mean(y_test == only)),
        train_metric=1.0,
        fit_seconds=0.0,
    )
    if grid_resolution is not None and dataset.points_train is not None:
        cells = grid_resolution * grid_resolution
        if dataset.task == "binary":
            result.grid_values = np.full(cells, float(only), dtype=np.float32)
        else:
            result.grid_values = np.full(cells, only, dtype=np.int8)
            result.grid_confidence = np.ones(cells, dtype=np.float32)
    return result


def subset(dataset: Dataset, rows: np.ndarray) -> Dataset:
    """The dataset with only ``rows`` of its training part (the test part untouched): one learning-curve size."""
    points = dataset.points_train[rows] if dataset.points_train is not None else None
    return replace(dataset, x_train=dataset.x_train[rows], y_train=dataset.y_train[rows], points_train=points)


def curve_sizes(n_train: int, smallest: int = 25, count: int = 8) -> list[int]:
    """Log-spaced training-set sizes from ``smallest`` to all training rows."""
    if n_train <= smallest:
        return [n_train]
    sizes = np.unique(np.round(np.geomspace(smallest, n_train, count)).astype(int))
    return [int(size) for size in sizes]


def curve_rows(n_train: int, size: int, seed: int) -> np.ndarray:
    """The ``size`` training rows of one seed: a random draw, the same for every model at that seed."""
    return np.sort(np.random.default_rng(seed).permutation(n_train)[:size])


def fit_all(
    names: list[str],
    dataset: Dataset,
    seed: int = 0,
    grid_resolution: int | None = None,
    features: list[str] | None = None,
    one_hot: bool = False,
    on_result: Callable[[BaselineResult], None] | None = None,
) -> list[BaselineResult]:
    """Fit every named model in turn (refused first if the data is too big), telling ``on_result`` each one."""
    check_affordable(dataset, names, one_hot)
    results = []
    for name in names:
        result = fit_baseline(name, dataset, seed, grid_resolution, features, one_hot)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
