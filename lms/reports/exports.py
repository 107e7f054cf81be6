"""The dashboard's tables as files (CSV, XLSX) and its PDF summary, built from reports.services.

No HTTP here: export_routes.py and the tests call these. A table is a list of columns and an
iterator of rows, so the people list of a province (about 90,000 rows) goes from the database
to the CSV response, or to the XLSX child, without ever being held whole in the web worker.

CSV: UTF-8 with a byte-order mark (without it Excel reads the file in the ANSI code page and
garbles names), comma-separated with RFC 4180 quoting (a field holding a comma, a quote or a line
break is quoted), numbers with a decimal point and no thousands separator. A comma rather than
the semicolon Excel expects under Indonesian regional settings, because the CSV is meant for
other programs (statistics tools, databases, scripts and spreadsheet imports all default to the
comma and a decimal point); whoever opens files by double-clicking gets the XLSX, which has the
same columns with proper number formats. Text that a spreadsheet would run as a formula ("=",
"+", "-", "@") is written with a leading apostrophe.

XLSX and PDF are made by `python -m lms.reports.worker` (openpyxl and WeasyPrint would stay
resident in the web worker, which must stay under 100 MB).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import nik
from lms.accounts.models import User
from lms.accounts.services import jabatan_label
from lms.cohorts.models import Cohort
from lms.i18n import N_, TIMEZONES, format_datetime, format_number, timezone_for_region
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseVersion
from lms.regions.models import (
    LEVEL_DISTRICT,
    LEVEL_PROVINCE,
    LEVEL_REGENCY,
    LEVEL_VILLAGE,
    Koperasi,
)
from lms.regions.scope import Scope
from lms.reports import charts, services
from lms.reports.models import BUCKETS
from lms.reports.services import Filters, Metrics, Ready, RegionReport, SessionBar
from lms.runtime import run_module

log = logging.getLogger("lms")

ROOT = Path(__file__).resolve().parent.parent.parent
WORKER = "lms.reports.worker"
CHILD_TIMEOUT = 600  # seconds: a province's people list takes about half a minute
# Two files may be made at once per worker: a province's people list keeps its child busy for
# half a minute, and a second operator should not wait that long for a one-page table.
_CHILDREN = threading.BoundedSemaphore(2)
CSV_CHUNK = 64 * 1024
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NIK_BATCH = 500
REGION_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")
MAX_ID = 2**31 - 1
SOURCE = N_("Sumber: LMS Bimtek KDKMP")
WHOLE_COUNTRY = N_(
    "Daftar peserta seluruh Indonesia terlalu besar untuk satu berkas. Pilih provinsi dulu, "
    "lalu unduh daftar peserta dari laporan provinsi itu."
)

# What the children of a region are called, by the region's level (0: the whole country).
CHILD_NOUNS = {
    0: N_("provinsi"),
    LEVEL_PROVINCE: N_("kabupaten/kota"),
    LEVEL_REGENCY: N_("kecamatan"),
    LEVEL_DISTRICT: N_("desa/kelurahan"),
}
LEVEL_NOUNS = {
    0: N_("Nasional"),
    LEVEL_PROVINCE: N_("Provinsi"),
    LEVEL_REGENCY: N_("Kabupaten/Kota"),
    LEVEL_DISTRICT: N_("Kecamatan"),
    LEVEL_VILLAGE: N_("Desa/Kelurahan"),
}


class ExportError(ValueError):
    """A request that cannot be answered as asked; the message says what to do instead."""


class NotFound(LookupError):
    """A region, koperasi, angkatan or course that does not exist, or not for this user."""


class BuildFailed(RuntimeError):
    """The child process could not make the file."""


# -- what is exported ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The region (or the one koperasi) an export is about."""

    code: str | None  # None: the whole country
    name: str
    level: int  # 0: the whole country
    label: str  # the name with its parents: "Kecamatan Balaraja, Kabupaten Tangerang, Banten"
    koperasi: Koperasi | None = None

    @property
    def file_code(self) -> str:
        return self.code or "indonesia"

    @property
    def timezone(self) -> str:
        return timezone_for_region(self.code) if self.code else "WIB"


def _place_name(place: services.Place) -> str:
    if place.level == LEVEL_DISTRICT:
        return _("Kecamatan %(name)s") % {"name": place.name}
    if place.level == LEVEL_VILLAGE:
        kelurahan = place.code[9] == "1"
        return (_("Kelurahan %(name)s") if kelurahan else _("Desa %(name)s")) % {"name": place.name}
    return place.name


