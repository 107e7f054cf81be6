"""Quiz rows, attempts and answers: the rules that keep every acknowledged answer.

- An answer is saved by :func:`save_answer` under a lock on its attempt row, and only while the
  attempt is open and within its deadline plus :data:`GRACE`; the browser's revision decides
  which of two late-arriving saves wins, so an older one never overwrites a newer one.
- :func:`submit` closes an attempt with one conditional UPDATE (``submitted_at IS NULL``): of
  two concurrent submits exactly one grades, the other finds it closed. Saves take the same row
  lock, so no answer can be acknowledged after the attempt it belongs to was graded.
- An attempt past its deadline is closed, with every saved answer in it, the moment anyone looks
  at it (:func:`close_expired`), and by ``lms quizzes close-expired``.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assessment.models import Quiz, QuizAnswer, QuizAttempt, QuizRender
from lms.assessment.views import Texts, render_texts
from lms.audit.services import record
from lms.deps import Forbidden
from lms.i18n import TIMEZONES
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseFile, CourseVersion
from lms.reports.stale import mark_stale
from quizzes.quiz import Question, grade_quiz
from quizzes.quiz import Quiz as QuizDef

GRACE = dt.timedelta(seconds=30)


class QuizClosed(ValueError):
    """The quiz or the attempt does not take this action now (the message says why)."""


class NotYourAttempt(Forbidden):
    template = "assessment/not_yours.html"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------------- definitions


_definitions: dict[tuple[int, str], QuizDef] = {}


def definition(session: Session, version_id: int, path: str) -> QuizDef:
    """The quiz as written in one published version, parsed once per worker (a version's files
    never change, so the few quizzes in use are kept without asking the database again)."""
    found = _definitions.get((version_id, path))
    if found is not None:
        return found
    from quizzes.loader import load_quiz  # a worker that shows no quiz never loads the reader

    data = session.scalar(
        select(CourseFile.data).where(CourseFile.version_id == version_id, CourseFile.path == path)
    )
    if data is None:
        raise LookupError(f"{path} is not in version {version_id}")
    found = load_quiz(data, path)
    if len(_definitions) >= 24:
        _definitions.pop(next(iter(_definitions)))
    _definitions[(version_id, path)] = found
    return found


def sync_quizzes(
    session: Session, course: Course, version: CourseVersion, quizzes: Sequence[QuizDef]
) -> None:
    """Make the quiz rows follow a newly current course version.

    A quiz's key in force moves to this version; settings the narasumber changed in the platform
    are kept, untouched ones follow the file. Quizzes the version no longer has become inactive
    (their attempts stay)."""
    rows = {q.slug: q for q in session.scalars(select(Quiz).where(Quiz.course_id == course.id))}
    rendered = set(
        session.scalars(select(QuizRender.path).where(QuizRender.version_id == version.id))
    )
    for quiz in quizzes:
        if quiz.file not in rendered:
            session.add(QuizRender(version_id=version.id, path=quiz.file, html=render_texts(quiz)))
    for position, quiz in enumerate(quizzes, start=1):
        row = rows.pop(quiz.slug, None)
        if row is None:
            row = Quiz(course_id=course.id, slug=quiz.slug)
            session.add(row)
        if row.settings_changed_at is None:
            s = quiz.settings
            row.time_limit = s.time_limit
            row.attempts_allowed = s.attempts
            row.grading = s.grading
            row.shuffle = s.shuffle
            row.review = s.review
            row.pass_percent = s.pass_percent
        row.version_id = version.id
        row.path = quiz.file
        row.title = quiz.title
        row.summary = quiz.summary
        row.module_slug = quiz.module
        row.position = position
        row.question_count = len(quiz.questions)
        row.max_points = quiz.max_points
        row.active = True
    for row in rows.values():
        row.active = False
    session.flush()


_texts: dict[tuple[int, str], Texts] = {}


def texts(session: Session, version_id: int, path: str) -> Texts:
    """The quiz's rendered texts (stored at publish time; kept for the few quizzes in use)."""
    found = _texts.get((version_id, path))
    if found is None:
        html = session.scalar(
            select(QuizRender.html).where(
                QuizRender.version_id == version_id, QuizRender.path == path
            )
        )
        if html is None:  # published before quizzes were rendered: render now
            html = render_texts(definition(session, version_id, path))
        if len(_texts) >= 24:
            _texts.pop(next(iter(_texts)))
        found = _texts[(version_id, path)] = Texts(html)
    return found


def course_quizzes(session: Session, course_id: int) -> list[Quiz]:
    return list(
        session.scalars(
            select(Quiz)
            .where(Quiz.course_id == course_id, Quiz.active.is_(True))
            .order_by(Quiz.position)
        )
    )


