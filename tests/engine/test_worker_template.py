"""Light workers: forked from a template that imported PyTorch and the engine once, they train like any worker,
report how they ended, end with the template, and import nothing heavy of their own."""

import json
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.train.worker_template import TEMPLATE_ENV, TemplateProcess, template_enabled, worker_template


def gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def ready_worker() -> WorkerHandle:
    worker = WorkerHandle(load_preset("circle"), probes=("boundary",))
    worker.wait_until(lambda s, _: s.status == "paused", timeout=90)
    return worker


def test_a_worker_is_forked_from_the_template_and_trains():
    assert template_enabled(), "workers are forked from the template on Linux by default"
    worker = ready_worker()
    try:
        assert isinstance(worker.process, TemplateProcess)
        assert psutil.Process(worker.process.pid).ppid() == worker_template().process.pid
        worker.play()
        trained = worker.wait_until(lambda s, history: s.status == "running" and len(history) >= 3, timeout=60)
        assert trained.probes["boundary"]["values"].shape == (100 * 100,)
    finally:
        worker.stop()
    assert worker.process.returncode == 0, "the worker did not end by its own hand on Stop"


def test_a_killed_worker_is_reported_with_its_exit_code():
    worker = ready_worker()
    try:
        worker.process.kill()
        failed = worker.wait_until(lambda s, _: s.status == "error", timeout=30)
        assert failed.message_args == {"code": str(-signal.SIGKILL)}, failed.message
    finally:
        worker.stop()


def test_the_template_ending_ends_its_workers_and_the_next_run_gets_a_new_one():
    worker = ready_worker()
    template = worker_template()
    try:
        worker.play()
        template.process.kill()  # the template killed (out of memory, say): its workers must not stay
        failed = worker.wait_until(lambda s, _: s.status == "error", timeout=30)
        assert "stopped unexpectedly" in failed.message
        assert wait_gone(worker.process.pid), "a worker outlived its template"
    finally:
        worker.stop()
    fresh = ready_worker()
    try:
        assert worker_template() is not template and worker_template().alive
        assert psutil.Process(fresh.process.pid).ppid() == worker_template().process.pid
    finally:
        fresh.stop()


def test_the_template_and_its_workers_end_with_a_killed_owner():
    owner_script = textwrap.dedent("""
        import time
        from playground.presets import load_preset
        from playground.train.worker import WorkerHandle
        from playground.train.worker_template import worker_template
        handle = WorkerHandle(load_preset("circle"))
        handle.wait_until(lambda s, _: s.status == "paused", timeout=90)
        handle.play()
        print(handle.process.pid, worker_template().process.pid, flush=True)
        time.sleep(600)
    """)
    owner = subprocess.Popen([sys.executable, "-c", owner_script], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid, template_pid = map(int, owner.stdout.readline().split())
        owner.kill()  # like a crashed server: no clean-up code runs
        owner.wait()
        assert wait_gone(template_pid), "the template outlived its killed owner"
        assert wait_gone(worker_pid), "the worker outlived its killed owner"
    finally:
        owner.kill()


def test_without_the_template_each_worker_is_its_own_process(monkeypatch):
    monkeypatch.setenv(TEMPLATE_ENV, "off")
    worker = ready_worker()
    try:
        assert isinstance(worker.process, subprocess.Popen)
        worker.step()
        worker.wait_until(lambda s, _: s.epoch == 1, timeout=30)
    finally:
        worker.stop()


#: The presets a worker's life is checked with: a 2D network, a CNN on images, LSTMs on text and numbers, a table.
CHECKED_PRESETS = ("circle", "digits-cnn", "text-lstm", "adding-lstm", "seed-ffn")
#: Modules a worker may still import by itself: small ones that load data files.
ALLOWED_LATE_IMPORTS = ("importlib.", "sklearn.datasets.data", "sklearn.datasets.descr")


@pytest.mark.timeout(300)
def test_a_worker_imports_nothing_heavy_the_template_did_not():
    """Each module a worker imports that the template did not costs every worker its memory and its time (an
    optimizer's first use imported torch._dynamo: 1.4 s and 70 MB per worker). Builds, trains and probes one run
    of each kind after importing what the template does, and lists what was imported on top."""
    script = textwrap.dedent(f"""
        import json, sys
        from playground.train.worker_template import PRELOADED_MODULES
        for name in PRELOADED_MODULES:
            __import__(name)
        before = set(sys.modules)
        from playground.presets import load_preset
        from playground.train.probes import PROBES, compute_probe
        from playground.train.trainer import Trainer
        for preset in {CHECKED_PRESETS!r}:
            trainer = Trainer(load_preset(preset))
            trainer.train_epoch()
            trainer.evaluate()
            for probe in PROBES:
                try:
                    compute_probe(trainer, probe)
                except Exception:
                    pass  # a probe for another kind of data
        print(json.dumps(sorted(set(sys.modules) - before)))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stderr
    late = [name for name in json.loads(result.stdout.splitlines()[-1]) if not name.startswith(ALLOWED_LATE_IMPORTS)]
    late = [name for name in late if name != "playground.presets"]  # the check's own import
    assert not late, f"a worker imports these by itself; add them to PRELOADED_MODULES: {late}"
