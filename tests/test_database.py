from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from lms.db import Database, make_engine
from lms.models import Base
from tests.conftest import BACKEND


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], "models and migrations differ; write a migration:\n" + "\n".join(
        map(str, diff)
    )


def test_schema_is_at_the_latest_migration(engine):
    from alembic.script import ScriptDirectory

    from lms.migrations import alembic_config

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite pragmas")
def test_sqlite_pragmas(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite locking")
def test_write_sessions_begin_immediate_so_writers_queue(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    database = Database(engine)
    statements: list[str] = []

    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    holder = database.session(write=True)
    holder.execute(text("SELECT 1"))
    assert "BEGIN IMMEDIATE" in statements
    # While one writer holds the lock, a second writer waits at BEGIN and succeeds afterwards.
    done = threading.Event()

    def second_writer() -> None:
        with database.session(write=True) as other:
            other.execute(text("INSERT INTO t VALUES (2)"))
            other.commit()
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not done.wait(0.3)
    holder.execute(text("INSERT INTO t VALUES (1)"))
    holder.commit()
    holder.close()
    thread.join(5)
    assert done.is_set()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    # Readers begin deferred: they take no write lock.
    statements.clear()
    with database.session() as reader:
        reader.execute(text("SELECT 1"))
    assert "BEGIN" in statements and "BEGIN IMMEDIATE" not in statements
    engine.dispose()


def test_foreign_keys_are_enforced(db):
    from lms.regions.models import Koperasi

    db.add(
        Koperasi(
            name="Koperasi Hantu",
            village_code="99.99.99.9999",
            province_code="99",
            regency_code="99.99",
        )
    )
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_naive_datetimes_are_refused(db):
    from datetime import datetime

    from lms.accounts.models import LoginFailure

    db.add(LoginFailure(account="x", ip="y", created_at=datetime(2025, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        db.flush()
    db.rollback()
