"""Lessons: a page, its starting setup and hidden controls, steps of text, a task whose success is checked live on the
run, hints and a one-question quiz. One JSON file each (``assets/lessons/``, or anyone's upload or link), validated
like a RunConfig: a bad file is refused in one sentence that names the field.

A task's check is a list of conditions, each a *measure* (a metric of the newest epoch, a property of the setup, a
probe's figure) and one comparison; the lesson panel evaluates them on every snapshot of the page's run. No Streamlit
here: the command line checks lesson files too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from playground.app_pages import APP_PAGES, PageId
from playground.config import (
    ConfigError,
    RunConfig,
    deflate_url_param,
    describe_validation_error,
    inflate_url_param,
    json_depth,
    output_layer,
)
from playground.data.registry import kind_of
from playground.i18n import DEFAULT_LANGUAGE, LANGUAGES
from playground.layer_stack import param_totals, stack_rows
from playground.limits import check_limit, limits
from playground.presets import load_preset, preset_names

LESSONS_DIR = Path(__file__).resolve().parent.parent / "assets" / "lessons"
#: A lesson file's size: the longest shipped one is a few kilobytes in two languages.
MAX_LESSON_BYTES = 64_000

#: The topics of the seed article, in the order a course takes them; "custom" for lessons of one's own.
Topic = Literal[
    "neuron",
    "hidden_layers",
    "activation",
    "learning_rate",
    "training_loop",
    "gradient_descent",
    "features",
    "overfitting",
    "regularization",
    "data",
    "classic_ml",
    "convolution",
    "pooling",
    "memory",
    "interpretability",
    "custom",
]
TOPICS: tuple[str, ...] = get_args(Topic)


class LessonError(ValueError):
    """A lesson that cannot be opened, in one sentence naming the field."""


def _check_text(value: str | dict[str, str]) -> str | dict[str, str]:
    if isinstance(value, dict):
        if not value:
            raise ValueError("needs the text in at least one language")
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; use {', '.join(LANGUAGES)}")
    return value


#: Text in one language, or by language code ({"en": ..., "zh": ...}); shown in the reader's language when present.
Text = str | dict[str, str]


def text_in(text: Text, language: str) -> str:
    """A lesson text in the reader's language, else in English, else in the language it has."""
    if isinstance(text, str):
        return text
    return text.get(language) or text.get(DEFAULT_LANGUAGE) or next(iter(text.values()))


def languages_of(text: Text) -> set[str]:
    """The languages a text is written in (a plain string counts as every language: it has no other version)."""
    return set(LANGUAGES) if isinstance(text, str) else set(text)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Measures ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunState:
    """What a check sees of a run: its setup, its newest history row and the newest probes."""

    config: RunConfig
    row: Mapping[str, float] | None = None
    probes: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Measure:
    kind: Literal["number", "text", "list"]
    read: Callable[[RunState], Any]  # None while the run has not measured it yet (no epoch, no probe)
    probe: str | None = None  # the probe it reads: the page's view that computes it must be shown


def _metric(name: str) -> Measure:
    return Measure("number", lambda run: None if run.row is None or name not in run.row else float(run.row[name]))


def _loss_gap(run: RunState) -> float | None:
    row = run.row
    return None if row is None else float(row["test_loss"]) - float(row["train_loss"])


def _hidden_dense(config: RunConfig) -> list[Any]:
    return [layer for layer in config.model.layers[:-1] if layer.kind == "dense"]


def _hidden_activation(config: RunConfig) -> str:
    activations = {layer.activation for layer in _hidden_dense(config)}
    return activations.pop() if len(activations) == 1 else ("none" if not activations else "mixed")


def _parameters(config: RunConfig) -> int:
    rows = stack_rows([layer.model_dump() for layer in config.model.layers], config.input_shape)
    return param_totals(rows).trainable


def _probe_figure(probe: str, figure: str) -> Measure:
    def read(run: RunState) -> float | None:
        value = (run.probes or {}).get(probe, {})
        return float(value[figure]) if isinstance(value, Mapping) and figure in value else None

    return Measure("number", read, probe=probe)