def find_quiz(session: Session, course_slug: str, quiz_slug: str) -> tuple[Course, Quiz] | None:
    row = session.execute(
        select(Course, Quiz)
        .join(Quiz, Quiz.course_id == Course.id)
        .where(Course.slug == course_slug, Quiz.slug == quiz_slug, Quiz.active.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


# ---------------------------------------------------------------------- schedule


def local(quiz: Quiz, moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(ZoneInfo(TIMEZONES[quiz.timezone])) if moment else None


def zone_label(quiz: Quiz) -> str:
    return quiz.timezone


def window_state(quiz: Quiz, now: dt.datetime) -> str:
    """belum (not yet open), buka (open) or tutup (closed)."""
    if quiz.opens_at and now < quiz.opens_at:
        return "belum"
    if quiz.closes_at and now >= quiz.closes_at:
        return "tutup"
    return "buka"


def deadline(quiz: Quiz, attempt: QuizAttempt) -> dt.datetime | None:
    """When the attempt ends: its time limit, or the quiz closing, whichever is first."""
    ends = [d for d in (attempt.deadline_at, quiz.closes_at) if d is not None]
    return min(ends) if ends else None


def expired(quiz: Quiz, attempt: QuizAttempt, now: dt.datetime) -> bool:
    ends = deadline(quiz, attempt)
    return ends is not None and now > ends + GRACE


# ---------------------------------------------------------------------- attempts


def attempts_of(session: Session, quiz: Quiz, user: User) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user.id)
            .order_by(QuizAttempt.number)
        )
    )


def own_attempt(session: Session, user: User, attempt_id: int) -> tuple[Quiz, QuizAttempt, Course]:
    row = session.execute(
        select(QuizAttempt, Quiz, Course)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .where(QuizAttempt.id == attempt_id)
    ).first()
    if row is None:
        from fastapi import HTTPException

        raise HTTPException(404)
    attempt, quiz, course = row
    if attempt.user_id != user.id:
        raise NotYourAttempt()
    return quiz, attempt, course


def start_attempt(session: Session, quiz: Quiz, user: User, now: dt.datetime) -> QuizAttempt:
    """The open attempt (resumed), or a new one when the rules allow. Safe to call twice."""
    for _try in range(3):
        attempts = attempts_of(session, quiz, user)
        for attempt in attempts:
            if attempt.is_open:
                if expired(quiz, attempt, now):
                    close(session, quiz, attempt, now, "waktu")
                    continue
                return attempt
        state = window_state(quiz, now)
        if state == "belum":
            raise QuizClosed(_("Kuis ini belum dibuka."))
        if state == "tutup":
            raise QuizClosed(_("Kuis ini sudah ditutup."))
        if len(attempts) >= quiz.attempts_allowed:
            raise QuizClosed(
                _("Kesempatan mengerjakan kuis ini sudah habis (%(n)s kali).")
                % {"n": quiz.attempts_allowed}
            )
        limit = now + dt.timedelta(minutes=quiz.time_limit) if quiz.time_limit else None
        attempt = QuizAttempt(
            quiz_id=quiz.id,
            user_id=user.id,
            number=len(attempts) + 1,
            version_id=quiz.version_id,
            seed=random.SystemRandom().randrange(1, 2**31 - 1),
            started_at=now,
            deadline_at=limit,
            max_score=quiz.max_points,
        )
        try:
            with session.begin_nested():
                session.add(attempt)
        except IntegrityError:
            continue  # the same person started it in another tab a moment ago
        return attempt
    raise QuizClosed(_("Percobaan tidak dapat dimulai; coba lagi."))


def question_order(definition: QuizDef, attempt: QuizAttempt, shuffle: bool) -> list[Question]:
    questions = list(definition.questions)
    if shuffle:
        random.Random(attempt.seed).shuffle(questions)  # noqa: S311 - an order, not a secret
    return questions


def choice_order(question: Question, attempt: QuizAttempt, shuffle: bool) -> list[Any]:
    choices = list(getattr(question, "choices", ()))
    if shuffle:
        random.Random(f"{attempt.seed}:{question.id}").shuffle(choices)  # noqa: S311
    return choices


def answers_of(session: Session, attempt_id: int) -> dict[str, QuizAnswer]:
    return {
        a.question_id: a
        for a in session.scalars(select(QuizAnswer).where(QuizAnswer.attempt_id == attempt_id))
    }


@dataclass(frozen=True)
class Saved:
    rev: int
    saved_at: dt.datetime
    stale: bool  # a newer revision was already saved


