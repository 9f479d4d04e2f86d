"""A user's CSV time series: reading, each refusal's sentence, and storing by hash."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from playground.data import series_upload
from playground.data.series_upload import (
    MAX_SERIES_ROWS,
    MIN_SERIES_ROWS,
    SeriesInfo,
    SeriesSet,
    load_series,
    read_csv_series,
    series_info,
    store_series,
)
from playground.data.upload import CACHE_ENV, UploadError


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def csv_text(rows: int = 40, separator: str = ",", header: str = "date,temperature,load") -> str:
    """A series with a date column, a temperature and a load, one row per day."""
    days = np.datetime64("2024-01-01") + np.arange(rows)
    lines = [header.replace(",", separator)]
    lines += [separator.join([str(day), f"{10 + i % 7}.5", str(i * 3)]) for i, day in enumerate(days)]
    return "\n".join(lines) + "\n"


def refusal(data: bytes | str, target: str | None = None) -> str:
    with pytest.raises(UploadError) as caught:
        read_csv_series(data, target)
    message = str(caught.value)
    assert "\n" not in message and message.count(". ") == 0  # one sentence
    return message


def with_cell(text: str, line: int, column: int, value: str) -> str:
    """The CSV text with the cell at a spreadsheet's line (1: header) and column (0-based) replaced."""
    lines = text.split("\n")
    cells = lines[line - 1].split(",")
    cells[column] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines)


# --------------------------------------------------------------------------- reading


def test_a_good_csv_becomes_the_numeric_columns_and_the_date_column_is_ignored():
    series = read_csv_series(csv_text().encode("utf-8"))
    assert isinstance(series, SeriesSet)
    assert series.columns == ["temperature", "load"]
    assert series.target == "load" and series.target_index == 1  # the last numeric column by default
    assert series.values.shape == (40, 2) and series.values.dtype == np.float32
    np.testing.assert_array_equal(series.values[:3], [[10.5, 0], [11.5, 3], [12.5, 6]])
    assert not series.values.flags.writeable


def test_the_target_can_be_any_numeric_column():
    series = read_csv_series(csv_text(), target="temperature")
    assert series.target == "temperature" and series.target_index == 0


def test_semicolon_and_tab_files_with_decimal_commas_and_a_bom_are_read():
    semicolon = csv_text(separator=";").replace(".5", ",5")
    series = read_csv_series(b"\xef\xbb\xbf" + semicolon.encode("utf-8"))
    assert series.columns == ["temperature", "load"]
    assert series.values[0, 0] == pytest.approx(10.5)
    tab = read_csv_series(csv_text(separator="\t"))
    assert tab == read_csv_series(csv_text())


def test_dates_with_times_and_other_formats_are_ignored_columns():
    for stamp in ("2024-01-{day:02d} 12:00", "2024-01-{day:02d}T06:30:00", "{day:02d}.01.2024", '"Jan {day}, 2024"'):
        rows = [f"{stamp.format(day=day)},{day * 1.5}" for day in range(1, 32)]
        series = read_csv_series("\n".join(["when,value", *rows]))
        assert series.columns == ["value"], stamp
    times = [f"{hour:02d}:{minute:02d},{hour + minute}" for hour in range(10) for minute in (0, 30, 45)]
    assert read_csv_series("\n".join(["time,value", *times])).values.shape == (30, 1)


def test_blank_lines_and_quoted_cells_are_fine():
    text = csv_text().replace("\n2024-01-05", '\n\n"2024-01-05"', 1)
    assert read_csv_series(text) == read_csv_series(csv_text())


# --------------------------------------------------------------------------- refusals


def test_a_text_column_is_refused_naming_column_value_and_line():
    lines = csv_text().strip().split("\n")
    text = "\n".join(line + (",city" if i == 0 else ",Paris") for i, line in enumerate(lines))
    message = refusal(text)
    assert "'city'" in message and "'Paris'" in message and "line 2" in message
    assert "neither a number nor a date" in message


def test_a_stray_word_in_a_numeric_column_is_named_with_its_line():
    message = refusal(with_cell(csv_text(), 17, 1, "n/a"))
    assert "'temperature'" in message and "'n/a'" in message and "line 17" in message


def test_a_column_mixing_dates_and_numbers_is_refused():
    message = refusal(with_cell(csv_text(), 9, 0, "7"))
    assert "'date'" in message and "mixes dates and numbers" in message and "line 9" in message


def test_empty_cells_are_refused_naming_line_and_column():
    message = refusal(with_cell(csv_text(), 12, 2, ""))
    assert "'load'" in message and "line 12" in message and "empty" in message
    both = with_cell(with_cell(csv_text(), 30, 1, ""), 12, 2, " ")
    message = refusal(both)
    assert "'load'" in message and "line 12" in message and "2 empty cells" in message  # the first by line
    short_row = csv_text().replace("2024-01-03,12.5,6", "2024-01-03,12.5")
    assert "'load'" in (message := refusal(short_row)) and "line 4" in message


def test_nan_and_infinite_numbers_are_refused():
    message = refusal(with_cell(csv_text(), 6, 1, "inf"))
    assert "'temperature'" in message and "infinite" in message and "line 6" in message
    message = refusal(with_cell(csv_text(), 7, 2, "-Infinity"))
    assert "'load'" in message and "infinite" in message and "line 7" in message
    message = refusal(with_cell(csv_text(), 8, 2, "NaN"))
    assert "NaN" in message and "line 8" in message
    message = refusal(with_cell(csv_text(), 9, 2, "1e39"))
    assert "too large" in message and "line 9" in message