MEASURES: dict[str, Measure] = {
    # the newest epoch
    "epoch": Measure("number", lambda run: None if run.row is None else float(run.row["epoch"])),
    **{name: _metric(name) for name in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")},
    **{name: _metric(name) for name in ("train_r2", "test_r2", "test_rmse")},
    "loss_gap": Measure("number", _loss_gap),  # test loss minus training loss: how much the network overfits
    # the setup
    "dataset": Measure("text", lambda run: run.config.data.dataset),
    "noise": Measure("number", lambda run: float(run.config.data.noise)),
    "train_share": Measure("number", lambda run: float(run.config.data.train_share)),
    "n_points": Measure("number", lambda run: float(run.config.data.n_points)),
    "features": Measure("list", lambda run: list(run.config.data.features)),
    "feature_count": Measure("number", lambda run: float(len(run.config.data.features))),
    "hidden_layers": Measure("number", lambda run: float(len(_hidden_dense(run.config)))),
    "hidden_neurons": Measure("number", lambda run: float(sum(layer.units for layer in _hidden_dense(run.config)))),
    "activation": Measure("text", lambda run: _hidden_activation(run.config)),
    "layer_kinds": Measure("list", lambda run: [layer.kind for layer in run.config.model.layers]),
    "parameters": Measure("number", lambda run: float(_parameters(run.config))),
    "optimizer": Measure("text", lambda run: run.config.training.optimizer),
    "learning_rate": Measure("number", lambda run: float(run.config.training.learning_rate)),
    "batch_size": Measure("number", lambda run: float(run.config.training.batch_size)),
    "regularization": Measure("text", lambda run: run.config.training.regularization),
    "reg_rate": Measure("number", lambda run: float(run.config.training.reg_rate)),
    "augmented": Measure("text", lambda run: "yes" if run.config.augments else "no"),
    # the probes (computed only while their view is shown)
    "memory_reach": _probe_figure("memory", "reach"),
}
MeasureName = Literal[tuple(MEASURES)]  # type: ignore[valid-type]

_NUMBER_TESTS: dict[str, Callable[[float, float], bool]] = {
    "below": lambda value, limit: value < limit,
    "at_most": lambda value, limit: value <= limit,
    "at_least": lambda value, limit: value >= limit,
    "above": lambda value, limit: value > limit,
}
_COMPARISONS = ("below", "at_most", "at_least", "above", "equals", "one_of", "contains")
_TESTS_BY_KIND = {"number": (*_NUMBER_TESTS, "equals"), "text": ("equals", "one_of"), "list": ("contains",)}


class Condition(_Strict):
    """One measure and one comparison, e.g. ``{"measure": "test_loss", "below": 0.1}``."""

    measure: MeasureName
    below: float | None = None
    at_most: float | None = None
    at_least: float | None = None
    above: float | None = None
    equals: float | str | None = None
    one_of: list[str] | None = Field(None, min_length=1, max_length=20)
    contains: str | None = Field(None, max_length=40)

    @model_validator(mode="after")
    def _one_fitting_test(self) -> Condition:
        given = [name for name in _COMPARISONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"needs exactly one comparison, not {len(given)} ({', '.join(given) or 'none'})")
        kind = MEASURES[self.measure].kind
        if given[0] not in _TESTS_BY_KIND[kind]:
            allowed = ", ".join(_TESTS_BY_KIND[kind])
            raise ValueError(f"{self.measure} cannot be compared with {given[0]}; use {allowed}")
        if kind == "number" and isinstance(self.equals, str):
            raise ValueError(f"{self.measure} is a number; equals needs a number")
        return self

    @property
    def test(self) -> tuple[str, Any]:
        """The comparison's name and its value (``("below", 0.1)``)."""
        return next((name, getattr(self, name)) for name in _COMPARISONS if getattr(self, name) is not None)

    def value(self, run: RunState) -> Any:
        return MEASURES[self.measure].read(run)

    def holds(self, value: Any) -> bool:
        """Whether a measured value passes (a value not measured yet never does)."""
        if value is None:
            return False
        name, limit = self.test
        if name in _NUMBER_TESTS:
            return _NUMBER_TESTS[name](float(value), float(limit))
        if name == "equals":
            return abs(float(value) - float(limit)) < 1e-12 if isinstance(limit, float | int) else value == limit
        if name == "one_of":
            return value in limit
        return limit in value


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    value: Any
    passed: bool


# The lesson file -----------------------------------------------------------------------------------------------------


class LessonStep(_Strict):
    """A step of the lesson: Markdown text, and a formula (LaTeX) where one says it better."""

    text: Text
    latex: str | None = Field(None, max_length=1_000)

    _text = field_validator("text")(_check_text)


class LessonSolution(_Strict):
    """The answer key: the setup changes that pass the check (dotted config paths, ``training.learning_rate``,
    ``model.layers.0.activation``) and at most how many epochs it takes; ``lesson check --solve`` trains it."""

    changes: dict[str, Any] = Field(default_factory=dict, max_length=20)
    epochs: int = Field(30, ge=1, le=500)

    def applied(self, config: RunConfig) -> RunConfig:
        """The setup with the changes made, validated as any config is."""
        data = config.model_dump(mode="json")
        for path, value in self.changes.items():
            *parents, last = path.split(".")
            node: Any = data
            try:
                for part in parents:
                    node = node[int(part)] if isinstance(node, list) else node[part]
                if isinstance(node, list):
                    node[int(last)] = value
                elif isinstance(node, dict) and last in node:
                    node[last] = value
                else:
                    raise KeyError(last)
            except (KeyError, IndexError, ValueError, TypeError):
                raise LessonError(f"task.solution.changes: {path!r} names no field of the setup") from None
        return RunConfig.from_dict(data)


class LessonTask(_Strict):
    """What the student does; the check passes once every condition holds on the run at the same time."""

    text: Text
    check: list[Condition] = Field(min_length=1, max_length=6)
    hints: list[Text] = Field(default_factory=list, max_length=6)
    solution: LessonSolution | None = None

    @property
    def probes(self) -> tuple[str, ...]:
        """The probes the check reads (their views must be shown for it to pass)."""
        return tuple(dict.fromkeys(p for c in self.check if (p := MEASURES[c.measure].probe) is not None))

    _text = field_validator("text")(_check_text)

    @field_validator("hints")
    @classmethod
    def _hint_texts(cls, hints: list[Text]) -> list[Text]:
        return [_check_text(hint) for hint in hints]

    def results(self, run: RunState) -> list[ConditionResult]:
        results = []
        for condition in self.check:
            value = condition.value(run)
            results.append(ConditionResult(condition, value, condition.holds(value)))
        return results


class LessonQuiz(_Strict):
    question: Text
    options: list[Text] = Field(min_length=2, max_length=6)
    answer: int = Field(ge=0, description="the index of the right option, from 0")
    explanation: Text

    _texts = field_validator("question", "explanation")(_check_text)

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> LessonQuiz:
        for option in self.options:
            _check_text(option)
        if self.answer >= len(self.options):
            raise ValueError(f"answer {self.answer} names no option (there are {len(self.options)}, from 0)")
        return self


class Lesson(_Strict):
    """A lesson file. The setup is a preset's name, a whole RunConfig or a page's link; the page opens with it, with
    ``hide``'s controls hidden and ``lock``'s drawn but greyed out (the 2D page's)."""

    version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")
    topic: Topic = "custom"
    title: Text
    summary: Text = ""
    page: PageId
    preset: str | None = None
    config: RunConfig | None = None
    hide: list[str] = Field(default_factory=list, max_length=40)
    lock: list[str] = Field(default_factory=list, max_length=40)
    steps: list[LessonStep] = Field(min_length=1, max_length=12)
    task: LessonTask | None = None
    quiz: LessonQuiz | None = None

    _texts = field_validator("title", "summary")(_check_text)

    @model_validator(mode="before")
    @classmethod
    def _setup_from_a_link(cls, data: Any) -> Any:
        """``"link"``: a page's address as its *Copy link* gives it, read as the setup and its hidden and locked
        controls (a teacher's prepared link becomes a lesson as it is)."""
        if not isinstance(data, dict) or "link" not in data:
            return data
        data = dict(data)
        query = parse_qs(urlsplit(str(data.pop("link"))).query)
        if "config" not in query:
            raise ValueError("link: the address holds no ?config= setup")
        try:
            config = RunConfig.from_url_param(query["config"][0])
        except ConfigError as error:
            raise ValueError(f"link: {error}") from None
        data.setdefault("config", config.model_dump(mode="json"))
        for field in ("hide", "lock"):
            if field in query:
                data.setdefault(field, [name for name in query[field][0].split(",") if name])
        return data

    @model_validator(mode="after")
    def _setup_fits_the_page(self) -> Lesson:
        if (self.preset is None) == (self.config is None):
            raise ValueError("needs either preset or config (one of them)")
        if self.preset is not None and self.preset not in preset_names():
            raise ValueError(f"preset {self.preset!r} is unknown; known: {', '.join(preset_names())}")
        page = APP_PAGES[self.page]
        if self.lock and self.page != "2d":
            raise ValueError(f"lock: only the 2d page greys controls out, not the {self.page} page (use hide)")
        for field, names in (("hide", self.hide), ("lock", self.lock)):
            unknown = [name for name in names if name not in page.hideable]
            if unknown:
                allowed = ", ".join(page.hideable) or "none"
                raise ValueError(f"{field}: {unknown[0]!r} is no control of the {self.page} page (allowed: {allowed})")
        setup = self.setup()
        data_page = kind_of(setup.data).page
        if self.page in ("2d", "tab", "cnn", "seq") and data_page != self.page:
            raise ValueError(f"the setup's dataset opens on the {data_page} page, not on {self.page}")
        if self.page == "2d" and setup.model.layers[-1] != output_layer(setup.task, setup.data.n_classes):
            wanted = output_layer(setup.task, setup.data.n_classes).title()
            raise ValueError(f"config.model.layers: the 2D page ends a {setup.task} network with {wanted}")
        return self

    def setup(self) -> RunConfig:
        """The run the lesson starts with."""
        return self.config if self.config is not None else load_preset(self.preset or "")

    def plain(self) -> dict:
        """The lesson as its file holds it: what differs from the defaults, and the whole setup (a layer's kind
        tag is a default that must stay)."""
        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=True, exclude={"config"})
        if self.config is not None:
            data["config"] = self.config.model_dump(mode="json")
        return data

    def to_json(self) -> str:
        return json.dumps(self.plain(), indent=2, ensure_ascii=False)

    def to_url_param(self) -> str:
        """The lesson inside a link (``?lesson_data=``): deflated compact JSON."""
        return deflate_url_param(json.dumps(self.plain(), separators=(",", ":"), ensure_ascii=False))

    def missing_languages(self) -> list[str]:
        """ "field: language" for each text that lacks a language of the app (shipped lessons have them all)."""
        texts: list[tuple[str, Text]] = [("title", self.title), ("summary", self.summary)]
        texts += [(f"steps[{i}].text", step.text) for i, step in enumerate(self.steps)]
        if self.task is not None:
            texts += [("task.text", self.task.text), *((f"task.hints[{i}]", h) for i, h in enumerate(self.task.hints))]
        if self.quiz is not None:
            quiz = self.quiz
            texts += [("quiz.question", quiz.question), ("quiz.explanation", quiz.explanation)]
            texts += [(f"quiz.options[{i}]", option) for i, option in enumerate(quiz.options)]
        return [f"{field}: {language}" for field, text in texts for language in LANGUAGES
                if language not in languages_of(text)]  # fmt: skip


