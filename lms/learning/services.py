"""Publishing course versions, the library sync, the glossary and progress."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from courses.loader import load_course, read_folder, version_of
from courses.model import Course as LoadedCourse
from courses.model import CourseError, Problem
from courses.render import RENDERER_VERSION, ModuleRenderer, slugify
from lms.accounts.models import User
from lms.assessment.services import sync_quizzes
from lms.audit.services import record
from lms.db import utcnow
from lms.learning.models import (
    Course,
    CourseFile,
    CourseModule,
    CourseVersion,
    Enrolment,
    ModuleProgress,
)
from lms.reports.stale import mark_stale

LIBRARY = Path(__file__).resolve().parent.parent.parent / "courses" / "content"
_renderer: ModuleRenderer | None = None


def renderer() -> ModuleRenderer:
    global _renderer
    if _renderer is None:
        _renderer = ModuleRenderer()
    return _renderer


def term_url(term: str) -> str:
    return f"/istilah#{slugify(term)}"


def media_url(course_slug: str, number: int, name: str) -> str:
    return f"/media/{course_slug}/{number}/{name}"


def current_version(session: Session, course: Course) -> CourseVersion | None:
    if course.current_version_id is None:
        return None
    return session.get(CourseVersion, course.current_version_id)


def library_terms(session: Session, *, except_course: int | None = None) -> set[str]:
    """Glossary terms of every published course (other than `except_course`)."""
    stmt = select(CourseModule.istilah).join(
        Course, Course.current_version_id == CourseModule.version_id
    )
    if except_course is not None:
        stmt = stmt.where(Course.id != except_course)
    terms: set[str] = set()
    for istilah in session.scalars(stmt):
        terms.update(istilah)
    return terms


def check(session: Session, files: Mapping[str, bytes], course: Course | None) -> LoadedCourse:
    """Validate files as a course of this library (raises CourseError)."""
    terms = library_terms(session, except_course=course.id if course else None)
    return load_course(files, known_terms=terms, folder=course.slug if course else None)


@dataclass(frozen=True)
class PublishResult:
    version: CourseVersion
    created: bool


def publish(
    session: Session,
    files: Mapping[str, bytes],
    *,
    actor: User | None,
    note: str | None = None,
    course: Course | None = None,
) -> PublishResult:
    """Turn a course's files into its new current version, all or nothing.

    Raises CourseError with every problem; then nothing is written and the previous version
    stays current. Publishing identical files again creates nothing.
    """
    loaded = check(session, files, course)
    if course is None:
        course = session.scalar(select(Course).where(Course.slug == loaded.slug))
    if course is None:
        course = Course(slug=loaded.slug, created_by_id=actor.id if actor else None)
        session.add(course)
        session.flush()
    elif course.slug != loaded.slug:
        raise CourseError([Problem("course.yaml", 1, f"slug harus tetap {course.slug!r}.")])
    existing = session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.version == loaded.version
        )
    )
    if existing is not None:
        if course.current_version_id != existing.id:
            course.current_version_id = existing.id
            sync_quizzes(session, course, existing, loaded.quizzes)
            forget_published(course.slug)
            mark_stale(session, course_ids=[course.id])
            _audit_publish(session, actor, course, existing, note, restored=True)
            return PublishResult(existing, True)
        return PublishResult(existing, False)
    number = (
        session.scalar(
            select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    ) + 1
    version = CourseVersion(
        course_id=course.id,
        number=number,
        version=loaded.version,
        title=loaded.title,
        summary=loaded.summary,
        audience=list(loaded.audience),
        hours_jp=loaded.hours_jp,
        completion_modules=loaded.completion.modules,
        sources=list(loaded.sources),
        module_count=len(loaded.modules),
        minutes=loaded.minutes,
        renderer=RENDERER_VERSION,
        note=note,
        created_by_id=actor.id if actor else None,
    )
    session.add(version)
    session.flush()
    for position, module in enumerate(loaded.modules, start=1):
        html, toc = _render(loaded.slug, number, module.body)
        session.add(
            CourseModule(
                version_id=version.id,
                position=position,
                slug=module.slug,
                title=module.title,
                summary=module.summary,
                minutes=module.minutes,
                key_terms=list(module.key_terms),
                istilah=module.istilah,
                html=html,
                toc=toc,
            )
        )
    for path, data in sorted(files.items()):
        session.add(CourseFile(version_id=version.id, path=path, data=data))
    course.current_version_id = version.id
    session.flush()
    sync_quizzes(session, course, version, loaded.quizzes)
    forget_published(course.slug)
    mark_stale(session, course_ids=[course.id])
    _audit_publish(session, actor, course, version, note, restored=False)
    return PublishResult(version, True)


def _render(course_slug: str, number: int, body: str) -> tuple[str, list[dict[str, object]]]:
    rendered = renderer().render(
        body, image_url=lambda name: media_url(course_slug, number, name), term_url=term_url
    )
    return rendered.html, [{"level": h.level, "id": h.id, "text": h.text} for h in rendered.toc]


def rerender(session: Session, course: Course, version: CourseVersion) -> None:
    """Render a version's modules again from its stored files (after a renderer upgrade)."""
    files = {
        f.path: f.data
        for f in session.scalars(select(CourseFile).where(CourseFile.version_id == version.id))
    }
    loaded = load_course(files, known_terms=library_terms(session, except_course=course.id))
    by_slug = {m.slug: m for m in loaded.modules}
    for row in session.scalars(select(CourseModule).where(CourseModule.version_id == version.id)):
        row.html, row.toc = _render(course.slug, version.number, by_slug[row.slug].body)
    version.renderer = RENDERER_VERSION
    session.flush()


