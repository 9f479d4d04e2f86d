"""The network view's +/- buttons change the 2D page's sliders from Python; a rerun that carries the browser's old
slider values (it had not drawn the new ones yet: another click, a resent event, a restarted run) must not undo
the change, and a user who then moves a slider back to the old value must get it (AppTest, on a small page)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parent / "pages" / "network_edit_page.py")


def hidden_units(app: AppTest) -> str:
    assert not app.exception, app.exception
    return next(text.value for text in app.text if text.value.startswith("hidden: "))


def slider_of_layer_1(app: AppTest):
    (slider,) = [slider for slider in app.slider if slider.label == "Neurons in layer 1"]
    return slider


def test_a_rerun_with_the_browsers_old_slider_values_does_not_undo_a_plus_or_minus_click():
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert hidden_units(app) == "hidden: [4, 2]"
    # the page as the browser still holds it after the click: two layers, of 4 and 2 (each value set, as AppTest
    # would otherwise look the widgets' values up in the session, where the old widgets are gone)
    before = app.number_input(key="2d_n_hidden").set_value(2)
    for slider, units in zip(app.slider, (4, 2), strict=True):
        slider.set_value(units)
    app.run()
    app = app.button(key="remove_neuron").click().run()
    assert hidden_units(app) == "hidden: [3, 2]"
    app = before.run()  # the next rerun carries those old widget values
    assert hidden_units(app) == "hidden: [3, 2]"
    assert slider_of_layer_1(app).value == 3


def test_a_user_who_moves_the_slider_back_after_a_click_gets_the_value_moved_to():
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    app = app.button(key="add_neuron").click().run()
    assert hidden_units(app) == "hidden: [5, 2]"
    app = slider_of_layer_1(app).set_value(4).run()  # back to where it was before the click
    assert hidden_units(app) == "hidden: [4, 2]"
    app = app.run()
    assert hidden_units(app) == "hidden: [4, 2]" and slider_of_layer_1(app).value == 4
