"""Authoring: the draft a narasumber edits in the browser, its course.yaml, import and export.

A course's draft is its CourseDraft rows. A course that has none yet is edited from its current
version: the first change copies the version's files into the draft, so opening pages never writes.
Publishing goes through lms.learning.services.publish, all or nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import yaml
from sqlalchemy import exists, func, select, union
from sqlalchemy.orm import Session

from courses import bundle
from courses.images import ImageProblem, check_image
from courses.loader import (
    COURSE_FILE,
    IMAGE_RE,
    MAX_FILE_BYTES,
    QUIZ_FOLDER,
    SLUG_RE,
    version_of,
)
from courses.model import IMAGE_SUFFIXES, JABATAN, CourseError, Problem
from courses.render import slugify
from lms.accounts.models import User
from lms.audit.services import record
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseDraft, CourseFile, CourseVersion
from lms.learning.services import check, renderer, term_url

RESERVED_SLUGS = frozenset({"baru", "impor"})
MAX_IMAGE_BYTES = MAX_FILE_BYTES  # 2 MB, like every file of a course
MAX_ZIP_BYTES = bundle.MAX_TOTAL_BYTES
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
KEY_ORDER = ("slug", "title", "summary", "audience", "hours_jp", "modules", "completion", "sources")
FILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


class AuthoringError(ValueError):
    """A refusal with a message for the author (already translated)."""


class DraftWouldBeLost(AuthoringError):
    """An import would replace unpublished changes: the author must confirm it."""


class FormErrors(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- reading ------------------------------------------------------------------------------


def get_course(session: Session, slug: str) -> Course | None:
    return session.scalar(select(Course).where(Course.slug == slug))


def version_files(session: Session, version_id: int) -> dict[str, bytes]:
    rows = session.execute(
        select(CourseFile.path, CourseFile.data)
        .where(CourseFile.version_id == version_id)
        .order_by(CourseFile.path)
    )
    return {path: data for path, data in rows}


def has_draft(session: Session, course: Course) -> bool:
    return (
        session.scalar(select(CourseDraft.path).where(CourseDraft.course_id == course.id).limit(1))
        is not None
    )


def draft_files(session: Session, course: Course) -> dict[str, bytes]:
    """The draft's files; the current version's while the course has no draft rows."""
    rows = session.execute(
        select(CourseDraft.path, CourseDraft.data)
        .where(CourseDraft.course_id == course.id)
        .order_by(CourseDraft.path)
    ).all()
    if rows:
        return {path: data for path, data in rows}
    if course.current_version_id is not None:
        return version_files(session, course.current_version_id)
    return {}


def current_files(session: Session, course: Course) -> dict[str, bytes]:
    if course.current_version_id is None:
        return {}
    return version_files(session, course.current_version_id)


@dataclass
class CourseRow:
    course: Course
    title: str
    version: CourseVersion | None
    changed: bool


def course_rows(session: Session) -> list[CourseRow]:
    """Every course with its current version and whether its draft differs, in four queries."""
    rows = session.execute(
        select(Course, CourseVersion)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .order_by(Course.slug)
    ).all()
    changed = changed_courses(session)
    titles: dict[int, str] = {}
    unpublished = [course.id for course, version in rows if version is None]
    if unpublished:
        for course_id, data in session.execute(
            select(CourseDraft.course_id, CourseDraft.data).where(
                CourseDraft.course_id.in_(unpublished), CourseDraft.path == COURSE_FILE
            )
        ):
            meta, _problem = parse_meta(data)
            title = meta.get("title") if meta else None
            if isinstance(title, str) and title.strip():
                titles[course_id] = title.strip()
    result = [
        CourseRow(
            course,
            version.title if version else titles.get(course.id, course.slug),
            version,
            course.id in changed,
        )
        for course, version in rows
    ]
    return sorted(result, key=lambda r: r.title.lower())


def changed_courses(session: Session) -> set[int]:
    """Ids of the courses whose draft differs from the current version, compared in SQL.

    A draft differs when one of its files is not in the version with the same bytes, or a file of
    the version is missing from it. Courses without draft rows have nothing unpublished.
    """
    draft_side = (
        select(CourseDraft.course_id)
        .join(Course, Course.id == CourseDraft.course_id)
        .where(
            ~exists().where(
                CourseFile.version_id == Course.current_version_id,
                CourseFile.path == CourseDraft.path,
                CourseFile.data == CourseDraft.data,
            )
        )
    )
    version_side = (
        select(Course.id)
        .join(CourseFile, CourseFile.version_id == Course.current_version_id)
        .where(
            exists().where(CourseDraft.course_id == Course.id),
            ~exists().where(
                CourseDraft.course_id == Course.id, CourseDraft.path == CourseFile.path
            ),
        )
    )
    return set(session.scalars(union(draft_side, version_side)))


# --- course.yaml --------------------------------------------------------------------------


def parse_meta(data: bytes | None) -> tuple[dict[str, Any] | None, str | None]:
    """(course.yaml as a dict, None) or (None, what is wrong with it)."""
    if data is None:
        return None, _("Berkas course.yaml tidak ada.")
    try:
        meta = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, _("course.yaml tidak dapat dibaca (baris %(line)s).") % {"line": line}
    if not isinstance(meta, dict):
        return None, _("course.yaml harus berisi pasangan kunci: nilai.")
    return meta, None


def clean_line(value: str) -> str:
    """One line of text: whitespace runs become one space, control characters go."""
    text = " ".join(value.split())
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def _quoted(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if re.fullmatch(r"[a-z0-9][a-z0-9._-]*", text) and yaml.safe_load(text) == text:
        return text
    return _quoted(text)


def _folded(text: str, width: int = 98) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return ["  " + line for line in lines]


def _key_lines(key: str, value: Any) -> list[str]:
    """One top-level key of course.yaml in the layout of the content guide."""
    if key == "summary" and isinstance(value, str) and value and clean_line(value) == value:
        return ["summary: >-", *_folded(value)]
    if key == "audience" and isinstance(value, list):
        return [f"audience: [{', '.join(_scalar(v) for v in value)}]"]
    if key in ("modules", "sources") and isinstance(value, list):
        if not value:
            return [f"{key}: []"]
        render = _scalar if key == "modules" else (lambda v: _quoted(str(v)))
        return [f"{key}:", *(f"  - {render(v)}" for v in value)]
    if key == "completion" and isinstance(value, dict):
        return ["completion:", *(f"  {k}: {_scalar(v)}" for k, v in value.items())]
    if isinstance(value, str):
        return [f"{key}: {_quoted(value) if key == 'title' else _scalar(value)}"]
    if isinstance(value, int | bool) or value is None:
        return [f"{key}: {_scalar(value)}"]
    dumped = str(yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False))
    return dumped.rstrip("\n").split("\n")


def dump_meta(meta: Mapping[str, Any]) -> bytes:
    """course.yaml in the layout of the content guide (quoted titles, folded summary)."""
    out: list[str] = []
    for key in [k for k in KEY_ORDER if k in meta] + [k for k in meta if k not in KEY_ORDER]:
        out.extend(_key_lines(key, meta[key]))
    text = "\n".join(out) + "\n"
    if yaml.safe_load(text) != dict(meta):
        # Something the layout cannot hold exactly: let PyYAML write it.
        text = yaml.safe_dump(dict(meta), allow_unicode=True, sort_keys=False, width=98)
    return text.encode("utf-8")


def _key_span(lines: list[str], key: str) -> tuple[int, int] | None:
    """Lines [start, end) of a top-level key: its line and the indented or list lines after it."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:(\s|$)")
    start = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or lines[end][0] in " \t" or lines[end].startswith("-")
    ):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines before the next key stay where they are
    return start, end


