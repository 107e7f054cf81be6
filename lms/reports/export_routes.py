"""Downloads of the dinas dashboard: each table as CSV and XLSX, the people list with NIK (for
managers, with a reason, audited) and the PDF summary for the annual performance report.

Every download names its region with `wilayah` (absent: the user's own region; the whole country
only for the national admin) or a koperasi with `koperasi`, and takes the dashboard's filters
(angkatan, kursus, jabatan, tahun). A region, koperasi or angkatan outside the user's scope is a
404, a value that cannot be read a 400 that says what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from lms.audit.services import record
from lms.cohorts.models import Cohort
from lms.db import begin_write
from lms.deps import Manager, Regional, ScopeDep, SessionDep, SettingsDep, client_ip, get_database
from lms.i18n import gettext as _
from lms.regions.scope import Scope
from lms.reports import exports, services
from lms.reports.exports import BuildFailed, ExportError, NotFound, Table, Target
from lms.reports.services import Filters
from lms.templating import render

log = logging.getLogger("lms")
router = APIRouter()

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
REASON_MIN = 10
REASON_MAX = 500
FORM_FIELDS = ("wilayah", "koperasi", "angkatan", "kursus", "jabatan", "tahun")


def _refusal(message: str, status: int = 400) -> Response:
    # Plain text: these are file links, and the browser shows the message in place of the file.
    return PlainTextResponse(message, status_code=status, headers={"Cache-Control": "no-store"})


def _failed() -> str:
    return _("Berkas gagal dibuat. Coba lagi sebentar lagi; bila tetap gagal, hubungi admin.")


def _guarded(build: Callable[[], Response]) -> Response:
    try:
        return build()
    except NotFound:
        raise HTTPException(status_code=404) from None
    except ExportError as exc:
        return _refusal(str(exc))
    except BuildFailed:
        log.exception("dashboard export failed")
        return _refusal(_failed(), 503)


def _headers(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


def _download(table: Table, fmt: str, filename: str) -> Response:
    if fmt == "csv":
        # Streamed as it is read: a province's people list never sits whole in the worker.
        return StreamingResponse(
            exports.csv_chunks(table), media_type=CSV_TYPE, headers=_headers(filename)
        )
    file = exports.xlsx_file(table)
    return StreamingResponse(
        exports.file_chunks(file), media_type=XLSX_TYPE, headers=_headers(filename)
    )


@dataclass(frozen=True)
class _Ask:
    target: Target
    filters: Filters
    cohort: Cohort | None
    words: str
    now: datetime


def _ask(
    session: Session, scope: Scope, params: Mapping[str, Any], *, koperasi: bool = True
) -> _Ask:
    """What the request asks for, checked; then the dashboard's facts are brought up to date."""
    filters = exports.parse_filters(params)
    target = exports.resolve(
        session,
        scope,
        wilayah=params.get("wilayah"),
        koperasi=params.get("koperasi") if koperasi else None,
    )
    cohort = exports.cohort_of(session, scope, filters)
    services.refresh_pending(session)
    words = exports.filter_words(session, filters, cohort)
    return _Ask(target, filters, cohort, words, datetime.now(UTC))


# -- the region's child table ----------------------------------------------------------------------


def _region(request: Request, session: Session, scope: Scope, fmt: str) -> Response:
    # The table lists a region's children: a koperasi has none, so `koperasi` is not read here.
    ask = _ask(session, scope, request.query_params, koperasi=False)
    report = services.region_report(session, scope, ask.target.code, ask.filters)
    if report is None:
        raise NotFound(ask.target.code)
    table = exports.region_table(report, ask.target, ask.words, ask.now)
    return _download(table, fmt, exports.file_name(ask.target, "wilayah", ask.now, fmt))


@router.get("/laporan/ekspor/wilayah.csv")
def region_csv(request: Request, session: SessionDep, user: Regional, scope: ScopeDep) -> Response:
    return _guarded(lambda: _region(request, session, scope, "csv"))


