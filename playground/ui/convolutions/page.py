"""The convolutions page: pick images (or upload your own), stack conv layers, train live, and look inside:
filters, feature maps, saliency, mistakes, and a digit you draw yourself.

Like the tables page it holds no model: the session's worker trains it and computes the image probes
(``probes.images``: ``filters``, ``sample``, ``drawn``, ``gallery``); the views redraw from the newest snapshot
once a second.
"""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Any

import numpy as np
import streamlit as st
from pydantic import ValidationError

from playground.config import DataConfig, RunConfig, describe_validation_error, output_layer
from playground.data import images
from playground.data.registry import (
    DATASETS,
    DRAWING_FILL,
    IMAGE_SETS,
    IMAGE_UPLOAD,
    dataset_class_names,
    dataset_classes,
    dataset_input_shape,
    image_test_count,
)
from playground.data.upload import UploadError, uploaded_bytes
from playground.i18n import Translator
from playground.limits import limits
from playground.presets import load_preset
from playground.ui.common import pick_test_example, translated_choice
from playground.ui.downloads import downloads
from playground.ui.layer_editor import layer_stack_editor
from playground.ui.loading import PageLoader
from playground.ui.probe_charts import probe_charts
from playground.ui.run_controls import cached_dataset
from playground.ui.session import SessionRun, pause_session_run
from playground.ui.training_panel import build_config, training_panel, training_run
from playground.viz import image_grids

PAGE = "conv"
#: The image sets this page offers, the seed article's MNIST first; "image_upload" stands for the user's images.
DATASET_CHOICES: tuple[str, ...] = ("mnist", "digits", "shapes", IMAGE_UPLOAD)
#: The probes each view shows; the worker computes only those of the view on screen.
VIEW_PROBES: dict[str, tuple[str, ...]] = {
    "filters": ("filters",),
    "maps": ("sample",),
    "mistakes": ("gallery", "confusion"),
    "draw": ("drawn",),
    "inside": ("confusion", "histograms", "gradients"),
}
PROBES: tuple[str, ...] = VIEW_PROBES["filters"]
#: The seed article's training setup.
DEFAULT_TRAINING: dict[str, Any] = {"optimizer": "adam", "learning_rate": 0.001, "batch_size": 32, "epochs": 10}
#: How many images each shipped set opens with: all of digits and MNIST, 2,000 shapes.
DEFAULT_IMAGES = {**IMAGE_SETS, "shapes": 2_000}
VIEWS: tuple[str, ...] = ("filters", "maps", "mistakes", "draw", "inside")
CANVAS_PX = 224
#: Canvas stroke width per image side: about 2.5 pixels of a 28x28 digit, 1.3 of an 8x8 one.
STROKE_PX = 18

K_DATASET, K_FILE, K_N, K_NOISE, K_SHARE = "cnn_dataset", "cnn_file", "cnn_n_images", "cnn_noise", "cnn_train_share"
K_NORMALIZE, K_SHIFT, K_ROTATE, K_AUG_NOISE = "cnn_normalize", "cnn_shift", "cnn_rotate", "cnn_aug_noise"
K_UPLOADS, K_VIEW, K_SAMPLE, K_CHANNEL = "cnn_uploads", "cnn_view", "cnn_sample", "cnn_channel"


# Engine-side helpers (no widgets): what the page and its tests call -------------------------------------------


def data_config(dataset: str, upload: str | None = None, **settings: Any) -> DataConfig:
    """The DataConfig of the page's choices (an upload's own images ignore the count and noise)."""
    if dataset == IMAGE_UPLOAD:
        settings = {key: value for key, value in settings.items() if key not in ("n_points", "noise")}
        return DataConfig(dataset=dataset, upload=upload, **settings)
    settings.setdefault("n_points", DEFAULT_IMAGES[dataset])
    return DataConfig(dataset=dataset, **settings)


def initial_layers(data: DataConfig) -> list[dict]:
    """The stack a dataset opens with: the seed article's CNN on MNIST, the small digits CNN on 8x8 images, and
    that small CNN ending in the right number of classes elsewhere."""
    if data.dataset == "mnist":
        return [layer.model_dump() for layer in load_preset("seed-cnn").model.layers]
    layers = [layer.model_dump() for layer in load_preset("digits-cnn").model.layers]
    layers[-1] = {"kind": "dense", "units": dataset_classes(data), "activation": "softmax"}
    return layers