def update_meta(data: bytes, meta: Mapping[str, Any], changes: Mapping[str, Any]) -> bytes:
    """course.yaml with only the changed keys rewritten; comments and layout elsewhere stay.

    Falls back to writing the whole file when the text cannot be edited in place.
    """
    wanted = {**meta, **changes}
    lines = data.decode("utf-8").replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for key, value in changes.items():
        span = _key_span(lines, key)
        if span is None:
            lines.extend(_key_lines(key, value))
        else:
            lines[span[0] : span[1]] = _key_lines(key, value)
    text = "\n".join(lines) + "\n"
    try:
        exact = yaml.safe_load(text) == wanted
    except yaml.YAMLError:
        exact = False
    return text.encode("utf-8") if exact else dump_meta(wanted)


def starter_files(slug: str, title: str) -> dict[str, bytes]:
    """A minimal valid course: course.yaml and one module, ready to be filled in."""
    module = "01-pendahuluan.md"
    meta = {
        "slug": slug,
        "title": title,
        "summary": "Tuliskan dua atau tiga kalimat: apa yang dapat dilakukan peserta setelah "
        "mengikuti kursus ini.",
        "audience": ["ketua", "bendahara"],
        "hours_jp": 1,
        "modules": [module],
        "completion": {"modules": "all"},
        "sources": [],
    }
    return {COURSE_FILE: dump_meta(meta), module: module_template("Pendahuluan")}