@router.get("/laporan/ekspor/wilayah.xlsx")
def region_xlsx(request: Request, session: SessionDep, user: Regional, scope: ScopeDep) -> Response:
    return _guarded(lambda: _region(request, session, scope, "xlsx"))


# -- people ----------------------------------------------------------------------------------------


def _people(request: Request, session: Session, scope: Scope, fmt: str) -> Response:
    ask = _ask(session, scope, request.query_params)
    table = exports.people_table(session, scope, ask.filters, ask.target, ask.words, ask.now)
    return _download(table, fmt, exports.file_name(ask.target, "peserta", ask.now, fmt))


@router.get("/laporan/ekspor/peserta.csv")
def people_csv(request: Request, session: SessionDep, user: Regional, scope: ScopeDep) -> Response:
    return _guarded(lambda: _people(request, session, scope, "csv"))


@router.get("/laporan/ekspor/peserta.xlsx")
def people_xlsx(request: Request, session: SessionDep, user: Regional, scope: ScopeDep) -> Response:
    return _guarded(lambda: _people(request, session, scope, "xlsx"))


# -- attendance per sesi and the score distribution ------------------------------------------------


def _sessions(request: Request, session: Session, scope: Scope, fmt: str) -> Response:
    ask = _ask(session, scope, request.query_params)
    if ask.cohort is None:
        raise ExportError(
            _("Pilih satu angkatan dulu: kehadiran per sesi dihitung untuk satu angkatan.")
        )
    bars = services.session_attendance(session, scope, ask.cohort, ask.target.code)
    table = exports.session_table(ask.cohort, bars, ask.target, ask.words, ask.now)
    return _download(table, fmt, exports.file_name(ask.target, "sesi", ask.now, fmt))


@router.get("/laporan/ekspor/sesi.csv")
def sessions_csv(
    request: Request, session: SessionDep, user: Regional, scope: ScopeDep
) -> Response:
    return _guarded(lambda: _sessions(request, session, scope, "csv"))


@router.get("/laporan/ekspor/sesi.xlsx")
def sessions_xlsx(
    request: Request, session: SessionDep, user: Regional, scope: ScopeDep
) -> Response:
    return _guarded(lambda: _sessions(request, session, scope, "xlsx"))


def _scores(request: Request, session: Session, scope: Scope, fmt: str) -> Response:
    ask = _ask(session, scope, request.query_params)
    metrics = services.region_metrics(session, scope, ask.target.code, ask.filters)
    table = exports.score_table(metrics, ask.target, ask.words, ask.now)
    return _download(table, fmt, exports.file_name(ask.target, "nilai", ask.now, fmt))


@router.get("/laporan/ekspor/nilai.csv")
def scores_csv(request: Request, session: SessionDep, user: Regional, scope: ScopeDep) -> Response:
    return _guarded(lambda: _scores(request, session, scope, "csv"))


@router.get("/laporan/ekspor/nilai.xlsx")
def scores_xlsx(request: Request, session: SessionDep, user: Regional, scope: ScopeDep) -> Response:
    return _guarded(lambda: _scores(request, session, scope, "xlsx"))


# -- the PDF summary -------------------------------------------------------------------------------


def _summary(request: Request, session: Session, scope: Scope) -> Response:
    ask = _ask(session, scope, request.query_params, koperasi=False)
    report = services.region_report(session, scope, ask.target.code, ask.filters)
    if report is None:
        raise NotFound(ask.target.code)
    html = exports.summary_html(session, scope, report, ask.target, ask.cohort, ask.words, ask.now)
    pdf = exports.pdf_bytes(html)
    filename = exports.file_name(ask.target, "ringkasan", ask.now, "pdf")
    return Response(pdf, media_type=PDF_TYPE, headers=_headers(filename))


@router.get("/laporan/ringkasan.pdf")
def summary_pdf(request: Request, session: SessionDep, user: Regional, scope: ScopeDep) -> Response:
    return _guarded(lambda: _summary(request, session, scope))


# -- people with NIK -------------------------------------------------------------------------------


