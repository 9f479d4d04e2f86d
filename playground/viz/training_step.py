"""One training step drawn with its numbers: the network at each stage (forward, loss, backward, update), the
formulas of a neuron or a weight with the values filled in, the computation graph of one example's loss, and the
output over the plane before and after the update.

Pure functions of the step's answer (``train.one_step.explained_step``): testable without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from playground.viz.colors import MIDDLE, NEGATIVE, POSITIVE

#: The stages of a step, in order; the page's buttons walk them.
STAGES = ("forward", "loss", "backward", "update")
#: How a selection is named: ("neuron", layer, unit) or ("weight", layer, unit, source); layer 0 is the inputs.
Selection = tuple

#: Activation functions as formulas write them.
_ACTIVATION = {"tanh": r"\tanh", "relu": r"\mathrm{ReLU}", "sigmoid": r"\sigma", "linear": "", "softmax": "softmax"}
#: Their derivatives in terms of z and a, for the chain rule.
_DERIVATIVE = {
    "tanh": lambda z, a: 1 - a * a,
    "sigmoid": lambda z, a: a * (1 - a),
    "relu": lambda z, a: 1.0 if z > 0 else 0.0,
    "linear": lambda z, a: 1.0,
}
_DERIVATIVE_TEXT = {"tanh": "1 - a^2", "sigmoid": "a(1 - a)", "relu": "[z > 0]", "linear": "1"}


def number(value: float, digits: int = 4) -> str:
    """A value as the formulas show it: a few significant digits, a minus sign in braces where it follows text."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    return text if "e" not in text else text.replace("e", r"\times 10^{") + "}"


def _signed(value: float) -> str:
    """``+ 0.3`` or ``- 0.3``: a term after another."""
    return f"- {number(-value)}" if value < 0 else f"+ {number(value)}"


def _names(answer: Mapping, layer: int) -> list[str]:
    """The names of the values that enter layer ``layer`` (1-based): the inputs x1.. or the previous layer's a."""
    if layer == 1:
        return [f"x_{{{index + 1}}}" for index in range(len(answer["input"][0]))]
    return [f"a^{{({layer - 1})}}_{{{unit + 1}}}" for unit in range(len(answer["layers"][layer - 2]["biases"]))]


def _incoming(answer: Mapping, layer: int, example: int) -> list[float]:
    """The values that enter layer ``layer`` for one example."""
    return answer["input"][example] if layer == 1 else answer["layers"][layer - 2]["activations"][example]


def neuron_formula(answer: Mapping, layer: int, unit: int, example: int = 0) -> str:
    """LaTeX: the neuron's weighted sum and activation with its weights and inputs filled in."""
    step = answer["layers"][layer - 1]
    weights, bias = step["weights"][unit], step["biases"][unit]
    inputs = _incoming(answer, layer, example)
    z, a = step["weighted_sums"][example][unit], step["activations"][example][unit]
    symbols = " + ".join(f"w_{{{i + 1}}} {name}" for i, name in enumerate(_names(answer, layer))) + " + b"
    values = " ".join(
        f"{'' if i == 0 else '+ '}({number(w)})({number(x)})"
        for i, (w, x) in enumerate(zip(weights, inputs, strict=True))
    )
    name = f"a^{{({layer})}}_{{{unit + 1}}}"
    function = _ACTIVATION.get(step["activation"], step["activation"])
    if step["activation"] in ("linear", "softmax"):
        return rf"z = {symbols} = {values} {_signed(bias)} = {number(z)},\quad {name} = {number(a)}"
    filled = rf"{function}({values} {_signed(bias)})"
    return rf"{name} = {function}({symbols}) = {filled} = {function}({number(z)}) = {number(a)}"


