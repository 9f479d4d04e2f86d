"""The largest network each page that trains allows, and how a user gets it on screen: the 2D page's through its
``?config=`` link (8 hidden layers of 32 neurons), a free-stack page's by loading a setup file with the most layers
a setup may have. Shared by the layout tests and ``benchmarks/live_view.py --runs largest``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

from playground.config import RunConfig
from playground.limits import limits
from playground.presets import load_preset
from playground.ui.playground_2d.controls import MAX_HIDDEN_LAYERS, MAX_NEURONS

from .page_helpers import play_controls, wait_until_idle

#: A presenter-sized window (a projector's) and a phone's, the two sizes the layout is checked and timed at.
PRESENTER = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
#: The dense layer a free-stack page's longest stack repeats.
DENSE = {"kind": "dense", "units": 16, "activation": "relu"}


@dataclass(frozen=True)
class PageCase:
    path: str
    page_key: str
    #: The live picture: the boundary where the page shows one, else the loss curve.
    picture: str
    #: A setup with the largest network the page allows (None: the page's own).
    largest: RunConfig | None = None


def longest_stack(preset: str, layer: dict) -> RunConfig:
    """The preset with ``layer`` repeated before its output layer up to the most layers a setup may have."""
    raw = load_preset(preset).model_dump()
    *body, output = raw["model"]["layers"]
    raw["model"]["layers"] = [*body, *[layer] * (limits().max_layers - len(body) - 1), output]
    return RunConfig.from_dict(raw)


def largest_2d() -> RunConfig:
    """The circle with the most hidden layers of the most neurons the 2D page offers."""
    raw = load_preset("circle").model_dump()
    hidden = [{"kind": "dense", "units": MAX_NEURONS, "activation": "tanh"}] * MAX_HIDDEN_LAYERS
    raw["model"]["layers"] = [*hidden, raw["model"]["layers"][-1]]
    return RunConfig.from_dict(raw)


def page_cases() -> list[PageCase]:
    """Every page that trains, with its largest network where the user chooses one."""
    return [
        PageCase("playground_2d", "2d", "pg-boundary", largest_2d()),
        PageCase("tabular", "tab", "pg-loss", longest_stack("seed-ffn", DENSE)),
        PageCase("convolutions", "cnn", "pg-loss", longest_stack("digits-cnn", DENSE)),
        PageCase("sequences", "seq", "pg-loss", longest_stack("seed-lstm", DENSE)),
        PageCase("learning", "learn", "pg-boundary"),
        PageCase("why", "why", "pg-boundary"),
    ]


def open_largest(page: Page, url: str, case: PageCase, folder: Path) -> None:
    """Open the page with its largest network, as a user would: the 2D page from its link, a free-stack page by
    loading a setup file (written to ``folder``) with its uploader; then wait until the page is idle."""
    if case.path == "playground_2d" and case.largest is not None:
        page.goto(f"{url}/{case.path}?config={case.largest.to_url_param()}")
    else:
        page.goto(f"{url}/{case.path}")
    play_button, _ = play_controls(case.page_key)
    expect(play_button(page)).to_be_visible(timeout=60_000)
    if case.largest is not None and case.path != "playground_2d":
        load_setup(page, case.page_key, case.largest, folder)
    wait_until_idle(page, timeout=60_000)
    expect(page.get_by_test_id(case.picture).first).to_be_visible(timeout=30_000)


def load_setup(page: Page, page_key: str, config: RunConfig, folder: Path) -> None:
    """Load ``config`` on the open free-stack page as a user does: a setup file (written to ``folder``) given to the
    page's uploader; returns once the layer list shows the setup's layers, and none of the rows it had before (a
    loaded stack's rows get new ids, so rows of the old stack cannot pass for the new one)."""
    before = page.evaluate(ROW_KEYS_JS, page_key)
    setup = folder / f"setup-{page_key}.json"
    setup.write_text(json.dumps(config.model_dump()))
    page.locator(f".st-key-{page_key}_config_file input[type='file']").set_input_files(setup)
    page.wait_for_function(
        f"([key, before, count]) => {{ const rows = ({ROW_KEYS_JS})(key);"
        " return rows.length === count && rows.every((row) => !before.includes(row)); }",
        arg=[page_key, before, len(config.model.layers)],
        timeout=60_000,
    )


#: The keys of a free-stack page's layer rows (``{page}_stack_row_{id}``), in the page's order.
ROW_KEYS_JS = """(key) => [...document.querySelectorAll(`[class*='st-key-${key}_stack_'][class*='_row_']`)]
  .map((row) => [...row.classList].find((name) => name.startsWith("st-key-")))"""
