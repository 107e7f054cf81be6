"""Angkatan pages: cohorts and their sesi, members, login cards, roll call and QR check-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts import nik, sessions, tokens
from lms.accounts.models import Role, User
from lms.audit.services import record
from lms.cohorts import checkin, services
from lms.cohorts.models import Attendance, Cohort, CohortMember, CohortSession, Status
from lms.cookies import set_login_cookies
from lms.db import begin_write, utcnow
from lms.deps import (
    CurrentUser,
    Forbidden,
    OptionalUser,
    ScopeDep,
    SessionDep,
    SettingsDep,
    Staff,
    client_ip,
)
from lms.i18n import N_
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseVersion
from lms.regions.models import LEVEL_PROVINCE, LEVEL_REGENCY, Region
from lms.regions.scope import Scope
from lms.regions.services import region_label, short_regency
from lms.reports.stale import mark_stale
from lms.templating import render

router = APIRouter()


# -- helpers -------------------------------------------------------------------------------------


def _cohort(session: Session, user: User, slug: str) -> Cohort:
    cohort = services.find_visible(session, user, slug)
    if cohort is None:
        raise HTTPException(404)
    return cohort


def _managed(session: Session, user: User, slug: str) -> Cohort:
    if user.role not in (Role.ADMIN, Role.DINAS):
        raise Forbidden()
    cohort = _cohort(session, user, slug)
    if not services.can_manage(user, cohort):
        raise HTTPException(404)
    return cohort


def _facilitated(
    session: Session, user: User, slug: str, sesi_id: int
) -> tuple[Cohort, CohortSession]:
    cohort = _cohort(session, user, slug)
    if not services.can_facilitate(session, user, cohort):
        raise Forbidden()
    sesi = session.get(CohortSession, sesi_id)
    if sesi is None or sesi.cohort_id != cohort.id:
        raise HTTPException(404)
    return cohort, sesi


def _course_choices(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Course.id, CourseVersion.title)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .order_by(CourseVersion.title)
    )
    return [(cid, title) for cid, title in rows]


def _region_choices(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """The regions a cohort may belong to: the operator's own, or (province, admin) below it."""
    stmt = select(Region.code, Region.name, Region.level).where(
        Region.level.in_([LEVEL_PROVINCE, LEVEL_REGENCY])
    )
    if scope.level == "province":
        stmt = stmt.where(Region.province_code == scope.code)
    elif scope.level == "regency":
        stmt = stmt.where(Region.code == scope.code)
    rows = session.execute(stmt.order_by(Region.code))
    return [
        (code, name if level == LEVEL_PROVINCE else "— " + short_regency(name))
        for code, name, level in rows
    ]


def _form_context(
    session: Session, scope: Scope, form: services.CohortForm, errors: dict[str, str]
) -> dict[str, object]:
    return {
        "values": form.__dict__,
        "errors": errors,
        "courses": _course_choices(session),
        "regions": _region_choices(session, scope),
        "timezones": ("WIB", "WITA", "WIT"),
    }


# -- list, create, edit --------------------------------------------------------------------------


@router.get("/angkatan")
def cohort_list(request: Request, session: SessionDep, user: Staff) -> Response:
    members = (
        select(CohortMember.cohort_id, func.count().label("n"))
        .group_by(CohortMember.cohort_id)
        .subquery()
    )
    sesi = (
        select(CohortSession.cohort_id, func.count().label("n"))
        .group_by(CohortSession.cohort_id)
        .subquery()
    )
    visible = services.visible_cohorts(user).subquery()
    rows = session.execute(
        select(
            Cohort,
            func.coalesce(members.c.n, 0),
            func.coalesce(sesi.c.n, 0),
            Region.name,
        )
        .join(visible, visible.c.id == Cohort.id)
        .join(Region, Region.code == Cohort.region_code)
        .outerjoin(members, members.c.cohort_id == Cohort.id)
        .outerjoin(sesi, sesi.c.cohort_id == Cohort.id)
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    ).all()
    return render(
        request,
        "cohorts/list.html",
        {
            "rows": rows,
            "can_create": user.role in (Role.ADMIN, Role.DINAS),
            "today": datetime.now().date(),
        },
    )


