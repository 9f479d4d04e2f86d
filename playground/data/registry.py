"""Every dataset by id: what task it poses, its input shape, and how to make it for a DataConfig."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from playground.data import tabular, two_d

if TYPE_CHECKING:
    from playground.config import DataConfig


@dataclass(frozen=True)
class DatasetSpec:
    """Static facts about a dataset, known before generating it."""

    task: str  # "binary" | "multiclass" | "regression"
    family: str  # "2d" (points on a plane, with features) | "tabular"
    max_points: int


DATASETS: dict[str, DatasetSpec] = {
    **{name: DatasetSpec("binary", "2d", 5_000) for name in two_d.CLASSIFICATION_2D},
    **{name: DatasetSpec("regression", "2d", 5_000) for name in two_d.REGRESSION_2D},
    **{name: DatasetSpec("multiclass", "2d", 5_000) for name in two_d.MULTICLASS_2D},
    "seed_ffn": DatasetSpec("binary", "tabular", 20_000),
}


def dataset_task(name: str) -> str:
    return DATASETS[name].task


def dataset_input_shape(config: DataConfig) -> tuple[int, ...]:
    if DATASETS[config.dataset].family == "2d":
        return (len(config.features),)
    return (config.n_features,)


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
    n_classes = config.n_classes if spec.task == "multiclass" else (2 if spec.task == "binary" else 1)
    if spec.family == "2d":
        points, labels = two_d.generate_2d(
            config.dataset, config.n_points, config.noise, config.seed, n_classes=config.n_classes
        )
        inputs = two_d.feature_matrix(points, config.features)
        names = list(config.features)
    else:
        inputs, labels = tabular.make_seed_ffn(config.n_points, config.n_features, config.seed)
        points = None
        names = [f"f{i}" for i in range(config.n_features)]
    train, test = two_d.train_test_split_indices(len(labels), config.train_share, config.seed)
    return Dataset(
        x_train=inputs[train],
        y_train=labels[train],
        x_test=inputs[test],
        y_test=labels[test],
        task=spec.task,
        n_classes=n_classes,
        feature_names=names,
        points_train=None if points is None else points[train],
        points_test=None if points is None else points[test],
    )
