"""Every dataset by id: what task it poses, its input shape, and how to make it for a DataConfig."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from playground.data import images, points, sequences, series_upload, tabular, two_d, upload

#: The dataset id of uploaded tables (``DataConfig.upload`` holds which one).
UPLOAD = "upload"
#: The dataset id of a user's own 2D points (uploaded or drawn); ``DataConfig.upload`` holds which set.
CUSTOM = "custom"
#: The dataset id of a user's own images (a CSV in MNIST's layout or a zip of class folders).
IMAGE_UPLOAD = "image_upload"
#: The image datasets that ship offline, with the number of images each has.
IMAGE_SETS = {"digits": 1_797, "mnist": 5_000, "shapes": 10_000}
#: The dataset id of a user's CSV time series (``DataConfig.upload`` holds which one).
SERIES_UPLOAD = "series_upload"
#: The generated sequence datasets: regression on sequences of measured values.
SEQUENCE_SETS = ("seed_sequences", "sine", "adding")
#: The text dataset: next-character prediction on a shipped public-domain text.
TEXT = "text"
#: Most windows cut from an uploaded series (evenly spaced beyond this, so memory stays bounded).
MAX_SERIES_WINDOWS = 20_000

if TYPE_CHECKING:
    from playground.config import DataConfig


@dataclass(frozen=True)
class DatasetSpec:
    """Static facts about a dataset, known before generating it."""

    task: str  # "binary" | "multiclass" | "regression"
    family: str  # "2d" (points on a plane) | "tabular" (generated) | "table" (fixed rows) | "upload" (a user's CSV)
    # | "image" (pictures, channels x height x width) | "sequence" (steps x features) | "text" (steps of token numbers)
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
    **{
        name: DatasetSpec("multiclass", "image", count, 4 if name == "shapes" else 10)
        for name, count in IMAGE_SETS.items()
    },
    # A user's images, named by ``DataConfig.upload``; classes and side come from the stored set.
    IMAGE_UPLOAD: DatasetSpec("multiclass", "image", 20_000),
    **{name: DatasetSpec("regression", "sequence", 20_000) for name in SEQUENCE_SETS},
    # A user's CSV time series, named by ``DataConfig.upload``; its columns come from the stored series.
    SERIES_UPLOAD: DatasetSpec("regression", "sequence", 20_000),
    TEXT: DatasetSpec("multiclass", "text", 20_000),
}
#: Side of each image dataset's square images.
IMAGE_SIDES = {"digits": 8, "mnist": 28, "shapes": images.SHAPE_SIDE}
#: How much of the image a drawn digit should fill to look like the dataset's (MNIST's 20 of 28 by default).
DRAWING_FILL = {"digits": 1.0}


def image_set_info(config: DataConfig):
    """What a stored image upload holds (count, side, classes), read from its header only."""
    from playground.data import image_upload

    return image_upload.image_set_info(_upload_sha(config))


def series_info(sha: str) -> series_upload.SeriesInfo:
    """What a stored time series holds (rows, columns, target), read from its header only."""
    return series_upload.series_info(sha)


@functools.cache
def text_vocabulary() -> tuple[str, ...]:
    """The characters of the shipped text, in the order of their token numbers."""
    return tuple(sequences.text_vocabulary(sequences.load_text()))


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
    if spec.family == "image":
        side = image_set_info(config).side if config.dataset == IMAGE_UPLOAD else IMAGE_SIDES[config.dataset]
        return (1, side, side)
    if spec.family == "text":
        return (config.steps,)
    if spec.family == "sequence":
        return (config.steps, sequence_features(config))
    return (spec.fixed_inputs or config.n_features,)


def sequence_features(config: DataConfig) -> int:
    """Values measured at each step of a sequence dataset."""
    if config.dataset == SERIES_UPLOAD:
        return len(series_info(_upload_sha(config)).columns)
    return {"seed_sequences": config.n_features, "sine": 1, "adding": 2}[config.dataset]


def dataset_classes(config: DataConfig) -> int:
    """Classes of a multiclass dataset: a table's own, or the n_classes asked of a generator."""
    if config.dataset == UPLOAD:
        return upload.upload_info(_upload_sha(config)).n_classes
    if config.dataset == CUSTOM:
        return points.points_info(_upload_sha(config)).n_classes
    if config.dataset == IMAGE_UPLOAD:
        return image_set_info(config).n_classes
    if config.dataset == TEXT:
        return len(text_vocabulary())
    return DATASETS[config.dataset].fixed_classes or config.n_classes


