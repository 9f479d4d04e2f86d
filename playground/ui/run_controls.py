"""Play/Pause, Step and Reset for a page's worker, and the strings its live view shows."""

from __future__ import annotations

import contextlib

import streamlit as st

from playground.config import DataConfig, RunConfig
from playground.data.registry import Dataset, load_dataset
from playground.i18n import Translator
from playground.train.worker_slots import running_runs
from playground.ui.common import show_first_of_each
from playground.ui.live_view import LABEL_KEYS
from playground.ui.run_shortcuts import RIGHT, SPACE, run_shortcuts
from playground.ui.session import SessionRun, session_run
from playground.ui.stage import run_bar_key


def live_view_labels(t: Translator) -> dict[str, str]:
    return {key: t(key) for key in LABEL_KEYS}


@st.cache_data(show_spinner=False, max_entries=8)
def _dataset_from_json(data_json: str) -> Dataset:
    return load_dataset(DataConfig.model_validate_json(data_json))


def cached_dataset(data: DataConfig) -> Dataset:
    """The page draws the same points the worker trains on (same config, same seed, same generator)."""
    return _dataset_from_json(data.model_dump_json())


def run_buttons(
    t: Translator, page: str, config: RunConfig, probes: tuple[str, ...] = ("boundary",), disabled: bool = False
) -> SessionRun:
    """Start or follow this session's worker for the page and draw its buttons (greyed out while ``disabled``,
    say while the page's setup is invalid and ``config`` is the last good one), with their keyboard shortcuts:
    Space plays or pauses, the right arrow steps, R resets (see ``run_shortcuts``)."""
    run = session_run(page, config, probes=probes)
    show_first_of_each([f"{page}_{name}_" for name in (PLAY, STEP, RESET)])  # keys change (see ``_queue_press``)
    _buttons(t, page, run, config, disabled)
    run_shortcuts(t, button_selector(page, RESET), button_selector(page, PLAY), key=f"{page}_shortcuts")
    return run


def button_selector(page: str, action: str) -> str:
    """The CSS selector of the page's button for ``action`` (its key changes with each press applied), for the
    browser code: the shortcuts press Reset, the live view sees a click on Pause."""
    return f"[class*='st-key-{page}_{action}_'] button"


#: What a press of each button asks the run to do. The Play/Pause button's action is the one its label shows.
PLAY, PAUSE, STEP, RESET = "play", "pause", "step", "reset"
#: Presses noted but not applied yet, at most this many (a few quick clicks while the server is busy).
MAX_QUEUED_PRESSES = 8
#: For how many generations of buttons before the current one a press still counts (see ``_queue_press``).
KEPT_GENERATIONS = 3
#: How long Play or Pause waits for the worker's answer, so the redrawn label is the true one.
ANSWER_TIMEOUT_S = 5.0
#: The longest the page's rerun after a run stopped waits for the live view to show it
#: (``SessionRun.wait_until_stop_shown``): a view shows it within 0.1-0.3 s.
SHOWN_TIMEOUT_S = 1.0


