"""Against a real database: many scans of one person at the same moment make one record."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from lms.accounts.models import Role, User, UserSession
from lms.accounts.passwords import hash_password
from lms.app import create_app
from lms.cohorts import checkin
from lms.cohorts.models import Attendance, Cohort, CohortMember, CohortSession
from lms.config import get_settings
from lms.db import Database, utcnow
from lms.learning.models import Enrolment
from tests.conftest import login
from tests.factories import KAB_TANGERANG

SCANS = 8


def test_concurrent_check_ins_of_one_person_make_one_record(engine):
    database = Database(engine)
    today = utcnow().date()
    with database.session(write=True) as session:
        person = User(
            name="Peserta Pindai Serentak",
            phone="+6281299990077",
            password_hash=hash_password("sandi-uji-123"),
            role=Role.PESERTA,
        )
        cohort = Cohort(
            slug="angkatan-serentak",
            name="Angkatan Serentak",
            region_code=KAB_TANGERANG,
            province_code="36",
            regency_code=KAB_TANGERANG,
            organizer="Dinas Uji",
            venue="Aula Uji",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=1),
        )
        session.add_all([person, cohort])
        session.flush()
        sesi = CohortSession(
            cohort_id=cohort.id,
            starts_at=utcnow() - timedelta(minutes=5),
            ends_at=utcnow() + timedelta(hours=1),
            topic="Sesi serentak",
        )
        session.add_all([sesi, CohortMember(cohort_id=cohort.id, user_id=person.id)])
        session.commit()
        ids = (person.id, cohort.id, sesi.id)
    try:
        app = create_app(get_settings(), database)
        clients = [TestClient(app, follow_redirects=False) for _ in range(SCANS)]
        for client in clients:
            login(client, person)
        code = checkin.code_for(get_settings().secret_key, ids[2], checkin.window_of(utcnow()))
        start = threading.Barrier(SCANS)
        statuses: list[int] = []

        def scan(client: TestClient) -> None:
            start.wait()
            statuses.append(client.get(f"/hadir/{ids[2]}/{code}").status_code)

        threads = [threading.Thread(target=scan, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert statuses == [200] * SCANS
        with database.session() as session:
            rows = session.scalars(select(Attendance).where(Attendance.session_id == ids[2])).all()
            assert [(r.user_id, r.status) for r in rows] == [(ids[0], "hadir")]
    finally:
        with database.session(write=True) as session:
            session.execute(delete(Attendance).where(Attendance.session_id == ids[2]))
            session.execute(delete(Cohort).where(Cohort.id == ids[1]))
            for model in (Enrolment, UserSession):
                session.execute(delete(model).where(model.user_id == ids[0]))
            session.execute(delete(User).where(User.id == ids[0]))
            session.commit()
