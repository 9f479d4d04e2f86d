"""Part 1 of "Why deep learning": the classic models fitted on exactly the network's split, in the worker, as soon
as the data is shown; on the plane each model's boundary as a small map in the 2D page's colours, and for every
dataset one sortable table whose network row follows the live training."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from playground.config import RunConfig
from playground.data.kinds.base import Dataset
from playground.i18n import Translator
from playground.train.baselines import baselines_for, metric_name
from playground.train.compare import NETWORK, ComparisonRequest
from playground.ui.run_controls import in_fragment_rerun
from playground.ui.session import SessionRun
from playground.ui.why import jobs
from playground.viz.comparison_charts import boundary_picture, map_with_points

#: Cells a side of the classic models' maps (the worker computes them with the fit).
GRID = 60
#: Seconds between two redraws of the table (the network's row follows the training).
TABLE_EVERY_S = 1.0
#: Small maps in a row.
MAPS_PER_ROW = 3


def model_label(t: Translator, model: str, task: str) -> str:
    """A model's name in the user's language; the linear ones are ridge regressions on values."""
    if task == "regression" and model in ("logreg", "features"):
        return t(f"why_model_{model}_ridge")
    return t(f"why_model_{model}")


def score_text(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.3f}"


def table_key(config: RunConfig) -> str:
    """The classic models depend on the data alone (the split, the features)."""
    return config.data.model_dump_json()


def network_row(t: Translator, run: SessionRun, config: RunConfig) -> dict[str, object] | None:
    """The live network's row: its newest epoch's scores and the time it has trained."""
    latest, _ = run.handle.snapshot(10**9)
    _, rows = run.handle.snapshot(max(0, latest.epoch - 1))
    if not rows:
        return None
    metric = metric_name(config.task)
    return {
        "model": NETWORK,
        "test_metric": float(rows[-1].get(f"test_{metric}", math.nan)),
        "train_metric": float(rows[-1].get(f"train_{metric}", math.nan)),
        "fit_seconds": float(latest.train_seconds),
        "epoch": latest.epoch,
    }


def comparison_frame(t: Translator, rows: list[dict], task: str) -> pd.DataFrame:
    """The table as the page shows it: one row per model, best test score first."""
    metric = t(f"why_metric_{metric_name(task)}")
    frame = pd.DataFrame(
        {
            t("why_col_model"): [model_label(t, row["model"], task) for row in rows],
            t("why_col_test", metric=metric): [row["test_metric"] for row in rows],
            t("why_col_train", metric=metric): [row["train_metric"] for row in rows],
            t("why_col_seconds"): [row["fit_seconds"] for row in rows],
        }
    )
    return frame.sort_values(frame.columns[1], ascending=False, na_position="last").reset_index(drop=True)


def table_request(plane: bool) -> ComparisonRequest:
    """Every classic model the data allows, with its map of the plane on 2D data."""
    return ComparisonRequest(grid=GRID if plane else None)


def render(t: Translator, run: SessionRun, config: RunConfig, dataset: Dataset) -> None:
    st.caption(t("why_side_intro"))
    plane = dataset.points_train is not None
    found = jobs.job(run, "table", table_key(config))
    if found is None:  # data not compared yet: fit the classic models at once, beside the network's training
        jobs.start(run, "table", table_key(config), table_request(plane))
        found = jobs.job(run, "table", table_key(config))
    generation = jobs.press_generation()
    st.button(
        t("why_fit_again"),
        key=f"why_fit_again_{generation}",
        icon=":material/refresh:",
        help=t("why_help_fit_again"),
        on_click=jobs.on_press,
        args=(generation, "table", table_key(config), table_request(plane).model_dump_json()),
    )
    active = found is not None and found.active
    # The table ticks all the time: Play reruns only the buttons, so the network's row must notice it by itself.
    st.fragment(_table, run_every=TABLE_EVERY_S)(t, run, config)
    st.fragment(_progress_and_maps, run_every=1.0 if active else None)(t, run, config, dataset, active)


def _answer(run: SessionRun, config: RunConfig) -> tuple[jobs.Job | None, dict]:
    found = jobs.job(run, "table", table_key(config))
    return found, (found.answer if found is not None else None) or {}


def _table(t: Translator, run: SessionRun, config: RunConfig) -> None:
    """The classic models' rows and the network's, whose row follows its training."""
    _, answer = _answer(run, config)
    network = network_row(t, run, config)
    shown = ([network] if network is not None else []) + list(answer.get("rows", []))
    table = st.container()  # always there, so the caption below keeps its place when the table appears
    if shown:
        frame = comparison_frame(t, shown, config.task)
        formats = dict(zip(frame.columns[1:], ("%.3f", "%.3f", "%.2f"), strict=True))
        columns = {name: st.column_config.NumberColumn(format=code, width="small") for name, code in formats.items()}
        columns[frame.columns[0]] = st.column_config.TextColumn(width="medium")
        table.dataframe(frame, hide_index=True, width="stretch", column_config=columns)
    if network is None:
        st.caption(t("why_network_row_waits"))
    else:
        st.caption(t("why_network_row", epoch=network["epoch"]))


def _progress_and_maps(t: Translator, run: SessionRun, config: RunConfig, dataset: Dataset, was_active: bool) -> None:
    """How far the fitting is, and on the plane each fitted model's map; redrawn every second while it fits."""
    found, answer = _answer(run, config)
    rows = list(answer.get("rows", []))
    total = answer.get("total") or len(baselines_for(dataset))
    status = st.container()  # always there, so what follows keeps its place while this changes
    if error := answer.get("error"):
        status.error(t("why_refused", reason=error), icon=":material/block:")
    elif found is not None and found.active:
        running = answer.get("running")
        text = t("why_fitting", model=model_label(t, running, config.task), done=len(rows), total=total)
        status.progress(len(rows) / max(1, total), text=text if running else t("why_starting"))
    elif answer.get("stopped"):
        status.info(t("why_stopped", done=len(rows), total=total), icon=":material/stop_circle:")
    grids = answer.get("grids", {})
    if dataset.points_train is not None and grids:
        points, labels = dataset.points_train, dataset.y_train
        columns = st.columns(MAPS_PER_ROW)
        for index, row in enumerate(row for row in rows if row["model"] in grids):
            grid = grids[row["model"]]
            picture = boundary_picture(grid["values"], grid["confidence"], config.task, dataset.n_classes, GRID)
            caption = t("why_map_caption", model=model_label(t, row["model"], config.task),
                        score=score_text(row["test_metric"]), seconds=f"{row['fit_seconds']:.2f}")  # fmt: skip
            columns[index % MAPS_PER_ROW].image(
                map_with_points(picture, points, labels, config.task), caption=caption, alt=caption, width="stretch"
            )
    if in_fragment_rerun() and was_active and (found is None or not found.active):
        st.rerun(scope="app")  # done: the page redraws once more and stops asking every second
