"""The sequences page under Streamlit's AppTest, with real workers: the seed LSTM it opens with, an epoch by Step,
every view once its probe arrives (metrics, predictions, hidden state and gates, memory, histograms), the other
datasets (sine, adding, text with its generated text, an uploaded CSV series), the RNN-vs-LSTM race and its workers'
end, a stack that cannot run, Chinese, and the engine-side helpers the page calls.

The data are kept small through the page's own sliders (200 sequences of 20 steps), so an epoch takes moments.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from playground import sequence_summary
from playground.config import RunConfig
from playground.data.kinds.sequences import MAX_SERIES_WINDOWS
from playground.data.registry import SERIES_UPLOAD, TEXT, kind_of, load_dataset, text_vocabulary
from playground.data.upload import CACHE_ENV, UploadError
from playground.i18n import translator
from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.ui.frames import get_frame_source, registered_tokens
from playground.ui.sequences import choices, data_panel, views
from playground.ui.sequences.live_pictures import _memory_panels, _prediction_panels
from playground.viz import sequence_charts
from tests import ROOT
from tests.apptest_session import (
    EN,
    ZH,
    app_session,
    editor_button,
    english_leaks,
    live_handles,
    page_frame,
    page_texts,
    row_with_error,
    run_button,
    wait_for_probes,
)

PAGE = str(ROOT / "pages" / "sequences.py")
SMALL = {"n_points": 200, "steps": 20}


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Uploads are stored in a folder of this test's own."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def page():
    with app_session(PAGE) as app:
        yield app


# Helpers ---------------------------------------------------------------------------------------------------------


def ok(app: AppTest) -> AppTest:
    assert not app.exception, app.exception
    return app


def page_handle():
    handles = live_handles()
    assert handles
    return handles[-1]


def choose(app: AppTest, dataset: str, key: str = "seq_dataset_en") -> AppTest:
    return ok(app.selectbox(key=key).set_value(dataset).run())


def shrink(app: AppTest, dataset: str) -> None:
    """200 sequences (or windows) of 20 steps: every epoch and probe takes moments."""
    ok(app.slider(key=f"seq_n_points_{dataset}").set_value(SMALL["n_points"]).run())
    ok(app.slider(key=f"seq_steps_{dataset}").set_value(SMALL["steps"]).run())


def ready(dataset: str):
    """The page's worker, once it runs the small setup of ``dataset`` and waits at epoch 0."""
    handle = page_handle()
    handle.wait_until(
        lambda s, _: (
            s.status == "paused"
            and bool(s.run_id)
            and s.epoch == 0
            and handle.config.data.dataset == dataset
            and handle.config.data.steps == SMALL["steps"]
        ),
        timeout=90,
    )
    return handle


def step_once(app: AppTest, handle) -> None:
    ok(run_button(app, "seq", "step").click().run())
    handle.wait_until(lambda s, _: s.epoch == 1 and s.status == "paused", timeout=120)


def show(app: AppTest, view: str) -> AppTest:
    """Switch the view; the worker then computes that view's probes (and only those): wait for them, draw again."""
    app.session_state["seq_view"] = view
    ok(app.run())
    handle = page_handle()
    wanted = choices.view_probes(view, handle.config.task)
    wait_for_probes(handle, wanted, timeout=90)
    return ok(app.run())


def charts(app: AppTest) -> dict[str, str]:
    """The plotly charts on the page by their key's name (``seq_chart_*``), with their spec."""
    found = {}
    for element in app.get("plotly_chart"):
        key = re.search(r"seq_chart_\w+", element.proto.id or "")
        spec = json.dumps(json.loads(element.proto.spec), ensure_ascii=False)  # "R²", not "R\u00b2"
        found[key.group(0) if key else element.proto.id] = spec
    return found


def texts(app: AppTest, kind: str) -> list[str]:
    return [node.value for node in app.get(kind)]


def load_setup(app: AppTest, config: RunConfig) -> AppTest:
    """Load a saved setup through the page's own uploader, as a user would."""
    app.file_uploader(key="seq_config_file").set_value(("setup.json", config.to_json().encode(), "text/json"))
    return ok(app.run())


def small_setup(dataset: str, layers: list[dict]) -> RunConfig:
    """``dataset`` with SMALL data and the given stack (its output layer included)."""
    return RunConfig.from_dict({"data": {"dataset": dataset, **SMALL}, "model": {"layers": layers}})


#: Latin words a Chinese page may show: names of layers, activations, optimizers, metrics and file formats, the same in
#: every language, and the language picker's "Language / 语言" and "English".
NAMES = {"LSTM", "GRU", "RNN", "SimpleRNN", "Dense", "Dropout", "Flatten", "RMSE", "MAE", "Adam", "AdamW", "SGD"}
NAMES |= {"RMSprop", "linear", "relu", "leaky", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "softmax"}
NAMES |= {"CSV", "JSON", "ONNX", "PyTorch", "Keras", "zip", "safetensors", "Language", "English"}


def chart_strings(spec: object) -> list[str]:
    """What a plotly figure shows in words: titles, trace names, hover texts, tick labels and annotations."""
    found: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("text", "name", "hovertext", "ticktext", "hovertemplate") and isinstance(value, str | list):
                found += [value] if isinstance(value, str) else [item for item in value if isinstance(item, str)]
            else:
                found += chart_strings(value)
    elif isinstance(spec, list):
        for item in spec:
            found += chart_strings(item)
    return found


