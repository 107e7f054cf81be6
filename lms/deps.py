"""Request dependencies: database session, current user, roles and the region scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lms.accounts import sessions
from lms.accounts.models import Role, User
from lms.config import Settings, get_settings
from lms.db import Database, utcnow
from lms.regions.scope import Scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class Forbidden(Exception):
    pass


class CSRFFailed(Exception):
    pass


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


F = TypeVar("F", bound=Callable[..., Any])


def records_on_get(endpoint: F) -> F:
    """Marks a GET page that records something as it is served (e.g. module progress).

    Its request gets a write session: on SQLite its transaction begins IMMEDIATE, so the write
    never has to upgrade a read snapshot (which fails at once instead of waiting its turn).
    """
    endpoint.lms_records_on_get = True  # type: ignore[attr-defined]
    return endpoint


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, shared by every dependency that asks for it."""
    endpoint = request.scope.get("endpoint")
    write = request.method not in SAFE_METHODS or getattr(endpoint, "lms_records_on_get", False)
    with get_database(request).session(write=write) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def optional_user(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    token = request.cookies.get(sessions.SESSION_COOKIE)
    record = sessions.lookup(session, settings, token)
    if record is None:
        return None
    if sessions.needs_touch(record):
        # A short write transaction of its own: reading pages must not hold a write lock.
        with get_database(request).session(write=True) as writer:
            stored = writer.get(type(record), record.id)
            if stored is not None:
                stored.last_seen_at = utcnow()
                writer.commit()
    request.state.user = record.user
    return record.user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def current_user(request: Request, user: OptionalUser) -> User:
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method in SAFE_METHODS else "/beranda")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    allowed = frozenset(roles)

    def dependency(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden()
        return user

    return dependency


Staff = Annotated[
    User, Depends(require_roles(Role.ADMIN, Role.DINAS, Role.PENDAMPING, Role.NARASUMBER))
]
Regional = Annotated[User, Depends(require_roles(Role.ADMIN, Role.DINAS, Role.PENDAMPING))]
Manager = Annotated[User, Depends(require_roles(Role.ADMIN, Role.DINAS))]
Admin = Annotated[User, Depends(require_roles(Role.ADMIN))]


def user_scope(user: CurrentUser) -> Scope:
    return Scope.for_user(user)


ScopeDep = Annotated[Scope, Depends(user_scope)]


def login_url(next_url: str) -> str:
    return "/masuk?next=" + quote(next_url, safe="/")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
