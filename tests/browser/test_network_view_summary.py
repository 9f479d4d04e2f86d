"""A link to a network wider than the view can draw: the 2D page draws its first neurons and says so in one line.

The browser reads the summarised frame (maps as bytes, weights and biases as base64 float32) and heads each
column with the layer's real width.
"""

from __future__ import annotations

import urllib.parse

import pytest
from playwright.sync_api import expect

from playground.config import RunConfig
from playground.presets import load_preset

from .page_helpers import live, play_controls

pytestmark = pytest.mark.browser

play_button, _ = play_controls("2d")
LOAD_TIMEOUT_MS = 60_000
WIDE_UNITS = 40  # wider than the 32 neurons a column draws, small enough to train at once


def wide_link() -> str:
    raw = load_preset("circle").model_dump()
    raw["model"]["layers"] = [
        {"kind": "dense", "units": WIDE_UNITS, "activation": "tanh"},
        {"kind": "dense", "units": 1, "activation": "sigmoid"},
    ]
    return urllib.parse.quote(RunConfig.from_dict(raw).to_url_param())


def test_a_wide_layer_shows_its_first_neurons_and_says_how_many(server, context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/playground_2d?config={wide_link()}")
    expect(play_button(page)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    network = page.get_by_test_id("pg-network")
    expect(network).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    column = page.locator('[data-testid="pg-neuron"][data-column="1"]')
    expect(column).to_have_count(32, timeout=LOAD_TIMEOUT_MS)
    expect(page.locator('[data-testid="pg-neuron"][data-column="2"]')).to_have_count(1)
    expect(network.locator(".pg-net-head").nth(1)).to_have_attribute("title", f"{WIDE_UNITS} neurons · Dense(40, tanh)")
    expect(page.get_by_test_id("pg-net-summary")).to_have_text(
        f"Showing 32 of up to {WIDE_UNITS} neurons per layer; links only between the neurons shown."
    )

    # the links decode and stay live while training: the network panel repaints, nothing throws
    view = live(page)
    paints = int(network.get_attribute("data-paints") or 0)
    play_button(page).click()
    expect(view).to_have_attribute("data-status", "running", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(
        "(n) => +document.querySelector('[data-testid=\"pg-network\"]').dataset.paints >= n", arg=paints + 5,
        timeout=30_000,
    )
    column.nth(31).hover()
    expect(network.locator(".pg-net-tip")).to_contain_text("Neuron 32 of layer 1")
    play_button(page).click()
    expect(view).to_have_attribute("data-status", "paused", timeout=20_000)
    assert errors == [], errors
    assert page.get_by_test_id("stException").count() == 0