def latin_leaks(app: AppTest) -> list[str]:
    """English in a Chinese page, whether or not en.json holds it: Latin words of three letters and more and numbered
    names such as f0, in the page's texts and in the words of its charts, except NAMES and the layer editor's row
    titles (the editor's own, in English in every language)."""
    texts = [text for text in page_texts(app) if not re.fullmatch(r"\*\*\d+\. .*\*\*", text)]
    for spec in charts(app).values():
        texts += chart_strings(json.loads(spec))
    leaks = []
    for text in texts:
        plain = re.sub(r"%\{[^}]*\}|<[^>]*>|c_old", " ", text)  # placeholders, tags, the LSTM formula's old cell
        words = re.findall(r"[A-Za-z]{3,}|\b[a-z]\d+\b", plain)
        leaks += [f"{word} in {text!r}" for word in words if word not in NAMES]
    return leaks


def series_csv(rows: int = 160) -> bytes:
    """A small two-column time series: a temperature-like wave and a slowly rising load."""
    steps = np.arange(rows)
    wave = 20 + 5 * np.sin(steps / 6)
    load = 0.1 * steps
    lines = ["temperature,load", *(f"{a:.4f},{b:.4f}" for a, b in zip(wave, load, strict=True))]
    return ("\n".join(lines) + "\n").encode()


# The page --------------------------------------------------------------------------------------------------------


def test_page_opens_with_the_seed_lstm(page):
    assert page.title[0].value == "Sequences"
    assert page.selectbox(key="seq_dataset_en").value == "seed_sequences"
    config = page_handle().config
    assert config.data.dataset == "seed_sequences" and config.input_shape == (100, 10)
    assert config.model == load_preset("seed-lstm").model
    assert config.total_params() == 19_521
    assert any("Total params: 19,521" in node.value for node in page.markdown)
    assert list(page.dataframe[0].value["Output shape"]) == ["(64,)", "(1,)"]
    assert page.slider(key="seq_features").value == 10
    assert (
        page.slider(key="seq_n_points_seed_sequences").value,
        page.slider(key="seq_steps_seed_sequences").value,
    ) == (
        2_000,
        100,
    )
    assert [button.label for button in page.button if button.key and button.key.startswith("seq_")][-3:] == [
        "Play",
        "Step",
        "Reset",
    ]
    assert not page.error and not page.warning
    assert "seq_chart_preview" in charts(page)  # the first training sequence
    assert page.session_state["seq_learning_rate"] == 0.001 and page.session_state["seq_batch_size"] == 32
    keys = {button.key for button in page.download_button}
    assert {"seq_dl_config", "seq_dl_history", "seq_dl_checkpoint", "seq_dl_onnx", "seq_dl_pytorch"} <= keys


def test_step_trains_an_epoch_and_every_view_draws(page):
    shrink(page, "seed_sequences")
    handle = ready("seed_sequences")
    assert handle.config.total_params() == 4 * (10 * 64 + 64 * 64 + 2 * 64) + 65  # the LSTM on 10 features
    step_once(page, handle)
    rows = handle.snapshot()[1]
    assert [row["epoch"] for row in rows] == [1] and "test_mae" in rows[0]  # the seed article's metric

    show(page, "loss")  # the metric and the errors per epoch, painted live by the training view
    metric, errors = page_frame(handle)["pictures"]["panels"]
    assert metric["heading"] == EN["tab_metric_r2"] and metric["baseline"]["label"] == EN["seq_baseline_mean"]
    assert metric["series"][1]["y"] == [pytest.approx(rows[0]["test_r2"], rel=1e-4)]
    assert errors["heading"] == EN["seq_errors_title"] and errors["baseline"]["label"] == EN["seq_baseline_mean"]
    assert [line["name"] for line in errors["series"]] == ["RMSE train", "RMSE test", "MAE train", "MAE test"]
    assert [line["dash"] for line in errors["series"]] == [False, False, True, True]
    assert errors["zero"] and not metric["zero"]  # errors from 0, so that a small difference does not look large

    show(page, "predictions")  # independent sequences: predicted against true, with the mean predictor, painted live
    (scatter,) = page_frame(handle)["pictures"]["panels"]
    assert scatter["kind"] == "scatter" and scatter["baseline"]["label"] == EN["seq_baseline_mean"]
    assert re.search(r"RMSE of the network: \d+\.\d{3}; of always predicting the mean \(dotted line\): \d",
                     scatter["caption"])  # fmt: skip

    show(page, "hidden")  # the inputs chart here; the training view paints the hidden state and the gates
    specs = charts(page)
    assert "seq_chart_inputs" in specs and "seq_chart_hidden" not in specs
    assert "other features" in specs["seq_chart_inputs"]  # the seed task's distractors, beside f0 and f1
    verdict, *panels = page_frame(handle)["pictures"]["panels"]
    hidden = handle.snapshot()[0].probes["hidden"]
    assert verdict["kind"] == "note" and verdict["text"].startswith(
        f"Target **{float(hidden['true']):.3f}**, predicted **{float(hidden['predicted']):.3f}** (test sequence 0)."
    )  # painted with every new probe, not once a second
    assert [panel["heading"] for panel in panels] == [
        f"1. {EN['editor_kind_lstm']}: the hidden state of its 64 units at every step",
        *(EN[f"seq_gate_lstm_{gate}"] for gate in ("input", "forget", "cell", "output", "memory")),
    ]
    assert [panel["palette"] for panel in panels] == ["signed", "gate", "gate", "signed", "gate", "signed"]
    assert (panels[0]["height"], panels[0]["width"]) == (64, handle.config.data.steps)  # units x steps
    assert panels[0]["caption"] == EN["seq_hidden_caption_lstm"]
    assert f"- **{EN['seq_gate_lstm_forget']}**: {EN['seq_about_gate_lstm_forget']}" in " ".join(
        texts(page, "markdown")
    )
    picker = page.number_input(key="seq_sample")
    assert picker.value == 0 and picker.max == kind_of(handle.config.data).test_count(handle.config.data) - 1 == 39
    ok(picker.set_value(5).run())
    handle.wait_until(lambda s, _: s.probes.get("hidden", {}).get("index") == 5, timeout=60)
    ok(page.run())
    assert "(test sequence 5)" in page_frame(handle)["pictures"]["panels"][0]["text"]

    show(page, "memory")  # the hidden state's pictures give way to the memory's
    (memory,) = page_frame(handle)["pictures"]["panels"]
    reach = handle.snapshot()[0].probes["memory"]["reach"]
    assert memory["heading"] == EN["seq_memory_title"] and len(memory["values"]) == 20 and not memory["log"]
    assert memory["caption"] == f"Reach: 90 % of the gradient lies in the last {reach} of 20 steps."
    ok(page.toggle(key="seq_memory_log").set_value(True).run())
    assert page_frame(handle)["pictures"]["panels"][0]["log"]

    show(page, "histograms")  # painted by the training view
    headings = [panel["heading"] for panel in page_frame(handle)["pictures"]["panels"]]
    assert EN["tab_weights"] in headings and EN["tab_activations"] in headings


