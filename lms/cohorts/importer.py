"""Participant import for an angkatan: an XLSX or CSV file in, every row checked, valid rows in.

Two steps read the same stored bytes (CohortImport): `check()` reads the file and the database
and reports every problem by row and column; the commit checks everything again (the database
may have changed since the preview) and writes the valid rows in the caller's transaction. The
same person is found again by phone, NIK (its keyed hash) or email, so importing a file twice
changes nothing and a corrected file updates people instead of duplicating them.

Nothing is looked up per row: people, villages and koperasi are fetched BATCH keys at a time,
the kabupaten/kota once, and villages by name only for the rows that name them; new people are
inserted and changed people updated with executemany.

Web workers never load openpyxl (it would stay in their memory, and they must stay under
100 MB): with ``isolate=True`` workbooks are read and written by a child process,
``python -m lms.cohorts.importer read-xlsx|write-xlsx``, the way practice books are exported.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import json
import logging
import re
import subprocess
import sys
import tempfile
import unicodedata
import warnings
from collections.abc import Generator, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any, NamedTuple, cast

import phonenumbers
from sqlalchemy import Table as SQLTable
from sqlalchemy import bindparam, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from lms.accounts import nik as nik_codec
from lms.accounts.identifiers import IdentifierError, normalise_email
from lms.accounts.models import Jabatan, Role, User
from lms.accounts.services import role_label
from lms.audit.services import record
from lms.cohorts.models import Cohort, CohortImport, CohortMember
from lms.cohorts.services import add_members
from lms.config import get_settings
from lms.db import insert_ignoring_duplicates, utcnow
from lms.i18n import N_
from lms.i18n import gettext as _
from lms.regions.models import LEVEL_DISTRICT, LEVEL_PROVINCE, LEVEL_VILLAGE, Koperasi, Region
from lms.regions.services import VillageHit, normalise_code, normalise_name, short_regency
from lms.runtime import run_module

log = logging.getLogger("lms")

MAX_BYTES = 20 * 1024 * 1024
BATCH = 2000
# Errors kept in the stored report (the page shows them; the download has every rejected row).
STORED_ERRORS = 500
# A title or a blank line above the header row is tolerated, up to this many rows.
HEADER_SEARCH_ROWS = 10
# A compressed workbook of 20 MB can unpack to far more than any angkatan: bounds on what is
# read (a cell longer than any field is already wrong; columns after these are never ours).
MAX_ROWS = 250_000
MAX_COLUMNS = 60
MAX_CELL = 1000
# New people log in with a one-time login card; nobody can log in with this hash.
NO_PASSWORD = "!"  # noqa: S105 (not a password: a hash no password matches)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = (
    "nama",
    "jabatan",
    "no_hp",
    "email",
    "nik",
    "nama_koperasi",
    "kode_desa",
    "desa",
    "kecamatan",
    "kabupaten",
)
# Header cells are compared without case, spaces or punctuation: "No. HP" and "no_hp" are "nohp".
_HEADER_WORDS = {
    "nama": ("nama", "namalengkap", "namapeserta"),
    "jabatan": ("jabatan", "jabatandikoperasi"),
    "no_hp": (
        "nohp",
        "nomorhp",
        "hp",
        "nohandphone",
        "nomorhandphone",
        "handphone",
        "nowa",
        "nomorwa",
        "whatsapp",
        "notelepon",
        "nomortelepon",
        "telepon",
        "notelp",
        "telp",
    ),
    "email": ("email", "surel", "alamatemail"),
    "nik": ("nik", "noktp", "nomorktp", "nomorindukkependudukan"),
    "nama_koperasi": ("namakoperasi", "koperasi"),
    "kode_desa": ("kodedesa", "kodewilayah", "kodedesakelurahan", "kodekelurahan"),
    "desa": ("desa", "kelurahan", "desakelurahan", "namadesa"),
    "kecamatan": ("kecamatan", "kec"),
    "kabupaten": ("kabupaten", "kabupatenkota", "kabkota", "kota", "kab"),
}
_HEADER_INDEX = {word: column for column, words in _HEADER_WORDS.items() for word in words}
PLACE_COLUMNS = ("desa", "kecamatan", "kabupaten")

# "wakil ketua" is how people write it; the stored value is the Jabatan's.
_JABATAN_WORDS = {j.value.replace("_", " "): j.value for j in Jabatan}
_JABATAN_ALIASES = {
    "manager": Jabatan.MANAJER.value,
    "ketua pengurus": Jabatan.KETUA.value,
    "wakil ketua pengurus": Jabatan.WAKIL_KETUA.value,
    "sekretaris pengurus": Jabatan.SEKRETARIS.value,
    "bendahara pengurus": Jabatan.BENDAHARA.value,
    "ketua pengawas": Jabatan.PENGAWAS.value,
    "anggota pengawas": Jabatan.PENGAWAS.value,
}
_REGENCY_PREFIX = re.compile(r"^(kabupaten|kab\.?|kota)(\s+(administrasi|adm\.?))?\s+")
_DISTRICT_PREFIX = re.compile(r"^(kecamatan|kec\.?)\s+")
_VILLAGE_PREFIX = re.compile(r"^(desa|kelurahan|kel\.|ds\.)\s+")
_INTEGRAL_FLOAT = re.compile(r"^(\d+)\.0+$")
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


# -- file problems ---------------------------------------------------------------------------

_FILE_MESSAGES = {
    "empty": N_("Berkas kosong. Pilih berkas XLSX atau CSV berisi daftar peserta."),
    "too_large": N_(
        "Berkas lebih dari 20 MB. Bagi daftar peserta menjadi beberapa berkas lalu impor "
        "satu per satu."
    ),
    "format": N_(
        "Berkas harus berformat XLSX (Excel) atau CSV. Di Excel: Simpan Sebagai, lalu pilih "
        "Excel Workbook (.xlsx) atau CSV."
    ),
    "xls": N_(
        "Berkas .xls (Excel lama) belum dapat dibaca. Buka di Excel lalu simpan ulang sebagai "
        "Excel Workbook (.xlsx) atau CSV."
    ),
    "xlsx_unreadable": N_(
        "Berkas XLSX ini tidak dapat dibaca (mungkin rusak atau berkata sandi). Buka di Excel, "
        "simpan ulang sebagai .xlsx, lalu unggah lagi."
    ),
    "csv_unreadable": N_(
        "Berkas CSV ini tidak dapat dibaca. Simpan ulang dari Excel sebagai CSV, lalu unggah lagi."
    ),
    "no_header": N_(
        "Baris judul kolom tidak ditemukan. Baris pertama harus berisi judul kolom: nama, "
        "jabatan, no_hp, email, nik, nama_koperasi, kode_desa (atau desa, kecamatan, "
        "kabupaten). Pakai templat agar judulnya tepat."
    ),
    "missing_columns": N_(
        "Kolom wajib tidak ada: %(columns)s. Tambahkan kolom itu di baris judul (lihat templat)."
    ),
    "duplicate_column": N_(
        "Kolom %(column)s muncul dua kali (%(headers)s). Hapus salah satu, lalu unggah lagi."
    ),
    "no_rows": N_("Berkas hanya berisi baris judul, tanpa data peserta."),
    "too_many_rows": N_(
        "Berkas berisi lebih dari 250.000 baris. Bagi daftar peserta menjadi beberapa berkas."
    ),
}


class FileError(ValueError):
    """The file as a whole cannot be imported; `message` says why, in the reader's language."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        text = _(_FILE_MESSAGES.get(self.code, _FILE_MESSAGES["format"]))
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message