def loss_formula(answer: Mapping) -> str:
    """LaTeX: the loss of the examples with the predictions and labels filled in (a mean over a mini-batch)."""
    outputs, targets, name = answer["outputs"], answer["target"], answer["loss_name"]
    terms = []
    for output, target in zip(outputs, targets, strict=True):
        if name == "bce" and len(output) == 1:
            p, y = output[0], _first(target)
            terms.append(rf"-[{number(y)} \log {number(p)} + (1 - {number(y)}) \log(1 - {number(p)})]")
        elif name == "cross_entropy":
            terms.append(rf"-\log {number(output[int(target)])}")
        elif name == "mae":
            terms.append(rf"|{number(output[0])} - {number(_first(target))}|")
        else:
            terms.append(rf"({number(output[0])} - {number(_first(target))})^2")
    rule = {
        "bce": r"L = -[y \log p + (1 - y) \log(1 - p)]",
        "cross_entropy": r"L = -\log p_{y}",
        "mae": r"L = |p - y|",
    }.get(name, r"L = (p - y)^2")
    mean = terms[0] if len(terms) == 1 else r"\tfrac{1}{" + str(len(terms)) + "}(" + " + ".join(terms) + ")"
    text = rf"{rule},\quad L = {mean} = {number(answer['data_loss'])}"
    if answer.get("penalty"):
        text += rf" + {number(answer['penalty'])}_{{\text{{penalty}}}} = {number(answer['loss'])}"
    return text


def _first(target: object) -> float:
    return float(target[0]) if isinstance(target, list) else float(target)


def chain_rule_formula(answer: Mapping, layer: int, unit: int, source: int) -> str:
    """LaTeX: the gradient of one weight by the chain rule, for each example of the step, with the values."""
    step = answer["layers"][layer - 1]
    examples = len(answer["input"])
    parts = []
    for example in range(examples):
        dz = step["weighted_sum_grads"][example][unit]
        incoming = _incoming(answer, layer, example)[source]
        parts.append(rf"({number(dz)})({number(incoming)})")
    incoming_name = _names(answer, layer)[source]
    total = step["weight_grads"][unit][source]
    sum_text = " + ".join(parts)
    partial = {name: rf"\frac{{\partial {top}}}{{\partial {name}}}" for top, name in (("L", "w"), ("L", "z"))}
    dz_dw = r"\frac{\partial z}{\partial w}"
    head = rf"{partial['w']} = {partial['z']} \cdot {dz_dw} = {partial['z']} \cdot {incoming_name}"
    penalty = total - sum(
        step["weighted_sum_grads"][e][unit] * _incoming(answer, layer, e)[source] for e in range(examples)
    )
    penalty_text = rf" {_signed(penalty)}_{{\text{{penalty}}}}" if answer.get("penalty") else ""
    return rf"{head} = {sum_text}{penalty_text} = {number(total)}"


def activation_chain_formula(answer: Mapping, layer: int, unit: int, example: int = 0) -> str:
    """LaTeX: dL/dz of a neuron from dL/da and the activation's slope."""
    step = answer["layers"][layer - 1]
    da, dz = step["activation_grads"][example][unit], step["weighted_sum_grads"][example][unit]
    activation = step["activation"]
    if activation not in _DERIVATIVE:
        return rf"\frac{{\partial L}}{{\partial z}} = {number(dz)}"
    slope = _DERIVATIVE[activation](step["weighted_sums"][example][unit], step["activations"][example][unit])
    return (
        rf"\frac{{\partial L}}{{\partial z}} = \frac{{\partial L}}{{\partial a}} \cdot {_DERIVATIVE_TEXT[activation]}"
        rf" = ({number(da)})({number(slope)}) = {number(dz)}"
    )


def update_formula(answer: Mapping, layer: int, unit: int, source: int | None) -> str:
    """LaTeX: the update of one weight (``source`` None: the bias) with the old value, the gradient, the rate and
    the new value; for optimizers with a state, its values after the step."""
    step = answer["layers"][layer - 1]
    if source is None:
        old, grad, new = step["biases"][unit], step["bias_grads"][unit], step["biases_after"][unit]
        state = {name: _pick(value, unit, None) for name, value in step["bias_state"].items()}
        symbol = "b"
    else:
        old, grad, new = (
            step["weights"][unit][source],
            step["weight_grads"][unit][source],
            step["weights_after"][unit][source],
        )
        state = {name: _pick(value, unit, source) for name, value in step["weight_state"].items()}
        symbol = "w"
    rate = answer["learning_rate"]
    if answer["optimizer"] == "sgd":
        return (
            rf"{symbol} \leftarrow {symbol} - \eta \frac{{\partial L}}{{\partial {symbol}}}"
            rf" = {number(old)} - {number(rate)} \cdot ({number(grad)}) = {number(new)}"
        )
    shown = {
        "momentum_buffer": "v",
        "exp_avg": "m",
        "exp_avg_sq": "v",
        "square_avg": "s",
        "step": "t",
    }
    values = r",\ ".join(f"{shown.get(name, name)} = {number(value)}" for name, value in state.items())
    if {"exp_avg", "exp_avg_sq", "step"} <= state.keys():  # Adam's bias correction: early moments scaled up
        t = state["step"]
        m_hat, v_hat = state["exp_avg"] / (1 - 0.9**t), state["exp_avg_sq"] / (1 - 0.999**t)
        values += rf",\ \hat m = {number(m_hat)},\ \hat v = {number(v_hat)}"
    return (
        rf"{symbol}: {number(old)} \rightarrow {number(new)}\quad"
        rf"(\frac{{\partial L}}{{\partial {symbol}}} = {number(grad)},\ \eta = {number(rate)},\ {values})"
    )


