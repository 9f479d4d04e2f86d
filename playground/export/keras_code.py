"""Keras code for a config, in the style of the seed article: ``keras.Sequential``, ``compile``, ``fit``.

For learners who go on with Keras. It makes the same data as the playground (the same copied generators as the
PyTorch script) and uses the same layers, optimizer, loss, penalty, batch size and epochs; Keras initialises the
weights its own way, so the numbers differ a little. Written for Keras 3 (``import keras``) on any backend.

Images are channels-last in Keras: the data's (n, 1, height, width) arrays are transposed to (n, height, width, 1),
and the Input is (height, width, channels). Augmentation becomes Keras's random preprocessing layers at the front.
Sequences are (steps, features) in both; text is (steps,) token numbers, an integer Input.
"""

from __future__ import annotations

from playground.config import RunConfig
from playground.data.registry import kind_of
from playground.export.data_source import data_source
from playground.export.layer_source import keras_source, layers_with_inputs
from playground.export.source import (
    augmentation_settings,
    has_penalty,
    paragraph,
    python_literal,
    requirements_sentence,
    schedule_imports,
    schedule_source,
    script_title,
    section,
    training_settings,
)
from playground.model import outputs_probabilities

_OPTIMIZERS = {
    "sgd": "keras.optimizers.SGD(learning_rate=LEARNING_RATE),",
    "momentum": "keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=0.9),",
    "adam": "keras.optimizers.Adam(learning_rate=LEARNING_RATE),",
    "rmsprop": "keras.optimizers.RMSprop(learning_rate=LEARNING_RATE, rho=0.99),  # PyTorch's smoothing",
    "adamw": "keras.optimizers.AdamW(learning_rate=LEARNING_RATE, weight_decay=0.01),  # PyTorch's decay",
}

#: (loss, network ends in probabilities) -> the Keras loss, with a comment that says why.
_LOSSES = {
    ("bce", True): '"binary_crossentropy",  # the network ends in a sigmoid: its outputs are probabilities',
    ("bce", False): "keras.losses.BinaryCrossentropy(from_logits=True),  # the network outputs logits",
    ("cross_entropy", True): '"sparse_categorical_crossentropy",  # the network ends in a softmax',
    ("cross_entropy", False): "keras.losses.SparseCategoricalCrossentropy(from_logits=True),  # one logit per class",
    ("mse", False): '"mean_squared_error",',
    ("mae", False): '"mean_absolute_error",',
}

_REGULARIZERS = {
    "l1": "keras.regularizers.L1(REG_RATE)  # on the kernels, not the biases, as in the playground",
    "l2": "keras.regularizers.L2(REG_RATE / 2)  # Keras's L2 is rate * sum w²; the playground's is half that",
}


def keras_code(config: RunConfig) -> str:
    """The whole Keras program as text; ``training.epochs`` sets how long it trains."""
    data = data_source(config)
    needs = requirements_sentence(data.packages())
    about = paragraph(
        "Keras code exported from the neural-network playground: the same data, layers, optimizer, loss, batch size "
        f"and epochs. Run it with `python <this file>`; it needs {needs}, and Keras 3 with one of its backends "
        "(TensorFlow, JAX, or PyTorch with KERAS_BACKEND=torch). Keras initialises weights its own way, so the numbers "
        "differ a little from the playground's."
    )
    imports = sorted({*data.imports, *schedule_imports(config), "import keras"})
    header = f'''\
"""{script_title(config)}

{about}
"""

from __future__ import annotations

{chr(10).join(imports)}
from keras import layers
'''
    sections = [
        header,
        section("Training settings") + _settings(config),
        section("Data: the playground's own code, copied so that the data is the same") + data.code,
        section("Model and training") + _model(config) + "\n\n" + schedule_source(config) + _main(config),
    ]
    return "\n\n\n".join(part.rstrip("\n") for part in sections) + "\n"


def _settings(config: RunConfig) -> str:
    return "\n".join([*training_settings(config), *augmentation_settings(config)]) + "\n"


def keras_input_shape(config: RunConfig) -> tuple[int, ...]:
    """The shape of one input for Keras: images channels-last, (height, width, channels)."""
    shape = tuple(config.input_shape)
    return (*shape[1:], shape[0]) if len(shape) == 3 else shape


def _augmentation_rows(config: RunConfig) -> str:
    """Keras's preprocessing layers for the playground's augmentation (active in fit only, like the Trainer's)."""
    if not config.augments:
        return ""
    data, side = config.data, config.input_shape[-1]
    rows = (
        "            # Augmentation, active only while training: the playground's kinds of change, but Keras draws\n"
        "            # its own random numbers (not PyTorch's), so the variants, and the numbers, differ a little.\n"
    )
    if data.augment_shift:
        rows += (
            f"            layers.RandomTranslation(AUGMENT_SHIFT / {side}, AUGMENT_SHIFT / {side}, "
            'fill_mode="constant", fill_value=black),\n'
        )
    if data.augment_rotate:  # Keras's factor is a share of a full turn
        rows += '            layers.RandomRotation(AUGMENT_ROTATE / 360, fill_mode="constant", fill_value=black),\n'
    if data.augment_noise:
        rows += "            layers.GaussianNoise(AUGMENT_NOISE / 100 / std),  # percent of the ink range\n"
    return rows


