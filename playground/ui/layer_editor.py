"""The layer-stack editor every page uses: rows to add, insert, move, duplicate, remove and edit, undo,
templates, live shapes and parameters, a Keras-style summary and a diagram.

The logic lives in ``playground.layer_stack``; this module only draws it and turns clicks into its operations.
Widget keys derive from each row's stable id, so moving a row moves its widgets' state with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import streamlit as st
from pydantic_core import PydanticUndefined

from playground.config import ConfigError, RunConfig
from playground.i18n import DEFAULT_LANGUAGE, Translator
from playground.layer_stack import (
    RECURRENT_KINDS,
    EditorState,
    StackRow,
    Template,
    counts_recurrent,
    default_layer,
    failing_layer_index,
    input_family,
    kinds_for,
    load_templates,
    param_totals,
    plain_reason,
    same_stack,
    stack_rows,
)
from playground.layers import ACTIVATIONS, LAYER_KINDS, Shape
from playground.ui.common import translated_choice
from playground.viz.network_diagram import stack_diagram

#: The settings each kind shows in its row (kinds not listed have none).
FIELDS: dict[str, tuple[str, ...]] = {
    "dense": ("units", "activation"),
    "activation": ("function",),
    "dropout": ("rate",),
    "conv2d": ("filters", "kernel_size", "stride", "padding", "activation"),
    "maxpool2d": ("pool_size", "stride"),
    "avgpool2d": ("pool_size", "stride"),
    **{kind: ("units", "num_layers", "bidirectional", "return_sequences") for kind in RECURRENT_KINDS},
    "embedding": ("vocab_size", "dim"),
}
#: The defaults of each kind's settings, for stacks that leave them out.
KIND_DEFAULTS: dict[str, dict[str, object]] = {
    kind.model_fields["kind"].default: {
        name: info.default for name, info in kind.model_fields.items() if info.default is not PydanticUndefined
    }
    for kind in LAYER_KINDS
}
#: Settings typed as whole numbers; each kind's own limits bound them (a recurrent layer's units stop lower
#: than a dense layer's).
INTEGER_FIELDS: tuple[str, ...] = ("units", "filters", "kernel_size", "pool_size", "num_layers", "vocab_size", "dim")
#: On/off settings, shown as checkboxes.
BOOLEAN_FIELDS: tuple[str, ...] = ("bidirectional", "return_sequences")
#: The width of each setting's field in a layer's row (px): "softmax", "= window", 4,096 units and their steppers
#: show whole, three to a line in a half-width column.
SETTING_WIDTH = 128
#: The new layer kind's drop-down (px): its longest name ("Dense (fully connected)") shows whole.
KIND_WIDTH = 232
#: (smallest, largest) of each kind's whole-number settings, as its pydantic fields allow them.
INTEGER_BOUNDS: dict[str, dict[str, tuple[int, int]]] = {
    kind.model_fields["kind"].default: {
        name: (
            next(rule.ge for rule in info.metadata if hasattr(rule, "ge")),
            next(rule.le for rule in info.metadata if hasattr(rule, "le")),
        )
        for name, info in kind.model_fields.items()
        if name in INTEGER_FIELDS
    }
    for kind in LAYER_KINDS
}


@dataclass
class EditedStack:
    """What the editor hands back to its page on every run."""

    layers: list[dict]  # the current stack as LayerSpec dicts (always returned, even when invalid)
    config: RunConfig | None  # the validated config when the stack is valid, else None
    error: str | None  # readable reason when invalid (names the layer)
    failing_index: int | None  # index of the layer the error names, if any


def _state(key: str) -> EditorState:
    return st.session_state[f"{key}_state"]


def _widget_key(key: str, row_id: int, name: str) -> str:
    return f"{key}_{row_id}_{name}"


def _sync_widgets(key: str, state: EditorState, overwrite: bool) -> None:
    """Put each layer's settings into its widgets' state: all of them after undo or a template (the widgets must
    show the restored values), only the missing ones otherwise (new rows, or widgets Streamlit cleaned up)."""
    for row_id, layer in zip(state.ids, state.layers, strict=True):
        kind = layer.get("kind", "")
        for name in FIELDS.get(kind, ()):
            widget = _widget_key(key, row_id, name)
            value = layer.get(name, KIND_DEFAULTS.get(kind, {}).get(name))  # a left-out setting shows its default
            if value is not None and (overwrite or widget not in st.session_state):
                st.session_state[widget] = float(value) if name == "rate" else value  # 0 -> 0.0


def replace_stack(key: str, layers: list[dict]) -> None:
    """Swap the editor's whole stack (undoable): for a page that adapts the model, e.g. to a new task. Call it
    from a callback or before ``layer_stack_editor`` runs in the script."""
    state_key = f"{key}_state"
    if state_key not in st.session_state:
        st.session_state[state_key] = EditorState.start(layers)
    else:
        st.session_state[state_key].replace(layers)
    _sync_widgets(key, st.session_state[state_key], overwrite=True)


# Callbacks: they run before the script, so they may set widget state. -------------------------------------------
def _new_layer(key: str, vocab_size: int | None) -> dict:
    return default_layer(st.session_state[f"{key}_new_kind"], vocab_size)


def _current(key: str, revision: int) -> EditorState | None:
    """The stack, if it is still at the revision a button was drawn for; else None and the press is void.

    Streamlit can deliver one press twice (its browser side repeats a press not yet sent with a timed rerun of
    any fragment, then sends it on its own): the first delivery changes the stack, and the second, finding a
    newer revision, must not insert, duplicate, move or remove a second time. The buttons' keys end with the
    revision (``_r3``) too: when the first delivery rode a full rerun, which redrew the buttons, a button under
    the same key would have been drawn again with the new revision, and the repeat would have acted."""
    state = _state(key)
    return state if state.revision == revision else None


def _add(key: str, revision: int, vocab_size: int | None) -> None:
    if state := _current(key, revision):
        state.add(_new_layer(key, vocab_size))


def _insert(key: str, revision: int, row_id: int, below: bool, vocab_size: int | None) -> None:
    if state := _current(key, revision):
        state.insert(state.index_of(row_id) + int(below), _new_layer(key, vocab_size))


def _remove(key: str, revision: int, row_id: int) -> None:
    if state := _current(key, revision):
        state.remove(state.index_of(row_id))


def _duplicate(key: str, revision: int, row_id: int) -> None:
    if state := _current(key, revision):
        state.duplicate(state.index_of(row_id))
        _sync_widgets(key, state, overwrite=False)


def _move(key: str, revision: int, row_id: int, offset: int) -> None:
    if state := _current(key, revision):
        state.move(state.index_of(row_id), offset)


def _edit(key: str, row_id: int, name: str) -> None:
    """A setting changed: a value, so a repeated delivery changes nothing; a row removed meanwhile is ignored."""
    state = _state(key)
    if row_id in state.ids:
        state.edit(state.index_of(row_id), **{name: st.session_state[_widget_key(key, row_id, name)]})


def _undo(key: str, revision: int) -> None:
    if (state := _current(key, revision)) and state.undo():
        _sync_widgets(key, state, overwrite=True)


def _template_stack(template: Template, output: dict | None, vocab_size: int | None) -> list[dict]:
    """The stack a template gives this page: its output layer the page's (an image template keeps its own unless
    the page's is dense), its embedding sized to the page's text."""
    if template.family == "image" and output is not None and output.get("kind") != "dense":
        output = None
    return template.stack(output, vocab_size)


def _use_template(key: str, revision: int, output: dict | None, vocab_size: int | None) -> None:
    if not (state := _current(key, revision)):
        return
    chosen = st.session_state[f"{key}_template"]
    template = next(template for template in load_templates() if template.id == chosen)
    state.replace(_template_stack(template, output, vocab_size))
    _sync_widgets(key, state, overwrite=True)


# Drawing --------------------------------------------------------------------------------------------------------
def _shape_text(shape: Shape | None, t: Translator) -> str:
    if shape is None:
        return t("editor_shape_unknown")
    return "(" + ", ".join(str(size) for size in shape) + ("," if len(shape) == 1 else "") + ")"


def _params_text(params: int | None, t: Translator) -> str:
    return t("editor_shape_unknown") if params is None else f"{params:,}"


def _toolbar(
    t: Translator, key: str, state: EditorState, output: dict | None, family: str, vocab_size: int | None
) -> None:
    """New-layer kind, add, undo; the template picker (the kinds and templates that suit the input)."""
    language = st.session_state.get("lang", DEFAULT_LANGUAGE)
    templates = {template.id: template for template in load_templates(family)}
    # lines that wrap where the column is narrow: the kind's and template's names show whole, the buttons beside
    line = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
    translated_choice(
        line.selectbox,
        t("editor_new_kind"),
        kinds_for(family),
        key=f"{key}_new_kind",
        format_func=lambda name: t(f"editor_kind_{name}"),
        help=t("editor_help_new_kind"),
        width=KIND_WIDTH,
    )
    line.button(
        t("editor_add"),
        key=f"{key}_add_r{state.revision}",
        icon=":material/add:",
        help=t("editor_help_add"),
        on_click=_add,
        args=(key, state.revision, vocab_size),
    )
    line.button(
        t("editor_undo"),
        key=f"{key}_undo_r{state.revision}",
        icon=":material/undo:",
        help=t("editor_help_undo"),
        on_click=_undo,
        args=(key, state.revision),
        disabled=not state.can_undo,
    )
    if not templates:
        return
    chosen = templates.get(st.session_state.get(f"{key}_template", ""))
    # the chosen template's name, marked once the stack is no longer that template's
    edited = chosen is not None and not same_stack(_template_stack(chosen, output, vocab_size), state.layers)

    def template_name(template_id: str) -> str:
        name = templates[template_id].name(language)
        return t("editor_template_custom", name=name) if edited and template_id == chosen.id else name

    translated_choice(  # the column's whole width: a template's name is a whole sentence
        st.selectbox,
        t("editor_template"),
        list(templates),
        key=f"{key}_template",
        format_func=template_name,
        help=t("editor_help_template"),
    )
    st.button(
        t("editor_use_template"),
        key=f"{key}_use_template_r{state.revision}",
        icon=":material/auto_awesome:",
        help=t("editor_help_use_template"),
        on_click=_use_template,
        args=(key, state.revision, output, vocab_size),
    )


def _settings(t: Translator, key: str, row_id: int, layer: dict) -> None:
    """The layer's own settings, edited in place; each change is one undoable step. Drawn in the row's line of
    fields, which wraps where the column is narrow."""
    kind = layer.get("kind", "")
    fields = FIELDS.get(kind, ())
    if not fields:
        st.caption(t("editor_no_settings"), width="content")  # the row's buttons beside it
        return
    for name in fields:
        widget = _widget_key(key, row_id, name)
        common = {"key": widget, "on_change": _edit, "args": (key, row_id, name), "help": t(f"editor_help_{name}"),
                  "width": SETTING_WIDTH}  # fmt: skip
        if name in INTEGER_FIELDS:
            low, high = INTEGER_BOUNDS[kind][name]
            st.number_input(t(f"editor_{name}"), min_value=low, max_value=high, step=1, **common)
        elif name in BOOLEAN_FIELDS:
            st.checkbox(t(f"editor_{name}"), **{**common, "width": "content"})
        elif name == "stride":  # pooling's stride may be empty: the window's own size
            optional = kind != "conv2d"
            st.selectbox(
                t("editor_stride"),
                (None, *range(1, 9)) if optional else tuple(range(1, 5)),  # as the layer kinds allow
                format_func=lambda value: t("editor_stride_auto") if value is None else str(value),
                **common,
            )
        elif name == "padding":
            st.selectbox(t("editor_padding"), ("valid", "same"), **common)
        elif name == "rate":
            st.number_input(t("editor_rate"), min_value=0.0, max_value=0.99, step=0.05, format="%.2f", **common)
        else:
            st.selectbox(t(f"editor_{name}"), ACTIVATIONS, **common)


def _row_buttons(
    t: Translator, key: str, revision: int, row_id: int, index: int, count: int, vocab_size: int | None
) -> None:
    buttons = [
        ("move_up", ":material/arrow_upward:", _move, (key, revision, row_id, -1), index == 0),
        ("move_down", ":material/arrow_downward:", _move, (key, revision, row_id, 1), index == count - 1),
        ("insert_above", ":material/add_row_above:", _insert, (key, revision, row_id, False, vocab_size), False),
        ("insert_below", ":material/add_row_below:", _insert, (key, revision, row_id, True, vocab_size), False),
        ("duplicate", ":material/content_copy:", _duplicate, (key, revision, row_id), False),
        ("remove", ":material/delete:", _remove, (key, revision, row_id), False),
    ]
    with st.container(horizontal=True, gap="xsmall", width="content"):  # six 44 px buttons fit a phone's row
        for name, icon, callback, args, disabled in buttons:
            st.button(  # its name is for screen readers: shown are the icon and, on hover, the tooltip (ROW_STYLE)
                t(f"editor_{name}"),
                icon=icon,
                key=f"{key}_{row_id}_{name}_r{revision}",
                help=t(f"editor_help_{name}"),
                on_click=callback,
                args=args,
                disabled=disabled,
            )


#: The rows' buttons show their icons alone, so that six fit in a row: their names stay in the page, for screen
#: readers and keyboard users, but take no room (visually hidden).
ROW_STYLE = (
    "<style>[class*='st-key-{key}_row_'] button [data-testid='stMarkdownContainer'] {{position: absolute; "
    "width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;}}</style>"
)


def _row(
    t: Translator, key: str, state: EditorState, row: StackRow, reason: str | None, vocab_size: int | None
) -> None:
    """One bordered row: number and title, output shape and parameters, settings, buttons; the reason if it fails."""
    row_id = state.ids[row.index]
    layer = state.layers[row.index]
    with st.container(border=True, key=f"{key}_row_{row_id}", gap="small"):
        st.markdown(f"**{row.index + 1}. {row.title}**")
        st.caption(t("editor_row_caption", shape=_shape_text(row.output_shape, t), params=_params_text(row.params, t)))
        # one line of fields, then the buttons, wrapping where the column is narrow (the stage takes the other half)
        with st.container(horizontal=True, gap="small", vertical_alignment="bottom"):
            _settings(t, key, row_id, layer)
            _row_buttons(t, key, state.revision, row_id, row.index, len(state.layers), vocab_size)
        if reason is not None:
            st.error(t("editor_layer_invalid", reason=reason), icon=":material/error:")
    if reason is not None:  # a red outline, so the failing row stands out in a long stack
        css_class = "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", f"{key}_row_{row_id}".strip())  # as Streamlit names it
        st.html(f"<style>.{css_class} {{border: 2px solid #dc2626 !important;}}</style>")


def _summary(t: Translator, rows: list[StackRow]) -> None:
    """The Keras ``model.summary()`` students know: one line per layer, then the totals."""
    table = [
        {
            t("editor_col_layer"): f"{row.index + 1}. {row.title}",
            t("editor_col_shape"): _shape_text(row.output_shape, t),
            t("editor_col_params"): _params_text(row.params, t),
        }
        for row in rows
    ]
    if table:
        st.dataframe(table, hide_index=True, width="stretch")
    totals = param_totals(rows)
    if any(row.params is None for row in rows):  # rows after a failure have no count: a sum would mislead
        st.caption(t("editor_totals_unknown"))
        return
    st.markdown(
        "  \n".join(
            [
                t("editor_total_params", n=f"{totals.total:,}"),
                t("editor_trainable_params", n=f"{totals.trainable:,}"),
                t("editor_non_trainable_params", n=f"{totals.non_trainable:,}"),
            ]
        )
    )
    if counts_recurrent(rows):
        st.caption(t("editor_recurrent_counts"))


def layer_stack_editor(
    t: Translator,
    key: str,
    initial: list[dict],
    validate: Callable[[list[dict]], RunConfig],
    input_shape: tuple[int, ...],
    output_layer: dict | None = None,
    family: str | None = None,
    vocab_size: int | None = None,
) -> EditedStack:
    """Draw the editor for the stack kept under ``key`` (seeded from ``initial`` on the session's first run) and
    return the stack with the page's verdict on it. ``validate`` builds the page's RunConfig or says why it
    cannot; ``output_layer``, when given, replaces a template's last layer so templates fit the page's task.
    ``family`` picks the kinds and templates offered ("vector", "image", "sequence", "text"); left out, the
    input shape tells (text cannot be told from vectors by its shape: a text page passes "text"). ``vocab_size``,
    the text's number of characters, sizes new embedding layers and those of templates."""
    state_key = f"{key}_state"
    if state_key not in st.session_state:
        st.session_state[state_key] = EditorState.start(initial)
    state: EditorState = st.session_state[state_key]
    _sync_widgets(key, state, overwrite=False)

    layers = [dict(layer) for layer in state.layers]
    config: RunConfig | None = None
    error: str | None = None
    try:
        config = validate(layers)
    except ConfigError as failure:
        error = str(failure)
    failing = failing_layer_index(error)
    rows = stack_rows(layers, input_shape)
    if failing is not None and not 0 <= failing < len(rows):
        failing = None

    st.subheader(t("editor_title"))
    _toolbar(t, key, state, output_layer, family or input_family(input_shape), vocab_size)
    if not rows:
        st.info(t("editor_empty"), icon=":material/info:")
    if failing is not None and error is not None:  # the page's verdict names the row: it is the one to mark
        rows = [replace(row, error=plain_reason(error) if row.index == failing else None) for row in rows]
    if rows:
        st.html(ROW_STYLE.format(key=key))
    for row in rows:
        _row(t, key, state, row, row.error, vocab_size)
    if error is not None and failing is None:
        st.error(t("editor_stack_invalid", reason=error), icon=":material/error:")

    summary, diagram = st.tabs([t("editor_summary"), t("editor_diagram")])
    with summary:
        _summary(t, rows)
    with diagram:
        labels = {
            "input": t("editor_input"),
            "output": t("editor_output"),
            "params": t("editor_params"),
            "unknown": t("editor_shape_unknown"),
        }
        st.graphviz_chart(stack_diagram(input_shape, rows, labels))
    return EditedStack(layers, config, error, failing)
