"""Lesson files: what the schema refuses (in one line naming the field), how a check reads a run, the link that
carries a lesson, the answer key, and the command line that lists and checks lessons."""

from __future__ import annotations

import json

import pytest

from playground.config import RunConfig
from playground.lessons import (
    MAX_LESSON_BYTES,
    Condition,
    LessonError,
    LessonSolution,
    RunState,
    lesson_from_json,
    lesson_from_setup,
    lesson_from_url_param,
    read_lesson_file,
    shipped_lesson,
    solve,
    text_in,
)
from playground.limits import limits
from playground.presets import load_preset
from tests.cli_runner import run_cli


def minimal(**changes) -> dict:
    lesson = {"id": "mine", "title": "Mine", "page": "2d", "preset": "circle", "steps": [{"text": "Look."}]}
    return {**lesson, **changes}


def refusal(data: dict) -> str:
    with pytest.raises(LessonError) as caught:
        lesson_from_json(json.dumps(data))
    return str(caught.value)


def test_a_minimal_lesson_opens_its_preset():
    lesson = lesson_from_json(json.dumps(minimal()))
    assert lesson.setup() == load_preset("circle") and lesson.task is None


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"title": None}, "title"),
        ({"colour": "red"}, "colour"),
        ({"page": "nowhere"}, "page"),
        ({"hide": ["learning_rate", "the_sun"]}, "the_sun"),
        ({"lock": ["step"]}, "lock: 'step' is no control of the 2d page"),
        ({"page": "learn", "lock": ["step"]}, "lock: only the 2d page greys controls out"),
        ({"preset": "seed-cnn"}, "opens on the cnn page"),
        ({"preset": None}, "needs either preset or config"),
        ({"preset": "no-such-preset"}, "no-such-preset"),
        ({"id": "Spaces are not ids"}, "id"),
        ({"title": {"fr": "Le neurone"}}, "unknown language 'fr'"),
        ({"steps": []}, "steps"),
        ({"quiz": {"question": "?", "options": ["a", "b"], "answer": 2, "explanation": "."}}, "answer 2 names no"),
    ],
)
def test_bad_lessons_are_refused_in_one_line_naming_the_field(changes, names):
    reason = refusal(minimal(**changes))
    assert names in reason and "\n" not in reason, reason


def test_a_teachers_link_becomes_the_setup_and_its_hidden_and_locked_controls():
    config = load_preset("xor")
    link = f"http://school.example/playground_2d?config={config.to_url_param()}&hide=problem,dataset&lock=noise"
    lesson = lesson_from_json(json.dumps(minimal(preset=None, link=link)))
    assert lesson.setup() == config and lesson.hide == ["problem", "dataset"] and lesson.lock == ["noise"]
    assert "link: the address holds no ?config= setup" in refusal(minimal(preset=None, link="/playground_2d"))
    assert "link: the link's config is damaged" in refusal(minimal(preset=None, link="/x?config=zzz"))


def test_a_2d_lesson_must_end_with_the_output_layer_the_page_adds():
    config = load_preset("circle").model_dump(mode="json")
    config["model"]["layers"][-1]["activation"] = "linear"
    assert "ends a binary network with Dense(1, sigmoid)" in refusal(minimal(preset=None, config=config))


def test_a_condition_has_one_comparison_that_fits_its_measure():
    task = {"text": "t", "check": [{"measure": "test_loss", "below": 0.1, "above": 0.0}]}
    assert "exactly one comparison, not 2" in refusal(minimal(task=task))
    task = {"text": "t", "check": [{"measure": "activation", "below": 0.1}]}
    assert "activation cannot be compared with below; use equals, one_of" in refusal(minimal(task=task))
    task = {"text": "t", "check": [{"measure": "wisdom", "at_least": 1}]}
    assert "task.check[0].measure: must be" in refusal(minimal(task=task))


def test_files_and_links_over_their_limits_are_refused_before_parsing():
    padded = json.dumps(minimal(summary="x" * MAX_LESSON_BYTES))
    assert "over the limit of 64,000 bytes" in refusal(json.loads(padded))
    with pytest.raises(LessonError, match="the link's lesson: .* over the limit"):
        lesson_from_url_param("a" * (limits().max_link_chars + 1))
    with pytest.raises(LessonError, match="the link's lesson is damaged"):
        lesson_from_url_param("not-a-lesson")


def test_a_lesson_travels_in_a_link_and_comes_back_equal():
    lesson = shipped_lesson("neuron")
    assert lesson is not None
    assert lesson_from_url_param(lesson.to_url_param()) == lesson
    assert lesson_from_json(lesson.to_json()) == lesson  # the file a teacher saves reads back the same


