"""The image views of a CNN run: filters, feature maps and saliency of a test image and a drawn one, the gallery,
augmentation, chunked evaluation, and the worker's sample and drawing commands."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from playground.config import EVAL_CHUNK, RunConfig
from playground.data.images import prepare_drawing
from playground.data.registry import DATASETS
from playground.presets import load_preset
from playground.train.probes import choices, images, tables
from playground.train.probes.images import MAX_FILTER_CHANNELS
from playground.train.trainer import Trainer
from playground.train.worker import WorkerHandle


def digits_cnn(data: dict | None = None, layers: list | None = None, **training) -> RunConfig:
    raw = load_preset("digits-cnn").model_dump()
    raw["data"].update(data or {})
    raw["training"].update(training)
    if layers is not None:
        raw["model"]["layers"] = layers
    return RunConfig.from_dict(raw)


@pytest.fixture(scope="module")
def trained() -> Trainer:
    """The digits CNN after two epochs: good, but not so good that the gallery has no mistakes."""
    trainer = Trainer(load_preset("digits-cnn"))
    for _ in range(2):
        trainer.train_epoch()
    return trainer


def drawn_seven(side: int = 8) -> np.ndarray:
    canvas = np.zeros((280, 280), np.float32)
    canvas[40:60, 60:220] = 1.0
    canvas[40:240, 200:220] = 1.0
    return prepare_drawing(canvas, side, DATASETS["digits" if side == 8 else "mnist"].drawing_fill)


def test_filters_are_the_conv_weights(trained):
    probe = images.filters(trained)
    assert [layer["index"] for layer in probe["layers"]] == [0, 2]
    titles = [layer["title"] for layer in probe["layers"]]
    assert titles == ["Conv2D(16, 3x3, same, relu)", "Conv2D(32, 3x3, same, relu)"]
    assert [layer["in_channels"] for layer in probe["layers"]] == [1, 16]
    for entry in probe["layers"]:
        weight = trained.model[entry["index"]][0].weight.detach().numpy()
        assert entry["weights"].dtype == np.float32
        np.testing.assert_array_equal(entry["weights"], weight)
    assert probe["layers"][0]["weights"].shape == (16, 1, 3, 3)
    assert probe["layers"][1]["weights"].shape == (32, 16, 3, 3)
    probe["layers"][0]["weights"][:] = 0  # a copy: drawing it cannot change the model
    assert trained.model[0][0].weight.abs().sum() > 0


def test_filters_of_deep_layers_are_capped_and_follow_training():
    layers = [
        {"kind": "conv2d", "filters": 80, "kernel_size": 3, "padding": "same", "activation": "linear"},
        {"kind": "activation", "function": "relu"},
        {"kind": "conv2d", "filters": 4, "kernel_size": 2, "stride": 2},
        {"kind": "global_avg_pool"},
        {"kind": "dense", "units": 10},
    ]
    trainer = Trainer(digits_cnn(data={"n_points": 200}, layers=layers))
    probe = images.filters(trainer)
    assert [layer["index"] for layer in probe["layers"]] == [0, 2]
    assert probe["layers"][1]["weights"].shape == (4, MAX_FILTER_CHANNELS, 2, 2)
    assert probe["layers"][1]["in_channels"] == 80
    np.testing.assert_array_equal(
        probe["layers"][1]["weights"], trainer.model[2][0].weight.detach()[:, :MAX_FILTER_CHANNELS].numpy()
    )
    before = probe["layers"][0]["weights"].copy()
    trainer.train_epoch()
    after = images.filters(trainer)["layers"][0]["weights"]
    assert not np.array_equal(before, after)  # a new epoch recomputes the probe
    np.testing.assert_array_equal(after, trainer.model[0].weight.detach().numpy())


def test_sample_explains_a_test_image(trained):
    choices.set_sample(trained, 0)
    probe = images.sample(trained)
    image = trained.x_test[0:1]
    assert probe["index"] == 0 and probe["true"] == int(trained.y_test[0])
    assert probe["image"].shape == (8, 8) and probe["image"].dtype == np.float32
    assert probe["image"].min() >= 0 and probe["image"].max() <= 1
    np.testing.assert_allclose(probe["image"], trained.dataset.x_test[0, 0], atol=1e-6)
    probabilities = probe["probabilities"]
    assert probabilities.shape == (10,) and probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(probabilities, trained.predict(image)[0].numpy(), atol=1e-6)
    assert probe["predicted"] == int(probabilities.argmax())
    summary = trained.config.summary()
    assert [entry["index"] for entry in probe["maps"]] == [0, 1, 2]  # conv, pool, conv: still images
    for entry in probe["maps"]:
        assert entry["maps"].shape == summary[entry["index"]].output_shape
        assert entry["title"] == summary[entry["index"]].title
    with torch.no_grad():
        first = trained.model[0](image)[0].numpy()
    np.testing.assert_allclose(probe["maps"][0]["maps"], first, atol=1e-6)
    saliency = probe["saliency"]
    assert saliency.shape == (8, 8) and saliency.min() >= 0 and saliency.max() == pytest.approx(1.0)
    # saliency is |d score of the predicted class / d pixel|, the score taken before the final softmax (the
    # digits CNN ends in Dense(10, softmax): Linear then Softmax), scaled so the strongest pixels read 1
    pixels = image.clone().requires_grad_(True)
    trained.model.eval()
    *body, last = list(trained.model)
    value = pixels
    for module in body:
        value = module(value)
    last[0](value)[0, probe["predicted"]].backward()
    trained.model.zero_grad(set_to_none=True)
    gradient = pixels.grad[0, 0].abs().numpy()
    assert saliency.flat[gradient.argmax()] == pytest.approx(1.0)
    below = saliency < 1.0 - 1e-6
    assert below.sum() >= 32, "all but the strongest few pixels keep their differences"
    scales = saliency[below] / gradient[below].clip(min=1e-20)
    nonzero = gradient[below] > 1e-9
    np.testing.assert_allclose(scales[nonzero], scales[nonzero][0], rtol=1e-4)  # one scale for all pixels
    assert scales[nonzero][0] * gradient.max() >= 1.0 - 1e-5
    # clipped pixels are exactly the strongest ones
    assert gradient[~below].min() >= gradient[below].max() - 1e-9


def test_set_sample_chooses_the_explained_image(trained):
    try:
        choices.set_sample(trained, 5)
        probe = images.sample(trained)
        assert probe["index"] == 5 and probe["true"] == int(trained.y_test[5])
        np.testing.assert_allclose(probe["image"], trained.dataset.x_test[5, 0], atol=1e-6)
        last = len(trained.x_test) - 1
        choices.set_sample(trained, last)
        assert images.sample(trained)["index"] == last
        for bad in (len(trained.x_test), -1):
            with pytest.raises(ValueError, match=f"test images 0 to {last}"):
                choices.set_sample(trained, bad)
        assert images.sample(trained)["index"] == last
    finally:
        choices.set_sample(trained, 0)


def test_a_drawing_is_predicted_and_explained(trained):
    assert images.drawn(trained) == {"empty": True}
    drawing = drawn_seven()
    try:
        choices.set_drawing(trained, drawing)
        probe = images.drawn(trained)
        assert "empty" not in probe
        np.testing.assert_allclose(probe["image"], drawing, atol=1e-6)
        assert probe["probabilities"].shape == (10,) and probe["probabilities"].sum() == pytest.approx(1.0, abs=1e-5)
        expected = trained.predict(torch.as_tensor(drawing)[None, None])[0].numpy()
        np.testing.assert_allclose(probe["probabilities"], expected, atol=1e-6)
        assert [entry["maps"].shape for entry in probe["maps"]] == [(16, 8, 8), (16, 4, 4), (32, 4, 4)]
        assert probe["saliency"].shape == (8, 8)
        with pytest.raises(ValueError, match="must be 8x8"):
            choices.set_drawing(trained, np.zeros((28, 28), np.float32))
        with pytest.raises(ValueError, match="finite"):
            choices.set_drawing(trained, np.full((8, 8), np.nan, np.float32))
        np.testing.assert_allclose(images.drawn(trained)["image"], drawing, atol=1e-6)  # a refused one changes nothing
    finally:
        choices.set_drawing(trained, None)
    assert images.drawn(trained) == {"empty": True}


def test_a_drawing_is_normalised_like_the_data():
    trainer = Trainer(digits_cnn(data={"n_points": 300, "normalize": "standard"}))
    mean, std = trainer.dataset.image_norm
    assert std != 1.0
    drawing = drawn_seven()
    choices.set_drawing(trainer, drawing)
    torch.testing.assert_close(trainer.drawing[0, 0], (torch.as_tensor(drawing) - mean) / std)
    np.testing.assert_allclose(images.drawn(trainer)["image"], drawing, atol=1e-5)  # shown as pixels again


def test_gallery_shows_mistakes_first(trained):
    probe = images.gallery(trained)
    shown = len(probe["indices"])
    assert shown == min(40, len(trained.x_test)) and probe["rows"] == len(trained.x_test)
    wrong = probe["predicted"] != probe["true"]
    assert 0 < probe["mistakes"] < shown, "the two-epoch model should make a few, but not 40, mistakes"
    assert wrong.sum() == probe["mistakes"]
    assert not (np.diff(wrong.astype(int)) > 0).any(), "a right answer came before a mistake"
    confidence = probe["confidence"]
    assert (np.diff(confidence[wrong]) <= 1e-7).all(), "mistakes should come most confident first"
    assert (np.diff(confidence[~wrong]) >= -1e-7).all(), "right answers should come least confident first"
    matrix = tables.confusion(trained)["matrix"]
    assert probe["mistakes"] == int(matrix.sum() - np.trace(matrix))
    indices = torch.as_tensor(probe["indices"])
    np.testing.assert_array_equal(probe["true"], trained.y_test[indices].numpy())
    predictions = trained.predict(trained.x_test[indices])
    np.testing.assert_array_equal(probe["predicted"], predictions.argmax(dim=-1).numpy())
    np.testing.assert_allclose(probe["confidence"], predictions.max(dim=-1).values.numpy(), atol=1e-6)
    assert probe["images"].shape == (shown, 8, 8) and probe["images"].dtype == np.uint8
    expected = np.round(trained.dataset.x_test[probe["indices"], 0] * 255)
    np.testing.assert_array_equal(probe["images"], expected.astype(np.uint8))
    # every mistake of the test set that fits is shown: none is left out for a right answer
    all_predictions = trained.predict(trained.x_test).argmax(dim=-1)
    all_wrong = set(torch.nonzero(all_predictions != trained.y_test).flatten().tolist())
    assert set(probe["indices"][wrong].tolist()) == all_wrong


def test_image_probes_refuse_data_without_images():
    trainer = Trainer(load_preset("circle"))
    for probe in (images.sample, images.drawn, images.gallery):
        with pytest.raises(ValueError, match="needs an image dataset"):
            probe(trainer)
    with pytest.raises(ValueError, match="needs an image dataset"):
        choices.set_drawing(trainer, np.zeros((8, 8), np.float32))
    assert images.filters(trainer) == {"layers": []}
    assert trainer.augmentation is None


def test_augmentation_changes_training_but_not_the_batch_order_or_test_set():
    plain = Trainer(digits_cnn(data={"n_points": 400}))
    shifted = Trainer(digits_cnn(data={"n_points": 400, "augment_shift": 2}))
    assert plain.augmentation is None and shifted.augmentation == (2, 0, 0)
    augment_state = shifted.augment_generator.get_state()
    first_plain, first_shifted = plain.train_epoch(), shifted.train_epoch()
    assert torch.equal(plain.batch_order.get_state(), shifted.batch_order.get_state())
    assert not torch.equal(shifted.augment_generator.get_state(), augment_state)  # it drew the shifts
    assert torch.equal(plain.x_test, shifted.x_test) and torch.equal(plain.y_test, shifted.y_test)
    assert torch.equal(plain.x_train, shifted.x_train)  # the stored images stay as they are
    assert first_plain["train_loss"] != first_shifted["train_loss"]
    assert plain.step == shifted.step
    # the same run again gives the same history: augmentation is seeded by the training seed
    again = Trainer(digits_cnn(data={"n_points": 400, "augment_shift": 2}))
    assert again.train_epoch() == first_shifted


def test_augmentation_borders_and_noise_are_in_normalised_units():
    config = digits_cnn(data={"n_points": 300, "normalize": "standard", "augment_shift": 3})
    trainer = Trainer(config)
    mean, std = trainer.dataset.image_norm
    black = -mean / std
    white = (1.0 - mean) / std
    batch = torch.full((32, 1, 8, 8), white)  # all ink: whatever moves in at a border is the padding
    out = trainer._augment(batch)
    assert out.shape == batch.shape and not torch.equal(out, batch)
    assert float(out.min()) == pytest.approx(black, abs=1e-4)  # the normalised black, not 0 or anything darker
    assert float(out.max()) == pytest.approx(white, abs=1e-4)
    noisy = Trainer(digits_cnn(data={"n_points": 300, "normalize": "standard", "augment_noise": 10}))
    difference = (noisy._augment(batch) - batch) * std  # back in pixel units
    assert float(difference.std()) == pytest.approx(0.1, rel=0.1)


def test_chunked_evaluation_equals_one_pass(trained):
    inputs = trained.x_test
    assert len(inputs) > EVAL_CHUNK  # the chunked path is the one under test
    chunked = trained._forward(inputs)
    with torch.no_grad():
        whole = trained.model(inputs)
    torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(trained._forward(inputs[:10]), whole[:10], atol=1e-5, rtol=1e-5)
    assert not trained.model.training


def test_chunked_evaluation_with_batchnorm_uses_running_statistics():
    layers = [
        {"kind": "conv2d", "filters": 8, "kernel_size": 3, "padding": "same", "activation": "linear"},
        {"kind": "batchnorm"},
        {"kind": "activation", "function": "relu"},
        {"kind": "global_avg_pool"},
        {"kind": "dense", "units": 10},
    ]
    trainer = Trainer(digits_cnn(data={"n_points": 500}, layers=layers))
    trainer.train_epoch()
    inputs = torch.cat([trainer.x_train, trainer.x_test, trainer.x_train])
    assert len(inputs) > 3 * EVAL_CHUNK
    chunked = trainer._forward(inputs)
    trainer.model.eval()
    with torch.no_grad():
        whole = trainer.model(inputs)
    torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=1e-5)


# --------------------------------------------------------------------------- the worker


def test_worker_keeps_the_chosen_sample_and_drawing_across_resets():
    probes = ("sample", "drawn", "gallery", "filters")
    worker = WorkerHandle(digits_cnn(data={"n_points": 400}), probes=probes)
    try:
        first = worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
        assert first.probes["sample"]["index"] == 0 and first.probes["drawn"] == {"empty": True}
        assert first.probes["gallery"]["rows"] == 80
        assert [layer["index"] for layer in first.probes["filters"]["layers"]] == [0, 2]

        worker.set_sample(5)
        chosen = worker.wait_until(lambda s, _: s.probes.get("sample", {}).get("index") == 5)
        assert chosen.probes["sample"]["image"].shape == (8, 8)
        drawing = drawn_seven()
        worker.set_drawing(drawing)
        drawn = worker.wait_until(lambda s, _: "probabilities" in s.probes.get("drawn", {}))
        np.testing.assert_allclose(drawn.probes["drawn"]["image"], drawing, atol=1e-6)
        assert drawn.probes["sample"]["index"] == 5

        worker.reset()
        fresh = worker.wait_until(lambda s, _: s.run_id != first.run_id and s.status == "paused")
        assert fresh.epoch == 0
        assert fresh.probes["sample"]["index"] == 5
        np.testing.assert_allclose(fresh.probes["drawn"]["image"], drawing, atol=1e-6)

        worker.step()
        stepped = worker.wait_until(lambda s, _: s.epoch == 1)
        assert stepped.probes["sample"]["index"] == 5 and "probabilities" in stepped.probes["drawn"]

        # MNIST's 28x28 images: the 8x8 drawing no longer fits and is dropped, which is no error
        mnist = digits_cnn(data={"dataset": "mnist", "n_points": 200})
        worker.reset(mnist)
        moved = worker.wait_until(lambda s, _: s.run_id != fresh.run_id and s.status != "starting", timeout=60)
        assert moved.status == "paused" and moved.message is None
        assert moved.probes["drawn"] == {"empty": True}
        assert moved.probes["sample"]["index"] == 5 and moved.probes["sample"]["image"].shape == (28, 28)
        assert moved.probes["gallery"]["images"].shape[1:] == (28, 28)

        worker.set_drawing(drawn_seven(28))
        mnist_drawn = worker.wait_until(lambda s, _: "probabilities" in s.probes.get("drawn", {}))
        assert mnist_drawn.probes["drawn"]["image"].shape == (28, 28)

        # an index past a smaller test set shows its last image, and fails nothing
        small = digits_cnn(data={"n_points": 200, "train_share": 90})
        worker.set_sample(500)
        worker.reset(small)
        last = worker.wait_until(
            lambda s, _: s.run_id != mnist_drawn.run_id and s.probes.get("sample", {}).get("index") == 19
        )
        assert last.status == "paused" and "error" not in last.probes["sample"]

        # the page shows one view at a time: the worker then computes only that view's probes
        worker.set_probes(("filters",))
        only = worker.wait_until(lambda s, _: set(s.probes) == {"filters"}, timeout=30)
        assert only.probes["filters"]["layers"]
    finally:
        worker.stop()
    assert not worker.alive


def test_probes_share_a_budget_while_training_and_are_exact_when_it_stops(monkeypatch):
    from playground.train.probes import budget

    monkeypatch.setattr(budget, "PROBE_INTERVAL_S", 600.0)  # however slow the machine, within the interval
    monkeypatch.setattr(budget, "PROBE_RECENT_S", 1200.0)
    trainer = Trainer(digits_cnn(data={"n_points": 400}))
    trainer.probe_cache.throttle = True
    first = images.gallery(trainer)
    trainer.train_epoch()  # a new epoch, but the last computation is younger than the interval
    assert images.gallery(trainer) is first
    trainer.probe_cache.throttle = False  # training stopped: the probe follows the model at once
    fresh = images.gallery(trainer)
    assert fresh is not first
    np.testing.assert_array_equal(fresh["predicted"], trainer.predict(trainer.x_test[fresh["indices"]]).argmax(-1))
    # the gallery's own cost excludes the test predictions it is built on (they have their own entry)
    costs = {name: cost for name, (_, _, cost, _, _) in trainer.probe_cache.entries.items()}
    assert set(costs) == {"gallery", "test_predictions"}
    assert trainer.probe_cache.interval() == pytest.approx(600.0)
    monkeypatch.setattr(budget, "PROBE_INTERVAL_S", 0.0)
    assert trainer.probe_cache.interval() == pytest.approx(5 * sum(costs.values()))  # probes take a fifth of the time
    monkeypatch.setattr(budget, "PROBE_INTERVAL_S", 100.0)
    monkeypatch.setattr(budget, "PROBE_RECENT_S", 2.0)  # never longer than half the window
    assert trainer.probe_cache.interval() == pytest.approx(1.0)


def test_forgetting_a_probe_forgets_what_only_it_was_built_on():
    from playground.train.probes.budget import ProbeCache

    cache = ProbeCache()

    def built_on_predictions(name: str) -> str:
        cache.get("test_predictions", (0, 0, 0, 0), lambda: "predictions")
        return name

    cache.get("gallery", (0, 0, 0, 0), lambda: built_on_predictions("gallery"))
    cache.get("confusion", (0, 0, 0, 0), lambda: built_on_predictions("confusion"))  # the predictions from the cache
    cache.forget(["gallery"])
    assert set(cache.entries) == {"confusion", "test_predictions"}  # the confusion matrix is still built on them
    cache.forget(["confusion"])
    assert not cache.entries and not cache.parents


def test_the_shared_interval_counts_each_probe_at_the_rate_it_is_computed():
    import time

    from playground.train.probes.budget import PROBE_SHARE, ProbeCache

    def cache(*probes: tuple[float | None, float]) -> ProbeCache:
        made = ProbeCache()
        for number, (floor, cost) in enumerate(probes):
            made.entries[f"p{number}"] = ((), time.monotonic(), cost, None, floor)
        return made

    assert cache().shared_interval() == 0.0
    # maps with every snapshot (7.4 ms) beside charts ten times a second (2.9 ms): the charts take 2.9 % of the
    # time at their own rate, the maps the rest of the fifth
    both = cache((0.0, 0.0074), (0.1, 0.0029))
    assert both.shared_interval() == pytest.approx(0.0074 / (PROBE_SHARE - 0.029))
    assert both.shared_interval() < 5 * (0.0074 + 0.0029)  # counted as if both ran every interval before
    # charts too costly for their floor: every probe runs at the shared spacing, a fifth of the time in all
    costly = cache((0.0, 0.01), (0.1, 0.03))
    assert costly.shared_interval() == pytest.approx(0.04 / PROBE_SHARE)
    # probes cheap at their own floors need no shared spacing at all
    assert cache((0.5, 0.01), (None, 0.02)).shared_interval() == 0.0
    shares = [cost / max(both.shared_interval(), floor) for _, _, cost, _, floor in both.entries.values()]
    assert sum(shares) == pytest.approx(PROBE_SHARE)


def test_a_slow_probe_takes_at_most_a_tenth_of_the_time_on_its_own():
    """The Mistakes view's predictions on 1,000 test images (170-270 ms) at a fifth of the time kept its page's
    training at 0.69-0.80 of a worker computing nothing: a probe over SLOW_PROBE_S is spaced by its own cost."""
    import time

    from playground.train.probes.budget import SLOW_PROBE_S, SLOW_PROBE_SHARE, ProbeCache

    cost = 0.25
    assert cost > SLOW_PROBE_S
    cache = ProbeCache()
    cache.throttle = True

    def asked(age: float, own_cost: float) -> bool:
        """Whether a probe of this cost, computed ``age`` seconds ago at epoch 1, is computed again at epoch 2."""
        cache.entries = {"predictions": ((1, 10, 0, 0, None), time.monotonic() - age, own_cost, "old", 0.1)}
        return cache.get("predictions", (2, 20, 0, 0, None), lambda: "new", 0.1) == "new"

    spacing = cost / SLOW_PROBE_SHARE  # 2.5 s, where the shared budget alone allowed 1.25 s
    assert not asked(spacing - 0.2, cost)
    assert asked(spacing + 0.2, cost)
    assert asked(0.3, 0.05)  # a probe of 50 ms at a floor of 0.1 s: every 0.25 s, a fifth of the time
    slow = ProbeCache()
    slow.entries = {"predictions": ((), time.monotonic(), cost, None, 0.1)}
    assert slow.shared_interval() == 0.0  # at its own spacing it takes a tenth: no shared spacing for the others


def test_the_filters_follow_training_as_the_budget_allows_while_other_probes_keep_the_shared_interval(monkeypatch):
    """The filters are the conv layers' weights, painted live: they are recomputed as soon as the probes' budget
    allows (five times what the probes in use cost), not after the shared interval a probe drawn once a second
    waits for (600 s here)."""
    from playground.train.probes import budget

    monkeypatch.setattr(budget, "PROBE_INTERVAL_S", 600.0)
    monkeypatch.setattr(budget, "PROBE_RECENT_S", 1200.0)
    trainer = Trainer(digits_cnn(data={"n_points": 400}))
    trainer.probe_cache.throttle = True
    gallery, filters = images.gallery(trainer), images.filters(trainer)
    trainer.train_epoch()
    _, computed, _, _, _ = trainer.probe_cache.entries["filters"]
    wait = trainer.probe_cache.interval(budget.WEIGHTS_PROBE_INTERVAL_S)  # however quick the epoch was
    assert wait < 600.0
    time.sleep(max(0.0, computed + wait - time.monotonic()) + 0.01)
    assert images.gallery(trainer) is gallery
    fresh = images.filters(trainer)
    assert fresh is not filters
    first_conv = next(module for module in trainer.model.modules() if isinstance(module, torch.nn.Conv2d))
    np.testing.assert_array_equal(fresh["layers"][0]["weights"], first_conv.weight.detach().numpy())


def test_saliency_of_a_sure_prediction_is_not_blank():
    """A saturated softmax (p = 1.0) has no gradient: the map is taken from the class score before it."""
    trainer = Trainer(load_preset("digits-cnn"))
    trainer.train_epoch()
    output = trainer.model[-1][0]  # Dense(10, softmax) is Linear + Softmax
    with torch.no_grad():
        output.weight.mul_(1000.0)
    trainer.revision += 1
    probe = images.sample(trainer)
    assert probe["probabilities"].max() == 1.0  # saturated in float32
    image = trainer.x_test[0:1].clone().requires_grad_(True)
    trainer.model(image)[0, probe["predicted"]].backward()
    assert float(image.grad.abs().max()) == 0.0  # what a map after the softmax would show: nothing
    assert probe["saliency"].max() == 1.0 and (probe["saliency"] > 0.1).sum() >= 3
