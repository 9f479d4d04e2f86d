"""Presenter mode and the run buttons' keyboard shortcuts under Streamlit's AppTest.

The real entry point applies presenter mode on its first run; AppTest runs later reruns of a multipage app
without it, so the toggle and the leave button are driven on a page that applies it the same way
(``pages/presenter_page.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground.ui.presenter import LEAVE_KEY, PRESENT_PARAM, TOGGLE_KEY
from tests.apptest_session import APP, EN, PLAYGROUND_2D, ZH, app_session, run_button

PRESENTER_PAGE = str(Path(__file__).resolve().parent / "pages" / "presenter_page.py")
#: A rule only the presenter stylesheet holds: the larger root font.
PRESENTER_RULE = "html { font-size: 130% !important; }"


def presenter_css(app: AppTest) -> bool:
    return any(PRESENTER_RULE in node.proto.body for node in app.get("html"))


def leave_buttons(app: AppTest) -> list:
    return [button for button in app.button if button.key == LEAVE_KEY]


def live_view_data(app: AppTest, name: str = "nn_playground_live_view") -> dict:
    (component,) = [node for node in app.get("bidi_component") if node.proto.component_name == name]
    return json.loads(component.proto.json)


def opened(page: str, query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(page, default_timeout=60)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize(("language", "table"), [("en", EN), ("zh", ZH)])
def test_a_link_with_present_opens_the_app_in_presenter_mode(language, table):
    app = opened(str(APP), {PRESENT_PARAM: "1", "lang": language})
    assert presenter_css(app)
    (leave,) = leave_buttons(app)
    assert leave.label == table["present_leave"]
    toggle = app.sidebar.toggle(key=TOGGLE_KEY)
    assert toggle.value is True and toggle.label == table["present_toggle"]
    assert app.query_params[PRESENT_PARAM] == "1"


def test_without_it_the_app_looks_as_before():
    app = opened(str(APP), {})
    assert not presenter_css(app) and leave_buttons(app) == []
    assert app.sidebar.toggle(key=TOGGLE_KEY).value is False
    assert PRESENT_PARAM not in app.query_params


@pytest.mark.parametrize(("language", "table"), [("en", EN), ("zh", ZH)])
def test_the_toggle_turns_it_on_and_into_the_link_and_leaving_turns_it_off(language, table):
    app = opened(PRESENTER_PAGE, {"lang": language})
    assert not presenter_css(app) and live_view_data(app)["present"] is False
    assert app.toggle(key=TOGGLE_KEY).label == table["present_toggle"]

    app.toggle(key=TOGGLE_KEY).set_value(True).run()
    assert presenter_css(app) and app.query_params[PRESENT_PARAM] == "1"
    assert live_view_data(app)["present"] is True  # larger points, thicker lines
    (leave,) = leave_buttons(app)
    assert leave.label == table["present_leave"]

    leave.click().run()
    assert not presenter_css(app) and leave_buttons(app) == []
    assert PRESENT_PARAM not in app.query_params
    assert app.toggle(key=TOGGLE_KEY).value is False and live_view_data(app)["present"] is False


def test_the_choice_outlives_an_address_without_it():
    """Switching pages drops the address's parameters: the session's choice holds, and goes back into the link."""
    app = opened(PRESENTER_PAGE, {PRESENT_PARAM: "1"})
    assert presenter_css(app)
    del app.query_params[PRESENT_PARAM]
    app.button(key="rerun").click().run()
    assert presenter_css(app) and app.query_params[PRESENT_PARAM] == "1"
    app.button(key=LEAVE_KEY).click().run()
    app.query_params[PRESENT_PARAM] = "1"  # a stale address does not turn it back on
    app.button(key="rerun").click().run()
    assert not presenter_css(app) and PRESENT_PARAM not in app.query_params


@pytest.mark.parametrize(("language", "table"), [("en", EN), ("zh", ZH)])
def test_space_plays_the_right_arrow_steps_and_r_resets(language, table):
    with app_session(PLAYGROUND_2D, {"lang": language}) as app:
        assert run_button(app, "2d", "play").proto.shortcut == "space"
        assert run_button(app, "2d", "step").proto.shortcut == "right"
        assert run_button(app, "2d", "reset").proto.shortcut == ""  # Streamlit refuses R: the script presses it
        keys = live_view_data(app, "nn_playground_run_shortcuts")
        assert keys == {  # R presses Reset; the first Tab stop skips to Play/Pause
            "resetSelector": "[class*='st-key-2d_reset_'] button",
            "playSelector": "[class*='st-key-2d_play_'] button",
            "skipLabel": table["skip_to_run"],
        }
        shown = [node.value for node in app.markdown] + [node.value for node in app.caption]
        for key in ("shortcut_play", "shortcut_step", "shortcut_reset", "shortcut_note"):
            assert table[key] in shown, key
