"""What the biggest upload of each kind that the limits still accept costs the server: seconds and peak memory.

For each kind it writes the largest file the playground takes (at the default limits), then reads it in a fresh
process (the reader the page calls, in the server process) and prints the wall time and the peak resident memory
above the process's size once the engine is imported. A file just over the limits is read the same way, to show
what a refusal costs. Prints figures, asserts nothing.

Run: ``.venv/bin/python benchmarks/upload_limits.py``
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent

#: Run in a fresh interpreter: import the engine, note the peak memory, read the file, print time and growth.
MEASURE = """
import sys, time
from pathlib import Path
import playground.data.image_upload, playground.data.points, playground.data.series_upload, playground.data.upload
import playground.checkpoint
reader, path = sys.argv[1], sys.argv[2]
data = Path(path).read_bytes()

def resident_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])

Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from what the process holds now
before = resident_kb("VmRSS:")
started = time.perf_counter()
outcome = "read"
try:
    if reader == "points":
        playground.data.points.read_points_csv(data)
    elif reader == "table":
        playground.data.upload.read_csv_table(data, "label")
    elif reader == "series":
        playground.data.series_upload.read_csv_series(data)
    elif reader == "image_csv":
        playground.data.image_upload.read_image_csv(data)
    elif reader == "image_zip":
        playground.data.image_upload.read_image_zip(data)
    elif reader == "checkpoint":
        import io
        playground.checkpoint.load_checkpoint(io.BytesIO(data))
except ValueError as error:
    outcome = "refused: " + str(error)[:70]
seconds = time.perf_counter() - started
grown = (resident_kb("VmHWM:") - before) / 1024
print(f"{seconds:.2f}\\t{grown:.0f}\\t{outcome}")
"""


def points_csv(rows: int) -> bytes:
    rng = np.random.default_rng(0)
    xy = rng.uniform(-6, 6, (rows, 2))
    lines = [f"{x:.4f},{y:.4f},{int(x * y > 0)}" for x, y in xy]
    return ("x1,x2,label\n" + "\n".join(lines) + "\n").encode()


def table_csv(rows: int, numeric: int, text_columns: int) -> bytes:
    rng = np.random.default_rng(0)
    header = [f"n{i}" for i in range(numeric)] + [f"t{i}" for i in range(text_columns)] + ["label"]
    values = rng.normal(size=(rows, numeric)).round(3)
    words = [f"w{i}" for i in range(20)]
    lines = [
        ",".join([*map(str, values[row]), *(words[(row + i) % 20] for i in range(text_columns)), str(row % 2)])
        for row in range(rows)
    ]
    return (",".join(header) + "\n" + "\n".join(lines) + "\n").encode()


def series_csv(rows: int, columns: int) -> bytes:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(rows, columns)).cumsum(axis=0).round(3)
    header = ",".join(f"c{i}" for i in range(columns))
    return (header + "\n" + "\n".join(",".join(map(str, row)) for row in values) + "\n").encode()


def image_csv(images: int, side: int) -> bytes:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (images, side * side))
    header = "label," + ",".join(f"pixel{i}" for i in range(side * side))
    lines = [f"{i % 10}," + ",".join(map(str, row)) for i, row in enumerate(pixels)]
    return (header + "\n" + "\n".join(lines) + "\n").encode()


def image_zip(images: int, side: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(images):
            picture = io.BytesIO()
            shade = (np.add.outer(np.arange(side), np.arange(side)) + number) % 256  # compresses like a photo's sky
            Image.fromarray(shade.astype(np.uint8)).save(picture, format="PNG")
            archive.writestr(f"class{number % 4}/{number}.png", picture.getvalue())
    return buffer.getvalue()


def checkpoint(units: int) -> bytes:
    from playground.checkpoint import save_checkpoint
    from playground.config import RunConfig
    from playground.presets import load_preset
    from playground.train.trainer import Trainer

    raw = load_preset("circle").model_dump()
    raw["model"]["layers"] = [
        {"kind": "dense", "units": units, "activation": "tanh"},
        {"kind": "dense", "units": units, "activation": "tanh"},
        {"kind": "dense", "units": 1, "activation": "sigmoid"},
    ]
    config = RunConfig.from_dict(raw)
    buffer = io.BytesIO()
    save_checkpoint(Trainer(config).model, config, buffer)
    return buffer.getvalue()


def cases() -> Iterator[tuple[str, str, Callable[[], bytes]]]:
    """Each upload's title, reader and how to make it (made one at a time: the biggest take a few hundred MB)."""
    yield from [
        ("points, 5,000 rows (the most)", "points", lambda: points_csv(5_000)),
        ("points, 3.5 M rows (refused)", "points", lambda: points_csv(3_500_000)),
        ("table, 20,000 rows x 100 numbers + 90 text columns", "table", lambda: table_csv(20_000, 100, 90)),
        ("table, 400 text columns of 20 values (refused)", "table", lambda: table_csv(2_000, 0, 400)),
        ("series, 100,000 rows x 10 columns (the most)", "series", lambda: series_csv(100_000, 10)),
        ("image CSV, 20,000 images of 28x28 (the most)", "image_csv", lambda: image_csv(20_000, 28)),
        ("image zip, 2,000 PNGs of 300x300 (180 M pixels)", "image_zip", lambda: image_zip(2_000, 300)),
        ("checkpoint, Dense 2048, 2048, 1 (4.2 M parameters)", "checkpoint", lambda: checkpoint(2_048)),
    ]


def main() -> None:
    print(f"{'upload':<52} {'MB':>6} {'seconds':>8} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for title, reader, make in cases():
            data = make()
            path = Path(folder) / "upload"
            path.write_bytes(data)
            result = subprocess.run(
                [sys.executable, "-c", MEASURE, reader, str(path)], cwd=ROOT, capture_output=True, text=True
            )
            if result.returncode:
                print(f"{title:<52} failed: {result.stderr.strip().splitlines()[-1]}")
                continue
            seconds, grown, outcome = result.stdout.strip().split("\t", 2)
            print(f"{title:<52} {len(data) / 2**20:>6.1f} {float(seconds):>8.2f} {float(grown):>8.0f}  {outcome}")
    print(json.dumps({"note": "peak MB: growth of the reading process's peak resident memory while it reads"}))


if __name__ == "__main__":
    main()