# -- reading the file ------------------------------------------------------------------------

RawRows = Iterator[tuple[int, list[str]]]
RowSource = Generator[tuple[int, list[str]], None, None]


def cell_text(value: object) -> str:
    """A cell as text. Excel gives numbers for phone numbers and codes typed without a leading
    apostrophe: 6281234567890.0 is "6281234567890", and 3603182014 stays whole."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def file_kind(data: bytes, filename: str) -> str:
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileError("xls")
    if name.endswith((".xlsx", ".xlsm", ".ods", ".xls")):
        raise FileError("xlsx_unreadable" if name.endswith((".xlsx", ".xlsm")) else "format")
    head = data[:4096]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError("format")
    return "csv"


def _xlsx_rows(data: bytes) -> RowSource:
    """Non-empty rows of the participant sheet, numbered as Excel shows them."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it skips; they do not matter for data.
        warnings.simplefilter("ignore")
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # zip, XML and openpyxl errors alike: the file is unreadable
            raise FileError("xlsx_unreadable") from exc
        try:
            sheets = [s for s in book.worksheets if s.title.strip().lower() != "petunjuk"]
            if not sheets:
                raise FileError("xlsx_unreadable")
            sheet = next((s for s in sheets if s.title.strip().lower() == "peserta"), sheets[0])
            # The dimension a file declares can be wrong (some exporters write A1:A1).
            sheet.reset_dimensions()
            try:
                rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
                for number, values in enumerate(rows, start=1):
                    cells = [cell_text(v)[:MAX_CELL] for v in values]
                    while cells and not cells[-1]:
                        cells.pop()
                    if cells:
                        yield number, cells
            except FileError:
                raise
            except Exception as exc:  # a damaged sheet part shows only while it is read
                raise FileError("xlsx_unreadable") from exc
        finally:
            book.close()


def _encoding(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # Only to learn whether it is UTF-8, a slice at a time; the text is read as a stream.
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        # What Excel on Windows writes for "CSV (Comma delimited)".
        return "cp1252"
    return "utf-8-sig"


def _delimiter(first_line: str) -> str:
    """Indonesian Excel separates with semicolons, others with commas (or tabs)."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> RowSource:
    encoding = _encoding(data)
    # Decoded as it is read: the whole text at once, and a StringIO of it, weighed several
    # times the file for 100,000 rows.
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    first = next((line for line in text if line.strip()), "")
    text.seek(0)
    reader = csv.reader(text, delimiter=_delimiter(first))
    try:
        for number, values in enumerate(reader, start=1):
            cells = [" ".join(v.split())[:MAX_CELL] for v in values[:MAX_COLUMNS]]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                yield number, cells
    except csv.Error as exc:
        raise FileError("csv_unreadable") from exc


@contextmanager
def _child_xlsx_rows(data: bytes) -> Iterator[RawRows]:
    """The rows of a workbook read by a child process (one JSON list per line)."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(  # our own interpreter and module; the data goes to stdin
            [sys.executable, "-m", "lms.cohorts.importer", "read-xlsx"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert child.stdin is not None and child.stdout is not None
        try:
            try:
                child.stdin.write(data)
                child.stdin.close()
            except BrokenPipeError:
                pass  # it stopped early; its exit status says what happened

            def rows(stdout: IO[bytes]) -> RawRows:
                for line in stdout:
                    item = json.loads(line)
                    if isinstance(item, dict):
                        raise FileError(str(item.get("error", "xlsx_unreadable")))
                    yield int(item[0]), [str(v) for v in item[1:]]
                if child.wait() != 0:
                    errors.seek(0)
                    log.error("xlsx reader failed: %s", errors.read()[-2000:].decode("replace"))
                    raise FileError("xlsx_unreadable")

            yield rows(child.stdout)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
            child.stdout.close()


@dataclass
class Table:
    """The participant rows of a file, after its header row."""

    kind: str  # "xlsx" or "csv"
    header_row: int
    headers: list[str]  # the header cells as written
    columns: dict[str, int]  # our column name -> its position
    rows: RawRows


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).lower())


