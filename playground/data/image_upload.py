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

import contextlib
import csv
import io
import math
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from PIL import Image, ImageOps

from playground.data.hashed_store import HashedStore, header_line, shorten
from playground.data.upload import (
    UploadError,
    check_upload_size,
    count_lines,
    decode_csv_text,
    first_line,
    is_number,
)
from playground.limits import limits

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
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""The most bytes a zip's images may unpack to: a bigger zip is a bomb or far more than the page can use."""
MAX_IMAGE_SIDE = 4096
"""The widest or tallest image a zip may hold; decoding larger ones costs memory the page cannot spare."""
MAX_ZIP_ENTRIES = 3 * MAX_IMAGES
"""The most files a zip may list (images and what zip tools add beside them, such as ``__MACOSX`` copies): more
would cost memory to list before any could be refused as too many images."""

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
_JUNK_FILES = ("thumbs.db", "desktop.ini")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive with files, an empty archive
_FORMAT = 1  # version of the stored file layout


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


def read_image_upload(data: bytes, filename: str) -> ImageSet:
    """An uploaded file read as a zip of class folders (by its first bytes or a ``.zip`` name) or else as a CSV."""
    name = str(filename or "")
    if bytes(data[:4]) in _ZIP_MAGIC or name.lower().endswith(".zip"):
        return read_image_zip(data)
    if name.lower().endswith(IMAGE_EXTENSIONS):
        raise UploadError(
            f"{shorten(name)} is a single image; upload a zip with one folder of images per class, or a CSV with "
            "one image per line"
        )
    return read_image_csv(data)


# Reading a CSV -------------------------------------------------------------------------------------------------

_CSV_HINT = "each line needs an image's label and then its pixels, like label,pixel0,pixel1,…"


def read_image_csv(data: bytes | str) -> ImageSet:
    """Parse and validate a CSV in the MNIST layout (see the module's docstring); UploadError says what is wrong."""
    text = decode_csv_text(data, "upload a CSV saved as CSV UTF-8, or a zip with one folder of images per class")
    first = first_line(text)
    if not first:
        raise UploadError(f"the file is empty; upload a CSV in which {_CSV_HINT}")
    separator = max((",", ";", "\t"), key=first.count)  # the first of the most frequent, so comma on a tie
    quoted = '"' in text
    if not quoted and first.count(separator) > MAX_SIDE * MAX_SIDE:
        _csv_side(first.count(separator) + 1)  # refused by the count alone, before the line is split into cells
    n_lines = count_lines(text)
    if n_lines > MAX_IMAGES + 1:  # more images than the limit even after a header: counted, before splitting
        raise UploadError(f"the file has at least {n_lines - 1:,} images; the playground takes at most {MAX_IMAGES:,}")
    lines = [(number, line) for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1) if line.strip()]
    first_line_number = lines[0][0]
    head = _cells(first, separator, quoted)
    n_cells = len(head)
    if n_cells < 2:
        raise UploadError(f"line {first_line_number} holds a single value; {_CSV_HINT}")
    pixel_cells = [cell.strip() for cell in head[1:]]
    words = sum(not is_number(cell if separator == "," else cell.replace(",", ".")) for cell in pixel_cells if cell)
    header = head[0].strip().lower() == "label" or words > len(pixel_cells) / 2
    body = lines[1:] if header else lines
    if not body:
        raise UploadError(f"the file has a header line but no images; below it, {_CSV_HINT}")
    if len(body) > MAX_IMAGES:
        raise UploadError(f"the file has {len(body):,} images; the playground takes at most {MAX_IMAGES:,}")
    for number, line in body:
        count = len(_cells(line, separator, quoted)) if quoted else line.count(separator) + 1
        if count != n_cells:
            raise UploadError(
                f"line {number} has {count} values, the first row has {n_cells}; every line needs the label and "
                "then the same number of pixels"
            )
    side = _csv_side(n_cells)
    if len(body) < MIN_IMAGES:
        raise UploadError(
            f"the file has {len(body)} image{'s' if len(body) > 1 else ''}; the playground needs at least "
            f"{MIN_IMAGES} to learn from"
        )
    frame = _frame(body, separator)
    numbers = [number for number, _ in body]
    columns = [cell.strip() for cell in head] if header else None
    pixels = _pixels(frame, numbers, separator, columns)
    labels, class_names = _classes(frame[0].to_numpy(dtype=object), numbers)
    if pixels.max(initial=0.0) > 1.0:
        pixels /= 255.0
    images = pixels.reshape(len(body), side, side).astype(np.float32)
    _check_classes(labels, class_names, "csv")
    return ImageSet(images, labels, class_names)