def test_sine_forecasts_the_held_out_series(page):
    choose(page, "sine")
    assert page.slider(key="seq_frequency").value == 4 and page.slider(key="seq_noise").value == 5
    shrink(page, "sine")
    handle = ready("sine")
    assert handle.config.input_shape == (20, 1)
    step_once(page, handle)
    show(page, "predictions")
    probe = handle.snapshot()[0].probes["predictions"]
    assert probe["ordered"] and len(probe["rollout"]) > 0  # the series is its only input: it can run free
    (forecast,) = page_frame(handle)["pictures"]["panels"]
    assert [line["name"] for line in forecast["series"]] == [
        EN[label] for label in ("seq_history", "tab_true", "seq_one_step", "seq_rollout")
    ]
    assert forecast["series"][-1]["dash"] and forecast["divider"] == -0.5
    assert EN["seq_rollout_caption"] in forecast["caption"]


def test_adding_marks_its_two_values_and_an_impossible_stack_is_refused(page):
    choose(page, "adding")
    config = page_handle().config
    assert config.model == load_preset("adding-lstm").model and config.input_shape == (50, 2)
    assert EN["seq_marked"] in charts(page)["seq_chart_preview"]  # the two marked steps, highlighted
    # an LSTM after the output gets one number, not a sequence: its row says so and the run pauses
    editor = "seq_stack_adding_"
    ok(page.selectbox(key=f"{editor}_new_kind_en").set_value("lstm").run())
    ok(editor_button(page, f"{editor}_add").click().run())
    title, error = row_with_error(page, editor)
    assert title.startswith("**3. LSTM(")
    assert error.startswith("This layer cannot run: ") and "needs sequences (steps, features)" in error
    assert [node.value for node in page.warning] == [EN["tab_invalid_paused"]]
    assert all(run_button(page, "seq", name).disabled for name in ("play", "step", "reset"))
    ok(editor_button(page, f"{editor}_undo").click().run())
    assert not page.error and not run_button(page, "seq", "play").disabled


def test_text_writes_text_at_the_chosen_temperature(page):
    choose(page, TEXT)
    config = page_handle().config
    assert config.tokens and config.output_size == len(text_vocabulary())
    assert config.model == load_preset("text-lstm").model
    training = load_preset("text-lstm").training  # its own rate and batch size, not the seed article's
    assert (config.training.learning_rate, config.training.batch_size) == (training.learning_rate, training.batch_size)
    assert page.number_input(key="seq_learning_rate").value == training.learning_rate
    assert any(EN["seq_preview_text"].split(";")[0] in text for text in texts(page, "caption"))
    shrink(page, TEXT)
    handle = ready(TEXT)
    step_once(page, handle)
    show(page, "predictions")
    assert page.slider(key="seq_temperature").value == pytest.approx(0.8)
    ok(page.slider(key="seq_temperature").set_value(1.5).run())
    assert handle.temperature == pytest.approx(1.5)
    probe = handle.wait_until(lambda s, _: s.probes.get("generated", {}).get("temperature") == 1.5, timeout=60)
    ok(page.run())
    generated = probe.probes["generated"]
    (written,) = page_frame(handle)["pictures"]["panels"]  # painted live by the training view
    assert written["kind"] == "text" and len(written["text"]) > 0
    assert (written["prompt"], written["text"]) == (generated["prompt"], generated["text"])
    assert "Yellow: what the network wrote after it, one character at a time at temperature 1.5" in written["caption"]

    show(page, "hidden")
    probe = handle.snapshot()[0].probes["hidden"]
    verdict, hidden, *_ = page_frame(handle)["pictures"]["panels"]
    true, predicted = (choices.shown_character(text_vocabulary()[int(probe[key])]) for key in ("true", "predicted"))
    assert verdict["text"] == f"Next character: **{true}**, predicted **{predicted}** (test window {probe['index']})."
    window = probe["text"]
    assert hidden["steps"] == [choices.shown_character(character) for character in window]  # steps by letter

    show(page, "loss")
    (metric,) = page_frame(handle)["pictures"]["panels"]
    assert metric["baseline"]["label"] == EN["seq_baseline_frequent"] and metric["percent"]