def dataset_class_names(config: DataConfig) -> list[str]:
    """What each class number means: digits, shape names, an upload's own labels, or the numbers themselves."""
    if config.dataset == "shapes":
        return list(images.SHAPE_NAMES)
    if config.dataset == IMAGE_UPLOAD:
        return list(image_set_info(config).class_names)
    if config.dataset == UPLOAD:
        return list(upload.upload_info(_upload_sha(config)).class_names)
    if config.dataset == CUSTOM:
        return list(points.points_info(_upload_sha(config)).class_names)
    if config.dataset == TEXT:
        return list(text_vocabulary())
    task = data_task(config)
    count = dataset_classes(config) if task == "multiclass" else 2
    return [str(number) for number in range(count)]


def _upload_sha(config: DataConfig) -> str:
    if not config.upload:
        if config.dataset == CUSTOM:
            raise upload.UploadError("data.upload: a custom point set needs the sha256 of its points")
        if config.dataset == IMAGE_UPLOAD:
            raise upload.UploadError("data.upload: an image upload needs the sha256 of its images")
        if config.dataset == SERIES_UPLOAD:
            raise upload.UploadError("data.upload: an uploaded time series needs the sha256 of its series")
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
    class_names: list[str] | None = None  # what each class number means, where it means more than the number
    image_norm: tuple[float, float] | None = None  # images: the (mean, std) pixels were normalised with
    # sequences: True when the test windows follow one another in time (window i + 1 starts one step after window
    # i), so their targets form one held-out stretch of the series and a forecast can be drawn as a line
    ordered: bool = False
    # sequences: the input column the target is the next value of, when the target is one of the inputs (a
    # forecast can then feed its own predictions back in)
    target_column: int | None = None


def load_dataset(config: DataConfig) -> Dataset:
    """Generate the dataset a DataConfig describes; deterministic for its seed."""
    spec = DATASETS[config.dataset]
    if spec.family == "upload":
        return _load_upload(config)
    if config.dataset == CUSTOM:
        return _load_custom(config)
    if spec.family == "image":
        return _load_images(config)
    if spec.family in ("sequence", "text"):
        return _load_sequences(config)
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


def image_arrays(config: DataConfig) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """All images (n, side, side) in [0, 1] and their labels, before the split: a shipped set shuffled by the
    data seed and cut to ``n_points`` (MNIST's file is sorted by class), generated shapes, or a stored upload."""
    if config.dataset == IMAGE_UPLOAD:
        from playground.data import image_upload

        stored = image_upload.load_image_set(_upload_sha(config))
        return stored.images, stored.labels, list(stored.class_names)
    if config.dataset == "shapes":
        pixels, labels = images.make_shapes(config.n_points, config.noise, config.seed)
    else:
        pixels, labels = images.load_mnist_images() if config.dataset == "mnist" else images.load_digits_images()
        keep = np.random.default_rng(config.seed).permutation(len(labels))[: config.n_points]
        pixels, labels = pixels[keep], labels[keep]
    return pixels, labels, dataset_class_names(config)


def image_test_count(config: DataConfig) -> int:
    """How many test images an image DataConfig makes, without making them (the page's pickers need only this)."""
    if config.dataset == IMAGE_UPLOAD:
        count = image_set_info(config).n_images
    elif config.dataset == "shapes":
        count = config.n_points
    else:
        count = min(config.n_points, IMAGE_SETS[config.dataset])
    return len(two_d.train_test_split_indices(count, config.train_share, config.seed)[1])


def _load_images(config: DataConfig) -> Dataset:
    """Images with a channel axis, split by the config's share and seed and normalised as it asks."""
    pixels, labels, names = image_arrays(config)
    train, test = two_d.train_test_split_indices(len(labels), config.train_share, config.seed)
    mean, std = images.normalisation(pixels[train], config.normalize)
    inputs = ((pixels[:, None] - mean) / std).astype(np.float32)
    return Dataset(
        x_train=inputs[train],
        y_train=labels[train],
        x_test=inputs[test],
        y_test=labels[test],
        task="multiclass",
        n_classes=len(names),
        feature_names=[],
        class_names=names,
        image_norm=(mean, std),
    )


