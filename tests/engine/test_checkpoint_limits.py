"""Checkpoints from strangers: sizes, the zip's directory and the weights' header decide before anything is read.

Each hostile file here is a few KB; the limits are lowered through the environment where a test needs a small one.
"""

from __future__ import annotations

import io
import json
import random
import re
import struct
import zipfile
from collections.abc import Callable

import pytest
import torch
from safetensors.torch import save as save_safetensors

from playground.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from playground.cli import main
from playground.config import RunConfig
from playground.model import build_model
from playground.presets import load_preset
from playground.train.trainer import Trainer

CIRCLE = load_preset("circle")
Header = dict[str, dict]


def checkpoint_zip(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def circle_state() -> dict[str, torch.Tensor]:
    return build_model(CIRCLE).state_dict()


def members_with(weights: bytes, **more: bytes | str) -> dict[str, bytes | str]:
    return {"config.json": CIRCLE.to_json(), "weights.safetensors": weights, **more}


def split_safetensors(data: bytes) -> tuple[Header, bytes]:
    length = struct.unpack_from("<Q", data)[0]
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def join_safetensors(header: Header, tensors: bytes) -> bytes:
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + tensors


def with_header(change: Callable[[Header], object]) -> bytes:
    """The circle model's weights, with their header changed by ``change`` (which edits it in place)."""
    header, tensors = split_safetensors(save_safetensors(circle_state()))
    change(header)
    return join_safetensors(header, tensors)


def refusal(data: bytes) -> str:
    """The one-line message a checkpoint is refused with."""
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(io.BytesIO(data))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300
    return message


def central_entry(raw: bytes, name: str) -> tuple[int, int]:
    """Where the central directory entry and the local header of member ``name`` start."""
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name)
    start = raw.find(b"PK\x01\x02")
    while raw[start + 46 : start + 46 + len(name)] != name.encode():
        start = raw.find(b"PK\x01\x02", start + 4)
    return start, info.header_offset


def with_fields(raw: bytes, name: str, method: int | None = None, declared: int | None = None) -> bytes:
    """The zip with member ``name``'s compression method or declared (uncompressed) size rewritten in both of its
    headers, as a hand-made zip may have them."""
    patched = bytearray(raw)
    central, local = central_entry(raw, name)
    if method is not None:
        struct.pack_into("<H", patched, central + 10, method)
        struct.pack_into("<H", patched, local + 8, method)
    if declared is not None:
        struct.pack_into("<L", patched, central + 24, declared)
        struct.pack_into("<L", patched, local + 22, declared)
    return bytes(patched)


def with_broken_stream(raw: bytes, name: str) -> bytes:
    """The zip with member ``name``'s deflate stream starting with an invalid block type (zlib.error)."""
    patched = bytearray(raw)
    _, local = central_entry(raw, name)
    name_length, extra_length = struct.unpack_from("<HH", raw, local + 26)
    patched[local + 30 + name_length + extra_length] = 0xFF
    return bytes(patched)


# Sizes, before anything is read ---------------------------------------------------------------------------------


def test_an_extra_tensor_is_refused_from_the_declared_size_before_its_bytes_are_read():
    # 1 MB of zeros deflates to 1 KB: the same shape as a 0.5 MB zip that unpacked a 500 MB tensor.
    extra = save_safetensors({**circle_state(), "extra": torch.zeros(262_144)})
    raw = checkpoint_zip(members_with(extra))
    assert len(raw) < 4_000
    # The stream is broken too: reading it would fail, so the refusal came from the declared size alone.
    message = refusal(with_broken_stream(raw, "weights.safetensors"))
    over = r"weights\.safetensors: 1,04\d,\d{3} bytes is over the limit of 5,\d{3} bytes \(unpacked\)"
    assert re.fullmatch(over, message)


def test_a_config_json_over_its_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_CONFIG_BYTES", "4096")
    padded = CIRCLE.to_json() + " " * 5_000
    raw = checkpoint_zip(members_with(save_safetensors(circle_state()), **{"config.json": padded}))
    message = refusal(with_broken_stream(raw, "config.json"))
    assert message == f"config.json: {len(padded):,} bytes is over the limit of 4,096 bytes (unpacked)"