def test_an_uploaded_series_trains_on_its_target_and_a_too_long_window_is_refused(page):
    choose(page, SERIES_UPLOAD)
    assert [node.value for node in page.info] == [EN["seq_data_first"]]
    page.file_uploader(key="seq_file").set_value(("weather.csv", series_csv(), "text/csv"))
    ok(page.run())
    assert page.selectbox(key="seq_target").options == ["temperature", "load"]
    ok(page.selectbox(key="seq_target").set_value("temperature").run())
    assert "160 rows, 2 columns; forecasting temperature one step ahead." in texts(page, "caption")
    config = page_handle().config
    assert config.data.dataset == SERIES_UPLOAD and config.input_shape == (20, 2)
    assert RunConfig.from_json(config.to_json()) == config  # the sha names the stored series

    handle = page_handle()  # the forecast and the errors are in standard deviations, not in degrees: said so
    handle.wait_until(lambda s, _: s.status == "paused" and bool(s.run_id), timeout=90)
    step_once(page, handle)
    show(page, "predictions")
    (forecast,) = page_frame(handle)["pictures"]["panels"]
    assert forecast["y_title"] == EN["seq_value_standardised"] and EN["seq_standardised"] in forecast["caption"]
    show(page, "loss")
    errors = page_frame(handle)["pictures"]["panels"][1]
    assert errors["heading"] == EN["seq_errors_title_standardised"] and EN["seq_standardised"] in errors["caption"]

    ok(page.slider(key=f"seq_steps_{SERIES_UPLOAD}").set_value(200).run())
    errors = texts(page, "error")
    assert len(errors) == 1 and errors[0].startswith("These data settings cannot be used: ")
    assert "the series has 160 rows; windows of 200 steps need more rows" in errors[0]

    page.file_uploader(key="seq_file").set_value(("bad.csv", b"a,b\n1,x\n2,y\n", "text/csv"))
    ok(page.run())
    errors = texts(page, "error")
    assert len(errors) == 1 and errors[0].startswith("This series cannot be used: ")


def test_an_uploaded_series_stays_chosen_while_another_dataset_is_shown(page):
    """Streamlit forgets an uploaded file while its uploader is not drawn; the page remembers the stored series,
    its target and its window, so coming back needs no second upload."""
    choose(page, SERIES_UPLOAD)
    page.file_uploader(key="seq_file").set_value(("weather.csv", series_csv(), "text/csv"))
    ok(page.run())
    ok(page.selectbox(key="seq_target").set_value("temperature").run())
    ok(page.slider(key=f"seq_steps_{SERIES_UPLOAD}").set_value(15).run())
    stored = page_handle().config.data
    assert (stored.dataset, stored.steps) == (SERIES_UPLOAD, 15)

    choose(page, "sine")
    assert page_handle().config.data.dataset == "sine"
    choose(page, SERIES_UPLOAD)
    assert not page.info and not page.error  # not "upload a series first"
    captions = texts(page, "caption")
    assert "160 rows, 2 columns; forecasting temperature one step ahead." in captions
    assert EN["seq_upload_kept"] in captions
    assert page.slider(key=f"seq_steps_{SERIES_UPLOAD}").value == 15
    assert page_handle().config.data == stored  # the same series, target and window: no second upload
    assert "seq_chart_preview" in charts(page)

    page.file_uploader(key="seq_file").set_value(("weather.csv", series_csv(), "text/csv"))  # the same file again
    ok(page.run())
    assert page.selectbox(key="seq_target").value == "temperature"  # the column chosen before, not the suggested one
    assert page_handle().config.data == stored


def test_a_file_without_columns_is_refused_in_the_pages_language(monkeypatch):
    """The reason a series is refused is translated too (pandas refuses most such files before the page does)."""
    monkeypatch.setattr(data_panel, "series_columns", lambda data: ([], None))
    with app_session(PAGE, {"lang": "zh"}) as app:
        choose(app, SERIES_UPLOAD, key="seq_dataset_zh")
        app.file_uploader(key="seq_file").set_value(("empty.csv", b"\n", "text/csv"))
        ok(app.run())
        assert texts(app, "error") == [ZH["seq_upload_failed"].format(reason=ZH["seq_upload_no_columns"])]


def test_data_settings_survive_another_dataset(page):
    """A dataset's sliders are not drawn while another dataset is shown, and Streamlit then drops their state: the
    page keeps the values itself."""
    ok(page.slider(key="seq_features").set_value(5).run())
    ok(page.slider(key="seq_steps_seed_sequences").set_value(30).run())
    choose(page, "sine")
    chosen = {"seq_n_points_sine": 300, "seq_steps_sine": 15, "seq_frequency": 7, "seq_noise": 10}
    for key, value in chosen.items():
        ok(page.slider(key=key).set_value(value).run())
    ok(page.slider(key="seq_train_share").set_value(70).run())
    choose(page, "adding")
    assert page.slider(key="seq_steps_adding").value == load_preset("adding-lstm").data.steps  # its own steps
    ok(page.slider(key="seq_train_share").set_value(60).run())
    choose(page, "sine")
    assert {key: page.slider(key=key).value for key in chosen} == chosen
    assert page.slider(key="seq_train_share").value == 60  # one share for every dataset
    data = page_handle().config.data
    assert (data.dataset, data.n_points, data.steps, data.frequency, data.noise) == ("sine", 300, 15, 7, 10)
    choose(page, "seed_sequences")
    assert (page.slider(key="seq_features").value, page.slider(key="seq_steps_seed_sequences").value) == (5, 30)
    assert page_handle().config.input_shape == (30, 5)


