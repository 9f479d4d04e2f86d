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


def deep_link(layers: int = 3, units: int = 32) -> str:
    raw = load_preset("circle").model_dump()
    hidden = [{"kind": "dense", "units": units, "activation": "tanh"} for _ in range(layers)]
    raw["model"]["layers"] = [*hidden, {"kind": "dense", "units": 1, "activation": "sigmoid"}]
    return urllib.parse.quote(RunConfig.from_dict(raw).to_url_param())


def test_a_dense_network_draws_straight_links_and_hovering_one_names_it(server, context):
    """3 x 32 neurons have 2,144 links, drawn straight (their curves took too long to paint): hovering a point on the
    straight line from neuron 1 of layer 1 to neuron 4 of layer 2 names that link (its curve runs higher there)."""
    page = context.new_page()
    page.goto(f"{server.url}/playground_2d?config={deep_link()}")
    expect(play_button(page)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    network = page.get_by_test_id("pg-network")
    source = page.locator('[data-testid="pg-neuron"][data-column="1"][data-unit="0"]')
    target = page.locator('[data-testid="pg-neuron"][data-column="2"][data-unit="3"]')
    expect(target).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(  # the weights have arrived and the links are painted
        "() => +document.querySelector('[data-testid=\"pg-network\"]').dataset.paints >= 1", timeout=30_000
    )
    source.scroll_into_view_if_needed()
    a, b = source.bounding_box(), target.bounding_box()
    assert a and b
    x0, y0 = a["x"] + a["width"], a["y"] + a["height"] / 2
    x1, y1 = b["x"], b["y"] + b["height"] / 2
    # a fifth of the way along: every other link is at least 7 px away there (a fifth of a neuron's spacing, on lines
    # no steeper than 55 degrees), the curve of this one 27 px
    page.mouse.move(x0 + 0.2 * (x1 - x0), y0 + 0.2 * (y1 - y0))
    expect(network.locator(".pg-net-tip")).to_contain_text(
        "from neuron 1 of layer 1 to neuron 4 of layer 2", timeout=10_000
    )