def _pick(value: object, unit: int, source: int | None) -> float:
    """One parameter's entry of an optimizer state (a number for all, or a tensor shaped like the parameter)."""
    if isinstance(value, list):
        row = value[unit]
        return float(row if source is None else row[source])
    return float(value)  # type: ignore[arg-type]


# The network at one stage -----------------------------------------------------------------------------------


def _column_positions(sizes: Sequence[int]) -> list[list[tuple[float, float]]]:
    """Each neuron's place: columns left to right, units top to bottom, centred."""
    tallest = max(sizes)
    return [
        [(float(column), (tallest - 1) / 2 - unit - (tallest - size) / 2) for unit in range(size)]
        for column, size in enumerate(sizes)
    ]


def _shade(value: float, limit: float) -> str:
    """Orange for negative, blue for positive, paler towards zero (the playground's ramp)."""
    share = 0.0 if limit <= 0 else max(-1.0, min(1.0, value / limit))
    end = POSITIVE if share >= 0 else NEGATIVE
    weight = abs(share)
    mixed = [round(int(MIDDLE[i : i + 2], 16) * (1 - weight) + int(end[i : i + 2], 16) * weight) for i in (1, 3, 5)]
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def _text_color(fill: str) -> str:
    """White on a dark fill, near-black on a light one."""
    red, green, blue = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#ffffff" if 0.299 * red + 0.587 * green + 0.114 * blue < 150 else "#111827"


def _link_values(answer: Mapping, stage: str, layer: dict) -> list[list[float]]:
    if stage == "backward":
        return layer["weight_grads"]
    if stage == "update":
        return layer["weights_after"]
    return layer["weights"]


def _node_values(answer: Mapping, stage: str, layer: dict, example: int) -> list[float]:
    if stage == "backward":
        return layer["weighted_sum_grads"][example]
    return layer["activations"][example]


