"""Command line: ``python -m playground summary|train|export NAME_OR_JSON`` and ``inspect CHECKPOINT``.

For teachers preparing material, for scripts, and for our own checks. A bad config or a refused checkpoint exits
with status 2 and one readable line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from playground.config import ConfigError, RunConfig
from playground.i18n import translator
from playground.layer_stack import StackRow, counts_recurrent, param_totals
from playground.presets import load_config, preset_names

if TYPE_CHECKING:
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
    commands.add_parser("presets", help="list the preset names")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from playground.checkpoint import CheckpointError

    args = build_parser().parse_args(argv)
    if args.command == "presets":
        print("\n".join(preset_names()))
        return 0
    try:
        if args.command == "inspect":
            return inspect_checkpoint(args.checkpoint)
        config = load_config(args.config)
        if args.command == "summary":
            print(summary_table(config))
            return 0
        if args.command == "export":
            return export(config, args.to, args.out, args.epochs)
        epochs = args.epochs if args.epochs is not None else config.training.epochs
        if epochs < 1:
            raise ConfigError("--epochs must be at least 1")
        return train(config, epochs, args.out, args.save)
    except CheckpointError as error:
        print(f"error: {getattr(args, 'checkpoint', args.command)}: {error}", file=sys.stderr)
        return 2
    except (ConfigError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