def stored_image_upload(data: bytes, filename: str) -> str:
    """Validate and store uploaded images (CSV or zip); returns the sha a DataConfig names them by."""
    from playground.data import image_upload

    return image_upload.store_image_set(image_upload.read_image_upload(data, filename))


def drawing_input(rgba: np.ndarray, data: DataConfig) -> np.ndarray:
    """A canvas picture as the network's input: grey ink, cropped, scaled, centred and resized like the data."""
    side = dataset_input_shape(data)[-1]
    return images.prepare_drawing(images.rgba_to_ink(rgba), side, DRAWING_FILL.get(data.dataset, images.MNIST_FILL))


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Right answers over images of each true class (rows of a confusion matrix); NaN for a class not seen."""
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)


# The page -------------------------------------------------------------------------------------------------------


def render(t: Translator) -> None:
    """Draw the whole page; ``pages/convolutions.py`` only picks the language and calls this."""
    st.title(t("cnn_title"))
    st.caption(t("cnn_intro"))
    LOADER.show_notice(t)
    base = LOADER.base_config()
    data_column, network_column = st.columns([1, 2], gap="medium")
    with data_column:
        data = _data_panel(t, base)
        training = training_panel(t, base, "cnn", DEFAULT_TRAINING)
    with network_column:
        if data is None:
            st.info(t("cnn_upload_first"), icon=":material/upload_file:")
            pause_session_run(PAGE)
            LOADER.panel(t)
            return
        config = _network_editor(t, data, training)
    _output(t, config)
    LOADER.panel(t)


def _adopt(config: RunConfig) -> None:
    """Set the data widgets to a loaded ``config``'s (``PageLoader.take`` sets the training widgets and layers)."""
    state, data = st.session_state, config.data
    state[K_DATASET] = data.dataset
    if data.dataset != IMAGE_UPLOAD:
        state[f"{K_N}_{data.dataset}"] = data.n_points
        state[K_NOISE] = data.noise
    state.update(
        {
            K_SHARE: data.train_share,
            K_NORMALIZE: data.normalize,
            K_SHIFT: data.augment_shift,
            K_ROTATE: data.augment_rotate,
            K_AUG_NOISE: data.augment_noise,
        }
    )


#: Loading a saved setup or checkpoint into this page.
LOADER = PageLoader("cnn", DATASET_CHOICES, "an image set", _adopt)


def _data_panel(t: Translator, base: RunConfig | None) -> DataConfig | None:
    st.subheader(t("data"))
    state = st.session_state
    dataset = translated_choice(
        st.selectbox,
        t("dataset"),
        DATASET_CHOICES,
        key=K_DATASET,
        format_func=lambda name: t(f"cnn_dataset_{name}"),
        help=t("cnn_help_dataset"),
    )
    st.caption(t(f"cnn_about_{dataset}"))
    settings: dict[str, Any] = {}
    upload = None
    loaded = base.data if base is not None and base.data.dataset == dataset else None
    if loaded is not None:
        settings["seed"] = loaded.seed
    if dataset == IMAGE_UPLOAD:
        upload = _upload_panel(t, loaded.upload if loaded is not None else None)
        if upload is None:
            return None
    else:
        most = DATASETS[dataset].max_points
        count_key = f"{K_N}_{dataset}"
        state.setdefault(count_key, DEFAULT_IMAGES[dataset])
        settings["n_points"] = st.slider(
            t("cnn_n_images"), 100, most, step=100 if most > 2_000 else 1, key=count_key, help=t("cnn_help_n_images")
        )
        if dataset == "shapes":
            settings["noise"] = st.slider(t("cnn_noise"), 0, 50, 10, 5, key=K_NOISE, help=t("cnn_help_noise"))
    settings["train_share"] = st.slider(
        t("cnn_train_share"), 10, 90, 80, 5, key=K_SHARE, help=t("cnn_help_train_share")
    )
    settings["normalize"] = translated_choice(
        st.radio,
        t("cnn_normalize"),
        ("unit", "standard"),
        key=K_NORMALIZE,
        format_func=lambda name: t(f"cnn_normalize_{name}"),
        horizontal=True,
        help=t("cnn_help_normalize"),
    )
    with st.expander(t("cnn_augmentation"), icon=":material/auto_fix_high:"):
        settings["augment_shift"] = st.slider(t("cnn_shift"), 0, 6, 0, key=K_SHIFT, help=t("cnn_help_shift"))
        settings["augment_rotate"] = st.slider(t("cnn_rotate"), 0, 45, 0, 5, key=K_ROTATE, help=t("cnn_help_rotate"))
        settings["augment_noise"] = st.slider(
            t("cnn_aug_noise"), 0, 50, 0, 5, key=K_AUG_NOISE, help=t("cnn_help_aug_noise")
        )
    try:
        data = data_config(dataset, upload, **settings)
    except ValidationError as error:
        st.error(t("cnn_upload_failed", reason=describe_validation_error(error)))
        return None
    _preview(t, data)
    return data