def match_headers(cells: Sequence[str]) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Our columns found in a header row, and the columns written more than once."""
    found: dict[str, int] = {}
    twice: dict[str, list[str]] = {}
    for index, cell in enumerate(cells):
        column = _HEADER_INDEX.get(_header_key(cell))
        if column is None:
            continue
        if column in found:
            twice.setdefault(column, [cells[found[column]]]).append(cell)
        else:
            found[column] = index
    return found, twice


def _missing_columns(columns: dict[str, int]) -> list[str]:
    missing = [c for c in ("nama", "jabatan") if c not in columns]
    if "no_hp" not in columns and "email" not in columns:
        missing.append(_("no_hp (atau email)"))
    if "kode_desa" not in columns and not all(c in columns for c in PLACE_COLUMNS):
        missing.append(_("kode_desa (atau desa, kecamatan dan kabupaten)"))
    return missing


@contextmanager
def open_table(data: bytes, filename: str, *, isolate: bool = False) -> Iterator[Table]:
    """The file's header and its rows; FileError when it cannot be an import file at all."""
    if not data:
        raise FileError("empty")
    if len(data) > MAX_BYTES:
        raise FileError("too_large")
    kind = file_kind(data, filename)
    source: AbstractContextManager[RawRows]
    if kind == "xlsx" and isolate:
        source = _child_xlsx_rows(data)
    else:
        source = closing(_xlsx_rows(data) if kind == "xlsx" else _csv_rows(data))
    with source as raw:
        rows = iter(raw)
        found: tuple[int, list[str], dict[str, int], dict[str, list[str]]] | None = None
        seen = 0
        for seen, (number, cells) in enumerate(rows, start=1):
            columns, twice = match_headers(cells)
            if len(columns) >= 2:
                found = (number, cells, columns, twice)
                break
            if seen >= HEADER_SEARCH_ROWS:
                break
        if found is None:
            raise FileError("no_header" if seen else "empty")
        number, cells, columns, twice = found
        if twice:
            column, headers = next(iter(twice.items()))
            raise FileError("duplicate_column", column=column, headers=", ".join(headers))
        missing = _missing_columns(columns)
        if missing:
            raise FileError("missing_columns", columns=", ".join(missing))
        yield Table(kind=kind, header_row=number, headers=cells, columns=columns, rows=rows)


# -- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(slots=True)
class _Row:
    number: int
    cells: list[str]
    name: str = ""
    jabatan: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None
    nik_hash: str | None = None
    koperasi_name: str = ""
    village: str | None = None
    place: tuple[str, str, str] | None = None  # desa, kecamatan, kabupaten as written
    duplicate: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))


class _Person(NamedTuple):
    id: int
    name: str
    phone: str | None
    email: str | None
    nik_hash: str | None
    jabatan: str | None
    koperasi_id: int | None
    province_code: str | None
    regency_code: str | None
    role: str


_PERSON_COLUMNS = (
    User.id,
    User.name,
    User.phone,
    User.email,
    User.nik_hash,
    User.jabatan,
    User.koperasi_id,
    User.province_code,
    User.regency_code,
    User.role,
)


@dataclass(slots=True)
class _Create:
    name: str
    jabatan: str
    phone: str | None
    email: str | None
    nik: str | None
    village: str


@dataclass(slots=True)
class _Update:
    user_id: int
    values: dict[str, Any]
    nik: str | None  # a new NIK to encrypt
    village: str | None  # a new koperasi (by its village), with the region that comes with it


@dataclass
class Rejected:
    row: int
    cells: list[str]
    messages: list[tuple[str, str]]


@dataclass
class Report:
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    koperasi_created: int = 0
    members_added: int = 0
    errors: list[RowError] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "koperasi_created": self.koperasi_created,
            "members_added": self.members_added,
        }

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        """Counts and row errors (at most `limit` of them); never a NIK."""
        errors = self.errors if limit is None else self.errors[:limit]
        return {
            **self.counts(),
            "errors": [e.as_dict() for e in errors],
            "errors_total": len(self.errors),
        }


@dataclass
class Plan:
    """What a commit of the checked file would do."""

    report: Report
    creates: list[_Create] = field(default_factory=list)
    updates: list[_Update] = field(default_factory=list)
    # Everyone a valid row names, in file order (existing people only; new ones get ids later).
    existing_ids: list[int] = field(default_factory=list)
    koperasi_ids: dict[str, int] = field(default_factory=dict)
    new_koperasi: dict[str, str] = field(default_factory=dict)  # village code -> name
    rejected: list[Rejected] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)


class _Regions:
    """Province and kabupaten/kota names, loaded in one query, for NIK checks, name lookups and
    messages."""

    def __init__(self, session: Session) -> None:
        self.names: dict[str, str] = {}
        # Bare name ("tangerang") -> [(code, is_kota)].
        self.by_bare_name: dict[str, list[tuple[str, bool]]] = {}
        for code, level, name in session.execute(
            select(Region.code, Region.level, Region.name).where(Region.level <= 2)
        ):
            self.names[code] = name
            if level != LEVEL_PROVINCE:
                bare = _REGENCY_PREFIX.sub("", normalise_name(name))
                self.by_bare_name.setdefault(bare, []).append((code, int(code[3:5]) >= 71))

    def is_regency(self, code: str) -> bool:
        return len(code) == 5 and code in self.names

    def label(self, code: str) -> str:
        name = self.names.get(code, code)
        return short_regency(name) if len(code) == 5 else name

    def regencies_named(self, text: str) -> list[str]:
        key = normalise_name(text)
        wants: bool | None = None
        match = _REGENCY_PREFIX.match(key)
        if match:
            wants = match.group(1) == "kota"
            key = key[match.end() :]
        return [
            code for code, kota in self.by_bare_name.get(key, []) if wants is None or kota == wants
        ]


