"""Against a real database (no test transaction around it): locks and several connections."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from lms.accounts.models import Jabatan, Role, User, UserSession
from lms.accounts.passwords import hash_password
from lms.app import create_app
from lms.config import get_settings
from lms.db import Database, utcnow
from lms.learning.models import Enrolment, ModuleProgress
from tests.conftest import login, post


@pytest.fixture
def real_app(engine):  # type: ignore[no-untyped-def]
    database = Database(engine)
    with database.session(write=True) as session:
        user = User(
            name="Peserta Kunci",
            phone="+6281299990001",
            password_hash=hash_password("sandi-uji-123"),
            role=Role.PESERTA,
            jabatan=Jabatan.ANGGOTA,
        )
        session.add(user)
        session.commit()
        user_id = user.id
    yield create_app(get_settings(), database), database, user
    with database.session(write=True) as session:
        for model in (ModuleProgress, Enrolment, UserSession):
            session.execute(delete(model).where(model.user_id == user_id))
        session.execute(delete(User).where(User.id == user_id))
        session.commit()


def test_a_stale_session_on_a_page_that_writes_does_not_lock_itself(real_app):
    app, database, user = real_app
    client = TestClient(app, follow_redirects=False)
    login(client, user)
    with database.session(write=True) as session:
        session.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id)
            .values(last_seen_at=utcnow() - timedelta(minutes=2))
        )
        session.commit()
    started = time.monotonic()
    assert client.get("/kelas/tata-kelola/dasar-hukum").status_code == 200
    assert post(client, "/kelas/tata-kelola/dasar-hukum/dibaca").status_code == 303
    assert post(client, "/bahasa", {"lang": "id", "back": "/kelas"}).status_code == 303
    assert time.monotonic() - started < 5  # the busy timeout is 10 s: no request waited on it
    with database.session() as session:
        seen = session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        assert utcnow() - seen.last_seen_at < timedelta(seconds=30)


def test_module_page_records_progress_without_holding_a_lock(real_app):
    app, database, user = real_app
    client = TestClient(app, follow_redirects=False)
    login(client, user)
    assert client.get("/kelas/pembukuan/bagan-akun").status_code == 200
    # Reading it again soon after changes nothing in the database.
    progress = select(ModuleProgress.last_opened_at).where(ModuleProgress.user_id == user.id)
    with database.session() as session:
        first = session.scalar(progress)
    assert client.get("/kelas/pembukuan/bagan-akun").status_code == 200
    with database.session() as session:
        assert session.scalar(progress) == first
