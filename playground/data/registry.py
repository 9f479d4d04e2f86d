"""Every dataset by id, as an instance of its kind (``playground.data.kinds``): what task it poses, its input
shape and classes, whether a DataConfig fits it, and how to make it.

A new dataset is one entry here (and a new kind of dataset one class in ``kinds/``); code outside
``playground.data`` asks the kind and never compares dataset ids.
"""

from __future__ import annotations

from collections.abc import Sequence

from playground.data import images, points, sequences, tabular, two_d, upload
from playground.data.kinds.base import Dataset, DatasetKind, DataSettings
from playground.data.kinds.images import GeneratedShapes, ShippedImages, UploadedImages
from playground.data.kinds.plane import MAX_2D_POINTS, GeneratedPoints, OwnPoints
from playground.data.kinds.sequences import (
    MAX_SEQUENCES,
    GeneratedSequences,
    GeneratedSeries,
    Text,
    UploadedSeries,
    text_vocabulary,
)
from playground.data.kinds.tables import MAX_TABLE_ROWS, FixedTable, GeneratedTable, UploadedTable

__all__ = ["DATASETS", "Dataset", "DatasetKind", "data_task", "kind_of", "load_dataset", "text_vocabulary"]

#: The dataset id of uploaded tables (``DataConfig.upload`` holds which one).
UPLOAD = "upload"
#: The dataset id of a user's own 2D points (uploaded or drawn); ``DataConfig.upload`` holds which set.
CUSTOM = "custom"
#: The dataset id of a user's own images (a CSV in MNIST's layout or a zip of class folders).
IMAGE_UPLOAD = "image_upload"
#: The dataset id of a user's CSV time series (``DataConfig.upload`` holds which one).
SERIES_UPLOAD = "series_upload"
#: The dataset id of the shipped text (next-character prediction).
TEXT = "text"


def _datasets() -> dict[str, DatasetKind]:
    kinds: list[DatasetKind] = [
        *(GeneratedPoints(name, "binary", MAX_2D_POINTS) for name in two_d.CLASSIFICATION_2D),
        *(GeneratedPoints(name, "regression", MAX_2D_POINTS) for name in two_d.REGRESSION_2D),
        *(GeneratedPoints(name, "multiclass", MAX_2D_POINTS) for name in two_d.MULTICLASS_2D),
        GeneratedTable("seed_ffn", "binary", MAX_TABLE_ROWS, preset="seed-ffn"),
        *(
            FixedTable(name, task, classes, inputs)
            for name, (_, task, classes, inputs) in tabular.SKLEARN_TABLES.items()
        ),
        # its task, classes and width come from the stored table
        UploadedTable(UPLOAD, "binary", upload.MAX_ROWS),
        # its task and classes come from the stored set
        OwnPoints(CUSTOM, "binary", points.MAX_POINTS),
        ShippedImages("digits", 1_797, 8, 10, images.load_digits_images, drawing_fill=1.0),
        ShippedImages("mnist", 5_000, 28, 10, images.load_mnist_images, preset="seed-cnn"),
        GeneratedShapes("shapes", "multiclass", 10_000),
        # classes and side come from the stored set
        UploadedImages(IMAGE_UPLOAD, "multiclass", 20_000),
        GeneratedSequences(
            "seed_sequences",
            sequences.make_seed_sequences,
            lambda data: [f"f{i}" for i in range(data.n_features)],
            uses_features=True,
            preset="seed-lstm",
            leading_features=2,
        ),
        GeneratedSeries("sine", "regression", MAX_SEQUENCES, preset="sine-lstm"),
        GeneratedSequences(
            "adding",
            sequences.make_adding,
            lambda data: ["value", "marker"],
            uses_features=False,
            preset="adding-lstm",
            marker_column=1,
        ),
        # its columns come from the stored series
        UploadedSeries(SERIES_UPLOAD, "regression", MAX_SEQUENCES),
        Text(TEXT, "multiclass", MAX_SEQUENCES, preset="text-lstm"),
    ]
    return {kind.name: kind for kind in kinds}


DATASETS: dict[str, DatasetKind] = _datasets()


def kind_of(data: DataSettings | str) -> DatasetKind:
    """The kind of a DataConfig's dataset (or of a dataset id)."""
    return DATASETS[data if isinstance(data, str) else data.dataset]


def data_task(data: DataSettings) -> str:
    """The task a DataConfig poses; an upload's depends on its target column, not on its name."""
    return kind_of(data).task(data)


def dataset_input_shape(data: DataSettings) -> tuple[int, ...]:
    return kind_of(data).input_shape(data)


def dataset_classes(data: DataSettings) -> int:
    """Classes of a multiclass dataset: a table's own, or the n_classes asked of a generator."""
    return kind_of(data).classes(data)


def dataset_class_names(data: DataSettings) -> list[str]:
    """What each class number means: digits, shape names, an upload's own labels, or the numbers themselves."""
    return kind_of(data).class_names(data)


def class_name(names: Sequence[str], number: int) -> str:
    """Class ``number``'s name among ``names``, or the number itself when the data name fewer classes."""
    return str(names[int(number)]) if 0 <= int(number) < len(names) else str(int(number))


def load_dataset(data: DataSettings) -> Dataset:
    """Generate the dataset a DataConfig describes; deterministic for its seed."""
    return kind_of(data).load(data)
