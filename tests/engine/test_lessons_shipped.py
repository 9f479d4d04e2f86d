"""The lessons that come with the app: each file validates as an upload would, speaks every language of the app,
has a task with hints, an answer key and a quiz, and together they cover the course's topics. The answer key is
checked the way the lesson panel checks a student's run: the setup as it opens must not pass after two epochs,
and the setup with the solution's changes must pass within the solution's epochs (``solve``). On the 2D page the
answer key may only change what the page's controls can show and the lesson leaves neither hidden nor locked."""

from __future__ import annotations

import pytest

from playground.config import LEARNING_RATES, REGULARIZATION_RATES, RunConfig, output_layer
from playground.lessons import LESSONS_DIR, TOPICS, read_lesson_file, shipped_lesson, shipped_lessons, solve

FILES = sorted(LESSONS_DIR.glob("*.json"))
IDS = [path.stem for path in FILES]
#: The 2D page's control for each setting a solution may change there (the layers are handled apart).
CONTROLS_2D = {
    "training.learning_rate": "learning_rate",
    "training.optimizer": "optimizer",
    "training.regularization": "regularization",
    "training.reg_rate": "reg_rate",
    "training.batch_size": "batch_size",
    "data.features": "features",
    "data.dataset": "dataset",
    "data.noise": "noise",
    "data.n_points": "n_points",
    "data.train_share": "train_share",
}


def shape(config: RunConfig) -> list[int]:
    """The neurons of each hidden layer of a 2D network (the page's "Hidden layers" and "Neurons in layer" controls)."""
    return [layer.units for layer in config.model.layers[:-1]]


def activation(config: RunConfig) -> str | None:
    """The hidden layers' one activation (the page's "Activation" control), None without hidden layers."""
    return next((layer.activation for layer in config.model.layers[:-1]), None)


def test_the_shipped_lessons_cover_every_topic_of_the_course():
    lessons = shipped_lessons()
    assert len(lessons) >= 15
    assert sorted({lesson.topic for lesson in lessons}) == sorted(set(TOPICS) - {"custom"})


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_a_shipped_lesson_is_complete_in_every_language(path):
    lesson = read_lesson_file(path)
    assert lesson.id == path.stem
    assert lesson.topic != "custom"
    assert lesson.missing_languages() == []
    assert 3 <= len(lesson.steps) <= 5
    task = lesson.task
    assert task is not None and task.hints and task.solution is not None
    assert lesson.quiz is not None and len(lesson.quiz.options) >= 3
    assert not set(lesson.hide) & set(lesson.lock), "a control is either hidden or locked"


@pytest.mark.parametrize("lesson_id", [lesson_id for lesson_id in IDS if shipped_lesson(lesson_id).page == "2d"])
def test_a_2d_solution_uses_the_pages_free_controls_and_values(lesson_id):
    lesson = shipped_lesson(lesson_id)
    assert lesson is not None and lesson.task is not None and lesson.task.solution is not None
    setup, solved = lesson.setup(), lesson.task.solution.applied(lesson.setup())
    needed = {CONTROLS_2D[path] for path in lesson.task.solution.changes if not path.startswith("model.")}
    *hidden, last = solved.model.layers
    if shape(setup) != shape(solved):
        needed.add("hidden_layers")
    if (activation(setup) or "tanh") != (activation(solved) or activation(setup) or "tanh"):  # the page's default
        needed.add("activation")
    assert not needed & {*lesson.hide, *lesson.lock}, "the hints need a control the lesson hides or locks"
    assert all(layer.kind == "dense" and 1 <= layer.units <= 32 for layer in hidden) and len(hidden) <= 8
    assert len({layer.activation for layer in hidden}) <= 1 and last == output_layer(solved.task, solved.output_size)
    assert solved.training.learning_rate in LEARNING_RATES and solved.training.reg_rate in REGULARIZATION_RATES


@pytest.mark.parametrize("lesson_id", IDS)
def test_the_setup_alone_does_not_pass_and_the_solution_does(lesson_id):
    lesson = shipped_lesson(lesson_id)
    assert lesson is not None and lesson.task is not None and lesson.task.solution is not None
    as_opened = lesson.model_copy(update={"task": lesson.task.model_copy(update={"solution": None})})
    assert solve(as_opened, epochs=2).passed_at is None
    result = solve(lesson)
    failing = [(item.condition.measure, item.condition.test, item.value) for item in result.results if not item.passed]
    assert result.passed_at is not None, f"the solution does not pass: {failing}"
    assert result.passed_at <= lesson.task.solution.epochs
