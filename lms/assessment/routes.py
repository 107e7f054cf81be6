"""Quiz pages: the quiz, an attempt (answers saved as they change), results and review; for
narasumber and admins the settings, results with item analysis, and regrading."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect

from lms.accounts.models import Role, User
from lms.assessment import services, views
from lms.assessment.models import Quiz, QuizAttempt
from lms.assessment.services import QuizClosed
from lms.audit.services import changes, record
from lms.db import begin_write
from lms.deps import CurrentUser, SessionDep, client_ip, require_roles
from lms.i18n import TIMEZONES
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseVersion
from lms.templating import is_htmx, render
from quizzes.ledger.chart import load_default_chart

router = APIRouter()
Author = Annotated[User, Depends(require_roles(Role.NARASUMBER, Role.ADMIN))]


def _quiz_or_404(session: Session, course_slug: str, quiz_slug: str) -> tuple[Course, Quiz]:
    found = services.find_quiz(session, course_slug, quiz_slug)
    if found is None:
        raise HTTPException(404)
    return found


def _commit_closed(session: Session, quiz: Quiz, now: dt.datetime, user_id: int | None) -> None:
    """Close the attempts whose time is up before anything is shown about them."""
    begin_write(session)
    if services.close_expired(session, quiz, now, user_id=user_id):
        session.commit()
    else:
        session.rollback()


# ---------------------------------------------------------------------- participant


@router.get("/kuis")
def quiz_list(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    rows = session.execute(
        select(Quiz, Course, CourseVersion.title)
        .join(Course, Course.id == Quiz.course_id)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Quiz.active.is_(True))
        .order_by(CourseVersion.title, Quiz.position)
    ).all()
    attempts = session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()
    by_quiz: dict[int, list[QuizAttempt]] = {}
    for attempt in attempts:
        by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    cards = [
        {
            "quiz": quiz,
            "course": course,
            "course_title": course_title,
            "attempts": len(by_quiz.get(quiz.id, [])),
            "best": services.final_attempt(quiz, by_quiz.get(quiz.id, [])),
            "open": any(a.is_open for a in by_quiz.get(quiz.id, [])),
        }
        for quiz, course, course_title in rows
    ]
    return render(request, "assessment/list.html", {"cards": cards})


def _quiz_context(
    session: Session, user: User, course: Course, quiz: Quiz, now: dt.datetime
) -> dict[str, Any]:
    attempts = services.attempts_of(session, quiz, user)
    open_attempt = next((a for a in attempts if a.is_open), None)
    state = services.window_state(quiz, now)
    can_start = open_attempt is None and state == "buka" and len(attempts) < quiz.attempts_allowed
    return {
        "course": course,
        "quiz": quiz,
        "attempts": attempts,
        "open_attempt": open_attempt,
        "final": services.final_attempt(quiz, attempts),
        "state": state,
        "can_start": can_start,
        "zone": services.zone_label(quiz),
        "opens": services.local(quiz, quiz.opens_at),
        "closes": services.local(quiz, quiz.closes_at),
        "is_author": user.role in (Role.NARASUMBER, Role.ADMIN),
        "error": None,
    }


@router.get("/kuis/{course_slug}/{quiz_slug}")
def quiz_page(
    request: Request, session: SessionDep, user: CurrentUser, course_slug: str, quiz_slug: str
) -> Response:
    course, quiz = _quiz_or_404(session, course_slug, quiz_slug)
    now = services.utcnow()
    _commit_closed(session, quiz, now, user.id)
    return render(request, "assessment/quiz.html", _quiz_context(session, user, course, quiz, now))


@router.post("/kuis/{course_slug}/{quiz_slug}/mulai")
def quiz_start(
    request: Request, session: SessionDep, user: CurrentUser, course_slug: str, quiz_slug: str
) -> Response:
    course, quiz = _quiz_or_404(session, course_slug, quiz_slug)
    now = services.utcnow()
    begin_write(session)
    try:
        attempt = services.start_attempt(session, quiz, user, now)
    except QuizClosed as exc:
        session.commit()  # attempts closed on the way stay closed
        context = _quiz_context(session, user, course, quiz, now)
        context["error"] = str(exc)
        return render(request, "assessment/quiz.html", context, status_code=409)
    session.commit()
    return RedirectResponse(f"/percobaan/{attempt.id}", status_code=303)


def _attempt_context(
    session: Session, quiz: Quiz, attempt: QuizAttempt, course: Course
) -> dict[str, Any]:
    quiz_def = services.definition(session, attempt.version_id, quiz.path)
    answers = services.answers_of(session, attempt.id)
    questions = services.question_order(quiz_def, attempt, quiz.shuffle)
    ends = services.deadline(quiz, attempt)
    return {
        "course": course,
        "quiz": quiz,
        "attempt": attempt,
        "questions": questions,
        "choices": {q.id: services.choice_order(q, attempt, quiz.shuffle) for q in questions},
        "answers": {qid: a.value for qid, a in answers.items()},
        "saved": answers,
        "texts": services.texts(session, attempt.version_id, quiz.path),
        "ledgers": views.ledgers(quiz_def),
        "views": views,
        "deadline": ends,
        "attempt_now": services.utcnow().isoformat(),
        "zone": services.zone_label(quiz),
        "chart": load_default_chart(),
        # The chart's datalist goes only to pages with journal questions.
        "has_journal": any(q.kind == "jurnal" for q in questions),
        "answered": sum(
            1 for q in questions if q.id in answers and not q.blank(answers[q.id].value)
        ),
    }


@router.get("/percobaan/{attempt_id}")
def attempt_page(
    request: Request, session: SessionDep, user: CurrentUser, attempt_id: int
) -> Response:
    quiz, attempt, course = services.own_attempt(session, user, attempt_id)
    now = services.utcnow()
    if attempt.is_open and services.expired(quiz, attempt, now):
        _commit_closed(session, quiz, now, user.id)
    if not attempt.is_open:
        return RedirectResponse(f"/percobaan/{attempt.id}/hasil", status_code=303)
    return render(
        request,
        "assessment/attempt.html",
        _attempt_context(session, quiz, attempt, course),
        headers={"Cache-Control": "no-store"},
    )


def _rev(value: str | None, now: dt.datetime) -> int:
    try:
        rev = int(value or "")
    except ValueError:
        rev = 0
    # Without the page's script a save has no revision: the server's clock gives one.
    return rev if 0 < rev < 2**62 else int(now.timestamp() * 1000)


async def _fields(request: Request) -> dict[str, list[str]]:
    try:
        form = await request.form()
    except ClientDisconnect:  # the phone lost its signal mid-send: it keeps the answer
        raise HTTPException(400) from None
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    return fields


Fields = Annotated[dict[str, list[str]], Depends(_fields)]


@router.post("/percobaan/{attempt_id}/jawab")
def attempt_save(
    request: Request, session: SessionDep, user: CurrentUser, attempt_id: int, fields: Fields
) -> Response:
    quiz, attempt, _course = services.own_attempt(session, user, attempt_id)
    now = services.utcnow()
    question_id = (fields.get("soal") or [""])[0]
    quiz_def = services.definition(session, attempt.version_id, quiz.path)
    question = quiz_def.question(question_id)
    if question is None:
        raise HTTPException(400)
    value = views.answer_from_form(question, fields)
    rev = _rev((fields.get("rev") or [""])[0], now)
    begin_write(session)
    try:
        saved = services.save_answer(session, quiz, attempt.id, question.id, value, rev, now)
    except QuizClosed as exc:
        session.rollback()
        if not is_htmx(request):
            return RedirectResponse(f"/percobaan/{attempt.id}", status_code=303)
        return render(
            request,
            "assessment/_status.html",
            {"qid": question.id, "error": str(exc), "closed": True},
            status_code=409,
            headers={"HX-Trigger": json.dumps({"quizClosed": {"soal": question.id}})},
        )
    session.commit()
    if not is_htmx(request):
        return RedirectResponse(f"/percobaan/{attempt.id}#soal-{question.id}", status_code=303)
    return render(
        request,
        "assessment/_status.html",
        {
            "qid": question.id,
            "error": None,
            "saved_at": services.local(quiz, saved.saved_at),
            "blank": question.blank(value),
        },
        # After the swap: the page counts the saved statuses, the new one among them.
        headers={
            "HX-Trigger-After-Settle": json.dumps(
                {"answerSaved": {"soal": question.id, "rev": saved.rev}}
            )
        },
    )


@router.post("/percobaan/{attempt_id}/kirim")
def attempt_submit(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    attempt_id: int,
    semua: Annotated[str, Form()] = "",
) -> Response:
    """Submit: the answers on the page (sent along by the script) are saved, then graded once."""
    quiz, attempt, _course = services.own_attempt(session, user, attempt_id)
    now = services.utcnow()
    pending: dict[str, Any] = {}
    if semua:
        try:
            pending = json.loads(semua)
        except ValueError:
            pending = {}
    begin_write(session)
    if attempt.is_open and isinstance(pending, dict):
        quiz_def = services.definition(session, attempt.version_id, quiz.path)
        for question_id, item in pending.items():
            question = quiz_def.question(str(question_id))
            if question is None or not isinstance(item, dict):
                continue
            fields: dict[str, list[str]] = {}
            for pair in item.get("fields") or []:
                if isinstance(pair, list) and len(pair) == 2:
                    fields.setdefault(str(pair[0]), []).append(str(pair[1]))
            value = views.answer_from_form(question, fields)
            try:
                services.save_answer(
                    session,
                    quiz,
                    attempt.id,
                    question.id,
                    value,
                    _rev(str(item.get("rev")), now),
                    now,
                )
            except QuizClosed:
                break
    closed_by = "peserta"
    if services.expired(quiz, attempt, now):
        closed_by = "waktu"
    services.close(session, quiz, attempt, now, closed_by)
    session.commit()
    return RedirectResponse(f"/percobaan/{attempt.id}/hasil", status_code=303)


@router.get("/percobaan/{attempt_id}/hasil")
def attempt_result(
    request: Request, session: SessionDep, user: CurrentUser, attempt_id: int
) -> Response:
    quiz, attempt, course = services.own_attempt(session, user, attempt_id)
    now = services.utcnow()
    if attempt.is_open:
        if not services.expired(quiz, attempt, now):
            return RedirectResponse(f"/percobaan/{attempt.id}", status_code=303)
        _commit_closed(session, quiz, now, user.id)
    context = _attempt_context(session, quiz, attempt, course)
    context.update(
        review=services.review_open(quiz, now),
        closes=services.local(quiz, quiz.closes_at),
        passed=(attempt.percent or 0) >= quiz.pass_percent,
        submitted_local=services.local(quiz, attempt.submitted_at),
        attempts_left=quiz.attempts_allowed - len(services.attempts_of(session, quiz, user)),
        window=services.window_state(quiz, now),
    )
    return render(request, "assessment/result.html", context)


# ---------------------------------------------------------------------- narasumber and admin


def _parse_local(value: str, zone: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(_("Tulis tanggal dan jam lengkap, misalnya 2026-12-01 08:00.")) from None
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def _settings_form(quiz: Quiz) -> dict[str, str]:
    def local_text(moment: dt.datetime | None) -> str:
        found = services.local(quiz, moment)
        return found.strftime("%Y-%m-%dT%H:%M") if found else ""

    return {
        "buka": local_text(quiz.opens_at),
        "tutup": local_text(quiz.closes_at),
        "zona": quiz.timezone,
        "batas_waktu": str(quiz.time_limit),
        "percobaan": str(quiz.attempts_allowed),
        "penilaian": quiz.grading,
        "acak": "ya" if quiz.shuffle else "tidak",
        "tinjauan": quiz.review,
        "lulus": str(quiz.pass_percent),
    }


@router.get("/kuis/{course_slug}/{quiz_slug}/atur")
def settings_page(
    request: Request, session: SessionDep, user: Author, course_slug: str, quiz_slug: str
) -> Response:
    course, quiz = _quiz_or_404(session, course_slug, quiz_slug)
    return render(
        request,
        "assessment/settings.html",
        {"course": course, "quiz": quiz, "form": _settings_form(quiz), "errors": {}},
    )


@router.post("/kuis/{course_slug}/{quiz_slug}/atur")
def settings_save(
    request: Request,
    session: SessionDep,
    user: Author,
    course_slug: str,
    quiz_slug: str,
    fields: Fields,
) -> Response:
    course, quiz = _quiz_or_404(session, course_slug, quiz_slug)
    form = {key: (fields.get(key) or [""])[0].strip() for key in _settings_form(quiz)}
    errors: dict[str, str] = {}
    zone = form["zona"] if form["zona"] in TIMEZONES else ""
    if not zone:
        errors["zona"] = _("Pilih zona waktu: WIB, WITA atau WIT.")
    opens = closes = None
    for key in ("buka", "tutup"):
        try:
            moment = _parse_local(form[key], TIMEZONES[zone or "WIB"])
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if key == "buka":
            opens = moment
        else:
            closes = moment
    if opens and closes and closes <= opens:
        errors["tutup"] = _("Waktu tutup harus sesudah waktu buka.")
    numbers: dict[str, int] = {}
    for key, low, high in (("batas_waktu", 0, 600), ("percobaan", 1, 20), ("lulus", 0, 100)):
        try:
            numbers[key] = int(form[key])
            if not low <= numbers[key] <= high:
                raise ValueError
        except ValueError:
            errors[key] = _("Isi bilangan bulat %(low)s sampai %(high)s.") % {
                "low": low,
                "high": high,
            }
    if form["penilaian"] not in ("tertinggi", "terakhir"):
        errors["penilaian"] = _("Pilih cara penilaian.")
    if form["tinjauan"] not in ("segera", "setelah_tutup"):
        errors["tinjauan"] = _("Pilih kapan pembahasan ditampilkan.")
    if errors:
        return render(
            request,
            "assessment/settings.html",
            {"course": course, "quiz": quiz, "form": form, "errors": errors},
            status_code=400,
        )
    before = _settings_form(quiz)
    begin_write(session)
    quiz = session.get(Quiz, quiz.id, populate_existing=True) or quiz
    quiz.opens_at, quiz.closes_at, quiz.timezone = opens, closes, zone
    quiz.time_limit = numbers["batas_waktu"]
    quiz.attempts_allowed = numbers["percobaan"]
    quiz.pass_percent = numbers["lulus"]
    quiz.grading = form["penilaian"]
    quiz.shuffle = form["acak"] == "ya"
    quiz.review = form["tinjauan"]
    quiz.settings_changed_at = services.utcnow()
    old, new = changes(before, _settings_form(quiz))
    record(
        session,
        actor=user,
        action="kuis.atur",
        entity_type="quiz",
        entity_id=quiz.id,
        before=old,
        after=new,
        ip=client_ip(request),
    )
    session.commit()
    return RedirectResponse(f"/kuis/{course.slug}/{quiz.slug}/hasil?disimpan=1", status_code=303)


@router.get("/kuis/{course_slug}/{quiz_slug}/hasil")
def results_page(
    request: Request, session: SessionDep, user: Author, course_slug: str, quiz_slug: str
) -> Response:
    course, quiz = _quiz_or_404(session, course_slug, quiz_slug)
    now = services.utcnow()
    _commit_closed(session, quiz, now, None)
    rows = services.results(session, quiz)
    stats, counted = services.item_analysis(session, quiz, rows)
    return render(
        request,
        "assessment/results.html",
        {
            "course": course,
            "quiz": quiz,
            "rows": rows,
            "stats": stats,
            "counted": counted,
            "pending": services.pending_regrade(session, quiz),
            "texts": services.texts(session, quiz.version_id, quiz.path),
            "chart": load_default_chart(),
            "saved": request.query_params.get("disimpan"),
        },
    )


@router.get("/kuis/{course_slug}/{quiz_slug}/nilai-ulang")
def regrade_preview(
    request: Request, session: SessionDep, user: Author, course_slug: str, quiz_slug: str
) -> Response:
    course, quiz = _quiz_or_404(session, course_slug, quiz_slug)
    changed = services.regrade(session, quiz, user, apply=False, now=services.utcnow())
    session.rollback()
    return render(
        request,
        "assessment/regrade.html",
        {"course": course, "quiz": quiz, "changes": changed, "done": None},
    )


@router.post("/kuis/{course_slug}/{quiz_slug}/nilai-ulang")
def regrade_apply(
    request: Request, session: SessionDep, user: Author, course_slug: str, quiz_slug: str
) -> Response:
    course, quiz = _quiz_or_404(session, course_slug, quiz_slug)
    begin_write(session)
    changed = services.regrade(session, quiz, user, apply=True, now=services.utcnow())
    session.commit()
    return render(
        request,
        "assessment/regrade.html",
        {"course": course, "quiz": quiz, "changes": changed, "done": True},
    )
