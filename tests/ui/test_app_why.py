"""The "Why deep learning" page under Streamlit's AppTest, with its real worker: the classic models fitted on the
network's own split (their table and maps), the network's live row, learning curves that fill in and keep what is
done when stopped, the overfitting controls changing the live network, a capacity sweep, a link's setup, a damaged
link, Chinese, and the home page's card."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig
from playground.data.registry import load_dataset
from playground.presets import load_preset
from playground.train.baselines import baselines_for, fit_baseline
from tests import ROOT
from tests.apptest_session import EN, ZH, app_session, english_leaks, image_captions, page_texts

PAGE = str(ROOT / "pages" / "why.py")
#: The worker imports scikit-learn and fits seven models before the table is complete.
ANSWER_TIMEOUT_S = 120


def ok(app: AppTest) -> AppTest:
    assert not app.exception, app.exception
    return app


def wait_for(app: AppTest, done: Callable[[AppTest], bool], timeout: float = ANSWER_TIMEOUT_S) -> AppTest:
    """Rerun the page until ``done`` holds (the worker answers between runs)."""
    deadline = time.monotonic() + timeout
    while True:
        ok(app.run())
        if done(app):
            return app
        assert time.monotonic() < deadline, f"gave up after {timeout} s: {page_texts(app)[-12:]}"
        time.sleep(0.5)


def job_answer(app: AppTest, kind: str) -> dict:
    job = app.session_state["why_jobs"].get(kind) if "why_jobs" in app.session_state else None
    return (job.answer or {}) if job is not None else {}


def finished(kind: str) -> Callable[[AppTest], bool]:
    return lambda app: bool(job_answer(app, kind).get("finished"))


def shown_config(app: AppTest) -> RunConfig:
    return RunConfig.from_url_param(app.query_params["config"])


def table(app: AppTest):
    assert len(app.dataframe) == 1
    return app.dataframe[0].value


def button(app: AppTest, label: str):
    """A button by its label (start buttons' keys end with the number of presses so far)."""
    found = [widget for widget in app.button if widget.label == label]
    assert len(found) == 1, [widget.label for widget in app.button]
    return found[0]


def small_setup(epochs: int = 4) -> RunConfig:
    raw = load_preset("circle").model_dump()
    raw["data"]["n_points"] = 200
    raw["training"]["epochs"] = epochs
    return RunConfig.from_dict(raw)


def test_classic_models_fit_the_networks_split_with_maps_and_the_network_row_follows_training():
    with app_session(PAGE) as app:
        config = shown_config(app)
        assert config == load_preset("spiral")  # the default setup
        wait_for(app, finished("table"))
        frame = table(app)
        dataset = load_dataset(config.data)
        names = baselines_for(dataset)
        assert len(frame) == len(names)  # the network's row comes with its first epoch
        assert any(EN["why_network_row_waits"] == caption.value for caption in app.caption)
        # the same split: a classic model fitted here on the page's data scores exactly what the table shows
        expected = fit_baseline("knn", dataset).test_metric
        row = frame[frame[EN["why_col_model"]] == EN["why_model_knn"]]
        assert row.iloc[0, 1] == pytest.approx(expected)
        assert frame.iloc[:, 1].is_monotonic_decreasing  # best first
        captions = image_captions(app)
        assert len(captions) == len(names)
        assert any(caption.startswith(f"{EN['why_model_features']}: test ") for caption in captions)

        ok(button(app, EN["play"]).click().run())
        wait_for(app, lambda app: EN["why_model_network"] in set(table(app).iloc[:, 0]), timeout=60)
        frame = table(app)
        network = frame[frame[EN["why_col_model"]] == EN["why_model_network"]].iloc[0]
        assert 0.0 <= network.iloc[1] <= 1.0 and network.iloc[3] > 0  # a test accuracy and a training time
        assert any(caption.value.startswith("The network's row shows epoch") for caption in app.caption)
        ok(button(app, EN["pause"]).click().run())


def test_learning_curves_fill_in_say_who_leads_and_stop_keeps_what_is_done():
    with app_session(PAGE, {"config": small_setup().to_url_param()}) as app:
        assert app.selectbox(key="why_setup").value == "link"
        assert shown_config(app) == small_setup()
        wait_for(app, finished("table"))
        app.multiselect(key="why_curve_models").set_value(["logreg", "knn"])
        app.number_input(key="why_curve_epochs_4").set_value(3)
        app.slider(key="why_curve_seeds").set_value(2)
        app.text_input(key="why_curve_sizes_100").set_value("25, 100")
        ok(app.run())
        ok(button(app, EN["why_draw_curves"]).click().run())
        wait_for(app, finished("curve"))
        rows = job_answer(app, "curve")["rows"]
        assert {(row["model"], row["size"]) for row in rows} == {
            (model, size) for model in ("logreg", "knn", "network") for size in (25, 100)
        }
        assert len(rows) == 3 * 2 * 2  # models x sizes x seeds
        chart = app.get("plotly_chart")
        assert len(chart) == 1
        verdict = [node.value for node in app.markdown if "training rows the best is" in node.value]
        assert len(verdict) == 1 and verdict[0].count("- ") >= 3

        # a longer curve, stopped at once: what was done is kept and said
        app.text_input(key="why_curve_sizes_100").set_value("25, 50, 75, 100")
        app.slider(key="why_curve_seeds").set_value(5)
        ok(app.run())
        ok(button(app, EN["why_draw_curves"]).click().run())
        ok(app.button(key="why_curve_stop").click().run())
        wait_for(app, lambda app: bool(job_answer(app, "curve").get("stopped")))
        answer = job_answer(app, "curve")
        assert len(answer["rows"]) < answer["total"] == 4 * 5 * 3
        done = EN["why_curves_stopped"].format(points=len(answer["rows"]), total=answer["total"])
        assert done in [node.value for node in app.info]


def test_overfitting_controls_change_the_live_network_and_the_capacity_sweep_plots_both_losses():
    with app_session(PAGE, {"config": small_setup(epochs=3).to_url_param()}) as app:
        key = [widget.key for widget in app.toggle if widget.label == EN["why_dropout"]][0]
        app.toggle(key=key).set_value(True)
        app.toggle(key=key.replace("dropout", "l2")).set_value(True)
        app.toggle(key=key.replace("dropout", "early")).set_value(True)
        app.slider(key=key.replace("dropout", "noise")).set_value(20)
        ok(app.run())
        config = shown_config(app)
        kinds = [layer.kind for layer in config.model.layers]
        assert kinds == ["dense", "dropout", "dense", "dropout", "dense"]  # after each of the two hidden layers
        assert config.training.regularization == "l2" and config.training.patience == 20 and config.data.noise == 20
        assert [widget.label for widget in app.toggle if widget.label == EN["why_augment"]] == []  # points only
        wait_for(app, finished("table"))  # the classic models follow the new data
        assert job_answer(app, "table")["rows"] and "why_jobs" in app.session_state

        app.select_slider(key="why_capacity_size_100").set_value(25)
        ok(app.run())
        ok(button(app, EN["why_sweep"]).click().run())
        wait_for(app, finished("capacity"))
        answer = job_answer(app, "capacity")
        assert answer["size"] == 25 and len(answer["rows"]) == 7
        assert [row["width"] for row in answer["rows"]] == sorted(row["width"] for row in answer["rows"])
        widest = answer["rows"][-1]
        gap = [node.value for node in app.caption if node.value.startswith("Widest network")]
        assert gap and f"{widest['params']:,} weights" in gap[0]


def test_another_setup_brings_its_own_models_and_epochs():
    with app_session(PAGE) as app:
        assert "features" in app.multiselect(key="why_curve_models").value  # the spiral is on the plane
        assert app.number_input(key="why_curve_epochs_150").value == 150
        ok(app.selectbox(key="why_setup").set_value("seed-cnn").run())
        assert shown_config(app) == load_preset("seed-cnn")
        models = app.multiselect(key="why_curve_models").value
        assert "features" not in models and "forest" in models  # pixels have no hand-made features
        assert app.number_input(key="why_curve_epochs_3").value == 3
        assert app.select_slider(key="why_capacity_size_4000").value == 107  # the size nearest 100


def test_a_damaged_link_says_why_and_the_default_setup_shows():
    with app_session(PAGE, {"config": "not-a-config"}) as app:
        warnings = [node.value for node in app.warning]
        assert any(warning.startswith(EN["link_invalid"].split("{")[0]) for warning in warnings), warnings
        assert shown_config(app) == load_preset("spiral")
        assert app.selectbox(key="why_setup").value == "spiral"


def test_the_page_in_chinese_has_no_english_left():
    with app_session(PAGE, {"lang": "zh"}) as app:
        wait_for(app, finished("table"))
        assert app.title[0].value == ZH["page_why_title"]
        assert [tab.label for tab in app.tabs] == [ZH[f"why_tab_{name}"] for name in ("side", "curves", "overfit")]
        texts = page_texts(app)
        assert ZH["why_col_model"] in texts and any(text.startswith(ZH["why_model_knn"]) for text in texts)
        assert english_leaks(texts) == []


def test_the_home_page_links_here():
    with app_session(str(ROOT / "pages" / "home.py"), navigation=True) as app:
        links = [node for node in app.get("page_link") if node.proto.label == EN["home_why_link"]]
        assert len(links) == 1 and links[0].proto.page == "why"
        assert EN["home_why_title"] in [node.value for node in app.subheader]
