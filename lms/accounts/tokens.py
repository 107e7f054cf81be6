"""One-time login tokens for printed login cards (a QR code per person).

A token logs its person in once, until it expires (the end of the cohort). Printing new cards for
a cohort revokes the cards printed before for the same people, so a lost sheet stops working once
it is reprinted. Only the SHA-256 of a token is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from lms.accounts.models import LoginToken, User
from lms.db import utcnow

TOKEN_BYTES = 18  # 24 URL-safe characters: short enough for a small, easily scanned QR


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session, user_ids: Iterable[int], *, cohort_id: int | None, expires_at: datetime
) -> dict[int, str]:
    """New tokens for these people (revoking their unused cards of the same cohort)."""
    ids = list(dict.fromkeys(user_ids))
    now = utcnow()
    if not ids:
        return {}
    session.execute(
        update(LoginToken)
        .where(
            LoginToken.user_id.in_(ids),
            LoginToken.cohort_id == cohort_id,
            LoginToken.used_at.is_(None),
            LoginToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    tokens: dict[int, str] = {}
    rows = []
    for user_id in ids:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        tokens[user_id] = token
        rows.append(
            {
                "id": digest(token),
                "user_id": user_id,
                "cohort_id": cohort_id,
                "created_at": now,
                "expires_at": expires_at,
            }
        )
    session.execute(insert(LoginToken), rows)
    return tokens


def problem(record: LoginToken | None) -> str | None:
    """Why this card cannot log in ('unknown', 'used', 'revoked', 'expired', 'inactive'),
    or None when it can."""
    if record is None:
        return "unknown"
    if record.revoked_at is not None:
        return "revoked"
    if record.used_at is not None:
        return "used"
    if record.expires_at <= utcnow():
        return "expired"
    if not record.user.is_active:
        return "inactive"
    return None


def redeem(session: Session, token: str) -> tuple[User | None, str | None]:
    """Use a token: (the person, None), or (None, the reason code from `problem`).

    Single use even when the same card is scanned twice at once: the row is claimed by a
    conditional UPDATE, and only the request whose UPDATE changed it logs in."""
    if not token or len(token) > 64:
        return None, "unknown"
    record = session.get(LoginToken, digest(token))
    reason = problem(record)
    if reason is not None or record is None:
        return None, reason
    claimed = session.execute(
        update(LoginToken)
        .where(LoginToken.id == record.id, LoginToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return None, "used"
    return record.user, None
