"""Checkpoints: one zip a browser can download, holding config.json, weights.safetensors and history.csv.

Loading never unpickles anything. ``torch.save`` files are pickles, and unpickling a stranger's file can run any
code it likes; a checkpoint here is JSON (checked by the RunConfig), safetensors (raw tensors, no code) and CSV.
Anything else in the zip, or weights that do not fit the config's model, is refused with a message that says why.
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import BinaryIO, NamedTuple

import torch
from torch import nn

from playground.config import ConfigError, RunConfig
from playground.export.history import read_history_csv, write_history_csv
from playground.model import build_model
from playground.train.trainer import Trainer

CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
HISTORY = "history.csv"
#: Every member a checkpoint may hold, with the most bytes we read of it (a guard against zip bombs).
_MEMBERS = {CONFIG: 1 << 20, WEIGHTS: 2 << 30, HISTORY: 64 << 20}
_LISTED = f"{CONFIG}, {WEIGHTS} and {HISTORY}"

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
    _check_weights(state, _fresh_model(config).state_dict(), "the model")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CONFIG, config.to_json())
        archive.writestr(WEIGHTS, save(state))
        if history is not None:
            table = io.StringIO()
            write_history_csv(history, config.task, table, config.training.metric)
            archive.writestr(HISTORY, table.getvalue())


def load_checkpoint(path: Source) -> Checkpoint:
    """The config, the model with the saved weights, and the history (None when the file has none)."""
    members = _read_members(path)
    try:
        config = RunConfig.from_json(members[CONFIG])
    except ConfigError as error:
        raise CheckpointError(f"{CONFIG} is not a valid config: {error}") from None
    model = _fresh_model(config)
    state = _read_weights(members[WEIGHTS])
    _check_weights(state, model.state_dict(), WEIGHTS)
    model.load_state_dict(state, strict=True)
    model.eval()
    history = None
    if HISTORY in members:
        try:
            history = read_history_csv(members[HISTORY].decode("utf-8"), config.task, config.training.metric)
        except (UnicodeDecodeError, ValueError) as error:
            raise CheckpointError(f"{HISTORY} is not a training history: {error}") from None
    return Checkpoint(config, model, history)


def resume_trainer(path: Source) -> Trainer:
    """A Trainer that carries on from a checkpoint: its weights, history and epoch count.

    The optimizer starts afresh (Adam's moment estimates are not saved), and batch order restarts from the seed.
    """
    config, model, history = load_checkpoint(path)
    trainer = Trainer(config)
    trainer.model.load_state_dict(model.state_dict())
    trainer.history = list(history or [])
    trainer.epoch = len(trainer.history)
    return trainer


def _fresh_model(config: RunConfig) -> nn.Sequential:
    """The config's model, without disturbing the caller's random numbers (build_model seeds torch)."""
    with torch.random.fork_rng(devices=[]):
        return build_model(config)


def _read_members(path: Source) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise CheckpointError(f"not a playground checkpoint: the file is not a zip archive holding {_LISTED}") from None
    with archive:
        names = archive.namelist()
        for name in names:
            if name.endswith(".pkl"):
                raise CheckpointError(
                    f"refused: this looks like a torch.save file ({name} is a pickle, which can run code when "
                    f"loaded); the playground loads only its own checkpoints, which hold {_LISTED}"
                )
            if name not in _MEMBERS:
                raise CheckpointError(f"refused: unexpected member {name!r}; a checkpoint holds only {_LISTED}")
        if len(set(names)) != len(names):
            raise CheckpointError("refused: the zip holds a member twice")
        for required in (CONFIG, WEIGHTS):
            if required not in names:
                raise CheckpointError(f"not a complete checkpoint: {required} is missing")
        members = {}
        for info in archive.infolist():
            if info.file_size > _MEMBERS[info.filename]:
                raise CheckpointError(f"refused: {info.filename} unpacks to {info.file_size:,} bytes, too many")
            try:
                members[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, RuntimeError) as error:
                raise CheckpointError(f"{info.filename} is damaged: {error}") from None
    return members


def _read_weights(data: bytes) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        return load(data)
    except (SafetensorError, ValueError, TypeError) as error:
        raise CheckpointError(f"{WEIGHTS} is damaged: {error}") from None


def _check_weights(state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], where: str) -> None:
    """Names and shapes must match the config's model exactly; the message names the first tensor that does not."""
    missing = [name for name in expected if name not in state]
    if missing:
        shape = tuple(expected[missing[0]].shape)
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise CheckpointError(
            f"{where} lacks the tensor {missing[0]!r} of shape {shape} that the config's model needs{more}"
        )
    extra = [name for name in state if name not in expected]
    if extra:
        raise CheckpointError(f"{where} has a tensor {extra[0]!r} that the config's model does not have")
    for name, tensor in expected.items():
        if tuple(state[name].shape) != tuple(tensor.shape):
            raise CheckpointError(
                f"{where}: the tensor {name!r} has shape {tuple(state[name].shape)}, "
                f"but the config's model needs {tuple(tensor.shape)}"
            )
