"""Loading a saved setup (JSON) or a checkpoint (zip) into a page that trains a free layer stack.

The uploaders' callbacks run before the page's widgets, so ``adopt`` may set the widgets' values; a checkpoint's
weights wait in a temporary file until the page has started its worker on the loaded setup (``resume_loaded``).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from playground.config import ConfigError, DataConfig, RunConfig
from playground.data.registry import DATASETS
from playground.data.upload import UploadError, uploaded_bytes
from playground.i18n import Translator
from playground.limits import limits
from playground.ui.session import SessionRun

#: Where a dataset of another family is trained, for the refusal's hint.
_PAGE_OF_FAMILY = {
    "2d": "the 2D playground",
    "image": "the convolutions page",
    **dict.fromkeys(("sequence", "text"), "the sequences page"),
    **dict.fromkeys(("tabular", "table", "upload"), "the tables page"),
}


@dataclass(frozen=True)
class PageLoader:
    """What loading means for one page: its key prefix, the datasets it offers (``what`` names them in a
    refusal, e.g. "a table"), and how it shows a loaded config."""

    prefix: str
    datasets: tuple[str, ...]
    what: str
    adopt: Callable[[RunConfig], None]  # sets the page's own data widgets; ``take`` does the rest

    def check(self, config: RunConfig) -> None:
        """ConfigError when this page cannot train the config's data."""
        dataset = config.data.dataset
        if dataset not in self.datasets:
            where = _PAGE_OF_FAMILY.get(DATASETS[dataset].family, "another page")
            raise ConfigError(f"data.dataset: {dataset} is not {self.what}; open it in {where}")

    def config_from_upload(self, data: bytes) -> RunConfig:
        """A RunConfig from an uploaded JSON file, refused (ConfigError) when this page cannot train it."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("the file is not a JSON text file") from None
        config = RunConfig.from_json(text)
        self.check(config)
        return config

    # Session-state keys -------------------------------------------------------------------------------------
    @property
    def notice_key(self) -> str:
        return f"{self.prefix}_notice"

    @property
    def resume_key(self) -> str:
        return f"{self.prefix}_resume"

    @property
    def base_key(self) -> str:
        """Where ``adopt`` keeps the loaded config's JSON."""
        return f"{self.prefix}_base"

    @property
    def layers_key(self) -> str:
        return f"{self.prefix}_loaded_layers"

    @property
    def generation_key(self) -> str:
        return f"{self.prefix}_generation"

    def take(self, config: RunConfig) -> None:
        """Make the page show a loaded ``config``: the training widgets (``training_panel``'s ``{prefix}_*`` keys),
        the setup it started from, a fresh editor holding its layers, and through ``adopt`` the page's data."""
        state = st.session_state
        training = config.training
        state.update(
            {
                f"{self.prefix}_optimizer": training.optimizer,
                f"{self.prefix}_learning_rate": float(training.learning_rate),
                f"{self.prefix}_batch_size": int(training.batch_size),
                self.base_key: config.model_dump_json(),
                self.layers_key: [layer.model_dump() for layer in config.model.layers],
                self.generation_key: state.get(self.generation_key, 0) + 1,
            }
        )
        self.adopt(config)

    def loaded_layers(self, data: DataConfig) -> tuple[list[dict] | None, int]:
        """The layers a loaded setup brought, when the page shows its data (else None), and the editor's
        generation: each loaded setup gets a fresh editor."""
        base = self.base_config()
        state = st.session_state
        same = base is not None and base.data.dataset == data.dataset
        return (state.get(self.layers_key) if same else None), state.get(self.generation_key, 0)

    def base_config(self) -> RunConfig | None:
        """The loaded setup the page started from, if any (its data seed, other training settings and layers)."""
        text = st.session_state.get(self.base_key)
        if not text:
            return None
        try:
            return RunConfig.from_json(text)
        except ConfigError:  # an upload it named was removed from the cache meanwhile
            return None

    # Callbacks of the two uploaders --------------------------------------------------------------------------
    def load_config_file(self) -> None:
        file = st.session_state.get(f"{self.prefix}_config_file")
        if file is None:
            return
        try:
            config = self.config_from_upload(uploaded_bytes(file))
        except (ConfigError, UploadError) as error:
            st.session_state[self.notice_key] = ("error", "tab_load_config_failed", str(error))
            return
        self.take(config)
        st.session_state[self.notice_key] = ("success", "tab_loaded_config", "")

    def load_checkpoint_file(self) -> None:
        from playground.checkpoint import CheckpointError, load_checkpoint

        file = st.session_state.get(f"{self.prefix}_checkpoint_file")
        if file is None:
            return
        try:
            data = uploaded_bytes(file, limits().max_checkpoint_mb)  # refused by size before its bytes are copied
            config = load_checkpoint(io.BytesIO(data)).config
            self.check(config)
        except (CheckpointError, ConfigError, UploadError) as error:
            st.session_state[self.notice_key] = ("error", "tab_load_checkpoint_failed", str(error))
            return
        handle, path = tempfile.mkstemp(prefix="nn-playground-", suffix=".zip")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        self.take(config)
        st.session_state[self.resume_key] = path
        st.session_state[self.notice_key] = ("success", "tab_loaded_checkpoint", "")

    # Drawing -----------------------------------------------------------------------------------------------
    def show_notice(self, t: Translator) -> None:
        """The result of the last load, once."""
        notice = st.session_state.pop(self.notice_key, None)
        if notice:
            tone, key, detail = notice
            text = t(key, reason=detail) if detail else t(key)
            (st.error if tone == "error" else st.success)(text)

    def panel(self, t: Translator) -> None:
        with st.expander(t("tab_load"), icon=":material/upload:"):
            st.file_uploader(
                t("tab_load_config"), type=["json"], key=f"{self.prefix}_config_file",
                max_upload_size=limits().max_upload_mb,
                on_change=self.load_config_file, help=t("tab_help_load_config"),
            )  # fmt: skip
            st.file_uploader(
                t("tab_load_checkpoint"), type=["zip"], key=f"{self.prefix}_checkpoint_file",
                max_upload_size=limits().max_checkpoint_mb,
                on_change=self.load_checkpoint_file, help=t("tab_help_load_checkpoint"),
            )  # fmt: skip

    def resume_loaded(self, run: SessionRun, config: RunConfig) -> None:
        """After a checkpoint was loaded: carry on from its weights (its config is the page's now)."""
        resume = st.session_state.pop(self.resume_key, None)
        if not resume:
            return
        run.handle.reset(config, checkpoint_path=resume)
        with contextlib.suppress(TimeoutError):  # the temporary file may go once the worker has read it
            run.handle.wait_until(lambda latest, _: latest.resumed_from == resume, timeout=30.0)
        with contextlib.suppress(OSError):
            os.remove(resume)