def _cells(line: str, separator: str, quoted: bool) -> list[str]:
    if not quoted:
        return line.split(separator)
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return line.split(separator)


def _csv_side(n_cells: int) -> int:
    """The images' side, from the number of values in a line; UploadError when they cannot be square or fit."""
    n_pixels = n_cells - 1
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        smaller, larger = side, side + 1
        hint = (
            f"; {n_cells} values would be square, so perhaps the label is missing: put each image's label first"
            if math.isqrt(n_cells) ** 2 == n_cells
            else "; check that every line is a label followed by all pixels of one image"
        )
        raise UploadError(
            f"each line has {n_pixels} pixels after the label and {n_pixels} is not a square number, so the images "
            f"cannot be square ({smaller * smaller} pixels make {smaller}x{smaller} images, {larger * larger} make "
            f"{larger}x{larger}){hint}"
        )
    if not MIN_SIDE <= side <= MAX_SIDE:
        raise UploadError(
            f"the images are {side}x{side} pixels; the playground takes square images from {MIN_SIDE}x{MIN_SIDE} to "
            f"{MAX_SIDE}x{MAX_SIDE}, so resize them"
        )
    return side


def _frame(body: list[tuple[int, str]], separator: str) -> pd.DataFrame:
    """The lines as a table (pandas parses numbers far faster than Python), labels kept as text."""
    try:
        return pd.read_csv(  # bytes, not io.StringIO: that holds 4 bytes a character
            io.BytesIO("\n".join(line for _, line in body).encode("utf-8")),
            sep=separator,
            header=None,
            dtype={0: str},
            na_filter=False,
            low_memory=False,
            skip_blank_lines=False,
            decimal="," if separator != "," else ".",
        )
    except (pd.errors.ParserError, ValueError) as error:
        raise UploadError(f"the file is not readable CSV ({shorten(str(error), 80)}); save it as CSV again") from None


def _pixels(frame: pd.DataFrame, numbers: list[int], separator: str, columns: list[str] | None) -> np.ndarray:
    """All pixel values as float64 [n, pixels]; UploadError naming the line and column of the first bad cell."""
    cells = frame.iloc[:, 1:]
    if all(dtype.kind in "iuf" for dtype in cells.dtypes):
        values = cells.to_numpy(dtype=np.float64)
    else:
        values = np.empty(cells.shape, dtype=np.float64)
        for position in range(cells.shape[1]):
            column = cells.iloc[:, position]
            if column.dtype.kind in "iuf":
                values[:, position] = column.to_numpy(dtype=np.float64)
                continue
            for row, cell in enumerate(column.to_numpy(dtype=object)):
                text = str(cell).strip()
                where = _where(numbers[row], position + 1, columns)
                if not text:
                    raise UploadError(f"{where} is empty; fill in a pixel value from 0 to 255 or delete that line")
                try:
                    values[row, position] = float(text.replace(",", ".") if separator != "," else text)
                except ValueError:
                    raise UploadError(
                        f"{where} holds {shorten(text)!r}, which is not a number; pixels are numbers from 0 to 255"
                    ) from None
    bad = ~np.isfinite(values) | (values < 0) | (values > 255)
    if bad.any():
        row, position = (int(index) for index in np.argwhere(bad)[0])
        value = values[row, position]
        where = _where(numbers[row], position + 1, columns)
        if math.isnan(value):
            raise UploadError(f"{where} holds NaN (no value); fill in a pixel value from 0 to 255 or delete that line")
        if math.isinf(value):
            raise UploadError(f"{where} holds an infinite number; pixels are numbers from 0 to 255")
        raise UploadError(
            f"{where} holds the pixel value {value:g}; pixels must lie between 0 and 255 (or between 0 and 1)"
        )
    return values