def resolve(
    session: Session, scope: Scope, *, wilayah: str | None = None, koperasi: str | None = None
) -> Target:
    """The region named by `wilayah` (absent: the user's own region, the country for the
    national admin) or the koperasi named by `koperasi`; NotFound outside the scope."""
    wilayah, koperasi = (wilayah or "").strip(), (koperasi or "").strip()
    if koperasi:
        if not koperasi.isdigit() or not 0 < int(koperasi) <= MAX_ID:
            raise ExportError(
                _("Nomor koperasi tidak dikenal: %(value)s. Buka koperasinya dari laporan wilayah.")
                % {"value": koperasi[:20]}
            )
        found = session.get(Koperasi, int(koperasi))
        if found is None or not scope.allows(found.province_code, found.regency_code):
            raise NotFound(koperasi)
        trail = services.trail_of(session, found.village_code)
        label = ", ".join([found.name, *(_place_name(p) for p in reversed(trail))])
        return Target(found.village_code, found.name, LEVEL_VILLAGE, label, found)
    if not wilayah:
        if scope.is_national:
            everything = _("Seluruh Indonesia")
            return Target(None, everything, 0, everything)
        if scope.code is None:
            raise NotFound("no region")
        wilayah = scope.code
    if not REGION_CODE.fullmatch(wilayah):
        raise ExportError(
            _("Kode wilayah tidak dikenal: %(value)s. Tulis kode Kemendagri dengan titik, "
              "misalnya 36.03.") % {"value": wilayah[:20]}
        )  # fmt: skip
    if not scope.covers_region(wilayah):
        raise NotFound(wilayah)
    trail = services.trail_of(session, wilayah)
    if not trail or trail[-1].code != wilayah:
        raise NotFound(wilayah)
    place = trail[-1]
    label = ", ".join(_place_name(p) for p in reversed(trail))
    return Target(place.code, _place_name(place), place.level, label)


def parse_filters(params: Any) -> Filters:
    """The filters of a request; ExportError (with the reason) for a value that cannot be read."""
    try:
        return services.parse_filters(params)
    except services.FilterError as exc:
        hint = _("Pilih filter dari halaman laporan, lalu unduh lagi.")
        raise ExportError(f"{exc} {hint}") from exc


def cohort_of(session: Session, scope: Scope, filters: Filters) -> Cohort | None:
    """The angkatan filtered by; NotFound when it is not one of the user's region."""
    if filters.cohort_id is None:
        return None
    cohort = services.cohort_in_scope(session, scope, filters.cohort_id)
    if cohort is None:
        raise NotFound(filters.cohort_id)
    return cohort


def filter_words(session: Session, filters: Filters, cohort: Cohort | None) -> str:
    """'Angkatan: semua; Kursus: Tata Kelola KDKMP; Jabatan: Ketua; Tahun: 2026'."""
    every = _("semua")
    course = every
    if filters.course_id is not None:
        title = session.scalar(
            select(CourseVersion.title)
            .join(Course, Course.current_version_id == CourseVersion.id)
            .where(Course.id == filters.course_id)
        )
        if title is None:
            raise NotFound(filters.course_id)
        course = title
    if filters.jabatan is None:
        jabatan = every
    elif filters.jabatan == "lainnya":
        jabatan = _("pengurus lain (selain ketua dan bendahara)")
    else:
        jabatan = jabatan_label(filters.jabatan)
    return "; ".join(
        [
            _("Angkatan: %(value)s") % {"value": cohort.name if cohort else every},
            _("Kursus: %(value)s") % {"value": course},
            _("Jabatan: %(value)s") % {"value": jabatan},
            _("Tahun: %(value)s") % {"value": filters.year if filters.year else every},
        ]
    )


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "int"  # text, int, decimal, percent (given 0–100) or date (given ISO)
    width: int = 12


@dataclass
class Table:
    title: str
    sheet: str
    header: list[str]  # lines above the table in the workbook (not in the CSV)
    columns: list[Column]
    rows: Iterable[list[Any]]
    totals: int = 0  # how many of the last rows are totals
    count: int = field(default=0, init=False)  # rows written so far

    def iter_rows(self) -> Iterator[list[Any]]:
        for row in self.rows:
            self.count += 1
            yield row

    def spec(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "sheet": self.sheet,
            "header": self.header,
            "totals": self.totals,
            "columns": [{"name": c.name, "kind": c.kind, "width": c.width} for c in self.columns],
        }


