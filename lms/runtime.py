"""Process tuning for web workers, which must stay under 100 MB resident.

glibc raises its mmap threshold after large blocks are freed, so the 7 MiB argon2 buffers of a hall
of logins end up in per-thread heap arenas and stay resident. Fixing the threshold (which also
stops its growth) hands such blocks back to the system when freed, and two arenas are enough for
a worker whose Python code runs one thread at a time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

log = logging.getLogger("lms")


def tune_process(mmap_threshold: int = 128 * 1024, arena_max: int = 2) -> bool:
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    ok = bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(mallopt(M_ARENA_MAX, arena_max))
    enable_trimming()
    if not ok:
        log.warning("mallopt refused the worker memory settings")
    return ok


_trim: Callable[[int], int] | None = None
_last_trim = 0.0


def enable_trimming() -> bool:
    """Let :func:`trim` hand free heap pages back to the system (glibc only)."""
    global _trim
    name = ctypes.util.find_library("c")
    try:
        _trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        _trim = None
    return _trim is not None


def trim(every: float = 1.0) -> None:
    """Return freed memory in the middle of the heap (``malloc_trim``), at most once a second.

    Pages are rendered as strings of tens of kilobytes in several threads; once freed they leave
    holes that glibc keeps resident until told otherwise.
    """
    global _last_trim
    now = time.monotonic()
    if _trim is None or now - _last_trim < every:
        return
    _last_trim = now
    _trim(0)


def run_module(
    module: str, *args: str, data: bytes, timeout: float
) -> subprocess.CompletedProcess[bytes]:
    """Run one of our own modules in a child process with `data` on stdin: work whose libraries
    would stay resident in a worker (openpyxl, WeasyPrint) is done there and leaves with the
    child. No shell, fixed arguments; the caller judges the return code."""
    return subprocess.run(  # noqa: S603 (this interpreter, our module, data through stdin)
        [sys.executable, "-m", module, *args],
        input=data,
        capture_output=True,
        timeout=timeout,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
