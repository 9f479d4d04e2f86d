"""The convolutions page's views of a run: filters, feature maps, the mistakes and a drawing explained, painted live
by the training view (see ``live_pictures``); these fragments draw the controls beside them and say what is missing."""

from __future__ import annotations

import numpy as np
import streamlit as st

from playground.config import DataConfig
from playground.data.registry import dataset_class_names
from playground.i18n import Translator
from playground.ui.convolutions.choices import (
    CANVAS_PX,
    K_CHANNEL,
    STROKE_PX,
    drawing_input,
)
from playground.ui.convolutions.live_pictures import (
    drawn_pictures,
    filter_pictures,
    mistake_pictures,
    sample_pictures,
)
from playground.ui.session import SessionRun


@st.fragment(run_every=1.0)
def views(t: Translator, run: SessionRun, view: str, names: tuple[str, ...], n_test: int) -> None:
    """Checked every second (no page rerun): the channel sliders appear, and "waiting" goes, once the probe is there."""
    snapshot, _ = run.handle.snapshot()
    usable = snapshot.probe
    if view == "filters":
        _filters_view(t, run, usable("filters"))
    elif view == "maps":
        _sample_view(t, run, usable("sample"), names)
    elif view == "mistakes":
        _mistakes_view(t, run, usable("gallery"), names, n_test)


def _waiting(t: Translator) -> None:
    st.caption(t("cnn_waiting"))


def _filters_view(t: Translator, run: SessionRun, probe: dict | None) -> None:
    """The channel sliders; the filters themselves are painted live by the training view, with every snapshot
    (``filter_pictures`` tells its frames which input channel of each layer to carry)."""
    if probe is None:
        return _waiting(t)
    if not probe["layers"]:
        st.info(t("cnn_no_conv"), icon=":material/info:")
        return None
    st.caption(t("cnn_filters_caption"))
    channels = {}
    for number, layer in enumerate(probe["layers"]):
        weights = layer["weights"]
        channels[layer["index"]] = 0
        if number > 0 and weights.shape[1] > 1:
            channels[layer["index"]] = st.slider(
                t("cnn_channel", title=layer["title"]), 0, weights.shape[1] - 1, 0, key=f"{K_CHANNEL}_{layer['index']}"
            )
    run.pictures = filter_pictures(t, channels)
    return None


def _sample_view(t: Translator, run: SessionRun, probe: dict | None, names: tuple[str, ...]) -> None:
    """The training view paints the chosen test image explained, with every new probe (``sample_pictures``)."""
    run.pictures = sample_pictures(t, names)
    if probe is None:
        return _waiting(t)
    st.caption(t("cnn_maps_caption"))
    return None


def _mistakes_view(t: Translator, run: SessionRun, probe: dict | None, names: tuple[str, ...], n_test: int) -> None:
    """The training view paints the gallery, the confusion matrix and the accuracy per class with every new probe
    (``mistake_pictures``)."""
    run.pictures = mistake_pictures(t, names, n_test)
    if probe is None:
        _waiting(t)


def draw_panel(t: Translator, run: SessionRun, data: DataConfig) -> None:
    """The drawing canvas; the training view paints the drawing explained with every new probe (``drawn_pictures``),
    before and while the network trains."""
    run.pictures = drawn_pictures(t, tuple(dataset_class_names(data)))
    _canvas(t, run, data)


@st.fragment
def _canvas(t: Translator, run: SessionRun, data: DataConfig) -> None:
    """The drawing canvas in its own fragment: a stroke reruns only this, and hands the prepared image to the
    worker, which predicts it between training slices."""
    from streamlit_drawable_canvas import st_canvas

    st.caption(t("cnn_draw_help"))
    result = st_canvas(
        stroke_width=STROKE_PX,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_PX,
        width=CANVAS_PX,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"cnn_canvas_{data.dataset}",
    )
    rgba = result.image_data
    prepared = None if rgba is None else drawing_input(rgba, data)
    wanted = prepared if prepared is not None and prepared.any() else None
    sent = run.handle.drawing
    if (sent is None) != (wanted is None) or (wanted is not None and not np.array_equal(sent, wanted)):
        run.handle.set_drawing(wanted)  # a new drawing, or a worker that has not seen this one
    if wanted is None:
        st.info(t("cnn_draw_first"), icon=":material/draw:")
