"""The convolutions page's data panel: the image set or uploaded images, how they are normalised and augmented,
and a preview of a few training images."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import streamlit as st
from pydantic import ValidationError

from playground.config import DataConfig, RunConfig, describe_validation_error
from playground.data.registry import (
    kind_of,
)
from playground.data.upload import UploadError, uploaded_bytes
from playground.i18n import Translator
from playground.limits import limits
from playground.ui.common import translated_choice
from playground.ui.convolutions.choices import (
    DATASET_CHOICES,
    DEFAULT_IMAGES,
    K_AUG_NOISE,
    K_DATASET,
    K_FILE,
    K_N,
    K_NOISE,
    K_NORMALIZE,
    K_ROTATE,
    K_SHARE,
    K_SHIFT,
    K_UPLOADS,
    PAGE,
    data_config,
    stored_image_upload,
)
from playground.ui.loading import PageLoader, loaded_data
from playground.ui.run_controls import cached_dataset
from playground.viz import image_grids


def _adopt(config: RunConfig) -> None:
    """Set the data widgets to a loaded ``config``'s (``PageLoader.take`` sets the training widgets and layers)."""
    state, data = st.session_state, config.data
    state[K_DATASET] = data.dataset
    if not kind_of(data).takes_upload:
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
LOADER = PageLoader(PAGE, "an image set", _adopt)


def data_panel(t: Translator, base: RunConfig | None) -> DataConfig | None:
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
    kind = kind_of(dataset)
    loaded = loaded_data(base.data if base else None, dataset)
    if loaded is not None:
        settings["seed"] = loaded.seed
    if kind.takes_upload:
        upload = _upload_panel(t, loaded.upload if loaded is not None else None)
        if upload is None:
            return None
    else:
        most = kind.max_points
        count_key = f"{K_N}_{dataset}"
        state.setdefault(count_key, DEFAULT_IMAGES[dataset])
        settings["n_points"] = st.slider(
            t("cnn_n_images"), 100, most, step=100 if most > 2_000 else 1, key=count_key, help=t("cnn_help_n_images")
        )
        if "noise" in kind.settings:
            state.setdefault(K_NOISE, 10)
            settings["noise"] = st.slider(t("cnn_noise"), 0, 50, step=5, key=K_NOISE, help=t("cnn_help_noise"))
    # defaults through the session state, where a loaded setup puts its values (``_adopt``): a widget given both
    # a default and a value set in the session state makes Streamlit warn on every run
    for key, default in ((K_SHARE, 80), (K_SHIFT, 0), (K_ROTATE, 0), (K_AUG_NOISE, 0)):
        state.setdefault(key, default)
    settings["train_share"] = st.slider(
        t("cnn_train_share"), 10, 90, step=5, key=K_SHARE, help=t("cnn_help_train_share")
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
        settings["augment_shift"] = st.slider(t("cnn_shift"), 0, 6, key=K_SHIFT, help=t("cnn_help_shift"))
        settings["augment_rotate"] = st.slider(t("cnn_rotate"), 0, 45, step=5, key=K_ROTATE, help=t("cnn_help_rotate"))
        settings["augment_noise"] = st.slider(
            t("cnn_aug_noise"), 0, 50, step=5, key=K_AUG_NOISE, help=t("cnn_help_aug_noise")
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
    caption = t("cnn_preview", labels=labels)
    st.image(image_grids.image_grid(pixels, tile_px=40, columns=10), caption=caption, alt=caption)
