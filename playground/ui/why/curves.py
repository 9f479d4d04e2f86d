"""Part 2 of "Why deep learning": learning curves. The network and the classic models trained on growing training
sets (log-spaced sizes, the same test set, a few seeds), in the worker; the curves fill in as each size finishes,
Stop keeps what is done, and a sentence says who leads where."""

from __future__ import annotations

import streamlit as st

from playground.config import RunConfig
from playground.data.kinds.base import Dataset
from playground.i18n import Translator
from playground.train.baselines import baselines_for, curve_sizes, metric_name
from playground.train.compare import MAX_CURVE_EPOCHS, NETWORK, ComparisonRequest
from playground.ui.common import kept_key, kept_widget
from playground.ui.run_controls import in_fragment_rerun
from playground.ui.session import SessionRun
from playground.ui.why import jobs
from playground.ui.why.side_by_side import model_label
from playground.viz.comparison_charts import leaders, learning_curve_figure

#: Seeds the slider offers (the command line takes up to ``compare.MAX_SEEDS``).
MAX_PAGE_SEEDS = 5


def curve_key(config: RunConfig) -> str:
    """A learning curve depends on the data and the network."""
    return config.to_url_param()


def parse_sizes(text: str) -> list[int] | None:
    """Sizes typed as ``25, 50, 100``; None when the text is not a list of whole numbers."""
    try:
        sizes = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError:
        return None
    return sizes or None


def _request(t: Translator, config: RunConfig, dataset: Dataset) -> ComparisonRequest | None:
    """The curve the controls describe; None (with the reason shown) when the sizes cannot be read."""
    allowed = baselines_for(dataset)
    kept = st.session_state.get(kept_key("why_curve_models"))
    if kept is not None:  # another setup may not allow them all (the hand-made features need the plane)
        st.session_state[kept_key("why_curve_models")] = [name for name in kept if name in allowed]
    names = kept_widget(
        st.multiselect,
        t("why_models"),
        allowed,
        key="why_curve_models",
        default=[name for name in allowed if name != "svm" or len(dataset.x_train) <= 2_000],
        format_func=lambda name: model_label(t, name, config.task),
        help=t("why_help_models"),
    )
    left, middle, right = st.columns(3)
    with left:
        seeds = kept_widget(
            st.slider, t("why_seeds"), 1, MAX_PAGE_SEEDS, key="why_curve_seeds", default=3, help=t("why_help_seeds")
        )
    with middle:
        epochs = st.number_input(
            t("why_epochs"),
            min_value=1,
            max_value=MAX_CURVE_EPOCHS,
            value=min(config.training.epochs, MAX_CURVE_EPOCHS),
            key=f"why_curve_epochs_{config.training.epochs}",  # another setup starts from its own epochs
            help=t("why_help_epochs"),
        )
    with right:
        default_sizes = ", ".join(str(size) for size in curve_sizes(len(dataset.x_train)))
        text = st.text_input(t("why_sizes"), value=default_sizes, key=f"why_curve_sizes_{len(dataset.x_train)}",
                             help=t("why_help_sizes", rows=len(dataset.x_train)))  # fmt: skip
    sizes = parse_sizes(text)
    if sizes is None:
        st.warning(t("why_sizes_invalid", text=text), icon=":material/error:")
        return None
    return ComparisonRequest(kind="curve", baselines=names, sizes=sizes, seeds=seeds, epochs=int(epochs))


def render(t: Translator, run: SessionRun, config: RunConfig, dataset: Dataset) -> None:
    st.caption(t("why_curves_intro"))
    request = _request(t, config, dataset)
    key = curve_key(config)
    active = jobs.start_and_stop(t, run, "curve", key, request, t("why_draw_curves"), ":material/show_chart:")
    st.fragment(_curves, run_every=1.0 if active else None)(t, run, config, active)


def _progress_text(t: Translator, config: RunConfig, answer: dict) -> str:
    done, total = len(answer.get("rows", [])), answer.get("total") or 1
    if progress := answer.get("progress"):
        size, seed, steps_done, steps = progress
        return t("why_curve_network", size=size, seed=seed + 1, done=steps_done, steps=steps, points=done, total=total)
    running = answer.get("running")
    if running:
        return t("why_curve_fitting", model=model_label(t, running, config.task), points=done, total=total)
    return t("why_starting")


def _curves(t: Translator, run: SessionRun, config: RunConfig, was_active: bool) -> None:
    found = jobs.job(run, "curve", curve_key(config))
    if found is None or found.answer is None:
        st.info(t("why_curves_none"), icon=":material/show_chart:")
        return
    answer = found.answer
    rows = answer.get("rows", [])
    total = answer.get("total") or 1
    status = st.container()  # always there, so what follows keeps its place while this changes
    if error := answer.get("error"):
        status.error(t("why_refused", reason=error), icon=":material/block:")
    elif found.active:
        status.progress(min(1.0, len(rows) / total), text=_progress_text(t, config, answer))
    elif answer.get("stopped"):
        status.info(t("why_curves_stopped", points=len(rows), total=total), icon=":material/stop_circle:")
    if rows:
        models = {row["model"] for row in rows}
        metric = t(f"why_metric_{metric_name(config.task)}")
        show_train = st.toggle(t("why_show_train"), key="why_curve_train", help=t("why_help_show_train"))
        labels = {"title": t("why_curves_title"), "size": t("why_size"), "metric": metric, "test": t("why_test"),
                  "train": t("why_train")}  # fmt: skip
        names = {model: model_label(t, model, config.task) for model in models}
        st.plotly_chart(learning_curve_figure(rows, names, labels, show_train), key="why_curve_chart")
        if NETWORK in models and len(models) > 1:
            st.markdown(verdict(t, config, rows))
    if in_fragment_rerun() and was_active and not found.active:
        st.rerun(scope="app")  # done: one more full run, and the page stops asking every second


def verdict(t: Translator, config: RunConfig, rows: list[dict]) -> str:
    """Who leads at the smallest and at the largest size measured, and where the network overtakes."""
    ranking = leaders(rows)
    if not ranking:
        return ""
    name = lambda model: model_label(t, model, config.task)  # noqa: E731
    first, last = ranking[0], ranking[-1]
    lines = [
        t("why_verdict_at", size=point.size, model=name(point.best), score=f"{point.best_score:.3f}",
          network=f"{point.network:.3f}")
        for point in ([first, last] if last.size != first.size else [first])
    ]  # fmt: skip
    leading = [point.best == NETWORK for point in ranking]
    from_here = next((i for i in range(len(ranking)) if all(leading[i:])), None)
    if from_here is not None:
        lines.append(t("why_verdict_overtakes", size=ranking[from_here].size))
    elif any(leading):
        sizes = ", ".join(str(point.size) for point in ranking if point.best == NETWORK)
        lines.append(t("why_verdict_sometimes", sizes=sizes, model=name(last.best)))
    else:
        lines.append(t("why_verdict_never", model=name(last.best)))
    return "\n".join(f"- {line}" for line in lines)