def module_template(title: str) -> bytes:
    text = (
        "---\n"
        f"title: {_quoted(title)}\n"
        'summary: "Satu kalimat: apa yang dipelajari di modul ini."\n'
        "minutes: 15\n"
        "key_terms: []\n"
        "istilah: {}\n"
        "---\n\n"
        "## Tujuan belajar\n\n"
        "Setelah mempelajari modul ini, Bapak/Ibu dapat:\n\n"
        "- ...\n\n"
        "## Ringkasan\n\n"
        "- ...\n"
    )
    return text.encode("utf-8")


# --- the parts of a draft -----------------------------------------------------------------


@dataclass
class ModuleEntry:
    file: str
    title: str
    minutes: int | None
    listed: bool  # named in course.yaml's modules
    exists: bool  # the file is in the draft


@dataclass
class ImageEntry:
    name: str
    size: int
    used_in: list[str] = field(default_factory=list)


def front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter or {}, Markdown body, line of the body's first line), read leniently."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, 1
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return {}, "\n".join(lines[1:]), 2
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), "\n".join(lines[end + 1 :]), end + 2


def module_list(files: Mapping[str, bytes], meta: Mapping[str, Any] | None) -> list[ModuleEntry]:
    listed = [m for m in (meta or {}).get("modules") or [] if isinstance(m, str)]
    names = list(dict.fromkeys(listed)) + sorted(
        n for n in files if n.endswith(".md") and n not in listed
    )
    entries = []
    for name in names:
        data = files.get(name)
        front: dict[str, Any] = {}
        if data is not None:
            front, _body, _line = front_matter(data.decode("utf-8", errors="replace"))
        title = front.get("title")
        minutes = front.get("minutes")
        entries.append(
            ModuleEntry(
                file=name,
                title=title.strip() if isinstance(title, str) and title.strip() else name,
                minutes=minutes if isinstance(minutes, int) else None,
                listed=name in listed,
                exists=data is not None,
            )
        )
    return entries


def image_list(files: Mapping[str, bytes]) -> list[ImageEntry]:
    images = {
        name: ImageEntry(name, len(data))
        for name, data in files.items()
        if name.lower().endswith(IMAGE_SUFFIXES)
    }
    for name, data in sorted(files.items()):
        if not name.endswith(".md"):
            continue
        for match in IMAGE_RE.finditer(data.decode("utf-8", errors="replace")):
            image = images.get(match.group(1))
            if image is not None and name not in image.used_in:
                image.used_in.append(name)
    return sorted(images.values(), key=lambda i: i.name)


def draft_image_url(course_slug: str, name: str) -> str:
    if "/" in name or ":" in name or not name.lower().endswith(IMAGE_SUFFIXES):
        return name
    return f"/kelola/kursus/{course_slug}/draf/{quote(name)}"


@dataclass
class Preview:
    title: str
    summary: str
    html: str


