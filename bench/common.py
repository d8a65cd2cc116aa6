"""Shared helpers for the benchmarks: machine facts, timing, percentiles."""

from __future__ import annotations

import os
import platform
import statistics
import time
from importlib import metadata
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MORGUE_SHARED") or REPO.parent / "shared")


def machine() -> str:
    """One line naming the machine and the versions that matter for the figures."""
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in ("whoosh3", "Flask", "waitress", "trafilatura"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; " + ", ".join(versions))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _tree_kb(root: int) -> int:
    """Proportional set size (PSS) of a process and all its descendants, in kB.

    PSS shares each page among the processes that map it, so forked workers are not
    counted twice for the pages they share with their parent (RSS would).
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return total


class TreeMemory:
    """Samples the memory of a process tree in a thread; `peak_mb` is the largest sum seen.

    `extra` (optional) returns the bytes of processes outside the tree (a search server's
    JVMs); its peak is kept apart, in `extra_peak_mb`, and `both_peak_mb` is the largest
    sum of the two seen at one sample.
    """

    def __init__(self, root: int | None = None, every: float = 1.0,
                 extra: Callable[[], int] | None = None):
        self.root = root or os.getpid()
        self.every = every
        self.extra = extra
        self.peak_mb = self.extra_peak_mb = self.both_peak_mb = 0.0

    def __enter__(self) -> "TreeMemory":
        import threading

        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            ours = _tree_kb(self.root) / 1024
            theirs = self.extra() / 2**20 if self.extra else 0.0
            self.peak_mb = max(self.peak_mb, ours)
            self.extra_peak_mb = max(self.extra_peak_mb, theirs)
            self.both_peak_mb = max(self.both_peak_mb, ours + theirs)
            self._stop.wait(self.every)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def need(path: Path) -> Path:
    if not path.exists():
        raise SystemExit(f"{path} is not there: the benchmark needs the shared data folder "
                         "next to the checkout (or MORGUE_SHARED)")
    return path
