"""Uploads measured while they are read, and the upload store shared by thirty students at once.

A teacher sends one link to thirty students, and students try things: every upload is refused by its bytes, header,
rows, encoded columns or pixels before it costs memory or CPU out of proportion to those numbers, a refusal is one
short line, and storing uploads is safe from many threads and keeps within the store's quota.
"""

from __future__ import annotations

import io
import os
import struct
import time
import tracemalloc
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

from playground.data import series_upload
from playground.data.hashed_store import HashedStore
from playground.data.image_upload import read_image_csv, read_image_zip
from playground.data.points import PointSet, load_points, read_points_csv, store_points
from playground.data.series_upload import read_csv_series
from playground.data.upload import (
    CACHE_ENV,
    UploadError,
    cache_dir,
    count_lines,
    load_upload,
    read_csv_table,
    store_upload,
    table_columns,
    upload_info,
    uploaded_bytes,
    uploads_dir,
)
from tests.upload_files import make_zip, png


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def refusal(read, *args) -> str:
    with pytest.raises(UploadError) as caught:
        read(*args)
    return str(caught.value)


def points_csv(rows: int, note: str = "") -> bytes:
    """A valid two-class points file (``rows`` even); ``note`` fills an ignored column to make its lines long."""
    extra = f",{note}" if note else ""
    return (f"x1,x2,label{',note' if note else ''}\n" + f"0.5,1,0{extra}\n1,-0.5,1{extra}\n" * (rows // 2)).encode()


def table_csv(text_columns: int, values: int, rows: int = 40) -> str:
    """A table of ``text_columns`` text columns of ``values`` values each, a number column and a 0/1 target."""
    header = [f"t{column}" for column in range(text_columns)] + ["n", "y"]
    lines = [",".join(header)]
    for row in range(rows):
        cells = [f"v{(row + column) % values}" for column in range(text_columns)] + [str(row * 0.5), str(row % 2)]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def two_classes(image: bytes, per_class: int = 6) -> dict[str, bytes]:
    return {f"{name}/{index}.png": image for name in ("a", "b") for index in range(per_class)}


def peak_bytes(read, *args) -> int:
    """The most memory Python and NumPy held at once while ``read`` ran (it may raise UploadError)."""
    tracemalloc.start()
    try:
        read(*args)
    except UploadError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


# Bytes, rows, header, columns ----------------------------------------------------------------------------------


def test_an_upload_over_the_byte_limit_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_UPLOAD_MB", "1")
    big = points_csv(4_000, note="n" * 300)  # a valid set of long lines: 1.2 MB
    assert len(big) > 2**20
    expected = "the file: 1.2 MB is over the limit of 1 MB; upload a smaller file"
    assert refusal(read_points_csv, big) == expected
    assert refusal(read_csv_table, big, "label") == expected
    assert refusal(table_columns, big) == expected
    assert refusal(read_csv_series, big) == expected
    assert refusal(read_image_csv, big) == expected
    assert refusal(read_image_zip, big) == expected
    record = UploadedFileRec(file_id="1", name="points.csv", type="text/csv", data=big)
    assert refusal(uploaded_bytes, UploadedFile(record, None)) == expected  # by its declared size, before reading
    assert uploaded_bytes(UploadedFile(UploadedFileRec("2", "p.csv", "text/csv", b"x1,x2,label\n"), None))


def test_a_points_file_of_many_rows_is_counted_not_read():
    data = points_csv(300_000)  # 1.8 MB; the rows as lists of cells took some 70 MB
    assert "the file has 300,000 points; the 2D playground takes at most 5,000" in refusal(read_points_csv, data)
    assert peak_bytes(read_points_csv, data) < 4 * len(data)


def test_a_table_of_many_rows_is_counted_not_parsed():
    data = ("a,y\n" + "1,0\n" * 500_000).encode()
    assert "the table has 500,000 rows; the playground takes at most 20,000" in refusal(read_csv_table, data, "y")
    assert peak_bytes(read_csv_table, data, "y") < 4 * len(data)


def test_a_table_header_is_checked_before_the_rows(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_TABLE_COLUMNS", "50")
    wide = ",".join(f"c{i}" for i in range(61)) + "\n" + "\n".join(",".join("1" * 61) for _ in range(20))
    message = refusal(read_csv_table, wide, "c60")
    assert message == (
        "the table has 60 columns besides the target; the playground takes at most 50 input columns, so drop some"
    )
    assert refusal(table_columns, wide) == message
    twice = "size,colour,size,y\n" + "\n".join(f"{i},red,{i},{i % 2}" for i in range(20))
    message = refusal(read_csv_table, twice, "y")
    assert message == "the header names the column 'size' twice; give each column its own name"
    assert table_columns(twice.replace("size,colour,size", "size,colour,weight")) == ["size", "colour", "weight", "y"]


def test_a_header_of_twenty_thousand_names_costs_one_pass(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_TABLE_COLUMNS", "100000")
    header = ",".join(["a"] + [f"c{i}" for i in range(20_000)] + ["a"]) + "\n"  # pandas renamed 'a' in a pass per name
    start = time.process_time()
    assert "names the column 'a' twice" in refusal(read_csv_table, header + "1\n" * 20, "a")
    assert time.process_time() - start < 1.0
    with pytest.raises(UploadError, match=r"^the first line is longer than 1,048,576 characters"):
        table_columns("x" * (2**20 + 1) + "\n1\n")


def test_text_columns_are_counted_before_they_are_one_hot_encoded(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_TABLE_COLUMNS", "40")
    message = refusal(read_csv_table, table_csv(text_columns=4, values=10), "y")
    assert message.startswith("the table would have 41 input columns once each text value becomes a column of its own")
    assert "at most 40" in message
    table = read_csv_table(table_csv(text_columns=3, values=10), "y")  # 31 columns: encoded as pandas would
    frame = pd.read_csv(io.StringIO(table_csv(text_columns=3, values=10))).drop(columns=["y"])
    expected = pd.concat(
        [
            pd.get_dummies(frame[name], prefix=name, prefix_sep="=", dtype=np.float32)
            if not pd.api.types.is_numeric_dtype(frame[name])
            else frame[[name]].astype(np.float32)
            for name in frame.columns
        ],
        axis=1,
    )
    assert table.feature_names == list(expected.columns) and len(table.feature_names) == 31
    np.testing.assert_array_equal(table.inputs, expected.to_numpy(dtype=np.float32))


def test_a_series_has_a_column_and_a_cell_limit(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_TABLE_COLUMNS", "10")
    wide = ",".join(f"s{i}" for i in range(11)) + "\n" + "\n".join(",".join(["1"] * 11) for _ in range(40))
    assert refusal(read_csv_series, wide) == "the header names 11 columns; a time series may have at most 10"
    monkeypatch.setattr(series_upload, "MAX_SERIES_VALUES", 300)
    many = "a,b,c,d\n" + "".join(f"{i},{i % 3},{i % 5},{i % 7}\n" for i in range(80))
    assert refusal(read_csv_series, many) == (
        "the file has 80 rows of 4 columns, 320 values; a time series may hold at most 300, so drop columns or rows"
    )
    narrow = "c,d\n" + "".join(f"{i % 5},{i % 7}\n" for i in range(80))
    assert read_csv_series(narrow).values.shape == (80, 2)


def test_a_series_of_many_rows_is_counted_not_read():
    data = ("value\n" + "1.5\n" * 300_000).encode()
    assert "the file has 300,000 rows; a time series may have at most 100,000" in refusal(read_csv_series, data)
    assert peak_bytes(read_csv_series, data) < 4 * len(data)


def test_lines_are_counted_without_blank_ones():
    assert [count_lines(text) for text in ("", "  \n", "a", "a\n", "a\nb", "\n\na\n\n \nb\n\n")] == [0, 0, 1, 1, 2, 2]
    assert [count_lines(text) for text in ("a\r\n\r\nb\r\n", "a\rb\r\rc", " \na\n ")] == [2, 3, 1]


# Zips: pixels from headers, members that cannot be unpacked ----------------------------------------------------


def test_the_pixels_of_a_zip_are_summed_from_headers_before_any_image_is_decoded(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_ZIP_PIXELS", "15000")
    files = two_classes(png((40, 40)))  # 12 images of 1,600 pixels
    truncated = png((40, 40), value=200)
    files["b/9.png"] = truncated[: len(truncated) // 2]  # a valid header; decoding it would fail
    assert refusal(read_image_zip, make_zip(files)) == (
        "the zip's images hold 20,800 pixels; the playground decodes at most 15,000 from one zip, so shrink the "
        "images or send fewer"
    )
    del files["b/9.png"]
    monkeypatch.setenv("PLAYGROUND_MAX_ZIP_PIXELS", "20000")
    assert len(read_image_zip(make_zip(files))) == 12


def test_a_few_kilobytes_of_sixteen_bit_pngs_are_refused_by_their_headers():
    huge = png((4096, 4096), mode="I;16", value=1000)  # 32 MB of pixels each, a few KB once zipped
    bomb = make_zip({f"{name}/{index}.png": huge for name in ("a", "b") for index in range(7)})
    assert len(bomb) < 100_000
    start = time.process_time()
    assert refusal(read_image_zip, bomb).startswith("the zip's images hold 234,881,024 pixels; the playground decodes")
    assert time.process_time() - start < 2.0


def test_zip_members_that_cannot_be_unpacked_are_one_line_naming_the_file():
    files = two_classes(png((8, 8)) + bytes(300))
    data = bytearray(make_zip(files))
    first = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    central = bytes(data).index(b"PK\x01\x02")
    for offset in (first.header_offset + 8, central + 10):  # the method in the local and the central header
        struct.pack_into("<H", data, offset, 1)  # "shrink", from the 1980s: zipfile cannot unpack it
    assert refusal(read_image_zip, bytes(data)) == (
        "a/0.png is packed with compression method 1, which the playground cannot unpack; zip the folders again "
        "with the usual (deflate) compression"
    )
    for offset in (first.header_offset + 8, central + 10):
        struct.pack_into("<H", data, offset, zipfile.ZIP_DEFLATED)
        struct.pack_into("<H", data, offset - 2, 1)  # the flag of an encrypted entry
    assert refusal(read_image_zip, bytes(data)) == "a/0.png is encrypted; zip the folders again without a password"
    data = bytearray(make_zip(files))
    start = first.header_offset + 30 + len(first.filename)
    data[start : start + 8] = b"\xff" * 8  # a corrupt deflate stream
    message = refusal(read_image_zip, bytes(data))
    assert message.startswith("a/0.png cannot be unpacked (") and "\n" not in message and len(message) < 200


def test_a_zip_listing_more_files_than_it_may_is_refused_before_they_are_listed(monkeypatch):
    monkeypatch.setattr("playground.data.image_zip.MAX_ZIP_ENTRIES", 30)
    data = make_zip({f"c{index % 2}/{index}.png": b"" for index in range(31)}, zipfile.ZIP_STORED)
    message = refusal(read_image_zip, data)
    assert message == "the zip holds 31 files; the playground takes at most 20,000 images, so send fewer"


# Refusals stay short ---------------------------------------------------------------------------------------------


def test_refusals_never_echo_more_than_a_short_piece_of_the_input():
    long_name = "n" * 100_000
    table = f"{long_name},y\n" + "\n".join(f"{i},{i % 2}" for i in range(20))
    messages = [
        refusal(read_csv_table, table, "missing"),
        refusal(read_csv_table, table, "z" * 100_000),
        refusal(read_csv_table, table.replace("\n1,", "\ninf,", 1), "y"),
        refusal(read_csv_table, f"{long_name},y\n" + "\n".join(f"a{i},{i % 2}" for i in range(30)), "y"),
        refusal(read_csv_table, "a,y\n" + "\n".join(f"{i},{i % 2}" for i in range(20)), long_name),
        refusal(upload_info, "f" * 8_000_000),
        refusal(read_csv_series, f"date,{long_name}\n" + "".join(f"2024-01-{40 - i:02d},{i}\n" for i in range(35))),
    ]
    for message in messages:
        assert len(message) < 300 and "\n" not in message, message[:300]


# The store: thirty students at once, and its quota ---------------------------------------------------------------

STORE = HashedStore("points", ".points", "point set", "its CSV")


def test_thirty_students_storing_the_same_uploads_at_once_all_succeed(cache):
    table = table_csv(text_columns=2, values=3).encode()
    blobs = [b"same" * 10_000, b"other" * 10_000]
    jobs = [("blob", blobs[index % 2]) for index in range(90)] + [("table", table)] * 60
    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(
            pool.map(lambda job: STORE.store(job[1]) if job[0] == "blob" else store_upload(job[1], "y")[0], jobs)
        )
    assert len(set(results)) == 3
    assert STORE.path(results[0]).read_bytes() == blobs[0] and STORE.path(results[1]).read_bytes() == blobs[1]
    assert (uploads_dir() / f"{results[-1]}.csv").read_bytes() == table
    assert not [path for path in cache.rglob("*") if path.name.endswith(".tmp")]  # no temporary file left behind


def test_the_store_keeps_its_quota_by_removing_the_least_recently_used(cache, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_UPLOAD_STORE_MB", "1")
    kept_a, removed_b = (STORE.store(bytes([fill]) * 400_000) for fill in (1, 2))
    now = time.time()
    os.utime(STORE.path(kept_a), (now - 100, now - 100))
    os.utime(STORE.path(removed_b), (now - 50, now - 50))
    STORE.read(kept_a)  # used now: b is the least recently used
    kept_c = STORE.store(bytes([3]) * 400_000)
    assert STORE.path(kept_a).is_file() and STORE.path(kept_c).is_file() and not STORE.path(removed_b).exists()
    message = refusal(STORE.read, removed_b)
    assert message == (
        f"the point set {removed_b[:12]}… is no longer stored on this computer; upload its CSV again (uploads unused "
        "the longest are removed to make room for new ones)"
    )
    huge = STORE.store(bytes([4]) * 1_500_000)  # alone over the quota: the upload just stored is never removed
    assert STORE.path(huge).is_file() and not STORE.path(kept_a).exists() and not STORE.path(kept_c).exists()


def test_the_quota_covers_every_store_and_removes_a_table_whole(cache, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_UPLOAD_STORE_MB", "1")
    table = table_csv(text_columns=1, values=3, rows=20_000).encode()  # 500 KB
    sha, _ = store_upload(table, "y")
    info = upload_info(sha)
    for path in (uploads_dir() / f"{sha}.csv", uploads_dir() / f"{sha}.json"):
        os.utime(path, (time.time() - 100,) * 2)
    points = PointSet(np.zeros((4_000, 2)) + np.arange(4_000)[:, None] % 5, np.arange(4_000) % 2, "binary", 2)
    stored = [store_points(points)]  # 64 KB
    stored.append(STORE.store(bytes(900_000)))
    assert not list(uploads_dir().iterdir())  # the table's CSV and its facts went together
    assert load_points(stored[0]) == points
    assert info.rows == 20_000 and refusal(load_upload, sha).endswith(
        "upload the CSV again (uploads unused the longest are removed to make room for new ones)"
    )
    unrelated = cache_dir() / "notes.txt"
    unrelated.write_bytes(bytes(2_000_000))  # not a stored upload: never removed, never counted
    STORE.store(b"small")
    assert unrelated.is_file() and Path(STORE.path(stored[1])).is_file()
