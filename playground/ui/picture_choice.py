"""Pictures that choose among a radio group's options (the 2D page's datasets): a click on a picture clicks the
radio's option of the same place. The radio stays the control for keyboards and screen readers; the pictures are
for the mouse and touch, with no tab stop and no Fullscreen button of their own (as ``st.image`` has)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
import streamlit as st
from PIL import Image

from playground.ui.web_assets import bundle, stylesheet

_component = st.components.v2.component(
    "nn_playground_picture_choice", js=bundle("picture_choice.js"), css=stylesheet("picture_choice.css"),
    isolate_styles=False,
)  # fmt: skip


def png_data_url(image: np.ndarray) -> str:
    """An RGB picture [h, w, 3] of bytes as a PNG ``data:`` address."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def picture_choice(
    pictures: Sequence[str],
    labels: Sequence[str],
    values: Sequence[str],
    selected: int | None,
    radio_key: str,
    key: str,
    disabled: bool = False,
) -> None:
    """One picture (a ``data:`` address) per option of the radio keyed ``radio_key`` (its first options, in its
    order); the one at ``selected`` is marked."""
    options = [
        {"image": image, "label": label, "value": value}
        for image, label, value in zip(pictures, labels, values, strict=True)
    ]
    data = {"options": options, "selected": selected, "disabled": disabled, "radio": f".st-key-{radio_key}"}
    _component(key=key, data=data, height="content")