def header_lines(title: str, target: Target, words: str, now: datetime) -> list[str]:
    return [
        title,
        _("Wilayah: %(name)s") % {"name": target.label},
        _("Filter: %(filters)s") % {"filters": words},
        _("Dibuat: %(when)s") % {"when": format_datetime(now, target.timezone)},
        _(SOURCE),
    ]


def file_name(target: Target, kind: str, now: datetime, suffix: str) -> str:
    """'laporan-36.03-peserta-2026-12-05.xlsx' (the date of the region's own time zone)."""
    day = now.astimezone(ZoneInfo(TIMEZONES[target.timezone])).date().isoformat()
    return f"laporan-{target.file_code}-{kind}-{day}.{suffix}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _yes(flag: bool) -> str:
    return _("Ya") if flag else _("Belum")


# -- the tables ------------------------------------------------------------------------------------


def child_noun(level: int) -> str:
    return _(CHILD_NOUNS[level])


def region_table(report: RegionReport, target: Target, words: str, now: datetime) -> Table:
    """One row per child region, then the people in none of them, then the region's total."""
    desa = report.level == LEVEL_DISTRICT
    columns = [Column(_("kode"), "text", 16), Column(_("nama"), "text", 28)]
    if desa:
        columns.append(Column(_("nama koperasi"), "text", 40))
    columns += [
        Column(_("peserta")),
        Column(_("kehadiran %"), "percent"),
        Column(_("nilai rata-rata"), "decimal"),
        Column(_("lulus")),
        Column(_("lulus %"), "percent"),
        Column(_("sertifikat")),
        Column(_("jumlah koperasi")),
        Column(_("koperasi terjangkau"), width=14),
        Column(_("ketua lulus")),
        Column(_("bendahara lulus"), width=14),
        Column(_("koperasi siap")),
        Column(_("siap %"), "percent"),
    ]
    blank = [""] if desa else []

    def figures(m: Metrics) -> list[Any]:
        return [
            m.participants,
            _round(m.attendance),
            _round(m.average),
            m.completed,
            _round(m.completion),
            m.certified,
        ]

    def readiness(r: Ready) -> list[Any]:
        return [r.koperasi, r.reached, r.ketua, r.bendahara, r.ready, _round(r.share)]

    rows: list[list[Any]] = [
        [
            row.code,
            row.name,
            *([row.koperasi or ""] if desa else []),
            *figures(row.metrics),
            *readiness(row.ready),
        ]
        for row in report.rows
    ]
    if report.other is not None:
        rows.append(
            ["", _("Lainnya (tanpa koperasi)"), *blank, *figures(report.other), *[None] * 6]
        )
    rows.append(
        [report.code or "", _("Jumlah"), *blank, *figures(report.totals), *readiness(report.ready)]
    )
    title = _("Capaian Bimtek KDKMP per %(child)s: %(name)s") % {
        "child": child_noun(report.level),
        "name": target.name,
    }
    header = header_lines(title, target, words, now)
    if report.filters.jabatan:
        header.insert(3, _("Filter jabatan tidak berlaku untuk kesiapan koperasi."))
    return Table(title, _("Wilayah"), header, columns, rows, totals=1)


def people_table(
    session: Session,
    scope: Scope,
    filters: Filters,
    target: Target,
    words: str,
    now: datetime,
    *,
    nik_secret: str | None = None,
) -> Table:
    """The members of the region or koperasi, one row per person and angkatan, streamed. The
    NIK column exists only when `nik_secret` is given (an audited export)."""
    if target.code is None:
        raise ExportError(_(WHOLE_COUNTRY))
    columns = [Column(_("nama"), "text", 30)]
    if nik_secret is not None:
        columns.append(Column(_("NIK"), "text", 20))
    columns += [
        Column(_("jabatan"), "text", 16),
        Column(_("koperasi"), "text", 40),
        Column(_("kode desa"), "text", 16),
        Column(_("angkatan"), "text", 32),
        Column(_("sesi hadir")),
        Column(_("sesi total")),
        Column(_("kehadiran %"), "percent"),
        Column(_("nilai"), "decimal"),
        Column(_("lulus"), "text", 8),
        Column(_("sertifikat"), "text", 10),
    ]
    found = services.people(
        session,
        scope,
        filters,
        koperasi_id=target.koperasi.id if target.koperasi else None,
        region=None if target.koperasi else target.code,
    )
    rows = _people_rows(session, found, nik_secret)
    title = _("Daftar peserta Bimtek KDKMP: %(name)s") % {"name": target.name}
    header = header_lines(title, target, words, now)
    if nik_secret is not None:
        header.insert(1, _("RAHASIA: berisi NIK (data pribadi). Jangan dibagikan."))
    return Table(title, _("Peserta"), header, columns, rows)