def test_a_deeply_nested_config_json_is_one_line():
    deep = '{"a": ' * 1_000 + "1" + "}" * 1_000
    assert refusal(checkpoint_zip(members_with(save_safetensors(circle_state()), **{"config.json": deep}))).startswith(
        "config.json"
    )


def history_text(rows: int, padding: int = 0) -> str:
    zero = "0" * padding + "0.5"
    lines = ["epoch,train_loss,test_loss,train_accuracy,test_accuracy"]
    lines += [f"{epoch},{zero},{zero},{zero},{zero}" for epoch in range(1, rows + 1)]
    return "\n".join(lines) + "\n"


def test_a_history_over_max_history_rows_is_refused(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_HISTORY_ROWS", "5")
    weights = save_safetensors(circle_state())
    loaded = load_checkpoint(io.BytesIO(checkpoint_zip(members_with(weights, **{"history.csv": history_text(5)}))))
    assert len(loaded.history) == 5
    assert refusal(checkpoint_zip(members_with(weights, **{"history.csv": history_text(6)}))) == (
        "history.csv: 6 rows is over the limit of 5 rows"
    )
    # Five rows, but long ones: the declared size is over what five rows may take (6 lines of 256 bytes).
    long_rows = history_text(5, padding=300)
    assert refusal(checkpoint_zip(members_with(weights, **{"history.csv": long_rows}))) == (
        f"history.csv: {len(long_rows):,} bytes is over the limit of 1,536 bytes (unpacked)"
    )


@pytest.mark.parametrize(
    ("declared", "message"), [(5_000, "unpacks to 2,000 bytes, not the 5,000"), (1_000, "Bad CRC")]
)
def test_a_member_that_unpacks_to_other_than_its_declared_size_is_refused(declared, message):
    history = history_text(1)
    history += "\n" * (2_000 - len(history))
    raw = checkpoint_zip(members_with(save_safetensors(circle_state()), **{"history.csv": history}))
    found = refusal(with_fields(raw, "history.csv", declared=declared))
    assert found.startswith("history.csv is damaged: ") and message in found


def test_a_zip_of_thousands_of_members_is_refused_from_its_directory_size():
    raw = checkpoint_zip({f"part-{number}": b"" for number in range(3_000)}, zipfile.ZIP_STORED)
    message = refusal(raw)
    assert message.startswith("the zip's directory: ") and "over the limit of 65,536 bytes" in message


# Damaged zips: one line, never a traceback -------------------------------------------------------------------


@pytest.mark.parametrize("method", [12, 14, 99], ids=["bzip2", "lzma", "aes"])
def test_a_compression_method_a_checkpoint_never_uses_is_refused(method):
    raw = checkpoint_zip(members_with(save_safetensors(circle_state())))
    assert refusal(with_fields(raw, "config.json", method=method)) == (
        f"config.json: compression method {method} is not one a checkpoint uses (stored or deflated)"
    )


def test_a_corrupt_deflate_stream_is_refused():
    raw = checkpoint_zip(members_with(save_safetensors(circle_state())))
    message = refusal(with_broken_stream(raw, "weights.safetensors"))
    assert message.startswith("weights.safetensors is damaged: ") and "invalid block type" in message


def test_random_damage_is_refused_in_one_line_or_loads():
    """Flipped bytes and cut ends anywhere in a real checkpoint: zlib, zipfile and struct errors all become
    CheckpointError (a flip in an unused field may leave the file loadable)."""
    trainer = Trainer(CIRCLE)
    trainer.train_epoch()
    buffer = io.BytesIO()
    save_checkpoint(trainer.model, CIRCLE, buffer, trainer.history)
    good = buffer.getvalue()
    generator = random.Random(7)
    outcomes = set()
    for _ in range(300):
        damaged = bytearray(good)
        for _ in range(generator.choice([1, 2, 4])):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        if generator.random() < 0.1:
            damaged = damaged[: generator.randrange(len(damaged))]
        try:
            load_checkpoint(io.BytesIO(bytes(damaged)))
            outcomes.add("loaded")
        except CheckpointError as error:
            assert "\n" not in str(error)
            outcomes.add("refused")
    assert "refused" in outcomes


# The weights' header, before any tensor is decoded -----------------------------------------------------------


def test_names_are_judged_from_the_header_alone():
    """An extra tensor is named from the header even though none of its bytes are there to decode."""
    header, tensors = split_safetensors(save_safetensors(circle_state()))
    header["extra"] = {"dtype": "F32", "shape": [4], "data_offsets": [len(tensors), len(tensors) + 16]}
    message = refusal(checkpoint_zip(members_with(join_safetensors(header, tensors))))
    assert message == "weights.safetensors has a tensor 'extra' that the config's model does not have"


@pytest.mark.parametrize("dtype", [torch.bool, torch.int64, torch.float64])
def test_weights_of_another_dtype_are_refused(dtype):
    state = circle_state()
    state["0.0.weight"] = torch.ones(4, 2, dtype=dtype)
    name = {torch.bool: "BOOL", torch.int64: "I64", torch.float64: "F64"}[dtype]
    assert refusal(checkpoint_zip(members_with(save_safetensors(state)))) == (
        f"weights.safetensors: the tensor '0.0.weight' has dtype {name}; it must be F32 or F16 or BF16"
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_weights_that_are_not_finite_are_refused(value):
    state = circle_state()
    state["0.0.weight"][1, 0] = value
    assert refusal(checkpoint_zip(members_with(save_safetensors(state)))) == (
        "weights.safetensors: the tensor '0.0.weight' holds 1 of 8 values that are not finite (NaN or infinity); "
        "weights must be finite numbers"
    )


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_weights_load_as_float32(dtype):
    state = {name: tensor.to(dtype) for name, tensor in circle_state().items()}
    weights = save_safetensors(state, metadata={"made": "elsewhere"})
    model = load_checkpoint(io.BytesIO(checkpoint_zip(members_with(weights)))).model
    for name, tensor in model.state_dict().items():
        assert tensor.dtype == torch.float32 and torch.equal(tensor, state[name].float())


def test_batch_norm_keeps_its_int64_count():
    config = RunConfig.from_dict(
        {
            "data": {"dataset": "circle"},
            "model": {"layers": [{"kind": "dense", "units": 4}, {"kind": "batchnorm"}, {"kind": "dense", "units": 1}]},
        }
    )
    buffer = io.BytesIO()
    save_checkpoint(build_model(config), config, buffer)
    loaded = load_checkpoint(io.BytesIO(buffer.getvalue())).model.state_dict()
    assert loaded["1.num_batches_tracked"].dtype == torch.int64


def shift_first(header: Header) -> None:
    """A gap before the first tensor: its offsets move one float along (and out past the end)."""
    first = min(header.values(), key=lambda entry: entry["data_offsets"][0])
    first["data_offsets"] = [offset + 4 for offset in first["data_offsets"]]


def overlap(header: Header) -> None:
    entries = sorted(header.values(), key=lambda entry: entry["data_offsets"][0])
    second = entries[1]
    size = second["data_offsets"][1] - second["data_offsets"][0]
    second["data_offsets"] = [entries[0]["data_offsets"][0], entries[0]["data_offsets"][0] + size]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (b"\x08\0\0", "weights.safetensors is damaged: 3 bytes, too few for its header's length"),
        (struct.pack("<Q", 10**12) + b"{}", "weights.safetensors: the header: 1,000,000,000,000 bytes is over the"),
        (struct.pack("<Q", 64) + b"{}", "weights.safetensors is damaged: its header claims 64 bytes, but 2 follow"),
        (struct.pack("<Q", 4) + b"[[[[", "weights.safetensors is damaged: its header is not JSON"),
        (join_safetensors([], b""), "weights.safetensors is damaged: its header is not a JSON object"),  # type: ignore[arg-type]
        (with_header(lambda header: header.update(__metadata__=[1])), "its __metadata__ is not a JSON object"),
        (with_header(lambda header: header["0.0.bias"].pop("dtype")), "the header's entry for '0.0.bias' is not a"),
        (with_header(lambda header: header["0.0.bias"].update(shape=[True] * 4)), "the header's entry for '0.0.bias'"),
        (with_header(lambda header: header["0.0.bias"].update(data_offsets=[-4, 12])), "entry for '0.0.bias'"),
        (with_header(lambda header: header["0.0.bias"].update(dtype="F16")), "'0.0.bias' spans 16 bytes, but a F16"),
        (with_header(shift_first), "starts at byte 4 of the data, not 0"),
        (with_header(overlap), "of the data, not "),
        (with_header(lambda header: None) + b"\0" * 8, "its tensors take 100 bytes, but 108 follow"),
    ],
    ids=[
        "short", "huge-header", "cut-header", "deep-json", "not-object", "metadata", "no-dtype", "bool-shape",
        "negative-offset", "size-mismatch", "gap", "overlap", "trailing-bytes",
    ],
)  # fmt: skip
def test_a_damaged_header_is_refused_before_decoding(weights, message):
    assert message in refusal(checkpoint_zip(members_with(weights)))


