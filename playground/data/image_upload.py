"""A user's own image set for the convolutions page: a CSV in the MNIST layout or a zip of class folders.

People bring MNIST-style CSV files from Kaggle and folders of their own drawings or photos. This module turns either
into square grayscale images with MNIST's polarity (bright strokes on a dark ground) and class numbers, or refuses
with one sentence that names the line, column or file and says what to do, never a traceback. Nothing here imports
Streamlit.

CSV rules (``read_image_csv``):

* Each line is one image: its label, then its pixels row by row (``label,pixel0,pixel1,…``). The separator is
  whichever of comma, semicolon and tab the first line holds most of (comma when it holds none).
* A header line is optional: the first line is a header when its first cell is ``label`` or most of its pixel cells
  are not numbers (Kaggle's ``label,pixel0,…``); the headerless ``mnist_train.csv`` form starts with an image.
* Every line has as many values as the first; the pixel count is a square number, side x side with the side from
  ``MIN_SIDE`` to ``MAX_SIDE``; pixels are finite numbers from 0 to 255. When the largest is at most 1 they are taken
  as already in [0, 1], otherwise divided by 255. CSV images are taken as they are (no polarity change).
* Labels are whole numbers or text. The classes are the distinct labels in sorted order (numbers by value, text in
  natural order so ``2`` comes before ``10``), numbered 0..k-1; ``class_names`` keeps the labels' text.

Zip rules (``read_image_zip``):

* One folder per class, named after the class; a single folder wrapping the class folders (what zipping a folder
  makes) is looked through. ``__MACOSX``, hidden files and folders (names starting with ``.``), ``Thumbs.db`` and
  ``desktop.ini`` are ignored; any other file must be a PNG, JPEG, BMP or GIF image directly inside a class folder.
* Each image (GIF: its first frame; JPEG: turned upright by its EXIF orientation) becomes grayscale, with transparent
  parts laid on white; it is padded to a square with its border colour (the median of its edge pixels), centred, and
  resized to ``ZIP_SIDE`` x ``ZIP_SIDE``. When the border of most images is bright (dark drawings on white paper),
  every image is inverted and ``ImageSet.inverted`` says so.
* Class numbers follow the folder names in natural order. Zip bombs are refused before any image is decoded: more
  than ``MAX_ZIP_ENTRIES`` files or ``MAX_UNPACKED_BYTES`` of them to unpack, an image wider or taller than
  ``MAX_IMAGE_SIDE`` pixels, or more pixels in all than ``limits().max_zip_pixels`` (summed from the images' headers;
  a JPEG counts at the reduced scale it is decoded at). Encrypted entries, compression methods zipfile lacks and
  image formats other than PNG, JPEG, BMP, GIF and WebP are refused naming the file.

Both kinds need 2 to ``MAX_CLASSES`` classes, ``MIN_PER_CLASS`` images in each and ``MIN_IMAGES`` to ``MAX_IMAGES``
images in all.

Stored sets (``store_image_set``) live in the ``images`` folder of the upload cache (``NN_PLAYGROUND_CACHE``), one
``<sha256>.images`` file each: a JSON header line, then the pixels as bytes (round(x * 255), image by image, row by
row) and the labels as little-endian int64. The file is the canonical serialisation, so its sha256 is the set's
name, and storing the same set twice writes the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.data.hashed_store import HashedStore, header_line, shorten
from playground.data.image_csv import read_image_csv
from playground.data.image_set import (
    MAX_CLASSES,
    MAX_IMAGES,
    MAX_SIDE,
    MIN_IMAGES,
    MIN_PER_CLASS,
    MIN_SIDE,
    ZIP_SIDE,
    ImageSet,
    check_classes,
)
from playground.data.image_zip import IMAGE_EXTENSIONS, ZIP_MAGIC, read_image_zip
from playground.data.upload import (
    UploadError,
)

__all__ = [
    "MAX_CLASSES",
    "MAX_IMAGES",
    "MAX_SIDE",
    "MIN_IMAGES",
    "MIN_PER_CLASS",
    "MIN_SIDE",
    "ZIP_SIDE",
    "ImageSet",
    "ImageSetInfo",
    "UploadError",
    "image_set_info",
    "image_sets_dir",
    "load_image_set",
    "read_image_csv",
    "read_image_upload",
    "read_image_zip",
    "store_image_set",
]

_FORMAT = 1  # version of the stored file layout


def read_image_upload(data: bytes, filename: str) -> ImageSet:
    """An uploaded file read as a zip of class folders (by its first bytes or a ``.zip`` name) or else as a CSV."""
    name = str(filename or "")
    if bytes(data[:4]) in ZIP_MAGIC or name.lower().endswith(".zip"):
        return read_image_zip(data)
    if name.lower().endswith(IMAGE_EXTENSIONS):
        raise UploadError(
            f"{shorten(name)} is a single image; upload a zip with one folder of images per class, or a CSV with "
            "one image per line"
        )
    return read_image_csv(data)


@dataclass(frozen=True)
class ImageSetInfo:
    """What a page or RunConfig must know of a stored set without loading its pixels."""

    n_images: int
    side: int
    n_classes: int
    class_names: tuple[str, ...]
    inverted: bool


#: Where image sets are kept, by hash: ``images/<sha256>.images`` in the upload cache.
STORE = HashedStore("images", ".images", "image set", "its CSV or zip")


def image_sets_dir() -> Path:
    """The folder of stored image sets: ``images`` in the same cache folder as uploaded tables."""
    return STORE.directory


def _serialise(image_set: ImageSet) -> bytes:
    header = {
        "format": _FORMAT,
        "n_images": len(image_set),
        "side": image_set.side,
        "class_names": list(image_set.class_names),
        "inverted": image_set.inverted,
    }
    pixels = np.round(image_set.images * np.float32(255)).astype(np.uint8).tobytes()
    labels = np.ascontiguousarray(image_set.labels, dtype="<i8").tobytes()
    return header_line(header) + pixels + labels


def store_image_set(image_set: ImageSet) -> str:
    """Keep a trainable set (UploadError otherwise) under the sha256 of its serialisation, and return that sha."""
    check_classes(image_set.labels, image_set.class_names, "set")
    return STORE.store(_serialise(image_set))


def _parse_header(sha: str, line: bytes) -> ImageSetInfo:
    header = STORE.header(sha, line, _FORMAT)
    try:
        info = ImageSetInfo(
            n_images=int(header["n_images"]),
            side=int(header["side"]),
            n_classes=len(header["class_names"]),
            class_names=tuple(map(str, header["class_names"])),
            inverted=bool(header["inverted"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise STORE.damaged(sha, error) from None
    if info.n_images < 0 or not MIN_SIDE <= info.side <= MAX_SIDE:
        raise STORE.damaged(sha, f"{info.n_images} images of side {info.side}")
    return info


def image_set_info(sha: str) -> ImageSetInfo:
    """Count, side and classes of a stored set, from its header line; kept in memory once read (hashed files never
    change). UploadError when this computer does not hold the set."""
    sha = STORE.checked_sha(sha)
    key = (str(image_sets_dir()), sha)
    if key not in _INFO_CACHE:
        _INFO_CACHE[key] = _parse_header(sha, STORE.read(sha, header_only=True))
    return _INFO_CACHE[key]


_INFO_CACHE: dict[tuple[str, str], ImageSetInfo] = {}


def load_image_set(sha: str) -> ImageSet:
    """A stored set, checked against its hash; UploadError when it is missing, changed or damaged."""
    line, payload = STORE.verified(STORE.checked_sha(sha))
    info = _parse_header(sha, line)
    n, area = info.n_images, info.side * info.side
    if len(payload) != n * (area + 8):
        raise STORE.damaged(sha, f"{len(payload)} bytes for {n} images")
    pixels = np.frombuffer(payload, dtype=np.uint8, count=n * area).reshape(n, info.side, info.side)
    labels = np.frombuffer(payload, dtype="<i8", offset=n * area).astype(np.int64)
    try:
        return ImageSet(pixels.astype(np.float32) / np.float32(255), labels, info.class_names, info.inverted)
    except UploadError as error:
        raise STORE.damaged(sha, error) from None
