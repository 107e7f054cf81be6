"""Cookie names and the one place cookies with security flags are set."""

from __future__ import annotations

from fastapi import Request, Response

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


def set_login_cookies(request: Request, response: Response, settings: Settings, token: str) -> None:
    """After a login: the session cookie, and a fresh CSRF nonce (never the pre-login one)."""
    response.set_cookie(
        sessions.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        path="/",
    )
    nonce = sessions.new_csrf_nonce()
    request.state.rotated_csrf_nonce = nonce
    set_csrf_cookie(response, settings, nonce)