def _model(config: RunConfig) -> str:
    penalty = f"    penalty = {_REGULARIZERS[config.training.regularization]}\n" if has_penalty(config) else ""
    black = ""
    if config.augments and (config.data.augment_shift or config.data.augment_rotate):
        black = "    black = -mean / std  # a black pixel, normalised: the border that moved images get\n"
    dtype = ', dtype="int64"' if config.tokens else ""  # token numbers, for the embedding to look up
    rows = f"            keras.Input(shape={python_literal(keras_input_shape(config))}{dtype}),\n"
    rows += _augmentation_rows(config)
    for index, (layer, shape) in enumerate(layers_with_inputs(config)):
        calls = keras_source(layer, shape, "penalty" if penalty else None)
        rows += f"            {calls[0]},  # {index}: {layer.title()}\n"
        rows += "".join(f"            {call},\n" for call in calls[1:])
    signature = "build_model()"
    docstring = "The playground's layers, one Keras layer each (a leaky ReLU gets its own layer, with PyTorch's slope)."
    if config.augments:
        signature = "build_model(mean: float = 0.0, std: float = 1.0)"
        docstring += (
            "\n\n    mean, std: what the pixels were normalised with (load_images gives them); the augmentation"
            "\n    layers need them (a black pixel is -mean / std; AUGMENT_NOISE percent is AUGMENT_NOISE / 100 / std)."
            "\n    "
        )
    return f'''\
def {signature} -> keras.Sequential:
    """{docstring}"""
{_parameter_note(config)}{black}{penalty}    return keras.Sequential(
        [
{rows}        ]
    )
'''


def _parameter_note(config: RunConfig) -> str:
    """Why model.summary() counts fewer parameters than the playground, for Keras's SimpleRNN and LSTM."""
    kinds = {layer.kind for layer in config.model.layers} & {"rnn", "lstm"}
    if not kinds:
        return ""
    names = " and ".join(name for kind, name in (("rnn", "SimpleRNN"), ("lstm", "LSTM")) if kind in kinds)
    return (
        f"    # Keras's {names} {'have' if len(kinds) > 1 else 'has'} one bias per gate where PyTorch has two (one for "
        "the input, one for\n    # the state): model.summary() counts fewer parameters than the playground, which "
        "shows PyTorch's counts.\n"
    )


def _metrics(config: RunConfig, probabilities: bool) -> str:
    if config.task == "regression":
        mae = ', "mae"' if config.training.metric == "mae" else ""  # the mean absolute error, as the playground's
        return f'[keras.metrics.R2Score(name="r2"), keras.metrics.RootMeanSquaredError(name="rmse"){mae}]'
    if config.task == "multiclass":
        return '[keras.metrics.SparseCategoricalAccuracy(name="accuracy")]'
    threshold = "0.0" if config.loss == "bce" and not probabilities else "0.5"  # a logit of 0 is probability 0.5
    return f'[keras.metrics.BinaryAccuracy(threshold={threshold}, name="accuracy")]'


def _callbacks(config: RunConfig) -> str:
    """The schedule and the stopping rule as Keras callbacks (Keras counts epochs from 0, as learning_rate_for)."""
    lines = []
    if schedule_source(config):
        lines.append(
            "    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, rate: learning_rate_for(epoch))\n"
            "    callbacks.append(schedule)\n"
        )
    if config.training.target_test_loss is not None:
        lines.append(
            "    def stop_at_target(epoch: int, logs: dict) -> None:\n"
            '        model.stop_training = logs["val_loss"] <= TARGET_TEST_LOSS\n\n'
            "    callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=stop_at_target))\n"
        )
    if config.training.patience is not None:
        lines.append('    callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE))\n')
    return "    callbacks = []\n" + "".join(lines) if lines else ""


def _main(config: RunConfig) -> str:
    probabilities = outputs_probabilities(config)
    loss = _LOSSES[(config.loss, probabilities and config.loss in ("bce", "cross_entropy"))]
    labels = ""
    if config.task != "multiclass":
        labels = "    y_train, y_test = y_train.reshape(-1, 1), y_test.reshape(-1, 1)  # one column, like the output\n"
    if kind_of(config.data).images:
        labels = (
            "    # Keras wants images channels-last: (n, height, width, channels), not PyTorch's (n, channels, height, "
            "width)\n    x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)\n"
        ) + labels
    load, build = "x_train, y_train, x_test, y_test = load_data()", "build_model()"
    if config.augments:
        load, build = "x_train, y_train, x_test, y_test, (mean, std) = load_images()", "build_model(mean, std)"
    callbacks = _callbacks(config)
    fit_rest = "validation_data=(x_test, y_test)" + (", callbacks=callbacks" if callbacks else "")
    return f"""\
def main() -> None:
    keras.utils.set_random_seed(TRAINING_SEED)
    {load}
{labels}    model = {build}
    model.compile(
        optimizer={_OPTIMIZERS[config.training.optimizer]}
        loss={loss}
        metrics={_metrics(config, probabilities)},
    )
    model.summary()
{callbacks}    model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, {fit_rest})


if __name__ == "__main__":
    main()
"""
