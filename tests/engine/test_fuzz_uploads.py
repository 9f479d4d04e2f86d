"""Property-based mutations of a good file of every upload kind: each reader returns a usable set or refuses with
one line under a length limit, within seconds; never a traceback.

Inputs that once broke a reader stay as explicit examples (``@example``), tried on every run.
"""

import time

import numpy as np
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from playground.data.image_upload import read_image_csv, read_image_zip
from playground.data.points import read_points_csv
from playground.data.series_upload import read_csv_series
from playground.data.upload import UploadError, read_csv_table
from tests.upload_files import make_zip, png

MAX_MESSAGE = 300
MAX_SECONDS = 10.0
FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow], database=None
)

rng = np.random.default_rng(0)
POINTS = "x1,x2,label\n" + "".join(f"{x:.2f},{y:.2f},{int(x * y > 0)}\n" for x, y in rng.uniform(-5, 5, (40, 2)))
TABLE = "age,colour,score,label\n" + "".join(
    f"{20 + i},{['red', 'blue', 'green'][i % 3]},{i * 0.5:.1f},{i % 2}\n" for i in range(40)
)
SERIES = "date,temperature,rain\n" + "".join(
    f"2024-{1 + i // 28:02d}-{1 + i % 28:02d},{10 + np.sin(i):.3f},{i % 3}\n" for i in range(60)
)
IMAGE_CSV = "label," + ",".join(f"pixel{i}" for i in range(16)) + "\n" + "".join(
    f"{i % 2}," + ",".join(str((i * 7 + j * 13) % 256) for j in range(16)) + "\n" for i in range(20)
)

#: Pieces a student's spreadsheet or a hostile file may hold.
ODD_PIECES = [
    b"",
    b",",
    b"\n",
    b'"',
    b"\r\n",
    b"\x00",
    b"\xff\xfe",
    b"nan",
    b"inf",
    b"-1e400",
    b"1e308",
    b"9" * 400,
    b"x" * 5_000,
    b",,,,,,,,,,,,,,,,",
    b";",
    b"\t",
    b"label",
    b"x1,x1,x1",
    "é中".encode(),
]


@st.composite
def mutated(draw: st.DrawFn, good: bytes) -> bytes:
    """``good`` with a few insertions, deletions, repeated lines or a cut."""
    data = bytearray(good)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        action = draw(st.sampled_from(["insert", "delete", "repeat", "cut", "byte"]))
        at = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        if action == "insert":
            data[at:at] = draw(st.sampled_from(ODD_PIECES) | st.binary(max_size=20))
        elif action == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=30))]
        elif action == "repeat":
            lines = bytes(data).split(b"\n")
            line = lines[draw(st.integers(min_value=0, max_value=len(lines) - 1))]
            data = bytearray(b"\n".join([*lines, *[line] * draw(st.integers(min_value=1, max_value=3_000))]))
        elif action == "cut":
            data = data[:at]
        elif data:
            data[at] = draw(st.integers(min_value=0, max_value=255))
    return bytes(data)


def assert_read_or_refused(read) -> None:
    started = time.perf_counter()
    try:
        read()
    except UploadError as error:
        message = str(error)
        assert message and "\n" not in message and len(message) <= MAX_MESSAGE, message[:2000]
        event("refused")
    else:
        event("read")
    assert time.perf_counter() - started < MAX_SECONDS


@FUZZ
@given(mutated(POINTS.encode()))
@example(b"x1,x2,label\n" + b"1,2,1\n" * 6_000)
@example(b"x1,x2,label\n" + b"1," * 1_000_000)
def test_points_csv(data):
    assert_read_or_refused(lambda: read_points_csv(data))


@FUZZ
@given(mutated(TABLE.encode()))
@example(b",".join([b"a"] * 20_000) + b",label\n" + b"1," * 20_000 + b"1\n")
def test_table_csv(data):
    assert_read_or_refused(lambda: read_csv_table(data, "label"))


@FUZZ
@given(mutated(SERIES.encode()))
@example(b",".join(b"c%d" % i for i in range(5_000)) + b"\n" + b"1," * 4_999 + b"1\n")
def test_series_csv(data):
    assert_read_or_refused(lambda: read_csv_series(data))


@FUZZ
@given(mutated(IMAGE_CSV.encode()))
def test_image_csv(data):
    assert_read_or_refused(lambda: read_image_csv(data))


GOOD_ZIP = make_zip({f"{label}/{i}.png": png((12, 12), value=40 * i) for label in ("cat", "dog") for i in range(6)})


@FUZZ
@given(mutated(GOOD_ZIP))
@example(make_zip({f"big/{i}.png": png((4096, 4096), "I;16", 1000) for i in range(14)}))
@example(GOOD_ZIP[: len(GOOD_ZIP) // 2])
def test_image_zip(data):
    assert_read_or_refused(lambda: read_image_zip(data))


def test_the_good_files_are_read():
    """The mutations start from files each reader takes, so a refusal is the mutation's doing."""
    read_points_csv(POINTS.encode())
    read_csv_table(TABLE.encode(), "label")
    read_csv_series(SERIES.encode())
    read_image_csv(IMAGE_CSV.encode())
    read_image_zip(GOOD_ZIP)
