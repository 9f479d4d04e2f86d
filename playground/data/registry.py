"""Every dataset by id: what task it poses, its input shape, and how to make it for a DataConfig."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from playground.data import points, tabular, two_d, upload

#: The dataset id of uploaded tables (``DataConfig.upload`` holds which one).
UPLOAD = "upload"
#: The dataset id of a user's own 2D points (uploaded or drawn); ``DataConfig.upload`` holds which set.
CUSTOM = "custom"

if TYPE_CHECKING:
    from playground.config import DataConfig


@dataclass(frozen=True)
class DatasetSpec:
    """Static facts about a dataset, known before generating it."""

    task: str  # "binary" | "multiclass" | "regression"
    family: str  # "2d" (points on a plane) | "tabular" (generated) | "table" (fixed rows) | "upload" (a user's CSV)
    max_points: int
    fixed_classes: int | None = None  # a table's own number of classes; generated sets take n_classes
    fixed_inputs: int | None = None  # a table's own number of feature columns


DATASETS: dict[str, DatasetSpec] = {
    **{name: DatasetSpec("binary", "2d", 5_000) for name in two_d.CLASSIFICATION_2D},
    **{name: DatasetSpec("regression", "2d", 5_000) for name in two_d.REGRESSION_2D},
    **{name: DatasetSpec("multiclass", "2d", 5_000) for name in two_d.MULTICLASS_2D},
    "seed_ffn": DatasetSpec("binary", "tabular", 20_000),
    **{
        name: DatasetSpec(task, "table", 20_000, classes if task == "multiclass" else None, inputs)
        for name, (_, task, classes, inputs) in tabular.SKLEARN_TABLES.items()
    },
    # A user's CSV, named by ``DataConfig.upload``; its task, classes and width come from the stored table.
    UPLOAD: DatasetSpec("binary", "upload", upload.MAX_ROWS),
    # A user's 2D point set, named by ``DataConfig.upload``; its task and classes come from the stored set.
    CUSTOM: DatasetSpec("binary", "2d", points.MAX_POINTS),
}


def data_task(config: DataConfig) -> str:
    """The task a DataConfig poses; an upload's depends on its target column, not on its name."""
    if config.dataset == UPLOAD:
        return upload.upload_info(_upload_sha(config)).task
    if config.dataset == CUSTOM:
        return points.points_info(_upload_sha(config)).task
    return DATASETS[config.dataset].task


def dataset_input_shape(config: DataConfig) -> tuple[int, ...]:
    spec = DATASETS[config.dataset]
    if spec.family == "2d":
        return (len(config.features),)
    if spec.family == "upload":
        return (upload.upload_info(_upload_sha(config)).n_inputs,)
    return (spec.fixed_inputs or config.n_features,)


def dataset_classes(config: DataConfig) -> int:
    """Classes of a multiclass dataset: a table's own, or the n_classes asked of a generator."""
    if config.dataset == UPLOAD:
        return upload.upload_info(_upload_sha(config)).n_classes
    if config.dataset == CUSTOM:
        return points.points_info(_upload_sha(config)).n_classes
    return DATASETS[config.dataset].fixed_classes or config.n_classes


def _upload_sha(config: DataConfig) -> str:
    if not config.upload:
        if config.dataset == CUSTOM:
            raise upload.UploadError("data.upload: a custom point set needs the sha256 of its points")
        raise upload.UploadError("data.upload: an uploaded dataset needs the sha256 of its table")
    return config.upload


@dataclass
class Dataset:
    """Model-ready arrays split into train and test, plus what the views need to draw them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str
    n_classes: int
    feature_names: list[str]
    points_train: np.ndarray | None = None  # raw 2D coordinates, for plotting
    points_test: np.ndarray | None = None


def load_dataset(config: DataConfig) -> Dataset:
    """Generate the dataset a DataConfig describes; deterministic for its seed."""
    spec = DATASETS[config.dataset]
    if spec.family == "upload":
        return _load_upload(config)
    if config.dataset == CUSTOM:
        return _load_custom(config)
    n_classes = dataset_classes(config) if spec.task == "multiclass" else (2 if spec.task == "binary" else 1)
    if spec.family == "2d":
        points, labels = two_d.generate_2d(
            config.dataset, config.n_points, config.noise, config.seed, n_classes=config.n_classes
        )
        inputs = two_d.feature_matrix(points, config.features)
        names = list(config.features)
    elif spec.family == "table":
        inputs, labels, names = tabular.load_sklearn_table(config.dataset)
        points = None
    else:
        inputs, labels = tabular.make_seed_ffn(config.n_points, config.n_features, config.seed)
        points = None
        names = [f"f{i}" for i in range(config.n_features)]
    train, test = two_d.train_test_split_indices(len(labels), config.train_share, config.seed)
    x_train, x_test = inputs[train], inputs[test]
    y_train, y_test = labels[train], labels[test]
    if spec.family == "table":  # raw units (cm, mg, ...) differ by orders of magnitude; networks want z-scores
        x_train, x_test = tabular.standardize(x_train, x_test)
        if spec.task == "regression":
            y_train, y_test = (column.ravel() for column in tabular.standardize(y_train[:, None], y_test[:, None]))
    return Dataset(
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        task=spec.task,
        n_classes=n_classes,
        feature_names=names,
        points_train=None if points is None else points[train],
        points_test=None if points is None else points[test],
    )


def _load_custom(config: DataConfig) -> Dataset:
    """A stored 2D point set, with the config's features and split exactly like a generated set; the config's
    n_points and noise do not apply (the set has its own points)."""
    point_set = points.load_points(_upload_sha(config))
    inputs = two_d.feature_matrix(point_set.points, config.features)
    train, test = two_d.train_test_split_indices(len(point_set), config.train_share, config.seed)
    return Dataset(
        x_train=inputs[train],
        y_train=point_set.labels[train],
        x_test=inputs[test],
        y_test=point_set.labels[test],
        task=point_set.task,
        n_classes=point_set.n_classes,
        feature_names=list(config.features),
        points_train=point_set.points[train],
        points_test=point_set.points[test],
    )


def _load_upload(config: DataConfig) -> Dataset:
    """A stored CSV, split by the config's share and seed and standardised with training statistics like the tables.

    Regression targets are standardised too; one-hot columns are scaled like any other (harmless, and it keeps
    every input at the same scale for the first layer).
    """
    table = upload.load_upload(_upload_sha(config))
    train, test = two_d.train_test_split_indices(len(table.labels), config.train_share, config.seed)
    x_train, x_test = tabular.standardize(table.inputs[train], table.inputs[test])
    y_train, y_test = table.labels[train], table.labels[test]
    if table.task == "regression":
        y_train, y_test = (column.ravel() for column in tabular.standardize(y_train[:, None], y_test[:, None]))
    n_classes = len(table.class_names) if table.task == "multiclass" else (2 if table.task == "binary" else 1)
    return Dataset(x_train, y_train, x_test, y_test, table.task, n_classes, list(table.feature_names))