# Where people see it: the command line and the page -----------------------------------------------------------


def test_inspect_says_the_refusal_in_one_line(tmp_path, capsys):
    path = tmp_path / "bomb.zip"
    path.write_bytes(checkpoint_zip(members_with(save_safetensors({**circle_state(), "extra": torch.zeros(65_536)}))))
    assert main(["inspect", str(path)]) == 2
    printed = capsys.readouterr().err
    assert printed.startswith(f"error: {path}: weights.safetensors: ") and len(printed.splitlines()) == 1


def uploader_page() -> None:
    import streamlit as st

    from playground.ui.loading import PageLoader

    loader = PageLoader("2d", "a 2D set", lambda config: None)
    st.file_uploader("checkpoint", type=["zip"], key="2d_checkpoint_file", on_change=loader.load_checkpoint_file)
    notice = st.session_state.pop("2d_notice", None)
    if notice:
        (st.error if notice[0] == "error" else st.success)(notice[2] or notice[1])


def test_the_page_refuses_a_checkpoint_over_its_budget_before_reading_it(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PLAYGROUND_MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("PLAYGROUND_MAX_PARAMS", "1000")  # weights of at most 4 KB: the budget is the room beside them
    page = AppTest.from_function(uploader_page).run()
    big = b"\0" * (69 * 2**19)  # 34.5 MB
    page.file_uploader(key="2d_checkpoint_file").set_value(("big.zip", big, "application/zip")).run()
    assert not page.exception
    assert [error.value for error in page.error] == [
        "the file: 34.5 MB is over the limit of 33 MB; upload a smaller file"
    ]


def test_a_checkpoint_of_a_network_the_server_allows_loads_though_it_is_over_the_file_budget(monkeypatch):
    """A checkpoint holds the weights as float32: the largest network allowed would not fit ``max_upload_mb``,
    so checkpoints have a budget of their own, sized from ``max_params``."""
    from streamlit.testing.v1 import AppTest

    from playground.limits import limits

    monkeypatch.setenv("PLAYGROUND_MAX_UPLOAD_MB", "1")
    layers = [{"kind": "dense", "units": 768}, {"kind": "dense", "units": 768}, {"kind": "dense", "units": 1}]
    config = RunConfig.from_dict({"data": {"dataset": "circle"}, "model": {"layers": layers}})
    buffer = io.BytesIO()
    save_checkpoint(build_model(config), config, buffer)
    assert len(buffer.getvalue()) > 2**20, "the checkpoint must be over the 1 MB file budget for this test"
    assert limits().max_checkpoint_mb == 77 + 32  # 20 M float32 parameters are 76.3 MB
    page = AppTest.from_function(uploader_page).run()
    page.file_uploader(key="2d_checkpoint_file").set_value(("big.zip", buffer.getvalue(), "application/zip")).run()
    assert not page.exception and not page.error
    assert [message.value for message in page.success] == ["tab_loaded_checkpoint"]
