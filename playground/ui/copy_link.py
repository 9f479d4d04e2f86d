"""A "Copy link" button: puts the page's address, which always holds the whole setup, on the clipboard."""

from __future__ import annotations

import streamlit as st

from playground.ui.web_assets import bundle, stylesheet

_component = st.components.v2.component(
    "nn_playground_copy_link", js=bundle("copy_link.js"), css=stylesheet("copy_link.css"), isolate_styles=False
)


def copy_link_button(
    label: str, copied: str, failed: str, help_text: str, key: str, hide: tuple[str, ...] | None = None
) -> None:
    """Copy the current address (Streamlit keeps the setup in it) to the clipboard, with a fallback prompt. With
    ``hide``, the address's ``&hide=`` names those controls instead (none: no ``&hide=``), for a lesson link."""
    data = {"label": label, "copied": copied, "failed": failed, "help": help_text}
    if hide is not None:
        data["hide"] = ",".join(hide)
    _component(key=key, data=data, height="content")
