"""Checkpoints: one zip a browser can download, holding config.json, weights.safetensors and history.csv.

Loading never unpickles anything. ``torch.save`` files are pickles, and unpickling a stranger's file can run any
code it likes; a checkpoint here is JSON (checked by the RunConfig), safetensors (raw tensors, no code) and CSV.
Anything else in the zip, or weights that do not fit the config's model, is refused with a message that says why.

A checkpoint may come from anyone, so everything is decided from sizes before it is read: the zip's directory
and each member's declared size before anything is unpacked, the safetensors header (names, shapes, dtypes,
offsets) before any tensor is decoded. A small zip can unpack to gigabytes, and a header can promise tensors
the model does not have; either is refused in one line that names the part, the value and the limit.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO, NamedTuple

import torch
from torch import nn

from playground.config import ConfigError, RunConfig
from playground.data.hashed_store import shorten
from playground.history import read_history_csv, write_history_csv
from playground.limits import Limits, limits, over_limit
from playground.model import build_model

CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
HISTORY = "history.csv"
MEMBERS = (CONFIG, WEIGHTS, HISTORY)
_LISTED = f"{CONFIG}, {WEIGHTS} and {HISTORY}"

#: Bytes of the zip's central directory: three entries take about 200, and zipfile builds an object for every
#: entry while opening the archive (300,000 empty members, a 26 MB upload, took 3 to 7 s and 170 MB).
_MOST_DIRECTORY_BYTES = 65_536
#: The end-of-central-directory record: signature, four disk and entry counts, directory size and offset,
#: comment length. A zip64 archive (torch.save writes one) puts a record of its own, with 8-byte counts and sizes,
#: and a 20-byte locator just before it; zipfile then takes the directory's size from that record.
_END_RECORD = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_RECORD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_SIGNATURE = b"PK\x06\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_LOCATOR_BYTES = 20
#: The two compression methods zipfile writes; any other is not a checkpoint of ours.
_COMPRESSIONS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}

#: Bytes of one history line: at most 9 columns of a float's repr (24 characters at most), commas, CRLF.
_HISTORY_LINE_BYTES = 256
#: Header bytes per tensor (its name, dtype, shape and offsets as JSON take about 120), and for the metadata.
_HEADER_BYTES_PER_TENSOR = 256
_HEADER_SLACK_BYTES = 4_096
#: The most tensors one layer holds: a recurrent layer, 4 stacked x 2 directions x 4 weights and biases.
_MOST_TENSORS_PER_LAYER = 32
#: The safetensors dtypes a weight may have; float16 and bfloat16 widen to float32 exactly.
_FLOAT_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
#: Dtypes of the model's other tensors (batch norm's int64 count of batches), which must match exactly.
_OTHER_DTYPES = {torch.int64: "I64"}
_HEADER_FIELDS = {"dtype", "shape", "data_offsets"}
#: What zipfile raises for a damaged archive or member (zlib.error: a corrupt deflate stream).
_ZIP_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError,
    struct.error, zlib.error,
)  # fmt: skip

Source = str | os.PathLike | BinaryIO


class CheckpointError(ValueError):
    """A file that is not a checkpoint this playground wrote, or one whose parts do not fit together."""


class Checkpoint(NamedTuple):
    config: RunConfig
    model: nn.Sequential  # in eval mode, ready to predict
    history: list[dict[str, float]] | None


def save_checkpoint(
    model: nn.Module, config: RunConfig, path: Source, history: list[dict[str, float]] | None = None
) -> None:
    """Write the zip to a path or a binary file (an ``io.BytesIO`` gives the bytes for a download button)."""
    from safetensors.torch import save

    state = {name: tensor.detach().contiguous() for name, tensor in model.state_dict().items()}
    _check_names_and_shapes(
        {name: tuple(tensor.shape) for name, tensor in state.items()}, _fresh_model(config).state_dict(), "the model"
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CONFIG, config.to_json())
        archive.writestr(WEIGHTS, save(state))
        if history is not None:
            table = io.StringIO()
            write_history_csv(history, config.task, table, config.training.metric)
            archive.writestr(HISTORY, table.getvalue())


def load_checkpoint(path: Source) -> Checkpoint:
    """The config, the model with the saved weights, and the history (None when the file has none).

    Each part is read only after its declared size passed, and at most that many bytes come out of it."""
    budget = limits()
    with _binary(path) as file, _open_archive(file) as archive:
        members = _checked_members(archive, budget)
        try:
            config = RunConfig.from_json(_read_member(archive, members[CONFIG]))
        except ConfigError as error:
            raise CheckpointError(f"{CONFIG} is not a valid config: {error}") from None
        model = _fresh_model(config)
        expected = model.state_dict()
        weights = members[WEIGHTS]
        _check_size(WEIGHTS, weights.file_size, _weights_bytes(expected))
        state = _read_weights(_read_member(archive, weights), expected)
        history = _read_history(archive, members[HISTORY], config, budget) if HISTORY in members else None
    model.load_state_dict(state, strict=True)
    model.eval()
    return Checkpoint(config, model, history)


def _fresh_model(config: RunConfig) -> nn.Sequential:
    """The config's model, without disturbing the caller's random numbers (build_model seeds torch)."""
    with torch.random.fork_rng(devices=[]):
        return build_model(config)


# The zip -------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _binary(source: Source) -> Iterator[BinaryIO]:
    """The file to read: a path is opened (and closed) here, so that only a missing file is an OSError."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            yield file
    else:
        yield source