def _where(line: int, index: int, columns: list[str] | None) -> str:
    """Line and column of the cell at ``index`` (0: the label) as a spreadsheet counts them, with its header name."""
    name = columns[index] if columns else ""
    return f"line {line}, column {index + 1}" + (f" ({shorten(name)})" if name else "")


def _classes(cells: np.ndarray, numbers: list[int]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class numbers and names from the label cells, by the rules in the module's docstring."""
    texts = [str(cell).strip() for cell in cells]
    for row, text in enumerate(texts):
        if not text:
            raise UploadError(f"line {numbers[row]} has no label (its first value is empty); {_CSV_HINT}")
    distinct = sorted(set(texts))
    values = {}
    for text in distinct:
        try:
            values[text] = float(text)
        except ValueError:
            break
    if len(values) == len(distinct) and all(math.isfinite(value) for value in values.values()):
        fraction = next((text for text in distinct if values[text] != round(values[text])), None)
        if fraction is not None:
            line = numbers[texts.index(fraction)]
            raise UploadError(
                f"line {line} has the label {shorten(fraction)}, which is not a whole number; labels are class "
                "numbers such as 0 to 9 or class names such as cat"
            )
        numbered = sorted({int(value) for value in values.values()})
        index = {text: numbered.index(int(values[text])) for text in distinct}
        names = tuple(str(value) for value in numbered)
    else:
        names = tuple(sorted(distinct, key=_natural))
        index = {text: position for position, text in enumerate(names)}
    return np.array([index[text] for text in texts], dtype=np.int64), names


def _natural(text: str) -> tuple:
    """A sort key that puts ``2`` before ``10`` and ``img2`` before ``img10``, ignoring case first."""
    parts = re.split(r"(\d+)", text)
    return tuple(int(part) if position % 2 else part.casefold() for position, part in enumerate(parts)), text


def _check_classes(labels: np.ndarray, class_names: tuple[str, ...], source: str) -> None:
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


# Reading a zip -------------------------------------------------------------------------------------------------

_ZIP_HINT = "put each class's images in a folder named after the class and zip those folders"


def read_image_zip(data: bytes) -> ImageSet:
    """Read a zip of class folders of images (see the module's docstring); UploadError says what is wrong.

    Everything is measured before an image is decoded: the zip's bytes, its entry count, the sizes and compression
    methods its entries declare, and the pixels of all images, summed from their headers."""
    check_upload_size(len(data))
    entry_count = bytes(data).count(b"PK\x01\x02")  # central directory headers, counted before zipfile lists them
    if entry_count > MAX_ZIP_ENTRIES:
        raise UploadError(
            f"the zip holds {entry_count:,} files; the playground takes at most {MAX_IMAGES:,} images, so send fewer"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, OSError, ValueError, TypeError, EOFError, NotImplementedError):
        raise UploadError(f"the file is not a zip archive or it is damaged; {_ZIP_HINT}") from None
    with archive:
        entries = _image_entries(archive)
        if not entries:
            raise UploadError(f"the zip holds no images; {_ZIP_HINT}")
        if len(entries) > MAX_IMAGES:
            raise UploadError(f"the zip holds {len(entries):,} images; the playground takes at most {MAX_IMAGES:,}")
        unpacked = sum(info.file_size for info, _ in entries)
        if unpacked > MAX_UNPACKED_BYTES:
            raise UploadError(
                f"the zip unpacks to {unpacked / 2**20:,.0f} MB; the playground takes at most "
                f"{MAX_UNPACKED_BYTES / 2**20:.0f} MB of images, so shrink the images or send fewer"
            )
        for info, _ in entries:
            _check_packing(info)
        class_names = tuple(sorted({parts[0] for _, parts in entries}, key=_natural))
        _check_classes(
            np.array([class_names.index(parts[0]) for _, parts in entries], dtype=np.int64), class_names, "zip"
        )
        entries.sort(key=lambda entry: (class_names.index(entry[1][0]), _natural(entry[1][1])))
        total = sum(_decoded_pixels(archive, info) for info, _ in entries)
        most = limits().max_zip_pixels
        if total > most:
            raise UploadError(
                f"the zip's images hold {total:,} pixels; the playground decodes at most {most:,} from one zip, so "
                "shrink the images or send fewer"
            )
        pixels = np.empty((len(entries), ZIP_SIDE, ZIP_SIDE), dtype=np.uint8)
        bright = 0
        for row, (info, _) in enumerate(entries):
            pixels[row], border = _zip_image(archive, info)
            bright += border > 127
    labels = np.array([class_names.index(parts[0]) for _, parts in entries], dtype=np.int64)
    inverted = bright > len(entries) / 2
    if inverted:
        pixels = 255 - pixels  # 1 - x, in whole steps of 1/255 so a stored set loads back exactly
    return ImageSet(pixels.astype(np.float32) / np.float32(255), labels, class_names, inverted)


def _image_entries(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, list[str]]]:
    """The zip's images with their path as [class folder, file name]; UploadError for any other file."""
    files = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        parts = [part for part in _entry_name(info).replace("\\", "/").split("/") if part not in ("", ".")]
        if not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts):
            continue
        if parts[-1].lower() in _JUNK_FILES:
            continue
        if not parts[-1].lower().endswith(IMAGE_EXTENSIONS):
            raise UploadError(
                f"{shorten('/'.join(parts), 60)} is not an image; the zip may hold only PNG, JPEG, BMP or GIF images "
                "in class folders, so remove that file"
            )
        files.append((info, parts))
    while files and all(len(parts) >= 3 for _, parts in files) and len({parts[0] for _, parts in files}) == 1:
        files = [(info, parts[1:]) for info, parts in files]  # a folder wrapping the class folders
    for info, parts in files:
        path = shorten(_entry_name(info), 60)
        if len(parts) == 1:
            raise UploadError(f"{path} is not inside a class folder; {_ZIP_HINT}")
        if len(parts) > 2:
            raise UploadError(
                f"{path} lies in a folder inside the class folder {shorten(parts[0])}; put each class's images "
                "directly in its folder"
            )
    return files


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name, read as UTF-8 when the zip did not say (zipfile then assumes the old DOS code page)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


