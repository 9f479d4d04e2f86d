"""Command line: ``python -m playground summary|train|export|step|descent|compare|curve NAME_OR_JSON``,
``inspect CHECKPOINT``.

For teachers preparing material, for scripts, and for our own checks. A bad config or a refused checkpoint exits
with status 2 and one readable line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from playground.config import ConfigError, RunConfig
from playground.i18n import translator
from playground.layer_stack import StackRow, counts_recurrent, param_totals
from playground.presets import load_config, preset_names

if TYPE_CHECKING:
    from playground.train.one_step import TrainingStep
    from playground.train.trainer import Trainer

EXPORT_TARGETS = ("pytorch", "keras", "onnx", "checkpoint")


def summary_table(config: RunConfig) -> str:
    """The page's summary as text, Keras-style: layer, output shape, parameters, then the total, trainable and
    non-trainable parameters (batch norm's running statistics), and a line when recurrent layers keep PyTorch's
    counts."""
    infos = config.summary()
    rows = [("Layer", "Output shape", "Params"), ("Input", str(config.input_shape), "0")]
    rows += [(f"{i.index}: {i.title}", str(i.output_shape), f"{i.params:,}") for i in infos]
    widths = [max(len(row[col]) for row in rows) for col in range(3)]
    rule = "-" * (sum(widths) + 4)
    lines = [rule]
    for number, row in enumerate(rows):
        lines.append(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}")
        if number == 0:
            lines.append(rule)
    stack = [
        StackRow(info.index, layer.kind, info.title, info.output_shape, info.params)
        for info, layer in zip(infos, config.model.layers, strict=True)
    ]
    totals, say = param_totals(stack), translator("en")
    lines += [
        rule,
        say("editor_total_params", n=f"{totals.total:,}"),
        say("editor_trainable_params", n=f"{totals.trainable:,}"),
        say("editor_non_trainable_params", n=f"{totals.non_trainable:,}"),
    ]
    if counts_recurrent(stack):
        lines.append(say("editor_recurrent_counts"))
    return "\n".join(lines)


def _format_row(row: dict[str, float]) -> str:
    parts = [f"epoch {int(row['epoch']):>4}"]
    parts += [f"{key} {value:.4f}" for key, value in row.items() if key != "epoch"]
    return "  ".join(parts)


def _train(config: RunConfig, epochs: int) -> tuple[Trainer, int]:
    """Train, printing one line per epoch; status 1 when the loss diverged (the trainer keeps what it had)."""
    from playground.train.trainer import Diverged, Trainer

    trainer = Trainer(config)
    started = time.perf_counter()
    status = 0
    for _ in range(epochs):
        try:
            row = trainer.train_epoch()
        except Diverged as error:
            print(f"stopped: {error}", file=sys.stderr)
            status = 1
            break
        print(_format_row(row), flush=True)
        if (reached := trainer.stop_reached()) is not None:  # a target test loss, or the page's epoch limit
            print(reached[0])
            break
    print(f"trained {trainer.epoch} epochs in {time.perf_counter() - started:.1f} s")
    return trainer, status


def train(config: RunConfig, epochs: int, out: str | None, save: str | None = None) -> int:
    from playground.checkpoint import save_checkpoint
    from playground.history import write_history_csv

    with contextlib.ExitStack() as files:
        # Opened first, so a bad --out or --save fails before minutes of training, not after.
        history_file = files.enter_context(open(out, "w", newline="", encoding="utf-8")) if out else None
        checkpoint_file = files.enter_context(open(save, "wb")) if save else None
        trainer, status = _train(config, epochs)
        if history_file is not None:
            write_history_csv(trainer.history, config.task, history_file, config.training.metric)
            print(f"history written to {out}")
        if checkpoint_file is not None and status == 0:
            save_checkpoint(trainer.model, config, checkpoint_file, trainer.history)
            print(f"checkpoint written to {save}")
    if save and status != 0:
        os.remove(save)  # weights that turned NaN are not worth keeping
        print("no checkpoint written: training diverged", file=sys.stderr)
    return status


def export(config: RunConfig, target: str, out: str, epochs: int | None) -> int:
    """Write the config as code (``pytorch``, ``keras``) or its model as a file (``onnx``, ``checkpoint``)."""
    if target in ("pytorch", "keras"):
        from playground.export.keras_code import keras_code
        from playground.export.pytorch_script import pytorch_script

        if epochs is not None:
            config = RunConfig.from_dict(
                {**config.model_dump(), "training": {**config.training.model_dump(), "epochs": epochs}}
            )
        text = pytorch_script(config) if target == "pytorch" else keras_code(config)
        with open(out, "w", encoding="utf-8") as file:
            file.write(text)
        print(f"{target} code written to {out} (trains {config.training.epochs} epochs)")
        return 0
    from playground.checkpoint import save_checkpoint
    from playground.export.onnx_export import export_onnx
    from playground.model import build_model

    epochs = epochs or 0
    if epochs < 0:
        raise ConfigError("--epochs must be 0 (the initial weights) or more")
    with open(out, "wb") as file:  # opened first, so a bad -o fails before any training
        model, history, status = build_model(config), None, 0
        if epochs:
            trainer, status = _train(config, epochs)
            model, history = trainer.model, trainer.history
        if status == 0:
            if target == "onnx":
                export_onnx(model, config, file)
            else:
                save_checkpoint(model, config, file, history)
    if status != 0:
        os.remove(out)
        print("nothing written: training diverged", file=sys.stderr)
        return status
    weights = f"trained {epochs} epochs" if epochs else "initial, untrained weights"
    print(f"{target} written to {out} ({weights})")
    return 0


def inspect_checkpoint(path: str) -> int:
    """The summary of a checkpoint's model, and how far its history goes."""
    from playground.checkpoint import load_checkpoint

    config, _, history = load_checkpoint(path)
    if config.name:
        print(config.name)
    print(summary_table(config))
    if history:
        epochs = f"{len(history)} epoch" + ("s" if len(history) > 1 else "")
        print(f"history: {epochs}; last: {_format_row(history[-1])}")
    else:
        print("history: none (saved untrained, or without its history)")
    return 0


def _numbers(values: list) -> str:
    """A list (or a list of lists) of numbers, four decimals each."""
    if values and isinstance(values[0], list):
        return "[" + ", ".join(_numbers(row) for row in values) + "]"
    return "[" + ", ".join(f"{value:.4f}" for value in values) + "]"


def _target(target: object) -> str:
    """A target as a reader writes it: 1, 0.25 or a class number, not [1.0]."""
    value = target[0] if isinstance(target, list) and len(target) == 1 else target
    return f"{value:g}" if isinstance(value, float) else str(value)


def _weighted_sum(weights: list[float], names: list[str], bias: float) -> str:
    """w1*x1 + w2*x2 - b with the values filled in, each sign written once."""
    terms = [f"{weight:.4f}*{name}" for weight, name in zip(weights, names, strict=True)] + [f"{bias:.4f}"]
    text = terms[0]
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


def step_report(step: TrainingStep, feature_names: list[str]) -> str:
    """One training step's numbers stage by stage, as the page shows them: forward, loss, backward, update."""
    from playground.train.one_step import UPDATE_RULES

    (inputs,) = step.inputs
    target = _target(step.targets[0])
    named = ", ".join(f"{name}={value:.4f}" for name, value in zip(feature_names, inputs, strict=False))
    lines = [f"example {step.rows[0]} of the training data: {named}; target {target}", "", "forward"]
    previous = ["x" + str(number + 1) for number in range(len(inputs))]
    for number, layer in enumerate(step.layers, start=1):
        lines.append(f"  layer {number} ({layer.activation})")
        for unit, (weights, bias) in enumerate(zip(layer.weights, layer.biases, strict=True)):
            z, a = layer.weighted_sums[0][unit], layer.activations[0][unit]
            formula = _weighted_sum(weights, previous, bias)
            lines.append(f"    neuron {unit + 1}: z = {formula} = {z:.4f}; a = {layer.activation}(z) = {a:.4f}")
        previous = [f"a{number}_{unit + 1}" for unit in range(len(layer.biases))]
    lines += ["", f"loss ({step.loss_name}): outputs {_numbers(step.outputs[0])} against {target}"]
    lines.append(f"  data loss {step.data_loss:.6f} + penalty {step.penalty:.6f} = {step.loss:.6f}")
    lines += ["", "backward"]
    for number, layer in reversed(list(enumerate(step.layers, start=1))):
        lines.append(f"  layer {number}: dL/da = {_numbers(layer.activation_grads[0])}")
        lines.append(f"           dL/dz = {_numbers(layer.weighted_sum_grads[0])}")
        lines.append(f"           dL/dW = {_numbers(layer.weight_grads)}; dL/db = {_numbers(layer.bias_grads)}")
    rule = UPDATE_RULES[step.optimizer]
    lines += ["", f"update ({step.optimizer}, learning rate {step.learning_rate:g}): {rule}"]
    for number, layer in enumerate(step.layers, start=1):
        lines.append(f"  layer {number}: W {_numbers(layer.weights)} -> {_numbers(layer.weights_after)}")
        lines.append(f"           b {_numbers(layer.biases)} -> {_numbers(layer.biases_after)}")
    return "\n".join(lines)


def step(config: RunConfig, example: int, as_json: bool) -> int:
    """One training step on one example with the initial weights, every number printed (or as one JSON object)."""
    from playground.train.one_step import training_step
    from playground.train.trainer import Trainer

    trainer = Trainer(config)
    numbers = training_step(trainer, [example])
    if as_json:
        print(json.dumps(numbers.as_json()))
    else:
        print(step_report(numbers, trainer.dataset.feature_names))
    return 0


def _pair(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        first, second = (float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not two numbers such as 1.5,-2") from None
    return first, second


def descent(config: RunConfig, args: argparse.Namespace) -> int:
    """Optimisers racing down a two-parameter loss from one start; the trajectories written as CSV."""
    from playground.train.descent import (
        DEFAULT_RATES,
        DescentError,
        line_surface,
        logistic_surface,
        race,
        slice_surface,
    )
    from playground.train.trainer import Trainer

    kind = args.surface or {"binary": "logistic", "regression": "line"}.get(config.task, "slice")
    names = [name for name in args.optimizers.split(",") if name]
    rates = (
        [float(rate) for rate in args.rates.split(",")] if args.rates else [DEFAULT_RATES.get(n, 0.1) for n in names]
    )
    if len(rates) != len(names):
        raise DescentError(f"rates: {len(rates)} rates for {len(names)} optimizers; give one each")
    if kind == "slice":
        surface = slice_surface(Trainer(config), seed=args.seed)
    else:
        surface = (logistic_surface if kind == "logistic" else line_surface)(config, scale=args.scale)
    trajectories = race(surface, dict(zip(names, rates, strict=True)), args.start, args.steps, args.batch_size)
    with open(args.out, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["optimizer", "rate", "step", *surface.names, "loss"])
        for path in trajectories:
            for number, (point, loss) in enumerate(zip(path.points, path.losses, strict=True)):
                writer.writerow(
                    [path.optimizer, path.rate, number, f"{point[0]:.6g}", f"{point[1]:.6g}", f"{loss:.6g}"]
                )
    for path in trajectories:
        end = f"loss {path.losses[0]:.4f} -> {path.losses[-1]:.4f} after {len(path.points) - 1} steps"
        print(f"{path.optimizer:<9} rate {path.rate:<6g} {end}" + (f"; {path.diverged}" if path.diverged else ""))
    print(f"trajectories on the {kind} surface ({' and '.join(surface.names)}) written to {args.out}")
    return 0


def _sizes(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not whole numbers such as 25,50,100") from None


def compare(config: RunConfig, baselines: str, epochs: int | None, out: str | None) -> int:
    """The network against the classic models on the same split: one row each, printed as it finishes."""
    from playground.data.registry import load_dataset
    from playground.train.baselines import display_name, parse_baselines
    from playground.train.compare import compare as compare_models

    with contextlib.ExitStack() as files:
        table = files.enter_context(open(out, "w", newline="", encoding="utf-8")) if out else None
        dataset = load_dataset(config.data)
        names = parse_baselines(baselines, dataset)
        print(f"{'model':<44} {'metric':<8} {'test':>8} {'train':>8} {'fit s':>8}")

        def show(result) -> None:
            name = display_name(result.model, dataset.task)
            print(f"{name:<44} {result.metric:<8} {result.test_metric:>8.4f} {result.train_metric:>8.4f} "
                  f"{result.fit_seconds:>8.2f}", flush=True)  # fmt: skip

        results = compare_models(config, dataset, names, epochs, on_result=show)
        if table is not None:
            writer = csv.DictWriter(table, fieldnames=list(results[0].row()))
            writer.writeheader()
            writer.writerows(result.row() for result in results)
            print(f"table written to {out}")
    return 0


def curve(config: RunConfig, args: argparse.Namespace) -> int:
    """Learning curves: every model on growing training sets, the test set fixed; one CSV row per model, size and
    seed."""
    from playground.data.registry import load_dataset
    from playground.train.baselines import curve_sizes, parse_baselines
    from playground.train.compare import learning_curve

    with open(args.out, "w", newline="", encoding="utf-8") as table:
        dataset = load_dataset(config.data)
        names = parse_baselines(args.baselines, dataset)
        sizes = args.sizes or curve_sizes(len(dataset.x_train))
        writer = csv.DictWriter(table, fieldnames=["model", "size", "seed", "train_metric", "test_metric"])
        writer.writeheader()

        def show(point) -> None:
            writer.writerow(point.row())
            table.flush()
            print(f"size {point.size:>6}  seed {point.seed}  {point.model:<9} test {point.test_metric:.4f}  "
                  f"train {point.train_metric:.4f}", flush=True)  # fmt: skip

        learning_curve(
            config, dataset, names, sizes, args.seeds, args.epochs, with_network=not args.no_network, on_point=show
        )
    print(f"curves written to {args.out}")
    return 0


def lessons_command(args: argparse.Namespace) -> int:
    """``lessons`` lists the shipped lessons; ``lesson check FILE`` validates one (``--solve``: and passes it)."""
    from playground.lessons import LessonError, read_lesson_file, shipped_lesson, shipped_lessons, solve, text_in

    try:
        if args.command == "lessons":
            for lesson in shipped_lessons():
                print(f"{lesson.id:<24} {lesson.topic:<18} {lesson.page:<6} {text_in(lesson.title, 'en')}")
            return 0
        path = Path(args.file)
        lesson = read_lesson_file(path) if path.suffix == ".json" or path.exists() else shipped_lesson(args.file)
        if lesson is None:
            raise LessonError(f"no lesson file {args.file!r} (and no shipped lesson of that id)")
    except (LessonError, ConfigError, OSError) as error:
        print(f"error: {args.file if args.command == 'lesson' else 'lessons'}: {error}", file=sys.stderr)
        return 2
    task = f"a task of {len(lesson.task.check)} conditions" if lesson.task else "no task"
    print(f"ok: {text_in(lesson.title, 'en')} ({lesson.page} page, {len(lesson.steps)} steps, {task})")
    if missing := lesson.missing_languages():
        more = f" (+{len(missing) - 5})" if len(missing) > 5 else ""
        print(f"note: not translated: {', '.join(missing[:5])}{more}")
    if args.link:
        print(f"?lesson_data={lesson.to_url_param()}")
    if not args.solve:
        return 0
    try:
        result = solve(lesson)
    except (LessonError, ConfigError) as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 2
    for item in result.results:
        value = "not measured" if item.value is None else item.value
        print(f"  {'pass' if item.passed else 'FAIL'}  {item.condition.measure} {item.condition.test}: {value}")
    if result.passed_at is None:
        print("the solution does not pass the check", file=sys.stderr)
        return 1
    print(f"passed after epoch {result.passed_at}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m playground", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    target_help = f"a preset ({', '.join(preset_names())}), a .json file or inline JSON"
    summary = commands.add_parser("summary", help="print layers, output shapes and parameter counts")
    summary.add_argument("config", help=target_help)
    run = commands.add_parser("train", help="train without a browser, one line per epoch")
    run.add_argument("config", help=target_help)
    run.add_argument("--epochs", type=int, default=None, help="epochs to train (default: the config's)")
    run.add_argument("--out", default=None, help="write the history as CSV to this file")
    run.add_argument("--save", default=None, metavar="CHECKPOINT", help="save the trained model as a checkpoint")
    export = commands.add_parser(
        "export",
        help="write a standalone PyTorch script, Keras code, an ONNX model or a checkpoint",
        description="pytorch and keras write code that makes the data and trains the model; onnx and checkpoint "
        "write the model itself (a checkpoint is a zip of config.json, weights.safetensors and history.csv).",
    )
    export.add_argument("config", help=target_help)
    export.add_argument("--to", required=True, choices=EXPORT_TARGETS, help="what to write")
    export.add_argument("-o", "--out", required=True, metavar="FILE", help="the file to write")
    export.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="pytorch, keras: the epochs the code trains (default: the config's); onnx, checkpoint: epochs to "
        "train here before writing (default 0: the initial, untrained weights)",
    )
    inspect = commands.add_parser("inspect", help="summarise a checkpoint: layers, parameters, history")
    inspect.add_argument("checkpoint", help="a checkpoint written by export --to checkpoint or train --save")
    one_step = commands.add_parser(
        "step",
        help="one training step on one example, every number: forward, loss, backward, update",
        description="The initial weights, one training example: each neuron's weighted sum and activation, the "
        "loss, the gradients of every activation, weighted sum, weight and bias, and the update. --json prints one "
        "JSON object (weights shaped like torch's nn.Linear.weight), to check with any autograd.",
    )
    one_step.add_argument("config", help=target_help)
    one_step.add_argument("--example", type=int, default=0, help="the training example's number (default 0)")
    one_step.add_argument("--json", action="store_true", help="print one JSON object instead of the stages")
    race = commands.add_parser(
        "descent",
        help="optimisers racing down a loss of two parameters; trajectories as CSV",
        description="logistic: logistic regression without a bias (binary sets); line: slope and intercept "
        "(regression sets); slice: the network's loss along two random filter-normalised directions.",
    )
    race.add_argument("config", help=target_help)
    race.add_argument("--optimizers", default="sgd,momentum,adam", help="comma-separated: sgd, momentum, "
                      "nesterov, rmsprop, adagrad, adam (default: sgd,momentum,adam)")  # fmt: skip
    race.add_argument("--rates", default=None, help="one learning rate per optimizer (default: each one's own)")
    race.add_argument("--start", type=_pair, default=(-2.0, 2.0), help="the start: --start=a,b (default -2,2)")
    race.add_argument("--steps", type=int, default=100, help="steps each optimizer takes (default 100)")
    race.add_argument("--batch-size", type=int, default=None, help="rows per step (default: all: full batch)")
    race.add_argument("--surface", choices=("logistic", "line", "slice"), default=None)
    race.add_argument("--scale", type=float, default=1.0, help="multiply x1 by this (10: unscaled features)")
    race.add_argument("--seed", type=int, default=0, help="the slice's random directions")
    race.add_argument("--out", required=True, metavar="CSV", help="write the trajectories to this file")
    baseline_help = "all, or comma-separated: logreg, knn, svm, tree, forest, boosting, features (default all)"
    side_by_side = commands.add_parser(
        "compare",
        help="the network against classic machine learning on the same split: one row per model",
        description="Fits scikit-learn's logistic regression (ridge for regression), k-nearest neighbours, an RBF "
        "SVM, a decision tree, a random forest, gradient boosting and, on 2D data, a linear model on hand-made "
        "features, then trains the network; prints and writes model, metric, test_metric, train_metric, "
        "fit_seconds.",
    )
    side_by_side.add_argument("config", help=target_help)
    side_by_side.add_argument("--baselines", default="all", help=baseline_help)
    side_by_side.add_argument("--epochs", type=int, default=None, help="the network's epochs (default: the config's)")
    side_by_side.add_argument("--out", default=None, metavar="CSV", help="write the table to this file")
    curves = commands.add_parser(
        "curve",
        help="learning curves: every model on growing training sets, the same test set",
        description="Each size and seed draws its training rows (the same for every model); the network gets the "
        "same optimizer steps at every size (--epochs over the whole training set). Writes model, size, seed, "
        "train_metric, test_metric.",
    )
    curves.add_argument("config", help=target_help)
    curves.add_argument("--sizes", type=_sizes, default=None, help="training-set sizes, e.g. 25,50,100 (default: "
                        "8 log-spaced from 25 to all training rows)")  # fmt: skip
    curves.add_argument("--seeds", type=int, default=3, help="draws per size (default 3)")
    curves.add_argument("--baselines", default="all", help=baseline_help)
    curves.add_argument("--epochs", type=int, default=None, help="the network's epochs (default: the config's)")
    curves.add_argument("--no-network", action="store_true", help="the classic models only")
    curves.add_argument("--out", required=True, metavar="CSV", help="write the curves to this file")
    commands.add_parser("presets", help="list the preset names")
    commands.add_parser("lessons", help="list the lessons that come with the app, in the course's order")
    lesson = commands.add_parser(
        "lesson",
        help="check a lesson file: its fields, its setup, and with --solve that its task can be passed",
        description="check FILE validates a lesson file as the app does when it is uploaded (one line naming the "
        "field when it is refused); --solve trains its setup with the task's solution and checks after every epoch, "
        "as the lesson panel does; --link prints the ?lesson_data= parameter that opens it from a link.",
    )
    lesson.add_argument("action", choices=("check",), help="what to do with the file")
    lesson.add_argument("file", help="a lesson's .json file, or the id of a shipped lesson")
    lesson.add_argument("--solve", action="store_true", help="train the task's solution and report the check")
    lesson.add_argument("--link", action="store_true", help="print the link parameter that carries the lesson")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from playground.checkpoint import CheckpointError
    from playground.limits import LimitError
    from playground.train.baselines import BaselineError
    from playground.train.descent import DescentError
    from playground.train.one_step import StepError

    args = build_parser().parse_args(argv)
    if args.command == "presets":
        print("\n".join(preset_names()))
        return 0
    if args.command in ("lessons", "lesson"):
        return lessons_command(args)
    try:
        if args.command == "inspect":
            return inspect_checkpoint(args.checkpoint)
        config = load_config(args.config)
        if args.command == "summary":
            print(summary_table(config))
            return 0
        if args.command == "export":
            return export(config, args.to, args.out, args.epochs)
        if args.command == "step":
            return step(config, args.example, args.json)
        if args.command == "descent":
            return descent(config, args)
        if args.command == "compare":
            return compare(config, args.baselines, args.epochs, args.out)
        if args.command == "curve":
            return curve(config, args)
        epochs = args.epochs if args.epochs is not None else config.training.epochs
        if epochs < 1:
            raise ConfigError("--epochs must be at least 1")
        return train(config, epochs, args.out, args.save)
    except CheckpointError as error:
        print(f"error: {getattr(args, 'checkpoint', args.command)}: {error}", file=sys.stderr)
        return 2
    except (ConfigError, OSError, StepError, DescentError, BaselineError, LimitError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
