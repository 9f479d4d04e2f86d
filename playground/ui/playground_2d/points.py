"""Your own points on the 2D page: upload a CSV of x1, x2, label, click points onto the plane or off it, and
download the points the network is looking at. The point sets themselves live in ``playground.data.points``."""

from __future__ import annotations

import numpy as np
import streamlit as st

from playground.config import DataConfig
from playground.data import points
from playground.data.registry import CUSTOM, Dataset, kind_of
from playground.data.upload import UploadError, uploaded_bytes
from playground.i18n import Translator
from playground.limits import limits
from playground.ui.playground_2d.controls import KEY, shown
from playground.ui.run_controls import cached_dataset

K_SHA = KEY + "points_sha"  # the session's own point set
K_DATA = KEY + "data_json"  # the DataConfig of the last run, for callbacks that run before the page
K_ERROR = KEY + "points_error"
K_NOTICE = KEY + "points_notice"
K_EDIT = KEY + "edit_points"
K_PAINT = KEY + "paint_label"


def remember_data(data: DataConfig) -> None:
    """Keep the shown data's config, so a click on the plane edits the points the user is looking at."""
    st.session_state[K_DATA] = data.model_dump_json()


def current_point_set(data: DataConfig) -> points.PointSet:
    """The points the page shows, as an editable set: the stored own set, or the generated one (train and test)."""
    if kind_of(data).takes_upload and data.upload:
        return points.load_points(data.upload)
    dataset = cached_dataset(data)
    return points.from_dataset_points(
        np.concatenate([dataset.points_train, dataset.points_test]),
        np.concatenate([dataset.y_train, dataset.y_test]),
        dataset.task,
        dataset.n_classes if dataset.task == "multiclass" else (2 if dataset.task == "binary" else 1),
    )


def _adopt(point_set: points.PointSet) -> None:
    """Make a point set the page's dataset; the problem type follows its labels."""
    sha = points.store_points(point_set)
    st.session_state[K_SHA] = sha
    st.session_state[KEY + "dataset"] = CUSTOM
    st.session_state[KEY + "problem"] = point_set.task
    if point_set.task == "multiclass":
        st.session_state[KEY + "n_classes"] = point_set.n_classes
    if st.session_state.get(KEY + "loss") not in (None, "auto"):
        st.session_state[KEY + "loss"] = "auto"  # a loss of the old task may not fit the new one


def _on_upload() -> None:
    file = st.session_state.get(KEY + "points_file")
    st.session_state.pop(K_ERROR, None)
    if file is None:
        return
    try:
        point_set = points.read_points_csv(uploaded_bytes(file))  # refused by its size before it is read
        _adopt(point_set)
    except UploadError as error:
        st.session_state[K_ERROR] = ("points_upload_failed", str(error))
        return
    notes = []
    if point_set.scale != 1.0:
        notes.append(("points_scaled", {"factor": f"{point_set.scale:.3g}"}))
    if point_set.label_scale != 1.0:
        notes.append(("points_labels_scaled", {"factor": f"{point_set.label_scale:.3g}"}))
    if point_set.ignored_columns:
        notes.append(("points_ignored_columns", {"columns": ", ".join(point_set.ignored_columns)}))
    st.session_state[K_NOTICE] = [("points_loaded", {"n": len(point_set), "task": point_set.task}), *notes]


def on_point_edit(event: dict | None) -> None:
    """A click on the plane while editing: add a point of the chosen label there, or remove the nearest one."""
    if not event or K_DATA not in st.session_state:
        return
    st.session_state.pop(K_ERROR, None)
    try:
        data = DataConfig.model_validate_json(st.session_state[K_DATA])
        point_set = current_point_set(data)
        x, y = float(event["x"]), float(event["y"])
        if event.get("action") == "remove":
            edited = points.remove_nearest(point_set, x, y)
        else:
            edited = points.add_point(point_set, x, y, float(st.session_state.get(K_PAINT, 1)))
        if edited is not point_set:
            points.check_trainable(edited)
            _adopt(edited)
    except (UploadError, KeyError, TypeError, ValueError) as error:
        st.session_state[K_ERROR] = ("points_edit_failed", str(error))


def editing_points() -> bool:
    return bool(st.session_state.get(K_EDIT, False)) and shown("own_data")


def own_data_panel(t: Translator, data: DataConfig, dataset: Dataset) -> None:
    """Upload, click-to-edit and download, folded away under the data column."""
    if not shown("own_data"):
        return
    news = bool(st.session_state.get(K_NOTICE) or st.session_state.get(K_ERROR))
    # open while editing or with news: the expander moves when the noise and points sliders go, and Streamlit
    # then mounts it afresh, folded
    with st.expander(t("own_data"), icon=":material/scatter_plot:", expanded=editing_points() or news):
        st.file_uploader(
            t("points_upload"), type=["csv", "txt"], key=KEY + "points_file", on_change=_on_upload,
            max_upload_size=limits().max_upload_mb,
            help=t("help_points_upload"),
        )  # fmt: skip
        for key, args in st.session_state.pop(K_NOTICE, []):
            st.info(t(key, **args), icon=":material/info:")
        if error := st.session_state.get(K_ERROR):
            st.error(t(error[0], reason=error[1]), icon=":material/error:")
        st.toggle(t("edit_points"), key=K_EDIT, help=t("help_edit_points"))
        if st.session_state.get(K_EDIT):
            _paint_label(t, dataset)
            st.caption(t("edit_points_how"))
        point_set = current_point_set(data)
        st.download_button(
            t("points_download"),
            points.points_to_csv(point_set),
            file_name=f"{data.dataset}-points.csv",
            mime="text/csv",
            key=KEY + "points_download",
            icon=":material/download:",
            help=t("help_points_download", n=len(point_set)),
        )


def _paint_label(t: Translator, dataset: Dataset) -> None:
    """The label new points get: a class, or a value for regression."""
    if dataset.task == "regression":
        if not isinstance(st.session_state.get(K_PAINT), float):
            st.session_state[K_PAINT] = 1.0
        st.slider(t("paint_value"), -1.0, 1.0, step=0.1, key=K_PAINT)
        return
    classes = list(range(dataset.n_classes if dataset.task == "multiclass" else 2))
    if st.session_state.get(K_PAINT) not in classes:
        st.session_state[K_PAINT] = classes[-1]
    st.radio(t("paint_class"), classes, key=K_PAINT, horizontal=True, format_func=lambda c: t("class_n", n=c))