def _lock(session: Session, attempt_id: int) -> QuizAttempt:
    attempt = session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert attempt is not None
    return attempt


def save_answer(
    session: Session,
    quiz: Quiz,
    attempt_id: int,
    question_id: str,
    value: Any,
    rev: int,
    now: dt.datetime,
) -> Saved:
    """Keep one answer; call inside a write transaction and commit. QuizClosed when too late."""
    attempt = _lock(session, attempt_id)
    if not attempt.is_open:
        raise QuizClosed(_("Percobaan ini sudah dikirim; jawaban tidak dapat diubah lagi."))
    if expired(quiz, attempt, now):
        raise QuizClosed(_("Waktu sudah habis; jawaban ini tidak lagi diterima."))
    current = session.get(QuizAnswer, (attempt_id, question_id), populate_existing=True)
    if current is not None and current.rev >= rev:
        return Saved(current.rev, current.saved_at, stale=current.rev > rev)
    if current is None:
        session.add(
            QuizAnswer(
                attempt_id=attempt_id, question_id=question_id, value=value, rev=rev, saved_at=now
            )
        )
    else:
        current.value = value
        current.rev = rev
        current.saved_at = now
    session.flush()
    return Saved(rev, now, stale=False)


def close(
    session: Session, quiz: Quiz, attempt: QuizAttempt, now: dt.datetime, closed_by: str
) -> bool:
    """Close and grade the attempt if it is still open; False when someone else already did."""
    done = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=now, closed_by=closed_by)
        .execution_options(synchronize_session=False)
    )
    session.refresh(attempt)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    grade(session, quiz, attempt, now)
    return True


def grade(session: Session, quiz: Quiz, attempt: QuizAttempt, now: dt.datetime) -> None:
    quiz_def = definition(session, attempt.version_id, quiz.path)
    answers = {qid: a.value for qid, a in answers_of(session, attempt.id).items()}
    store_grade(attempt, grade_quiz(quiz_def, answers), now)
    mark_stale(session, user_ids=[attempt.user_id])
    session.flush()


def store_grade(attempt: QuizAttempt, report: dict[str, Any], now: dt.datetime) -> None:
    """Keep the library's report on the attempt: total, maximum, percent, and per question
    {"skor", "bobot", "umpan_balik", "dijawab", "akun_salah"} by question id."""
    attempt.score = report["total"]
    attempt.max_score = report["maksimum"]
    attempt.percent = report["persen"]
    attempt.result = {item.pop("id"): item for item in report["soal"]}
    attempt.graded_at = now


def close_expired(
    session: Session, quiz: Quiz, now: dt.datetime, *, user_id: int | None = None
) -> int:
    """Close every open attempt of the quiz whose time is up (only one person's if given)."""
    query = select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz.id, QuizAttempt.submitted_at.is_(None)
    )
    if user_id is not None:
        query = query.where(QuizAttempt.user_id == user_id)
    closed = 0
    for attempt in session.scalars(query).all():
        if expired(quiz, attempt, now):
            by = (
                "tutup" if quiz.closes_at and deadline(quiz, attempt) == quiz.closes_at else "waktu"
            )
            closed += close(session, quiz, attempt, now, by)
    return closed


def final_attempt(quiz: Quiz, attempts: Iterable[QuizAttempt]) -> QuizAttempt | None:
    """The attempt that counts: highest score or the last one, per the quiz's rule."""
    graded = [a for a in attempts if a.score is not None]
    if not graded:
        return None
    if quiz.grading == "terakhir":
        return max(graded, key=lambda a: a.number)
    return max(graded, key=lambda a: (a.score or 0, -a.number))


def review_open(quiz: Quiz, now: dt.datetime) -> bool:
    return quiz.review == "segera" or window_state(quiz, now) == "tutup"


# ---------------------------------------------------------------------- staff


@dataclass(frozen=True)
class ResultRow:
    user: User
    attempts: int
    best: QuizAttempt | None
    open_attempt: bool


def results(session: Session, quiz: Quiz) -> list[ResultRow]:
    """Every participant who started the quiz, with the attempt that counts (two queries)."""
    attempts = session.scalars(
        select(QuizAttempt).where(QuizAttempt.quiz_id == quiz.id).order_by(QuizAttempt.user_id)
    ).all()
    by_user: dict[int, list[QuizAttempt]] = {}
    for attempt in attempts:
        by_user.setdefault(attempt.user_id, []).append(attempt)
    users = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(by_user))))}
        if by_user
        else {}
    )
    rows = [
        ResultRow(
            users[uid],
            len(items),
            final_attempt(quiz, items),
            any(a.is_open for a in items),
        )
        for uid, items in by_user.items()
        if uid in users
    ]
    return sorted(rows, key=lambda r: r.user.name.casefold())