def in_fragment_rerun() -> bool:
    """Whether this script run redraws fragments only (a full run draws the whole page anyway)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def _queue_key(page: str) -> str:
    return f"{page}_presses"


def _shown_playing_key(page: str) -> str:
    return f"{page}_was_running"


def _pressed_key(page: str) -> str:
    """Which buttons of each recent generation were pressed (see ``_queue_press``)."""
    return f"{page}_pressed"


def _generation_key(page: str) -> str:
    """How many times the buttons applied presses: the last part of their keys (see ``_queue_press``)."""
    return f"{page}_button_generation"


def _queue_press(page: str, action: str, generation: int) -> None:
    """A button's callback: note the press; ``_buttons`` applies it the next time it runs.

    Streamlit can deliver one press twice: its browser side sends every widget state, a press not yet sent
    included, with each timed rerun of any fragment (``run_every``), and then sends the press on its own. Each
    delivery runs the callback, and the first may run in another fragment's rerun. Acting in the callback made
    the second delivery of a Play press pause the run it had just started (a toggle), or act on a label the
    browser never showed. So the callback only notes the action of the label the browser showed (a repeat of
    the last noted one is the same press) and the buttons' own rerun, which every press brings, applies it:
    each press counts once, and one that arrives while the page or the worker is busy waits in the queue.

    The first delivery may also ride a full rerun (the server folds a timed fragment rerun into a full one that
    is pending, as while a page loads), which applies the press at once and redraws the buttons; the second
    delivery then paused a run its Play had just started (the label, and so the callback's action, had become
    Pause: the likely way a Play pressed the moment a sequences page showed it ended paused), or stepped a
    second epoch. So the buttons' keys end with the number of times presses were applied (``{page}_step_3``),
    and a press of buttons drawn before the last presses were applied is void: a repeat is a press of a widget
    that is gone (Streamlit keeps a gone widget's callback until a run completes, so the number is checked here
    too). A second click before the browser has redrawn the buttons counts once for the same reason. (A widget
    whose key went away stays on screen below the new one until a run completes; ``run_buttons`` hides it.)

    Only a repeat is void, though: a press of another button drawn in the same generation is a new press (Reset
    then Play clicked before the page redrew lost the Play when every press of an older generation was void).
    So each generation remembers which of its buttons were pressed, for the last ``KEPT_GENERATIONS``.
    """
    current = st.session_state.get(_generation_key(page), 0)
    if generation > current or generation < current - KEPT_GENERATIONS:
        return
    pressed = st.session_state.setdefault(_pressed_key(page), {})
    if action in pressed.setdefault(generation, set()):
        return
    pressed[generation].add(action)
    queue = st.session_state.setdefault(_queue_key(page), [])
    if len(queue) < MAX_QUEUED_PRESSES:
        queue.append(action)


def presses_in_applied_order(queue: list[str]) -> list[str]:
    """The presses noted since the buttons last ran, in the order they are applied: a Reset first, the others as
    noted. When the server is busy, the browser's messages for quick clicks wait and the server folds them into
    one run, whose callbacks then go in the order the buttons are drawn (Play before Reset), not the order they
    were clicked: Reset then Play ended paused, the Reset undoing the Play. Presses seen together are one
    gesture, and Reset first is the only order in which each of them still shows: starting over, then training
    (or stepping) from the fresh weights."""
    return sorted(queue, key=lambda action: action != RESET)


def _apply_presses(page: str, run: SessionRun, config: RunConfig) -> None:
    """Apply the presses noted since the buttons last ran (see ``presses_in_applied_order``); Play and Pause then
    wait briefly for the worker's answer, so the label drawn next is the true one (a worker still starting answers
    at once)."""
    queue = presses_in_applied_order(st.session_state.pop(_queue_key(page), []))
    if queue:  # new keys for the buttons: a repeat of these presses finds none (see ``_queue_press``)
        generation = st.session_state.get(_generation_key(page), 0) + 1
        st.session_state[_generation_key(page)] = generation
        pressed = st.session_state.get(_pressed_key(page), {})
        for old in [old for old in pressed if old < generation - KEPT_GENERATIONS]:
            del pressed[old]
    for action in queue:
        if action == PLAY:
            run.play()
        elif action == PAUSE:
            run.pause()
        elif action == STEP:
            run.step()
        elif action == RESET:
            run.reset(config)
    last = next((action for action in reversed(queue) if action in (PLAY, PAUSE)), None)
    if last is not None:
        settled = {"running", "starting", "queued"} if last == PLAY else {"paused"}
        settled |= {"finished", "diverged", "error", "stopped"}
        with contextlib.suppress(TimeoutError):
            run.handle.wait_until(lambda latest, _: latest.status in settled, timeout=ANSWER_TIMEOUT_S)


@st.fragment
def _buttons(t: Translator, page: str, run: SessionRun, config: RunConfig, disabled: bool = False) -> None:
    """Play/Pause, Step and Reset. A click reruns only this fragment, which first applies the queued presses
    (see ``_queue_press``); when the run stops playing, the whole page reruns, so what it shows of the model (the
    selected neuron's weights) is that of the paused model and editable, once the live view shows the run stopped
    (a long page's rerun would hold that frame back for a second)."""
    if disabled:  # the setup is invalid: the run stays paused, and presses made before are void
        st.session_state.pop(_queue_key(page), None)
    else:
        _apply_presses(page, run, config)
    running = run.handle.playing
    was_running = st.session_state.get(_shown_playing_key(page), False)
    st.session_state[_shown_playing_key(page)] = running
    if was_running and not running and in_fragment_rerun():
        _rerun_page(run)
    play, step, reset = st.container(key=run_bar_key(page)).columns(3)
    action = PAUSE if running else PLAY
    generation = st.session_state.get(_generation_key(page), 0)
    play.button(
        t(action),
        key=f"{page}_{PLAY}_{generation}",
        type="primary",
        icon=":material/pause:" if running else ":material/play_arrow:",
        help=t("help_play"),
        width="stretch",
        disabled=disabled,
        shortcut=SPACE,
        on_click=_queue_press,
        args=(page, action, generation),
    )
    step.button(
        t("step"),
        key=f"{page}_{STEP}_{generation}",
        icon=":material/skip_next:",
        help=t("help_step"),
        width="stretch",
        disabled=disabled,
        shortcut=RIGHT,
        on_click=_queue_press,
        args=(page, STEP, generation),
    )
    reset.button(
        t("reset"),
        key=f"{page}_{RESET}_{generation}",
        icon=":material/restart_alt:",
        help=t("help_reset"),
        width="stretch",
        disabled=disabled,
        on_click=_queue_press,
        args=(page, RESET, generation),
    )
    # Checked every second while the run can change by itself (less often while many runs share the server), and
    # not at all while it is paused: a timed rerun costs the server a little for every open page, and it is the
    # very thing that delivers presses twice.
    st.fragment(_follow_run, run_every=follow_interval_s(running_runs()) if _may_change_by_itself(run) else None)(
        page, run
    )


#: Timed follow-up reruns a second the server runs for all pages together, at most, once more runs train than
#: that: each costs Streamlit about 8 ms of the server's one Python process (30 a second took 23 % of it).
FOLLOWS_PER_S = 5


def follow_interval_s(running: int) -> float:
    """Seconds between the follow-up checks of a playing page while ``running`` runs train: 1 s, or more when
    many do, so that all pages together check about ``FOLLOWS_PER_S`` times a second (whole seconds: a change of
    the interval restarts the page's timer)."""
    return float(max(1, round(running / FOLLOWS_PER_S)))


def _may_change_by_itself(run: SessionRun) -> bool:
    """Whether the run may stop (finish, diverge, fail) or start (a late answer to Play) without a press."""
    handle = run.handle
    return handle.playing or (handle.wants_to_run and handle.snapshot()[0].status in ("starting", "paused"))


def _follow_run(page: str, run: SessionRun) -> None:
    """A fragment in the buttons' one, drawing nothing: when the run no longer does what the buttons show, it
    reruns the page, which redraws them. The buttons themselves do not rerun on a timer: a timed rerun of
    theirs could carry a press before its own delivery and redraw the label in between, and the second delivery
    would then act on a label the browser never showed.

    It also reruns the page when a press was noted but the buttons have not run since: the press rode another
    fragment's timed rerun and its own delivery never came (the server drops a rerun of a fragment it no longer
    holds, as this one is for a moment after the buttons rerun the page). The full run applies it, so a press
    waits at most a second (``follow_interval_s`` when many runs share the server)."""
    if not in_fragment_rerun():
        return
    if st.session_state.get(_queue_key(page)) or run.handle.playing != st.session_state.get(
        _shown_playing_key(page), False
    ):
        _rerun_page(run)


def _rerun_page(run: SessionRun) -> None:
    """Rerun the whole page; once the run stopped, only when its live view shows that (at most ``SHOWN_TIMEOUT_S``
    later): the frame that says "paused" or "finished" would otherwise wait behind the rerun of a long page."""
    if not run.handle.playing:
        run.wait_until_stop_shown(timeout=SHOWN_TIMEOUT_S)
    st.rerun(scope="app")
