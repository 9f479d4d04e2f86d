"""Reading a user's images from a zip of class folders, refusing zip bombs before any image is decoded (the
rules are in ``image_upload``'s docstring)."""

from __future__ import annotations

import contextlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

import numpy as np
from PIL import Image, ImageOps

from playground.data.hashed_store import shorten
from playground.data.image_set import (
    MAX_IMAGES,
    ZIP_SIDE,
    ImageSet,
    check_classes,
    natural_order,
)
from playground.data.upload import (
    UploadError,
    check_upload_size,
)
from playground.limits import limits

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""The most bytes a zip's images may unpack to: a bigger zip is a bomb or far more than the page can use."""

MAX_IMAGE_SIDE = 4096
"""The widest or tallest image a zip may hold; decoding larger ones costs memory the page cannot spare."""

MAX_ZIP_ENTRIES = 3 * MAX_IMAGES
"""The most files a zip may list (images and what zip tools add beside them, such as ``__MACOSX`` copies): more
would cost memory to list before any could be refused as too many images."""

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")

_JUNK_FILES = ("thumbs.db", "desktop.ini")

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive with files, an empty archive

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
        class_names = tuple(sorted({parts[0] for _, parts in entries}, key=natural_order))
        check_classes(
            np.array([class_names.index(parts[0]) for _, parts in entries], dtype=np.int64), class_names, "zip"
        )
        entries.sort(key=lambda entry: (class_names.index(entry[1][0]), natural_order(entry[1][1])))
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
