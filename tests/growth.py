"""How work grows with input: counted operations, and CPU time measured so that it can compare.

A test of growth compares N and 2N in one run. Counting Python operations
(bytecodes run inside a package) is exact and repeatable; it misses work done
in C (regular expressions, bytes.find). CPU time sees that work too, but in a
long test session a full garbage collection of the whole process can land in
one measurement and not in the other, so time is measured with the collector
paused, interleaved, and the fastest of a few runs kept.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path


def operations(package: Path, func, *args, **kwargs) -> int:
    """Python operations (bytecodes) run in the files under package by one call: a count."""
    root = str(package)
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "opcode":
            count += 1
        return local

    def calls(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(root):
            frame.f_trace_opcodes = True
            return local
        return None

    sys.settrace(calls)
    try:
        func(*args, **kwargs)
    finally:
        sys.settrace(None)
    return count


def cpu_seconds(*funcs, repeats: int = 3) -> list[float]:
    """The fastest CPU time of each function over `repeats` interleaved runs, collector paused."""
    best = [float("inf")] * len(funcs)
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            for i, func in enumerate(funcs):
                started = time.process_time()
                func()
                best[i] = min(best[i], time.process_time() - started)
    finally:
        if enabled:
            gc.enable()
    return best
