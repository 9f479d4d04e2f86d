"""Files named by the sha256 of their own bytes, in a folder of the upload cache: a user's point sets and images.

Each file is a JSON header line followed by raw little-endian arrays. Its hash is its name, so storing the same
set twice writes the same file, a link or config can name a set by its hash, and a file changed on disk is
noticed when it is loaded. Every refusal is an ``UploadError`` that says what to upload again.

Thirty students may store the same set at once (each write goes to a temporary file of its own, then is renamed
into place), and all stores together keep within ``limits().upload_store_mb``: reading a file marks it used, and
storing one removes those unused the longest beyond the quota.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from playground.data.upload import (
    REMOVED_TO_MAKE_ROOM,
    UploadError,
    cache_dir,
    evict_least_recently_used,
    shorten,
    touch,
    write_atomically,
)

__all__ = ["HashedStore", "header_line", "shorten"]

_SHA = re.compile(r"[0-9a-f]{64}")
#: A header line longer than this is not one of ours.
_MAX_HEADER_BYTES = 1 << 20


@dataclass(frozen=True)
class HashedStore:
    """One kind of stored set: its folder under the cache, its file suffix, what it is called in messages
    ("point set") and what the user uploads to make it again ("its CSV")."""

    folder: str
    suffix: str
    what: str
    source: str

    @property
    def directory(self) -> Path:
        return cache_dir() / self.folder

    def path(self, sha: str) -> Path:
        return self.directory / f"{sha}{self.suffix}"

    def store(self, blob: bytes) -> str:
        """Keep ``blob`` under its sha256 (an identical file is left alone, marked used) and return the sha; then
        remove the stored uploads unused the longest while all of them are over the quota."""
        sha = hashlib.sha256(blob).hexdigest()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(sha)
        try:
            unchanged = path.stat().st_size == len(blob) and path.read_bytes() == blob
        except OSError:
            unchanged = False
        if unchanged:
            touch(path)
        else:
            write_atomically(path, blob)
        evict_least_recently_used(keep=path)
        return sha

    def checked_sha(self, sha: object) -> str:
        if not (isinstance(sha, str) and _SHA.fullmatch(sha)):
            raise UploadError(f"{shorten(repr(sha), 80)} is not the sha256 of a stored {self.what}")
        return sha

    def missing(self, sha: str) -> str:
        return (
            f"the {self.what} {sha[:12]}… is no longer stored on this computer; upload {self.source} again "
            f"({REMOVED_TO_MAKE_ROOM})"
        )

    def damaged(self, sha: str, reason: object) -> UploadError:
        return UploadError(
            f"the stored {self.what} {sha[:12]}… is damaged ({shorten(str(reason), 80)}); upload {self.source} again"
        )

    def read(self, sha: str, header_only: bool = False) -> bytes:
        """The stored bytes (only the header line when asked), the file marked used; UploadError when they cannot
        be read."""
        path = self.path(self.checked_sha(sha))
        try:
            if header_only:
                with path.open("rb") as file:
                    blob = file.readline(_MAX_HEADER_BYTES)
            else:
                blob = path.read_bytes()
            touch(path)
            return blob
        except FileNotFoundError:
            raise UploadError(self.missing(sha)) from None
        except OSError as error:
            raise UploadError(
                f"the stored {self.what} {sha[:12]}… cannot be read ({error}); upload {self.source} again"
            ) from None

    def verified(self, sha: str) -> tuple[bytes, bytes]:
        """The header line and the payload after it, once the bytes are checked against their name."""
        blob = self.read(sha)
        if hashlib.sha256(blob).hexdigest() != sha:
            raise UploadError(f"the stored {self.what} {sha[:12]}… was changed on disk; upload {self.source} again")
        line, _, payload = blob.partition(b"\n")
        return line, payload

    def header(self, sha: str, line: bytes, version: int) -> dict:
        """The JSON header of a stored file written in layout ``version``."""
        try:
            header = json.loads(line)
            if not isinstance(header, dict) or header.get("format") != version:
                raise ValueError("unknown layout")
            return header
        except ValueError as error:
            raise self.damaged(sha, error) from None


def header_line(header: dict) -> bytes:
    """A header as the canonical line a stored file starts with (sorted keys, ASCII), so equal sets hash equal."""
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii") + b"\n"