def _plan_each_query(session: Session) -> None:
    """On PostgreSQL, plan every statement of this transaction with its own values.

    psycopg prepares a statement run five times, and the server's generic plan for
    "phone IN ($1 ... $2000)" compares every row with every parameter: 0.7 s a query on 30,000
    people instead of 15 ms, and the import repeats each lookup for every BATCH of rows."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _numeric_text(text: str) -> str:
    """A phone number, NIK or code as typed: without the apostrophe Excel users put in front,
    and without the ".0" of a number that went through a float."""
    text = text.strip().lstrip("'").strip()
    match = _INTEGRAL_FLOAT.match(text)
    return match.group(1) if match else text


_PHONE_NOISE = re.compile(r"[\s\-().]")


def classify_phone(text: str) -> tuple[str | None, bool]:
    """(E.164, is a mobile number) as identifiers.normalise_phone and is_mobile decide, or
    (None, False) for a number that is not Indonesian. One parse and one type lookup instead of
    two of each: phone numbers took more than half of the row checks' time on 100,000 rows (a
    property test holds this equal to the two account functions)."""
    cleaned = _PHONE_NOISE.sub("", text)
    if cleaned.startswith("62"):
        cleaned = "+" + cleaned
    try:
        number = phonenumbers.parse(cleaned, "ID")
    except phonenumbers.NumberParseException:
        return None, False
    if number.country_code != 62:
        return None, False
    # number_type() is UNKNOWN exactly when is_valid_number() is false.
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return None, False
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, kind in _MOBILE_TYPES


def parse_jabatan(text: str) -> tuple[str | None, str | None]:
    """(the Jabatan value, None), or (None, the closest valid jabatan as people write it)."""
    key = " ".join(re.sub(r"[_\-.]", " ", text.lower()).split())
    value = _JABATAN_WORDS.get(key) or _JABATAN_ALIASES.get(key)
    if value:
        return value, None
    close = difflib.get_close_matches(key, list(_JABATAN_WORDS), n=1, cutoff=0.6)
    return None, close[0] if close else None


def _jabatan_choices() -> str:
    return ", ".join(_JABATAN_WORDS)


# A phone or email of someone else than the person the NIK (or the phone) belongs to.
_CONFLICTS = {
    ("no_hp", "nik"): N_("Nomor HP ini terdaftar untuk orang lain, bukan pemilik NIK ini."),
    ("email", "nik"): N_("Email ini terdaftar untuk orang lain, bukan pemilik NIK ini."),
    ("email", "no_hp"): N_("Email ini terdaftar untuk orang lain, bukan pemilik nomor HP ini."),
}


class _Checker:
    def __init__(self, session: Session, cohort: Cohort, table: Table, keep_rejected: bool):
        self.session = session
        self.cohort = cohort
        self.table = table
        self.keep_rejected = keep_rejected
        self.secret = get_settings().secret_key
        _plan_each_query(session)
        self.regions = _Regions(session)
        self.region_prefix = cohort.region_code + "."
        self.plan = Plan(report=Report(), headers=list(table.headers))
        # First row of each phone, NIK (hash), email and existing person in the file.
        self.seen_phone: dict[str, int] = {}
        self.seen_nik: dict[str, int] = {}
        self.seen_email: dict[str, int] = {}
        self.seen_person: dict[int, int] = {}
        self.codes: dict[str, str] = {}

    def run(self) -> Plan:
        chunk: list[_Row] = []
        for count, (number, cells) in enumerate(self.table.rows, start=1):
            if count > MAX_ROWS:
                raise FileError("too_many_rows")
            chunk.append(self.parse(number, cells))
            if len(chunk) >= BATCH:
                self.resolve(chunk)
                chunk = []
        if chunk:
            self.resolve(chunk)
        report = self.plan.report
        if report.rows == 0:
            raise FileError("no_rows")
        report.koperasi_created = len(self.plan.new_koperasi)
        return self.plan

    # -- one row on its own ----------------------------------------------------------------

    def parse(self, number: int, cells: list[str]) -> _Row:
        columns = self.table.columns
        row = _Row(number, cells)

        def get(column: str) -> str:
            index = columns.get(column)
            return cells[index] if index is not None and index < len(cells) else ""

        name = " ".join(get("nama").split())
        if not name:
            row.error("nama", _("Nama wajib diisi."))
        elif len(name) > 200:
            row.error("nama", _("Nama terlalu panjang (paling banyak 200 huruf)."))
        row.name = name

        written = get("jabatan")
        if not written:
            row.error(
                "jabatan",
                _("Jabatan wajib diisi: %(choices)s.") % {"choices": _jabatan_choices()},
            )
        else:
            row.jabatan, suggestion = parse_jabatan(written)
            if row.jabatan is None and suggestion:
                row.error(
                    "jabatan",
                    _("Jabatan '%(value)s' tidak dikenal. Maksud Anda '%(suggestion)s'?")
                    % {"value": written[:40], "suggestion": suggestion},
                )
            elif row.jabatan is None:
                row.error(
                    "jabatan",
                    _("Jabatan '%(value)s' tidak dikenal. Pilih salah satu: %(choices)s.")
                    % {"value": written[:40], "choices": _jabatan_choices()},
                )

        phone_text = _numeric_text(get("no_hp"))
        email_text = get("email").strip()
        if not phone_text and not email_text:
            row.error("no_hp", _("Isi nomor HP (atau email bila peserta tidak punya HP)."))
        if phone_text:
            self._phone(row, phone_text)
        if email_text:
            try:
                row.email = normalise_email(email_text)
            except IdentifierError:
                row.error(
                    "email",
                    _("Alamat email '%(value)s' tidak sah. Contoh: nama@contoh.id")
                    % {"value": email_text[:60]},
                )
            else:
                self._once(row, "email", row.email, self.seen_email)

        nik_text = get("nik")
        if nik_text:
            nik = nik_codec.clean(_numeric_text(nik_text))
            # Never repeat the NIK in a message: messages are stored and shown.
            if not nik_codec.NIK_RE.match(nik):
                row.error("nik", _("NIK harus 16 angka."))
            elif not self.regions.is_regency(nik_codec.regency_of(nik)):
                row.error(
                    "nik",
                    _(
                        "Empat angka pertama NIK bukan kode kabupaten/kota yang terdaftar: "
                        "periksa NIK."
                    ),
                )
            else:
                row.nik = nik
                row.nik_hash = nik_codec.lookup_hash(self.secret, nik)
                self._once(row, "nik", row.nik_hash, self.seen_nik)

        row.koperasi_name = " ".join(get("nama_koperasi").split())[:200]
        code_text = _numeric_text(get("kode_desa"))
        if code_text:
            code = normalise_code(code_text)
            if code is None or len(code) != 13:
                row.error(
                    "kode_desa",
                    _(
                        "Kode desa '%(value)s' tidak sah: tulis 10 angka, misalnya 3603182014 "
                        "atau 36.03.18.2014."
                    )
                    % {"value": code_text[:30]},
                )
            else:
                # Thousands of rows name the same few villages: one string each.
                row.village = self.codes.setdefault(code, code)
        else:
            place = tuple(get(c) for c in PLACE_COLUMNS)
            if not any(place):
                row.error("kode_desa", _("Isi kode_desa, atau nama desa, kecamatan dan kabupaten."))
            elif not all(place):
                column = PLACE_COLUMNS[[bool(p) for p in place].index(False)]
                row.error(
                    column, _("Lengkapi nama desa, kecamatan dan kabupaten, atau isi kode_desa.")
                )
            else:
                row.place = place  # type: ignore[assignment]
        return row

    def _phone(self, row: _Row, text: str) -> None:
        phone, mobile = classify_phone(text)
        if phone is None:
            row.error(
                "no_hp",
                _(
                    "Nomor HP '%(value)s' tidak dikenali sebagai nomor Indonesia. Tulis "
                    "misalnya 0812 3456 7890."
                )
                % {"value": text[:30]},
            )
            return
        if not mobile:
            row.error(
                "no_hp",
                _(
                    "Nomor '%(value)s' bukan nomor HP (seluler). Tulis nomor HP, misalnya "
                    "0812 3456 7890."
                )
                % {"value": text[:30]},
            )
            return
        row.phone = phone
        self._once(row, "no_hp", phone, self.seen_phone)

    def _once(self, row: _Row, column: str, key: str, seen: dict[str, int]) -> None:
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = row.number
            return
        row.duplicate = True
        message = {
            "no_hp": N_("Nomor HP ini sudah dipakai di baris %(row)d."),
            "nik": N_("NIK ini sudah dipakai di baris %(row)d."),
            "email": N_("Email ini sudah dipakai di baris %(row)d."),
        }[column]
        row.error(column, _(message) % {"row": earlier})

    # -- a chunk of rows against the database --------------------------------------------

    def _people(self, column: Any, keys: set[str]) -> dict[str, _Person]:
        found: dict[str, _Person] = {}
        ordered = sorted(keys)
        for part in _chunks(ordered):
            for values in self.session.execute(
                select(*_PERSON_COLUMNS).where(column.in_(part))
            ).all():
                person = _Person._make(values)
                found[getattr(person, column.key)] = person
        return found

    def _villages_by_code(self, codes: set[str]) -> dict[str, str]:
        if not codes:
            return {}
        return dict(
            self.session.execute(
                select(Region.code, Region.name).where(
                    Region.code.in_(sorted(codes)), Region.level == LEVEL_VILLAGE
                )
            ).all()
        )

    def _villages_by_name(self, rows: list[_Row], names: dict[str, str]) -> None:
        """Set each row's village from its desa, kecamatan and kabupaten names, or an error."""
        wanted: list[tuple[_Row, list[str], str, str]] = []
        for row in rows:
            assert row.place is not None
            desa, kecamatan, kabupaten = row.place
            regencies = self.regions.regencies_named(kabupaten)
            if not regencies:
                row.error(
                    "kabupaten",
                    _("Kabupaten/kota '%(name)s' tidak ditemukan.") % {"name": kabupaten[:80]},
                )
                continue
            district_key = _DISTRICT_PREFIX.sub("", normalise_name(kecamatan))
            village_key = _VILLAGE_PREFIX.sub("", normalise_name(desa))
            wanted.append((row, regencies, district_key, village_key))
        if not wanted:
            return
        regency_codes = sorted({c for _, regencies, _, _ in wanted for c in regencies})
        district_keys = sorted({d for _, _, d, _ in wanted})
        districts: dict[tuple[str, str], list[str]] = {}
        for code, parent, key in self.session.execute(
            select(Region.code, Region.parent_code, Region.search_name).where(
                Region.level == LEVEL_DISTRICT,
                Region.parent_code.in_(regency_codes),
                Region.search_name.in_(district_keys),
            )
        ):
            districts.setdefault((parent or "", key), []).append(code)
        district_codes = sorted({c for codes in districts.values() for c in codes})
        village_keys = sorted({v for _, _, _, v in wanted})
        villages: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for part in _chunks(district_codes):
            for code, parent, key, name in self.session.execute(
                select(Region.code, Region.parent_code, Region.search_name, Region.name).where(
                    Region.level == LEVEL_VILLAGE,
                    Region.parent_code.in_(part),
                    Region.search_name.in_(village_keys),
                )
            ):
                villages.setdefault((parent or "", key), []).append((code, name))
        for row, regencies, district_key, village_key in wanted:
            assert row.place is not None
            desa, kecamatan, kabupaten = row.place
            found_districts = [d for r in regencies for d in districts.get((r, district_key), [])]
            if not found_districts:
                row.error(
                    "kecamatan",
                    _("Kecamatan '%(district)s' tidak ditemukan di %(regency)s.")
                    % {"district": kecamatan[:80], "regency": kabupaten[:80]},
                )
                continue
            hits = [v for d in found_districts for v in villages.get((d, village_key), [])]
            if len(hits) > 1:
                # The same names in two places: the one inside the cohort's region is meant.
                inside = [h for h in hits if h[0].startswith(self.region_prefix)]
                hits = inside if len(inside) == 1 else hits
            if len(hits) > 1:
                # A desa and a kelurahan of one name in one kecamatan: "Kelurahan X" says which
                # (the tenth digit of the code is 1 for a kelurahan, 2 for a desa).
                prefix = _VILLAGE_PREFIX.match(normalise_name(desa))
                if prefix:
                    digit = "1" if prefix.group(1).startswith("kel") else "2"
                    hits = [h for h in hits if h[0][9] == digit] or hits
            if not hits:
                row.error(
                    "desa",
                    _("Desa/kelurahan '%(village)s' tidak ditemukan di Kecamatan %(district)s.")
                    % {"village": desa[:80], "district": kecamatan[:80]},
                )
            elif len(hits) > 1:
                row.error(
                    "desa",
                    _(
                        "Nama desa '%(village)s' cocok dengan %(count)d desa/kelurahan. Isi "
                        "kode_desa untuk memilih yang benar."
                    )
                    % {"village": desa[:80], "count": len(hits)},
                )
            else:
                code, name = hits[0]
                row.village = code
                names[code] = name

    def resolve(self, chunk: list[_Row]) -> None:
        session, plan = self.session, self.plan
        by_phone = self._people(User.phone, {r.phone for r in chunk if r.phone})
        by_nik = self._people(User.nik_hash, {r.nik_hash for r in chunk if r.nik_hash})
        by_email = self._people(User.email, {r.email for r in chunk if r.email})
        names = self._villages_by_code({r.village for r in chunk if r.village})
        for row in chunk:
            if row.village and row.village not in names:
                row.error(
                    "kode_desa",
                    _("Kode desa '%(code)s' tidak ditemukan di data wilayah Kemendagri.")
                    % {"code": row.village},
                )
                row.village = None
        self._villages_by_name([r for r in chunk if r.place], names)
        for row in chunk:
            if row.village and not row.village.startswith(self.region_prefix):
                row.error(
                    "kode_desa" if row.place is None else "desa",
                    _("Desa %(village)s (%(code)s) di luar wilayah angkatan ini, %(region)s.")
                    % {
                        "village": names.get(row.village, ""),
                        "code": row.village,
                        "region": self.regions.label(self.cohort.region_code),
                    },
                )
                row.village = None
        wanted_koperasi = sorted(
            {r.village for r in chunk if r.village and r.village not in plan.koperasi_ids}
        )
        for part in _chunks(wanted_koperasi):
            plan.koperasi_ids.update(
                session.execute(
                    select(Koperasi.village_code, Koperasi.id).where(
                        Koperasi.village_code.in_(part)
                    )
                ).all()
            )
        matched: dict[int, _Person] = {}
        for row in chunk:
            person = self._person(row, by_nik, by_phone, by_email)
            if person is not None:
                matched[row.number] = person
        members: set[int] = set()
        ids = sorted({p.id for number, p in matched.items()})
        for part in _chunks(ids):
            members.update(
                session.scalars(
                    select(CohortMember.user_id).where(
                        CohortMember.cohort_id == self.cohort.id, CohortMember.user_id.in_(part)
                    )
                )
            )
        report = plan.report
        for row in chunk:
            report.rows += 1
            if row.errors:
                report.invalid += 1
                report.errors.extend(RowError(row.number, c, m) for c, m in row.errors)
                if self.keep_rejected:
                    plan.rejected.append(Rejected(row.number, row.cells, row.errors))
                continue
            assert row.village is not None and row.jabatan is not None
            report.valid += 1
            if row.village not in plan.koperasi_ids and row.village not in plan.new_koperasi:
                plan.new_koperasi[row.village] = row.koperasi_name or (
                    VillageHit(
                        code=row.village,
                        name=names.get(row.village, row.village),
                        district="",
                        regency="",
                        province="",
                        is_kelurahan=row.village[9] == "1",
                    ).default_koperasi_name
                )
            person = matched.get(row.number)
            if person is None:
                report.created += 1
                report.members_added += 1
                plan.creates.append(
                    _Create(row.name, row.jabatan, row.phone, row.email, row.nik, row.village)
                )
                continue
            plan.existing_ids.append(person.id)
            if person.id not in members:
                report.members_added += 1
            change = self._changes(row, person)
            if change is None:
                report.unchanged += 1
            else:
                report.updated += 1
                plan.updates.append(change)

    def _person(
        self,
        row: _Row,
        by_nik: dict[str, _Person],
        by_phone: dict[str, _Person],
        by_email: dict[str, _Person],
    ) -> _Person | None:
        """The existing person this row names, if any; conflicts are errors on the row."""
        found = [
            (column, person)
            for column, person in (
                ("nik", by_nik.get(row.nik_hash) if row.nik_hash else None),
                ("no_hp", by_phone.get(row.phone) if row.phone else None),
                ("email", by_email.get(row.email) if row.email else None),
            )
            if person is not None
        ]
        if not found:
            return None
        key, person = found[0]
        for column, other in found[1:]:
            if other.id != person.id:
                row.error(column, _(_CONFLICTS[(column, key)]))
        if person.role not in (Role.PESERTA, Role.PENDAMPING):
            # A login card for a staff account would open that account: not through an import.
            row.error(
                key,
                _("Akun ini milik staf (%(role)s) dan tidak dapat diimpor sebagai peserta.")
                % {"role": role_label(person.role)},
            )
            return None
        if not row.duplicate:
            earlier = self.seen_person.setdefault(person.id, row.number)
            if earlier != row.number:
                row.error(key, _("Orang yang sama sudah ada di baris %(row)d.") % {"row": earlier})
        return person

    def _changes(self, row: _Row, person: _Person) -> _Update | None:
        assert row.village is not None
        values: dict[str, Any] = {}
        if person.name != row.name:
            values["name"] = row.name
        if person.jabatan != row.jabatan:
            values["jabatan"] = row.jabatan
        nik = row.nik if row.nik_hash and row.nik_hash != person.nik_hash else None
        village = None
        # A pendamping keeps the logins and the region of the staff account.
        if person.role == Role.PESERTA:
            if row.phone and row.phone != person.phone:
                values["phone"] = row.phone
            if row.email and row.email != person.email:
                values["email"] = row.email
            koperasi_id = self.plan.koperasi_ids.get(row.village)
            if (
                koperasi_id is None
                or person.koperasi_id != koperasi_id
                or person.province_code != row.village[:2]
                or person.regency_code != row.village[:5]
            ):
                village = row.village
        if not values and nik is None and village is None:
            return None
        return _Update(person.id, values, nik, village)