@router.get("/angkatan/baru")
def cohort_new(request: Request, session: SessionDep, user: Staff, scope: ScopeDep) -> Response:
    if user.role not in (Role.ADMIN, Role.DINAS):
        raise Forbidden()
    form = services.CohortForm(region_code=user.region_code or "")
    if user.region_code:
        from lms.i18n import timezone_for_region

        form.timezone = timezone_for_region(user.region_code)
        form.organizer = _("Dinas Koperasi dan UKM %(region)s") % {
            "region": region_label(session, user.region_code)
            .split(",")[0]
            .replace("Kab.", "Kabupaten")
        }
    return render(request, "cohorts/form.html", _form_context(session, scope, form, {}))


def _read_form(
    name: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    organizer: Annotated[str, Form()] = "",
    venue: Annotated[str, Form()] = "",
    starts_on: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    course_ids: Annotated[list[str] | None, Form()] = None,
    min_attendance: Annotated[str, Form()] = "",
    min_quiz_score: Annotated[str, Form()] = "",
    require_modules: Annotated[str, Form()] = "",
    officer_name: Annotated[str, Form()] = "",
    officer_title: Annotated[str, Form()] = "",
    officer_nip: Annotated[str, Form()] = "",
) -> services.CohortForm:
    """The posted cohort form (shared by create and edit)."""
    return services.CohortForm(
        name=name,
        region_code=region_code,
        organizer=organizer,
        venue=venue,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        course_ids=tuple(int(c) for c in course_ids or [] if c.isdigit()),
        min_attendance=min_attendance,
        min_quiz_score=min_quiz_score,
        require_modules=bool(require_modules),
        officer_name=officer_name,
        officer_title=officer_title,
        officer_nip=officer_nip,
    )


CohortFormDep = Annotated[services.CohortForm, Depends(_read_form)]


def _read_session_form(
    day: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    narasumber_id: Annotated[str, Form()] = "",
    late_after: Annotated[str, Form()] = "15",
) -> services.SessionForm:
    """The posted sesi form (shared by create and edit)."""
    return services.SessionForm(day, start, end, topic, narasumber_id, late_after)


SessionFormDep = Annotated[services.SessionForm, Depends(_read_session_form)]


def _save(
    request: Request,
    session: Session,
    user: User,
    scope: Scope,
    form: services.CohortForm,
    existing: Cohort | None,
) -> Response:
    try:
        values = services.validate(session, scope, form)
    except services.CohortInputError as exc:
        context = _form_context(session, scope, form, exc.errors)
        context["cohort"] = existing
        return render(request, "cohorts/form.html", context, status_code=400)
    begin_write(session)
    cohort = services.save(session, user, values, existing)
    session.commit()
    return RedirectResponse(f"/angkatan/{cohort.slug}", status_code=303)


@router.post("/angkatan/baru")
def cohort_create(
    request: Request, session: SessionDep, user: Staff, scope: ScopeDep, form: CohortFormDep
) -> Response:
    if user.role not in (Role.ADMIN, Role.DINAS):
        raise Forbidden()
    return _save(request, session, user, scope, form, None)


@router.get("/angkatan/{cohort}/ubah")
def cohort_edit(
    request: Request, session: SessionDep, user: Staff, scope: ScopeDep, cohort: str
) -> Response:
    found = _managed(session, user, cohort)
    form = services.CohortForm.of(found, services.course_ids_of(session, found.id))
    context = _form_context(session, scope, form, {})
    context["cohort"] = found
    return render(request, "cohorts/form.html", context)


@router.post("/angkatan/{cohort}/ubah")
def cohort_update(
    request: Request,
    session: SessionDep,
    user: Staff,
    scope: ScopeDep,
    cohort: str,
    form: CohortFormDep,
) -> Response:
    found = _managed(session, user, cohort)
    return _save(request, session, user, scope, form, found)


# -- one cohort ----------------------------------------------------------------------------------