def lesson_from_json(text: str | bytes) -> Lesson:
    """A lesson from JSON of any origin, sizes checked before parsing; LessonError in one sentence."""
    try:
        check_limit("the lesson file", len(text), MAX_LESSON_BYTES, "bytes")
        check_limit("the lesson's nesting", json_depth(text), limits().max_json_depth, "levels")
        return Lesson.model_validate_json(text)
    except ValidationError as error:
        raise LessonError(describe_validation_error(error)) from None
    except ValueError as error:  # the limits
        raise LessonError(str(error)) from None


def lesson_from_url_param(param: str) -> Lesson:
    """The lesson a link carries (``Lesson.to_url_param``), refused before inflating past a lesson file's size."""
    try:
        text = inflate_url_param(param, "the link's lesson", limits().max_link_chars, MAX_LESSON_BYTES)
    except ConfigError as error:
        raise LessonError(str(error)) from None
    return lesson_from_json(text)


def read_lesson_file(path: Path) -> Lesson:
    """A lesson file from disk, its size checked before reading it."""
    size = path.stat().st_size
    if size > MAX_LESSON_BYTES:
        raise LessonError(f"the lesson file: {size:,} bytes is over the limit of {MAX_LESSON_BYTES:,} bytes")
    return lesson_from_json(path.read_bytes())


