"""The completion rule, person by person, with the exact reason a dinas sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.assessment.models import Quiz, QuizAttempt
from lms.cohorts.models import Attendance, Status
from lms.cohorts.services import add_members
from lms.credentials import services
from lms.db import utcnow
from lms.learning.models import Course, CourseModule, CourseVersion, ModuleProgress
from tests.factories import (
    KAB_TANGERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)


@pytest.fixture
def course(db):  # type: ignore[no-untyped-def]
    course = db.scalar(select(Course).where(Course.slug == "tata-kelola"))
    version = db.get(CourseVersion, course.current_version_id)
    quizzes = db.scalars(
        select(Quiz).where(Quiz.course_id == course.id, Quiz.active.is_(True))
    ).all()
    modules = db.scalars(
        select(CourseModule.slug).where(CourseModule.version_id == version.id)
    ).all()
    assert quizzes and modules
    return {"course": course, "version": version, "quizzes": quizzes, "modules": list(modules)}


def _cohort(db, course, sessions=4, **rule):  # type: ignore[no-untyped-def]
    rule.setdefault("min_attendance", 75)
    rule.setdefault("min_quiz_score", 60)
    rule.setdefault("require_modules", True)
    cohort = CohortFactory(courses=[course["course"].id], **rule)
    sesi = [
        CohortSessionFactory(cohort=cohort, starts_at=utcnow() - timedelta(days=1, hours=n * 3))
        for n in range(sessions)
    ]
    return cohort, sesi


def _person(db, cohort, name="Peserta"):  # type: ignore[no-untyped-def]
    person = UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG), name=name)
    add_members(db, cohort, [person.id])
    return person


def _present(db, sesi, person, n, status=Status.HADIR):  # type: ignore[no-untyped-def]
    for s in sesi[:n]:
        db.add(Attendance(session_id=s.id, user_id=person.id, status=status, method="daftar"))
    for s in sesi[n:]:
        db.add(Attendance(session_id=s.id, user_id=person.id, status=Status.IZIN, method="daftar"))


def _quiz(db, quiz, person, percent, number=1):  # type: ignore[no-untyped-def]
    db.add(
        QuizAttempt(
            quiz_id=quiz.id,
            user_id=person.id,
            number=number,
            version_id=quiz.version_id,
            seed=1,
            submitted_at=utcnow(),
            score=percent,
            max_score=100,
            percent=percent,
            graded_at=utcnow(),
        )
    )


def _modules(db, course, person, n):  # type: ignore[no-untyped-def]
    for slug in course["modules"][:n]:
        db.add(
            ModuleProgress(
                user_id=person.id,
                course_id=course["course"].id,
                module_slug=slug,
                version_id=course["version"].id,
                done_at=utcnow(),
            )
        )


def _standing(db, cohort, person):  # type: ignore[no-untyped-def]
    db.flush()
    return next(s for s in services.standings(db, cohort) if s.user_id == person.id)


def test_everything_met_is_eligible(db, course):
    cohort, sesi = _cohort(db, course)
    person = _person(db, cohort)
    _present(db, sesi, person, 4, Status.TERLAMBAT)  # late still counts as present
    for quiz in course["quizzes"]:
        _quiz(db, quiz, person, 60.0)  # exactly the minimum passes
    _modules(db, course, person, len(course["modules"]))
    standing = _standing(db, cohort, person)
    assert standing.eligible, standing.reasons


def test_attendance_exactly_at_the_bar_and_just_below(db, course):
    cohort, sesi = _cohort(db, course, require_modules=False, min_quiz_score=None)
    at_bar, below = _person(db, cohort, "Tepat"), _person(db, cohort, "Kurang")
    _present(db, sesi, at_bar, 3)  # 3 of 4 = 75%
    _present(db, sesi, below, 2)
    assert _standing(db, cohort, at_bar).eligible
    assert _standing(db, cohort, below).reasons == ["kehadiran 50% (2 dari 4 sesi), minimal 75%"]


def test_two_thirds_is_not_rounded_up_to_the_bar(db, course):
    cohort, sesi = _cohort(
        db, course, sessions=3, min_attendance=67, require_modules=False, min_quiz_score=None
    )
    person = _person(db, cohort)
    _present(db, sesi, person, 2)  # 66.67%: below 67 even though it rounds to 67
    assert _standing(db, cohort, person).reasons == ["kehadiran 66% (2 dari 3 sesi), minimal 67%"]


def test_izin_and_sakit_do_not_count_as_present(db, course):
    cohort, sesi = _cohort(db, course, require_modules=False, min_quiz_score=None)
    person = _person(db, cohort)
    _present(db, sesi, person, 0)  # all izin
    assert _standing(db, cohort, person).present == 0


def test_quiz_missing_low_and_best_attempt(db, course):
    cohort, sesi = _cohort(db, course, require_modules=False)
    quiz = course["quizzes"][0]
    missing, low, retried = (_person(db, cohort, n) for n in ("Belum", "Rendah", "Ulang"))
    for person in (missing, low, retried):
        _present(db, sesi, person, 4)
    _quiz(db, quiz, low, 40.0)
    _quiz(db, quiz, retried, 40.0)
    _quiz(db, quiz, retried, 80.0, number=2)  # the quiz keeps the highest attempt
    for other in course["quizzes"][1:]:
        for person in (low, retried):
            _quiz(db, other, person, 100.0)
    reasons = _standing(db, cohort, missing).reasons
    assert len(reasons) == 1 and reasons[0].startswith("kuis belum dikerjakan: ")
    assert quiz.title in reasons[0]
    expected = (40.0 + 100.0 * (len(course["quizzes"]) - 1)) / len(course["quizzes"])
    low_standing = _standing(db, cohort, low)
    if expected < 60:
        assert low_standing.reasons == [f"nilai kuis {services._score(expected)}, minimal 60"]
    assert _standing(db, cohort, retried).eligible


def test_modules_counted_against_the_current_version(db, course):
    cohort, sesi = _cohort(db, course, min_quiz_score=None)
    person = _person(db, cohort)
    _present(db, sesi, person, 4)
    _modules(db, course, person, 1)
    db.add(
        ModuleProgress(
            user_id=person.id,
            course_id=course["course"].id,
            module_slug="modul-yang-dihapus",
            version_id=course["version"].id,
            done_at=utcnow(),
        )
    )
    total = course["version"].modules_required
    assert _standing(db, cohort, person).reasons == [f"modul selesai 1 dari {total}"]


def test_no_sessions_yet(db, course):
    cohort, _ = _cohort(db, course, sessions=0, require_modules=False, min_quiz_score=None)
    person = _person(db, cohort)
    assert _standing(db, cohort, person).reasons == ["angkatan belum punya sesi"]


def test_several_reasons_at_once(db, course):
    cohort, sesi = _cohort(db, course)
    person = _person(db, cohort)
    _present(db, sesi, person, 1)
    reasons = _standing(db, cohort, person).reasons
    assert len(reasons) == 3
    assert reasons[0] == "kehadiran 25% (1 dari 4 sesi), minimal 75%"


def test_the_list_costs_the_same_queries_for_many_people(db, course, count_queries):
    cohort, sesi = _cohort(db, course)
    people = [_person(db, cohort, f"Orang {n}") for n in range(3)]
    for p in people:
        _present(db, sesi, p, 3)
    db.flush()
    count_queries.statements.clear()
    services.standings(db, cohort)
    few = count_queries.count
    for n in range(20):
        _present(db, sesi, _person(db, cohort, f"Tambahan {n}"), 4)
    db.flush()
    count_queries.statements.clear()
    assert len(services.standings(db, cohort)) == 23
    assert count_queries.count == few <= 8