def _people_rows(
    session: Session, found: Iterator[services.PersonRow], nik_secret: str | None
) -> Iterator[list[Any]]:
    def cells(row: services.PersonRow, nik_text: str | None) -> list[Any]:
        return [
            row.name,
            *([] if nik_text is None else [nik_text]),
            jabatan_label(row.jabatan) or row.jabatan,
            row.koperasi or "",
            row.village_code or "",
            row.cohort,
            row.present,
            row.sessions,
            _round(row.attendance),
            _round(row.score),
            _yes(row.completed),
            _yes(row.certified),
        ]

    if nik_secret is None:
        for row in found:
            yield cells(row, None)
        return
    batch: list[services.PersonRow] = []
    for row in found:
        batch.append(row)
        if len(batch) >= NIK_BATCH:
            yield from _with_nik(session, batch, nik_secret, cells)
            batch = []
    yield from _with_nik(session, batch, nik_secret, cells)


def _with_nik(
    session: Session, batch: list[services.PersonRow], secret: str, cells: Any
) -> Iterator[list[Any]]:
    if not batch:
        return
    # The ids come from the scoped people query: no one outside the region is read here.
    ciphers = dict(
        session.execute(
            select(User.id, User.nik_cipher).where(User.id.in_({r.user_id for r in batch}))
        ).all()
    )
    for row in batch:
        cipher = ciphers.get(row.user_id)
        yield cells(row, _reveal(secret, cipher) if cipher else "")


def _reveal(secret: str, cipher: str) -> str:
    from cryptography.exceptions import InvalidTag

    try:
        return nik.decrypt(secret, cipher)
    except (InvalidTag, ValueError):
        # Encrypted under an earlier LMS_SECRET_KEY (see accounts/nik.py): say so in the cell.
        return _("(tidak terbaca)")


def session_table(
    cohort: Cohort, bars: list[SessionBar], target: Target, words: str, now: datetime
) -> Table:
    zone = ZoneInfo(TIMEZONES[cohort.timezone])
    columns = [
        Column(_("sesi"), width=6),
        Column(_("tanggal"), "date"),
        # A Bimtek holds several sesi a day: the date alone does not tell them apart.
        Column(_("jam"), "text", 10),
        Column(_("topik"), "text", 40),
        Column(_("hadir")),
        Column(_("anggota")),
        Column(_("hadir %"), "percent"),
    ]
    rows = []
    for number, bar in enumerate(bars, start=1):
        local = bar.starts_at.astimezone(zone)
        rows.append(
            [
                number,
                local.date().isoformat(),
                f"{local:%H.%M} {cohort.timezone}",
                bar.topic,
                bar.present,
                bar.members,
                _round(100 * bar.present / bar.members) if bar.members else None,
            ]
        )
    title = _("Kehadiran per sesi: %(cohort)s") % {"cohort": cohort.name}
    return Table(title, _("Sesi"), header_lines(title, target, words, now), columns, rows)


def score_table(metrics: Metrics, target: Target, words: str, now: datetime) -> Table:
    columns = [
        Column(_("rentang nilai"), "text", 14),
        Column(_("jumlah peserta"), width=14),
        Column(_("persen"), "percent"),
    ]
    scored = sum(metrics.buckets)
    rows = [
        [
            services.bucket_label(index),
            count,
            _round(100 * count / scored) if scored else None,
        ]
        for index, count in enumerate(metrics.buckets[:BUCKETS])
    ]
    rows.append([_("Jumlah"), scored, 100.0 if scored else None])
    title = _("Sebaran nilai kuis: %(name)s") % {"name": target.name}
    return Table(
        title, _("Nilai"), header_lines(title, target, words, now), columns, rows, totals=1
    )


# -- CSV -------------------------------------------------------------------------------------------


