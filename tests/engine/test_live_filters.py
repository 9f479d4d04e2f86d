"""The conv filters a page paints live: a worker's frame carries one input channel of each conv layer's kernels
while the page asks for them, and nothing of them otherwise."""

import base64

import numpy as np

from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.ui.frames import dumps_frame, encode_frame, worker_frame


def test_frames_carry_the_chosen_channel_of_each_conv_layer_and_follow_training():
    handle = WorkerHandle(load_preset("digits-cnn"), probes=("filters",))
    try:
        handle.wait_until(lambda s, _: s.probe("filters") is not None, timeout=60)
        probe = handle.snapshot()[0].probe("filters")
        first, second = probe["layers"][0], probe["layers"][1]
        assert "filters" not in worker_frame(handle, 0, -1)  # not asked for: not sent
        frame = worker_frame(handle, 0, -1, {second["index"]: 3, first["index"]: 99})
        layers = frame["filters"]["layers"]
        assert [layer["index"] for layer in layers] == [first["index"], second["index"]]
        assert layers[0]["channel"] == 0  # a channel past the layer's inputs: its last one (the first layer has one)
        assert layers[1]["channel"] == 3
        np.testing.assert_array_equal(layers[1]["values"], second["weights"][:, 3])
        assert layers[1]["limit"] == float(np.abs(second["weights"]).max())
        wire = encode_frame(frame)["filters"]["layers"][1]
        decoded = np.frombuffer(base64.b64decode(wire["values"]), dtype="<f4")
        decoded = decoded.reshape(wire["count"], wire["height"], wire["width"])
        np.testing.assert_array_equal(decoded, second["weights"][:, 3])
        assert b'"filters":{"layers":[' in dumps_frame(frame)

        handle.step()
        handle.wait_until(lambda s, _: s.epoch == 1, timeout=60)
        after = worker_frame(handle, 0, -1, {})["filters"]["layers"][0]["values"]
        assert not np.array_equal(after, layers[0]["values"]), "the filters did not follow a training step"
    finally:
        handle.stop()