def shipped_lessons(directory: Path = LESSONS_DIR) -> list[Lesson]:
    """The lessons that come with the app, in the course's order (by topic, then file name)."""
    lessons = [read_lesson_file(path) for path in sorted(directory.glob("*.json"))]
    return sorted(lessons, key=lambda lesson: TOPICS.index(lesson.topic))


def shipped_lesson(lesson_id: str) -> Lesson | None:
    path = LESSONS_DIR / f"{lesson_id}.json"
    return read_lesson_file(path) if path.is_file() and path.parent == LESSONS_DIR else None


def lesson_from_setup(page: str, config: RunConfig, hide: list[str], title: str) -> Lesson:
    """A lesson file holding a page's current setup and hidden controls, with one step and no task yet: a teacher
    writes the steps, the task and the quiz."""
    first = "Describe what the student should look at first."
    return Lesson(id="my-lesson", title=title, page=page, config=config, hide=hide, steps=[LessonStep(text=first)])


@dataclass(frozen=True)
class SolveResult:
    passed_at: int | None  # the epoch after which every condition held, or None
    results: list[ConditionResult]
    config: RunConfig


def solve(lesson: Lesson, epochs: int | None = None) -> SolveResult:
    """Train the lesson's setup with its solution's changes, checking after every epoch, as the panel does on the
    page; stops at the first epoch that passes."""
    from playground.train.probes import compute_probe
    from playground.train.trainer import Trainer

    task = lesson.task
    if task is None:
        raise LessonError("task: the lesson has no task to solve")
    solution = task.solution or LessonSolution()
    config = solution.applied(lesson.setup())
    trainer = Trainer(config)
    results = task.results(RunState(config))
    for _ in range(epochs or solution.epochs):
        row = trainer.train_epoch()
        probes = {name: compute_probe(trainer, name) for name in task.probes}
        results = task.results(RunState(config, row, probes))
        if all(result.passed for result in results):
            return SolveResult(trainer.epoch, results, config)
    return SolveResult(None, results, config)