def _session_counts(session: Session, sesi_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {i: {} for i in sesi_ids}
    if sesi_ids:
        rows = session.execute(
            select(Attendance.session_id, Attendance.status, func.count())
            .where(Attendance.session_id.in_(sesi_ids))
            .group_by(Attendance.session_id, Attendance.status)
        )
        for sid, status, n in rows:
            counts[sid][status] = n
    return counts


@router.get("/angkatan/{cohort}")
def cohort_detail(request: Request, session: SessionDep, user: Staff, cohort: str) -> Response:
    found = _cohort(session, user, cohort)
    schedule = services.sessions_of(session, found.id)
    courses = session.execute(
        select(Course.slug, CourseVersion.title)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Course.id.in_(services.course_ids_of(session, found.id)))
        .order_by(CourseVersion.title)
    ).all()
    return render(
        request,
        "cohorts/detail.html",
        {
            "cohort": found,
            "schedule": schedule,
            "counts": _session_counts(session, [s.id for s in schedule]),
            "member_count": services.member_count(session, found.id),
            "courses": courses,
            "region": region_label(session, found.region_code),
            "can_manage": services.can_manage(user, found),
            "can_facilitate": services.can_facilitate(session, user, found),
            "now": utcnow(),
        },
    )


@router.get("/angkatan/{cohort}/peserta")
def member_list(
    request: Request, session: SessionDep, user: Staff, cohort: str, q: str = ""
) -> Response:
    found = _cohort(session, user, cohort)
    people = services.members(session, found.id, q)
    return render(
        request,
        "cohorts/members.html",
        {
            "cohort": found,
            "people": people,
            "q": q,
            "total": services.member_count(session, found.id) if q else len(people),
            "can_manage": services.can_manage(user, found),
            "revealed": {},
        },
        block="results",
    )


@router.post("/angkatan/{cohort}/peserta/{user_id}/nik")
def reveal_nik(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Staff,
    cohort: str,
    user_id: int,
    alasan: Annotated[str, Form()] = "",
) -> Response:
    """Show one person's full NIK to a manager; every reveal is in the audit log."""
    found = _managed(session, user, cohort)
    if not services.is_member(session, found.id, user_id):
        raise HTTPException(404)
    person = session.get(User, user_id)
    if person is None or not person.nik_cipher:
        raise HTTPException(404)
    reason = " ".join(alasan.split())
    if len(reason) < 3:
        return Response(
            _("Tulis alasan melihat NIK (misalnya: verifikasi data SPJ)."),
            status_code=400,
            media_type="text/plain; charset=utf-8",
        )
    begin_write(session)
    record(
        session,
        actor=user,
        action="nik.reveal",
        entity_type="user",
        entity_id=person.id,
        reason=reason[:500],
        ip=client_ip(request),
        region_code=found.region_code,
    )
    session.commit()
    value = nik.decrypt(settings.secret_key, person.nik_cipher)
    return render(request, "cohorts/_nik.html", {"person": person, "value": value})


# -- sesi ----------------------------------------------------------------------------------------


def _session_context(
    session: Session, cohort: Cohort, form: services.SessionForm, errors: dict[str, str]
) -> dict[str, object]:
    return {
        "cohort": cohort,
        "values": form.__dict__,
        "errors": errors,
        "narasumber": services.narasumber_choices(session),
    }


@router.get("/angkatan/{cohort}/sesi/baru")
def session_new(request: Request, session: SessionDep, user: Staff, cohort: str) -> Response:
    found = _managed(session, user, cohort)
    last = session.scalar(
        select(CohortSession)
        .where(CohortSession.cohort_id == found.id)
        .order_by(CohortSession.ends_at.desc())
        .limit(1)
    )
    form = services.SessionForm(day=found.starts_on.isoformat(), start="08:30", end="10:00")
    if last is not None:
        # The next block usually follows the last one on the same day.
        previous = services.SessionForm.of(found, last)
        end = datetime.strptime(previous.end, "%H:%M")
        form = services.SessionForm(
            day=previous.day,
            start=previous.end,
            end=(end + timedelta(minutes=90)).strftime("%H:%M"),
        )
    return render(request, "cohorts/session_form.html", _session_context(session, found, form, {}))


