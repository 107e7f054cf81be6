"""argon2id password hashing with bounded concurrency.

Each hash takes `argon2_memory_kib` of memory; the semaphore keeps a worker's peak memory and CPU
bounded when a whole hall logs in at the same moment.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lms.config import get_settings

MIN_PASSWORD_LENGTH = 8


@lru_cache
def _hasher() -> tuple[PasswordHasher, threading.BoundedSemaphore]:
    settings = get_settings()
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=1,
        type=Type.ID,
    )
    return hasher, threading.BoundedSemaphore(settings.argon2_concurrency)


def hash_password(password: str) -> str:
    hasher, gate = _hasher()
    with gate:
        return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    hasher, gate = _hasher()
    with gate:
        try:
            return hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


UNUSABLE = "!"  # the hash of an account made by an import: it logs in with a login card


def is_usable(password_hash: str) -> bool:
    return password_hash != UNUSABLE


def needs_rehash(password_hash: str) -> bool:
    hasher, _ = _hasher()
    return hasher.check_needs_rehash(password_hash)


_DUMMY: list[str] = []


def burn_verify(password: str) -> None:
    """Spend the time of one verification, so that an unknown account answers as slowly."""
    if not _DUMMY:
        _DUMMY.append(hash_password("not-a-real-password"))
    verify_password(_DUMMY[0], password)


def password_problem(password: str, confirm: str | None = None) -> str | None:
    """An Indonesian message for a password that cannot be used, else None."""
    from lms.i18n import gettext as _

    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Kata sandi minimal %(n)d karakter.") % {"n": MIN_PASSWORD_LENGTH}
    if confirm is not None and password != confirm:
        return _("Kedua kata sandi baru tidak sama.")
    return None