def preview(course_slug: str, text: str) -> Preview:
    """The module as participants would see it (sanitised), with the draft's images."""
    meta, body, _line = front_matter(text)
    title, summary = meta.get("title"), meta.get("summary")
    rendered = renderer().render(
        body, image_url=lambda name: draft_image_url(course_slug, name), term_url=term_url
    )
    return Preview(
        title=title if isinstance(title, str) else "",
        summary=summary if isinstance(summary, str) else "",
        html=rendered.html,
    )


def problems_of(session: Session, course: Course, files: Mapping[str, bytes]) -> list[Problem]:
    """Everything that would stop publishing these files (empty when they would publish)."""
    try:
        check(session, files, course)
    except CourseError as exc:
        return list(exc.problems)
    return []


# --- changing the draft -------------------------------------------------------------------


def _audit(
    session: Session,
    actor: User,
    course: Course,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    record(
        session,
        actor=actor,
        action=action,
        entity_type="course",
        entity_id=course.slug,
        before=before,
        after=after,
        ip=ip,
    )


def write_draft(
    session: Session, course: Course, changes: Mapping[str, bytes | None], actor: User
) -> None:
    """Apply changes (None deletes a file), first copying the current version if needed."""
    existing = {
        row.path: row
        for row in session.scalars(select(CourseDraft).where(CourseDraft.course_id == course.id))
    }
    if not existing:
        for path, content in current_files(session, course).items():
            copy = CourseDraft(course_id=course.id, path=path, data=content, updated_by_id=actor.id)
            session.add(copy)
            existing[path] = copy
    for path, data in changes.items():
        row = existing.get(path)
        if data is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                CourseDraft(course_id=course.id, path=path, data=data, updated_by_id=actor.id)
            )
        elif row.data != data:
            row.data = data
            row.updated_by_id = actor.id
    session.flush()


def _meta_or_error(files: Mapping[str, bytes]) -> dict[str, Any]:
    meta, problem = parse_meta(files.get(COURSE_FILE))
    if meta is None:
        raise AuthoringError(
            _("Perbaiki dulu course.yaml: %(problem)s") % {"problem": problem or ""}
        )
    return meta


def create_course(session: Session, slug: str, title: str, actor: User) -> Course:
    slug, title = slug.strip().lower(), clean_line(title)
    errors: dict[str, str] = {}
    if not SLUG_RE.match(slug) or len(slug) > 80:
        errors["slug"] = _("Pakai huruf kecil, angka dan tanda hubung, misalnya koperasi-sehat.")
    elif slug in RESERVED_SLUGS:
        errors["slug"] = _("Nama ini dipakai sistem; pilih yang lain.")
    elif get_course(session, slug) is not None:
        errors["slug"] = _("Sudah ada kursus dengan slug ini.")
    if not title:
        errors["title"] = _("Isi judul kursus.")
    elif len(title) > 200:
        errors["title"] = _("Judul paling panjang 200 huruf.")
    if errors:
        raise FormErrors(errors)
    course = Course(slug=slug, created_by_id=actor.id)
    session.add(course)
    session.flush()
    write_draft(session, course, starter_files(slug, title), actor)
    _audit(session, actor, course, "course.create", after={"slug": slug, "title": title})
    return course


def save_file(session: Session, course: Course, file: str, text: str, actor: User) -> bool:
    """Store one file of the draft as typed (even with problems); False when nothing changed."""
    data = text.replace("\r\n", "\n").encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise AuthoringError(_("Berkas lebih dari 2 MB; bagi menjadi beberapa modul."))
    before = draft_files(session, course).get(file)
    if before == data:
        return False
    write_draft(session, course, {file: data}, actor)
    _audit(
        session,
        actor,
        course,
        "course.draft.save",
        after={"file": file, "bytes": len(data), "version": version_of({file: data})},
    )
    return True