def _save_session(
    request: Request,
    session: Session,
    user: User,
    cohort: Cohort,
    form: services.SessionForm,
    existing: CohortSession | None,
) -> Response:
    try:
        values = services.validate_session(session, cohort, form)
    except services.CohortInputError as exc:
        context = _session_context(session, cohort, form, exc.errors)
        context["sesi"] = existing
        return render(request, "cohorts/session_form.html", context, status_code=400)
    begin_write(session)
    if existing is None:
        sesi = CohortSession(cohort_id=cohort.id, **values)
        session.add(sesi)
        session.flush()
        mark_stale(session, cohort_ids=[cohort.id])
    else:
        sesi = existing
        for key, value in values.items():
            setattr(sesi, key, value)
    record(
        session,
        actor=user,
        action="cohort.session.create" if existing is None else "cohort.session.update",
        entity_type="cohort_session",
        entity_id=sesi.id,
        after={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()},
        region_code=cohort.region_code,
    )
    session.commit()
    return RedirectResponse(f"/angkatan/{cohort.slug}#jadwal", status_code=303)


@router.post("/angkatan/{cohort}/sesi/baru")
def session_create(
    request: Request, session: SessionDep, user: Staff, cohort: str, form: SessionFormDep
) -> Response:
    found = _managed(session, user, cohort)
    return _save_session(request, session, user, found, form, None)


def _managed_session(
    session: Session, user: User, slug: str, sesi_id: int
) -> tuple[Cohort, CohortSession]:
    found = _managed(session, user, slug)
    sesi = session.get(CohortSession, sesi_id)
    if sesi is None or sesi.cohort_id != found.id:
        raise HTTPException(404)
    return found, sesi


@router.get("/angkatan/{cohort}/sesi/{sesi_id}/ubah")
def session_edit(
    request: Request, session: SessionDep, user: Staff, cohort: str, sesi_id: int
) -> Response:
    found, sesi = _managed_session(session, user, cohort, sesi_id)
    context = _session_context(session, found, services.SessionForm.of(found, sesi), {})
    context["sesi"] = sesi
    context["marked"] = bool(services.attendance_of(session, sesi.id))
    return render(request, "cohorts/session_form.html", context)


@router.post("/angkatan/{cohort}/sesi/{sesi_id}/ubah")
def session_update(
    request: Request,
    session: SessionDep,
    user: Staff,
    cohort: str,
    sesi_id: int,
    form: SessionFormDep,
) -> Response:
    found, sesi = _managed_session(session, user, cohort, sesi_id)
    return _save_session(request, session, user, found, form, sesi)


@router.post("/angkatan/{cohort}/sesi/{sesi_id}/hapus")
def session_delete(
    request: Request, session: SessionDep, user: Staff, cohort: str, sesi_id: int
) -> Response:
    found, sesi = _managed_session(session, user, cohort, sesi_id)
    if services.attendance_of(session, sesi.id):
        context = _session_context(session, found, services.SessionForm.of(found, sesi), {})
        context.update(
            sesi=sesi,
            marked=True,
            refusal=_("Sesi ini sudah punya catatan kehadiran, jadi tidak bisa dihapus."),
        )
        return render(request, "cohorts/session_form.html", context, status_code=409)
    begin_write(session)
    record(
        session,
        actor=user,
        action="cohort.session.delete",
        entity_type="cohort_session",
        entity_id=sesi.id,
        before={"topic": sesi.topic, "starts_at": sesi.starts_at.isoformat()},
        region_code=found.region_code,
    )
    session.delete(sesi)
    mark_stale(session, cohort_ids=[sesi.cohort_id])
    session.commit()
    return RedirectResponse(f"/angkatan/{found.slug}#jadwal", status_code=303)


# -- login cards ---------------------------------------------------------------------------------


@router.get("/angkatan/{cohort}/kartu")
def cards_page(request: Request, session: SessionDep, user: Staff, cohort: str) -> Response:
    found = _managed(session, user, cohort)
    return render(
        request,
        "cohorts/cards.html",
        {
            "cohort": found,
            "member_count": services.member_count(session, found.id),
            "expires": services.ends_at(found),
        },
    )