def sequence_test_count(config: DataConfig) -> int:
    """How many test sequences a sequence DataConfig makes, without making them (for the page's pickers)."""
    if config.dataset == SERIES_UPLOAD:
        rows = series_info(_upload_sha(config)).n_rows
        _, windows, n_train = sequences.series_split(rows, config.steps, config.train_share, MAX_SERIES_WINDOWS)
        return windows - n_train
    if config.dataset in ("sine", TEXT):
        return config.n_points - sequences.train_count(config.n_points, config.train_share)
    return len(two_d.train_test_split_indices(config.n_points, config.train_share, config.seed)[1])


@functools.cache
def _text_length() -> int:
    return len(sequences.load_text())


def _text_cut(length: int, train_share: int) -> int:
    """Where the text's training part ends and its test part begins."""
    return round(length * train_share / 100)


def text_windows(config: DataConfig) -> list[tuple[str, int, int]]:
    """For the text's training and test parts: (part, windows asked, different windows it holds)."""
    length = _text_length()
    cut = _text_cut(length, config.train_share)
    n_train = sequences.train_count(config.n_points, config.train_share)
    return [
        ("training", n_train, max(cut - config.steps, 0)),
        ("test", config.n_points - n_train, max(length - cut - config.steps, 0)),
    ]


def _load_sequences(config: DataConfig) -> Dataset:
    """Sequences and their targets: independent samples split at random (seed sequences, adding), or windows of
    one series (sine, an upload) and of one text split in time, so the test part is a stretch never trained on."""
    ordered, target_column, names = False, None, None
    if config.dataset == TEXT:
        ids = sequences.encode_text(sequences.load_text(), list(text_vocabulary()))
        n_train = sequences.train_count(config.n_points, config.train_share)
        cut = _text_cut(len(ids), config.train_share)
        x_train, y_train = sequences.make_text_windows(ids, config.steps, n_train, config.seed, 0, cut)
        x_test, y_test = sequences.make_text_windows(ids, config.steps, config.n_points - n_train, config.seed + 1, cut)
        vocabulary = list(text_vocabulary())
        return Dataset(x_train, y_train, x_test, y_test, "multiclass", len(vocabulary), [], class_names=vocabulary)
    if config.dataset in ("sine", SERIES_UPLOAD):
        if config.dataset == "sine":
            series = sequences.make_sine_series(
                config.n_points + config.steps, config.frequency, config.noise, config.seed
            )
            values, names, target_column = series[:, None], ["value"], 0
        else:
            stored = series_upload.load_series(_upload_sha(config))
            values, names, target_column = stored.values, list(stored.columns), stored.target_index
        stride, windows, n_train = sequences.series_split(
            len(values), config.steps, config.train_share, MAX_SERIES_WINDOWS
        )
        if config.dataset == SERIES_UPLOAD:  # measured in the user's units
            values = sequences.standardise_series(values, config.steps, stride, n_train)
        inputs, targets = sequences.sliding_windows(values, config.steps, target_column, stride)
        train, test = np.arange(n_train), np.arange(n_train, windows)
        ordered = True
        if stride > 1:  # windows skip steps: neither a line over steps nor a forecast fed back would be true
            ordered, target_column = False, None
    else:
        if config.dataset == "seed_sequences":
            inputs, targets = sequences.make_seed_sequences(
                config.n_points, config.steps, config.n_features, config.seed
            )
            names = [f"f{i}" for i in range(config.n_features)]
        else:
            inputs, targets = sequences.make_adding(config.n_points, config.steps, config.seed)
            names = ["value", "marker"]
        train, test = two_d.train_test_split_indices(len(targets), config.train_share, config.seed)
    return Dataset(
        x_train=inputs[train],
        y_train=targets[train],
        x_test=inputs[test],
        y_test=targets[test],
        task="regression",
        n_classes=1,
        feature_names=names,
        ordered=ordered,
        target_column=target_column,
    )