@dataclass
class Settings:
    title: str
    summary: str
    audience: list[str]
    hours_jp: str
    completion: str
    sources: str

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Settings:
        completion = meta.get("completion")
        wanted = completion.get("modules", "all") if isinstance(completion, dict) else "all"
        sources = meta.get("sources") or []
        audience = meta.get("audience") or []
        return cls(
            title=str(meta.get("title") or ""),
            summary=str(meta.get("summary") or "").strip(),
            audience=[str(a) for a in audience] if isinstance(audience, list) else [],
            hours_jp=str(meta.get("hours_jp") or ""),
            completion=str(wanted),
            sources="\n".join(str(s) for s in sources) if isinstance(sources, list) else "",
        )


def save_settings(session: Session, course: Course, form: Settings, actor: User) -> bool:
    files = draft_files(session, course)
    meta = _meta_or_error(files)
    modules = [m for m in meta.get("modules") or [] if isinstance(m, str)]
    errors: dict[str, str] = {}
    title, summary = clean_line(form.title), clean_line(form.summary)
    if not title:
        errors["title"] = _("Isi judul kursus.")
    elif len(title) > 200:
        errors["title"] = _("Judul paling panjang 200 huruf.")
    if not summary:
        errors["summary"] = _("Isi ringkasan: apa yang dapat dilakukan peserta setelahnya.")
    audience = [j for j in JABATAN if j in form.audience]
    if not audience:
        errors["audience"] = _("Pilih sedikitnya satu jabatan.")
    hours = int(form.hours_jp) if form.hours_jp.strip().isdigit() else 0
    if not 1 <= hours <= 200:
        errors["hours_jp"] = _("Isi jumlah JP dengan angka 1 sampai 200.")
    completion: str | int = "all"
    if form.completion != "all":
        count = int(form.completion) if form.completion.isdigit() else 0
        if not 1 <= count <= max(1, len(modules)):
            errors["completion"] = _("Pilih berapa modul yang wajib diselesaikan.")
        completion = count
    sources = [clean_line(s) for s in form.sources.splitlines() if clean_line(s)]
    if errors:
        raise FormErrors(errors)
    new = {
        "title": title,
        "summary": summary,
        "audience": audience,
        "hours_jp": hours,
        "completion": {"modules": completion},
        "sources": sources,
    }
    changed = {k: v for k, v in new.items() if meta.get(k) != v}
    if not changed:
        return False
    data = update_meta(files[COURSE_FILE], meta, changed)
    write_draft(session, course, {COURSE_FILE: data}, actor)
    _audit(
        session,
        actor,
        course,
        "course.draft.settings",
        before={k: meta.get(k) for k in changed},
        after=changed,
    )
    return True


def move_module(session: Session, course: Course, file: str, step: int, actor: User) -> bool:
    files = draft_files(session, course)
    meta = _meta_or_error(files)
    modules = list(meta.get("modules") or [])
    if file not in modules:
        raise AuthoringError(_("Modul ini tidak ada di daftar modul."))
    index = modules.index(file)
    target = index + step
    if not 0 <= target < len(modules):
        return False
    modules[index], modules[target] = modules[target], modules[index]
    data = update_meta(files[COURSE_FILE], meta, {"modules": modules})
    write_draft(session, course, {COURSE_FILE: data}, actor)
    _audit(
        session,
        actor,
        course,
        "course.draft.reorder",
        before={"modules": meta.get("modules")},
        after={"modules": modules},
    )
    return True


def add_module(session: Session, course: Course, title: str, actor: User) -> str:
    title = clean_line(title)
    if not title:
        raise FormErrors({"module_title": _("Isi judul modul baru.")})
    if len(title) > 200:
        raise FormErrors({"module_title": _("Judul paling panjang 200 huruf.")})
    files = draft_files(session, course)
    meta = _meta_or_error(files)
    modules = [m for m in meta.get("modules") or [] if isinstance(m, str)]
    numbers = [int(m.split("-", 1)[0]) for m in modules if re.match(r"^\d+-", m)]
    number = max([*numbers, len(modules)]) + 1
    base = slugify(title)[:60].strip("-") or "modul"
    slugs = {re.sub(r"^\d+-", "", m).removesuffix(".md") for m in files if m.endswith(".md")}
    slugs |= {re.sub(r"^\d+-", "", m).removesuffix(".md") for m in modules}
    slug, n = base, 2
    while slug in slugs:
        slug, n = f"{base}-{n}", n + 1
    file = f"{number:02d}-{slug}.md"
    data = update_meta(files[COURSE_FILE], meta, {"modules": [*modules, file]})
    write_draft(session, course, {COURSE_FILE: data, file: module_template(title)}, actor)
    _audit(session, actor, course, "course.draft.add_module", after={"file": file, "title": title})
    return file


def delete_module(session: Session, course: Course, file: str, actor: User) -> None:
    files = draft_files(session, course)
    meta = _meta_or_error(files)
    modules = list(meta.get("modules") or [])
    if not file.endswith(".md") or (file not in modules and file not in files):
        raise AuthoringError(_("Modul ini tidak ada di draf."))
    changes: dict[str, bytes | None] = {file: None}
    if file in modules:
        remaining = [m for m in modules if m != file]
        changes[COURSE_FILE] = update_meta(files[COURSE_FILE], meta, {"modules": remaining})
    write_draft(session, course, changes, actor)
    _audit(session, actor, course, "course.draft.delete_module", before={"file": file})


def image_name(filename: str) -> str | None:
    """A safe file name for an upload (lower case, no folders), or None if not an image name."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, suffix = name.rpartition(".")
    suffix = "." + suffix.lower()
    if not dot or not stem or suffix not in IMAGE_SUFFIXES:
        return None
    return f"{slugify(stem)[:80]}{suffix}"


def add_image(
    session: Session, course: Course, filename: str, data: bytes, actor: User
) -> tuple[str, bool]:
    """Store an uploaded image in the draft: (its name, whether it replaced one)."""
    name = image_name(filename)
    if name is None:
        raise AuthoringError(_("Pilih gambar PNG, JPEG atau WebP (.png, .jpg, .jpeg, .webp)."))
    if len(data) > MAX_IMAGE_BYTES:
        raise AuthoringError(_("Gambar lebih dari 2 MB; perkecil dulu ukurannya."))
    try:
        kind, width, height = check_image(name, data)
    except ImageProblem as exc:
        raise AuthoringError(str(exc)) from exc
    files = draft_files(session, course)
    replaced = name in files
    write_draft(session, course, {name: data}, actor)
    _audit(
        session,
        actor,
        course,
        "course.draft.image",
        after={"file": name, "format": kind, "size": f"{width}x{height}", "bytes": len(data)},
    )
    return name, replaced


def delete_image(session: Session, course: Course, name: str, actor: User) -> None:
    files = draft_files(session, course)
    if name not in files or not name.lower().endswith(IMAGE_SUFFIXES):
        raise AuthoringError(_("Gambar ini tidak ada di draf."))
    write_draft(session, course, {name: None}, actor)
    _audit(session, actor, course, "course.draft.delete_image", before={"file": name})


def discard_draft(session: Session, course: Course, actor: User) -> None:
    """Drop every unpublished change: the draft is the current version again."""
    if course.current_version_id is None:
        raise AuthoringError(
            _("Kursus ini belum pernah diterbitkan; tidak ada versi untuk kembali.")
        )
    before = draft_files(session, course)
    for row in session.scalars(select(CourseDraft).where(CourseDraft.course_id == course.id)):
        session.delete(row)
    session.flush()
    _audit(session, actor, course, "course.draft.discard", before={"version": version_of(before)})


# --- import and export --------------------------------------------------------------------


def _importable(name: str) -> bool:
    if name.startswith(QUIZ_FOLDER):
        rest = name.removeprefix(QUIZ_FOLDER)
        return rest.endswith(".yaml") and bool(FILE_NAME_RE.match(rest))
    return (
        "/" not in name
        and (name == COURSE_FILE or name.endswith(".md") or name.lower().endswith(IMAGE_SUFFIXES))
        and bool(FILE_NAME_RE.match(name))
    )


def import_zip(
    session: Session, data: bytes, actor: User, *, replace: bool = False, ip: str | None = None
) -> tuple[Course, bool]:
    """A course zip becomes the draft of its course (made if new): (course, created).

    Raises CourseError for an unsafe or malformed zip, AuthoringError for a refusal.
    """
    top, files = bundle.from_zip(data)
    problems = [
        Problem(
            name,
            0,
            "Berkas harus langsung di folder kursus (atau berkas kuis .yaml di folder kuis/), "
            "bukan di subfolder lain."
            if "/" in name
            else "Hanya course.yaml, modul .md, gambar PNG, JPEG atau WebP, dan kuis/*.yaml "
            "yang diterima.",
        )
        for name in files
        if not _importable(name)
    ]
    if COURSE_FILE not in files:
        where = f"{top}/" if top else ""
        problems.append(
            Problem(
                f"{where}{COURSE_FILE}",
                0,
                "Berkas course.yaml tidak ada (di akar zip atau di satu folder teratas).",
            )
        )
    if problems:
        raise CourseError(problems)
    meta, _problem = parse_meta(files[COURSE_FILE])
    slug = meta.get("slug") if meta else None
    if not (isinstance(slug, str) and SLUG_RE.match(slug)):
        slug = top
    if not (isinstance(slug, str) and SLUG_RE.match(slug) and len(slug) <= 80):
        raise AuthoringError(
            _("course.yaml tidak menyebut slug yang sah, dan nama folder di zip juga tidak sah.")
        )
    if slug in RESERVED_SLUGS:
        raise AuthoringError(
            _("Slug %(slug)s dipakai sistem; ganti slug di course.yaml.") % {"slug": slug}
        )
    course = get_course(session, slug)
    created = course is None
    if course is None:
        course = Course(slug=slug, created_by_id=actor.id)
        session.add(course)
        session.flush()
    else:
        previous = draft_files(session, course)
        if (
            not replace
            and has_draft(session, course)
            and previous != current_files(session, course)
        ):
            raise DraftWouldBeLost(
                _(
                    "Kursus %(slug)s punya perubahan draf yang belum diterbitkan. Centang "
                    "“Ganti draf” untuk menggantinya dengan isi zip."
                )
                % {"slug": slug}
            )
    for row in session.scalars(select(CourseDraft).where(CourseDraft.course_id == course.id)):
        session.delete(row)
    session.flush()
    for path, content in files.items():
        session.add(
            CourseDraft(course_id=course.id, path=path, data=content, updated_by_id=actor.id)
        )
    session.flush()
    _audit(
        session,
        actor,
        course,
        "course.import",
        after={"files": len(files), "version": version_of(files), "created": created},
        ip=ip,
    )
    return course, created


def export_zip(session: Session, course: Course, number: int) -> bytes | None:
    version_id = session.scalar(
        select(CourseVersion.id).where(
            CourseVersion.course_id == course.id, CourseVersion.number == number
        )
    )
    if version_id is None:
        return None
    return bundle.to_zip(version_files(session, version_id), course.slug)


def version_pair(
    session: Session, course: Course, a: int, b: int
) -> tuple[dict[str, bytes], dict[str, bytes]] | None:
    """The files of versions number a and b of the course, or None if one does not exist."""
    rows = session.execute(
        select(CourseVersion.number, CourseFile.path, CourseFile.data)
        .join(CourseFile, CourseFile.version_id == CourseVersion.id)
        .where(CourseVersion.course_id == course.id, CourseVersion.number.in_([a, b]))
    )
    found: dict[int, dict[str, bytes]] = {}
    for number, path, data in rows:
        found.setdefault(number, {})[path] = data
    if a not in found or b not in found:
        return None
    return found[a], found[b]


def versions(session: Session, course: Course) -> list[tuple[CourseVersion, str | None]]:
    return [
        (version, name)
        for version, name in session.execute(
            select(CourseVersion, User.name)
            .outerjoin(User, User.id == CourseVersion.created_by_id)
            .where(CourseVersion.course_id == course.id)
            .order_by(CourseVersion.number.desc())
        )
    ]


def version_count(session: Session, course: Course) -> int:
    return (
        session.scalar(
            select(func.count(CourseVersion.id)).where(CourseVersion.course_id == course.id)
        )
        or 0
    )
