"""Take it with you: the downloads every page offers for its current run (setup, history, checkpoint, ONNX,
PyTorch script, Keras code). The worker holds the weights, so checkpoints and ONNX are asked of it."""

from __future__ import annotations

import functools
import io
import os
import tempfile
from collections.abc import Callable, Collection
from functools import partial

import streamlit as st

from playground.config import RunConfig, TrainConfig
from playground.export import ExportError
from playground.i18n import Translator
from playground.lessons import lesson_from_setup
from playground.ui.session import SessionRun

#: The most epochs a setup may name (``TrainConfig.epochs``).
MAX_EPOCHS = next(rule.le for rule in TrainConfig.model_fields["epochs"].metadata if hasattr(rule, "le"))


def script_or_error(make: Callable[[RunConfig], str], config: RunConfig) -> tuple[str | None, str | None]:
    """An exported script, or the reason it cannot be written (uploads, say, live only on this computer). Each
    setup's script is written once: a page shows it on every full run, and writing it copies the data code's
    source (inspect and ast: 6 % of a busy server's time when thirty pages paused at once)."""
    return _script_or_error(make, config.to_json())


@functools.lru_cache(maxsize=64)
def _script_or_error(make: Callable[[RunConfig], str], config_json: str) -> tuple[str | None, str | None]:
    try:
        return make(RunConfig.from_json(config_json)), None
    except ExportError as error:
        return None, str(error)


def as_trained(config: RunConfig, epochs: int) -> RunConfig:
    """The setup as a page trained it for an exported script: as many epochs as the run trained (the setup's own
    number until it trained any). A cosine schedule keeps the setup's number: it decays over those epochs."""
    epochs = min(int(epochs), MAX_EPOCHS)
    if epochs <= 0 or epochs == config.training.epochs or config.training.schedule == "cosine":
        return config
    return config.model_copy(update={"training": config.training.model_copy(update={"epochs": epochs})})


def trained_script(make: Callable[[RunConfig], str], run: SessionRun, config: RunConfig) -> str:
    """The script of the setup as the run has trained it so far, written when the download is asked for."""
    source, reason = script_or_error(make, as_trained(config, run.handle.snapshot()[0].epoch))
    if source is None:
        raise ExportError(reason or "")
    return source


def checkpoint_bytes(run: SessionRun) -> bytes:
    """The worker's current model as a checkpoint zip (the worker holds the weights, so it writes the file)."""
    with tempfile.TemporaryDirectory(prefix="nn-playground-") as folder:
        path = os.path.join(folder, "checkpoint.zip")
        run.handle.save_checkpoint(path)
        with open(path, "rb") as file:
            return file.read()


def onnx_bytes(run: SessionRun) -> bytes:
    """The worker's current model as ONNX, converted here from a fresh checkpoint (the worker never loads onnx)."""
    from playground.checkpoint import load_checkpoint
    from playground.export.onnx_export import export_onnx

    checkpoint = load_checkpoint(io.BytesIO(checkpoint_bytes(run)))
    buffer = io.BytesIO()
    export_onnx(checkpoint.model, checkpoint.config, buffer)
    return buffer.getvalue()


def history_csv(run: SessionRun, config: RunConfig) -> str:
    """The current run's history, one row per epoch."""
    from playground.history import write_history_csv

    table = io.StringIO()
    write_history_csv(run.handle.snapshot()[1], config.task, table, config.training.metric)
    return table.getvalue()


def lesson_file(page: str, config: RunConfig, hidden: Collection[str], title: str) -> str:
    """A lesson file with this setup and these hidden controls, ready for its steps."""
    return lesson_from_setup(page, config, sorted(hidden), title).to_json()


def downloads(
    t: Translator, run: SessionRun, config: RunConfig, key: str, disabled: bool = False, hidden: Collection[str] = ()
) -> None:
    """Take it with you: setup, history, checkpoint, ONNX, PyTorch script and Keras code of the current run, and a
    lesson file holding the setup (with the controls a lesson link hides on this page)."""
    from playground.export.keras_code import keras_code
    from playground.export.pytorch_script import pytorch_script

    stem = f"{config.data.dataset}_network"
    columns = st.columns(3)
    columns[0].download_button(
        t("download_config"), config.to_json(), f"{stem}.json", "application/json",
        key=f"{key}_dl_config", icon=":material/data_object:", on_click="ignore", disabled=disabled, width="stretch",
    )  # fmt: skip
    columns[1].download_button(
        t("download_history"), partial(history_csv, run, config), f"{stem}_history.csv", "text/csv",
        key=f"{key}_dl_history", icon=":material/table:", on_click="ignore", width="stretch",
    )  # fmt: skip
    columns[2].download_button(
        t("download_checkpoint"), partial(checkpoint_bytes, run), f"{stem}.zip", "application/zip",
        key=f"{key}_dl_checkpoint", icon=":material/save:", on_click="ignore", disabled=disabled, width="stretch",
        help=t("help_checkpoint"),
    )  # fmt: skip
    columns = st.columns(3)
    columns[0].download_button(
        t("download_onnx"), partial(onnx_bytes, run), f"{stem}.onnx", "application/octet-stream",
        key=f"{key}_dl_onnx", icon=":material/deployed_code:", on_click="ignore", disabled=disabled, width="stretch",
    )  # fmt: skip
    for column, (label, make, suffix, widget_key) in zip(
        columns[1:],
        (
            ("download_pytorch", pytorch_script, "_pytorch.py", f"{key}_dl_pytorch"),
            ("download_keras", keras_code, "_keras.py", f"{key}_dl_keras"),
        ),
        strict=True,
    ):
        source, reason = script_or_error(make, config)
        if source is None:
            column.info(t("no_script", reason=reason or ""), icon=":material/block:")
        else:
            column.download_button(
                t(label), partial(trained_script, make, run, config), f"{stem}{suffix}", "text/x-python",
                key=widget_key, icon=":material/code:", on_click="ignore", disabled=disabled, width="stretch",
            )  # fmt: skip
    lesson_download(t, key, config, hidden, disabled)


def lesson_download(
    t: Translator, page: str, config: RunConfig, hidden: Collection[str] = (), disabled: bool = False
) -> None:
    """"Make a lesson from this setup": a lesson file for this page with its setup and hidden controls, for a
    teacher to add steps to (pages without the full downloads show only this)."""
    title = config.name or t("lesson_new_title")
    st.download_button(
        t("download_lesson"), partial(lesson_file, page, config, hidden, title),
        f"{config.data.dataset}_network_lesson.json", "application/json", key=f"{page}_dl_lesson",
        icon=":material/play_lesson:", on_click="ignore", disabled=disabled, help=t("help_download_lesson"),
    )  # fmt: skip
