"""The participant's classes: catalogue, course page, module reader, progress and glossary."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import Role, User
from lms.deps import CurrentUser, SessionDep, records_on_get
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
        },
    )


@router.post("/kelas/{slug}/ikuti")
def enrol(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    course, _ = _published(session, slug)
    services.enrol(session, user, course)
    session.commit()
    return RedirectResponse(f"/kelas/{slug}", status_code=303)


def _module(
    session: Session, version: CourseVersion, module_slug: str
) -> tuple[CourseModule, CourseModule | None, CourseModule | None]:
    modules = session.execute(
        select(CourseModule.id, CourseModule.slug, CourseModule.title, CourseModule.position)
        .where(CourseModule.version_id == version.id)
        .order_by(CourseModule.position)
    ).all()
    index = next((i for i, m in enumerate(modules) if m.slug == module_slug), None)
    if index is None:
        raise HTTPException(status_code=404)
    module = session.get(CourseModule, modules[index].id)
    assert module is not None
    previous = modules[index - 1] if index > 0 else None
    following = modules[index + 1] if index + 1 < len(modules) else None
    return module, previous, following  # type: ignore[return-value]


@router.get("/kelas/{slug}/{module_slug}")
@records_on_get
def module_page(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, module_slug: str
) -> Response:
    course, version = _published(session, slug)
    module, previous, following = _module(session, version, module_slug)
    state = None
    if _is_learner(user):
        # Opening a module is recorded as the page is served (like a read receipt); it only
        # ever moves progress forward, so repeating the request changes nothing that matters.
        state = services.touch_module(
            session, user, course, version, module.slug, state="opened"
        ).state
        session.commit()
    return render(
        request,
        "learning/module.html",
        {
            "course": course,
            "version": version,
            "module": module,
            "previous": previous,
            "following": following,
            "state": state,
            "learner": _is_learner(user),
        },
    )


@router.post("/kelas/{slug}/{module_slug}/dibaca")
def module_read(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, module_slug: str
) -> Response:
    course, version = _published(session, slug)
    module, _, following = _module(session, version, module_slug)
    row = services.touch_module(session, user, course, version, module.slug, state="read")
    session.commit()
    if not is_htmx(request):
        return RedirectResponse(f"/kelas/{slug}/{module.slug}#akhir", status_code=303)
    return render(
        request,
        "learning/module.html",
        {
            "course": course,
            "module": module,
            "following": following,
            "state": row.state,
            "learner": True,
        },
        block="finish",
    )


@router.post("/kelas/{slug}/{module_slug}/selesai")
def module_done(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, module_slug: str
) -> Response:
    course, version = _published(session, slug)
    module, _, following = _module(session, version, module_slug)
    services.touch_module(session, user, course, version, module.slug, state="done")
    services.enrol(session, user, course)
    session.commit()
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