def _upload_panel(t: Translator, stored: str | None) -> str | None:
    """The uploader; a file is read and stored once (reruns pass the same bytes), its sha remembered by content.
    Without a file, ``stored`` (the images a loaded setup names) is used."""
    from playground.data.image_upload import image_set_info

    file = st.file_uploader(
        t("cnn_upload"),
        type=["csv", "zip"],
        key=K_FILE,
        help=t("cnn_help_upload"),
        max_upload_size=limits().max_upload_mb,
    )
    if file is None:
        if stored is None:
            return None
        sha = stored
    else:
        try:
            data = uploaded_bytes(file)  # refused by its size before it is read
        except UploadError as error:
            st.error(t("cnn_upload_failed", reason=str(error)))
            return None
        known: dict[str, str] = st.session_state.setdefault(K_UPLOADS, {})
        content = hashlib.sha256(data).hexdigest()
        if content not in known:
            try:
                with st.spinner(t("cnn_reading_upload")):
                    known[content] = stored_image_upload(data, file.name)
            except UploadError as error:
                st.error(t("cnn_upload_failed", reason=str(error)))
                return None
        sha = known[content]
    try:
        info = image_set_info(sha)
    except UploadError as error:
        st.error(t("cnn_upload_failed", reason=str(error)))
        return None
    st.caption(t("cnn_upload_summary", n=f"{info.n_images:,}", side=info.side, classes=info.n_classes))
    if info.inverted:
        st.caption(t("cnn_upload_inverted"))
    return sha


def _preview(t: Translator, data: DataConfig) -> None:
    """A few training images with their class, so students see what the network gets."""
    dataset = cached_dataset(data)
    mean, std = dataset.image_norm or (0.0, 1.0)
    count = min(20, len(dataset.x_train))
    pixels = np.clip(dataset.x_train[:count, 0] * std + mean, 0.0, 1.0)
    names = dataset.class_names or []
    labels = ", ".join(names[int(label)] for label in dataset.y_train[:count])
    st.image(image_grids.image_grid(pixels, tile_px=40, columns=10), caption=t("cnn_preview", labels=labels))


def _network_editor(t: Translator, data: DataConfig, training: dict[str, Any]) -> RunConfig | None:
    loaded, generation = LOADER.loaded_layers(data)
    key = f"cnn_stack_{data.dataset}_{data.upload or ''}" + (f"_{generation}" if generation else "")
    validate = partial(build_config, data, training)
    output = output_layer("multiclass", dataset_classes(data)).model_dump()
    output["activation"] = "softmax"  # the seed article's output; templates end like it
    initial = loaded or initial_layers(data)
    edited = layer_stack_editor(t, key, initial, validate, dataset_input_shape(data), output_layer=output)
    return edited.config


