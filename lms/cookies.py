"""Cookie names and the one place cookies with security flags are set."""

from __future__ import annotations

from fastapi import Response

from lms.accounts import sessions
from lms.config import Settings

LANG_COOKIE = "lms_lang"
ONE_YEAR = 365 * 24 * 3600


def set_csrf_cookie(response: Response, settings: Settings, nonce: str) -> None:
    response.set_cookie(
        sessions.CSRF_COOKIE,
        nonce,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        path="/",
    )