def check(session: Session, cohort: Cohort, table: Table, *, keep_rejected: bool = False) -> Plan:
    """Check every row of the table against the database; nothing is written."""
    return _Checker(session, cohort, table, keep_rejected).run()


# -- writing ----------------------------------------------------------------------------------


_NEW_PERSON_COLUMNS = (
    "name",
    "phone",
    "email",
    "koperasi_id",
    "jabatan",
    "province_code",
    "regency_code",
    "nik_cipher",
    "nik_hash",
    "nik_last4",
)


def _insert_people(session: Session, rows: list[dict[str, Any]], now: datetime) -> list[int]:
    """Insert new participants (role peserta, no usable password); returns their ids."""
    table = cast(SQLTable, User.__table__)
    fixed = {
        "password_hash": NO_PASSWORD,
        "role": Role.PESERTA.value,
        "is_active": True,
        "created_at": now,
    }
    if session.get_bind().dialect.name != "postgresql":
        return list(
            session.scalars(insert(table).returning(table.c.id), [{**r, **fixed} for r in rows])
        )
    # One array per column, one statement per chunk: as a VALUES list of a row per person,
    # psycopg spent longer rewriting the 40,000 placeholders than the server took to insert.
    arrays = (
        func.unnest(
            *(
                bindparam(f"new_{c}", [r[c] for r in rows], type_=ARRAY(table.c[c].type))
                for c in _NEW_PERSON_COLUMNS
            )
        )
        .table_valued(*_NEW_PERSON_COLUMNS)
        .render_derived(name="new_people")
    )
    source = select(
        *(arrays.c[c] for c in _NEW_PERSON_COLUMNS),
        *(literal(value, table.c[c].type) for c, value in fixed.items()),
    )
    statement = (
        insert(table).from_select([*_NEW_PERSON_COLUMNS, *fixed], source).returning(table.c.id)
    )
    return list(session.scalars(statement))


