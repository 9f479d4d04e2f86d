"""A set of square grayscale images with class numbers, as the convolutions page trains on them, and the checks
that a network can learn its classes; the CSV and zip readers (``image_csv``, ``image_zip``) both make one."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from playground.data.hashed_store import shorten
from playground.data.upload import (
    UploadError,
)

MAX_IMAGES = 20_000
"""The most images a set may hold (the convolutions page's limit for its shipped sets too)."""

MIN_IMAGES = 10
"""A train/test split needs a few images on either side."""

MIN_SIDE, MAX_SIDE = 4, 64
"""Square sides a CSV's images may have: smaller leaves no room for a convolution, larger trains too slowly."""

ZIP_SIDE = 28
"""Images from a zip are made MNIST's size."""

MAX_CLASSES = 20

MIN_PER_CLASS = 2
"""Every class needs an image for training and one for testing."""


@dataclass(frozen=True, eq=False)
class ImageSet:
    """Square grayscale images and their classes, as the convolutions page trains on them.

    ``images`` is float32 [n, side, side] in [0, 1] with MNIST's polarity (bright strokes on a dark ground);
    ``labels`` int64 class numbers 0..k-1; ``class_names`` the label text (or folder name) of each class number;
    ``inverted`` is True when the images were dark on light and were inverted. Arrays are read-only.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    inverted: bool = False

    def __post_init__(self) -> None:
        try:
            images = np.array(self.images, dtype=np.float32)
            labels = np.array(self.labels).ravel()
        except (TypeError, ValueError):
            raise UploadError("images must be arrays of numbers") from None
        if images.ndim != 3 or images.shape[1] != images.shape[2]:
            raise UploadError(f"images must have the shape [n, side, side], not {list(images.shape)}")
        if not MIN_SIDE <= images.shape[1] <= MAX_SIDE:
            raise UploadError(
                f"images must be {MIN_SIDE}x{MIN_SIDE} to {MAX_SIDE}x{MAX_SIDE} pixels, not {_size(images)}"
            )
        if not (np.isfinite(images).all() and (images >= 0).all() and (images <= 1).all()):
            raise UploadError("every pixel must be a number from 0 to 1")
        names = tuple(str(name) for name in self.class_names)
        if labels.dtype.kind not in "iu" or not np.isin(labels, np.arange(len(names))).all():
            raise UploadError(f"labels must be class numbers from 0 to {len(names) - 1}, one per class name")
        if len(labels) != len(images):
            raise UploadError(f"there are {len(images)} images but {len(labels)} labels")
        labels = labels.astype(np.int64)
        images.setflags(write=False)
        labels.setflags(write=False)
        for name, value in (("images", images), ("labels", labels), ("class_names", names)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "inverted", bool(self.inverted))

    def __len__(self) -> int:
        return len(self.labels)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImageSet):
            return NotImplemented
        return (
            (self.class_names, self.inverted) == (other.class_names, other.inverted)
            and np.array_equal(self.images, other.images)
            and np.array_equal(self.labels, other.labels)
        )

    __hash__ = None  # type: ignore[assignment]  # arrays inside: compare, do not hash

    @property
    def side(self) -> int:
        return int(self.images.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def _size(images: np.ndarray) -> str:
    return "x".join(str(length) for length in images.shape[1:]) or "no pixels"


def natural_order(text: str) -> tuple:
    """A sort key that puts ``2`` before ``10`` and ``img2`` before ``img10``, ignoring case first."""
    parts = re.split(r"(\d+)", text)
    return tuple(int(part) if position % 2 else part.casefold() for position, part in enumerate(parts)), text


def check_classes(labels: np.ndarray, class_names: tuple[str, ...], source: str) -> None:
    """UploadError unless a network can learn the classes: 2 to MAX_CLASSES of them, MIN_PER_CLASS images in each."""
    n, what = len(labels), {"csv": "the file", "zip": "the zip"}.get(source, "the set")
    if n > MAX_IMAGES:
        raise UploadError(f"{what} has {n:,} images; the playground takes at most {MAX_IMAGES:,}")
    if n < MIN_IMAGES:
        raise UploadError(f"{what} has {n} images; the playground needs at least {MIN_IMAGES} to learn from")
    k = len(class_names)
    if k < 2:
        name = class_names[0] if class_names else "?"
        raise UploadError(
            f"every image has the label {shorten(name)}; a network needs at least two classes to learn from, so add "
            "images with another label"
            if source == "csv"
            else f"the zip has only one class folder, {shorten(name)}; a network needs at least two classes to learn "
            "from, so add a folder of images for another class"
        )
    if k > MAX_CLASSES:
        raise UploadError(
            f"the labels name {k} classes; the playground takes at most {MAX_CLASSES}, so merge or drop classes (is "
            "each line's label its first value?)"
            if source == "csv"
            else f"the zip has {k} class folders; the playground takes at most {MAX_CLASSES}, so merge or drop classes"
        )
    counts = np.bincount(labels, minlength=k)
    for name, count in zip(class_names, counts, strict=True):
        if count < MIN_PER_CLASS:
            has = "no images" if count == 0 else f"only {count} image"
            raise UploadError(
                f"class {shorten(name)} has {has}; every class needs at least {MIN_PER_CLASS}, so add images of "
                "that class or remove it"
            )
