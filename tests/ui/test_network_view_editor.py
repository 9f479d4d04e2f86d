"""The 2D page's weight editor on a network wider than the view draws: it lists the weights from the drawn
neurons (the probe carries no others), under AppTest."""

from playground.config import RunConfig
from playground.i18n import translator
from playground.presets import load_preset
from tests.apptest_session import PLAYGROUND_2D as PAGE
from tests.apptest_session import app_session
from tests.apptest_session import only_handle as page_handle

WIDE_UNITS = 40  # one layer past the 32 neurons a column draws


def test_the_output_neurons_editor_lists_the_weights_from_the_drawn_neurons():
    raw = load_preset("circle").model_dump()
    raw["model"]["layers"] = [
        {"kind": "dense", "units": WIDE_UNITS, "activation": "tanh"},
        {"kind": "dense", "units": 1, "activation": "sigmoid"},
    ]
    with app_session(PAGE, {"config": RunConfig.from_dict(raw).to_url_param()}) as page:
        handle = page_handle()
        handle.wait_until(lambda s, _: s.status == "paused" and "network" in s.probes, timeout=60)
        column = handle.snapshot()[0].probes["network"]["columns"][1]
        assert (column["units"], column["shown"], column["maps"].shape[0]) == (WIDE_UNITS, 32, 32)
        page.session_state["2d_focus"] = (2, 0)  # what a click on the output neuron sets
        page.run()
        assert not page.exception, page.exception
        inputs = [box for box in page.number_input if box.key.startswith(("2d_w_", "2d_b_"))]
        assert len(inputs) == 32 + 1  # a weight from each drawn neuron of layer 1, and the bias
        summary = translator("en")("net_summary", shown="32", units=f"{WIDE_UNITS}")  # the view's own sentence
        assert summary in [caption.value for caption in page.caption]