def apply(session: Session, cohort: Cohort, plan: Plan) -> Report:
    """Write a checked plan in the session's transaction; returns the report with the real
    number of people added to the cohort."""
    secret = get_settings().secret_key
    now = utcnow()
    _plan_each_query(session)
    koperasi_ids = dict(plan.koperasi_ids)
    new_villages = sorted(plan.new_koperasi)
    for part in _chunks(new_villages):
        # A koperasi registered meanwhile for the same village is simply used.
        insert_ignoring_duplicates(
            session,
            Koperasi.__table__,
            [
                {
                    "name": plan.new_koperasi[code],
                    "village_code": code,
                    "province_code": code[:2],
                    "regency_code": code[:5],
                    "legal_number": None,
                    "created_at": now,
                    "updated_at": now,
                }
                for code in part
            ],
            ["village_code"],
        )
        koperasi_ids.update(
            session.execute(
                select(Koperasi.village_code, Koperasi.id).where(Koperasi.village_code.in_(part))
            ).all()
        )

    def nik_values(nik: str | None) -> dict[str, str | None]:
        if nik is None:
            return {}
        return {
            "nik_cipher": nik_codec.encrypt(secret, nik),
            "nik_hash": nik_codec.lookup_hash(secret, nik),
            "nik_last4": nik[-4:],
        }

    new_ids: list[int] = []
    for part in _chunks(plan.creates):
        rows = [
            {
                "name": c.name,
                "phone": c.phone,
                "email": c.email,
                "koperasi_id": koperasi_ids[c.village],
                "jabatan": c.jabatan,
                "province_code": c.village[:2],
                "regency_code": c.village[:5],
                "nik_cipher": None,
                "nik_hash": None,
                "nik_last4": None,
                **nik_values(c.nik),
            }
            for c in part
        ]
        new_ids.extend(_insert_people(session, rows, now))
    # executemany wants one set of columns per statement: group the updates by theirs.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in plan.updates:
        values = {**change.values, **nik_values(change.nik)}
        if change.village is not None:
            values.update(
                koperasi_id=koperasi_ids[change.village],
                province_code=change.village[:2],
                regency_code=change.village[:5],
            )
        groups.setdefault(tuple(sorted(values)), []).append({"id": change.user_id, **values})
    for params in groups.values():
        for part in _chunks(params):
            session.execute(update(User), list(part))
    report = plan.report
    report.members_added = add_members(
        session, cohort, [*plan.existing_ids, *new_ids], source="impor"
    )
    session.flush()
    return report


