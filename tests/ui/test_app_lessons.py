"""Lessons under Streamlit's AppTest, with the pages' real workers: a lesson link opens its page with the setup,
hidden and locked controls and the panel; the check passes on the live run and stays passed; the quiz answers;
progress shows on the Lessons page; bad lessons are refused in one line; both languages."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from playground.lessons import Lesson, LessonStep, LessonTask, shipped_lesson, shipped_lessons, text_in
from tests import ROOT
from tests.apptest_session import (
    EN,
    PLAYGROUND_2D,
    ZH,
    app_session,
    english_leaks,
    live_handles,
    page_config,
    page_texts,
    run_button,
)

LESSONS_PAGE = str(ROOT / "pages" / "lessons.py")
#: Training the neuron lesson's one neuron to its check at a learning rate of 0.3 takes a few epochs.
TRAIN_TIMEOUT_S = 60


def panel_texts(app: AppTest) -> list[str]:
    return [node.value for node in app.sidebar.markdown]


def panel_step(app: AppTest) -> str:
    bars = app.sidebar.get("progress")
    assert len(bars) == 1
    return bars[0].proto.text


def next_step(app: AppTest, times: int = 1) -> None:
    for _ in range(times):
        app.sidebar.button(key="lesson_next").click().run()
        assert not app.exception, app.exception


def test_a_lesson_link_opens_its_page_with_the_setup_hidden_and_locked_controls_and_the_panel():
    lesson = shipped_lesson("neuron")
    assert lesson is not None
    with app_session(PLAYGROUND_2D, {"lesson": "neuron"}, navigation=True) as app:
        assert page_config(app).model_dump(exclude={"name"}) == lesson.setup().model_dump(exclude={"name"})
        labels = [widget.label for widget in app.selectbox] + [widget.label for widget in app.select_slider]
        assert EN["problem"] not in labels and EN["regularization"] not in labels  # hidden by the lesson
        assert EN["learning_rate"] in labels  # the hints need it
        hidden_layers = next(widget for widget in app.number_input if widget.label == EN["hidden_layers"])
        assert hidden_layers.disabled and hidden_layers.value == 0  # locked: shown, greyed out
        assert next(widget for widget in app.radio if widget.label == EN["dataset"]).disabled
        assert panel_texts(app)[0] == f"**:material/school: {text_in(lesson.title, 'en')}**"
        assert panel_step(app) == "Step 1 of 5"
        assert text_in(lesson.steps[0].text, "en") in panel_texts(app)
        assert [formula.value for formula in app.sidebar.latex] == [f"$$\n{lesson.steps[0].latex}\n$$"]
        next_step(app, 2)
        assert panel_step(app) == "Step 3 of 5"
        app.sidebar.button(key="lesson_back").click().run()
        assert panel_step(app) == "Step 2 of 5"
        app.select_slider(key="2d_learning_rate").set_value(0.3).run()
        app.sidebar.button(key="lesson_restart").click().run()  # the lesson's setup and its first step again
        assert not app.exception, app.exception
        assert page_config(app).training.learning_rate == 0.003 and panel_step(app) == "Step 1 of 5"
        app.sidebar.button(key="lesson_close").click().run()
        assert not app.sidebar.get("progress")  # closed: the page stays as it is, without the panel
        assert page_config(app).data.dataset == "gauss"


def test_the_check_passes_on_the_live_run_stays_passed_and_the_lessons_page_counts_it():
    with app_session(PLAYGROUND_2D, {"lesson": "neuron"}, navigation=True) as app:
        next_step(app, 3)
        texts = panel_texts(app)
        assert any("test loss below 0.05 (now not measured yet)" in text for text in texts), texts
        assert [expander.label for expander in app.sidebar.expander] == ["Hint 1", "Hint 2"]
        app.select_slider(key="2d_learning_rate").set_value(0.3).run()  # hint 2
        run_button(app, "2d", "play").click().run()
        handle = next(iter(live_handles()))
        handle.wait_until(lambda latest, rows: bool(rows) and rows[-1]["test_loss"] < 0.05, TRAIN_TIMEOUT_S)
        app.run()
        assert [alert.value for alert in app.sidebar.success] == [EN["lesson_check_passed"]]
        assert panel_step(app) == "Step 4 of 5 · Check passed"
        run_button(app, "2d", "play").click().run()  # pause, then start again: the check stays passed
        run_button(app, "2d", "reset").click().run()
        assert [alert.value for alert in app.sidebar.success] == [EN["lesson_check_passed"]]
        app.switch_page("pages/lessons.py")
        app.run()
        assert not app.exception, app.exception
        total = len(shipped_lessons())
        assert app.get("progress")[0].proto.text == EN["lessons_progress"].format(done=1, total=total)
        card = next(text for text in (node.value for node in app.markdown) if "What one neuron computes" in text)
        assert EN["lesson_passed"] in card


def test_the_quiz_says_right_or_wrong_and_explains():
    lesson = shipped_lesson("neuron")
    assert lesson is not None and lesson.quiz is not None
    with app_session(PLAYGROUND_2D, {"lesson": "neuron"}, navigation=True) as app:
        next_step(app, 4)
        quiz = app.sidebar.radio[0]
        assert quiz.options == [text_in(option, "en") for option in lesson.quiz.options] and quiz.value is None
        quiz.set_value(2).run()
        assert [alert.value for alert in app.sidebar.error] == [EN["lesson_quiz_wrong"]]
        assert text_in(lesson.quiz.explanation, "en") in panel_texts(app)
        app.sidebar.radio[0].set_value(lesson.quiz.answer).run()
        assert [alert.value for alert in app.sidebar.success] == [EN["lesson_quiz_right"]]
        assert app.sidebar.button(key="lesson_next").disabled  # the last step


def test_a_lesson_inside_a_link_opens_on_a_free_stack_page_and_checks_its_run():
    lesson = Lesson(
        id="digits-quick",
        title={"en": "Digits", "zh": "数字"},
        page="cnn",
        preset="digits-cnn",
        steps=[LessonStep(text="Look at the filters.")],
        task=LessonTask(text="Train.", check=[{"measure": "epoch", "at_least": 1}]),
    )
    with app_session(str(ROOT / "pages" / "convolutions.py"), {"lesson_data": lesson.to_url_param()}, True) as app:
        assert app.selectbox(key="cnn_dataset_en").value == "digits"
        assert panel_texts(app)[0] == "**:material/school: Digits**"
        next_step(app)
        run_button(app, "cnn", "play").click().run()
        next(iter(live_handles())).wait_until(lambda latest, rows: len(rows) >= 1, TRAIN_TIMEOUT_S)
        app.run()
        assert [alert.value for alert in app.sidebar.success] == [EN["lesson_check_passed"]]


def test_bad_lesson_links_warn_in_one_line_and_the_page_opens_as_it_is():
    with app_session(PLAYGROUND_2D, {"lesson_data": "not-a-lesson"}) as app:
        warnings = [alert.value for alert in app.warning]
        assert any(text.startswith("This lesson cannot be opened: the link's lesson is damaged") for text in warnings)
        assert not app.sidebar.get("progress") and page_config(app).data.dataset == "circle"
    with app_session(PLAYGROUND_2D, {"lesson": "no-such-lesson"}) as app:
        assert "This lesson cannot be opened: lesson: there is no lesson 'no-such-lesson'" in [
            alert.value for alert in app.warning
        ]


def test_another_page_shows_the_way_back_to_the_open_lesson():
    with app_session(PLAYGROUND_2D, {"lesson": "neuron"}, navigation=True) as app:
        app.switch_page("pages/home.py")
        app.run()
        assert EN["lesson_elsewhere"].format(title="What one neuron computes") in [
            node.value for node in app.sidebar.caption
        ]
        back = [node for node in app.sidebar.get("page_link") if node.proto.label == EN["lesson_go_back"]]
        assert len(back) == 1 and back[0].proto.page == "playground_2d"


def test_the_lessons_page_lists_every_lesson_by_topic_and_opens_one():
    lessons = shipped_lessons()
    with app_session(LESSONS_PAGE, navigation=True) as app:
        cards = [block for block in app.main if (getattr(block, "key", None) or "").startswith("lesson_card_")]
        assert len(cards) == len(lessons)
        topics = [node.value for node in app.subheader]
        assert topics[0] == EN[f"lesson_topic_{lessons[0].topic}"] and topics[-1] == EN["lessons_own_title"]
        app.button(key="lesson_open_neuron").click().run()
        assert not app.exception, app.exception
        assert [node.value for node in app.title] == [EN["page_2d_title"]]
        assert panel_step(app) == "Step 1 of 5"


def test_the_lessons_and_the_panel_in_chinese_have_no_english_left():
    with app_session(LESSONS_PAGE, {"lang": "zh"}) as app:
        assert english_leaks(page_texts(app)) == []
        assert ZH["lessons_title"] in [node.value for node in app.title]
    with app_session(PLAYGROUND_2D, {"lesson": "neuron", "lang": "zh"}) as app:
        next_step(app, 3)
        texts = panel_texts(app) + [expander.label for expander in app.sidebar.expander]
        assert english_leaks(texts) == [] and "提示 1" in texts
        assert any("测试损失 低于 0.05" in text for text in texts), texts


def test_the_home_page_and_the_downloads_lead_to_lessons():
    with app_session(str(ROOT / "pages" / "home.py"), navigation=True) as app:
        links = [node for node in app.get("page_link") if node.proto.label == EN["home_lessons_link"]]
        assert len(links) == 1 and links[0].proto.page == "lessons"
    for page in ("playground_2d", "learning", "why"):
        with app_session(str(ROOT / "pages" / f"{page}.py")) as app:
            assert EN["download_lesson"] in [button.label for button in app.get("download_button")], page


def test_in_presenter_mode_the_panel_leads_the_page_instead_of_the_hidden_sidebar():
    with app_session(PLAYGROUND_2D, {"lesson": "neuron", "present": "1"}, navigation=True) as app:
        main_blocks = [block.key for block in app.main if getattr(block, "key", None)]
        assert "lesson_panel" in main_blocks and not app.sidebar.get("progress")
        assert [bar.proto.text for bar in app.main.get("progress")][:1] == ["Step 1 of 5"]