def _audit_publish(
    session: Session,
    actor: User | None,
    course: Course,
    version: CourseVersion,
    note: str | None,
    *,
    restored: bool,
) -> None:
    record(
        session,
        actor=actor,
        action="course.restore" if restored else "course.publish",
        entity_type="course",
        entity_id=course.slug,
        after={"version": version.version, "number": version.number, "title": version.title},
        reason=note,
    )


@dataclass(frozen=True)
class SyncReport:
    slug: str
    status: str  # "baru", "diperbarui", "tetap"
    number: int


SYNC_NOTE = "lms courses sync"


def sync_library(
    session: Session, root: Path = LIBRARY, actor: User | None = None
) -> tuple[list[SyncReport], list[Problem]]:
    """Load every course folder of the library into the database (new versions where changed).

    A folder counts as changed when it differs from the version the last sync made, so versions
    a narasumber published from the browser since then stay current until the shipped course
    itself changes. All folders are checked first; if any has a problem, nothing is written.
    """
    from courses.loader import load_library

    _, problems = load_library(root)
    if problems:
        return [], problems
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "course.yaml").exists())
    reports: list[SyncReport] = []
    for folder in folders:
        files = read_folder(folder)
        course = session.scalar(select(Course).where(Course.slug == folder.name))
        current = current_version(session, course) if course else None
        if course is None or current is None:
            result = publish(session, files, actor=actor, note=SYNC_NOTE, course=course)
            reports.append(SyncReport(folder.name, "baru", result.version.number))
            continue
        last_synced = session.scalar(
            select(CourseVersion.version)
            .where(CourseVersion.course_id == course.id, CourseVersion.note == SYNC_NOTE)
            .order_by(CourseVersion.number.desc())
            .limit(1)
        )
        if last_synced == version_of(files):
            status = "tetap"
            if current.renderer != RENDERER_VERSION:
                rerender(session, course, current)
                status = "tetap (HTML diperbarui)"
            reports.append(SyncReport(folder.name, status, current.number))
            continue
        result = publish(session, files, actor=actor, note=SYNC_NOTE, course=course)
        reports.append(SyncReport(folder.name, "diperbarui", result.version.number))
    return reports, []


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    anchor: str
    definition: str
    course_slug: str
    course_title: str
    module_slug: str
    module_title: str


def glossary(session: Session) -> list[GlossaryEntry]:
    rows = session.execute(
        select(
            Course.slug,
            CourseVersion.title,
            CourseModule.slug,
            CourseModule.title,
            CourseModule.istilah,
        )
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .join(CourseModule, CourseModule.version_id == CourseVersion.id)
        .order_by(Course.slug, CourseModule.position)
    )
    entries: dict[str, GlossaryEntry] = {}
    for course_slug, course_title, module_slug, module_title, istilah in rows:
        for term, definition in istilah.items():
            key = term.lower()
            if key not in entries:
                entries[key] = GlossaryEntry(
                    term,
                    slugify(term),
                    definition,
                    course_slug,
                    course_title,
                    module_slug,
                    module_title,
                )
    return sorted(entries.values(), key=lambda e: e.term.lower())


# --- progress -----------------------------------------------------------------------------


