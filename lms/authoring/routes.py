"""Narasumber authoring: courses and modules in Markdown, images, publishing, versions, zip."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from courses.diff import diff_files
from courses.loader import COURSE_FILE, MAX_FILE_BYTES, version_of
from courses.model import JABATAN, CourseError, Problem
from lms.accounts.models import Role, User
from lms.accounts.services import jabatan_label, role_label
from lms.authoring import services
from lms.authoring.services import AuthoringError, FormErrors, Settings
from lms.deps import SessionDep, client_ip, require_roles
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseDraft, CourseFile
from lms.learning.services import current_version, publish
from lms.templating import is_htmx, render

router = APIRouter()
Author = Annotated[User, Depends(require_roles(Role.NARASUMBER, Role.ADMIN))]
BASE = "/kelola/kursus"


def _course(session: Session, slug: str) -> Course:
    course = services.get_course(session, slug)
    if course is None:
        raise HTTPException(status_code=404)
    return course


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _audience_options() -> list[tuple[str, str]]:
    return [(j, jabatan_label(j) or role_label(j)) for j in JABATAN]


# --- the course list, new courses and imports -----------------------------------------------


def _list_page(request: Request, session: Session, status: int = 200, **extra: Any) -> Response:
    context: dict[str, Any] = {
        "rows": services.course_rows(session),
        "values": {"slug": "", "title": ""},
        "errors": {},
        "import_problems": [],
        "import_error": None,
        **extra,
    }
    return render(request, "authoring/list.html", context, status_code=status)


@router.get(BASE)
def course_list(request: Request, session: SessionDep, user: Author) -> Response:
    return _list_page(request, session)


@router.post(f"{BASE}/baru")
def course_create(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
) -> Response:
    try:
        course = services.create_course(session, slug, title, user)
    except FormErrors as exc:
        return _list_page(
            request, session, 400, values={"slug": slug, "title": title}, errors=exc.errors
        )
    session.commit()
    return _go(f"{BASE}/{course.slug}?pesan=baru")


@router.post(f"{BASE}/impor")
def course_import(
    request: Request,
    session: SessionDep,
    user: Author,
    berkas: Annotated[UploadFile | None, File()] = None,
    ganti: Annotated[str, Form()] = "",
) -> Response:
    if berkas is None or not berkas.filename:
        return _list_page(request, session, 400, import_error=_("Pilih berkas zip kursus."))
    data = berkas.file.read(services.MAX_ZIP_BYTES + 1)
    try:
        course, created = services.import_zip(
            session, data, user, replace=bool(ganti), ip=client_ip(request)
        )
    except CourseError as exc:
        session.rollback()
        return _list_page(
            request,
            session,
            400,
            import_error=_("Zip tidak dapat diimpor:"),
            import_problems=exc.problems,
        )
    except AuthoringError as exc:
        session.rollback()
        ask = isinstance(exc, services.DraftWouldBeLost)
        return _list_page(request, session, 400, import_error=str(exc), ask_replace=ask)
    session.commit()
    return _go(f"{BASE}/{course.slug}?pesan={'impor-baru' if created else 'impor'}")


# --- one course: status, modules, images, settings ------------------------------------------


def _course_page(
    request: Request,
    session: Session,
    course: Course,
    *,
    status: int = 200,
    block: str | None = None,
    **extra: Any,
) -> Response:
    files = services.draft_files(session, course)
    current = services.current_files(session, course)
    version = current_version(session, course)
    meta, meta_problem = services.parse_meta(files.get(COURSE_FILE))
    changed = files != current
    problems: list[Problem] = []
    if changed or version is None:
        problems = services.problems_of(session, course, files)
    settings = extra.pop("settings", None) or (Settings.from_meta(meta) if meta else None)
    context: dict[str, Any] = {
        "course": course,
        "version": version,
        "title": (meta or {}).get("title") or (version.title if version else course.slug),
        "meta_problem": meta_problem,
        "modules": services.module_list(files, meta),
        "images": services.image_list(files),
        "changed": changed,
        "diffs": diff_files(current, files) if changed else [],
        "problems": problems,
        "settings": settings,
        "settings_errors": {},
        "audience_options": _audience_options(),
        "module_count": len([m for m in (meta or {}).get("modules") or [] if isinstance(m, str)]),
        "pesan": request.query_params.get("pesan", ""),
        "nomor": request.query_params.get("n", ""),
        "nama": request.query_params.get("nama", ""),
        "publish_problems": None,
        "module_error": None,
        "image_error": None,
        "action_error": None,
        "oob": False,
        **extra,
    }
    return render(request, "authoring/course.html", context, block=block, status_code=status)


@router.get(BASE + "/{slug}")
def course_page(request: Request, session: SessionDep, user: Author, slug: str) -> Response:
    return _course_page(request, session, _course(session, slug))


@router.post(BASE + "/{slug}")
def course_settings(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: str,
    title: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
    audience: Annotated[list[str] | None, Form()] = None,
    hours_jp: Annotated[str, Form()] = "",
    completion: Annotated[str, Form()] = "all",
    sources: Annotated[str, Form()] = "",
) -> Response:
    course = _course(session, slug)
    form = Settings(title, summary, audience or [], hours_jp, completion, sources)
    try:
        changed = services.save_settings(session, course, form, user)
    except FormErrors as exc:
        return _course_page(
            request, session, course, status=400, settings=form, settings_errors=exc.errors
        )
    except AuthoringError as exc:
        return _course_page(request, session, course, status=400, action_error=str(exc))
    session.commit()
    return _go(f"{BASE}/{slug}?pesan={'pengaturan' if changed else 'sama'}#pengaturan")


@router.post(BASE + "/{slug}/urutan")
def module_move(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: str,
    file: Annotated[str, Form()] = "",
    arah: Annotated[str, Form()] = "",
) -> Response:
    course = _course(session, slug)
    try:
        services.move_module(session, course, file, -1 if arah == "naik" else 1, user)
    except AuthoringError as exc:
        return _course_page(request, session, course, status=400, action_error=str(exc))
    session.commit()
    if is_htmx(request):
        # The module list, and the publish status out of band (the draft has changed).
        return _course_page(request, session, course, block="modules", oob=True, moved=file)
    return _go(f"{BASE}/{slug}#modul")


@router.post(BASE + "/{slug}/modul")
def module_add(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: str,
    module_title: Annotated[str, Form()] = "",
) -> Response:
    course = _course(session, slug)
    try:
        file = services.add_module(session, course, module_title, user)
    except FormErrors as exc:
        return _course_page(
            request,
            session,
            course,
            status=400,
            module_error=exc.errors["module_title"],
            module_title=module_title,
        )
    except AuthoringError as exc:
        return _course_page(request, session, course, status=400, action_error=str(exc))
    session.commit()
    return _go(f"{BASE}/{slug}/modul/{file}?pesan=modul-baru")


# --- the Markdown editor ------------------------------------------------------------------


def _editable(files: dict[str, bytes], meta: dict[str, Any] | None, file: str) -> bool:
    if file == COURSE_FILE:
        return True
    listed = [m for m in (meta or {}).get("modules") or [] if isinstance(m, str)]
    return (
        file.endswith(".md")
        and bool(services.FILE_NAME_RE.match(file))
        and (file in files or file in listed)
    )


def _editor_page(
    request: Request,
    session: Session,
    course: Course,
    file: str,
    *,
    text: str | None = None,
    status: int = 200,
    block: str | None = None,
    **extra: Any,
) -> Response:
    files = services.draft_files(session, course)
    meta, _problem = services.parse_meta(files.get(COURSE_FILE))
    if not _editable(files, meta, file):
        raise HTTPException(status_code=404)
    missing = file not in files
    if text is None and not missing:
        text = files[file].decode("utf-8", errors="replace")
    elif text is None and file == COURSE_FILE:
        text = services.starter_files(course.slug, course.slug)[COURSE_FILE].decode()
    elif text is None:
        text = services.module_template(file.removesuffix(".md")).decode()
    unsaved = text.replace("\r\n", "\n").encode("utf-8")
    problems = services.problems_of(session, course, {**files, file: unsaved})
    mine = [p for p in problems if p.file == file]
    modules = services.module_list(files, meta)
    index = next((i for i, m in enumerate(modules) if m.file == file), None)
    context: dict[str, Any] = {
        "course": course,
        "course_title": (meta or {}).get("title") or course.slug,
        "file": file,
        "text": text,
        "missing": missing,
        "is_module": file != COURSE_FILE,
        "preview": (
            services.preview(course.slug, text)
            if file != COURSE_FILE and len(unsaved) <= MAX_FILE_BYTES
            else None
        ),
        "problems": mine,
        "other_problems": len(problems) - len(mine),
        "saved_hash": version_of({file: files.get(file, b"")}),
        "previous": modules[index - 1] if index else None,
        "following": modules[index + 1] if index is not None and index + 1 < len(modules) else None,
        "pesan": request.query_params.get("pesan", ""),
        "error": None,
        "oob": False,
        **extra,
    }
    return render(request, "authoring/editor.html", context, block=block, status_code=status)


@router.get(BASE + "/{slug}/modul/{file}")
def editor(request: Request, session: SessionDep, user: Author, slug: str, file: str) -> Response:
    return _editor_page(request, session, _course(session, slug), file)


@router.post(BASE + "/{slug}/modul/{file}")
def editor_save(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: str,
    file: str,
    text: Annotated[str, Form()] = "",
) -> Response:
    course = _course(session, slug)
    files = services.draft_files(session, course)
    meta, _problem = services.parse_meta(files.get(COURSE_FILE))
    if not _editable(files, meta, file):
        raise HTTPException(status_code=404)
    try:
        changed = services.save_file(session, course, file, text, user)
    except AuthoringError as exc:
        return _editor_page(request, session, course, file, text=text, status=400, error=str(exc))
    session.commit()
    return _go(f"{BASE}/{slug}/modul/{file}?pesan={'disimpan' if changed else 'sama'}")


@router.post(BASE + "/{slug}/modul/{file}/pratinjau")
def editor_preview(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: str,
    file: str,
    text: Annotated[str, Form()] = "",
) -> Response:
    """The live preview (htmx); without JavaScript the whole editor, unsaved text kept."""
    course = _course(session, slug)
    return _editor_page(
        request,
        session,
        course,
        file,
        text=text,
        block="preview",
        unsaved=True,
        oob=is_htmx(request),
    )


@router.post(BASE + "/{slug}/modul/{file}/hapus")
def module_delete(
    request: Request, session: SessionDep, user: Author, slug: str, file: str
) -> Response:
    course = _course(session, slug)
    if file == COURSE_FILE:
        raise HTTPException(status_code=404)
    try:
        services.delete_module(session, course, file, user)
    except AuthoringError as exc:
        return _course_page(request, session, course, status=400, action_error=str(exc))
    session.commit()
    return _go(f"{BASE}/{slug}?pesan=modul-dihapus&nama={file}#modul")


# --- images ---------------------------------------------------------------------------------


@router.post(BASE + "/{slug}/gambar")
def image_upload(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: str,
    berkas: Annotated[UploadFile | None, File()] = None,
) -> Response:
    course = _course(session, slug)
    if berkas is None or not berkas.filename:
        return _course_page(
            request, session, course, status=400, image_error=_("Pilih berkas gambar dulu.")
        )
    data = berkas.file.read(services.MAX_IMAGE_BYTES + 1)
    try:
        name, replaced = services.add_image(session, course, berkas.filename, data, user)
    except AuthoringError as exc:
        return _course_page(request, session, course, status=400, image_error=str(exc))
    session.commit()
    return _go(f"{BASE}/{slug}?pesan={'gambar-ganti' if replaced else 'gambar'}&nama={name}#gambar")


@router.post(BASE + "/{slug}/gambar/{name}/hapus")
def image_delete(
    request: Request, session: SessionDep, user: Author, slug: str, name: str
) -> Response:
    course = _course(session, slug)
    try:
        services.delete_image(session, course, name, user)
    except AuthoringError as exc:
        return _course_page(request, session, course, status=400, image_error=str(exc))
    session.commit()
    return _go(f"{BASE}/{slug}?pesan=gambar-dihapus&nama={name}#gambar")


@router.get(BASE + "/{slug}/draf/{name}")
def draft_image(session: SessionDep, user: Author, slug: str, name: str) -> Response:
    """An image of the draft, for the preview (the current version's while there is no draft)."""
    course = _course(session, slug)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in services.MEDIA_TYPES:
        raise HTTPException(status_code=404)
    if services.has_draft(session, course):
        data = session.scalar(
            select(CourseDraft.data).where(
                CourseDraft.course_id == course.id, CourseDraft.path == name
            )
        )
    else:
        data = session.scalar(
            select(CourseFile.data).where(
                CourseFile.version_id == course.current_version_id, CourseFile.path == name
            )
        )
    if data is None:
        raise HTTPException(status_code=404)
    return Response(
        data,
        media_type=services.MEDIA_TYPES[suffix],
        headers={"Cache-Control": "private, no-cache"},
    )


# --- publishing -----------------------------------------------------------------------------


@router.post(BASE + "/{slug}/terbitkan")
def course_publish(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: str,
    catatan: Annotated[str, Form()] = "",
) -> Response:
    course = _course(session, slug)
    files = services.draft_files(session, course)
    note = services.clean_line(catatan)[:300] or None
    try:
        result = publish(session, files, actor=user, note=note, course=course)
    except CourseError as exc:
        # Nothing was written: the previous version stays current.
        session.rollback()
        course = _course(session, slug)
        return _course_page(
            request, session, course, status=400, publish_problems=exc.problems, note=catatan
        )
    session.commit()
    if not result.created:
        code = "tetap"
    elif result.version.number < services.version_count(session, course):
        code = "pulih"  # an earlier version with these very files is current again
    else:
        code = "terbit"
    return _go(f"{BASE}/{slug}?pesan={code}&n={result.version.number}")


@router.post(BASE + "/{slug}/buang")
def draft_discard(request: Request, session: SessionDep, user: Author, slug: str) -> Response:
    course = _course(session, slug)
    try:
        services.discard_draft(session, course, user)
    except AuthoringError as exc:
        return _course_page(request, session, course, status=400, action_error=str(exc))
    session.commit()
    return _go(f"{BASE}/{slug}?pesan=dibuang")


# --- versions, diffs and export -------------------------------------------------------------


@router.get(BASE + "/{slug}/versi")
def version_list(
    request: Request,
    session: SessionDep,
    user: Author,
    slug: str,
    a: int | None = None,
    b: int | None = None,
) -> Response:
    course = _course(session, slug)
    if a is not None and b is not None:
        return _go(f"{BASE}/{slug}/versi/{a}/{b}")
    rows = services.versions(session, course)
    title = next((v.title for v, _name in rows if v.id == course.current_version_id), course.slug)
    return render(
        request, "authoring/versions.html", {"course": course, "title": title, "rows": rows}
    )


@router.get(BASE + "/{slug}/versi/{number}/zip")
def version_zip(session: SessionDep, user: Author, slug: str, number: int) -> Response:
    course = _course(session, slug)
    data = services.export_zip(session, course, number)
    if data is None:
        raise HTTPException(status_code=404)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{slug}-versi-{number}.zip"'},
    )


@router.get(BASE + "/{slug}/versi/{a}/{b}")
def version_diff(
    request: Request, session: SessionDep, user: Author, slug: str, a: int, b: int
) -> Response:
    course = _course(session, slug)
    pair = services.version_pair(session, course, a, b)
    if pair is None:
        raise HTTPException(status_code=404)
    rows = services.versions(session, course)
    return render(
        request,
        "authoring/diff.html",
        {
            "course": course,
            "a": a,
            "b": b,
            "diffs": diff_files(*pair),
            "numbers": [v.number for v, _name in rows],
            "title": next((v.title for v, _name in rows if v.number == b), course.slug),
        },
    )
