"""What one live frame of the 2D page's network view costs the server: encoding time and bytes on the wire.

For the default circle network (x1, x2 -> 4 -> 2 -> 1) and the largest network a short ``?config=`` link may
carry (circle; Dense 4096, Dense 4096, Dense 1: 16.8 M parameters), it builds the real trainer and prints:

* **probe ms**: the worker's ``probes.plane.network`` (the forward pass over the 20 x 20 grid, and copying out the
  drawn neurons' maps and parameters; the median of three calls, in the worker process, not the server);
* **first poll ms**: the frame route's answer for a new snapshot (encoding its probes, then the JSON);
* **boundary ms**: the worker's ``probes.plane.boundary`` (the decision boundary; a coarser grid for a big network);
* **next poll ms**: a later poll of the same snapshot (the encoded probes come from the cache);
* **server MB**: how far the server's resident memory rose above what it held while it answered the polls;
* **frame bytes**: the response body.

With ``--before`` it also times the way frames were made before the network view was summarised: every neuron's
map and whole weight matrices in the probe, each weight rounded by a Python call and sent as a JSON number (the
old ``encode_network``, kept here as the reference). For the 16.8 M network that takes tens of seconds and a
few GB of memory, so it is off by default.

Prints figures, asserts nothing. Run: ``.venv/bin/python benchmarks/network_frames.py [--before] [--polls N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from starlette.requests import Request

from playground.config import RunConfig
from playground.data import two_d
from playground.presets import load_preset
from playground.train.probes import plane
from playground.train.probes.plane import NEURON_MAP_RESOLUTION
from playground.train.trainer import Trainer
from playground.train.worker_process import torch_threads
from playground.ui import frame_routes, frames

WIDE_LAYERS = [
    {"kind": "dense", "units": 4096, "activation": "tanh"},
    {"kind": "dense", "units": 4096, "activation": "tanh"},
    {"kind": "dense", "units": 1, "activation": "sigmoid"},
]
TOKEN = "benchmark-network-frames"


def setups() -> dict[str, RunConfig]:
    default = load_preset("circle")
    raw = default.model_dump()
    raw["model"]["layers"] = WIDE_LAYERS
    return {"default (2-4-2-1)": default, "link maximum (4096-4096-1)": RunConfig.from_dict(raw)}


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000.0, result


def poll(since: int = -1) -> bytes:
    """One GET of the frame route, as the browser makes it (the frame is built in the server's thread pool)."""
    scope = {"type": "http", "method": "GET", "path": f"{frames.FRAME_PATH}/{TOKEN}",
             "path_params": {"token": TOKEN}, "query_string": f"since={since}".encode(), "headers": []}  # fmt: skip
    return bytes(asyncio.run(frame_routes._frame_endpoint(Request(scope))).body)


def frame_of(trainer: Trainer, network: dict) -> dict:
    return {
        "run_id": "benchmark",
        "status": "paused",
        "epoch": trainer.epoch,
        "step": trainer.step,
        "learning_rate": trainer.learning_rate,
        "history": {"epoch": [], "train_loss": [], "test_loss": []},
        "boundary": None,
        "network": network,
    }


# The way it was: the whole network in the probe, one Python call per weight on the wire ------------------------
def full_probe(trainer: Trainer, resolution: int = NEURON_MAP_RESOLUTION) -> dict:
    """The probe as it was before summarising: every neuron's map, every weight."""
    _, _, grid = two_d.boundary_grid(resolution)
    features = trainer.config.data.features
    inputs = torch.as_tensor(two_d.feature_matrix(grid, features), dtype=torch.float32)
    scale = inputs.abs().amax(dim=0).clamp_min(1e-6)
    columns: list[dict] = [{"title": "Inputs", "layer": None, "units": len(features), "lo": -1.0, "hi": 1.0,
                            "maps": (inputs / scale).T.numpy().astype(np.float32)}]  # fmt: skip
    for group, output in zip(plane.dense_groups(trainer), plane.group_outputs(trainer, inputs), strict=True):
        linear = plane.dense_linear(trainer, group.start)
        columns.append({"title": group.title, "layer": group.start, "units": group.units, "lo": group.low,
                        "hi": 1.0, "maps": output.T.numpy().astype(np.float32),
                        "weights": linear.weight.detach().numpy().astype(np.float32).copy(),
                        "bias": linear.bias.detach().numpy().astype(np.float32).copy()})  # fmt: skip
    return {"resolution": resolution, "extent": two_d.COORD_LIMIT, "columns": columns}


def legacy_dumps(network: dict) -> bytes:
    """The old wire form of a network: maps as bytes, but weights and biases as JSON numbers, rounded one by one."""
    columns = []
    for column in network["columns"]:
        low, high = column["lo"], column["hi"]
        maps = np.asarray(column["maps"], dtype=np.float64).clip(low, high)
        encoded = {key: value for key, value in column.items() if key not in ("maps", "weights", "bias")}
        encoded["maps"] = frames._b64(np.rint((maps - low) / (high - low) * 255.0))
        for key in ("weights", "bias"):
            if key in column:
                values = np.asarray(column[key], dtype=np.float64)
                encoded[key] = np.vectorize(lambda v: frames._round_sig(v, 4), otypes=[object])(values).tolist()
        columns.append(encoded)
    wire = {"resolution": network["resolution"], "extent": network["extent"], "columns": columns}
    return json.dumps(wire, separators=(",", ":"), allow_nan=False).encode("utf-8")


def fresh(trainer: Trainer, probe: Callable[[], dict]) -> dict:
    """A probe computed anew, as for a new snapshot (a probe of a big network is reused until training moves)."""
    trainer.step += 1
    return probe()


def resident_kb(field: str) -> int:
    """``VmRSS:`` (now) or ``VmHWM:`` (the peak) of this process, in kB."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def restart_peak() -> int:
    """Start the peak over from what the process holds now (Linux), and return that."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as control:
        control.write("5")
    return resident_kb("VmRSS:")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", action="store_true", help="also time the old, unsummarised frames")
    parser.add_argument("--polls", type=int, default=20, help="later polls of one snapshot to time")
    args = parser.parse_args()
    torch.set_num_threads(torch_threads())  # as a worker process sets it
    print(f"{'network':<28} {'params':>11} {'probe ms':>9} {'boundary ms':>12} {'first poll ms':>14} "
          f"{'next poll ms':>13} {'frame bytes':>12} {'server MB':>10}")  # fmt: skip
    for name, config in setups().items():
        trainer = Trainer(config)
        params = sum(parameter.numel() for parameter in trainer.model.parameters())
        network = plane.network(trainer)  # warm-up: the first forward pass of a fresh model is slower
        probe_ms = statistics.median(
            timed(lambda trainer=trainer: fresh(trainer, lambda: plane.network(trainer)))[0] for _ in range(3)
        )
        boundary_ms = statistics.median(
            timed(lambda trainer=trainer: fresh(trainer, lambda: plane.boundary(trainer)))[0] for _ in range(3)
        )
        frame = frame_of(trainer, network)
        frames.register_frame_source(TOKEN, lambda since, _compare, _step, frame=frame: frame)
        started_kb = restart_peak()
        try:
            first_ms, body = timed(poll)
            next_ms = statistics.median(timed(poll)[0] for _ in range(args.polls))
        finally:
            frames.unregister_frame_source(TOKEN)
        server_mb = (resident_kb("VmHWM:") - started_kb) / 1024
        print(f"{name:<28} {params:>11,} {probe_ms:>9.1f} {boundary_ms:>12.1f} {first_ms:>14.2f} {next_ms:>13.3f} "
              f"{len(body):>12,} {server_mb:>10.1f}")  # fmt: skip
        if args.before:
            before_probe_ms, full = timed(lambda trainer=trainer: full_probe(trainer))
            before_ms, before_body = timed(lambda full=full: legacy_dumps(full))
            print(f"{'  before (every poll)':<28} {params:>11,} {before_probe_ms:>9.1f} {before_ms:>14.1f} "
                  f"{before_ms:>13.1f} {len(before_body):>12,}")  # fmt: skip
            del full, before_body


if __name__ == "__main__":
    main()