def step_network_figure(
    answer: Mapping, stage: str, labels: Mapping[str, str], selection: Selection | None = None, example: int = 0
) -> go.Figure:
    """The network at ``stage``: neurons coloured by their activation (forward, loss, update) or by dL/dz
    (backward), links by weight (forward, loss), by dL/dw (backward) or by the new weight (update), width by size;
    hovering a neuron or a link's middle shows its numbers; clicking selects it (``customdata``)."""
    layers = answer["layers"]
    sizes = [len(answer["input"][0])] + [len(layer["biases"]) for layer in layers]
    places = _column_positions(sizes)
    figure = go.Figure()
    link_limit = max(
        (abs(v) for layer in layers for row in _link_values(answer, stage, layer) for v in row), default=1.0
    )
    middles_x, middles_y, middles_text, middles_data, middles_color = [], [], [], [], []
    for index, layer in enumerate(layers, start=1):
        values = _link_values(answer, stage, layer)
        for unit, row in enumerate(values):
            for source, value in enumerate(row):
                (x0, y0), (x1, y1) = places[index - 1][source], places[index][unit]
                chosen = selection == ("weight", index, unit, source)
                figure.add_trace(
                    go.Scatter(
                        x=[x0, x1],
                        y=[y0, y1],
                        mode="lines",
                        line={
                            "color": "#111827" if chosen else _shade(value, link_limit),
                            "width": 1 + 7 * min(1.0, abs(value) / link_limit) if link_limit else 1,
                        },
                        hoverinfo="skip",
                        showlegend=False,
                    )
                )
                middles_x.append((x0 + x1) / 2)
                middles_y.append((y0 + y1) / 2)
                middles_color.append(_shade(value, link_limit))
                middles_data.append(["weight", index, unit, source])
                middles_text.append(_link_hover(answer, stage, layer, index, unit, source, labels))
    figure.add_trace(
        go.Scatter(
            x=middles_x,
            y=middles_y,
            mode="markers",
            marker={"size": 9, "color": middles_color, "line": {"width": 1, "color": "#6b7280"}},
            hovertext=middles_text,
            hoverinfo="text",
            customdata=middles_data,
            showlegend=False,
            name="weights",
        )
    )
    node_x, node_y, node_text, node_hover, node_color, node_data, node_line = [], [], [], [], [], [], []
    for (x, y), value in zip(places[0], answer["input"][example], strict=True):
        node_x.append(x)
        node_y.append(y)
        node_text.append(number(value, 3))
        node_hover.append(f"x = {value:.4f}")
        node_color.append(_shade(value, max(1.0, max(abs(v) for v in answer["input"][example]))))
        node_data.append(["input", 0, len(node_data), -1])
        node_line.append(1)
    for index, layer in enumerate(layers, start=1):
        values = _node_values(answer, stage, layer, example)
        limit = max(1e-12, max(abs(v) for v in values)) if stage == "backward" else 1.0
        for unit, value in enumerate(values):
            x, y = places[index][unit]
            node_x.append(x)
            node_y.append(y)
            node_text.append(number(value, 3))
            node_hover.append(_neuron_hover(layer, unit, example, labels))
            node_color.append(_shade(value, limit))
            node_data.append(["neuron", index, unit, -1])
            node_line.append(4 if selection == ("neuron", index, unit) else 1)
    figure.add_trace(
        go.Scatter(
            x=node_x,
            y=node_y,
            mode="markers+text",
            marker={"size": 46, "color": node_color, "line": {"width": node_line, "color": "#111827"}},
            text=node_text,
            textfont={"size": 11, "color": [_text_color(color) for color in node_color]},
            hovertext=node_hover,
            hoverinfo="text",
            customdata=node_data,
            showlegend=False,
            name="neurons",
        )
    )
    names = [labels["inputs"]] + [f"{labels['layer']} {i}" for i in range(1, len(layers))] + [labels["output"]]
    figure.update_layout(
        height=120 + 70 * max(sizes),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"visible": False, "range": [-0.5, len(sizes) - 0.5]},
        yaxis={"visible": False, "scaleanchor": None},
        plot_bgcolor="white",
        clickmode="event+select",
        dragmode=False,
        annotations=[
            {"x": column, "y": (max(sizes) - 1) / 2 + 0.8, "text": name, "showarrow": False, "font": {"size": 12}}
            for column, name in enumerate(names)
        ],
    )
    return figure


def _neuron_hover(layer: Mapping, unit: int, example: int, labels: Mapping[str, str]) -> str:
    return "<br>".join(
        [
            f"z = {layer['weighted_sums'][example][unit]:.4f}",
            f"a = {layer['activations'][example][unit]:.4f}",
            f"∂L/∂a = {layer['activation_grads'][example][unit]:.4g}",
            f"∂L/∂z = {layer['weighted_sum_grads'][example][unit]:.4g}",
            f"{labels['bias']} {layer['biases'][unit]:.4f} → {layer['biases_after'][unit]:.4f}",
        ]
    )


def _link_hover(
    answer: Mapping, stage: str, layer: Mapping, index: int, unit: int, source: int, labels: Mapping[str, str]
) -> str:
    old, grad, new = (
        layer["weights"][unit][source],
        layer["weight_grads"][unit][source],
        layer["weights_after"][unit][source],
    )
    return f"w = {old:.4f}<br>∂L/∂w = {grad:.4g}<br>{labels['after_update']} {new:.4f}"


# The computation graph --------------------------------------------------------------------------------------