def progress_for(session: Session, user_id: int, course_id: int) -> dict[str, ModuleProgress]:
    rows = session.scalars(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user_id, ModuleProgress.course_id == course_id
        )
    )
    return {row.module_slug: row for row in rows}


def touch_module(
    session: Session, user_id: int, course_id: int, version_id: int, module_slug: str, *, state: str
) -> ModuleProgress:
    """Record that a module was opened, read to the end, or done (each only moves forward)."""
    row = session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user_id,
            ModuleProgress.course_id == course_id,
            ModuleProgress.module_slug == module_slug,
        )
    )
    now = utcnow()
    if row is None:
        row = ModuleProgress(
            user_id=user_id,
            course_id=course_id,
            module_slug=module_slug,
            version_id=version_id,
            opened_at=now,
            last_opened_at=now,
        )
        session.add(row)
    row.version_id = version_id
    if state == "opened":
        row.last_opened_at = now
    if state in ("read", "done") and row.read_at is None:
        row.read_at = now
    if state == "done" and row.done_at is None:
        row.done_at = now
        mark_stale(session, user_ids=[user_id])
    session.flush()
    return row


@dataclass(frozen=True)
class Published:
    course_id: int
    version_id: int
    version: str
    renderer: int
    title: str


_PUBLISHED: dict[str, tuple[float, Published | None]] = {}
# How long a worker may keep serving the previous version after a publish elsewhere.
PUBLISHED_TTL_SECONDS = 5.0


def published(session: Session, slug: str) -> Published | None:
    """The current version of a course, remembered for a few seconds per process."""
    now = time.monotonic()
    hit = _PUBLISHED.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    row = session.execute(
        select(
            Course.id,
            CourseVersion.id,
            CourseVersion.version,
            CourseVersion.renderer,
            CourseVersion.title,
        )
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Course.slug == slug)
    ).first()
    found = Published(*row) if row is not None else None
    if len(_PUBLISHED) > 1000:
        _PUBLISHED.clear()
    _PUBLISHED[slug] = (now + PUBLISHED_TTL_SECONDS, found)
    return found


def forget_published(slug: str) -> None:
    _PUBLISHED.pop(slug, None)


def clear_caches() -> None:
    _PUBLISHED.clear()
    with _VIEWS_LOCK:
        _VIEWS.clear()


@dataclass(frozen=True)
class ModuleLink:
    slug: str
    title: str


@dataclass(frozen=True)
class ModuleView:
    """What a module page shows of one version. Versions never change, so it can be cached."""

    slug: str
    title: str
    summary: str
    minutes: int
    position: int
    toc: list[dict[str, object]]
    html: str
    previous: ModuleLink | None
    following: ModuleLink | None


_VIEWS: OrderedDict[tuple[int, str, int, str], ModuleView] = OrderedDict()
_VIEWS_LOCK = threading.Lock()
VIEW_CACHE_SIZE = 256


def module_view(session: Session, current: Published, slug: str) -> ModuleView | None:
    """The module of a version, from a small per-process cache (keyed by content and renderer)."""
    version_id = current.version_id
    key = (version_id, current.version, current.renderer, slug)
    with _VIEWS_LOCK:
        view = _VIEWS.get(key)
        if view is not None:
            _VIEWS.move_to_end(key)
            return view
    outline = session.execute(
        select(CourseModule.id, CourseModule.slug, CourseModule.title)
        .where(CourseModule.version_id == version_id)
        .order_by(CourseModule.position)
    ).all()
    index = next((i for i, m in enumerate(outline) if m.slug == slug), None)
    if index is None:
        return None
    module = session.get(CourseModule, outline[index].id)
    assert module is not None
    before = outline[index - 1] if index > 0 else None
    after = outline[index + 1] if index + 1 < len(outline) else None
    view = ModuleView(
        slug=module.slug,
        title=module.title,
        summary=module.summary,
        minutes=module.minutes,
        position=module.position,
        toc=module.toc,
        html=module.html,
        previous=ModuleLink(before.slug, before.title) if before else None,
        following=ModuleLink(after.slug, after.title) if after else None,
    )
    with _VIEWS_LOCK:
        _VIEWS[key] = view
        while len(_VIEWS) > VIEW_CACHE_SIZE:
            _VIEWS.popitem(last=False)
    return view


def enrol(session: Session, user: User, course: Course, source: str = "mandiri") -> Enrolment:
    existing = session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    if existing is not None:
        return existing
    enrolment = Enrolment(user_id=user.id, course_id=course.id, source=source)
    session.add(enrolment)
    session.flush()
    return enrolment