@contextlib.contextmanager
def _open_archive(file: BinaryIO) -> Iterator[zipfile.ZipFile]:
    _check_directory(file)
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise CheckpointError(f"not a playground checkpoint: the file is not a zip archive holding {_LISTED}") from None
    except _ZIP_ERRORS as error:
        raise CheckpointError(f"not a playground checkpoint: the zip archive is damaged ({_said(error)})") from None
    with archive:
        yield archive


def _check_directory(file: BinaryIO) -> None:
    """Refuse a zip whose central directory is too big for three members, from the records at its end, before
    zipfile reads the directory; the records are found as zipfile finds them."""
    file.seek(0, os.SEEK_END)
    size = file.tell()
    before = _ZIP64_RECORD.size + _ZIP64_LOCATOR_BYTES
    start = max(0, size - _END_RECORD.size - 0xFFFF - before)
    file.seek(start)
    tail = file.read()
    at = len(tail) - _END_RECORD.size
    if at < 0 or tail[at : at + 4] != _END_SIGNATURE or tail[-2:] != b"\0\0":
        at = tail.rfind(_END_SIGNATURE)
    if at < 0 or at + _END_RECORD.size > len(tail):
        return  # not a zip: zipfile says so
    directory_bytes = _END_RECORD.unpack_from(tail, at)[5]
    zip64 = at - before
    if (
        zip64 >= 0
        and tail[at - _ZIP64_LOCATOR_BYTES :].startswith(_ZIP64_LOCATOR_SIGNATURE)
        and tail[zip64:].startswith(_ZIP64_SIGNATURE)
    ):
        directory_bytes = _ZIP64_RECORD.unpack_from(tail, zip64)[8]
    if directory_bytes > _MOST_DIRECTORY_BYTES:
        raise CheckpointError(
            over_limit("the zip's directory", directory_bytes, _MOST_DIRECTORY_BYTES, "bytes")
            + f"; a checkpoint holds only {_LISTED}"
        )


def _checked_members(archive: zipfile.ZipFile, budget: Limits) -> dict[str, zipfile.ZipInfo]:
    """The members by name, after their names, compression and declared sizes passed; nothing is read."""
    infos = archive.infolist()
    for info in infos:
        name = info.filename
        if name.endswith(".pkl"):
            raise CheckpointError(
                f"refused: this looks like a torch.save file ({shorten(name)} is a pickle, which can run code when "
                f"loaded); the playground loads only its own checkpoints, which hold {_LISTED}"
            )
        if name not in MEMBERS:
            raise CheckpointError(f"refused: unexpected member {shorten(name)!r}; a checkpoint holds only {_LISTED}")
    members = {info.filename: info for info in infos}
    if len(members) != len(infos):
        raise CheckpointError("refused: the zip holds a member twice")
    for required in (CONFIG, WEIGHTS):
        if required not in members:
            raise CheckpointError(f"not a complete checkpoint: {required} is missing")
    most_bytes = {
        CONFIG: budget.max_config_bytes,
        WEIGHTS: _most_weights_bytes(budget),
        HISTORY: (budget.max_history_rows + 1) * _HISTORY_LINE_BYTES,
    }
    for name, info in members.items():
        if info.compress_type not in _COMPRESSIONS:
            raise CheckpointError(
                f"{name}: compression method {info.compress_type} is not one a checkpoint uses "
                f"({' or '.join(_COMPRESSIONS.values())})"
            )
        _check_size(name, info.file_size, most_bytes[name])
    return members


