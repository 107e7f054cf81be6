"""Participant import pages: upload, preview, commit, rejected rows and the template.

Managers only (admin, and the dinas whose region holds the angkatan). The upload is checked in a
read transaction (a big file must not hold SQLite's write lock while it is read) and stored;
the commit checks it again and writes everything in one write transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from lms.accounts.models import User
from lms.audit.services import record
from lms.cohorts.models import Cohort, CohortImport
from lms.cohorts.services import can_manage, find_visible
from lms.db import begin_write
from lms.deps import Forbidden, Manager, SessionDep, client_ip, get_database
from lms.i18n import gettext as _
from lms.regions.models import LEVEL_VILLAGE, Region
from lms.regions.services import village_hit
from lms.templating import render

router = APIRouter()
HISTORY = 20


def _cohort(session: Session, user: User, slug: str) -> Cohort:
    cohort = find_visible(session, user, slug)
    if cohort is None:
        raise HTTPException(status_code=404)
    if not can_manage(user, cohort):
        raise Forbidden()
    return cohort


def _upload(
    session: Session, cohort: Cohort, import_id: int, *, data: bool = False
) -> CohortImport:
    stmt = select(CohortImport).where(
        CohortImport.id == import_id, CohortImport.cohort_id == cohort.id
    )
    if not data:
        stmt = stmt.options(defer(CohortImport.data))
    upload = session.scalar(stmt)
    if upload is None:
        raise HTTPException(status_code=404)
    return upload


def _history(session: Session, cohort: Cohort) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            CohortImport.id,
            CohortImport.filename,
            CohortImport.created_at,
            CohortImport.committed_at,
            CohortImport.report,
            CohortImport.result,
        )
        .where(CohortImport.cohort_id == cohort.id)
        .order_by(CohortImport.id.desc())
        .limit(HISTORY)
    ).all()
    return [
        {
            "id": r.id,
            "filename": r.filename,
            "created_at": r.created_at,
            "committed_at": r.committed_at,
            "counts": r.result or r.report,
        }
        for r in rows
    ]


def _form(
    request: Request,
    session: Session,
    cohort: Cohort,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    from lms.cohorts import importer  # loaded on first use: keeps it out of an idle worker

    context = {
        "cohort": cohort,
        "history": _history(session, cohort),
        "error": error,
        "max_mb": importer.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "cohorts/import_form.html", context, status_code=status)


@router.get("/angkatan/impor-template.xlsx")
def import_template(session: SessionDep, user: Manager, angkatan: str = "") -> Response:
    """The template; for an angkatan, its example row lies in the angkatan's region."""
    from lms.cohorts import importer  # loaded on first use: keeps it out of an idle worker

    example = None
    cohort = find_visible(session, user, angkatan) if angkatan else None
    if cohort is not None:
        code = session.scalar(
            select(Region.code)
            .where(
                Region.level == LEVEL_VILLAGE,
                Region.code.startswith(cohort.region_code + ".", autoescape=True),
            )
            .order_by(Region.code)
            .limit(1)
        )
        example = village_hit(session, code) if code else None
    data = importer.template_workbook(example, isolate=True)
    return Response(
        data,
        media_type=importer.XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="templat-peserta.xlsx"'},
    )


@router.get("/angkatan/{cohort}/impor")
def import_form(request: Request, session: SessionDep, user: Manager, cohort: str) -> Response:
    return _form(request, session, _cohort(session, user, cohort))


@router.post("/angkatan/{cohort}/impor")
def import_upload(
    request: Request,
    session: SessionDep,
    user: Manager,
    cohort: str,
    berkas: Annotated[UploadFile | None, File()] = None,
) -> Response:
    from lms.cohorts import importer  # loaded on first use: keeps it out of an idle worker

    # Checking reads the whole file and many people: in a read transaction, so that on SQLite
    # other requests can still write meanwhile. Only storing the upload takes the write lock.
    with get_database(request).session() as reader:
        found = _cohort(reader, user, cohort)
        if berkas is None or not berkas.filename:
            return _form(request, reader, found, error=_("Pilih berkas XLSX atau CSV."), status=400)
        data = berkas.file.read(importer.MAX_BYTES + 1)
        try:
            report = importer.preview(reader, found, data, berkas.filename, isolate=True)
        except importer.FileError as exc:
            return _form(request, reader, found, error=exc.message, status=400)
    begin_write(session)
    upload = importer.store(session, found, data, berkas.filename, report, user)
    session.commit()
    return RedirectResponse(f"/angkatan/{found.slug}/impor/{upload.id}", status_code=303)


