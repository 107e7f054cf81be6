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
    if not ok:
        log.warning("mallopt refused the worker memory settings")
    return ok
