"""Reading a user's images from a CSV in MNIST's layout (the rules are in ``image_upload``'s docstring)."""

from __future__ import annotations

import csv
import io
import math
import re

import numpy as np
import pandas as pd

from playground.data.hashed_store import shorten
from playground.data.image_set import (
    MAX_IMAGES,
    MAX_SIDE,
    MIN_IMAGES,
    MIN_SIDE,
    ImageSet,
    check_classes,
    natural_order,
)
from playground.data.upload import (
    UploadError,
    count_lines,
    decode_csv_text,
    first_line,
    is_number,
)

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
    check_classes(labels, class_names, "csv")
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
        names = tuple(sorted(distinct, key=natural_order))
        index = {text: position for position, text in enumerate(names)}
    return np.array([index[text] for text in texts], dtype=np.int64), names