# -- stored imports: preview, commit, rejected rows -------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def clean_filename(filename: str | None) -> str:
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return name[:200] or "peserta"


def preview(
    session: Session, cohort: Cohort, data: bytes, filename: str, *, isolate: bool = False
) -> Report:
    """The report of a file: every problem and what a commit would do (nothing is written)."""
    with open_table(data, filename, isolate=isolate) as table:
        return check(session, cohort, table).report


def store(
    session: Session,
    cohort: Cohort,
    data: bytes,
    filename: str,
    report: Report,
    actor: User | None,
) -> CohortImport:
    upload = CohortImport(
        cohort_id=cohort.id,
        filename=clean_filename(filename),
        # The file may carry NIKs: it is stored encrypted, like the NIK columns.
        data=nik_codec.seal(get_settings().secret_key, data),
        sha256=sha256(data),
        report=report.as_dict(STORED_ERRORS),
        created_by_id=actor.id if actor else None,
    )
    session.add(upload)
    session.flush()
    return upload


def _finish(
    session: Session,
    cohort: Cohort,
    upload: CohortImport,
    plan: Plan,
    actor: User | None,
    ip: str | None,
) -> Report:
    report = apply(session, cohort, plan)
    upload.result = report.as_dict(STORED_ERRORS)
    upload.committed_at = utcnow()
    record(
        session,
        actor=actor,
        action="cohort.import",
        entity_type="cohort_import",
        entity_id=upload.id,
        after={"cohort": cohort.slug, "filename": upload.filename, **report.counts()},
        ip=ip,
        region_code=cohort.region_code,
    )
    session.flush()
    return report


