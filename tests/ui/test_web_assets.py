"""The browser code as real files: bundling for Streamlit, the generated colours, and the frames' wire format
decoded by the very module the browser runs (node executes it; scripts/test.sh installs node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from playground.ui import web_assets
from playground.ui.frames import encode_boundary, encode_network
from playground.ui.web_assets import WEB_DIR, bundle
from playground.viz.colors import JAVASCRIPT_COLORS, javascript_colors

ENTRIES = ("main.js", "copy_link.js", "autoplay.js", "shortcuts.js")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: scripts/test.sh installs it (Debian's nodejs)")
    return node


def _run_node(script: str, cwd: Path) -> str:
    done = subprocess.run(
        [_node(), "--input-type=module", "-e", script], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("entry", ENTRIES)
def test_each_component_bundles_into_one_module_that_node_loads(entry: str, tmp_path: Path) -> None:
    text = bundle(entry)
    path = tmp_path / "bundle.mjs"
    path.write_text(text, encoding="utf-8")
    assert "\nimport " not in text and not text.startswith("import ")
    assert _run_node(
        f"const m = await import({json.dumps(path.as_uri())}); console.log(typeof m.default)", tmp_path
    ).strip() == "function"


def test_the_live_view_bundle_holds_every_module_it_imports_once_after_its_imports() -> None:
    order = web_assets._module_order("main.js")
    assert order[-1] == "main.js"
    assert {"colors.js", "numbers.js", "history.js", "network_panel.js", "live_view.js"} <= set(order)
    assert order.index("colors.js") < order.index("paint.js") < order.index("network_panel.js")
    text = bundle("main.js")
    assert [line[len("// == module ") :] for line in text.splitlines() if line.startswith("// == module ")] == order
    assert text.count("export default") == 1


def test_a_name_defined_in_two_modules_is_caught_by_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.js").write_text("export const shared = 1;\n")
    (tmp_path / "b.js").write_text('import { shared } from "./a.js";\nconst shared2 = shared;\nconst x = 2;\n'
                                   "export const shared = x;\n")  # fmt: skip
    (tmp_path / "entry.js").write_text('import { shared } from "./b.js";\nexport default () => shared;\n')
    monkeypatch.setattr(web_assets, "WEB_DIR", tmp_path)
    path = tmp_path / "bundle.mjs"
    path.write_text(bundle("entry.js"))
    done = subprocess.run([_node(), "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "already been declared" in done.stderr


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"entry.js": 'import { a } from "./a.js";\n', "a.js": 'import { b } from "./entry.js";\n'}, "cycle"),
        ({"entry.js": 'import * as a from "./a.js";\n', "a.js": ""}, "only `import"),
        ({"entry.js": "const a = 1;\nexport { a };\n"}, "only `export const"),
        ({"entry.js": 'import { a } from "./a.js";\n', "a.js": "export default 1;\n"}, "only the entry"),
    ],
)
def test_modules_the_bundler_cannot_join_are_refused_by_name(
    files: dict[str, str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(web_assets, "WEB_DIR", tmp_path)
    with pytest.raises(ValueError, match=message):
        bundle("entry.js")


def test_colors_js_is_generated_from_the_python_colours() -> None:
    assert JAVASCRIPT_COLORS.read_text(encoding="utf-8") == javascript_colors(), (
        "playground/ui/web/colors.js is stale: run python -m playground.viz.colors"
    )


def test_the_browser_decodes_what_the_server_encodes(tmp_path: Path) -> None:
    weights = np.array([[0.5, -1.25], [np.nan, 3.0e-3], [7.0, -8.0]], dtype=np.float32)
    bias = np.array([0.1, -0.2, np.nan], dtype=np.float32)
    network = {
        "resolution": 2,
        "extent": 6.0,
        "columns": [
            {"units": 2, "lo": -1.0, "hi": 1.0, "maps": np.zeros((2, 4))},
            {"units": 3, "lo": -1.0, "hi": 1.0, "maps": np.linspace(-1, 1, 12).reshape(3, 4),
             "weights": weights, "bias": bias},
        ],
    }  # fmt: skip
    wire = encode_network(network)["columns"][1]
    boundary = encode_boundary({"values": [0.0, 0.25, 0.5, 1.0], "resolution": 2, "lo": 0.0})
    decode = json.dumps((WEB_DIR / "decode.js").as_uri())
    script = f"""
        const {{ decodeBase64, decodeFloat32 }} = await import({decode});
        const wire = {json.dumps({"column": wire, "boundary": boundary})};
        const show = (values) => Array.from(values, (v) => (Number.isNaN(v) ? "NaN" : v));
        console.log(JSON.stringify({{
          weights: show(decodeFloat32(wire.column.weights)),
          bias: show(decodeFloat32(wire.column.bias)),
          maps: Array.from(decodeBase64(wire.column.maps)),
          boundary: Array.from(decodeBase64(wire.boundary.values)),
        }}));
    """
    decoded = json.loads(_run_node(script, tmp_path))
    as_floats = lambda values: np.array([np.nan if v == "NaN" else v for v in values], dtype=np.float32)  # noqa: E731
    np.testing.assert_array_equal(as_floats(decoded["weights"]), weights.reshape(-1))
    np.testing.assert_array_equal(as_floats(decoded["bias"]), bias)
    assert decoded["maps"] == np.rint((np.linspace(-1, 1, 12) + 1) * 127.5).astype(int).tolist()
    assert decoded["boundary"] == [0, 64, 128, 255]
