"""Small image files and zips for the upload tests, made in memory."""

import io
import zipfile

from PIL import Image


def png(size: tuple[int, int], mode: str = "L", value: int = 0) -> bytes:
    """A PNG of one ``value`` all over (a few hundred bytes, whatever its size)."""
    buffer = io.BytesIO()
    Image.new(mode, size, value).save(buffer, "PNG")
    return buffer.getvalue()


def make_zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding ``files`` (name -> bytes), each packed with ``method``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