def _check_size(name: str, declared: int, most: int) -> None:
    if declared > most:
        raise CheckpointError(over_limit(name, declared, most, "bytes") + " (unpacked)")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, never more than its declared size (which was checked): zipfile stops there and the
    CRC then fails; one byte more is asked for, so that a member that unpacks to more is refused all the same."""
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except _ZIP_ERRORS as error:
        raise CheckpointError(f"{info.filename} is damaged: {_said(error)}") from None
    if len(data) != info.file_size:
        raise CheckpointError(
            f"{info.filename} is damaged: it unpacks to {len(data):,} bytes, not the {info.file_size:,} it declares"
        )
    return data


def _said(error: BaseException) -> str:
    """An error's message fit for one line (zipfile's may quote names from the archive)."""
    return shorten(str(error), 120) or type(error).__name__


# The weights ---------------------------------------------------------------------------------------------------


def _header_bytes(tensors: int) -> int:
    """The most bytes a safetensors header of so many tensors may take."""
    return _HEADER_SLACK_BYTES + tensors * _HEADER_BYTES_PER_TENSOR


def _most_weights_bytes(budget: Limits) -> int:
    """Bytes of the weights of the biggest model the budget allows, before its config is known: float32 values
    for every parameter and as many again (batch norm's running statistics), an int64 counter per layer, and the
    header of a stack of max_layers layers."""
    values = 8 * budget.max_params + 8 * budget.max_layers
    return 8 + _header_bytes(budget.max_layers * _MOST_TENSORS_PER_LAYER) + values


def _itemsize(tensor: torch.Tensor) -> int:
    """Bytes per value of a tensor as saved: float32 at most for a weight, the model's own size for the rest."""
    return 4 if tensor.is_floating_point() else tensor.element_size()


def _weights_bytes(expected: dict[str, torch.Tensor]) -> int:
    """The most bytes the weights of this model may take: the header, then every tensor at its widest dtype."""
    values = sum(tensor.numel() * _itemsize(tensor) for tensor in expected.values())
    return 8 + _header_bytes(len(expected)) + values


def _allowed_dtypes(tensor: torch.Tensor) -> dict[str, torch.dtype]:
    if tensor.is_floating_point():
        return _FLOAT_DTYPES
    name = _OTHER_DTYPES.get(tensor.dtype)
    return {name: tensor.dtype} if name else {}


def _read_weights(data: bytes, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The tensors, once the header says they are exactly the model's (names, shapes, dtypes) and fill the data
    without gap or overlap; only then are they decoded, and each weight must hold finite numbers."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    header = _read_header(data, len(expected))
    _check_names_and_shapes({name: tuple(entry["shape"]) for name, entry in header.items()}, expected, WEIGHTS)
    _check_layout(header, expected, len(data) - 8 - _header_length(data))
    try:
        state = load(data)
    except (SafetensorError, ValueError, TypeError) as error:
        raise CheckpointError(f"{WEIGHTS} is damaged: {_said(error)}") from None
    for name, tensor in state.items():
        if tensor.is_floating_point():
            bad = int(tensor.numel() - torch.isfinite(tensor).sum())
            if bad:
                raise CheckpointError(
                    f"{WEIGHTS}: the tensor {name!r} holds {bad:,} of {tensor.numel():,} values that are not finite "
                    "(NaN or infinity); weights must be finite numbers"
                )
    return state


def _header_length(data: bytes) -> int:
    return struct.unpack_from("<Q", data)[0]


def _read_header(data: bytes, tensors: int) -> dict[str, dict[str, Any]]:
    """The header's tensor entries (``__metadata__`` left out), each with a dtype string, a shape of whole
    numbers and two whole-number offsets: 8 bytes of little-endian length, then that much JSON."""
    if len(data) < 8:
        raise CheckpointError(f"{WEIGHTS} is damaged: {len(data)} bytes, too few for its header's length")
    length = _header_length(data)
    most = _header_bytes(tensors)
    if length > most:
        raise CheckpointError(over_limit(f"{WEIGHTS}: the header", length, most, "bytes"))
    if 8 + length > len(data):
        raise CheckpointError(f"{WEIGHTS} is damaged: its header claims {length:,} bytes, but {len(data) - 8:,} follow")
    try:
        header = json.loads(data[8 : 8 + length])
    except (ValueError, RecursionError) as error:
        raise CheckpointError(f"{WEIGHTS} is damaged: its header is not JSON ({_said(error)})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{WEIGHTS} is damaged: its header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{WEIGHTS} is damaged: its __metadata__ is not a JSON object")
    for name, entry in header.items():
        if not (
            isinstance(entry, dict)
            and entry.keys() == _HEADER_FIELDS
            and isinstance(entry["dtype"], str)
            and _whole_numbers(entry["shape"])
            and _whole_numbers(entry["data_offsets"])
            and len(entry["data_offsets"]) == 2
        ):
            raise CheckpointError(
                f"{WEIGHTS} is damaged: the header's entry for {shorten(name)!r} is not a dtype, a shape and two "
                "offsets"
            )
    return header


def _whole_numbers(value: object) -> bool:
    """A JSON list of non-negative integers (``true`` is an int to Python, not to us)."""
    return isinstance(value, list) and all(type(item) is int and item >= 0 for item in value)


def _check_layout(header: dict[str, dict[str, Any]], expected: dict[str, torch.Tensor], data_bytes: int) -> None:
    """Each tensor's dtype is one it may have and its bytes are what its shape and dtype take; together they
    fill the data after the header exactly, in order, without gap or overlap."""
    spans = []
    for name, tensor in expected.items():
        entry = header[name]
        allowed = _allowed_dtypes(tensor)
        dtype = entry["dtype"]
        if dtype not in allowed:
            raise CheckpointError(
                f"{WEIGHTS}: the tensor {name!r} has dtype {shorten(dtype)}; it must be {' or '.join(allowed)}"
            )
        begin, end = entry["data_offsets"]
        size = math.prod(entry["shape"]) * allowed[dtype].itemsize
        if end - begin != size:
            raise CheckpointError(
                f"{WEIGHTS} is damaged: the tensor {name!r} spans {end - begin:,} bytes, but a {dtype} tensor of "
                f"shape {tuple(entry['shape'])} takes {size:,}"
            )
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise CheckpointError(
                f"{WEIGHTS} is damaged: the tensor {name!r} starts at byte {begin:,} of the data, not {position:,}"
            )
        position = end
    if position != data_bytes:
        raise CheckpointError(f"{WEIGHTS} is damaged: its tensors take {position:,} bytes, but {data_bytes:,} follow")


def _check_names_and_shapes(
    shapes: dict[str, tuple[int, ...]], expected: dict[str, torch.Tensor], where: str
) -> None:
    """Names and shapes must match the config's model exactly; the message names the first tensor that does not."""
    missing = [name for name in expected if name not in shapes]
    if missing:
        shape = tuple(expected[missing[0]].shape)
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise CheckpointError(
            f"{where} lacks the tensor {missing[0]!r} of shape {shape} that the config's model needs{more}"
        )
    extra = [name for name in shapes if name not in expected]
    if extra:
        raise CheckpointError(f"{where} has a tensor {shorten(extra[0])!r} that the config's model does not have")
    for name, tensor in expected.items():
        if shapes[name] != tuple(tensor.shape):
            raise CheckpointError(
                f"{where}: the tensor {name!r} has shape {shorten(str(shapes[name]), 60)}, "
                f"but the config's model needs {tuple(tensor.shape)}"
            )


# The history ---------------------------------------------------------------------------------------------------


def _read_history(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, config: RunConfig, budget: Limits
) -> list[dict[str, float]]:
    """The rows, once their number (counted from the line ends, before parsing) is within max_history_rows."""
    data = _read_member(archive, info)
    line_ends = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    lines = line_ends + (0 if not data or data.endswith((b"\n", b"\r")) else 1)
    rows = max(lines - 1, 0)  # after the header
    if rows > budget.max_history_rows:
        raise CheckpointError(over_limit(HISTORY, rows, budget.max_history_rows, "rows"))
    try:
        return read_history_csv(data.decode("utf-8"), config.task, config.training.metric)
    except (UnicodeDecodeError, ValueError) as error:
        raise CheckpointError(f"{HISTORY} is not a training history: {_said(error)}") from None