@router.post("/angkatan/{cohort}/kartu")
def cards_pdf(request: Request, session: SessionDep, user: Staff, cohort: str) -> Response:
    from lms.cohorts import documents

    found = _managed(session, user, cohort)
    begin_write(session)
    try:
        pdf = documents.login_cards(session, found, str(request.base_url).rstrip("/"))
    except documents.DocumentError:
        session.rollback()  # no card was printed: the earlier cards stay valid
        return render(
            request,
            "cohorts/cards.html",
            {
                "cohort": found,
                "member_count": services.member_count(session, found.id),
                "expires": services.ends_at(found),
                "error": _(
                    "PDF kartu gagal dibuat. Coba lagi sebentar lagi; kartu lama tetap berlaku."
                ),
            },
            status_code=503,
        )
    record(
        session,
        actor=user,
        action="cohort.login_cards",
        entity_type="cohort",
        entity_id=found.id,
        after={"people": services.member_count(session, found.id)},
        ip=client_ip(request),
        region_code=found.region_code,
    )
    session.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="kartu-masuk-{found.slug}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# -- roll call -----------------------------------------------------------------------------------


def _roll_summary(session: Session, cohort: Cohort, sesi: CohortSession) -> dict[str, object]:
    """The head of the roll call: counts per status, the hall's size, how many are unmarked."""
    counts = _session_counts(session, [sesi.id])[sesi.id]
    total = services.member_count(session, cohort.id)
    return {
        "cohort": cohort,
        "sesi": sesi,
        "counts": counts,
        "total": total,
        "unmarked": total - sum(counts.values()),
        "statuses": list(Status),
        "ended": utcnow() > sesi.ends_at,
    }


def _roll_context(
    session: Session, cohort: Cohort, sesi: CohortSession, q: str = ""
) -> dict[str, object]:
    return {
        **_roll_summary(session, cohort, sesi),
        "people": services.members(session, cohort.id, q),
        "marks": services.attendance_of(session, sesi.id),
        "q": q,
    }


@router.get("/angkatan/{cohort}/sesi/{sesi_id}/presensi")
def roll_call(
    request: Request, session: SessionDep, user: Staff, cohort: str, sesi_id: int, q: str = ""
) -> Response:
    found, sesi = _facilitated(session, user, cohort, sesi_id)
    return render(request, "cohorts/roll_call.html", _roll_context(session, found, sesi, q))


@router.post("/angkatan/{cohort}/sesi/{sesi_id}/presensi/{user_id}")
def roll_call_mark(
    request: Request,
    session: SessionDep,
    user: Staff,
    cohort: str,
    sesi_id: int,
    user_id: int,
    status: Annotated[str, Form()] = "",
    note: Annotated[str | None, Form()] = None,
    alasan: Annotated[str, Form()] = "",
) -> Response:
    found, sesi = _facilitated(session, user, cohort, sesi_id)
    person = session.get(User, user_id)
    if person is None or not services.is_member(session, found.id, user_id):
        raise HTTPException(404)
    if not status:
        current = services.attendance_of(session, sesi.id).get(user_id)
        status = current.status if current else ""
    error = None
    begin_write(session)
    try:
        services.mark(
            session,
            sesi,
            found,
            user_id,
            status=status,
            note=note,
            actor=user,
            reason=alasan,
            ip=client_ip(request),
        )
        session.commit()
    except services.AttendanceError as exc:
        session.rollback()
        error = str(exc)
    if request.headers.get("hx-request") != "true":
        if error:
            context = _roll_context(session, found, sesi)
            context["error"] = error
            return render(request, "cohorts/roll_call.html", context, status_code=400)
        return RedirectResponse(
            f"/angkatan/{found.slug}/sesi/{sesi.id}/presensi#p{user_id}", status_code=303
        )
    # One row and the summary: a tap never reloads the whole hall.
    context = _roll_summary(session, found, sesi)
    (row,) = services.members(session, found.id, only=user_id)
    mark = session.scalar(
        select(Attendance).where(Attendance.session_id == sesi.id, Attendance.user_id == user_id)
    )
    context.update(person=row, mark=mark, row_error=error, oob=True)
    return render(request, "cohorts/_roll_row.html", context)


