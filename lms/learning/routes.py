"""The participant's classes: catalogue, course page, module reader, progress and glossary."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import Role, User
from lms.assessment.services import course_quizzes
from lms.db import begin_write, utcnow
from lms.deps import CurrentUser, SessionDep
from lms.i18n import get_locale
from lms.i18n import gettext as _
from lms.learning import services
from lms.learning.models import (
    Course,
    CourseFile,
    CourseModule,
    CourseVersion,
    Enrolment,
    ModuleProgress,
)
from lms.templating import environment, is_htmx, render, static_url

router = APIRouter()
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


@dataclass
class CourseCard:
    course: Course
    version: CourseVersion
    enrolled: bool
    done: int
    opened: int

    @property
    def percent(self) -> int:
        required = self.version.modules_required
        return min(100, round(100 * self.done / required)) if required else 0

    @property
    def complete(self) -> bool:
        return self.done >= self.version.modules_required


def _cards(session: Session, user: User) -> list[CourseCard]:
    """Every published course with this person's progress, in three queries."""
    rows = session.execute(
        select(Course, CourseVersion)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .order_by(CourseVersion.title)
    ).all()
    enrolled = set(session.scalars(select(Enrolment.course_id).where(Enrolment.user_id == user.id)))
    counts = {
        course_id: (done or 0, opened or 0)
        for course_id, done, opened in session.execute(
            select(
                ModuleProgress.course_id,
                func.count(ModuleProgress.done_at),
                func.count(ModuleProgress.id),
            )
            .where(ModuleProgress.user_id == user.id)
            .group_by(ModuleProgress.course_id)
        )
    }
    return [
        CourseCard(course, version, course.id in enrolled, *counts.get(course.id, (0, 0)))
        for course, version in rows
    ]


