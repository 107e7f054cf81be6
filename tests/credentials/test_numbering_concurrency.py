"""Against a real database: two operators issuing one cohort's certificates at the same moment
get one run of numbers, 1..N, with no gap and no number twice."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import delete, select

from lms.accounts.models import Role, User
from lms.audit.models import AuditEntry
from lms.cohorts.models import Attendance, Cohort, CohortCourse, CohortMember, CohortSession
from lms.config import get_settings
from lms.credentials import services
from lms.credentials.models import Certificate, Issuer
from lms.db import Database, utcnow
from lms.learning.models import Course
from tests.factories import KAB_TANGERANG

PEOPLE = 24


def _setup(database: Database) -> tuple[int, list[int], list[int]]:
    with database.session(write=True) as session:
        today = utcnow().date()
        cohort = Cohort(
            slug="angkatan-nomor-serentak",
            name="Angkatan Nomor Serentak",
            region_code=KAB_TANGERANG,
            province_code="36",
            regency_code=KAB_TANGERANG,
            organizer="Dinas Koperasi dan UKM Kabupaten Tangerang",
            venue="Aula Uji",
            starts_on=today - timedelta(days=2),
            ends_on=today - timedelta(days=1),
            require_modules=False,
            certificate_code="DISKUM-TGR",
            officer_name="Drs. Pejabat Uji",
        )
        operators = [
            User(
                name=f"Operator {n}",
                email=f"op{n}@serentak.test",
                password_hash="!",
                role=Role.DINAS,
                region_code=KAB_TANGERANG,
                province_code="36",
                regency_code=KAB_TANGERANG,
            )
            for n in range(2)
        ]
        people = [
            User(
                name=f"Peserta Serentak {n:02d}",
                phone=f"+62812999{n:05d}",
                password_hash="!",
                role=Role.PESERTA,
            )
            for n in range(PEOPLE)
        ]
        session.add_all([cohort, *operators, *people])
        session.flush()
        session.add(
            CohortCourse(
                cohort_id=cohort.id, course_id=session.scalar(select(Course.id).order_by(Course.id))
            )
        )
        sesi = CohortSession(
            cohort_id=cohort.id,
            starts_at=utcnow() - timedelta(days=2),
            ends_at=utcnow() - timedelta(days=2) + timedelta(hours=2),
            topic="Sesi",
        )
        session.add(sesi)
        session.flush()
        session.add_all(CohortMember(cohort_id=cohort.id, user_id=p.id) for p in people)
        # Half are present now; the other half are marked present later, between two rounds.
        session.add_all(
            Attendance(session_id=sesi.id, user_id=p.id, status="hadir", method="daftar")
            for p in people[: PEOPLE // 2]
        )
        session.commit()
        return sesi.id, [o.id for o in operators], [p.id for p in people]


def _race(database: Database, cohort_id: int, operator_ids: list[int]) -> list[int]:
    start = threading.Barrier(len(operator_ids))
    counts: list[int] = []
    errors: list[BaseException] = []

    def issue(operator_id: int) -> None:
        try:
            with database.session(write=True) as session:
                start.wait()
                cohort = session.get(Cohort, cohort_id)
                actor = session.get(User, operator_id)
                assert cohort is not None and actor is not None
                counts.append(
                    services.issue(session, cohort, actor, get_settings(), "https://uji.test").count
                )
                session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(o,)) for o in operator_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return counts


def test_two_operators_issuing_at_once_number_without_gaps(engine):
    database = Database(engine)
    sesi_id, operator_ids, people = _setup(database)
    with database.session() as session:
        cohort_id = session.scalar(
            select(CohortSession.cohort_id).where(CohortSession.id == sesi_id)
        )
    try:
        first = _race(database, cohort_id, operator_ids)
        assert sorted(first) == [0, PEOPLE // 2]
        with database.session(write=True) as session:
            session.add_all(
                Attendance(session_id=sesi_id, user_id=p, status="hadir", method="daftar")
                for p in people[PEOPLE // 2 :]
            )
            session.commit()
        second = _race(database, cohort_id, operator_ids)
        assert sorted(second) == [0, PEOPLE - PEOPLE // 2]
        with database.session() as session:
            rows = session.execute(
                select(Certificate.seq, Certificate.number, Certificate.user_id)
                .where(Certificate.cohort_id == cohort_id)
                .order_by(Certificate.seq)
            ).all()
            assert [r.seq for r in rows] == list(range(1, PEOPLE + 1))
            assert len({r.user_id for r in rows}) == PEOPLE
            assert rows[0].number.startswith("001/BIMTEK-KDKMP/DISKUM-TGR/")
            assert session.get(Cohort, cohort_id).certificate_seq == PEOPLE
    finally:
        with database.session(write=True) as session:
            session.execute(delete(Certificate).where(Certificate.cohort_id == cohort_id))
            session.execute(delete(Cohort).where(Cohort.id == cohort_id))
            session.execute(delete(Issuer).where(Issuer.region_code == KAB_TANGERANG))
            session.execute(delete(AuditEntry).where(AuditEntry.actor_id.in_(operator_ids)))
            session.execute(delete(User).where(User.id.in_([*operator_ids, *people])))
            session.commit()


def test_the_migration_keeps_angkatan_made_before_it(tmp_path):
    from sqlalchemy import text

    from lms.db import make_engine
    from lms.migrations import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'lama.db'}")
    upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO regions (code, level, name, search_name, province_code) "
                "VALUES ('36', 1, 'BANTEN', 'banten', '36')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cohorts (slug, name, region_code, province_code, organizer, venue, "
                "starts_on, ends_on, timezone, min_attendance, require_modules, officer_name, "
                "officer_title, officer_nip, created_at, updated_at) VALUES ('lama', 'Lama', '36', "
                "'36', 'Dinas', 'Aula', '2025-09-01', '2025-09-02', 'WIB', 75, 1, '', '', '', "
                "'2025-09-01 00:00:00', '2025-09-01 00:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT certificate_pattern, certificate_code, certificate_seq FROM cohorts")
        ).one()
    engine.dispose()
    assert row == ("{seq:03}/BIMTEK-KDKMP/{kode}/{bulan_romawi}/{tahun}", "", 0)