@router.post("/angkatan/{cohort}/sesi/{sesi_id}/semua-hadir")
def roll_call_all_present(
    request: Request, session: SessionDep, user: Staff, cohort: str, sesi_id: int
) -> Response:
    found, sesi = _facilitated(session, user, cohort, sesi_id)
    begin_write(session)
    if utcnow() > sesi.ends_at:
        context = _roll_context(session, found, sesi)
        context["error"] = _(
            "Sesi sudah selesai: ubah status satu per satu dengan alasan perubahan."
        )
        return render(request, "cohorts/roll_call.html", context, status_code=400)
    added = services.mark_all_present(session, sesi, found, user)
    record(
        session,
        actor=user,
        action="attendance.all_present",
        entity_type="cohort_session",
        entity_id=sesi.id,
        after={"marked": added},
        ip=client_ip(request),
        region_code=found.region_code,
    )
    session.commit()
    return RedirectResponse(f"/angkatan/{found.slug}/sesi/{sesi.id}/presensi", status_code=303)


@router.get("/angkatan/{cohort}/sesi/{sesi_id}/daftar-hadir.pdf")
def attendance_sheet(
    request: Request, session: SessionDep, user: Staff, cohort: str, sesi_id: int
) -> Response:
    from lms.cohorts import documents

    found, sesi = _facilitated(session, user, cohort, sesi_id)
    try:
        pdf = documents.attendance_sheet(session, found, sesi)
    except documents.DocumentError:
        context = _roll_context(session, found, sesi)
        context["error"] = _("PDF daftar hadir gagal dibuat. Coba lagi sebentar lagi.")
        return render(request, "cohorts/roll_call.html", context, status_code=503)
    day = sesi.starts_at.astimezone(services.local_zone(found)).strftime("%Y-%m-%d")
    filename = f"daftar-hadir-{found.slug}-{day}-{sesi.id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- QR check-in ---------------------------------------------------------------------------------


def _qr_context(
    request: Request, session: Session, settings_secret: str, cohort: Cohort, sesi: CohortSession
) -> dict[str, object]:
    now = utcnow()
    code = checkin.code_for(settings_secret, sesi.id, checkin.window_of(now))
    url = f"{str(request.base_url).rstrip('/')}/hadir/{sesi.id}/{code}"
    marks = services.attendance_of(session, sesi.id)
    people = services.members(session, cohort.id)
    opens, closes = services.checkin_window(sesi)
    return {
        "cohort": cohort,
        "sesi": sesi,
        "url": url,
        "is_open": opens <= now <= closes,
        "opens": opens,
        "closes": closes,
        "now": now,
        "seconds_left": checkin.seconds_left(now),
        "present": [p for p in people if p.id in marks and marks[p.id].status in services.PRESENT],
        "missing": [p for p in people if p.id not in marks],
        "other": [
            p for p in people if p.id in marks and marks[p.id].status not in services.PRESENT
        ],
        "marks": marks,
        "total": len(people),
    }


@router.get("/angkatan/{cohort}/sesi/{sesi_id}/qr")
def qr_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Staff,
    cohort: str,
    sesi_id: int,
) -> Response:
    found, sesi = _facilitated(session, user, cohort, sesi_id)
    context = _qr_context(request, session, settings.secret_key, found, sesi)
    return render(
        request,
        "cohorts/qr.html",
        context,
        block="live",
        headers={"Cache-Control": "no-store"},
    )


CHECKIN_MESSAGES = {
    "invalid": N_("Kode presensi ini tidak sah untuk sesi ini. Pindai kode yang tampil di layar."),
    "expired": N_(
        "Kode presensi ini sudah kedaluwarsa (kode berganti tiap 15 detik). "
        "Pindai lagi kode yang tampil di layar sekarang."
    ),
}


def _checkin_refused(request: Request, message: str, status: int = 400) -> Response:
    return render(request, "cohorts/checkin.html", {"refused": message}, status_code=status)


def _record_checkin(
    request: Request,
    session: Session,
    user: User,
    sesi: CohortSession,
    scanned_at: datetime,
) -> Response:
    cohort = session.get(Cohort, sesi.cohort_id)
    assert cohort is not None
    begin_write(session)
    try:
        mark, changed = services.check_in(session, sesi, cohort, user, scanned_at)
    except services.CheckInRefused as exc:
        session.rollback()
        return _checkin_refused(request, str(exc), 409)
    session.commit()
    response = render(
        request,
        "cohorts/checkin.html",
        {"cohort": cohort, "sesi": sesi, "mark": mark, "changed": changed},
    )
    response.delete_cookie(checkin.TICKET_COOKIE, path="/")
    return response


