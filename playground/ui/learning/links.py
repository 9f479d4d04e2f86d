"""What a lesson link of the "How it learns" page carries besides the setup: hidden parts (``&hide=``), the
example to step on (``&example=``) and the race (``&descent=``, a DescentRequest as JSON)."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from playground.app_pages import APP_PAGES
from playground.limits import over_limit
from playground.train.descent import DescentRequest

#: Characters of a ``&descent=`` link: a race of every optimiser with long rates fits in a few hundred.
MAX_DESCENT_CHARS = 2_000
#: The parts a link may hide: a tab, or a view inside the step tab.
HIDEABLE = APP_PAGES["learn"].hideable


def hidden_parts() -> frozenset[str]:
    """The parts the link hides (``?hide=a,b``), read once per session; unknown names are ignored."""
    if "learn_hidden" not in st.session_state:
        wanted = {name.strip() for name in st.query_params.get("hide", "").split(",")}
        st.session_state["learn_hidden"] = frozenset(wanted & set(HIDEABLE))
    return st.session_state["learn_hidden"]


def linked_example(n_train: int) -> int:
    """The training example the link names (``?example=N``), or 0 when it names none or one out of range."""
    try:
        example = int(st.query_params.get("example", "0"))
    except ValueError:
        return 0
    return example if 0 <= example < n_train else 0


def linked_descent() -> tuple[DescentRequest | None, str | None]:
    """The race the link describes, or None; with the first reason when it cannot be read."""
    param = st.query_params.get("descent")
    if not param:
        return None, None
    if len(param) > MAX_DESCENT_CHARS:
        return None, over_limit("the link's race", len(param), MAX_DESCENT_CHARS, "characters")
    try:
        return DescentRequest.model_validate_json(param), None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "descent"
        return None, f"{where}: {first['msg']}"
