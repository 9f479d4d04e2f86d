"""The 2D page's table of settings: a config goes into the widgets and comes back out the same, one row per
setting, and every hide name is distinct."""

from __future__ import annotations

import pytest

from playground.config import RunConfig
from playground.presets import load_preset
from playground.ui.playground_2d.controls import HIDEABLE, WIDGET_RANGES
from playground.ui.playground_2d.settings import SETTINGS, config_sections, widget_values


@pytest.mark.parametrize("preset", ["circle", "spiral", "moons"])
def test_a_config_goes_into_the_widgets_and_comes_back_the_same(preset):
    config = load_preset(preset)
    sections = config_sections(widget_values(config).__getitem__)
    for setting in SETTINGS:
        assert sections[setting.section][setting.field] == getattr(getattr(config, setting.section), setting.field)
    raw = {**config.model_dump(), **sections}
    assert RunConfig.from_dict(raw) == config


def test_values_a_widget_cannot_show_are_moved_to_the_nearest_it_can():
    raw = load_preset("circle").model_dump()
    raw["training"].update(learning_rate=0.02, batch_size=500, target_test_loss=None, step_factor=0.45)
    values = widget_values(RunConfig.from_dict(raw))
    assert values["learning_rate"] == 0.03 and values["batch_size"] == 100  # nearest offered rate, slider's end
    assert values["target_loss"] == 0.0 and values["step_factor"] == 0.5
    assert config_sections(values.__getitem__)["training"]["target_test_loss"] is None  # 0 on the page: no target


def test_every_setting_has_one_row_and_every_hide_name_is_distinct():
    assert len({setting.key for setting in SETTINGS}) == len(SETTINGS)
    assert len(set(HIDEABLE)) == len(HIDEABLE)
    assert {setting.hide for setting in SETTINGS if setting.hide} <= set(HIDEABLE)  # a link can hide each of them
    assert {setting.key for setting in SETTINGS if setting.limits} <= set(WIDGET_RANGES)
