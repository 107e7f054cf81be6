"""Engine, sessions and the declarative base.

SQLite is the embedded default: WAL so readers never wait for the writer, foreign keys on, a busy
timeout, and BEGIN IMMEDIATE for write transactions so two writers queue at BEGIN instead of
failing with "database is locked" when a reader upgrades to a writer. PostgreSQL is used through
psycopg 3 with the same code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_OPTION = "lms_write"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred only).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 1 MiB of page cache per connection (the default is 2 MiB): memory per worker stays flat.
    cursor.execute("PRAGMA cache_size=-256")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# Compiled statements kept per engine (SQLAlchemy's default is 500, pruned at 750). The pages a
# worker serves use a few hundred; at the default the cache grows to hold them all and their
# compiled forms cost the worker about 2 MB (make bench: 101.3 MB at 500, 99.5 at 200). A
# statement pushed out is compiled again, a fraction of a millisecond.
QUERY_CACHE = 200


def make_engine(url: str, *, echo: bool = False, pool_size: int = 8) -> Engine:
    """The engine; `pool_size` should match the worker's request threads, so connections are
    reused rather than opened and closed under load."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=pool_size,
            max_overflow=2,
            query_cache_size=QUERY_CACHE,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        query_cache_size=QUERY_CACHE,
    )


def begin_write(session: Session) -> None:
    """End the session's transaction and begin a write transaction on it.

    For a page that mostly reads and sometimes records something: the reads run without a
    lock, and only the short write takes SQLite's write lock (BEGIN IMMEDIATE), so it queues
    instead of failing on a stale read snapshot. On PostgreSQL it is simply a new transaction.
    """
    session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


class Database:
    """One engine and the two session factories built on it.

    Requests that may change state get a session whose transactions begin IMMEDIATE on SQLite.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.read_sessions = sessionmaker(engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    def session(self, *, write: bool = False) -> Session:
        return (self.write_sessions if write else self.read_sessions)()


def insert_ignoring_duplicates(
    session: Session, table: Any, rows: list[dict[str, Any]], keys: list[str]
) -> int:
    """INSERT these rows, skipping any that clash on the unique `keys` (ON CONFLICT DO NOTHING
    on both backends); returns how many were inserted. For writes that may race the same
    person's other write, such as two check-ins of one phone."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing(index_elements=keys)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)
    # Count what RETURNING gives back: an executemany's rowcount is not reliable (-1 on psycopg).
    stmt = stmt.returning(*[table.c[k] for k in keys])
    return len(session.execute(stmt, rows).all())