def test_memory_view_settings_survive_other_views(page):
    """The log scale and the race's length and units are drawn only in the memory view; they are kept meanwhile."""
    page.session_state["seq_view"] = "memory"
    ok(page.run())
    ok(page.toggle(key="seq_memory_log").set_value(True).run())
    ok(page.slider(key="seq_race_steps").set_value(20).run())
    ok(page.number_input(key="seq_race_units").set_value(8).run())
    page.session_state["seq_view"] = "loss"
    ok(page.run())
    assert not page.get("toggle") and "seq_race_units" not in {widget.key for widget in page.number_input}
    page.session_state["seq_view"] = "memory"
    ok(page.run())
    assert page.toggle(key="seq_memory_log").value is True
    assert (page.slider(key="seq_race_steps").value, page.number_input(key="seq_race_units").value) == (20, 8)


def test_a_stack_without_a_recurrent_layer_asks_for_no_hidden_state(page):
    """The hidden view says there is no hidden state, and the worker is not asked to compute one."""
    setup = small_setup("adding", [{"kind": "flatten"}, {"kind": "dense", "units": 1}])
    load_setup(page, setup)
    handle = page_handle()
    handle.wait_until(lambda s, _: handle.config == setup and bool(s.run_id), timeout=60)
    page.session_state["seq_view"] = "hidden"
    ok(page.run())
    assert [node.value for node in page.info] == [EN["seq_no_recurrent"]]
    assert handle.probes == []  # what the worker was last asked to compute


def test_the_race_trains_an_rnn_and_an_lstm_and_stops_their_workers(page, monkeypatch):
    resets: list[WorkerHandle] = []
    reset = WorkerHandle.reset

    def counted(self, *args, **kwargs):
        resets.append(self)
        return reset(self, *args, **kwargs)

    monkeypatch.setattr(WorkerHandle, "reset", counted)
    show(page, "memory")
    ok(page.slider(key="seq_race_steps").set_value(10).run())
    ok(page.number_input(key="seq_race_units").set_value(8).run())
    before = set(live_handles())
    ok(page.button(key="seq_race_start").click().run())
    racers = [handle for handle in live_handles() if handle not in before]
    assert sorted(handle.config.model.layers[0].kind for handle in racers) == ["lstm", "rnn"]
    assert {(h.config.data.dataset, h.config.data.steps, h.config.model.layers[0].units) for h in racers} == {
        ("adding", 10, 8)
    }
    assert not set(resets) & set(racers)  # new workers start from fresh weights by themselves
    assert all(handle.probes == ["memory"] and handle.wants_to_run for handle in racers)

    page.session_state["seq_view"] = "loss"  # off screen: no probes, and paused
    ok(page.run())
    assert all(handle.probes == [] and not handle.wants_to_run for handle in racers)
    page.session_state["seq_view"] = "memory"  # back: they play on
    ok(page.run())
    assert all(handle.probes == ["memory"] and handle.wants_to_run for handle in racers)

    for handle in racers:
        handle.wait_until(lambda s, _: s.epoch >= 1 and "memory" in s.probes, timeout=120)
    ok(page.run())
    assert not {"seq_chart_race_loss", "seq_chart_race_memory"} & set(charts(page))  # no figures redrawn by the second
    rnn = next(handle for handle in racers if handle.config.model.layers[0].kind == "rnn")
    frame = page_frame(rnn)  # the race's own live view: both racers' losses with every snapshot, their memory
    assert (frame["title"], frame["compare"]["title"]) == ("SimpleRNN", "LSTM")
    assert frame["history"] and frame["compare"]["history"] and frame.get("boundary") is None
    (memory,) = frame["pictures"]["panels"]
    assert [line["name"].split(":")[0] for line in memory["series"]] == ["SimpleRNN", "LSTM"] and memory["log"]
    for line, handle in zip(memory["series"], (rnn, next(h for h in racers if h is not rnn)), strict=True):
        gradient = np.asarray(handle.snapshot()[0].probes["memory"]["gradient"], dtype=np.float64)
        expected = np.where(gradient > 0, gradient / gradient.sum(), np.nan)
        np.testing.assert_allclose(np.asarray(line["y"], dtype=np.float64), expected, rtol=1e-4)
    assert page.button(key="seq_race_start").label == EN["seq_race_restart"]

    ok(page.slider(key="seq_race_steps").set_value(20).run())
    resets.clear()
    ok(page.button(key="seq_race_start").click().run())  # a restart reuses the two workers, reset once each
    assert set(live_handles()) - before == set(racers)
    assert sorted(resets, key=id) == sorted(racers, key=id)
    assert all(handle.config.data.steps == 20 for handle in racers)

    tokens = [token for token in registered_tokens() if getattr(get_frame_source(token), "__self__", None) is not None
              and get_frame_source(token).__self__.handle is rnn]  # fmt: skip
    assert len(tokens) == 1
    ok(page.button(key="seq_race_stop").click().run())
    assert not any(handle.alive for handle in racers)
    assert get_frame_source(tokens[0]) is None  # no dead runs left to serve
    assert page.button(key="seq_race_stop").disabled
    ok(page.button(key="seq_race_start").click().run())  # a new race: new workers, not the ended ones
    assert len(set(live_handles()) - before - set(racers)) == 2