def _csv_value(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind in ("percent", "decimal"):
        return f"{float(value):.1f}"
    if kind == "int":
        return str(int(value))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as CSV (see the module's docstring), in pieces of about 64 KB."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in table.iter_rows():
        writer.writerow([_csv_value(k, v) for k, v in zip(kinds, row, strict=True)])
        if buffer.tell() >= CSV_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# -- the child process -----------------------------------------------------------------------------


def _take_child() -> None:
    if not _CHILDREN.acquire(timeout=CHILD_TIMEOUT):
        raise BuildFailed(f"no free export child after {CHILD_TIMEOUT} s")


def _tail(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read()[-2000:].decode("utf-8", "replace").strip() or "(no stderr)"


def xlsx_file(table: Table) -> IO[bytes]:
    """The workbook in a temporary file (read from the start; closing it deletes it).

    The rows go to the child as JSON lines while they are read from the database, and the child
    writes the workbook to a file, not a pipe: run_module would need the whole input in memory,
    and a province's list is some 15 MB of it, far more than the worker can spare."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    try:
        with tempfile.TemporaryFile() as errors:
            _take_child()
            try:
                code = _run_xlsx_child(table, out, errors)
            finally:
                _CHILDREN.release()
            if code != 0:
                raise BuildFailed(f"xlsx worker exited with {code}: {_tail(errors)}")
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _run_xlsx_child(table: Table, out: IO[bytes], errors: IO[bytes]) -> int:
    child = subprocess.Popen(  # noqa: S603 (this interpreter, our module, data through stdin)
        [sys.executable, "-m", WORKER, "xlsx"],
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=errors,
        cwd=ROOT,
    )
    assert child.stdin is not None
    try:
        try:
            child.stdin.write(json.dumps(table.spec(), ensure_ascii=False).encode("utf-8") + b"\n")
            for row in table.iter_rows():
                child.stdin.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
            child.stdin.close()
        except BrokenPipeError:
            pass  # it stopped early; its exit status says why
        return child.wait(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise BuildFailed(f"xlsx worker gave no result after {CHILD_TIMEOUT} s") from exc
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if not child.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                child.stdin.close()


def file_chunks(file: IO[bytes], size: int = CSV_CHUNK) -> Iterator[bytes]:
    try:
        while chunk := file.read(size):
            yield chunk
    finally:
        file.close()


def pdf_bytes(html: str) -> bytes:
    _take_child()
    try:
        done = run_module(WORKER, "pdf", data=html.encode("utf-8"), timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise BuildFailed(f"pdf worker gave no result after {CHILD_TIMEOUT} s") from exc
    finally:
        _CHILDREN.release()
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        stderr = done.stderr[-2000:].decode("utf-8", "replace")
        raise BuildFailed(f"pdf worker exited with {done.returncode}: {stderr}")
    return done.stdout


# -- the PDF summary -------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else format_number(round(value, 1)) + "%"


def summary_html(
    session: Session,
    scope: Scope,
    report: RegionReport,
    target: Target,
    cohort: Cohort | None,
    words: str,
    now: datetime,
) -> str:
    """The summary for the annual performance report (laporan kinerja), as HTML for WeasyPrint:
    key figures, three charts, the child table and what the figures mean."""
    from lms.templating import environment

    child = child_noun(report.level)
    completion = charts.bars(
        "lulus",
        _("Kelulusan per %(child)s") % {"child": child},
        _("Persentase peserta yang lulus di tiap %(child)s di %(name)s.")
        % {"child": child, "name": target.name},
        [(r.name, r.metrics.completion) for r in report.rows if r.metrics.participants],
    )
    scores = charts.histogram(
        "nilai",
        _("Sebaran nilai kuis"),
        _("Jumlah peserta per rentang nilai kuis di %(name)s.") % {"name": target.name},
        report.totals.buckets,
    )
    bars = services.session_attendance(session, scope, cohort, target.code) if cohort else []
    attendance = (
        charts.columns(
            "hadir",
            _("Kehadiran per sesi"),
            _("Peserta hadir di tiap sesi %(cohort)s.") % {"cohort": cohort.name},
            [(_("Sesi %(n)s") % {"n": i}, b.present, b.members) for i, b in enumerate(bars, 1)],
        )
        if cohort and bars
        else None
    )
    context = {
        "report": report,
        "target": target,
        "level_name": _(LEVEL_NOUNS[report.level]),
        "child_name": child,
        "words": words,
        "generated": format_datetime(now, target.timezone),
        "source": _(SOURCE),
        "cohort": cohort,
        "charts": {"completion": completion, "scores": scores, "attendance": attendance},
        "pct": _pct,
        "show_koperasi": report.level == LEVEL_DISTRICT,
    }
    return environment().get_template("reports/summary_pdf.html").render(context)
