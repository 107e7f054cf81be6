"""QR self check-in: a code that changes every 15 seconds, checked by any worker.

The projector shows `/hadir/{sesi}/{window}-{signature}`, where `window` counts 15-second steps
since the epoch and `signature` is an HMAC of the sesi and the window under the app's secret. No
state is kept: every worker can check a code, and a code of one sesi never opens another. The
code on the screen and the one before it are accepted (the grace for a scan made just as the code
changed); an older one is refused as expired, so a photo of the screen sent to a friend at home
stops working within half a minute.

Someone who scans before logging in gets a signed ticket cookie holding the sesi and the moment of
the scan; after logging in (a login card works), the ticket is redeemed with that moment, so the
time spent logging in does not make them late.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WINDOW_SECONDS = 15
GRACE_WINDOWS = 1
TICKET_COOKIE = "lms_hadir"
TICKET_LIFETIME = timedelta(minutes=15)


def window_of(moment: datetime) -> int:
    return int(moment.timestamp()) // WINDOW_SECONDS


def _sign(secret: str, message: str, length: int) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:length].lower()


def code_for(secret: str, sesi_id: int, window: int) -> str:
    return f"{window}-{_sign(secret, f'hadir:{sesi_id}:{window}', 10)}"


def seconds_left(moment: datetime) -> int:
    return WINDOW_SECONDS - int(moment.timestamp()) % WINDOW_SECONDS


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    reason: str | None = None  # "invalid" or "expired"


def check_code(secret: str, sesi_id: int, code: str, now: datetime) -> CodeCheck:
    window_text, _, signature = code.partition("-")
    if not window_text.isdigit() or len(window_text) > 12 or not signature:
        return CodeCheck(False, "invalid")
    window = int(window_text)
    expected = code_for(secret, sesi_id, window)
    if not hmac.compare_digest(expected, code):
        return CodeCheck(False, "invalid")
    current = window_of(now)
    if window > current + 1:  # a clock a little ahead is fine; far ahead is not a real code
        return CodeCheck(False, "invalid")
    if window < current - GRACE_WINDOWS:
        return CodeCheck(False, "expired")
    return CodeCheck(True)


def ticket(secret: str, sesi_id: int, scanned_at: datetime) -> str:
    stamp = int(scanned_at.timestamp())
    return f"{sesi_id}.{stamp}.{_sign(secret, f'tiket:{sesi_id}:{stamp}', 16)}"


def read_ticket(secret: str, value: str | None, now: datetime) -> tuple[int, datetime] | None:
    """(sesi id, moment of the scan) of a genuine, recent ticket; else None."""
    if not value:
        return None
    parts = value.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    sesi_id, stamp = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(ticket(secret, sesi_id, datetime.fromtimestamp(stamp, UTC)), value):
        return None
    scanned_at = datetime.fromtimestamp(stamp, UTC)
    if not timedelta(0) <= now - scanned_at <= TICKET_LIFETIME:
        return None
    return sesi_id, scanned_at