@router.get("/kelas")
def my_classes(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    cards = _cards(session, user)
    mine = [c for c in cards if c.enrolled]
    others = [c for c in cards if not c.enrolled]
    suggested = [c for c in others if user.jabatan and user.jabatan in c.version.audience]
    rest = [c for c in others if c not in suggested]
    return render(
        request, "learning/classes.html", {"mine": mine, "suggested": suggested, "rest": rest}
    )


def _published(session: Session, slug: str) -> tuple[Course, CourseVersion]:
    course = session.scalar(select(Course).where(Course.slug == slug))
    version = services.current_version(session, course) if course else None
    if course is None or version is None:
        raise HTTPException(status_code=404)
    return course, version


def _is_learner(user: User) -> bool:
    return user.role in (Role.PESERTA, Role.PENDAMPING)


@router.get("/kelas/{slug}")
def course_page(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    course, version = _published(session, slug)
    modules = session.scalars(
        select(CourseModule)
        .where(CourseModule.version_id == version.id)
        .order_by(CourseModule.position)
    ).all()
    progress = services.progress_for(session, user.id, course.id)
    enrolled = (
        session.scalar(
            select(Enrolment.id).where(
                Enrolment.user_id == user.id, Enrolment.course_id == course.id
            )
        )
        is not None
    )
    next_module = next(
        (m for m in modules if not (progress.get(m.slug) and progress[m.slug].done_at)), None
    )
    done = sum(1 for m in modules if progress.get(m.slug) and progress[m.slug].done_at)
    return render(
        request,
        "learning/course.html",
        {
            "course": course,
            "version": version,
            "modules": modules,
            "progress": progress,
            "enrolled": enrolled,
            "next_module": next_module,
            "done": done,
            "learner": _is_learner(user),
            "quizzes": course_quizzes(session, course.id),
        },
    )


@router.post("/kelas/{slug}/ikuti")
def enrol(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    course, _ = _published(session, slug)
    services.enrol(session, user, course)
    session.commit()
    return RedirectResponse(f"/kelas/{slug}", status_code=303)


@dataclass(frozen=True)
class _Place:
    """Where a request is: the course, its current version, and the person's progress there."""

    course_id: int
    version_id: int
    version_title: str
    progress_version: int | None
    last_opened_at: datetime | None
    read_at: datetime | None
    done_at: datetime | None

    @property
    def state(self) -> str | None:
        if self.progress_version is None:
            return None
        return "done" if self.done_at else "read" if self.read_at else "opened"


REOPEN_INTERVAL = timedelta(minutes=10)


def _place(
    session: Session, user: User, slug: str, module_slug: str
) -> tuple[_Place, services.ModuleView]:
    """The current version (remembered briefly), the module (cached per version) and, for a
    learner, their progress in it: at most one query on a warm worker."""
    current = services.published(session, slug)
    if current is None:
        raise HTTPException(status_code=404)
    view = services.module_view(session, current, module_slug)
    if view is None:
        raise HTTPException(status_code=404)
    progress = None
    if _is_learner(user):
        progress = session.execute(
            select(
                ModuleProgress.version_id,
                ModuleProgress.last_opened_at,
                ModuleProgress.read_at,
                ModuleProgress.done_at,
            ).where(
                ModuleProgress.user_id == user.id,
                ModuleProgress.course_id == current.course_id,
                ModuleProgress.module_slug == view.slug,
            )
        ).first()
    seen, last_opened, read_at, done_at = progress if progress else (None, None, None, None)
    place = _Place(
        current.course_id, current.version_id, current.title, seen, last_opened, read_at, done_at
    )
    return place, view


def _context(
    slug: str, place: _Place, view: services.ModuleView, state: str | None, learner: bool
) -> dict[str, object]:
    return {
        "course": {"slug": slug},
        "version": {"title": place.version_title},
        "module": view,
        "previous": view.previous,
        "following": view.following,
        "state": state,
        "learner": learner,
    }


@router.get("/kelas/{slug}/{module_slug}")
def module_page(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, module_slug: str
) -> Response:
    place, view = _place(session, user, slug, module_slug)
    learner = _is_learner(user)
    state = place.state if learner else None
    if learner and (
        place.progress_version != place.version_id
        or place.last_opened_at is None
        or utcnow() - place.last_opened_at > REOPEN_INTERVAL
    ):
        # Opening a module is recorded as the page is served (a read receipt that only moves
        # progress forward), in a short write of its own, and only when it adds something.
        begin_write(session)
        state = services.touch_module(
            session, user.id, place.course_id, place.version_id, view.slug, state="opened"
        ).state
        session.commit()
    return render(request, "learning/module.html", _context(slug, place, view, state, learner))


@router.post("/kelas/{slug}/{module_slug}/dibaca")
def module_read(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, module_slug: str
) -> Response:
    place, view = _place(session, user, slug, module_slug)
    row = services.touch_module(
        session, user.id, place.course_id, place.version_id, view.slug, state="read"
    )
    session.commit()
    if not is_htmx(request):
        return RedirectResponse(f"/kelas/{slug}/{view.slug}#akhir", status_code=303)
    return render(
        request,
        "learning/module.html",
        _context(slug, place, view, row.state, True),
        block="finish",
    )


@router.post("/kelas/{slug}/{module_slug}/selesai")
def module_done(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, module_slug: str
) -> Response:
    place, view = _place(session, user, slug, module_slug)
    services.touch_module(
        session, user.id, place.course_id, place.version_id, view.slug, state="done"
    )
    course = session.get(Course, place.course_id)
    assert course is not None
    services.enrol(session, user, course)
    session.commit()
    following = view.following
    target = f"/kelas/{slug}/{following.slug}" if following else f"/kelas/{slug}?selesai=1"
    return RedirectResponse(target, status_code=303)


@router.get("/istilah")
def glossary_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(request, "learning/glossary.html", {"entries": services.glossary(session)})


@router.get("/media/{slug}/{number}/{name}")
def media(session: SessionDep, user: CurrentUser, slug: str, number: int, name: str) -> Response:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in MEDIA_TYPES:
        raise HTTPException(status_code=404)
    data = session.scalar(
        select(CourseFile.data)
        .join(CourseVersion, CourseVersion.id == CourseFile.version_id)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(Course.slug == slug, CourseVersion.number == number, CourseFile.path == name)
    )
    if data is None:
        raise HTTPException(status_code=404)
    # A version's files never change: cache for a year.
    return Response(
        data,
        media_type=MEDIA_TYPES[suffix],
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )


OFFLINE_ASSETS = ("app.css", "app.js", "vendor/htmx-2.0.11.min.js", "icons/icon-192.png")


@router.get("/sw.js")
def service_worker(request: Request) -> Response:
    """The service worker, at the root so it may keep the pages of /kelas for offline reading."""
    urls = [static_url(path) for path in OFFLINE_ASSETS]
    offline_html = (
        environment()
        .get_template("learning/offline.html")
        .render(css=static_url("app.css"), lang=get_locale())
    )
    version = hashlib.sha256("|".join([*urls, offline_html]).encode()).hexdigest()[:12]
    body = (
        environment()
        .get_template("learning/sw.js")
        .render(version=version, static_urls=urls, offline_html=offline_html)
    )
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@router.get("/manifest.webmanifest")
def manifest() -> Response:
    data = {
        "name": _("LMS Koperasi Merah Putih"),
        "short_name": _("Kopdes Belajar"),
        "start_url": "/kelas",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f5f3",
        "theme_color": "#b3141c",
        "lang": get_locale(),
        "icons": [
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return Response(
        json.dumps(data, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )
