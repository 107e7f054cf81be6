"""`lms demo --scale national`, on DKI Jakarta: the province with the fewest villages (267
kelurahan), and with Kepulauan Seribu (6 kelurahan) a kabupaten smaller than one angkatan."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections import Counter, defaultdict
from typing import Any

import pytest
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lms import cli
from lms.accounts.identifiers import normalise_phone
from lms.accounts.models import Jabatan, Role, User
from lms.assessment.models import Quiz, QuizAttempt
from lms.cohorts.models import (
    Attendance,
    Cohort,
    CohortCourse,
    CohortMember,
    CohortSession,
    Status,
)
from lms.credentials.services import standings
from lms.national import SLUG_PREFIX, NationalDataMissing, generate
from lms.regions.models import LEVEL_VILLAGE, Koperasi, Region

JAKARTA = "31"
OFFICIALS = {Jabatan.KETUA, Jabatan.BENDAHARA, Jabatan.SEKRETARIS, Jabatan.PENGAWAS}


@pytest.fixture
def rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The dashboard's rebuild, recorded instead of run: it is tested with the reports."""
    calls: list[Any] = []

    def rebuild(session: Session, cohort_ids: Any = None) -> int:
        calls.append(cohort_ids)
        return 0

    fake = types.ModuleType("lms.reports.services")
    fake.rebuild = rebuild  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lms.reports.services", fake)
    return calls


def _count(db: Session, model: Any, *where: Any) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _outside(db: Session) -> tuple[int, ...]:
    """Counts of rows outside Jakarta (or of no province), which must not change."""
    return (
        _count(db, Koperasi, Koperasi.province_code != JAKARTA),
        _count(db, User, or_(User.province_code.is_(None), User.province_code != JAKARTA)),
        _count(db, Cohort, Cohort.province_code != JAKARTA),
    )


def _fingerprint(db: Session) -> list[tuple[Any, ...]]:
    people = db.execute(
        select(User.phone, User.name, User.jabatan, Koperasi.village_code)
        .join(Koperasi, Koperasi.id == User.koperasi_id)
        .where(User.province_code == JAKARTA)
        .order_by(User.phone)
    ).all()
    cohorts = db.execute(
        select(Cohort.slug, Cohort.starts_on, Cohort.venue).order_by(Cohort.slug)
    ).all()
    marks = db.execute(
        select(User.phone, CohortSession.starts_at, Attendance.status)
        .join(User, User.id == Attendance.user_id)
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .order_by(User.phone, CohortSession.starts_at)
    ).all()
    scores = db.execute(
        select(User.phone, QuizAttempt.quiz_id, QuizAttempt.score, QuizAttempt.started_at)
        .join(User, User.id == QuizAttempt.user_id)
        .order_by(User.phone, QuizAttempt.quiz_id)
    ).all()
    return [tuple(r) for r in (*people, *cohorts, *marks, *scores)]


def test_one_province_is_complete_realistic_and_contained(db, rebuilds):
    outside = _outside(db)
    villages = dict(
        db.execute(
            select(Region.code, Region.regency_code).where(
                Region.province_code == JAKARTA, Region.level == LEVEL_VILLAGE
            )
        ).all()
    )
    result = generate(db, province=JAKARTA)

    assert _outside(db) == outside
    assert rebuilds == [None]  # the whole dashboard, once
    assert (result.provinces, result.provinces_skipped) == (1, 0)

    # One koperasi per village, named as a kelurahan's (every village of Jakarta is one).
    koperasi = db.execute(
        select(Koperasi.id, Koperasi.village_code, Koperasi.regency_code, Koperasi.name).where(
            Koperasi.province_code == JAKARTA
        )
    ).all()
    assert sorted(k.village_code for k in koperasi) == sorted(villages)
    assert result.koperasi == len(villages) == 267
    assert all(k.regency_code == villages[k.village_code] for k in koperasi)
    assert all(k.name.startswith("Koperasi Kelurahan Merah Putih ") for k in koperasi)

    # Four officials each, one of every jabatan, with phones that log in.
    users = db.scalars(select(User).where(User.province_code == JAKARTA)).all()
    assert result.users == len(users) == 4 * len(villages)
    by_koperasi: dict[int | None, set[str | None]] = defaultdict(set)
    for user in users:
        by_koperasi[user.koperasi_id].add(user.jabatan)
        assert user.role == Role.PESERTA and user.nik_hash is None
        assert user.phone and normalise_phone(user.phone) == user.phone
    assert all(jabatan == OFFICIALS for jabatan in by_koperasi.values())
    assert len(by_koperasi) == len(koperasi)
    assert len({u.phone for u in users}) == len(users)
    assert len({u.password_hash for u in users}) == 1  # hashed once
    koperasi_regency = {k.id: k.regency_code for k in koperasi}
    assert all(u.regency_code == koperasi_regency[u.koperasi_id] for u in users)

    # Angkatan: every official in exactly one, of their own kabupaten, 60 to 350 people unless
    # the whole kabupaten is smaller.
    cohorts = db.scalars(select(Cohort).where(Cohort.slug.like(SLUG_PREFIX + "%"))).all()
    assert result.cohorts == len(cohorts) >= 6
    members = db.execute(
        select(CohortMember.cohort_id, CohortMember.user_id, User.regency_code).join(
            User, User.id == CohortMember.user_id
        )
    ).all()
    assert len(members) == len({m.user_id for m in members}) == len(users)
    size = Counter(m.cohort_id for m in members)
    officials = Counter(u.regency_code for u in users)
    for cohort in cohorts:
        assert cohort.region_code == cohort.regency_code and cohort.province_code == JAKARTA
        assert cohort.name.startswith("Bimtek KDKMP ") and " Angkatan " in cohort.name
        assert (cohort.timezone, cohort.min_attendance, cohort.min_quiz_score) == ("WIB", 75, 60)
        assert not cohort.require_modules
        assert 60 <= size[cohort.id] <= 350 or size[cohort.id] == officials[cohort.regency_code]
        assert {m.regency_code for m in members if m.cohort_id == cohort.id} == {
            cohort.regency_code
        }
    assert size[next(c.id for c in cohorts if c.regency_code == "31.01")] == 24
    assert {c.starts_on.year for c in cohorts} == {2025, 2026}

    # One or two courses each, not all the same.
    taught: dict[int, set[int]] = defaultdict(set)
    for cohort_id, course_id in db.execute(select(CohortCourse.cohort_id, CohortCourse.course_id)):
        taught[cohort_id].add(course_id)
    assert all(1 <= len(taught[c.id]) <= 2 for c in cohorts)
    assert len({frozenset(courses) for courses in taught.values()}) > 1

    # Three or four sesi on consecutive days within the angkatan's dates.
    sesi: dict[int, list[CohortSession]] = defaultdict(list)
    for row in db.scalars(select(CohortSession).order_by(CohortSession.starts_at)):
        sesi[row.cohort_id].append(row)
    for cohort in cohorts:
        days = [
            s.starts_at.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
            for s in sesi[cohort.id]
        ]
        assert 3 <= len(days) <= 4
        assert days == [cohort.starts_on + dt.timedelta(days=i) for i in range(len(days))]
        assert days[-1] == cohort.ends_on
    assert result.sessions == sum(len(v) for v in sesi.values())

    # A roll-call row per member per sesi, bar a few nobody filled in.
    marks = db.execute(select(Attendance.user_id, Attendance.status, Attendance.method)).all()
    assert result.attendance == len(marks)
    expected = sum(size[c.id] * len(sesi[c.id]) for c in cohorts)
    assert 0.97 * expected < len(marks) < expected
    statuses = Counter(m.status for m in marks)
    assert set(statuses) == {s.value for s in Status}
    assert statuses[Status.HADIR] > 0.7 * len(marks)
    assert {m.method for m in marks} == {"daftar"}

    # One graded attempt per member per quiz of the angkatan's courses, for most members.
    cohort_of = {m.user_id: m.cohort_id for m in members}
    quizzes = {q.id: q for q in db.scalars(select(Quiz).where(Quiz.active.is_(True)))}
    attempts = db.scalars(select(QuizAttempt)).all()
    assert result.attempts == len(attempts)
    for attempt in attempts:
        quiz = quizzes[attempt.quiz_id]
        assert quiz.course_id in taught[cohort_of[attempt.user_id]]
        assert attempt.number == 1 and attempt.version_id == quiz.version_id
        assert attempt.closed_by == "peserta" and attempt.max_score == quiz.max_points
        assert attempt.score is not None and attempt.percent is not None
        assert 0 <= attempt.percent <= 100
        assert attempt.percent == pytest.approx(attempt.score * 100 / attempt.max_score, abs=0.01)
        assert attempt.started_at < attempt.submitted_at == attempt.graded_at
    assert len({(a.user_id, a.quiz_id) for a in attempts}) == len(attempts)
    owed = {
        u: sum(1 for q in quizzes.values() if q.course_id in taught[c])
        for u, c in cohort_of.items()
    }
    done = Counter(a.user_id for a in attempts)
    assert sum(done[u] == owed[u] for u in owed) > 0.8 * len(owed)
    assert sum(done[u] == 0 for u in owed) > 0  # some never took a quiz

    # Completion differs between kabupaten, and a koperasi's ketua and bendahara do not always
    # finish together.
    rates = []
    eligible: dict[int, bool] = {}
    for cohort in cohorts:
        rows = standings(db, cohort)
        eligible.update((s.user_id, s.eligible) for s in rows)
        rates.append(sum(s.eligible for s in rows) / len(rows))
    assert max(rates) - min(rates) > 0.1 and 0.2 < sum(rates) / len(rates) < 0.95
    pairs: Counter[int] = Counter()
    for user in users:
        if user.jabatan == Jabatan.KETUA:
            bendahara = next(
                u for u in users if u.koperasi_id == user.koperasi_id and u.jabatan == "bendahara"
            )
            pairs[eligible[user.id] + eligible[bendahara.id]] += 1
    assert pairs[2] > 0 and pairs[1] > 0 and pairs[0] > 0

    # Running again adds nothing and leaves the dashboard alone.
    again = generate(db, province=JAKARTA)
    assert (again.provinces, again.provinces_skipped, again.users) == (0, 1, 0)
    assert _count(db, User, User.province_code == JAKARTA) == len(users)
    assert rebuilds == [None]