def test_a_saved_setup_loads_back_into_the_page(page):
    raw = load_preset("sine-lstm").model_dump()
    raw["data"].update(n_points=300, steps=15, frequency=7, noise=10, train_share=70, seed=3)
    raw["model"]["layers"][0] = {"kind": "gru", "units": 12}
    raw["training"].update(optimizer="rmsprop", learning_rate=0.003, batch_size=16)
    raw["name"] = ""  # the page names no setup
    setup = RunConfig.from_dict(raw)
    ok(page.file_uploader(key="seq_config_file").set_value(("s.json", setup.to_json().encode(), "text/json")).run())
    assert any("Setup loaded" in node.value for node in page.success)
    handle = page_handle()
    handle.wait_until(lambda s, _: handle.config == setup, timeout=60)
    assert page.selectbox(key="seq_dataset_en").value == "sine"
    widgets = ("seq_n_points_sine", "seq_steps_sine", "seq_frequency", "seq_noise", "seq_train_share")
    assert [page.slider(key=key).value for key in widgets] == [300, 15, 7, 10, 70]
    assert page.dataframe[0].value["Output shape"].iloc[0] == "(12,)"  # the loaded GRU
    choose(page, "adding")  # the loaded settings wait while another dataset is shown
    choose(page, "sine")
    assert [page.slider(key=key).value for key in widgets] == [300, 15, 7, 10, 70]
    assert handle.config.data == setup.data  # its seed too (the training opens with the dataset's preset again)

    table = load_preset("seed-ffn")  # a table's setup is refused, naming where it belongs
    ok(page.file_uploader(key="seq_config_file").set_value(("t.json", table.to_json().encode(), "text/json")).run())
    assert any("seed_ffn is not a sequence set" in node.value for node in page.error)


def test_chinese_page_has_no_missing_translations():
    """Every view in Chinese, then sine and adding (their feature names come from the data) and a stacked
    bidirectional stack (its layer picker and headings): no English, in the texts or in the charts."""
    zh = translator("zh")
    with app_session(PAGE, {"lang": "zh"}) as app:
        assert app.title[0].value == ZH["seq_title"] == "序列"
        assert english_leaks(page_texts(app)) == [] and latin_leaks(app) == []
        shrink(app, "seed_sequences")
        handle = ready("seed_sequences")
        step_once(app, handle)
        for view in choices.VIEWS:
            show(app, view)
            assert english_leaks(page_texts(app)) == [] and latin_leaks(app) == [], view
        assert app.button_group(key="seq_view_zh").options == [ZH[f"seq_view_{view}"] for view in choices.VIEWS]
        assert "特征 0" in charts(app)["seq_chart_preview"]  # the seed's f0

        for dataset in ("sine", "adding"):
            choose(app, dataset, key="seq_dataset_zh")
            shrink(app, dataset)
            ready(dataset)
            for view in ("predictions", "hidden"):
                show(app, view)
                if view == "hidden":  # the hidden state of this dataset's sequence, not the last one's
                    handle, shape = page_handle(), page_handle().config.input_shape

                    def caught_up(latest, _, shape=shape) -> bool:
                        return np.shape(latest.probes.get("hidden", {}).get("inputs")) == shape

                    handle.wait_until(caught_up, timeout=60)
                    ok(app.run())
                    panels = page_frame(handle)["pictures"]["panels"]
                    assert panels and panels[0]["kind"] == "note", dataset  # the verdict, painted live
                    assert english_leaks([panels[0]["text"]]) == [], dataset
                assert english_leaks(page_texts(app)) == [] and latin_leaks(app) == [], (dataset, view)
        layers = [
            {"kind": "gru", "units": 4, "num_layers": 2, "bidirectional": True, "return_sequences": True},
            {"kind": "lstm", "units": 3},
            {"kind": "dense", "units": 1},
        ]
        setup = small_setup("adding", layers)
        load_setup(app, setup)
        handle = page_handle()
        handle.wait_until(lambda s, _: handle.config == setup and bool(s.run_id), timeout=60)
        show(app, "hidden")
        gru, lstm = zh("editor_kind_gru"), zh("editor_kind_lstm")
        assert app.selectbox(key="seq_layer_zh").options == [
            f"1. {gru} · 4 个单元 · 第 1 层 · 正向",
            f"1. {gru} · 4 个单元 · 第 1 层 · 反向",
            f"1. {gru} · 4 个单元 · 第 2 层 · 正向",
            f"1. {gru} · 4 个单元 · 第 2 层 · 反向",
            f"2. {lstm} · 3 个单元",
        ]
        hidden = next(panel for panel in page_frame(handle)["pictures"]["panels"] if panel["kind"] == "grid")
        assert hidden["heading"].startswith(f"1. {gru} · 第 1 层 · 正向")
        assert english_leaks(page_texts(app)) == [] and latin_leaks(app) == []


# The engine helpers the page calls -------------------------------------------------------------------------------


