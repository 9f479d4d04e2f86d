"""The playground's colours, shared by the thumbnails, the charts and the live view (TF Playground's orange and blue).

The live view's JavaScript reads them from ``playground/ui/web/colors.js``, which is generated from this module
(``python -m playground.viz.colors``); a test fails when the two disagree.
"""

from __future__ import annotations

from pathlib import Path

NEGATIVE = "#f59322"  # class 0, negative values
MIDDLE = "#e8eaeb"  # undecided: the middle of the diverging orange-white-blue ramp
POSITIVE = "#0877bd"  # class 1, positive values
#: Multiclass, one colour per class: Okabe and Ito's colour-blind-safe set, its orange and blue first (close to
#: NEGATIVE and POSITIVE, so classes 0 and 1 read as in the binary views); all five stay apart in every common
#: kind of colour blindness.
CLASS_PALETTE = ("#e69f00", "#0072b2", "#009e73", "#d55e00", "#cc79a7")
#: A conv filter's weights: negative blue, zero white, positive red (the live view paints the filters with them).
KERNEL_STOPS = ("#2166ac", "#f7f7f7", "#b2182b")
#: Activations and feature maps, dark to bright (black, purple, orange, pale yellow).
ACTIVATION_STOPS = ("#000004", "#781c6d", "#ed6925", "#fcffa4")
#: Saliency laid over a greyed image: the pixels that move the prediction most.
SALIENCY_COLOR = "#e61e1e"
#: Signed recurrent quantities (hidden states, candidates, the memory cell): ColorBrewer's RdBu from blue (negative)
#: through white to red (positive), as Plotly's "RdBu_r".
SIGNED_STOPS = ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d",
                "#b2182b", "#67001f")  # fmt: skip
#: Viridis (Plotly's colour scale of the same name, from dark purple to yellow): gates from closed to open, maps of
#: a loss.
VIRIDIS_STOPS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
                 "#fde725")  # fmt: skip
#: Marked steps of a sequence (the adding problem's two marked values).
MARKER_COLOR = "#f59e0b"
TRAIN_COLOR = "#636efa"  # training curves and points
TEST_COLOR = "#ef553b"  # test curves and points

#: Where the live view's copy of these colours lives.
JAVASCRIPT_COLORS = Path(__file__).resolve().parent.parent / "ui" / "web" / "colors.js"


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def javascript_colors() -> str:
    """The text of ``colors.js``: the ramp's ends and middle as RGB triples, the train and test colours as hex."""
    rgb = {name: list(hex_to_rgb(value)) for name, value in (("NEG", NEGATIVE), ("MID", MIDDLE), ("POS", POSITIVE))}
    lines = [
        "// Generated from playground/viz/colors.py (python -m playground.viz.colors): edit that file, not this one.",
        "",
        *(f"export const {name} = {value};" for name, value in rgb.items()),
        f"export const KERNEL_STOPS = {[list(hex_to_rgb(stop)) for stop in KERNEL_STOPS]};",
        f"export const ACTIVATION_STOPS = {[list(hex_to_rgb(stop)) for stop in ACTIVATION_STOPS]};",
        f"export const SALIENCY_COLOR = {list(hex_to_rgb(SALIENCY_COLOR))};",
        f"export const SIGNED_STOPS = {[list(hex_to_rgb(stop)) for stop in SIGNED_STOPS]};",
        f"export const VIRIDIS_STOPS = {[list(hex_to_rgb(stop)) for stop in VIRIDIS_STOPS]};",
        f'export const MARKER_COLOR = "{MARKER_COLOR}";',
        f'export const TRAIN_COLOR = "{TRAIN_COLOR}";',
        f'export const TEST_COLOR = "{TEST_COLOR}";',
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    JAVASCRIPT_COLORS.write_text(javascript_colors(), encoding="utf-8")
    print(f"wrote {JAVASCRIPT_COLORS.name}")