def test_the_same_seed_makes_the_same_data(db, rebuilds):
    with db.begin_nested() as savepoint:
        first = generate(db, province=JAKARTA)
        snapshot = _fingerprint(db)
        savepoint.rollback()
    assert _count(db, Koperasi, Koperasi.province_code == JAKARTA) == 0
    second = generate(db, province=JAKARTA)
    assert second == first
    assert _fingerprint(db) == snapshot
    assert len(snapshot) > 9_000


def test_unknown_province(db, rebuilds):
    with pytest.raises(NationalDataMissing, match="99"):
        generate(db, province="99")
    assert rebuilds == []


def test_cli_national_for_one_province(db, database, rebuilds, monkeypatch):
    monkeypatch.setattr(cli, "_database", lambda: database)
    runner = CliRunner()
    made = runner.invoke(cli.app, ["demo", "--scale", "national", "--provinsi", JAKARTA])
    assert made.exit_code == 0, made.output
    assert "267" in made.output and "1,068" in made.output and "detik" in made.output
    assert _count(db, User, User.province_code == JAKARTA) == 1068
    again = runner.invoke(cli.app, ["demo", "--scale", "national", "--provinsi", JAKARTA])
    assert again.exit_code == 0 and "dilewati" in again.output
    unknown = runner.invoke(cli.app, ["demo", "--scale", "national", "--provinsi", "99"])
    assert unknown.exit_code == 1 and "tidak ada" in unknown.output
    pilot = runner.invoke(cli.app, ["demo", "--provinsi", JAKARTA])
    assert pilot.exit_code == 2 and "--scale national" in pilot.output
