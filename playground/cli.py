"""Command line: ``python -m playground summary|train NAME_OR_JSON``.

For teachers preparing material, for scripts, and for our own checks. A bad config exits with status 2 and one
readable line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
import time
from collections.abc import Sequence

from playground.config import ConfigError, RunConfig
from playground.presets import load_config, preset_names


def summary_table(config: RunConfig) -> str:
    """A Keras-style summary: layer, output shape, parameters, then the total."""
    rows = [("Layer", "Output shape", "Params"), ("Input", str(config.input_shape), "0")]
    rows += [(f"{i.index}: {i.title}", str(i.output_shape), f"{i.params:,}") for i in config.summary()]
    widths = [max(len(row[col]) for row in rows) for col in range(3)]
    rule = "-" * (sum(widths) + 4)
    lines = [rule]
    for number, row in enumerate(rows):
        lines.append(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}")
        if number == 0:
            lines.append(rule)
    lines += [rule, f"Total params: {config.total_params():,}"]
    return "\n".join(lines)


def _format_row(row: dict[str, float]) -> str:
    parts = [f"epoch {int(row['epoch']):>4}"]
    parts += [f"{key} {value:.4f}" for key, value in row.items() if key != "epoch"]
    return "  ".join(parts)


def train(config: RunConfig, epochs: int, out: str | None) -> int:
    from playground.train.trainer import Diverged, Trainer, history_columns

    with contextlib.ExitStack() as files:
        # Opened first, so a bad --out fails before minutes of training, not after.
        history_file = files.enter_context(open(out, "w", newline="", encoding="utf-8")) if out else None
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
        print(f"trained {trainer.epoch} epochs in {time.perf_counter() - started:.1f} s")
        if history_file is not None:
            writer = csv.DictWriter(history_file, fieldnames=history_columns(config.task))
            writer.writeheader()
            writer.writerows(trainer.history)
            print(f"history written to {out}")
    return status


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
    commands.add_parser("presets", help="list the preset names")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "presets":
        print("\n".join(preset_names()))
        return 0
    try:
        config = load_config(args.config)
        if args.command == "summary":
            print(summary_table(config))
            return 0
        epochs = args.epochs if args.epochs is not None else config.training.epochs
        if epochs < 1:
            raise ConfigError("--epochs must be at least 1")
        return train(config, epochs, args.out)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
