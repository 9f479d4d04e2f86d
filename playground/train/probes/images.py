"""Probes of the convolutions page: the filters, one image explained (feature maps, saliency, probabilities), a
drawn digit explained the same way, and a gallery of test images with the mistakes first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from playground.train.probes.budget import PICTURE_PROBE_INTERVAL_S, WEIGHTS_PROBE_INTERVAL_S, throttled
from playground.train.probes.tables import test_predictions

if TYPE_CHECKING:
    from playground.train.trainer import Trainer

#: Test images the Mistakes view shows at most.
GALLERY_SIZE = 40
#: Input channels of a deep conv layer's kernels the filter view receives at most.
MAX_FILTER_CHANNELS = 64


def require_images(trainer: Trainer) -> tuple[float, float]:
    """The images' normalisation (mean, std); ValueError when the data are not images."""
    if trainer.dataset.image_norm is None:
        raise ValueError("this view needs an image dataset")
    return trainer.dataset.image_norm


def pixels(trainer: Trainer, inputs: torch.Tensor) -> np.ndarray:
    """Normalised model inputs back as pixels in [0, 1] (first channel), for drawing."""
    mean, std = require_images(trainer)
    return (inputs[:, 0] * std + mean).clamp(0, 1).numpy().astype(np.float32)


def filters(trainer: Trainer) -> dict:
    """Every conv layer's kernels [filters, in channels, k, k] (at most MAX_FILTER_CHANNELS channels):
    the first layer's show what each filter looks for in the image."""
    return throttled(trainer, "filters", lambda: _filters(trainer), floor=WEIGHTS_PROBE_INTERVAL_S)


def _filters(trainer: Trainer) -> dict:
    layers = []
    for index, module in enumerate(trainer.model):
        conv = module if isinstance(module, nn.Conv2d) else getattr(module, "0", None)
        if isinstance(conv, nn.Conv2d):
            weight = conv.weight.detach()[:, :MAX_FILTER_CHANNELS]
            layers.append(
                {
                    "index": index,
                    "title": trainer.config.model.layers[index].title(),
                    "weights": weight.numpy().astype(np.float32).copy(),
                    "in_channels": conv.in_channels,
                }
            )
    return {"layers": layers}


def explain(trainer: Trainer, image: torch.Tensor) -> dict:
    """One image through the network: its class probabilities, the output of every layer that still holds
    images, and the saliency (|input gradient| of the predicted class's score, before any final softmax)."""
    model = trainer.model
    model.eval()
    maps = []
    value = image
    with torch.no_grad():
        for index, (layer, module) in enumerate(zip(trainer.config.model.layers, model, strict=True)):
            value = module(value)
            if value.dim() == 4:
                maps.append({"index": index, "title": layer.title(), "maps": value[0].numpy().astype(np.float32)})
        probabilities = trainer.squash(value)[0]
    predicted = int(probabilities.argmax())
    with torch.enable_grad():
        inputs = image.clone().requires_grad_(True)
        _scores(model, inputs)[0, predicted].backward()
    saliency = inputs.grad[0].abs().amax(dim=0)
    # scaled by a high quantile, not the maximum: one extreme pixel would leave all others invisible
    saliency = (saliency / torch.quantile(saliency, 0.99).clamp_min(1e-12)).clamp(max=1.0)
    model.zero_grad(set_to_none=True)
    return {
        "image": pixels(trainer, image)[0],
        "probabilities": probabilities.numpy().astype(np.float32),
        "predicted": predicted,
        "maps": maps,
        "saliency": saliency.numpy().astype(np.float32),
    }


def _scores(model: nn.Sequential, inputs: torch.Tensor) -> torch.Tensor:
    """The network's class scores before a final softmax: a saturated softmax (p = 1.0 in float32) has no
    gradient at all, so a saliency map taken after it would be blank for exactly the images it is sure of."""
    *body, last = list(model)
    value = inputs
    for module in body:
        value = module(value)
    if isinstance(last, nn.Softmax):
        return value
    if isinstance(last, nn.Sequential) and isinstance(last[-1], nn.Softmax):
        return last[:-1](value)
    return last(value)


def sample(trainer: Trainer) -> dict:
    """The chosen test image explained (see ``explain``), with its true class and index: painted live, so it is
    recomputed up to ten times a second while training (one image forward and back: about a millisecond)."""
    require_images(trainer)
    index = min(trainer.sample_index, len(trainer.x_test) - 1)

    def compute() -> dict:
        image = trainer.x_test[index : index + 1]
        return {**explain(trainer, image), "index": index, "true": int(trainer.y_test[index])}

    return throttled(trainer, "sample", compute, floor=PICTURE_PROBE_INTERVAL_S)


def drawn(trainer: Trainer) -> dict:
    """The drawn image explained, or ``{"empty": True}`` before anything is drawn: painted live, like ``sample``."""
    require_images(trainer)
    if trainer.drawing is None:
        return {"empty": True}
    drawing = trainer.drawing
    return throttled(trainer, "drawn", lambda: explain(trainer, drawing), floor=PICTURE_PROBE_INTERVAL_S)


def gallery(trainer: Trainer) -> dict:
    """Up to GALLERY_SIZE test images with predicted and true class and confidence, mistakes first (the most
    confident mistakes first), then the least confident right answers."""
    require_images(trainer)
    return throttled(trainer, "gallery", lambda: _gallery(trainer))


def _gallery(trainer: Trainer) -> dict:
    probabilities = test_predictions(trainer)
    true = trainer.y_test[: len(probabilities)]
    confidence, predicted = probabilities.max(dim=-1)
    wrong = predicted != true
    # mistakes by falling confidence, then right answers by rising confidence
    order_key = torch.where(wrong, -confidence, 1 + confidence)
    chosen = torch.argsort(order_key)[:GALLERY_SIZE]
    return {
        "indices": chosen.numpy().astype(np.int64),
        "images": (pixels(trainer, trainer.x_test[chosen]) * 255).round().astype(np.uint8),
        "predicted": predicted[chosen].numpy().astype(np.int64),
        "true": true[chosen].numpy().astype(np.int64),
        "confidence": confidence[chosen].numpy().astype(np.float32),
        "mistakes": int(wrong.sum()),
        "rows": len(true),
    }
