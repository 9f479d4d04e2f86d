"""ONNX export of a (trained) model, for runtimes outside Python: onnxruntime, browsers, phones.

Uses PyTorch's current exporter (``torch.export`` plus ``onnxscript``), the one PyTorch keeps developing; the
older TorchScript exporter warns that it will be removed. The batch axis stays dynamic, so one file serves any
number of rows; the file carries the RunConfig and what the output means as metadata (for images also the mean
and spread the pixels were normalised with: the input is (pixels in [0, 1] - mean) / std, shape [batch, 1, h, w];
for text the characters in the order of their token numbers: the input is int64 [batch, steps]). Recurrent
layers become ONNX's own LSTM and GRU nodes (a SimpleRNN unrolled into plain ones), for the config's steps.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from typing import BinaryIO

import torch
from torch import nn

from playground.config import RunConfig
from playground.data.registry import dataset_class_names, kind_of
from playground.export.source import script_title
from playground.model import outputs_probabilities

INPUT_NAME = "input"
OUTPUT_NAME = "output"


def output_meaning(config: RunConfig) -> str:
    """What the network's output holds: "probabilities", "logits" (apply sigmoid or softmax) or "values"."""
    if config.task == "regression":
        return "values"
    return "probabilities" if outputs_probabilities(config) else "logits"


def export_onnx(model: nn.Module, config: RunConfig, path: str | os.PathLike | BinaryIO) -> None:
    """Write ``model`` in inference mode (no dropout, batch norm's running statistics) as a checked ONNX file."""
    import onnx

    was_training = model.training
    model.eval()
    try:
        # two rows: a batch of one would fix the batch size at 1; token numbers are integers (0 is a character too)
        example = torch.zeros(2, *config.input_shape, dtype=torch.long if config.tokens else torch.float32)
        with _quiet_exporter():
            program = torch.onnx.export(
                model,
                (example,),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_shapes=({0: torch.export.Dim("batch")},),
                dynamo=True,
                verbose=False,
            )
    finally:
        model.train(was_training)
    proto = program.model_proto
    properties = {"playground.config": config.to_json(), "playground.output": output_meaning(config)}
    about_input = _input_columns(config)
    if kind_of(config.data).images:
        mean, std = pixel_normalisation(config)
        properties["playground.pixel_normalisation"] = json.dumps({"mean": mean, "std": std})
        about_input = f" (grey images, channels first: (pixels in [0, 1] - {mean:.6g}) / {std:.6g})"
    if config.tokens:
        characters = dataset_class_names(config.data)
        properties["playground.vocabulary"] = json.dumps(characters, ensure_ascii=False)
        about_input = f" (character numbers: token i is character i of the {len(characters)} in playground.vocabulary)"
    proto.doc_string = (
        f"{script_title(config)}. Input: {'int64' if config.tokens else 'float32'} "
        f"[batch, {', '.join(map(str, config.input_shape))}]"
        f"{about_input}; output: {output_meaning(config)}. Exported from the neural-network playground."
    )
    onnx.helper.set_model_props(proto, properties)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, path)


def pixel_normalisation(config: RunConfig) -> tuple[float, float]:
    """(mean, std) an image model's inputs were normalised with; "standard" needs the training images for it."""
    if config.data.normalize == "unit":
        return 0.0, 1.0
    from playground.data.registry import load_dataset

    return load_dataset(config.data).image_norm or (0.0, 1.0)


def _input_columns(config: RunConfig) -> str:
    if "features" in kind_of(config.data).settings:
        return f" ({', '.join(config.data.features)})"
    return ""


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The exporter logs and warns about things that do not concern the user (torchvision missing, deprecations)."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
