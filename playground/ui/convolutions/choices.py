"""The convolutions page's choices without widgets: its image sets, views and probes, the configs it builds, a
drawing made an input, and the widget keys. Tests and the other modules of the page call these."""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.config import DataConfig
from playground.data import images
from playground.data.registry import (
    IMAGE_UPLOAD,
    dataset_classes,
    dataset_input_shape,
    kind_of,
)
from playground.presets import load_preset

PAGE = "cnn"

#: The image sets this page offers, the seed article's MNIST first; "image_upload" stands for the user's images.
DATASET_CHOICES: tuple[str, ...] = ("mnist", "digits", "shapes", IMAGE_UPLOAD)

#: The probes each view shows; the worker computes only those of the view on screen.
VIEW_PROBES: dict[str, tuple[str, ...]] = {
    "filters": ("filters",),
    "maps": ("sample",),
    "mistakes": ("gallery", "confusion"),
    "draw": ("drawn",),
    "inside": ("confusion", "histograms", "gradients"),
}

PROBES: tuple[str, ...] = VIEW_PROBES["filters"]

#: The seed article's training setup.
DEFAULT_TRAINING: dict[str, Any] = {"optimizer": "adam", "learning_rate": 0.001, "batch_size": 32, "epochs": 10}

#: How many images each set opens with: all of digits and MNIST, 2,000 shapes.
DEFAULT_IMAGES = {"mnist": 5_000, "digits": 1_797, "shapes": 2_000}

VIEWS: tuple[str, ...] = ("filters", "maps", "mistakes", "draw", "inside")

CANVAS_PX = 224

#: Canvas stroke width per image side: about 2.5 pixels of a 28x28 digit, 1.3 of an 8x8 one.
STROKE_PX = 18

K_DATASET, K_FILE, K_N, K_NOISE, K_SHARE = "cnn_dataset", "cnn_file", "cnn_n_images", "cnn_noise", "cnn_train_share"

K_NORMALIZE, K_SHIFT, K_ROTATE, K_AUG_NOISE = "cnn_normalize", "cnn_shift", "cnn_rotate", "cnn_aug_noise"

K_UPLOADS, K_VIEW, K_SAMPLE, K_CHANNEL = "cnn_uploads", "cnn_view", "cnn_sample", "cnn_channel"


def data_config(dataset: str, upload: str | None = None, **settings: Any) -> DataConfig:
    """The DataConfig of the page's choices (an upload's own images ignore the count and noise)."""
    if kind_of(dataset).takes_upload:
        settings = {key: value for key, value in settings.items() if key not in ("n_points", "noise")}
        return DataConfig(dataset=dataset, upload=upload, **settings)
    settings.setdefault("n_points", DEFAULT_IMAGES[dataset])
    return DataConfig(dataset=dataset, **settings)


def initial_layers(data: DataConfig) -> list[dict]:
    """The stack a dataset opens with: its preset's (the seed article's CNN on MNIST), else the small digits CNN
    ending in the right number of classes."""
    preset = kind_of(data).preset
    if preset is not None:
        return [layer.model_dump() for layer in load_preset(preset).model.layers]
    layers = [layer.model_dump() for layer in load_preset("digits-cnn").model.layers]
    layers[-1] = {"kind": "dense", "units": dataset_classes(data), "activation": "softmax"}
    return layers


def stored_image_upload(data: bytes, filename: str) -> str:
    """Validate and store uploaded images (CSV or zip); returns the sha a DataConfig names them by."""
    from playground.data import image_upload

    return image_upload.store_image_set(image_upload.read_image_upload(data, filename))


def drawing_input(rgba: np.ndarray, data: DataConfig) -> np.ndarray:
    """A canvas picture as the network's input: grey ink, cropped, scaled, centred and resized like the data."""
    side = dataset_input_shape(data)[-1]
    return images.prepare_drawing(images.rgba_to_ink(rgba), side, kind_of(data).drawing_fill)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Right answers over images of each true class (rows of a confusion matrix); NaN for a class not seen."""
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)
