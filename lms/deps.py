"""Request dependencies: database session, current user, roles and the region scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from lms.accounts import sessions
from lms.accounts.models import Role, User
from lms.config import Settings, get_settings
from lms.db import Database, begin_write, utcnow
from lms.regions.scope import Scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class Forbidden(Exception):
    """Refused: answered with ``template`` (the general "Akses ditolak" page unless a domain
    has a page that says more) and status 403."""

    template = "errors/403.html"


class CSRFFailed(Exception):
    pass


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _load_user(request: Request, session: Session) -> None:
    """The person behind the session cookie, if any, into request.state.user."""
    record = sessions.lookup(session, get_settings(), request.cookies.get(sessions.SESSION_COOKIE))
    if record is None:
        return
    if sessions.needs_touch(record):
        # A short write in the request's own session (never a second writer: on SQLite that
        # would wait for the lock this request may already hold).
        begin_write(session)
        record.last_seen_at = utcnow()
    # End the transaction: the connection goes back to the pool while the request waits for a
    # thread to run its endpoint (the loaded user stays usable: expire_on_commit is off).
    session.commit()
    request.state.user = record.user


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, shared by every dependency that asks for it.

    Requests that may change state get a write session (BEGIN IMMEDIATE on SQLite). The
    session cookie is looked up in a worker thread; the session is closed on the event loop,
    so finishing a request never waits for a free thread (with a bounded thread pool, waiting
    there while holding a connection can exhaust the connection pool).
    """
    session = get_database(request).session(write=request.method not in SAFE_METHODS)
    try:
        if sessions.SESSION_COOKIE in request.cookies:
            await run_in_threadpool(_load_user, request, session)
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def optional_user(request: Request, session: SessionDep) -> User | None:
    user: User | None = request.state.user
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def current_user(request: Request, user: OptionalUser) -> User:
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method in SAFE_METHODS else "/beranda")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role) -> Callable[[User], Awaitable[User]]:
    allowed = frozenset(roles)

    async def dependency(user: CurrentUser) -> User:
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


async def user_scope(user: CurrentUser) -> Scope:
    return Scope.for_user(user)


ScopeDep = Annotated[Scope, Depends(user_scope)]


def login_url(next_url: str) -> str:
    return "/masuk?next=" + quote(next_url, safe="/")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
