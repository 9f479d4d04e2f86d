"""Part 3 of "Why deep learning": overfitting made visible. Fewer points and label noise open the gap between the
live network's training and test loss; dropout, an L2 penalty, early stopping and augmentation close it; a
capacity sweep trains the network at growing widths on the same few rows and plots both losses."""

from __future__ import annotations

import hashlib

import streamlit as st

from playground.config import ConfigError, RunConfig
from playground.data.kinds.base import Dataset
from playground.data.registry import kind_of
from playground.i18n import Translator
from playground.train.baselines import curve_sizes
from playground.train.compare import CAPACITY_FACTORS, CAPACITY_SIZE, ComparisonRequest
from playground.train.overfitting import Remedies, can_augment, can_drop_out, with_remedies
from playground.ui.common import kept_widget
from playground.ui.run_controls import in_fragment_rerun
from playground.ui.session import SessionRun
from playground.ui.why import jobs
from playground.viz.comparison_charts import capacity_figure

L2_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
#: Points the data control offers at most (the dataset may allow fewer).
MAX_PAGE_POINTS = 10_000


def _key(base: RunConfig, name: str) -> str:
    """Widget keys per setup: another setup starts from its own values."""
    return f"why_{name}_{hashlib.sha1(base.to_url_param().encode()).hexdigest()[:8]}"


def _data_controls(t: Translator, base: RunConfig) -> dict[str, int]:
    settings = kind_of(base.data).settings
    data = base.data
    changes: dict[str, int] = {}
    left, middle, right = st.columns(3)
    if "n_points" in settings:
        most = min(MAX_PAGE_POINTS, getattr(kind_of(data), "max_points", MAX_PAGE_POINTS))
        changes["n_points"] = left.number_input(
            t("why_points"), min_value=100, max_value=max(most, data.n_points), step=100, value=data.n_points,
            key=_key(base, "points"), help=t("why_help_points"),
        )  # fmt: skip
    changes["train_share"] = middle.slider(
        t("why_train_share"), 10, 90, data.train_share, step=5, key=_key(base, "share"), help=t("why_help_share")
    )
    if "noise" in settings:
        changes["noise"] = right.slider(
            t("why_noise"), 0, 50, data.noise, step=5, key=_key(base, "noise"), help=t("why_help_noise")
        )
    return changes


def _remedies(t: Translator, base: RunConfig) -> Remedies:
    st.markdown(f"**{t('why_remedies')}**")
    dropout, l2 = st.columns(2)
    stopping, augment = st.columns(2)
    rate = 0.0
    if can_drop_out(base) and dropout.toggle(t("why_dropout"), key=_key(base, "dropout"), help=t("why_help_dropout")):
        rate = dropout.slider(t("why_dropout_rate"), 0.1, 0.7, 0.3, step=0.1, key=_key(base, "dropout_rate"))
    penalty = 0.0
    if l2.toggle(t("why_l2"), key=_key(base, "l2"), help=t("why_help_l2")):
        penalty = l2.select_slider(t("why_l2_rate"), L2_RATES, value=0.001, key=_key(base, "l2_rate"))
    patience = None
    if stopping.toggle(t("why_early"), key=_key(base, "early"), help=t("why_help_early")):
        patience = int(stopping.number_input(t("why_patience"), 1, 1000, 20, key=_key(base, "patience")))
    augmented = can_augment(base) and augment.toggle(
        t("why_augment"), key=_key(base, "augment"), help=t("why_help_augment")
    )
    return Remedies(dropout=rate, l2=penalty, patience=patience, augment=bool(augmented))


def controls(t: Translator, base: RunConfig) -> RunConfig:
    """The data and remedy controls; returns the setup the live network trains (the base if the changes cannot
    run, with the reason shown)."""
    st.caption(t("why_overfit_intro"))
    st.markdown(f"**{t('why_data')}**")
    changes = _data_controls(t, base)
    remedies = _remedies(t, base)
    try:
        changed = RunConfig.from_dict({**base.model_dump(), "data": {**base.data.model_dump(), **changes}})
        return with_remedies(changed, remedies)
    except ConfigError as error:
        st.warning(t("why_setup_refused", reason=str(error)), icon=":material/block:")
        return base


def capacity_key(config: RunConfig) -> str:
    return config.to_url_param()


def render(t: Translator, run: SessionRun, config: RunConfig, dataset: Dataset) -> None:
    st.markdown(t("why_overfit_watch"))
    st.divider()
    st.markdown(f"**{t('why_capacity')}**")
    st.caption(t("why_capacity_intro"))
    sizes = curve_sizes(len(dataset.x_train))
    left, right = st.columns(2)
    size = left.select_slider(
        t("why_capacity_size"),
        sizes,
        value=min(sizes, key=lambda size: abs(size - CAPACITY_SIZE)),
        key=f"why_capacity_size_{len(dataset.x_train)}",
        help=t("why_help_capacity_size"),
    )
    seeds = kept_widget(st.slider, t("why_seeds"), 1, 3, key="why_capacity_seeds", default=1, help=t("why_help_seeds"))
    request = ComparisonRequest(kind="capacity", size=size, seeds=seeds, widths=list(CAPACITY_FACTORS))
    key = capacity_key(config)
    active = jobs.start_and_stop(t, run, "capacity", key, request, t("why_sweep"), ":material/stacked_line_chart:")
    right.caption(t("why_capacity_widths", widths=", ".join(f"×{factor:g}" for factor in CAPACITY_FACTORS)))
    st.fragment(_sweep, run_every=1.0 if active else None)(t, run, config, active)


def _sweep(t: Translator, run: SessionRun, config: RunConfig, was_active: bool) -> None:
    found = jobs.job(run, "capacity", capacity_key(config))
    if found is None or found.answer is None:
        return
    answer = found.answer
    rows = answer.get("rows", [])
    total = answer.get("total") or 1
    status = st.container()  # always there, so what follows keeps its place while this changes
    if error := answer.get("error"):
        status.error(t("why_refused", reason=error), icon=":material/block:")
    elif found.active:
        text = t("why_starting")
        if progress := answer.get("progress"):
            width, seed, done, steps = progress
            text = t("why_capacity_progress", width=f"{width:g}", seed=seed + 1, done=done, steps=steps,
                     points=len(rows), total=total)  # fmt: skip
        status.progress(min(1.0, len(rows) / total), text=text)
    elif answer.get("stopped"):
        status.info(t("why_curves_stopped", points=len(rows), total=total), icon=":material/stop_circle:")
    if rows:
        labels = {"title": t("why_capacity_title", size=answer.get("size", "")), "params": t("why_params"),
                  "loss": t("why_loss"), "train": t("why_train"), "test": t("why_test")}  # fmt: skip
        st.plotly_chart(capacity_figure(rows, labels), key="why_capacity_chart")
        widest = max(rows, key=lambda row: row["params"])
        st.caption(t("why_capacity_gap", params=f"{widest['params']:,}", train=f"{widest['train_loss']:.4f}",
                     test=f"{widest['test_loss']:.4f}"))  # fmt: skip
    if in_fragment_rerun() and was_active and not found.active:
        st.rerun(scope="app")