@dataclass(frozen=True)
class ItemStat:
    question: Question
    answered: int
    facility: float | None  # mean share of the points, 0..1
    discrimination: float | None  # upper 27% minus lower 27% facility
    wrong_accounts: list[tuple[str, int]]


def item_analysis(
    session: Session, quiz: Quiz, rows: Sequence[ResultRow]
) -> tuple[list[ItemStat], int]:
    """Per question of the key in force, over the attempt that counts of each participant
    (``rows`` from :func:`results`)."""
    quiz_def = definition(session, quiz.version_id, quiz.path)
    counted = [r.best for r in rows if r.best is not None and r.best.result]
    counted.sort(key=lambda a: a.percent or 0)
    group = max(1, round(len(counted) * 0.27)) if len(counted) >= 4 else 0
    lower, upper = counted[:group], counted[-group:] if group else []
    stats = []
    for q in quiz_def.questions:

        def share(attempt: QuizAttempt, q: Question = q) -> float | None:
            item = (attempt.result or {}).get(q.id)
            return item["skor"] / item["bobot"] if item and item["bobot"] else None

        shares = [s for a in counted if (s := share(a)) is not None]
        wrong: Counter[str] = Counter()
        for attempt in counted:
            item = (attempt.result or {}).get(q.id) or {}
            for entry in item.get("akun_salah", []):
                wrong[entry] += 1
        discrimination = None
        if group:
            up = [s for a in upper if (s := share(a)) is not None]
            low = [s for a in lower if (s := share(a)) is not None]
            if up and low:
                discrimination = round(statistics.fmean(up) - statistics.fmean(low), 2)
        stats.append(
            ItemStat(
                q,
                sum(1 for a in counted if ((a.result or {}).get(q.id) or {}).get("dijawab")),
                round(statistics.fmean(shares), 2) if shares else None,
                discrimination,
                wrong.most_common(5),
            )
        )
    return stats, len(counted)


@dataclass(frozen=True)
class RegradeChange:
    attempt: QuizAttempt
    user: User
    old: float | None
    new: float


def regrade(
    session: Session, quiz: Quiz, actor: User, *, apply: bool, now: dt.datetime
) -> list[RegradeChange]:
    """Grade every closed attempt again with the key in force; a dry run changes nothing."""
    quiz_def = definition(session, quiz.version_id, quiz.path)
    attempts = session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.quiz_id == quiz.id, QuizAttempt.submitted_at.is_not(None)
        )
    ).all()
    answers: dict[int, dict[str, Any]] = {}
    if attempts:
        for answer in session.scalars(
            select(QuizAnswer).where(QuizAnswer.attempt_id.in_([a.id for a in attempts]))
        ):
            answers.setdefault(answer.attempt_id, {})[answer.question_id] = answer.value
    users = (
        {
            u.id: u
            for u in session.scalars(select(User).where(User.id.in_({a.user_id for a in attempts})))
        }
        if attempts
        else {}
    )
    changes: list[RegradeChange] = []
    for attempt in attempts:
        report = grade_quiz(quiz_def, answers.get(attempt.id, {}))
        if report["total"] != attempt.score:
            changes.append(
                RegradeChange(attempt, users[attempt.user_id], attempt.score, report["total"])
            )
        if apply:
            store_grade(attempt, report, now)
            attempt.version_id = quiz.version_id
    if apply:
        record(
            session,
            actor=actor,
            action="kuis.nilai_ulang",
            entity_type="quiz",
            entity_id=quiz.id,
            after={"version_id": quiz.version_id, "berubah": len(changes)},
        )
        mark_stale(session, user_ids=[c.attempt.user_id for c in changes])
        session.flush()
    changes.sort(key=lambda c: c.user.name.casefold())
    return changes


def pending_regrade(session: Session, quiz: Quiz) -> int:
    """Closed attempts graded with an older key than the one in force."""
    return (
        session.scalar(
            select(func.count())
            .select_from(QuizAttempt)
            .where(
                QuizAttempt.quiz_id == quiz.id,
                QuizAttempt.submitted_at.is_not(None),
                QuizAttempt.version_id != quiz.version_id,
            )
        )
        or 0
    )


def broken_definition(session: Session, quiz: Quiz) -> str | None:
    try:
        definition(session, quiz.version_id, quiz.path)
    except (ValueError, LookupError) as error:  # QuizError is a ValueError
        return str(error)
    return None