#: The compression methods zipfile unpacks (zip tools offer more, which it refuses only when an entry is read).
_UNPACKABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
#: Formats an image in a zip may have; Pillow would open many more (some through outside programs) by content.
_IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "DIB", "GIF", "WEBP")  # a JPEG of several pictures opens as MPO


def _check_packing(info: zipfile.ZipInfo) -> None:
    """UploadError for an entry zipfile cannot unpack, said before any entry is unpacked."""
    path = shorten(_entry_name(info), 60)
    if info.flag_bits & 0x1:
        raise UploadError(f"{path} is encrypted; zip the folders again without a password")
    if info.compress_type not in _UNPACKABLE:
        raise UploadError(
            f"{path} is packed with compression method {info.compress_type}, which the playground cannot unpack; zip "
            "the folders again with the usual (deflate) compression"
        )


@contextlib.contextmanager
def _unpacking(info: zipfile.ZipInfo) -> Iterator[None]:
    """Whatever zipfile raises while unpacking an entry, as one UploadError naming the file."""
    try:
        yield
    except UploadError:
        raise
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as error:
        raise UploadError(
            f"{shorten(_entry_name(info), 60)} cannot be unpacked ({shorten(str(error) or type(error).__name__, 60)}); "
            "zip the folders again"
        ) from None
    except RuntimeError:  # zipfile's word for a password-protected entry the flags did not mention
        raise UploadError(
            f"{shorten(_entry_name(info), 60)} is encrypted; zip the folders again without a password"
        ) from None


