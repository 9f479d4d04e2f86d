"""What the pages that train a free layer stack share: the training widgets, the config they build, and the run
with its live loss view.

Used by the tables page and the convolutions page; the 2D page has TensorFlow Playground's own controls.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
import torch

from playground.config import DataConfig, DeviceName, OptimizerName, RunConfig
from playground.i18n import Translator
from playground.train.ray_backend import ray_address, ray_gpus
from playground.ui.common import translated_choice
from playground.ui.live_view import chart_view
from playground.ui.loading import PageLoader
from playground.ui.run_controls import PLAY, button_selector, live_view_labels, run_buttons
from playground.ui.session import SessionRun, pause_session_run

OPTIMIZERS: tuple[str, ...] = OptimizerName.__args__  # type: ignore[attr-defined]
BATCH_SIZES: tuple[int, ...] = (1, 8, 16, 32, 64, 128, 256)
DEVICES: tuple[str, ...] = DeviceName.__args__  # type: ignore[attr-defined]


def gpu_offered() -> bool:
    """Whether runs of this server can train on a GPU: it has one, or each run's Ray actor holds a share of one."""
    if ray_address():
        try:
            return ray_gpus() > 0
        except ValueError:  # the server's own setting is wrong: runs train on CPUs, and each start says why
            return False
    return torch.cuda.is_available()


def build_config(data: DataConfig, training: dict[str, Any], layers: list[dict]) -> RunConfig:
    """The RunConfig of the page's choices; ConfigError says in one readable sentence why it cannot run."""
    return RunConfig.from_dict({"data": data.model_dump(), "model": {"layers": layers}, "training": training})


def training_panel(t: Translator, base: RunConfig | None, prefix: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """Optimizer, learning rate, batch size and, where runs can train on a GPU, the device, under ``{prefix}_*``
    keys; the other training settings come from the loaded config (if any) or ``defaults``. Shared by the pages
    that train a free layer stack."""
    st.subheader(t("tab_training"))
    state = st.session_state
    keys = {name: f"{prefix}_{name}" for name in ("optimizer", "learning_rate", "batch_size")}
    for name, widget in keys.items():
        state.setdefault(widget, defaults[name])
    optimizer = translated_choice(
        st.selectbox, t("optimizer"), OPTIMIZERS, key=keys["optimizer"], format_func=lambda name: t(f"optimizer_{name}")
    )
    learning_rate = st.number_input(
        t("learning_rate"),
        min_value=1e-6,
        max_value=10.0,
        step=0.0005,
        format="%g",
        key=keys["learning_rate"],
        help=t("help_learning_rate"),
    )
    batch_sizes = sorted({*BATCH_SIZES, int(state[keys["batch_size"]])})
    batch_size = st.selectbox(t("batch_size"), batch_sizes, key=keys["batch_size"], help=t("help_batch_size"))
    training = base.training.model_dump() if base is not None else dict(defaults)
    training.update(optimizer=optimizer, learning_rate=float(learning_rate), batch_size=int(batch_size))
    training["device"] = _device_choice(t, prefix, training.get("device", "cpu"))
    return training


def _device_choice(t: Translator, prefix: str, loaded: str) -> str:
    """Where the run trains: a choice where runs can train on a GPU; elsewhere the CPU, saying so when a link (made
    on a server with a GPU) asked for one."""
    key = f"{prefix}_device"
    if not gpu_offered():
        if loaded != "cpu":
            st.caption(t("device_none_here"))
        return "cpu"
    st.session_state.setdefault(key, loaded)
    return translated_choice(
        st.selectbox, t("device"), DEVICES, key=key, format_func=lambda name: t(f"device_{name}"), help=t("help_device")
    )


def training_run(
    t: Translator, page: str, config: RunConfig | None, probes: tuple[str, ...], loader: PageLoader
) -> tuple[SessionRun, RunConfig] | None:
    """Play/Step/Reset and the live loss view. With a stack that cannot run (``config`` None) the run pauses and
    the last good setup stays shown, its buttons off; None when there never was one. Returns the run and the
    setup it shows."""
    st.subheader(t("tab_training_live"))
    good_key = f"{loader.page}_last_good"
    if config is None:
        st.warning(t("tab_invalid_paused"), icon=":material/pause_circle:")
        pause_session_run(page)
        good = st.session_state.get(good_key)
        if good is None:
            return None
        shown = RunConfig.model_validate_json(good)
        run = run_buttons(t, page=page, config=shown, probes=probes, disabled=True)
    else:
        st.session_state[good_key] = config.model_dump_json()
        shown = config
        run = run_buttons(t, page=page, config=config, probes=probes)
        loader.resume_loaded(run, config)
    n_classes = shown.output_size if shown.task == "multiclass" else 2
    chart_view(run.token, kind=shown.task, n_classes=n_classes, labels=live_view_labels(t), key=f"{loader.page}_live",
               play_button=button_selector(page, PLAY))  # fmt: skip
    return run, shown
