"""A user's own image sets: MNIST-layout CSV files, zips of class folders, and storing them by hash."""

from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from playground.data import image_upload
from playground.data.image_upload import (
    MAX_CLASSES,
    MAX_IMAGES,
    ZIP_SIDE,
    ImageSet,
    ImageSetInfo,
    UploadError,
    image_set_info,
    image_sets_dir,
    load_image_set,
    read_image_csv,
    read_image_upload,
    read_image_zip,
    store_image_set,
)
from playground.data.upload import CACHE_ENV, cache_dir


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


# Building files ------------------------------------------------------------------------------------------------


def pixel_rows(n: int, side: int, seed: int = 0, top: int = 255) -> np.ndarray:
    """n images of side x side whole-number pixels, mostly dark with some bright strokes."""
    values = np.random.default_rng(seed).integers(0, top + 1, size=(n, side * side))
    values[values < top // 2] = 0
    return values


def mnist_csv(pixels: np.ndarray, labels: list, header: bool = True, separator: str = ",") -> str:
    lines = []
    if header:
        lines.append(separator.join(["label", *(f"pixel{index}" for index in range(pixels.shape[1]))]))
    for label, row in zip(labels, pixels.tolist(), strict=True):
        lines.append(separator.join([str(label), *(str(value) for value in row)]))
    return "\n".join(lines) + "\n"


def digit_labels(n: int, k: int = 3) -> list[int]:
    return [index % k for index in range(n)]


def refused(match: str, reader, *args) -> str:
    with pytest.raises(UploadError, match=match or None) as error:
        reader(*args)
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def drawing(shape: str, size: tuple[int, int] = (40, 40), ink: int = 0, paper: int = 255, fmt: str = "PNG") -> bytes:
    """A shape drawn in ``ink`` on ``paper`` (black on white by default), encoded as ``fmt``."""
    image = Image.new("L", size, paper)
    draw = ImageDraw.Draw(image)
    width, height = size
    box = (width * 0.25, height * 0.25, width * 0.75, height * 0.75)
    if shape == "circle":
        draw.ellipse(box, outline=ink, width=max(2, width // 10))
    elif shape == "cross":
        draw.line((box[0], box[1], box[2], box[3]), fill=ink, width=max(2, width // 10))
        draw.line((box[0], box[3], box[2], box[1]), fill=ink, width=max(2, width // 10))
    else:
        draw.rectangle(box, fill=ink)
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, fmt, quality=95)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def class_folders(prefix: str = "", per_class: int = 5, **kwargs) -> dict[str, bytes]:
    files = {}
    for shape in ("circle", "cross", "square"):
        for index in range(per_class):
            files[f"{prefix}{shape}/{shape}{index}.png"] = drawing(shape, size=(36 + index, 36 + index), **kwargs)
    return files


# CSV -----------------------------------------------------------------------------------------------------------


def test_headered_and_headerless_mnist_csv_give_the_same_set():
    pixels = pixel_rows(12, 28)
    labels = digit_labels(12)
    with_header = read_image_csv(mnist_csv(pixels, labels, header=True).encode())
    without = read_image_csv(mnist_csv(pixels, labels, header=False))
    assert with_header == without
    assert with_header.side == 28 and len(with_header) == 12 and with_header.n_classes == 3
    assert with_header.images.shape == (12, 28, 28) and with_header.images.dtype == np.float32
    assert with_header.labels.dtype == np.int64 and with_header.labels.tolist() == labels
    assert with_header.class_names == ("0", "1", "2") and not with_header.inverted
    np.testing.assert_allclose(with_header.images.reshape(12, -1), pixels / 255, atol=1e-6)
    assert not with_header.images.flags.writeable


def test_the_side_comes_from_the_pixel_count_and_separators_are_sniffed():
    pixels = pixel_rows(10, 8, top=16)
    small = read_image_csv(mnist_csv(pixels, digit_labels(10, 2), separator=";"))
    assert small.side == 8 and small.images.shape == (10, 8, 8)
    np.testing.assert_allclose(small.images.reshape(10, -1), pixels / 255, atol=1e-6)  # 16 > 1: still /255
    assert read_image_csv(mnist_csv(pixels, digit_labels(10, 2), separator="\t")) == small


def test_pixels_already_in_zero_to_one_are_kept():
    pixels = pixel_rows(10, 4) / 255
    text = mnist_csv(np.round(pixels, 4), digit_labels(10, 2), header=False)
    image_set = read_image_csv(text)
    np.testing.assert_allclose(image_set.images.reshape(10, -1), np.round(pixels, 4), atol=1e-6)


def test_text_labels_and_numeric_labels_sorted_by_value():
    pixels = pixel_rows(12, 4)
    animals = ["dog", "cat", "bird"] * 4
    image_set = read_image_csv(mnist_csv(pixels, animals))
    assert image_set.class_names == ("bird", "cat", "dog")
    assert image_set.labels.tolist() == [2, 1, 0] * 4
    numbers = [10, 2, 9] * 4
    numbered = read_image_csv(mnist_csv(pixels, numbers))
    assert numbered.class_names == ("2", "9", "10")
    assert numbered.labels.tolist() == [2, 0, 1] * 4
    quoted = mnist_csv(pixels, ['"big, cat"', "dog", "dog"] * 4)
    assert read_image_csv(quoted).class_names == ("big, cat", "dog")


def test_a_first_row_with_one_bad_pixel_is_an_image_not_a_header():
    pixels = pixel_rows(10, 4).astype(str)
    pixels[0, 1] = "abc"
    message = refused("line 1, column 3", read_image_csv, mnist_csv(pixels, digit_labels(10, 2), header=False))
    assert "'abc'" in message and "not a number" in message


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("", ["empty"]),
        ("  \n\n", ["empty"]),
        ("label,pixel0,pixel1,pixel2,pixel3\n", ["header", "no images"]),
        ("5\n6\n", ["line 1", "single value"]),
    ],
)
def test_empty_and_shapeless_files_are_refused(text, facts):
    message = refused("", read_image_csv, text)
    for fact in facts:
        assert fact in message


def test_a_line_of_another_length_is_refused_with_its_number():
    lines = mnist_csv(pixel_rows(20, 28), digit_labels(20)).splitlines()
    lines[16] = ",".join(lines[16].split(",")[:700])
    message = refused("line 17 has 700 values, the first row has 785", read_image_csv, "\n".join(lines))
    assert "same number of pixels" in message


def test_a_pixel_count_that_is_not_square_is_refused():
    pixels = np.zeros((12, 700), dtype=int)
    message = refused("700 is not a square number", read_image_csv, mnist_csv(pixels, digit_labels(12)))
    assert "676 pixels make 26x26" in message and "729 make 27x27" in message
    no_labels = "\n".join(",".join("0" for _ in range(784)) for _ in range(12))
    assert "label is missing" in refused("783 is not a square", read_image_csv, no_labels)


@pytest.mark.parametrize(("side", "fact"), [(3, "3x3"), (65, "65x65")])
def test_sides_outside_the_limits_are_refused(side, fact):
    message = refused(fact, read_image_csv, mnist_csv(np.zeros((12, side * side), dtype=int), digit_labels(12)))
    assert "4x4 to 64x64" in message


@pytest.mark.parametrize(
    ("cell", "facts"),
    [
        ("abc", ["'abc'", "not a number"]),
        ("", ["is empty"]),
        ("nan", ["NaN"]),
        ("inf", ["infinite"]),
        ("300", ["300", "between 0 and 255"]),
        ("-1", ["-1", "between 0 and 255"]),
    ],
)
def test_bad_pixels_are_refused_with_line_and_column(cell, facts):
    pixels = pixel_rows(12, 4).astype(str)
    pixels[4, 2] = cell  # line 6 (after the header), column 4 (label first), named pixel2
    message = refused("line 6, column 4 \\(pixel2\\)", read_image_csv, mnist_csv(pixels, digit_labels(12)))
    for fact in facts:
        assert fact in message


def test_label_problems_are_refused():
    pixels = pixel_rows(12, 4)
    assert "every image has the label 7" in refused("two classes", read_image_csv, mnist_csv(pixels, [7] * 12))
    many = pixel_rows(2 * (MAX_CLASSES + 1), 4)
    message = refused(f"{MAX_CLASSES + 1} classes", read_image_csv, mnist_csv(many, [i // 2 for i in range(len(many))]))
    assert f"at most {MAX_CLASSES}" in message
    lonely = [0, 1] * 5 + [0, 5]
    assert "class 5 has only 1 image" in refused("at least 2", read_image_csv, mnist_csv(pixels, lonely))
    fractions = [0, 1] * 5 + [0, 2.5]
    assert "line 13" in refused("2.5, which is not a whole number", read_image_csv, mnist_csv(pixels, fractions))
    empty_label = ["0", "1"] * 5 + ["0", ""]
    assert "line 13 has no label" in refused("no label", read_image_csv, mnist_csv(pixels, empty_label))


def test_too_few_and_too_many_images_are_refused():
    assert "9 images" in refused("at least 10", read_image_csv, mnist_csv(pixel_rows(9, 4), digit_labels(9)))
    row = "0," + ",".join("0" for _ in range(16))
    many = "\n".join([row] * (MAX_IMAGES + 1))
    assert f"{MAX_IMAGES + 1:,} images" in refused(f"at most {MAX_IMAGES:,}", read_image_csv, many)


def test_files_that_are_not_text_are_refused():
    assert "CSV UTF-8" in refused("UTF-16", read_image_csv, b"\xff\xfe\x00\x01label")
    assert "byte 7" in refused("not UTF-8", read_image_csv, b"label,\xc3(")
    assert "NUL" in refused("NUL", read_image_csv, b"label\0,1\n")


# Zip -----------------------------------------------------------------------------------------------------------


def test_a_zip_of_class_folders_inside_a_wrapping_folder():
    files = class_folders(prefix="shapes/")
    files["__MACOSX/shapes/circle/._circle0.png"] = b"resource fork, not an image"
    files["shapes/.DS_Store"] = b"\0\0\0\1Bud1"
    files["shapes/circle/.hidden.png"] = b"not an image either"
    files["shapes/cross/Thumbs.db"] = b"windows"
    image_set = read_image_zip(make_zip(files))
    assert image_set.class_names == ("circle", "cross", "square")
    assert image_set.labels.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    assert image_set.images.shape == (15, ZIP_SIDE, ZIP_SIDE) and image_set.side == ZIP_SIDE
    assert image_set.inverted
    assert read_image_zip(make_zip(class_folders())) == image_set  # no wrapping folder: the same set


def test_dark_on_light_drawings_are_inverted_to_mnist_polarity():
    image_set = read_image_zip(make_zip(class_folders()))
    assert image_set.inverted
    square = image_set.images[image_set.labels == 2][0]
    assert square[14, 14] > 0.9  # the filled square's middle: black ink, now bright
    assert square[1, 1] < 0.1  # the paper: white, now dark
    light = read_image_zip(make_zip(class_folders(ink=255, paper=0)))  # already bright on dark
    assert not light.inverted
    np.testing.assert_allclose(light.images, image_set.images, atol=2 / 255)


def test_non_square_images_are_padded_with_their_border_and_resized():
    files = {f"wide/{i}.png": drawing("square", size=(120, 30)) for i in range(5)}
    files.update({f"tall/{i}.png": drawing("square", size=(20, 90)) for i in range(5)})
    image_set = read_image_zip(make_zip(files))
    assert image_set.images.shape == (10, 28, 28) and image_set.class_names == ("tall", "wide")
    wide = image_set.images[image_set.labels == 1][0]
    assert wide[:4].max() < 0.05 and wide[-4:].max() < 0.05  # padding above and below is the paper colour
    rows = np.flatnonzero(wide.max(axis=1) > 0.5)
    cols = np.flatnonzero(wide.max(axis=0) > 0.5)
    assert 12 <= rows.mean() <= 15 and 12 <= cols.mean() <= 15  # centred
    assert np.ptp(cols) > 3 * np.ptp(rows)  # still about four times wider than tall


def test_formats_transparency_and_natural_class_order():
    files = {f"10/{i}.jpg": drawing("circle", fmt="JPEG") for i in range(3)}
    files.update({f"2/{i}.bmp": drawing("cross", fmt="BMP") for i in range(3)})
    files.update({f"2/{i}.GIF": drawing("cross", fmt="GIF") for i in range(3, 5)})
    transparent = Image.new("RGBA", (30, 30), (0, 0, 0, 0))  # clear ground: white once composited
    ImageDraw.Draw(transparent).rectangle((8, 8, 22, 22), fill=(0, 0, 0, 255))
    buffer = io.BytesIO()
    transparent.save(buffer, "PNG")
    files.update({f"10/t{i}.png": buffer.getvalue() for i in range(2)})
    image_set = read_image_zip(make_zip(files))
    assert image_set.class_names == ("2", "10")
    assert image_set.inverted
    clear = image_set.images[-1]  # class 10 sorts t0, t1 after 0..2
    assert clear[14, 14] > 0.9 and clear[1, 1] < 0.1


def test_zip_refusals_name_the_file():
    good = class_folders(per_class=4)
    cases = [
        ({**good, "photo.png": drawing("circle")}, "photo.png is not inside a class folder"),
        ({**good, "circle/README.txt": b"hello"}, "circle/README.txt is not an image"),
        ({**good, "circle/broken.png": b"\x89PNG garbage"}, "circle/broken.png cannot be read as an image"),
        ({**good, "circle/big/a.png": drawing("circle")}, "circle/big/a.png lies in a folder inside the class"),
        ({**good, "circle/long.png": drawing("circle", size=(4097, 2))}, "circle/long.png is 4097x2 pixels"),
        ({f"circle/{i}.png": drawing("circle") for i in range(10)}, "only one class folder, circle"),
        ({**class_folders(per_class=4), "lonely/a.png": drawing("circle")}, "class lonely has only 1 image"),
        ({"circle/a.png": drawing("circle"), "cross/b.png": drawing("cross")}, "the zip has 2 images"),
        ({}, "the zip holds no images"),
    ]
    for files, fact in cases:
        assert fact in refused("", read_image_zip, make_zip(files))
    many = {f"c{i}/{j}.png": b"" for i in range(MAX_CLASSES + 1) for j in range(2)}
    assert f"{MAX_CLASSES + 1} class folders" in refused("at most 20", read_image_zip, make_zip(many))


def test_not_a_zip_is_refused():
    assert "not a zip" in refused("damaged", read_image_zip, b"PK\x03\x04 this is not really a zip")
    assert "not a zip" in refused("", read_image_upload, b"label,pixel0\n", "digits.zip")


def test_zips_too_big_to_unpack_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(MAX_IMAGES + 1):
            archive.writestr(f"c{index % 2}/{index}.png", b"")
    assert f"{MAX_IMAGES + 1:,} images" in refused("at most", read_image_zip, buffer.getvalue())
    buffer = io.BytesIO()
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("a/bomb.png", "w", force_zip64=True) as entry:
            for _ in range(201):
                entry.write(chunk)
        archive.writestr("b/x.png", b"")
    assert "201 MB" in refused("at most 200 MB", read_image_zip, buffer.getvalue())


def test_uploads_are_dispatched_by_content_and_name():
    zipped = make_zip(class_folders(per_class=4))
    assert read_image_upload(zipped, "anything.bin") == read_image_zip(zipped)
    text = mnist_csv(pixel_rows(10, 4), digit_labels(10, 2)).encode()
    assert read_image_upload(text, "train.csv") == read_image_csv(text)
    assert "single image" in refused("zip with one folder", read_image_upload, drawing("circle"), "seven.png")


# Storage -------------------------------------------------------------------------------------------------------


def test_store_and_load_round_trip():
    image_set = read_image_csv(mnist_csv(pixel_rows(12, 4) / 255 * 0.999, ["a", "b", "c"] * 4))
    sha = store_image_set(image_set)
    assert store_image_set(image_set) == sha
    path = image_sets_dir() / f"{sha}.images"
    assert image_sets_dir() == cache_dir() / "images" and path.is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    loaded = load_image_set(sha)
    assert loaded.images.dtype == np.float32 and loaded.labels.dtype == np.int64
    np.testing.assert_allclose(loaded.images, image_set.images, atol=1 / 255)
    assert loaded.labels.tolist() == image_set.labels.tolist()
    assert loaded.class_names == image_set.class_names and loaded.inverted == image_set.inverted
    assert store_image_set(loaded) == sha  # stored pixels are the canonical form
    info = image_set_info(sha)
    assert info == ImageSetInfo(n_images=12, side=4, n_classes=3, class_names=("a", "b", "c"), inverted=False)


def test_a_zip_set_round_trips_with_its_inversion():
    image_set = read_image_zip(make_zip(class_folders(per_class=4)))
    sha = store_image_set(image_set)
    assert load_image_set(sha) == image_set  # zip pixels are whole multiples of 1/255 already
    assert image_set_info(sha).inverted and image_set_info(sha).side == ZIP_SIDE


def test_missing_garbage_and_changed_stores_are_refused():
    missing = "0" * 64
    assert "no longer stored" in refused("upload", image_set_info, missing)
    assert "no longer stored" in refused("upload", load_image_set, missing)
    for garbage in ("not-a-sha", "A" * 64, "0" * 63, None, "../" + "0" * 61):
        assert "not the sha256" in refused("", image_set_info, garbage)
        assert "not the sha256" in refused("", load_image_set, garbage)
    image_set = read_image_csv(mnist_csv(pixel_rows(10, 4), digit_labels(10, 2)))
    sha = store_image_set(image_set)
    path = image_sets_dir() / f"{sha}.images"
    path.write_bytes(path.read_bytes()[:-1])
    assert "changed on disk" in refused("", load_image_set, sha)
    other = "f" * 64
    (image_sets_dir() / f"{other}.images").write_bytes(b"{not json\n")
    assert "damaged" in refused("", image_set_info, other)


def test_image_sets_validate_what_they_hold():
    images = np.zeros((10, 4, 4), dtype=np.float32)
    labels = np.array([0, 1] * 5)
    assert len(ImageSet(images, labels, ("a", "b"))) == 10
    refused("0 to 1", ImageSet, images + 2, labels, ("a", "b"))
    refused("class numbers", ImageSet, images, labels + 1, ("a", "b"))
    refused("shape", ImageSet, np.zeros((10, 4, 5)), labels, ("a", "b"))
    refused("4x4 to 64x64", ImageSet, np.zeros((10, 2, 2)), labels, ("a", "b"))
    assert "class b has only 1 image" in refused("", store_image_set, ImageSet(images, [0] * 9 + [1], ("a", "b")))
    assert image_upload.MIN_SIDE == 4 and image_upload.MAX_SIDE == 64
