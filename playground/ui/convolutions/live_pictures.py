"""The convolutions page's live pictures (see ``playground.ui.pictures``): the conv filters, one test image or
the user's drawing through the network (the image, its saliency, the class probabilities and every layer's feature
maps), and the mistakes (the gallery, the confusion matrix, the accuracy per class), painted by the training view
with every new probe."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from playground.data.registry import class_name
from playground.i18n import Translator
from playground.ui.convolutions.choices import per_class_accuracy
from playground.ui.pictures import Pictures, bars, gallery, grid
from playground.ui.probe_charts import confusion_panel

#: A filter's tile, a feature map's tile and the test image's size on screen, in CSS pixels (about).
FILTER_TILE_PX = 36
MAP_TILE_PX = 56
IMAGE_PX = 168
GALLERY_TILE_PX = 84
#: Feature maps of one layer the view paints at most (a 512-filter layer would be 512 tiles and ~1 MB a frame).
MAX_MAPS = 64
#: Class probabilities shown at most: the most likely ones when there are more classes.
MAX_BARS = 10


def filter_pictures(t: Translator, channels: Mapping[int, int]) -> Pictures:
    """Each conv layer's kernels of one input channel (a layer's index -> its channel; 0 when absent)."""
    return Pictures(("filters",), _filter_panels, (t, tuple(sorted(channels.items()))))


def _filter_panels(probes: Mapping[str, Any], t: Translator, channels: tuple[tuple[int, int], ...]) -> list[dict]:
    chosen = dict(channels)
    panels = []
    for layer in probes["filters"]["layers"]:
        weights = layer["weights"]  # [filters, channels, k, k]
        channel = min(max(0, int(chosen.get(layer["index"], 0))), weights.shape[1] - 1)
        # one symmetric scale for the layer, whichever channel is shown; all-zero (or diverged) weights stay white
        limit = max(_largest(np.abs(weights)), 1e-12)
        panels.append(
            grid(
                f"{layer['index'] + 1}. {layer['title']}",
                t("filters_of", n=weights.shape[0], channel=channel + 1),
                weights[:, channel],
                -limit,
                limit,
                "kernel",
                FILTER_TILE_PX,
            )
        )
    return panels


def sample_pictures(t: Translator, names: tuple[str, ...]) -> Pictures:
    """The chosen test image explained: the image, its saliency, the class probabilities, every feature map."""
    return Pictures(("sample",), _sample_panels, (t, names))


def _sample_panels(probes: Mapping[str, Any], t: Translator, names: tuple[str, ...]) -> list[dict]:
    probe = probes["sample"]
    title = t("cnn_test_image", index=probe["index"], label=class_name(names, probe["true"]))
    return _explained(probe, t, names, title)


def drawn_pictures(t: Translator, names: tuple[str, ...]) -> Pictures:
    """The user's drawing explained, as the network gets it (centred and scaled like the dataset's images)."""
    return Pictures(("drawn",), _drawn_panels, (t, names))


def _drawn_panels(probes: Mapping[str, Any], t: Translator, names: tuple[str, ...]) -> list[dict]:
    probe = probes["drawn"]
    return [] if probe.get("empty") else _explained(probe, t, names, t("cnn_processed"))


def _explained(probe: Mapping[str, Any], t: Translator, names: tuple[str, ...], title: str) -> list[dict]:
    """An image through the network (see ``probes.images.explain``): the image captioned ``title``, its
    saliency, the class probabilities and every layer's feature maps."""
    image = np.asarray(probe["image"], dtype=np.float32)[None]
    probabilities = np.asarray(probe["probabilities"], dtype=np.float64)
    predicted = int(probe["predicted"])
    panels = [
        grid("", title, image, 0.0, 1.0, "grey", IMAGE_PX),
        grid("", t("cnn_saliency"), image, 0.0, 1.0, "grey", IMAGE_PX, overlay=probe["saliency"][None]),
        _probability_bars(t, names, probabilities, predicted),
    ]
    for layer in probe["maps"]:
        maps = np.asarray(layer["maps"])  # [channels, h, w]
        count, height, width = maps.shape
        shown = maps[:MAX_MAPS]
        template = "cnn_maps_of" if count <= MAX_MAPS else "cnn_maps_first"
        caption = t(template, shown=len(shown), count=count, height=height, width=width)
        finite = shown[np.isfinite(shown)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        panels.append(grid(f"{layer['index'] + 1}. {layer['title']}", caption, shown, low, high, "activation",
                           MAP_TILE_PX))  # fmt: skip
    return panels


def mistake_pictures(t: Translator, names: tuple[str, ...], n_test: int) -> Pictures:
    """The test images the network gets wrong (most confident first), then its least sure right answers; the
    confusion matrix and the accuracy per class. ``n_test``: the test images in all (the gallery may read fewer)."""
    return Pictures(("gallery", "confusion"), _mistake_panels, (t, names, n_test))


def _mistake_panels(probes: Mapping[str, Any], t: Translator, names: tuple[str, ...], n_test: int) -> list[dict]:
    panels = []
    if (probe := probes["gallery"]) is not None and len(probe["indices"]):
        template = "cnn_gallery_caption" if probe["rows"] >= n_test else "cnn_gallery_caption_first"  # a sample
        heading = t(template, mistakes=probe["mistakes"], rows=probe["rows"], total=n_test)
        labels = [
            [
                t("cnn_gallery_true", label=class_name(names, true)),  # three short lines: the columns stay narrow
                t("cnn_gallery_predicted", label=class_name(names, predicted)),
                t("cnn_gallery_sure", percent=round(confidence * 100), index=index),
            ]
            for index, true, predicted, confidence in zip(
                probe["indices"], probe["true"], probe["predicted"], probe["confidence"].tolist(), strict=True
            )
        ]
        wrong = probe["predicted"] != probe["true"]
        panels.append(gallery(heading, t("cnn_gallery_legend"), probe["images"], wrong, labels, GALLERY_TILE_PX))
    if (probe := probes["confusion"]) is not None:
        panels.append(confusion_panel(t, probe, names))
        accuracy = per_class_accuracy(np.asarray(probe["matrix"]))
        seen = np.flatnonzero(np.isfinite(accuracy))  # a class without test images has no accuracy, not 0 %
        panels.append(bars(t("cnn_per_class"), "", [class_name(names, n) for n in seen], accuracy[seen], None))
    return panels


def _probability_bars(t: Translator, names: tuple[str, ...], probabilities: np.ndarray, predicted: int) -> dict:
    """Every class's probability, or the MAX_BARS most likely ones (most likely first) when there are more."""
    count = len(probabilities)
    order = np.arange(count) if count <= MAX_BARS else np.argsort(-probabilities, kind="stable")[:MAX_BARS]
    heading = t("cnn_prediction_live", label=class_name(names, predicted), p=f"{float(probabilities[predicted]):.0%}")
    caption = "" if count <= MAX_BARS else t("cnn_top_classes", shown=MAX_BARS, count=count)
    mark = int(np.flatnonzero(order == predicted)[0]) if predicted in order else None
    return bars(heading, caption, [class_name(names, number) for number in order], probabilities[order], mark)


def _largest(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else 0.0