def _preview_page(
    request: Request,
    cohort: Cohort,
    upload: CohortImport,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    from lms.cohorts import importer  # loaded on first use: keeps it out of an idle worker

    shown = upload.result if upload.committed_at else upload.report
    context = {
        "cohort": cohort,
        "upload": upload,
        "committed": upload.committed_at is not None,
        "counts": shown or {},
        "errors": (shown or {}).get("errors", [])[: importer.STORED_ERRORS],
        "errors_total": (shown or {}).get("errors_total", 0),
        "notice": notice,
        "error": error,
    }
    return render(request, "cohorts/import_preview.html", context, status_code=status)


@router.get("/angkatan/{cohort}/impor/{import_id}")
def import_preview(
    request: Request,
    session: SessionDep,
    user: Manager,
    cohort: str,
    import_id: int,
    pesan: str = "",
) -> Response:
    found = _cohort(session, user, cohort)
    upload = _upload(session, found, import_id)
    notice = None
    if pesan == "disimpan":
        notice = _("Impor disimpan.")
    elif pesan == "sudah":
        notice = _("Impor ini sudah disimpan sebelumnya; tidak ada yang diimpor dua kali.")
    return _preview_page(request, found, upload, notice=notice)


@router.post("/angkatan/{cohort}/impor/{import_id}/simpan")
def import_commit(
    request: Request, session: SessionDep, user: Manager, cohort: str, import_id: int
) -> Response:
    from lms.cohorts import importer  # loaded on first use: keeps it out of an idle worker

    found = _cohort(session, user, cohort)
    try:
        upload, report = importer.commit_upload(
            session, found, import_id, user, isolate=True, ip=client_ip(request)
        )
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    except importer.FileError as exc:
        # The stored bytes were readable at the upload; kept for safety all the same.
        session.rollback()
        upload = _upload(session, found, import_id)
        return _preview_page(request, found, upload, error=exc.message, status=400)
    except IntegrityError:
        # Someone registered one of these phones or emails between the check and the insert.
        session.rollback()
        upload = _upload(session, found, import_id)
        message = _("Data peserta berubah selama impor; tidak ada yang disimpan. Coba lagi.")
        return _preview_page(request, found, upload, error=message, status=409)
    session.commit()
    result = "disimpan" if report is not None else "sudah"
    return RedirectResponse(
        f"/angkatan/{found.slug}/impor/{upload.id}?pesan={result}", status_code=303
    )


@router.get("/angkatan/{cohort}/impor/{import_id}/ditolak.xlsx")
def import_rejected(
    request: Request, session: SessionDep, user: Manager, cohort: str, import_id: int
) -> Response:
    from lms.cohorts import importer  # loaded on first use: keeps it out of an idle worker

    found = _cohort(session, user, cohort)
    upload = _upload(session, found, import_id, data=True)
    try:
        headers, rejected = importer.rejected_rows(session, found, upload, isolate=True)
    except importer.FileError as exc:
        return _preview_page(request, found, upload, error=exc.message, status=400)
    data = importer.rejected_workbook(headers, rejected, isolate=True)
    # The rows keep the file's own columns, NIK included: who took them out is on record.
    begin_write(session)
    record(
        session,
        actor=user,
        action="cohort.import.rejected_download",
        entity_type="cohort_import",
        entity_id=upload.id,
        after={"cohort": found.slug, "filename": upload.filename, "rows": len(rejected)},
        ip=client_ip(request),
        region_code=found.region_code,
    )
    session.commit()
    return Response(
        data,
        media_type=importer.XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="peserta-ditolak-{upload.id}.xlsx"'},
    )