def test_conditions_read_metrics_settings_and_probes():
    config = load_preset("circle")
    run = RunState(
        config, {"epoch": 3, "train_loss": 0.2, "test_loss": 0.3, "test_accuracy": 0.96}, {"memory": {"reach": 60}}
    )

    def holds(**condition) -> bool:
        parsed = Condition(**condition)
        return parsed.holds(parsed.value(run))

    assert holds(measure="test_accuracy", at_least=0.95) and not holds(measure="test_accuracy", above=0.96)
    assert holds(measure="loss_gap", below=0.11) and not holds(measure="loss_gap", below=0.09)
    assert holds(measure="hidden_neurons", at_most=6) and not holds(measure="hidden_neurons", at_most=5)
    assert holds(measure="hidden_layers", equals=2) and holds(measure="activation", equals="tanh")
    assert holds(measure="activation", one_of=["relu", "tanh"]) and not holds(measure="activation", equals="relu")
    assert holds(measure="features", contains="x1") and not holds(measure="features", contains="x1_squared")
    assert holds(measure="parameters", equals=25.0)  # 2·4+4, 4·2+2, 2·1+1
    assert holds(measure="memory_reach", at_least=50) and not holds(measure="memory_reach", above=60)
    fresh = RunState(config)  # no epoch yet, no probe: nothing measured passes
    assert Condition(measure="test_loss", below=10).value(fresh) is None
    assert not Condition(measure="test_loss", below=10).holds(None)


def test_texts_show_in_the_readers_language_else_english():
    assert text_in({"en": "Hello", "zh": "你好"}, "zh") == "你好"
    assert text_in({"en": "Hello"}, "zh") == "Hello" and text_in({"zh": "你好"}, "en") == "你好"
    assert text_in("Plain", "zh") == "Plain"


def test_the_answer_key_changes_dotted_fields_and_refuses_unknown_ones():
    config = load_preset("circle")
    changed = LessonSolution(changes={"training.learning_rate": 0.3, "model.layers.0.activation": "relu"}).applied(
        config
    )
    assert changed.training.learning_rate == 0.3 and changed.model.layers[0].activation == "relu"
    with pytest.raises(LessonError, match="'training.speed' names no field"):
        LessonSolution(changes={"training.speed": 1}).applied(config)
    with pytest.raises(LessonError, match="'model.layers.9.units' names no field"):
        LessonSolution(changes={"model.layers.9.units": 1}).applied(config)


def test_solving_trains_until_the_check_holds_and_fails_without_the_solution():
    lesson = shipped_lesson("neuron")
    assert lesson is not None and lesson.task is not None
    solved = solve(lesson)
    assert solved.passed_at is not None and all(result.passed for result in solved.results)
    unsolved = lesson.model_copy(update={"task": lesson.task.model_copy(update={"solution": None})})
    assert solve(unsolved, epochs=2).passed_at is None  # the starting setup needs the hint's change to pass fast


def test_a_lesson_made_from_a_setup_keeps_it_and_its_hidden_controls():
    config = RunConfig.from_dict({**load_preset("xor").model_dump(), "name": "XOR for my class"})
    lesson = lesson_from_json(lesson_from_setup("2d", config, ["learning_rate", "problem"], "XOR").to_json())
    assert lesson.setup() == config and lesson.hide == ["learning_rate", "problem"] and lesson.page == "2d"


def test_the_command_line_lists_and_checks_lessons(tmp_path):
    listed = run_cli("lessons")
    assert listed.returncode == 0 and "neuron" in listed.stdout and "What one neuron computes" in listed.stdout
    checked = run_cli("lesson", "check", "neuron", "--solve", "--link")
    assert checked.returncode == 0, checked.stderr
    assert "ok: What one neuron computes (2d page, 3 steps, a task of 2 conditions)" in checked.stdout
    assert "passed after epoch" in checked.stdout
    param = next(line for line in checked.stdout.splitlines() if line.startswith("?lesson_data="))
    assert lesson_from_url_param(param.removeprefix("?lesson_data=")) == shipped_lesson("neuron")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(minimal(hide=["the_sun"])), encoding="utf-8")
    refused = run_cli("lesson", "check", str(bad))
    assert refused.returncode == 2 and "the_sun" in refused.stderr and refused.stderr.count("\n") == 1
    impossible = minimal(task={"text": "t", "check": [{"measure": "test_loss", "below": 0}], "solution": {"epochs": 1}})
    (tmp_path / "impossible.json").write_text(json.dumps(impossible), encoding="utf-8")
    unsolved = run_cli("lesson", "check", str(tmp_path / "impossible.json"), "--solve")
    assert unsolved.returncode == 1 and "FAIL  test_loss ('below', 0.0)" in unsolved.stdout
    assert read_lesson_file(tmp_path / "impossible.json").task is not None