def _nik_page(
    request: Request,
    session: Session,
    scope: Scope,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The form that asks for the reason (the no-JS way in, and where a refusal comes back
    with what was typed)."""
    target = words = None
    try:
        target = exports.resolve(
            session, scope, wilayah=values.get("wilayah"), koperasi=values.get("koperasi")
        )
        filters = exports.parse_filters(values)
        words = exports.filter_words(session, filters, exports.cohort_of(session, scope, filters))
    except NotFound:
        raise HTTPException(status_code=404) from None
    except ExportError as exc:
        error = error or str(exc)
        status = 400
    if target is not None and target.code is None and not error:
        error = _(exports.WHOLE_COUNTRY)  # the national admin types a province's code first
    context = {
        "values": values,
        "errors": errors or {},
        "error": error,
        "target": target,
        "words": words,
    }
    return render(request, "reports/nik_form.html", context, status_code=status)


@router.get("/laporan/ekspor/peserta-nik")
def nik_form(request: Request, session: SessionDep, user: Manager, scope: ScopeDep) -> Response:
    values = {name: request.query_params.get(name, "") for name in FORM_FIELDS}
    return _nik_page(request, session, scope, values)


@router.post("/laporan/ekspor/peserta-nik.xlsx")
def nik_export(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Manager,
    scope: ScopeDep,
    wilayah: Annotated[str, Form()] = "",
    koperasi: Annotated[str, Form()] = "",
    angkatan: Annotated[str, Form()] = "",
    kursus: Annotated[str, Form()] = "",
    jabatan: Annotated[str, Form()] = "",
    tahun: Annotated[str, Form()] = "",
    alasan: Annotated[str, Form()] = "",
) -> Response:
    """The people list with their full NIK, for a manager who gives a reason. The audit entry
    (who, why, which region, how many rows) is committed before the file is sent."""
    values = {
        "wilayah": wilayah,
        "koperasi": koperasi,
        "angkatan": angkatan,
        "kursus": kursus,
        "jabatan": jabatan,
        "tahun": tahun,
        "alasan": alasan,
    }
    reason = " ".join(alasan.split())
    # Reading a province's people takes a while: in a read transaction, so that on SQLite others
    # can write meanwhile. Only the audit entry takes the write lock, at the end.
    with get_database(request).session() as reader:
        if len(reason) < REASON_MIN:
            message = _(
                "Tulis alasan mengunduh NIK, minimal %(n)d karakter (misalnya: verifikasi data "
                "untuk pencairan dana pelatihan)."
            ) % {"n": REASON_MIN}
            return _nik_page(request, reader, scope, values, errors={"alasan": message}, status=400)
        try:
            ask = _ask(reader, scope, values)
            if ask.target.code is None:
                raise ExportError(_(exports.WHOLE_COUNTRY))
        except NotFound:
            raise HTTPException(status_code=404) from None
        except ExportError as exc:
            return _nik_page(request, reader, scope, values, error=str(exc), status=400)
        table = exports.people_table(
            reader,
            scope,
            ask.filters,
            ask.target,
            ask.words,
            ask.now,
            nik_secret=settings.secret_key,
        )
        try:
            file = exports.xlsx_file(table)
        except BuildFailed:
            log.exception("NIK export failed")
            return _nik_page(request, reader, scope, values, error=_failed(), status=503)
    target = ask.target
    asked = {**ask.filters.query()}
    if target.koperasi is not None:
        asked["koperasi"] = str(target.koperasi.id)
    else:
        asked["wilayah"] = target.code or ""
    try:
        begin_write(session)
        record(
            session,
            actor=user,
            action="laporan.ekspor_nik",
            entity_type="koperasi" if target.koperasi is not None else "region",
            entity_id=target.koperasi.id if target.koperasi is not None else target.code,
            after={"baris": table.count, "filter": asked},
            reason=reason[:REASON_MAX],
            ip=client_ip(request),
            region_code=target.code,
        )
        session.commit()
    except BaseException:
        file.close()
        raise
    filename = exports.file_name(target, "peserta-nik", ask.now, "xlsx")
    return StreamingResponse(
        exports.file_chunks(file), media_type=XLSX_TYPE, headers=_headers(filename)
    )