def test_too_few_and_too_many_rows_are_refused_with_the_counts():
    message = refusal(csv_text(rows=MIN_SERIES_ROWS - 1))
    assert f"{MIN_SERIES_ROWS - 1} rows" in message and str(MIN_SERIES_ROWS) in message
    read_csv_series(csv_text(rows=MIN_SERIES_ROWS))
    too_many = "value\n" + "\n".join(str(i % 10) for i in range(MAX_SERIES_ROWS + 1))
    message = refusal(too_many)
    assert f"{MAX_SERIES_ROWS + 1:,} rows" in message and f"{MAX_SERIES_ROWS:,}" in message


def test_an_unknown_target_is_refused_listing_the_numeric_columns():
    message = refusal(csv_text(), target="price")
    assert "'price'" in message and "temperature, load" in message
    message = refusal(csv_text(), target="date")
    assert "dates" in message and "temperature, load" in message


def test_a_constant_target_is_refused():
    text = "date,value,flat\n" + "\n".join(f"2024-02-{day:02d},{day},4" for day in range(1, 30))
    text += "\n2024-03-01,30,4\n"
    message = refusal(text)
    assert "'flat'" in message and "same value (4)" in message and "nothing to forecast" in message
    assert read_csv_series(text, target="value").target == "value"


def test_a_file_without_numbers_or_header_is_refused():
    only_dates = "day,hour\n" + "\n".join(f"2024-01-{day:02d},{day % 24:02d}:00" for day in range(1, 32))
    assert "no column of numbers" in (message := refusal(only_dates)) and "day, hour" in message
    assert "header" in refusal("\n".join(f"{i},{i * 2}" for i in range(40)))
    assert "no name" in refusal(",value\n" + "\n".join(f"{i + 1},{i}" for i in range(40)))  # not row numbers
    assert "twice" in refusal("value,value\n" + "\n".join(f"{i},{i}" for i in range(40)))
    assert "empty" in refusal("")
    assert "empty" in refusal(" \n\n")


def test_dates_going_back_in_time_are_refused():
    rows = [f"2024-01-{day:02d},{day}" for day in range(31, 0, -1)]
    message = refusal("\n".join(["date,value", *rows]))
    assert "'date'" in message and "line 3" in message and "oldest first" in message


def test_bytes_that_are_not_utf8_or_not_text_are_refused():
    latin1 = csv_text().replace("temperature", "température").encode("latin-1")
    message = refusal(latin1)
    assert "not UTF-8" in message and "byte" in message
    assert "UTF-16" in refusal(csv_text().encode("utf-16"))
    assert "NUL" in refusal(csv_text().encode("utf-8").replace(b"12.5", b"12\x005"))


def test_extra_values_in_a_row_are_refused_naming_the_line():
    text = csv_text().replace("2024-01-04,13.5,9", "2024-01-04,13.5,9,77")
    message = refusal(text)
    assert "line 5" in message and "4 values" in message and "3 columns" in message


# --------------------------------------------------------------------------- storage


def test_store_info_and_load_round_trip(cache):
    data = csv_text().encode("utf-8")
    sha, series = store_series(data, target="temperature")
    assert len(sha) == 64 and (cache / "series" / f"{sha}.series").is_file()
    assert series_info(sha) == SeriesInfo(n_rows=40, columns=["temperature", "load"], target="temperature")
    loaded = load_series(sha)
    assert loaded == series and loaded.target_index == 0
    assert loaded.values.dtype == np.float32


def test_the_same_bytes_give_the_same_sha_and_another_target_another(cache):
    data = csv_text().encode("utf-8")
    first, _ = store_series(data)
    again, _ = store_series(data)
    other, _ = store_series(data, target="temperature")
    assert first == again != other
    assert len(list((cache / "series").iterdir())) == 2
    assert series_info(first).target == "load" and series_info(other).target == "temperature"


def test_store_refuses_a_bad_file_without_writing(cache):
    with pytest.raises(UploadError, match="empty"):
        store_series(with_cell(csv_text(), 3, 1, "").encode("utf-8"))
    assert not (cache / "series").exists()


def test_missing_changed_and_damaged_stored_series_are_refused(cache):
    with pytest.raises(UploadError, match="not the sha256"):
        series_info("abc")
    with pytest.raises(UploadError, match="no longer stored"):
        load_series("0" * 64)
    sha, _ = store_series(csv_text().encode("utf-8"))
    path = cache / "series" / f"{sha}.series"
    blob = path.read_bytes()
    path.write_bytes(blob[:-4] + b"\0\0\0\0")
    with pytest.raises(UploadError, match="changed on disk"):
        load_series(sha)
    damaged = blob[:-4]  # stored under its own hash, but the values are cut short
    damaged_sha = series_upload.STORE.store(damaged)
    assert damaged_sha == hashlib.sha256(damaged).hexdigest()
    with pytest.raises(UploadError, match="damaged"):
        load_series(damaged_sha)


def test_the_row_numbers_pandas_writes_first_are_dropped():
    """pandas's ``to_csv()`` starts every line with the row number under an empty header cell."""
    lines = [",temp,load"] + [f"{row},{row * 0.5},{(row % 7) * 1.5}" for row in range(40)]
    series = read_csv_series("\n".join(lines))
    assert series.columns == ["temp", "load"]
    assert series.values.shape == (40, 2)
    not_row_numbers = [",temp,load"] + [f"{row + 3},{row * 0.5},{(row % 7) * 1.5}" for row in range(40)]
    with pytest.raises(UploadError, match="column 1 of the header has no name"):
        read_csv_series("\n".join(not_row_numbers))