def test_each_dataset_opens_with_its_preset():
    presets = {dataset: kind_of(dataset).preset for dataset in choices.DATASET_CHOICES}
    assert presets == {
        "seed_sequences": "seed-lstm",
        "sine": "sine-lstm",
        "adding": "adding-lstm",
        TEXT: "text-lstm",
        SERIES_UPLOAD: None,  # an upload borrows the seed LSTM's training setup
    }
    for dataset, name in presets.items():
        if name is None:
            continue
        data = choices.data_config(dataset)
        assert data == load_preset(name).data
        assert choices.initial_layers(data) == [layer.model_dump() for layer in load_preset(name).model.layers]
    assert choices.data_config("sine", frequency=9).frequency == 9
    assert choices.default_training(TEXT)["metric"] == "auto"  # mae measures values, not characters
    assert choices.default_training("adding")["metric"] == "mae"


def test_a_stored_series_config_refuses_a_window_longer_than_the_series():
    sha = choices.stored_series(series_csv(), "load")
    assert choices.stored_series(series_csv(), "load") == sha  # the same series, the same name
    data = choices.data_config(SERIES_UPLOAD, sha, n_points=5_000, steps=30, noise=20, train_share=75)
    assert (data.upload, data.steps, data.train_share, data.noise) == (sha, 30, 75, 0)
    layers = choices.initial_layers(data)
    config = RunConfig.from_dict({"data": data.model_dump(), "model": {"layers": layers}})
    assert config.input_shape == (30, 2) and config.output_size == 1
    with pytest.raises(ValidationError, match="windows of 170 steps need more rows"):
        choices.data_config(SERIES_UPLOAD, sha, steps=170)
    with pytest.raises(UploadError):
        choices.stored_series(b"a,b\n1,x\n2,y\n", "a")


def test_race_configs_share_data_and_units_and_stop_by_themselves():
    configs = choices.race_configs(steps=80, units=16)
    assert [config.model.layers[0].kind for config in configs.values()] == ["rnn", "lstm"]
    assert configs["rnn"].data == configs["lstm"].data and configs["rnn"].data.steps == 80
    assert all(config.model.layers[0].units == 16 and config.training.stop_at_epochs for config in configs.values())


def test_recurrent_runs_follow_the_hidden_probes_order():
    config = RunConfig.from_dict(
        {
            "data": {"dataset": "adding", "n_points": 200, "steps": 10},
            "model": {
                "layers": [
                    {"kind": "gru", "units": 4, "num_layers": 2, "bidirectional": True, "return_sequences": True},
                    {"kind": "rnn", "units": 3},
                    {"kind": "dense", "units": 1},
                ]
            },
        }
    )
    assert choices.recurrent_runs(config) == [
        (0, 0, "forward"),
        (0, 0, "backward"),
        (0, 1, "forward"),
        (0, 1, "backward"),
        (1, 0, "forward"),
    ]


def test_the_data_summary_scores_a_network_that_ignores_the_input():
    from playground.data.registry import load_dataset

    data = choices.data_config("adding", n_points=300, steps=12)
    dataset = load_dataset(data)
    summary = sequence_summary.data_summary(dataset)
    expected = np.sqrt(np.mean((dataset.y_test - dataset.y_train.mean()) ** 2))
    assert summary.baseline == pytest.approx(expected)
    assert summary.first_inputs.shape == (12, 2) and summary.series is None
    sine = load_dataset(choices.data_config("sine", n_points=300, steps=12))
    series = sequence_summary.data_summary(sine).series
    # the first window, then every next target of the training part in time order (240 of 300 windows train)
    assert series is not None and len(series) == 12 + 240
    np.testing.assert_allclose(series[:12], sine.x_train[0, :, 0])
    np.testing.assert_allclose(series[12:], sine.y_train.reshape(-1))
    np.testing.assert_allclose(series[12:24], sine.x_train[12, :, 0])  # windows slide by one step


def built_configs(monkeypatch) -> list:
    """The data configs the page builds (``load_dataset`` still runs; it is only watched), its summaries uncached."""
    built = []

    def watched(config):
        built.append(config)
        return load_dataset(config)

    monkeypatch.setattr(data_panel, "load_dataset", watched)
    data_panel._summary_of.clear()
    return built


def test_the_summary_of_big_data_is_built_from_a_small_copy(monkeypatch):
    """The preview and the baseline must not build 20,000 sequences in the server on every slider move: big sets are
    summarised from a copy of at most SUMMARY_VALUES values, and then the baseline says it is an estimate."""
    built = built_configs(monkeypatch)
    t = translator("en")
    big = choices.data_config("adding", n_points=20_000, steps=400)
    shown = data_panel.summary(big)
    assert [config.n_points * config.steps * 2 <= sequence_summary.SUMMARY_VALUES for config in built] == [True]
    assert built[0].model_dump(exclude={"n_points"}) == big.model_dump(exclude={"n_points"})
    assert not shown.exact and shown.sequences == built[0].n_points
    assert views.baseline_label(t, shown, "regression") == (
        f"about: always the mean (estimated on {shown.sequences:,} sequences)"
    )
    full = sequence_summary.data_summary(load_dataset(big))
    assert shown.baseline == pytest.approx(full.baseline, rel=0.1)  # a fair estimate
    assert shown.first_inputs.shape == (400, 2)

    sine = choices.data_config("sine", n_points=20_000, steps=400)
    full = sequence_summary.data_summary(load_dataset(sine))
    np.testing.assert_array_equal(data_panel.summary(sine).series, full.series)  # the series' start, exactly

    built.clear()  # a set within the limit is summarised exactly: the data the worker trains on
    seed = choices.data_config("seed_sequences")
    shown = data_panel.summary(seed)
    assert built == [seed] and shown.exact and shown.sequences == seed.n_points
    full = sequence_summary.data_summary(load_dataset(seed))
    assert shown.baseline == full.baseline and np.array_equal(shown.first_inputs, full.first_inputs)
    assert views.baseline_label(t, shown, "regression") == EN["seq_baseline_mean"]


