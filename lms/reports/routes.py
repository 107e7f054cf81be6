"""The dinas dashboard: a region with its children, one koperasi, one person."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Role, User
from lms.cohorts.models import Attendance, Cohort, CohortSession
from lms.credentials.models import Certificate
from lms.deps import Regional, ScopeDep, SessionDep
from lms.i18n import N_, format_date, format_number
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseVersion
from lms.regions.models import LEVEL_DISTRICT, LEVEL_PROVINCE, LEVEL_REGENCY, Koperasi
from lms.regions.scope import Scope, ensure_in_scope
from lms.reports import charts, services
from lms.reports.services import Filters
from lms.templating import render

router = APIRouter()

LEVEL_NAMES = {
    0: N_("Indonesia"),
    LEVEL_PROVINCE: N_("Provinsi"),
    LEVEL_REGENCY: N_("Kabupaten/Kota"),
    LEVEL_DISTRICT: N_("Kecamatan"),
}
CHILD_NAMES = {
    0: N_("Provinsi"),
    LEVEL_PROVINCE: N_("Kabupaten/Kota"),
    LEVEL_REGENCY: N_("Kecamatan"),
    LEVEL_DISTRICT: N_("Desa/Kelurahan"),
}


def _filters(request: Request) -> tuple[Filters, str | None]:
    """The filters asked for; a value that cannot be read is dropped, with a message."""
    try:
        return services.parse_filters(request.query_params), None
    except services.FilterError as exc:
        return Filters(), str(exc)


def _courses(session: Session) -> list[tuple[int, str]]:
    return [
        (i, t)
        for i, t in session.execute(
            select(Course.id, CourseVersion.title)
            .join(CourseVersion, CourseVersion.id == Course.current_version_id)
            .order_by(CourseVersion.title)
        )
    ]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{format_number(round(value, 1))}%"


def _root(scope: Scope) -> str | None:
    return None if scope.is_national else scope.code


@router.get("/laporan")
def home(request: Request, session: SessionDep, user: Regional, scope: ScopeDep) -> Response:
    """The dashboard of the user's own region: the country for the national admin."""
    if not scope.is_national:
        if scope.code is None:
            raise HTTPException(status_code=404)
        target = f"/laporan/wilayah/{scope.code}"
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(target, status_code=303)
    return _region_page(request, session, user, scope, None)


@router.get("/laporan/wilayah/{region_code}")
def region(
    request: Request, session: SessionDep, user: Regional, scope: ScopeDep, region_code: str
) -> Response:
    return _region_page(request, session, user, scope, region_code)


def _region_page(
    request: Request, session: Session, user: User, scope: Scope, code: str | None
) -> Response:
    services.refresh_pending(session)
    filters, filter_error = _filters(request)
    report = services.region_report(session, scope, code, filters)
    if report is None:
        raise HTTPException(status_code=404)
    cohort = services.cohort_in_scope(session, scope, filters.cohort_id)
    sessions = services.session_attendance(session, scope, cohort, code) if cohort else []
    child = _(CHILD_NAMES[report.level])
    name = report.place.name if report.place else _("Seluruh Indonesia")
    completion = charts.bars(
        "lulus",
        _("Kelulusan per %(child)s") % {"child": child.lower()},
        _("Persentase peserta yang lulus di tiap %(child)s di %(name)s.")
        % {"child": child.lower(), "name": name},
        [(r.name, r.metrics.completion) for r in report.rows if r.metrics.participants],
    )
    scores = charts.histogram(
        "nilai",
        _("Sebaran nilai kuis"),
        _("Jumlah peserta per rentang nilai kuis di %(name)s.") % {"name": name},
        report.totals.buckets,
    )
    attendance = (
        charts.columns(
            "hadir",
            _("Kehadiran per sesi"),
            _("Peserta hadir di tiap sesi %(cohort)s.") % {"cohort": cohort.name},
            [(_("Sesi %(n)s") % {"n": i}, s.present, s.members) for i, s in enumerate(sessions, 1)],
        )
        if cohort and sessions
        else None
    )
    context: dict[str, Any] = {
        "report": report,
        "name": name,
        "level_name": _(LEVEL_NAMES[report.level]),
        "child_name": child,
        "filters": filters,
        "filter_error": filter_error,
        "query": filters.query(),
        "cohort": cohort,
        "sessions": sessions,
        "cohorts": services.cohort_choices(session, scope, code),
        "courses": _courses(session),
        "years": services.year_choices(session, scope, code),
        "jabatan_filters": services.JABATAN_FILTERS,
        "charts": {"completion": completion, "scores": scores, "attendance": attendance},
        "tables": {
            "completion": [
                [
                    r.name,
                    format_number(m.participants),
                    format_number(m.completed),
                    _pct(m.completion),
                ]
                for r in report.rows
                if (m := r.metrics).participants
            ],
            "scores": [
                [services.bucket_label(i), format_number(n)]
                for i, n in enumerate(report.totals.buckets)
            ],
            "sessions": [
                [
                    f"{_('Sesi %(n)s') % {'n': i}} · {format_date(s.starts_at, cohort.timezone)}",
                    s.topic,
                    f"{format_number(s.present)}/{format_number(s.members)}",
                ]
                for i, s in enumerate(sessions, 1)
            ]
            if cohort
            else [],
        },
        "can_see_nik": user.role in (Role.ADMIN, Role.DINAS),
        "home_code": _root(scope),
        "is_root": code == _root(scope),
    }
    return render(request, "reports/region.html", context)


@router.get("/laporan/koperasi/{koperasi_id}")
def koperasi(
    request: Request, session: SessionDep, user: Regional, scope: ScopeDep, koperasi_id: int
) -> Response:
    services.refresh_pending(session)
    found = session.get(Koperasi, koperasi_id)
    ensure_in_scope(scope, found)
    assert found is not None
    filters, filter_error = _filters(request)
    trail = services.trail_of(session, found.village_code)
    people = list(services.people(session, scope, filters, koperasi_id=found.id))
    ready = services.region_readiness(session, scope, found.village_code, filters)
    context = {
        "koperasi": found,
        "trail": trail,
        "people": people,
        "ready": ready,
        "filters": filters,
        "filter_error": filter_error,
        "query": filters.query(),
        "home_code": _root(scope),
    }
    return render(request, "reports/koperasi.html", context)


@router.get("/laporan/peserta/{user_id}")
def person(
    request: Request, session: SessionDep, user: Regional, scope: ScopeDep, user_id: int
) -> Response:
    """One participant: each angkatan with attendance per sesi, score and certificate."""
    services.refresh_pending(session)
    rows = list(services.people(session, scope, Filters(), user_id=user_id))
    if not rows:
        raise HTTPException(status_code=404)
    who = session.get(User, user_id)
    assert who is not None
    cohort_ids = [r.cohort_id for r in rows]
    cohorts = {c.id: c for c in session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids)))}
    marks = {
        a.session_id: a.status
        for a in session.scalars(
            select(Attendance)
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(Attendance.user_id == user_id, CohortSession.cohort_id.in_(cohort_ids))
        )
    }
    sesi: dict[int, list[tuple[CohortSession, str | None]]] = {}
    for s in session.scalars(
        select(CohortSession)
        .where(CohortSession.cohort_id.in_(cohort_ids))
        .order_by(CohortSession.starts_at, CohortSession.id)
    ):
        sesi.setdefault(s.cohort_id, []).append((s, marks.get(s.id)))
    certificates = {
        c.cohort_id: c
        for c in session.scalars(
            select(Certificate).where(
                Certificate.user_id == user_id, Certificate.cohort_id.in_(cohort_ids)
            )
        )
    }
    koperasi = session.get(Koperasi, rows[0].koperasi_id) if rows[0].koperasi_id else None
    context = {
        "who": who,
        "rows": rows,
        "cohorts": cohorts,
        "sesi": sesi,
        "certificates": certificates,
        "koperasi": koperasi,
        "trail": services.trail_of(session, koperasi.village_code) if koperasi else [],
        "home_code": _root(scope),
    }
    return render(request, "reports/person.html", context)
