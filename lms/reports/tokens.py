"""Keys for the read-only JSON API, each limited to the region of the dinas that made it.

Only a key's SHA-256 is stored: a copy of the database (a backup, a leaked dump) holds nothing
that opens the API. The key has 256 random bits, so a plain hash suffices (no slow KDF is needed
against guessing), and looking it up by hash compares no secret byte by byte in Python.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lms.accounts.models import User
from lms.audit.services import record
from lms.db import begin_write, utcnow
from lms.i18n import gettext as _
from lms.regions.scope import Scope
from lms.reports.models import ApiToken

PREFIX = "kdkmp_"
PREFIX_SHOWN = 12
NAME_MAX = 120
# Longer than any key we issue; anything longer is refused before it is hashed.
PLAINTEXT_MAX = 128
# last_used_at is for telling a live key from a forgotten one; a minute's precision is plenty,
# and an integration polling every second must not turn each read into a write.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """The key cannot be made; the message is for the person who asked."""


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(
    session: Session, user: User, name: str, *, ip: str | None = None
) -> tuple[ApiToken, str]:
    """A new key over the user's region (the whole country for an admin); the plaintext is
    returned once and never stored."""
    name = " ".join(name.split())
    if not name:
        raise TokenError(_("Isi nama token, misalnya nama sistem yang akan memakainya."))
    if len(name) > NAME_MAX:
        raise TokenError(_("Nama token paling panjang %(n)s karakter.") % {"n": NAME_MAX})
    scope = Scope.for_user(user)
    if scope.level == "none":
        # A dinas account without a region would otherwise get a key over the whole country.
        raise TokenError(_("Akun Anda belum punya wilayah kerja, jadi belum dapat membuat token."))
    region = scope.code
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=hash_token(plaintext),
        prefix=plaintext[:PREFIX_SHOWN],
        region_code=region,
        province_code=region[:2] if region else None,
        regency_code=region if region and len(region) == 5 else None,
        created_by_id=user.id,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor=user,
        action="api_token.create",
        entity_type="api_token",
        entity_id=token.id,
        after={"name": token.name, "prefix": token.prefix, "region_code": region},
        ip=ip,
        region_code=region,
    )
    return token, plaintext


def scope_of(token: ApiToken) -> Scope:
    code = token.region_code
    if code is None:
        return Scope("national")
    return Scope("province" if len(code) == 2 else "regency", code)


def find(session: Session, plaintext: str) -> ApiToken | None:
    """The live key with this plaintext, or None; notes when it was last used."""
    if not plaintext.startswith(PREFIX) or len(plaintext) > PLAINTEXT_MAX:
        return None
    token = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(plaintext), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        begin_write(session)
        # Conditional, so of many requests arriving together only one writes the row.
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token.id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_EVERY),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        # Not a change for the session to flush again in the request's read transaction.
        set_committed_value(token, "last_used_at", now)
    return token


def revoke(session: Session, token: ApiToken, user: User, *, ip: str | None = None) -> bool:
    """Revoke the key; False when it already was (a repeated click changes nothing)."""
    now = utcnow()
    # Conditional, so two operators revoking at once leave one audit entry between them.
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if not revoked.rowcount:  # type: ignore[attr-defined]
        return False
    set_committed_value(token, "revoked_at", now)
    record(
        session,
        actor=user,
        action="api_token.revoke",
        entity_type="api_token",
        entity_id=token.id,
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat()},
        ip=ip,
        region_code=token.region_code,
    )
    return True