def test_an_uploads_summary_needs_only_the_series_and_equals_its_full_data(monkeypatch):
    """An upload's windows (rows x steps x columns) are left to the worker; the page reads the series itself and
    finds the same targets, standardisation and baseline, also for a long series whose windows are thinned."""
    built = built_configs(monkeypatch)
    long_rows = MAX_SERIES_WINDOWS + 600  # windows of 2 steps: every second one is kept
    for rows, steps in ((160, 20), (long_rows, 2)):
        sha = choices.stored_series(series_csv(rows), "temperature")
        data = choices.data_config(SERIES_UPLOAD, sha, steps=steps, train_share=75)
        shown = data_panel.summary(data)
        assert built == []
        full = sequence_summary.data_summary(load_dataset(data))
        assert shown.exact and shown.feature_names == full.feature_names == ("temperature", "load")
        assert shown.baseline == pytest.approx(full.baseline, rel=1e-5)
        assert shown.first_target == pytest.approx(full.first_target, rel=1e-5)
        np.testing.assert_allclose(shown.first_inputs, full.first_inputs, rtol=1e-5, atol=1e-6)
        assert (shown.series is None) == (full.series is None) == (rows == long_rows)
        if shown.series is not None:
            np.testing.assert_allclose(shown.series, full.series, rtol=1e-5, atol=1e-6)


def test_feature_and_layer_names_are_shown_in_the_pages_language():
    zh = translator("zh")
    assert [data_panel.feature_label(zh, "adding", name) for name in ("value", "marker")] == ["值", "标记"]
    assert data_panel.feature_label(zh, "seed_sequences", "f12") == "特征 12"
    assert data_panel.feature_label(zh, SERIES_UPLOAD, "value") == "value"  # the user's own column stays
    config = small_setup(
        "adding",
        [{"kind": "rnn", "units": 5, "num_layers": 3, "bidirectional": True}, {"kind": "dense", "units": 1}],
    )
    en = translator("en")
    assert choices.layer_label(en, config, (0, 2, "backward")) == "1. SimpleRNN · 5 units · depth 3 · backward"
    assert choices.layer_label(zh, config, (0, 0, "forward"), units=False) == "1. 简单 RNN · 第 1 层 · 正向"


def test_charts_draw_the_probes_they_are_given():
    probe = {"true": np.array([1.0, 2.0, 3.0], np.float32), "predicted": np.array([1.0, 2.0, 5.0], np.float32)}
    scores = sequence_charts.errors(probe)
    assert scores["network"] == pytest.approx(np.sqrt(4 / 3)) and scores["mean"] == pytest.approx(np.sqrt(2 / 3))
    (scatter,) = _prediction_panels({"predictions": probe}, translator("en"), False)
    assert scatter["baseline"] == {"y": 2.0, "label": EN["seq_baseline_mean"]}  # the mean predictor's line
    assert scatter["caption"] == EN["seq_scatter_caption"].format(network="1.155", mean="0.816")
    memory = {"gradient": np.array([0.0, 0.1, 0.2, 0.7], np.float32), "steps": 4, "reach": 2}
    (bars,) = _memory_panels({"memory": memory}, translator("en"), True)
    assert bars["kind"] == "columns" and bars["log"] and bars["values"] == [0.0, 0.1, 0.2, 0.7]
    assert bars["shade"] == {"from": 3, "label": EN["seq_memory_reach_label"]}  # the last two steps shaded
    assert bars["caption"] == EN["seq_memory_reach"].format(reach=2, steps=4)
    (unreached,) = _memory_panels({"memory": {**memory, "reach": 0}}, translator("en"), False)
    assert unreached["shade"] is None and not unreached["log"]
    html = sequence_charts.text_html("<b>old", "new\n", "x")
    assert "&lt;b&gt;old" in html and "new\n" in html and "pre-wrap" in html


def test_the_device_choice_is_offered_where_runs_can_train_on_a_gpu(page, monkeypatch):
    import torch

    from playground.train.ray_backend import GPUS_ENV, RAY_ADDRESS_ENV

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not [box for box in page.selectbox if (box.key or "").startswith("seq_device")]
    monkeypatch.setenv(RAY_ADDRESS_ENV, "ray://head:10001")  # runs on a Ray cluster, each actor with a GPU share
    monkeypatch.setenv(GPUS_ENV, "0.5")
    ok(page.run())
    device = page.selectbox(key="seq_device_en")
    assert device.options == ["CPU", "GPU (CUDA)"] and device.value == "cpu"
    ok(device.set_value("cuda").run())
    assert page_handle().config.training.device == "cuda"
    monkeypatch.setenv(GPUS_ENV, "0")  # a cluster without GPUs: no choice, and the runs train on CPUs
    ok(page.run())
    assert not [box for box in page.selectbox if (box.key or "").startswith("seq_device")]
    assert page_handle().config.training.device == "cpu"
