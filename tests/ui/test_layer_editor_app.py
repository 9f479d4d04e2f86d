"""The layer-stack editor under Streamlit's AppTest, on a small page around it (seed dataset: 100 inputs, binary)."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground.i18n import translator
from tests.apptest_session import editor_button

PAGE = str(Path(__file__).resolve().parent / "pages" / "editor_page.py")
SEED = [
    {"kind": "dense", "units": 64, "activation": "relu"},
    {"kind": "dense", "units": 32, "activation": "relu"},
    {"kind": "dense", "units": 1, "activation": "sigmoid"},
]


@pytest.fixture
def page():
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run()
    assert not app.exception
    return app


def edited(app: AppTest):
    assert not app.exception
    return app.session_state["edited"]


def titles(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown if m.value.startswith("**")]


def total(app: AppTest) -> str:
    return app.text[0].value


def test_opens_with_the_initial_stack_live_shapes_and_summary(page):
    result = edited(page)
    assert result.layers == SEED and result.error is None and result.failing_index is None
    assert total(page) == "total params: 8577"
    assert titles(page) == ["**1. Dense(64, relu)**", "**2. Dense(32, relu)**", "**3. Dense(1, sigmoid)**"]
    assert [c.value for c in page.caption][:3] == [
        "Output shape (64,) · 6,464 parameters",
        "Output shape (32,) · 2,080 parameters",
        "Output shape (1,) · 33 parameters",
    ]
    assert any("Total params: 8,577" in m.value and "Non-trainable params: 0" in m.value for m in page.markdown)
    assert not any("Recurrent layers" in c.value for c in page.caption)  # said only where a recurrent layer is
    assert [tab.label for tab in page.tabs] == ["Summary", "Diagram"]
    assert editor_button(page, "ed_undo").disabled  # nothing to take back yet
    assert not page.button(key="train").disabled


def test_add_a_layer_at_the_end(page):
    page.selectbox(key="ed_new_kind_en").set_value("dropout").run()
    editor_button(page, "ed_add").click().run()
    assert edited(page).layers[-1] == {"kind": "dropout", "rate": 0.2}
    # a dropout after the sigmoid changes no shape, but the network no longer ends with sigmoid: still valid
    assert titles(page)[-1] == "**4. Dropout(0.2)**"


def test_remove_marks_the_failing_row_and_disables_train(page):
    editor_button(page, "ed_2_remove").click().run()
    result = edited(page)
    assert result.layers == SEED[:2]
    assert result.config is None and result.failing_index == 1
    assert "model.layers[1] Dense(32, relu)" in result.error
    assert [e.value for e in page.error] == [
        "This layer cannot run: the network ends with shape (32,), but a binary task on seed_ffn needs 1 output"
    ]
    assert page.button(key="train").disabled
    assert total(page) == "total params: -"
    styles = [element.proto.body for element in page.get("html") if "border" in element.proto.body]
    assert styles == ["<style>.st-key-ed_row_1 {border: 2px solid #dc2626 !important;}</style>"]  # red outline
    assert editor_button(page, "ed_1_remove").proto.icon == ":material/delete:"
    # the icon alone shows; the button's name is there for screen readers, hidden from sight by the rows' style
    assert editor_button(page, "ed_1_remove").label == "Remove"
    assert any("[class*='st-key-ed_row_'] button" in element.proto.body for element in page.get("html"))


def test_reorder_keeps_each_rows_widgets(page):
    editor_button(page, "ed_2_move_up").click().run()
    assert [layer["units"] for layer in edited(page).layers] == [64, 1, 32]
    assert edited(page).failing_index == 2  # now ends with 32 units
    assert page.number_input(key="ed_2_units").value == 1  # the widget moved with its layer (id 2)
    editor_button(page, "ed_2_move_down").click().run()
    assert edited(page).layers == SEED and edited(page).config is not None
    assert editor_button(page, "ed_0_move_up").disabled and editor_button(page, "ed_2_move_down").disabled


def test_edit_units_and_activation_update_shapes_and_params(page):
    page.number_input(key="ed_0_units").set_value(10).run()
    page.selectbox(key="ed_1_activation").set_value("tanh").run()
    assert edited(page).layers[:2] == [
        {"kind": "dense", "units": 10, "activation": "relu"},
        {"kind": "dense", "units": 32, "activation": "tanh"},
    ]
    assert total(page) == f"total params: {101 * 10 + 11 * 32 + 33}"
    assert titles(page)[1] == "**2. Dense(32, tanh)**"
    assert page.caption[0].value == "Output shape (10,) · 1,010 parameters"


def test_insert_duplicate_and_settings_of_other_kinds(page):
    page.selectbox(key="ed_new_kind_en").set_value("dropout").run()
    editor_button(page, "ed_0_insert_below").click().run()
    assert edited(page).layers[1] == {"kind": "dropout", "rate": 0.2}
    page.number_input(key="ed_3_rate").set_value(0.5).run()
    page.selectbox(key="ed_new_kind_en").set_value("batchnorm").run()
    editor_button(page, "ed_0_insert_above").click().run()
    editor_button(page, "ed_1_duplicate").click().run()
    layers = edited(page).layers
    assert [layer["kind"] for layer in layers] == ["batchnorm", "dense", "dropout", "dense", "dense", "dense"]
    assert layers[2]["rate"] == 0.5 and layers[3] == layers[4] == SEED[1]
    assert page.number_input(key="ed_5_units").value == 32  # the copy (id 5) starts with its original's settings
    assert edited(page).config is not None
    assert total(page) == f"total params: {2 * 100 + 101 * 64 + 65 * 32 + 33 * 32 + 33}"  # batch norm: 2 per feature


def test_undo_takes_back_each_change_in_turn(page):
    page.number_input(key="ed_0_units").set_value(5).run()
    editor_button(page, "ed_1_remove").click().run()
    assert [layer["units"] for layer in edited(page).layers] == [5, 1]
    editor_button(page, "ed_undo").click().run()
    assert [layer["units"] for layer in edited(page).layers] == [5, 32, 1]
    editor_button(page, "ed_undo").click().run()
    assert edited(page).layers == SEED
    assert page.number_input(key="ed_0_units").value == 64  # the widget shows the restored value
    assert editor_button(page, "ed_undo").disabled


def test_template_replaces_the_stack_and_undo_brings_it_back(page):
    page.selectbox(key="ed_template_en").set_value("deep-dropout").run()
    editor_button(page, "ed_use_template").click().run()
    result = edited(page)
    assert [layer["kind"] for layer in result.layers] == ["dense", "dropout"] * 3 + ["dense"]
    assert result.config is not None and total(page) == f"total params: {101 * 64 + 2 * 65 * 64 + 65}"
    editor_button(page, "ed_undo").click().run()
    assert edited(page).layers == SEED


def test_the_template_box_says_custom_once_the_stack_is_no_longer_the_template(page):
    def shown() -> str:
        box = page.selectbox(key="ed_template_en")
        return box.options[box.index]

    page.selectbox(key="ed_template_en").set_value("deep-dropout").run()
    editor_button(page, "ed_use_template").click().run()
    name = shown()
    assert "(custom)" not in name
    page.button(key=[b.key for b in page.button if re.search(r"_remove_r\d+$", b.key)][1]).click().run()  # a dropout
    assert shown() == f"{name} (custom)"
    assert [option for option in page.selectbox(key="ed_template_en").options if "(custom)" in option] == [shown()]
    editor_button(page, "ed_undo").click().run()
    assert shown() == name  # the template's stack again


def test_empty_stack_is_reported_without_a_row(page):
    for _ in range(3):
        page.button(key=[b.key for b in page.button if re.search(r"_remove_r\d+$", b.key)][0]).click().run()
    result = edited(page)
    assert result.layers == [] and result.config is None and result.failing_index is None
    assert "model.layers" in result.error
    assert [e.value for e in page.error] == [f"The network cannot run: {result.error}"]
    assert page.info[0].value == "The stack is empty: add a layer or use a template."
    assert page.button(key="train").disabled


def test_chinese_labels_and_a_flatten_row():
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["lang"] = "zh"
    app.run()
    app.selectbox(key="ed_new_kind_zh").set_value("flatten").run()
    editor_button(app, "ed_0_insert_above").click().run()
    assert edited(app).config is not None  # flatten of a vector is the same vector
    app.number_input(key="ed_0_units").set_value(3).run()
    assert edited(app).layers[1]["units"] == 3
    assert app.caption[0].value == "输出形状 (100,) · 0 个参数"
    assert app.tabs[0].label == "摘要"


def sequence_page(dataset: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["dataset"] = dataset
    app.run()
    assert not app.exception
    return app


def test_sequences_offer_recurrent_kinds_and_show_the_seed_lstm_before_training():
    page = sequence_page("seed_sequences")
    kinds = ["rnn", "lstm", "gru", "dense", "dropout", "activation", "flatten", "batchnorm"]
    t = translator("en")
    assert page.selectbox(key="ed_new_kind_en").options == [t(f"editor_kind_{kind}") for kind in kinds]
    assert titles(page) == ["**1. LSTM(64)**", "**2. Dense(1, linear)**"]
    assert [c.value for c in page.caption][:2] == [
        "Output shape (64,) · 19,456 parameters",
        "Output shape (1,) · 65 parameters",
    ]
    assert total(page) == "total params: 19521"
    assert any("Total params: 19,521" in m.value for m in page.markdown)
    assert "Recurrent layers keep PyTorch's counts: two bias vectors per gate, where Keras has one." in [
        c.value for c in page.caption
    ]
    templates = page.selectbox(key="ed_template_en").options
    assert templates[0].startswith("Seed article's LSTM") and len(templates) == 5  # the sequence templates only
    # the recurrent settings: units, stacked layers, and two checkboxes
    assert page.number_input(key="ed_0_units").value == 64 and page.number_input(key="ed_0_num_layers").value == 1
    assert page.checkbox(key="ed_0_bidirectional").value is False
    page.checkbox(key="ed_0_bidirectional").check().run()
    assert edited(page).layers[0]["bidirectional"] is True
    assert titles(page)[0] == "**1. LSTM(64, bidirectional)**"
    assert page.caption[0].value == "Output shape (128,) · 38,912 parameters"
    page.checkbox(key="ed_0_return_sequences").check().run()  # every step reaches the dense: (100, 1) per step
    assert page.caption[1].value == "Output shape (100, 1) · 129 parameters"
    assert edited(page).failing_index == 1 and page.button(key="train").disabled
    editor_button(page, "ed_undo").click().run()
    page.number_input(key="ed_0_num_layers").set_value(2).run()
    assert page.caption[0].value == f"Output shape (128,) · {38_912 + 2 * 4 * (128 * 64 + 64 * 64 + 128):,} parameters"
    assert edited(page).config is not None


def test_a_new_lstm_row_has_its_settings_on_a_second_line():
    page = sequence_page("seed_sequences")
    page.selectbox(key="ed_new_kind_en").set_value("gru").run()
    editor_button(page, "ed_0_insert_above").click().run()
    assert edited(page).layers[0] == {
        "kind": "gru",
        "units": 32,
        "num_layers": 1,
        "bidirectional": False,
        "return_sequences": False,
    }
    # a GRU handing on its last step cannot feed the LSTM: the row says why
    assert edited(page).failing_index == 1 and "LSTM(64) needs sequences (steps, features)" in edited(page).error
    page.checkbox(key="ed_2_return_sequences").check().run()
    assert edited(page).config is not None
    assert page.caption[0].value == f"Output shape (100, 32) · {3 * (10 * 32 + 32 * 32 + 64):,} parameters"


def test_batchnorm_on_a_sequence_names_the_layer_and_says_what_to_do():
    page = sequence_page("seed_sequences")
    page.checkbox(key="ed_0_return_sequences").check().run()
    page.selectbox(key="ed_new_kind_en").set_value("batchnorm").run()
    editor_button(page, "ed_0_insert_below").click().run()
    result = edited(page)
    assert result.failing_index == 1 and result.error.startswith("model.layers[1] BatchNorm: ")
    message = page.error[0].value
    assert message.startswith("This layer cannot run: ") and "(100, 64)" in message and "flatten" in message


def test_text_starts_new_embeddings_with_the_texts_characters_and_fits_templates():
    page = sequence_page("text")
    characters = page.session_state["edited"].layers[-1]["units"]  # the page's output: one logit per character
    options = page.selectbox(key="ed_new_kind_en").options
    assert options[0] == translator("en")("editor_kind_embedding") and len(options) == 9  # embedding + sequence kinds
    assert page.selectbox(key="ed_new_kind_en").value == "embedding"
    editor_button(page, "ed_0_insert_above").click().run()
    assert edited(page).layers[0] == {"kind": "embedding", "vocab_size": characters, "dim": 16}
    assert page.number_input(key="ed_1_vocab_size").value == characters
    assert page.number_input(key="ed_1_dim").value == 16
    page.selectbox(key="ed_template_en").set_value("char-lstm").run()
    editor_button(page, "ed_use_template").click().run()
    result = edited(page)
    assert [layer["kind"] for layer in result.layers] == ["embedding", "lstm", "dense"]
    assert result.layers[0]["vocab_size"] == characters and result.layers[-1]["units"] == characters
    assert result.config is not None


def _press_twice() -> None:
    """Deliver one press of each row button twice, as Streamlit does when a timed fragment rerun carries a press
    that is then sent again on its own: both deliveries carry the revision the button was drawn for."""
    import streamlit as st

    from playground.layer_stack import EditorState
    from playground.ui import layer_editor

    st.session_state["ed_new_kind"] = "dropout"
    state = st.session_state.setdefault("ed_state", EditorState.start([{"kind": "dense", "units": 4}] * 3))
    presses = [
        (layer_editor._insert, (state.ids[0], True, None)),
        (layer_editor._duplicate, (state.ids[0],)),
        (layer_editor._move, (state.ids[0], 1)),
        (layer_editor._remove, (state.ids[0],)),
    ]
    counts = []
    for callback, args in presses:
        drawn_for = state.revision
        for _ in range(2):
            callback("ed", drawn_for, *args)
        counts.append((len(state.layers), state.revision))
    layer_editor._edit("ed", 999, "units")  # a setting of a row that is gone: ignored
    st.session_state["counts"] = counts


def test_a_press_delivered_twice_changes_the_stack_once():
    app = AppTest.from_function(_press_twice, default_timeout=60)
    app.run()
    assert not app.exception
    # insert: 4 layers, duplicate: 5, move: 5, remove: 4; one revision each
    assert app.session_state["counts"] == [(4, 1), (5, 2), (5, 3), (4, 4)]
