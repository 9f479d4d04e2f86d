"""The app's pages as the engine knows them: an id (the prefix of the page's keys and runs), its script, its address
and the controls a link may hide on it (``?hide=a,b``, TensorFlow Playground's ``*_hide``).

Kept outside ``playground/ui`` so that a lesson file can be checked without Streamlit (``python -m playground lesson
check``); the pages read their hideable controls from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PageId = Literal["2d", "tab", "cnn", "seq", "learn", "why"]


@dataclass(frozen=True)
class AppPage:
    id: str
    script: str  # relative to the app's folder, as ``st.switch_page`` takes it
    url_path: str
    #: Controls a link may hide on this page; a lesson may also lock the 2D page's (drawn, but greyed out).
    hideable: tuple[str, ...] = ()


#: The 2D page's settings that stand for one config field each, then the controls that stand for no single one.
_HIDEABLE_2D = (
    "dataset",
    "noise",
    "train_share",
    "n_points",
    "n_classes",
    "features",
    "learning_rate",
    "regularization",
    "reg_rate",
    "batch_size",
    "optimizer",
    "loss",
    "activation",
    "problem",
    "regenerate",
    "own_data",
    "free_layers",
    "hidden_layers",
    "training_options",
    "view_options",
    "network_view",
    "compare",
    "inside",
    "downloads",
)

APP_PAGES: dict[str, AppPage] = {
    page.id: page
    for page in (
        AppPage("2d", "pages/playground_2d.py", "playground_2d", _HIDEABLE_2D),
        AppPage("tab", "pages/tabular.py", "tabular"),
        AppPage("cnn", "pages/convolutions.py", "convolutions"),
        AppPage("seq", "pages/sequences.py", "sequences"),
        AppPage("learn", "pages/learning.py", "learning", ("step", "descent", "graph", "loop", "surface3d")),
        AppPage("why", "pages/why.py", "why"),
    )
}
