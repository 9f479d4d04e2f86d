"""The layer stack as a Graphviz diagram: a picture of the network students can check against the table.

Pure text (DOT), so it is testable without a browser; ``st.graphviz_chart`` draws it in the page, and no system
Graphviz is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from playground.layers import Shape

#: Labels the diagram shows; a page passes translated ones.
DEFAULT_LABELS: dict[str, str] = {"input": "Input", "output": "Output", "params": "params", "unknown": "–"}
_FILL = {"dense": "#dbeafe", "activation": "#fef3c7", "dropout": "#ede9fe", "batchnorm": "#dcfce7"}


class DiagramRow(Protocol):
    """What the diagram needs of a row: ``StackRow`` and ``LayerInfo`` both fit (kind and error optional)."""

    title: str
    output_shape: Shape | None
    params: int | None


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")  # \n: a centred line break
    return '"' + escaped + '"'


def _shape(shape: Shape | None, unknown: str) -> str:
    if shape is None:
        return unknown
    return "(" + ", ".join(str(size) for size in shape) + ("," if len(shape) == 1 else "") + ")"


def stack_diagram(input_shape: Shape, rows: Sequence[DiagramRow], labels: Mapping[str, str] | None = None) -> str:
    """DOT for input -> one box per layer (kind, output shape, parameters) -> output, top to bottom.

    A failing layer (a row with an ``error``) is outlined red, so the picture points at the same row as the editor.
    """
    text = {**DEFAULT_LABELS, **(labels or {})}
    lines = [
        "digraph network {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="#f3f4f6", fontname="Helvetica", fontsize=11];',
        '  edge [color="#6b7280"];',
        f"  input [label={_quote(text['input'] + chr(10) + _shape(tuple(input_shape), text['unknown']))}, "
        'shape=ellipse, fillcolor="#e5e7eb"];',
    ]
    previous = "input"
    for index, row in enumerate(rows):
        params = text["unknown"] if row.params is None else f"{row.params:,}"
        label = f"{row.title}\n{_shape(row.output_shape, text['unknown'])} · {params} {text['params']}"
        kind = getattr(row, "kind", "")
        attributes = [f"label={_quote(label)}"]
        if kind in _FILL:
            attributes.append(f'fillcolor="{_FILL[kind]}"')
        if getattr(row, "error", None):
            attributes.append('color="#dc2626", penwidth=2.5')
        lines.append(f"  layer{index} [{', '.join(attributes)}];")
        lines.append(f"  {previous} -> layer{index};")
        previous = f"layer{index}"
    last_shape = rows[-1].output_shape if rows else tuple(input_shape)
    output_label = text["output"] + "\n" + _shape(last_shape, text["unknown"])
    lines.append(f'  output [label={_quote(output_label)}, shape=ellipse, fillcolor="#e5e7eb"];')
    lines.append(f"  {previous} -> output;")
    lines.append("}")
    return "\n".join(lines)