def _output(t: Translator, config: RunConfig | None) -> None:
    started = training_run(t, PAGE, config, PROBES, LOADER)
    if started is None:
        return
    run, shown = started
    names = tuple(dataset_class_names(shown.data))
    view = translated_choice(
        st.segmented_control,
        t("cnn_view"),
        VIEWS,
        key=K_VIEW,
        format_func=lambda name: t(f"cnn_view_{name}"),
        help=t("cnn_help_view"),
    )
    view = view or VIEWS[0]
    run.handle.set_probes(VIEW_PROBES[view])
    if view == "draw":
        _draw_panel(t, run, shown.data)
    elif view == "inside":
        probe_charts(t, run, shown, names, key="cnn")
    else:
        n_test = image_test_count(shown.data)
        if view == "maps":
            pick_test_example(run, n_test, K_SAMPLE, t("cnn_sample"), t("cnn_help_sample"))
        _views(t, run, view, names, n_test)
    st.subheader(t("take_away"))
    downloads(t, run, shown, key=PAGE, disabled=config is None)


def _usable(probes: dict, name: str) -> dict | None:
    probe = probes.get(name)
    return probe if probe and "error" not in probe else None


@st.fragment(run_every=1.0)
def _views(t: Translator, run: SessionRun, view: str, names: tuple[str, ...], n_test: int) -> None:
    """Redrawn every second from the newest snapshot, on its own (no page rerun)."""
    snapshot, _ = run.handle.snapshot()
    probes = snapshot.probes if snapshot.run_id else {}
    if view == "filters":
        _filters_view(t, _usable(probes, "filters"))
    elif view == "maps":
        _sample_view(t, _usable(probes, "sample"), names)
    elif view == "mistakes":
        _mistakes_view(t, _usable(probes, "gallery"), _usable(probes, "confusion"), names, n_test)


def _waiting(t: Translator) -> None:
    st.caption(t("cnn_waiting"))


def _filters_view(t: Translator, probe: dict | None) -> None:
    if probe is None:
        return _waiting(t)
    if not probe["layers"]:
        st.info(t("cnn_no_conv"), icon=":material/info:")
        return None
    st.caption(t("cnn_filters_caption"))
    for number, layer in enumerate(probe["layers"]):
        weights = layer["weights"]
        channel = 0
        if number > 0 and weights.shape[1] > 1:
            channel = st.slider(
                t("cnn_channel", title=layer["title"]), 0, weights.shape[1] - 1, 0, key=f"{K_CHANNEL}_{layer['index']}"
            )
        st.markdown(f"**{layer['index'] + 1}. {layer['title']}**")
        st.image(image_grids.filter_grid(weights, channel), caption=t("cnn_filters_of", n=weights.shape[0]))
    return None


def _probability_chart(probabilities: np.ndarray, names: tuple[str, ...]) -> None:
    import pandas as pd

    labels = [_name(names, number) for number in range(len(probabilities))]
    frame = pd.DataFrame({"class": labels, "probability": probabilities.astype(float)})
    st.bar_chart(frame, x="class", y="probability", height=180)


def _explained(t: Translator, probe: dict, names: tuple[str, ...], caption: str) -> None:
    """An image through the network: the input, saliency, class probabilities and every layer's feature maps."""
    left, middle, right = st.columns([1, 1, 2])
    left.image(_big_grey(probe["image"], 168), caption=caption)
    middle.image(image_grids.saliency_overlay(probe["image"], probe["saliency"]), caption=t("cnn_saliency"))
    with right:
        predicted = names[probe["predicted"]] if probe["predicted"] < len(names) else str(probe["predicted"])
        st.markdown(t("cnn_prediction", label=predicted, p=f"{float(probe['probabilities'].max()):.0%}"))
        _probability_chart(probe["probabilities"], names)
    for layer in probe["maps"]:
        maps = layer["maps"]
        st.markdown(f"**{layer['index'] + 1}. {layer['title']}** · {maps.shape[0]} × {maps.shape[1]}×{maps.shape[2]}")
        st.image(image_grids.feature_map_grid(maps))


def _sample_view(t: Translator, probe: dict | None, names: tuple[str, ...]) -> None:
    if probe is None:
        return _waiting(t)
    true = names[probe["true"]] if probe["true"] < len(names) else str(probe["true"])
    _explained(t, probe, names, t("cnn_test_image", index=probe["index"], label=true))
    return None


