"""Test database, app client and helpers.

The schema is made by the Alembic migrations (never create_all) once per run, on SQLite or, with
LMS_TEST_BACKEND=postgresql, in a fresh PostgreSQL database created on LMS_TEST_DATABASE_URL.
Each test runs inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

# Settings for the whole run, before anything from lms is imported.
os.environ.update(
    LMS_ENV="test",
    LMS_SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
    LMS_ARGON2_MEMORY_KIB="1024",
    LMS_ARGON2_TIME_COST="1",
)

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from lms.accounts import sessions as auth_sessions
from lms.app import create_app
from lms.config import get_settings
from lms.db import Database, make_engine
from lms.learning import services as learning_services
from lms.learning.services import sync_library
from lms.migrations import upgrade
from lms.regions.services import load_regions
from tests import factories

BACKEND = os.environ.get("LMS_TEST_BACKEND", "sqlite")


def _postgres_url() -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        pytest.exit("LMS_TEST_BACKEND=postgresql needs LMS_TEST_DATABASE_URL", returncode=2)
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_test_database(tmp_dir: Path) -> tuple[str, Callable[[], None]]:
    """A new empty database for this run and a function that removes it."""
    if BACKEND == "postgresql":
        base = make_url(_postgres_url())
        name = f"lms_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()

        return url, drop
    path = tmp_dir / "lms-test.db"
    return f"sqlite:///{path}", lambda: None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = create_test_database(tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    upgrade(engine)
    with Database(engine).session(write=True) as session:
        load_regions(session)
        # The shipped course library, published once for the whole run.
        reports, problems = sync_library(session)
        assert not problems and reports, problems
        session.commit()
    engine.dispose()
    yield url
    drop()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


class TransactionDatabase(Database):
    """A Database whose sessions all live inside one outer transaction of the test."""

    def __init__(self, connection: Connection) -> None:
        self.engine = connection.engine
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self.read_sessions = factory
        self.write_sessions = factory


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def database(connection: Connection) -> TransactionDatabase:
    return TransactionDatabase(connection)


@pytest.fixture
def db(database: TransactionDatabase) -> Iterator[Session]:
    session = database.session(write=True)
    factories.bind(session)
    yield session
    session.close()


@pytest.fixture
def app(database: TransactionDatabase):  # type: ignore[no-untyped-def]
    # Per-process caches must not carry ids from another test's rolled-back transaction.
    learning_services.clear_caches()
    return create_app(get_settings(), database)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def csrf_for(client: TestClient) -> str:
    """The CSRF token for this client's browser, visiting the login page first if needed."""
    nonce = client.cookies.get(auth_sessions.CSRF_COOKIE)
    if not nonce:
        client.get("/masuk")
        nonce = client.cookies.get(auth_sessions.CSRF_COOKIE)
    assert nonce
    return auth_sessions.csrf_token(get_settings(), nonce)


def post(client: TestClient, url: str, data: dict[str, object] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    form = {"csrf_token": csrf_for(client), **(data or {})}
    return client.post(url, data=form, **kwargs)  # type: ignore[arg-type]


def login(client: TestClient, user, password: str = factories.PASSWORD):  # type: ignore[no-untyped-def]
    response = post(client, "/masuk", {"login": user.email or user.phone, "password": password})
    assert response.status_code == 303, response.text
    return response


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)", statement, re.I):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(connection: Connection) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    event.listen(connection.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(connection.engine, "before_cursor_execute", counter)