def _label(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def computation_graph(answer: Mapping, example: int = 0, labels: Mapping[str, str] | None = None) -> str:
    """DOT of one example's loss as micrograd draws it: a node per input, weight, multiply, add, activation and
    the loss, each with its value (data) and gradient (grad) from the step."""
    names = {"data": "data", "grad": "grad", "loss": "loss", **(labels or {})}
    lines = [
        "digraph step {",
        "  rankdir=LR;",
        '  node [shape=record, fontname="Helvetica", fontsize=10, style=filled, fillcolor="#f9fafb"];',
        '  edge [color="#6b7280"];',
    ]

    def record(node: str, title: str, data: float, grad: float | None, fill: str = "#f9fafb") -> None:
        grad_text = "" if grad is None else f" | {names['grad']} {grad:.4g}"
        lines.append(f'  {node} [label="{{ {title} | {names["data"]} {data:.4g}{grad_text} }}", fillcolor="{fill}"];')

    layers = answer["layers"]
    previous = []
    for source, value in enumerate(answer["input"][example]):
        node = f"x{source}"
        record(node, f"x{source + 1}", value, None, "#e5e7eb")
        previous.append(node)
    for index, layer in enumerate(layers, start=1):
        incoming = _incoming(answer, index, example)
        current = []
        for unit in range(len(layer["biases"])):
            dz = layer["weighted_sum_grads"][example][unit]
            add = f"z{index}_{unit}"
            for source, value in enumerate(incoming):
                weight = layer["weights"][unit][source]
                w_node, m_node = f"w{index}_{unit}_{source}", f"m{index}_{unit}_{source}"
                record(w_node, f"w{index}.{unit + 1}.{source + 1}", weight, dz * value, "#dbeafe")
                record(m_node, "×", weight * value, dz)
                lines.append(f"  {w_node} -> {m_node};")
                lines.append(f"  {previous[source]} -> {m_node};")
                lines.append(f"  {m_node} -> {add};")
            b_node = f"b{index}_{unit}"
            record(b_node, f"b{index}.{unit + 1}", layer["biases"][unit], dz, "#dbeafe")
            lines.append(f"  {b_node} -> {add};")
            record(add, f"+  z{index}.{unit + 1}", layer["weighted_sums"][example][unit], dz)
            out = f"a{index}_{unit}"
            record(
                out,
                f"{layer['activation']}  a{index}.{unit + 1}",
                layer["activations"][example][unit],
                layer["activation_grads"][example][unit],
                "#fef3c7",
            )
            lines.append(f"  {add} -> {out};")
            current.append(out)
        previous = current
    share = 1 / len(answer["input"])
    record("loss", names["loss"], answer["data_loss"], 1.0 if share == 1 else None, "#fee2e2")
    for node in previous:
        lines.append(f"  {node} -> loss;")
    lines.append("}")
    return "\n".join(lines)


# Before and after -------------------------------------------------------------------------------------------


def boundary_pair_figure(answer: Mapping, labels: Mapping[str, str]) -> go.Figure | None:
    """The network's output over the plane before and after the update, side by side, the step's examples marked;
    None when the data are not points of a plane."""
    if "boundary_before" not in answer:
        return None
    from plotly.subplots import make_subplots

    extent = float(answer["extent"])
    resolution = len(answer["boundary_before"])
    axis = [-extent + 2 * extent * i / (resolution - 1) for i in range(resolution)]
    figure = make_subplots(rows=1, cols=2, subplot_titles=(labels["before"], labels["after"]), horizontal_spacing=0.06)
    binary = answer["task"] == "binary"
    scale = [[0, NEGATIVE], [0.5, MIDDLE], [1, POSITIVE]]
    for column, key in enumerate(("boundary_before", "boundary_after"), start=1):
        figure.add_trace(
            go.Heatmap(
                x=axis,
                y=axis,
                z=answer[key],
                colorscale=scale,
                zmin=0 if binary else None,
                zmax=1 if binary else None,
                showscale=False,
                hoverinfo="skip",
            ),
            row=1,
            col=column,
        )
        points = answer["points"]
        figure.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                mode="markers",
                marker={"size": 12, "color": "#111827", "symbol": "x"},
                name=labels["examples"],
                showlegend=column == 1,
            ),
            row=1,
            col=column,
        )
    figure.update_xaxes(range=[-extent, extent], constrain="domain")
    figure.update_yaxes(range=[-extent, extent], scaleanchor="x")
    figure.update_layout(height=330, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h"})
    return figure