def _mistakes_view(
    t: Translator, gallery: dict | None, confusion: dict | None, names: tuple[str, ...], n_test: int
) -> None:
    if gallery is None:
        return _waiting(t)
    wrong = gallery["predicted"] != gallery["true"]
    borders = np.where(wrong[:, None], [[220, 38, 38]], [[22, 163, 74]]).astype(np.uint8)
    caption = "cnn_gallery_caption" if gallery["rows"] >= n_test else "cnn_gallery_caption_first"  # a sample
    st.caption(t(caption, mistakes=gallery["mistakes"], rows=gallery["rows"], total=n_test))
    captions = [
        _tile_caption(_name(names, true), _name(names, predicted), float(confidence))
        for true, predicted, confidence in zip(
            gallery["true"], gallery["predicted"], gallery["confidence"], strict=True
        )
    ]
    st.image(image_grids.image_grid(gallery["images"], tile_px=84, borders=borders, captions=captions))
    st.caption(t("cnn_gallery_legend"))
    table = [
        {
            t("cnn_col_image"): int(index),
            t("tab_true"): _name(names, true),
            t("tab_predicted"): _name(names, predicted),
            t("cnn_col_confidence"): f"{confidence:.0%}",
        }
        for index, true, predicted, confidence in zip(
            gallery["indices"], gallery["true"], gallery["predicted"], gallery["confidence"], strict=True
        )
    ]
    st.dataframe(table, hide_index=True, height=220)
    if confusion is not None:
        import pandas as pd

        from playground.viz import tabular_charts

        left, right = st.columns(2)
        figure = tabular_charts.confusion_figure(
            confusion, names, t("tab_confusion"), t("tab_true"), t("tab_predicted")
        )
        left.plotly_chart(figure, key="cnn_chart_confusion", width="stretch")
        accuracy = per_class_accuracy(confusion["matrix"])
        frame = pd.DataFrame({"class": [_name(names, i) for i in range(len(accuracy))], "accuracy": accuracy})
        right.markdown(f"**{t('cnn_per_class')}**")
        right.bar_chart(frame, x="class", y="accuracy", height=300)
    return None


def _tile_caption(true: str, predicted: str, confidence: float) -> str:
    """ "true>predicted 97%" under a gallery tile; long class names keep their first letters (a tile holds about
    14 characters)."""
    text = f"{true}>{predicted}"
    if len(text) > 9:
        text = f"{true[:4]}>{predicted[:4]}"
    return f"{text} {confidence:.0%}"


def _big_grey(pixels: np.ndarray, size_px: int) -> np.ndarray:
    return image_grids.enlarge(image_grids.grey(pixels), image_grids.scale_for(pixels.shape[0], size_px))


def _name(names: tuple[str, ...], number: int) -> str:
    return names[int(number)] if 0 <= int(number) < len(names) else str(int(number))


def _draw_panel(t: Translator, run: SessionRun, data: DataConfig) -> None:
    left, right = st.columns([1, 2])
    with left:
        _canvas(t, run, data)
    with right:
        _drawn_view(t, run, tuple(dataset_class_names(data)))


@st.fragment
def _canvas(t: Translator, run: SessionRun, data: DataConfig) -> None:
    """The drawing canvas in its own fragment: a stroke reruns only this, and hands the prepared image to the
    worker, which predicts it between training slices."""
    from streamlit_drawable_canvas import st_canvas

    st.caption(t("cnn_draw_help"))
    result = st_canvas(
        stroke_width=STROKE_PX,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_PX,
        width=CANVAS_PX,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"cnn_canvas_{data.dataset}",
    )
    rgba = result.image_data
    if rgba is None:
        return
    prepared = drawing_input(rgba, data)
    wanted = prepared if prepared.any() else None
    sent = run.handle.drawing
    if (sent is None) != (wanted is None) or (wanted is not None and not np.array_equal(sent, wanted)):
        run.handle.set_drawing(wanted)  # a new drawing, or a worker that has not seen this one
    st.image(_big_grey(prepared, 112), caption=t("cnn_processed"))


@st.fragment(run_every=1.0)
def _drawn_view(t: Translator, run: SessionRun, names: tuple[str, ...]) -> None:
    snapshot, _ = run.handle.snapshot()
    probe = _usable(snapshot.probes if snapshot.run_id else {}, "drawn")
    if probe is None or probe.get("empty"):
        st.info(t("cnn_draw_first"), icon=":material/draw:")
        return
    _explained(t, probe, names, t("cnn_your_drawing"))