def commit_upload(
    session: Session,
    cohort: Cohort,
    import_id: int,
    actor: User | None,
    *,
    isolate: bool = False,
    ip: str | None = None,
) -> tuple[CohortImport, Report | None]:
    """Import the valid rows of a stored upload, in the session's (write) transaction.

    Everything is checked again: people and koperasi may have changed since the preview. The
    upload's row is locked first, so a second commit of the same upload (a double click) waits
    for the first and then finds it done: (upload, None) means nothing was imported now.
    """
    upload = session.scalar(
        select(CohortImport)
        .where(CohortImport.id == import_id, CohortImport.cohort_id == cohort.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if upload is None:
        raise LookupError(import_id)
    if upload.committed_at is not None:
        return upload, None
    data = nik_codec.unseal(get_settings().secret_key, upload.data)
    with open_table(data, upload.filename, isolate=isolate) as table:
        plan = check(session, cohort, table)
    return upload, _finish(session, cohort, upload, plan, actor, ip)


def import_file(
    session: Session, cohort: Cohort, data: bytes, filename: str, actor: User | None = None
) -> tuple[CohortImport, Report]:
    """Check and commit in one go (the command line); the file is stored like an upload, so
    the web page lists it and offers its rejected rows."""
    with open_table(data, filename) as table:
        plan = check(session, cohort, table)
    upload = store(session, cohort, data, filename, plan.report, actor)
    return upload, _finish(session, cohort, upload, plan, actor, None)


def rejected_rows(
    session: Session, cohort: Cohort, upload: CohortImport, *, isolate: bool = False
) -> tuple[list[str], list[Rejected]]:
    """The header and the rows in error, checked again against the database as it is now."""
    data = nik_codec.unseal(get_settings().secret_key, upload.data)
    with open_table(data, upload.filename, isolate=isolate) as table:
        plan = check(session, cohort, table, keep_rejected=True)
    return plan.headers, plan.rejected


def rejected_workbook(
    headers: list[str], rejected: Sequence[Rejected], *, isolate: bool = False
) -> bytes:
    """The rejected rows with the file's own columns and a "kesalahan" column."""
    width = max([len(headers), *(len(r.cells) for r in rejected)])
    head = [*headers, *[""] * (width - len(headers)), "kesalahan"]
    rows = [
        [
            *r.cells,
            *[""] * (width - len(r.cells)),
            "; ".join(f"{column}: {message}" for column, message in r.messages),
        ]
        for r in rejected
    ]
    sheet = {
        "title": "Ditolak",
        "rows": [head, *rows],
        "text_columns": list(range(width + 1)),
        "widths": [18] * width + [70],
        "bold_header": True,
        "freeze": "A2",
    }
    return write_workbook([sheet], isolate=isolate)


def template_workbook(example: VillageHit | None, *, isolate: bool = False) -> bytes:
    """The import template: the columns with one example row, and a sheet "Petunjuk"."""
    village = example or VillageHit(
        code="36.03.01.2003",
        name="Cangkudu",
        district="Balaraja",
        regency="Kabupaten Tangerang",
        province="Banten",
        is_kelurahan=False,
    )
    row = [
        "Siti Aminah",
        "ketua",
        "0812-3456-7890",
        "",
        "",
        village.default_koperasi_name,
        village.code.replace(".", ""),
        village.name,
        village.district,
        village.regency,
    ]
    guide: list[list[str]] = [
        [_("Kolom"), _("Wajib"), _("Keterangan")],
        ["nama", _("ya"), _("Nama lengkap peserta, seperti di KTP.")],
        [
            "jabatan",
            _("ya"),
            _("Salah satu dari: %(choices)s.") % {"choices": _jabatan_choices()},
        ],
        [
            "no_hp",
            _("ya, kecuali email diisi"),
            _(
                "Nomor HP (seluler) Indonesia, misalnya 0812-3456-7890. Dipakai untuk masuk "
                "dan mengenali orang yang sama pada impor berikutnya."
            ),
        ],
        ["email", _("tidak"), _("Alamat email, bila ada.")],
        [
            "nik",
            _("tidak"),
            _(
                "NIK 16 angka. Disimpan terenkripsi dan hanya ditampilkan tersamar. Ketik "
                "sebagai teks (kolom ini sudah berformat teks): Excel membulatkan angka "
                "sepanjang 16 digit."
            ),
        ],
        [
            "nama_koperasi",
            _("tidak"),
            _(
                "Dipakai bila koperasi desa itu belum terdaftar; bila kosong, namanya "
                "Koperasi Desa/Kelurahan Merah Putih <nama desa>."
            ),
        ],
        [
            "kode_desa",
            _("ya, atau desa + kecamatan + kabupaten"),
            _(
                "Kode desa/kelurahan Kemendagri 10 angka, dengan atau tanpa titik "
                "(3603012003 atau 36.03.01.2003). Bila diisi, kolom desa, kecamatan dan "
                "kabupaten tidak dipakai."
            ),
        ],
        ["desa", _("bila kode_desa kosong"), _("Nama desa/kelurahan.")],
        ["kecamatan", _("bila kode_desa kosong"), _("Nama kecamatan.")],
        [
            "kabupaten",
            _("bila kode_desa kosong"),
            _('Nama kabupaten/kota, boleh dengan "Kab.", "Kabupaten" atau "Kota".'),
        ],
        ["", "", ""],
        [
            _("Catatan"),
            "",
            _(
                "Baris 1 berisi judul kolom; urutan kolom bebas. Ganti baris contoh dengan "
                "data peserta. Orang dengan nomor HP atau NIK yang sama dikenali sebagai "
                "orang yang sama: datanya diperbarui, tidak dibuat ganda."
            ),
        ],
    ]
    text_columns = [COLUMNS.index(c) for c in ("no_hp", "nik", "kode_desa")]
    sheets = [
        {
            "title": "Peserta",
            "rows": [list(COLUMNS), row],
            "text_columns": text_columns,
            "widths": [24, 14, 18, 26, 20, 40, 16, 20, 20, 24],
            "bold_header": True,
            "freeze": "A2",
            "column_formats": text_columns,
        },
        {
            "title": "Petunjuk",
            "rows": guide,
            "text_columns": [],
            "widths": [16, 26, 90],
            "bold_header": True,
            "wrap_column": 2,
        },
    ]
    return write_workbook(sheets, isolate=isolate)


def _write_sheets(sheets: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for spec in sheets:
        sheet = book.create_sheet(spec["title"])
        for index, width in enumerate(spec.get("widths", []), start=1):
            dimension = sheet.column_dimensions[get_column_letter(index)]
            dimension.width = width
            if index - 1 in spec.get("column_formats", []):
                # Typed later into this column, numbers stay text (NIK, leading zeros).
                dimension.number_format = "@"
        if spec.get("freeze"):
            sheet.freeze_panes = spec["freeze"]
        text_columns = set(spec.get("text_columns", []))
        wrap_column = spec.get("wrap_column")
        for number, values in enumerate(spec["rows"]):
            cells = []
            for index, value in enumerate(values):
                cell = WriteOnlyCell(sheet, value=value if value != "" else None)
                if number == 0 and spec.get("bold_header"):
                    cell.font = bold
                if index in text_columns:
                    cell.number_format = "@"
                if index == wrap_column:
                    cell.alignment = wrap
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_workbook(sheets: list[dict[str, Any]], *, isolate: bool = False) -> bytes:
    if not isolate:
        return _write_sheets(sheets)
    data = json.dumps({"sheets": sheets}).encode()
    done = run_module("lms.cohorts.importer", "write-xlsx", data=data, timeout=300)
    done.check_returncode()
    return done.stdout


# -- the child process ------------------------------------------------------------------------


def _child(command: str) -> int:
    if command == "read-xlsx":
        data = sys.stdin.buffer.read()
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        try:
            for number, cells in _xlsx_rows(data):
                out.write(json.dumps([number, *cells], ensure_ascii=False) + "\n")
        except FileError as exc:
            out.write(json.dumps({"error": exc.code}) + "\n")
            out.flush()
            return 1
        out.flush()
        return 0
    if command == "write-xlsx":
        sys.stdout.buffer.write(_write_sheets(json.load(sys.stdin.buffer)["sheets"]))
        return 0
    print("usage: python -m lms.cohorts.importer read-xlsx|write-xlsx", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1] if len(sys.argv) > 1 else ""))
