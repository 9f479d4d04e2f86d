"""Tabular datasets: rows of numeric features with a label (the seed article's feedforward task)."""

from __future__ import annotations

import numpy as np


def make_seed_ffn(n_samples: int, n_features: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The seed article's feedforward task: standardised features float32 [n, f], labels float32 0/1.

    Ten informative and ten redundant directions with 2 % flipped labels: a small MLP learns it
    well but cannot reach 100 %, which keeps the train/test curves interesting.
    """
    from sklearn.datasets import make_classification  # imported here: it costs every worker ~140 MB and 1 s

    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    if n_features < 2:
        raise ValueError(f"n_features must be at least 2, got {n_features}")
    n_informative = min(10, n_features)
    n_redundant = min(10, n_features - n_informative)
    features, labels = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=n_redundant,
        class_sep=1.0,
        flip_y=0.02,
        random_state=seed,
    )
    std = features.std(axis=0)
    features = (features - features.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return features.astype(np.float32), labels.astype(np.float32)


#: scikit-learn's bundled tables (they ship inside the wheel): name -> (loader name, task, classes, inputs).
SKLEARN_TABLES: dict[str, tuple[str, str, int, int]] = {
    "iris": ("load_iris", "multiclass", 3, 4),
    "wine": ("load_wine", "multiclass", 3, 13),
    "breast_cancer": ("load_breast_cancer", "binary", 2, 30),
    "diabetes": ("load_diabetes", "regression", 1, 10),
}


def load_sklearn_table(name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features float32 [n, f], labels (int64 classes, float32 0/1 or float32 values) and the column names."""
    import sklearn.datasets

    if name not in SKLEARN_TABLES:
        raise ValueError(f"unknown table {name!r}; choose one of {', '.join(SKLEARN_TABLES)}")
    loader, task, _, _ = SKLEARN_TABLES[name]
    bunch = getattr(sklearn.datasets, loader)()
    labels = bunch.target.astype(np.int64 if task == "multiclass" else np.float32)
    return bunch.data.astype(np.float32), labels, [str(column) for column in bunch.feature_names]


def standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Scale columns to mean 0 and spread 1 with the training rows' statistics only (no peeking at test)."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return [((array - mean) / std).astype(np.float32) for array in (train, *others)]
