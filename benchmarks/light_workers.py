"""What one more session's training worker costs: forked from the template (the default) against started as its
own Python process, side by side in one run.

For each way, starts one worker (for the template, the one that waits while the template imports PyTorch), then
``--sessions`` more one after another, each on the 2D page's default setup with its boundary probe; every worker
trains ``--epochs`` epochs and pauses, as a page left paused would. Prints how long each extra worker took to be
ready (from the request to its first snapshot), and the memory: the proportional set size (PSS: shared pages
split between the processes that share them) of all workers, and of the template, and what each extra session
added (the growth of that total from one worker to all of them, per worker). Targets: ready within 0.3 s, at most
60 MB per extra session. Prints figures, asserts nothing.

    python benchmarks/light_workers.py [--sessions 10] [--epochs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import psutil

from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.train.worker_template import TEMPLATE_ENV, worker_template

READY_TARGET_S = 0.3
EXTRA_SESSION_TARGET_MB = 60.0
MB = 2**20


def pss_mb(pids: list[int]) -> float:
    """The processes' proportional set size together, in MB."""
    return sum(psutil.Process(pid).memory_full_info().pss for pid in pids) / MB


def trained_worker(epochs: int) -> tuple[WorkerHandle, float]:
    """A worker on the 2D page's default setup that trained ``epochs`` epochs and paused, and how long it took to
    be ready."""
    asked = time.perf_counter()
    worker = WorkerHandle(load_preset("circle"), probes=("boundary",))
    worker.wait_until(lambda s, _: s.status == "paused", timeout=120)
    ready_s = time.perf_counter() - asked
    worker.play()
    worker.wait_until(lambda s, history: len(history) >= epochs, timeout=120)
    worker.pause()
    worker.wait_until(lambda s, _: s.status == "paused", timeout=30)
    return worker, ready_s


def measure(way: str, sessions: int, epochs: int) -> dict[str, float]:
    os.environ[TEMPLATE_ENV] = "on" if way == "template" else "off"
    workers: list[WorkerHandle] = []
    try:
        first, first_ready_s = trained_worker(epochs)
        workers.append(first)
        template_pids = [worker_template().process.pid] if way == "template" else []
        one = pss_mb([first.process.pid, *template_pids])
        ready = []
        for _ in range(sessions):
            worker, ready_s = trained_worker(epochs)
            workers.append(worker)
            ready.append(ready_s)
        worker_pids = [worker.process.pid for worker in workers]
        total = pss_mb(worker_pids + template_pids)
        return {
            "first_ready_s": first_ready_s,
            "ready_median_s": statistics.median(ready),
            "ready_max_s": max(ready),
            "total_mb": total,
            "template_mb": pss_mb(template_pids) if template_pids else 0.0,
            "own_mb": statistics.median(psutil.Process(pid).memory_full_info().uss / MB for pid in worker_pids),
            "per_extra_session_mb": (total - one) / sessions,
        }
    finally:
        for worker in workers:
            worker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10, help="extra sessions after the first (default 10)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs each worker trains (default 20)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; 1 + {args.sessions} workers on the 2D default setup, {args.epochs} epochs each")
    results = {way: measure(way, args.sessions, args.epochs) for way in ("template", "own process")}
    print(f"{'':<34}{'template':>12}{'own process':>14}")
    rows = [
        ("first worker ready (s)", "first_ready_s", "{:.2f}"),
        ("extra worker ready, median (s)", "ready_median_s", "{:.3f}"),
        ("extra worker ready, slowest (s)", "ready_max_s", "{:.3f}"),
        ("PSS of all workers + template (MB)", "total_mb", "{:.0f}"),
        ("  of which the template (MB)", "template_mb", "{:.0f}"),
        ("a worker's own memory, USS (MB)", "own_mb", "{:.1f}"),
        ("each extra session adds (MB)", "per_extra_session_mb", "{:.1f}"),
    ]
    for label, key, form in rows:
        print(f"{label:<34}{form.format(results['template'][key]):>12}{form.format(results['own process'][key]):>14}")
    template = results["template"]
    ready_ok = template["ready_max_s"] <= READY_TARGET_S
    memory_ok = template["per_extra_session_mb"] <= EXTRA_SESSION_TARGET_MB
    print(f"template: ready within {READY_TARGET_S} s: {'meets' if ready_ok else 'MISSES'}; "
          f"at most {EXTRA_SESSION_TARGET_MB:.0f} MB per extra session: {'meets' if memory_ok else 'MISSES'}")


if __name__ == "__main__":
    main()