@router.get("/hadir/{sesi_id}/{code}")
def check_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    sesi_id: int,
    code: str,
) -> Response:
    """Opened by scanning the projector's QR. A GET on purpose: a phone's camera opens links
    with GET, and marking is idempotent (one row per person and sesi)."""
    now = utcnow()
    sesi = session.get(CohortSession, sesi_id)
    result = checkin.check_code(settings.secret_key, sesi_id, code, now)
    if sesi is None or not result.ok:
        return _checkin_refused(request, _(CHECKIN_MESSAGES[result.reason or "invalid"]))
    if user is None:
        # Remember the scan (and its moment) across the login, which may take a minute.
        response = RedirectResponse(
            "/masuk?next=" + quote("/hadir/lanjut", safe="/") + "&hadir=1", status_code=303
        )
        response.set_cookie(
            checkin.TICKET_COOKIE,
            checkin.ticket(settings.secret_key, sesi.id, now),
            max_age=int(checkin.TICKET_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=settings.https,
            path="/",
        )
        return response
    return _record_checkin(request, session, user, sesi, now)


@router.get("/hadir/lanjut")
def check_in_after_login(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    found = checkin.read_ticket(
        settings.secret_key, request.cookies.get(checkin.TICKET_COOKIE), utcnow()
    )
    sesi = session.get(CohortSession, found[0]) if found else None
    if found is None or sesi is None:
        return _checkin_refused(
            request,
            _("Presensi tidak ditemukan atau sudah lewat 15 menit. Pindai lagi kode di layar."),
        )
    return _record_checkin(request, session, user, sesi, found[1])


# -- login by card -------------------------------------------------------------------------------


TOKEN_MESSAGES = {
    "unknown": N_("Kode kartu masuk ini tidak dikenal. Masuk dengan nomor HP dan kata sandi."),
    "used": N_(
        "Kartu masuk ini sudah dipakai. Kode di kartu hanya berlaku satu kali: masuk dengan "
        "nomor HP dan kata sandi, atau minta kartu baru ke panitia."
    ),
    "revoked": N_("Kartu ini sudah diganti dengan kartu yang lebih baru. Pakai kartu terbaru."),
    "expired": N_("Kartu masuk ini sudah tidak berlaku (angkatannya sudah selesai)."),
    "inactive": N_("Akun ini dinonaktifkan. Hubungi panitia."),
}


@router.get("/k/{token}")
def card_page(request: Request, session: SessionDep, user: OptionalUser, token: str) -> Response:
    """Scanning a login card shows whose card it is; the login itself is a POST, so a link
    preview or a prefetch can never use up the card."""
    from lms.accounts.models import LoginToken

    record_ = session.get(LoginToken, tokens.digest(token)) if len(token) <= 64 else None
    reason = tokens.problem(record_)
    return render(
        request,
        "cohorts/card_login.html",
        {
            "token": token,
            "person": record_.user if record_ and not reason else None,
            "refused": _(TOKEN_MESSAGES[reason]) if reason else None,
        },
        status_code=400 if reason else 200,
    )


@router.post("/k/{token}")
def card_login(
    request: Request, session: SessionDep, settings: SettingsDep, token: str
) -> Response:
    person, reason = tokens.redeem(session, token)
    if person is None:
        session.rollback()
        return render(
            request,
            "cohorts/card_login.html",
            {"token": token, "person": None, "refused": _(TOKEN_MESSAGES[reason or "unknown"])},
            status_code=400,
        )
    sessions.end(session, request.cookies.get(sessions.SESSION_COOKIE))
    cookie = sessions.create(session, person, client_ip(request), request.headers.get("user-agent"))
    record(
        session,
        actor=person,
        action="login.card",
        entity_type="user",
        entity_id=person.id,
        ip=client_ip(request),
        region_code=person.regency_code or person.province_code,
    )
    session.commit()
    pending = request.cookies.get(checkin.TICKET_COOKIE)
    target = "/hadir/lanjut" if pending else "/beranda?kartu=1"
    response = RedirectResponse(target, status_code=303)
    set_login_cookies(request, response, settings, cookie)
    return response
