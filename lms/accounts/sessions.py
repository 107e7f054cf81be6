"""Server-side sessions and the CSRF token.

The session cookie carries a random token; the table stores only its SHA-256, so a copy of the
database does not let anyone log in. Sessions end on logout, after the idle timeout and after the
absolute timeout. The CSRF token is an HMAC of a random per-browser nonce (its own cookie), checked
on every state-changing request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from lms.accounts.models import User, UserSession
from lms.config import Settings
from lms.db import utcnow

SESSION_COOKIE = "lms_session"
CSRF_COOKIE = "lms_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
# last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, user: User, ip: str | None, user_agent: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            id=_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    user.last_login_at = now
    return token


def lookup(session: Session, settings: Settings, token: str | None) -> UserSession | None:
    """The live session for this cookie token, or None (expired sessions count as none)."""
    if not token or len(token) > 100:
        return None
    record = session.get(UserSession, _digest(token))
    if record is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    absolute = timedelta(hours=settings.session_absolute_hours)
    if now - record.last_seen_at > idle or now - record.created_at > absolute:
        return None
    if not record.user.is_active:
        return None
    return record


def needs_touch(record: UserSession) -> bool:
    return utcnow() - record.last_seen_at > TOUCH_INTERVAL


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(UserSession).where(UserSession.id == _digest(token)))


def end_all_for(session: Session, user_id: int, keep_token: str | None = None) -> None:
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_token:
        stmt = stmt.where(UserSession.id != _digest(keep_token))
    session.execute(stmt)


def prune(session: Session, settings: Settings) -> int:
    cutoff = utcnow() - timedelta(hours=settings.session_absolute_hours)
    result = session.execute(delete(UserSession).where(UserSession.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def new_csrf_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(settings: Settings, nonce: str) -> str:
    return hmac.new(settings.secret_key.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def csrf_valid(settings: Settings, nonce: str | None, token: str | None) -> bool:
    if not nonce or not token:
        return False
    return hmac.compare_digest(csrf_token(settings, nonce), token)
