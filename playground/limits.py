"""The budgets one server holds for every link, upload, checkpoint and run, read from the environment.

A teacher sends one link to thirty students, and students try things: every size that comes from outside is
checked against these numbers before anything is allocated, and a refusal is one line that names the field,
the value and the limit. The defaults fit a 2-core classroom server with 4 GB of memory; each can be changed
with an environment variable ``PLAYGROUND_<NAME>`` (``PLAYGROUND_MAX_WORKERS=20``), listed in the README.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, fields
from pathlib import Path

ENV_PREFIX = "PLAYGROUND_"
#: Room in a checkpoint beside its float32 weights: config.json, history.csv and the zip's own records.
CHECKPOINT_ROOM_MB = 32


class LimitError(ValueError):
    """A size from outside is over one of the server's budgets; the message names the field, value and limit."""


@dataclass(frozen=True)
class Limits:
    """One number per budget; the docstring of each field is the README's description of it."""

    #: Trainable parameters of one network.
    max_params: int = 20_000_000
    #: Layers in one stack (each is a row of the editor and a column of the network view).
    max_layers: int = 64
    #: Memory one training batch may need for its activations and their gradients, estimated from the shapes.
    max_activation_mb: int = 1_024
    #: Characters of a ``?config=`` link.
    max_link_chars: int = 16_384
    #: Bytes of a config's JSON text (a link's after decompression, a setup file, a checkpoint's config.json).
    max_config_bytes: int = 262_144
    #: Nesting depth of a config's JSON.
    max_json_depth: int = 16
    #: Bytes of one uploaded file (a CSV, a zip of images, a setup, a checkpoint).
    max_upload_mb: int = 64
    #: Columns of an uploaded table after its text columns are one-hot encoded.
    max_table_columns: int = 2_000
    #: Pixels of all images in one uploaded zip, before they are resized.
    max_zip_pixels: int = 200_000_000
    #: Rows of a checkpoint's history.csv.
    max_history_rows: int = 200_000
    #: Training worker processes on this server, all sessions together; more runs wait in a queue.
    max_workers: int = 32
    #: Memory one worker process may take (its address space); past it the run stops with "ran out of memory".
    worker_memory_mb: int = 3_072
    #: Disk the stored uploads may take; the least recently used are removed beyond it.
    upload_store_mb: int = 1_024

    @property
    def max_checkpoint_mb(self) -> int:
        """Bytes of an uploaded checkpoint: ``max_upload_mb``, or more where the largest network a link may carry
        needs it (float32 weights and room for the rest), so that every checkpoint the server lets a run write
        can be loaded again."""
        return max(self.max_upload_mb, math.ceil(self.max_params * 4 / 2**20) + CHECKPOINT_ROOM_MB)


def _read(name: str, default: int) -> int:
    raw = os.environ.get(ENV_PREFIX + name.upper())
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.replace("_", "").strip())
    except ValueError:
        raise LimitError(f"{ENV_PREFIX}{name.upper()}: {raw!r} is not a whole number") from None
    if value < 1:
        raise LimitError(f"{ENV_PREFIX}{name.upper()}: {value} must be at least 1")
    return value


def limits() -> Limits:
    """The budgets in force now: the defaults, each replaced by its environment variable where one is set."""
    return Limits(**{field.name: _read(field.name, field.default) for field in fields(Limits)})  # type: ignore[arg-type]


def over_limit(field: str, value: int | float, limit: int | float, unit: str = "") -> str:
    """The one-line refusal: ``model.layers: 50,000 layers is over the limit of 64 layers``."""
    unit = f" {unit}" if unit else ""
    return f"{field}: {value:,}{unit} is over the limit of {limit:,}{unit}"


def check_limit(field: str, value: int | float, limit: int | float, unit: str = "") -> None:
    """LimitError with the one-line refusal when ``value`` is over ``limit``."""
    if value > limit:
        raise LimitError(over_limit(field, value, limit, unit))


#: Where Linux mounts the control groups, and where this process reads which ones it is in.
CGROUP_ROOT = "/sys/fs/cgroup"
SELF_CGROUP = "/proc/self/cgroup"


@functools.cache
def server_cores(cgroup_root: str = CGROUP_ROOT, self_cgroup: str = SELF_CGROUP) -> int:
    """The cores this server's processes may use: the CPUs it may run on, fewer when a CPU quota allows less (a
    Kubernetes pod limited to 2 cores on a 64-core node sees 64 CPUs; its runs share 2, and its pages must say so).
    Read once per process."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    quota = _cpu_quota(Path(cgroup_root), Path(self_cgroup))
    return max(1, min(cores, quota) if quota is not None else cores)


def _cpu_quota(root: Path, self_cgroup: Path) -> int | None:
    """The fewest cores any CPU quota over this process allows (rounded up), or None: cgroup v2's ``cpu.max`` of
    its group and every group above it, or cgroup v1's ``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``. A
    container sees its own group as the root (its path there may not exist)."""
    try:
        lines = self_cgroup.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    groups = dict(line.split(":", 2)[1:] for line in lines if line.count(":") >= 2)
    quotas = []
    if "" in groups:  # cgroup v2: "0::/path"
        folder = root / groups[""].lstrip("/")
        for group in [folder, *folder.parents]:
            quotas.append(_quota_v2(group / "cpu.max"))
            if group == root or root not in group.parents:
                break
    for controllers, path in groups.items():  # cgroup v1: "4:cpu,cpuacct:/path"
        if "cpu" in controllers.split(","):
            mount = root / controllers
            folder = mount / path.lstrip("/")
            quotas.append(_quota_v1(folder if folder.is_dir() else mount))
    found = [quota for quota in quotas if quota is not None]
    return min(found) if found else None


def _quota_v2(cpu_max: Path) -> int | None:
    """Cores a cgroup v2 ``cpu.max`` ("max 100000", "200000 100000") allows; None: none, or unreadable."""
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()[:2]
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return _cores_of(quota, period)


def _quota_v1(group: Path) -> int | None:
    """Cores a cgroup v1 CPU group allows (quota -1: none); None: none, or unreadable."""
    try:
        quota = (group / "cpu.cfs_quota_us").read_text(encoding="ascii").strip()
        period = (group / "cpu.cfs_period_us").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return _cores_of(quota, period)


def _cores_of(quota: str, period: str) -> int | None:
    """A quota's microseconds per period as whole cores, rounded up; None for no quota or numbers that are not."""
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:
        return None  # "max"
    return max(1, math.ceil(quota_us / period_us)) if quota_us > 0 and period_us > 0 else None
