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
from playground.data.registry import kind_of
from playground.data.upload import UploadError, uploaded_bytes
from playground.i18n import Translator
from playground.limits import limits
from playground.ui.session import SessionRun

#: Where a dataset of another page is trained (by its kind's page), for the refusal's hint.
_PAGE_NAMES = {
    "2d": "the 2D playground",
    "cnn": "the convolutions page",
    "seq": "the sequences page",
    "tab": "the tables page",
}


def loaded_data(base: DataConfig | None, dataset: str, upload: str | None = None) -> DataConfig | None:
    """A loaded setup's data when it names ``dataset`` (and ``upload``, when given), else None: the page then
    keeps the loaded split, seed and sizes instead of its own defaults."""
    if base is None or kind_of(base) is not kind_of(dataset) or (upload is not None and base.upload != upload):
        return None
    return base


@dataclass(frozen=True)
class PageLoader:
    """What loading means for one page: its id (the prefix of its keys; its datasets' kinds name it), what its
    datasets are called in a refusal (``what``, e.g. "a table"), and how it shows a loaded config."""

    page: str
    what: str
    adopt: Callable[[RunConfig], None]  # sets the page's own data widgets; ``take`` does the rest

    def check(self, config: RunConfig) -> None:
        """ConfigError when this page cannot train the config's data."""
        page = kind_of(config.data).page
        if page != self.page:
            where = _PAGE_NAMES.get(page, "another page")
            raise ConfigError(f"data.dataset: {config.data.dataset} is not {self.what}; open it in {where}")

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
        return f"{self.page}_notice"

    @property
    def resume_key(self) -> str:
        return f"{self.page}_resume"

    @property
    def base_key(self) -> str:
        """Where ``adopt`` keeps the loaded config's JSON."""
        return f"{self.page}_base"

    @property
    def layers_key(self) -> str:
        return f"{self.page}_loaded_layers"

    @property
    def generation_key(self) -> str:
        return f"{self.page}_generation"

    def take(self, config: RunConfig) -> None:
        """Make the page show a loaded ``config``: the training widgets (``training_panel``'s ``{page}_*`` keys),
        the setup it started from, a fresh editor holding its layers, and through ``adopt`` the page's data."""
        state = st.session_state
        training = config.training
        state.update(
            {
                f"{self.page}_optimizer": training.optimizer,
                f"{self.page}_learning_rate": float(training.learning_rate),
                f"{self.page}_batch_size": int(training.batch_size),
                f"{self.page}_device": training.device,
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
        same = base is not None and loaded_data(base.data, data.dataset) is not None
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
        file = st.session_state.get(f"{self.page}_config_file")
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

        file = st.session_state.get(f"{self.page}_checkpoint_file")
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
        """The result of the last load, once, beside the uploaders the user just used (``panel``). Not above the
        page's columns: a notice shown once there moved the stage down one place in the page's tree, and the browser
        built the live view anew on the next run (its history fetched again, its scroll lost)."""
        notice = st.session_state.pop(self.notice_key, None)
        if notice:
            tone, key, detail = notice
            text = t(key, reason=detail) if detail else t(key)
            (st.error if tone == "error" else st.success)(text)

    def panel(self, t: Translator) -> None:
        with st.expander(t("tab_load"), icon=":material/upload:"):
            self.show_notice(t)
            st.file_uploader(
                t("tab_load_config"), type=["json"], key=f"{self.page}_config_file",
                max_upload_size=limits().max_upload_mb,
                on_change=self.load_config_file, help=t("tab_help_load_config"),
            )  # fmt: skip
            st.file_uploader(
                t("tab_load_checkpoint"), type=["zip"], key=f"{self.page}_checkpoint_file",
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