def _unreadable(info: zipfile.ZipInfo, error: Exception) -> UploadError:
    return UploadError(
        f"{shorten(_entry_name(info), 60)} cannot be read as an image "
        f"({shorten(str(error) or type(error).__name__, 60)}); save it as PNG or JPEG again or remove it"
    )


def _opened(file: IO[bytes], info: zipfile.ZipInfo) -> Image.Image:
    """The image in ``file`` with only its header read, refused when it is too wide or tall to decode. JPEGs are
    set to decode at the fraction of their size that still covers four times ``ZIP_SIDE``, as ``.size`` then says."""
    image = Image.open(file, formats=_IMAGE_FORMATS)
    width, height = image.size
    if max(width, height) > MAX_IMAGE_SIDE:
        raise UploadError(
            f"{shorten(_entry_name(info), 60)} is {width}x{height} pixels; images may be at most "
            f"{MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE}, so shrink it"
        )
    if image.format in ("JPEG", "MPO"):
        image.draft("L", (4 * ZIP_SIDE, 4 * ZIP_SIDE))  # decode big photos at a fraction of their size
    return image


def _decoded_pixels(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """How many pixels decoding the entry would make, from its header alone (read straight from the zip, so only
    the first bytes are unpacked)."""
    with _unpacking(info), archive.open(info) as file:
        try:
            width, height = _opened(file, info).size
        except (UploadError, zipfile.BadZipFile, zlib.error):
            raise
        except Exception as error:  # decoders of untrusted bytes raise many kinds; all mean the same to the user
            raise _unreadable(info, error) from None
    return width * height


def _zip_image(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[np.ndarray, int]:
    """One image as uint8 [ZIP_SIDE, ZIP_SIDE] and its border colour (0-255), or UploadError naming the file."""
    with _unpacking(info):
        data = archive.read(info)
    try:
        image = _opened(io.BytesIO(data), info)
        image.load()
        image = ImageOps.exif_transpose(image)
        grey = _grey(image)
    except UploadError:
        raise
    except Exception as error:  # decoders of untrusted bytes raise many kinds; all mean the same to the user
        raise _unreadable(info, error) from None
    path = shorten(_entry_name(info), 60)
    if grey.size == 0:
        raise UploadError(f"{path} has no pixels; remove it")
    edges = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    border = int(np.round(np.median(edges)))
    height, width = grey.shape
    side = max(height, width)
    square = np.full((side, side), border, dtype=np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = grey
    small = Image.fromarray(square).resize((ZIP_SIDE, ZIP_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.asarray(small, dtype=np.uint8), border


def _grey(image: Image.Image) -> np.ndarray:
    """The image as uint8 grayscale; transparent parts laid on white, 16-bit values scaled down."""
    if image.mode.startswith("I;16"):
        return np.round(np.asarray(image, dtype=np.float32) / np.float32(257)).astype(np.uint8)
    if image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        if values.max(initial=0.0) > 255:
            values = values / 257.0
        return np.round(np.clip(values, 0, 255)).astype(np.uint8)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return np.asarray(image.convert("L"), dtype=np.uint8)


# Storage -------------------------------------------------------------------------------------------------------


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
    _check_classes(image_set.labels, image_set.class_names, "set")
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
