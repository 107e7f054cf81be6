"""The `lms` command."""

from __future__ import annotations

import enum
import getpass
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from lms.db import Database

app = typer.Typer(help="LMS Koperasi Merah Putih", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
regions_app = typer.Typer(help="Kode wilayah Kemendagri.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
courses_app = typer.Typer(help="The Markdown course library.", no_args_is_help=True)
quizzes_app = typer.Typer(help="Quiz files: check them and write their keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(regions_app, name="regions")
app.add_typer(users_app, name="users")
app.add_typer(courses_app, name="courses")
app.add_typer(quizzes_app, name="quizzes")
participants_app = typer.Typer(help="Participants of an angkatan.", no_args_is_help=True)
app.add_typer(participants_app, name="participants")
reports_app = typer.Typer(help="The dinas dashboard's figures.", no_args_is_help=True)
app.add_typer(reports_app, name="laporan")
console = Console()
DEFAULT_PASSWORD = "bimtek2025"  # noqa: S105 (the published demo password; see lms/demo.py)


def _database() -> Database:
    from lms.config import get_settings
    from lms.db import make_engine

    settings = get_settings()
    if settings.is_sqlite:
        path = settings.database_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return Database(make_engine(settings.database_url))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration that has not been applied yet."""
    from lms.migrations import upgrade

    database = _database()
    upgrade(database.engine)
    console.print("[green]Skema basis data mutakhir.[/green]")


@regions_app.command("load")
def regions_load() -> None:
    """Load the 38 provinces, 514 kab/kota, 7,285 kecamatan and 83,762 desa/kelurahan."""
    from lms.regions.services import load_regions, regions_loaded, total_rows

    database = _database()
    with database.session(write=True) as session:
        present = regions_loaded(session)
        if present >= total_rows():
            console.print(f"Data wilayah sudah lengkap ({present:,} wilayah).")
            return
        with Progress(console=console) as progress:
            task = progress.add_task("Memuat kode wilayah", total=total_rows(), completed=present)
            added = load_regions(session, lambda n: progress.advance(task, n))
        session.commit()
    console.print(f"[green]{added:,} wilayah dimuat.[/green]")


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Option(help="Full name")],
    role: Annotated[str, typer.Option(help="peserta, narasumber, pendamping, dinas or admin")],
    phone: Annotated[str, typer.Option(help="Indonesian phone number")] = "",
    email: Annotated[str, typer.Option(help="E-mail address")] = "",
    region: Annotated[str, typer.Option(help="Region code for dinas/pendamping, e.g. 36.03")] = "",
    password: Annotated[str, typer.Option(help="Initial password (asked if omitted)")] = "",
) -> None:
    """Create a user account."""
    from lms.accounts.services import UserInput, UserInputError, create_user

    if not password:
        password = getpass.getpass("Kata sandi: ")
    database = _database()
    with database.session(write=True) as session:
        try:
            user = create_user(
                session,
                UserInput(
                    name=name,
                    role=role,
                    password=password,
                    phone=phone,
                    email=email,
                    region_code=region,
                ),
            )
        except UserInputError as exc:
            for field, message in exc.errors.items():
                console.print(f"[red]{field}[/red]: {message}")
            raise typer.Exit(code=1) from exc
        session.commit()
        console.print(f"[green]Akun dibuat[/green]: #{user.id} {user.name} ({user.role})")


@courses_app.command("check")
def courses_check(
    path: Annotated[Path, typer.Argument(help="A course folder, or a folder of course folders")],
) -> None:
    """Validate course folders; every problem is printed with its file and line."""
    from courses.loader import load_course, load_library, read_folder
    from courses.model import CourseError

    if (path / "course.yaml").exists():
        try:
            course = load_course(read_folder(path), folder=path.name)
        except CourseError as exc:
            for problem in exc.problems:
                console.print(f"[red]{path / problem.file}:{problem.line}[/red]: {problem.message}")
            raise typer.Exit(code=1) from exc
        console.print(
            f"[green]{course.slug}: {len(course.modules)} modul, versi {course.version}.[/green]"
        )
        return
    courses, problems = load_library(path)
    for problem in problems:
        console.print(f"[red]{path / problem.file}:{problem.line}[/red]: {problem.message}")
    for course in courses:
        console.print(
            f"[green]{course.slug}: {len(course.modules)} modul, versi {course.version}.[/green]"
        )
    if problems or not courses:
        if not courses and not problems:
            console.print(f"[red]Tidak ada folder kursus (course.yaml) di {path}.[/red]")
        raise typer.Exit(code=1)


def _quiz_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.yaml") if p.parent.name == "kuis")
    return [path]


def _load_quiz_file(path: Path):  # type: ignore[no-untyped-def]
    from quizzes.loader import QuizError, load_quiz

    try:
        return load_quiz(path.read_bytes(), path.name)
    except QuizError as exc:
        for problem in exc.problems:
            console.print(f"[red]{path}:{problem.line}[/red]: {problem.message}", highlight=False)
        raise typer.Exit(code=1) from exc
    except OSError as exc:
        console.print(f"[red]{path}[/red]: {exc.strerror}")
        raise typer.Exit(code=1) from exc


@quizzes_app.command("check")
def quizzes_check(
    path: Annotated[Path, typer.Argument(help="A quiz file, or a folder searched for kuis/*.yaml")],
) -> None:
    """Check quiz files: format, and every key against the ledger engine."""
    files = _quiz_files(path)
    if not files:
        console.print(f"[red]Tidak ada berkas kuis (kuis/*.yaml) di {path}.[/red]")
        raise typer.Exit(code=1)
    failed = False
    for file in files:
        try:
            quiz = _load_quiz_file(file)
        except typer.Exit:
            failed = True
            continue
        console.print(
            f"[green]{file}: {len(quiz.questions)} soal, {quiz.max_points} poin.[/green]",
            highlight=False,
        )
    if failed:
        raise typer.Exit(code=1)


@quizzes_app.command("key")
def quizzes_key(path: Annotated[Path, typer.Argument(help="A quiz file")]) -> None:
    """Print the quiz's own key as an answers file (YAML); grading it gives full marks."""
    import yaml

    quiz = _load_quiz_file(path)
    sys.stdout.write(yaml.safe_dump(quiz.key(), allow_unicode=True, sort_keys=False))


@reports_app.command("perbarui")
def reports_refresh(
    semua: Annotated[
        bool, typer.Option("--semua", help="Recompute every angkatan and koperasi from scratch")
    ] = False,
) -> None:
    """Bring the dashboard's figures up to date: the angkatan changed since the last view (pages
    do this too; run it from cron after a large import), or everything with --semua."""
    import time

    from lms.reports.services import pending, rebuild, refresh_pending

    database = _database()
    started = time.perf_counter()
    with database.session(write=True) as session:
        if semua:
            count = rebuild(session)
            session.commit()
        else:
            count = 0
            while pending(session):
                count += refresh_pending(session, limit=200)
    console.print(
        f"{count} angkatan dihitung ulang dalam {time.perf_counter() - started:.1f} detik."
    )


@quizzes_app.command("close-expired")
def quizzes_close_expired() -> None:
    """Close and grade every attempt whose time is up (pages do this too when they are opened;
    run it from cron so that results are complete without anyone looking)."""
    from sqlalchemy import select

    from lms.assessment.models import Quiz
    from lms.assessment.services import close_expired, utcnow

    database = _database()
    with database.session(write=True) as session:
        now = utcnow()
        closed = sum(
            close_expired(session, quiz, now) for quiz in session.scalars(select(Quiz)).all()
        )
        session.commit()
    console.print(f"{closed} percobaan ditutup dan dinilai.")


@app.command()
def grade(
    quiz_file: Annotated[Path, typer.Argument(help="The quiz (YAML)")],
    answers_file: Annotated[Path, typer.Argument(help="The answers (YAML or JSON)")],
) -> None:
    """Grade an answers file without a server; prints total and per-question feedback as JSON."""
    import json

    from quizzes.loader import QuizError, read_answers
    from quizzes.quiz import grade_quiz

    quiz = _load_quiz_file(quiz_file)
    try:
        answers = read_answers(answers_file.read_bytes(), answers_file.name)
    except QuizError as exc:
        for problem in exc.problems:
            console.print(f"[red]{answers_file}:{problem.line}[/red]: {problem.message}")
        raise typer.Exit(code=1) from exc
    except OSError as exc:
        console.print(f"[red]{answers_file}[/red]: {exc.strerror}")
        raise typer.Exit(code=1) from exc
    unknown = sorted(set(answers) - {q.id for q in quiz.questions})
    report = grade_quiz(quiz, answers)
    if unknown:
        report["tidak_dikenal"] = unknown
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


@courses_app.command("sync")
def courses_sync(
    path: Annotated[
        Path | None, typer.Argument(help="Library folder (default: the shipped one)")
    ] = None,
) -> None:
    """Load the course library into the database; a changed course becomes a new version."""
    from lms.learning.services import LIBRARY, sync_library

    database = _database()
    with database.session(write=True) as session:
        reports, problems = sync_library(session, path or LIBRARY)
        if problems:
            for problem in problems:
                console.print(f"[red]{problem.file}:{problem.line}[/red]: {problem.message}")
            console.print("[red]Tidak ada yang dimuat: perbaiki masalah di atas dulu.[/red]")
            raise typer.Exit(code=1)
        session.commit()
    for report in reports:
        console.print(f"{report.slug}: {report.status} (versi {report.number})")


@participants_app.command("import")
def participants_import(
    file: Annotated[Path, typer.Argument(help="The participant list (XLSX or CSV)")],
    cohort: Annotated[str, typer.Option(help="The angkatan's slug")],
    commit: Annotated[
        bool, typer.Option("--commit", help="Import the valid rows (without it: a preview)")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report (counts, row errors) as JSON")
    ] = False,
) -> None:
    """Check a participant file for an angkatan and, with --commit, import its valid rows."""
    import json

    from sqlalchemy import select

    from lms.cohorts import importer
    from lms.cohorts.models import Cohort

    try:
        data = file.read_bytes()
    except OSError as exc:
        console.print(f"[red]{file}[/red]: {exc.strerror}", highlight=False)
        raise typer.Exit(code=1) from exc
    database = _database()
    with database.session(write=commit) as session:
        found = session.scalar(select(Cohort).where(Cohort.slug == cohort))
        if found is None:
            console.print(f"[red]Angkatan tidak ditemukan: {cohort}[/red]", highlight=False)
            raise typer.Exit(code=1)
        try:
            if commit:
                _upload, report = importer.import_file(session, found, data, file.name)
            else:
                report = importer.preview(session, found, data, file.name)
        except importer.FileError as exc:
            console.print(f"[red]{file}[/red]: {exc.message}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from exc
        if commit:
            session.commit()
    # With --json, stdout carries the report alone; the words go to stderr.
    out = Console(stderr=True) if as_json else console
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        table = Table(title=f"{found.name}: {file.name}")
        table.add_column("Jumlah")
        table.add_column("", justify="right")
        labels = {
            "rows": "baris peserta",
            "valid": "baris benar",
            "invalid": "baris bermasalah",
            "created": "akun baru",
            "updated": "akun diperbarui",
            "unchanged": "akun tidak berubah",
            "koperasi_created": "koperasi baru",
            "members_added": "masuk angkatan",
        }
        for key, value in report.counts().items():
            table.add_row(labels[key], f"{value:,}")
        console.print(table)
        for error in report.errors[:50]:
            console.print(
                f"baris {error.row}, {error.column}: {error.message}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        if len(report.errors) > 50:
            console.print(f"... dan {len(report.errors) - 50:,} masalah lain (lihat --json).")
    if commit and report.invalid:
        out.print(
            f"[yellow]{report.valid:,} baris diimpor; {report.invalid:,} baris bermasalah "
            "tidak diimpor.[/yellow]"
        )
    elif commit:
        out.print(f"[green]{report.valid:,} baris diimpor.[/green]")
    else:
        out.print(
            f"Pratinjau: {report.valid:,} baris siap diimpor, {report.invalid:,} bermasalah. "
            "Tambahkan --commit untuk mengimpor."
        )


_FETCH_LIMIT = 5 * 1024 * 1024  # a JWKS or a status list is a few KiB


def _fetch(url: str) -> bytes:
    """GET an http(s) URL; every failure is an OSError whose message says what went wrong."""
    import urllib.error
    import urllib.request
    from http.client import HTTPException
    from urllib.parse import urlsplit

    if urlsplit(url).scheme.lower() not in ("https", "http"):
        raise OSError(f"{url}: bukan alamat http atau https")
    # S310: the scheme is checked above, so no file: or custom-scheme URL is opened.
    request = urllib.request.Request(url, headers={"User-Agent": "kdkmp-lms-verify"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            data: bytes = response.read(_FETCH_LIMIT + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise OSError(f"{url}: HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        raise OSError(f"{url}: {exc.reason}") from exc
    except (OSError, ValueError, HTTPException) as exc:
        raise OSError(f"{url}: {exc}") from exc
    if len(data) > _FETCH_LIMIT:
        raise OSError(f"{url}: jawaban terlalu besar")
    return data


def _load_jwks(source: str) -> list[dict[str, Any]]:
    """The keys of a JSON Web Key Set in a file or at an http(s) URL; OSError or ValueError
    (with a readable message) when there is none."""
    import json
    from urllib.parse import urlsplit

    if urlsplit(source).scheme.lower() in ("https", "http"):
        data = _fetch(source)
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise OSError(f"{source}: {exc.strerror}") from exc
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"{source}: bukan JSON") from exc
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ValueError(f"{source}: bukan JSON Web Key Set")
    return [key for key in keys if isinstance(key, dict)]


def _local_keys(issuer: str) -> dict[str, dict[str, Any]] | None:
    """The issuer's keys from this installation's database, when it is the issuer: a server's
    own certificates are checked without the network. None when there is no such issuer (or no
    database)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from lms.credentials.models import Issuer

    region = issuer.rstrip("/").rsplit("/", 1)[-1]
    if "/penerbit/" not in issuer:
        return None
    try:
        with _database().session() as session:
            found = session.scalar(select(Issuer).where(Issuer.region_code == region))
            return {found.kid: found.public_jwk} if found else None
    except SQLAlchemyError:
        return None


def _local_status(payload: dict[str, Any]) -> bool | None:
    """Revoked or not, from this installation's database; None when it does not hold the
    certificate."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from lms.credentials.models import Certificate, Issuer

    code = str(payload.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
    region = str(payload.get("iss", "")).rstrip("/").rsplit("/", 1)[-1]
    try:
        with _database().session() as session:
            row = session.execute(
                select(Certificate.revoked_at)
                .join(Issuer, Issuer.id == Certificate.issuer_id)
                .where(Certificate.code == code, Issuer.region_code == region)
            ).first()
    except SQLAlchemyError:
        return None
    return None if row is None else row.revoked_at is not None


def _local_original(payload: dict[str, Any]) -> bytes | None:
    """The certificate file as this server issued it (its current revision), to compare byte
    for byte; None when this server does not hold it or has not printed it."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from lms.credentials import services
    from lms.credentials.models import Certificate, Issuer

    code = str(payload.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
    region = str(payload.get("iss", "")).rstrip("/").rsplit("/", 1)[-1]
    try:
        with _database().session() as session:
            cert = session.scalar(
                select(Certificate)
                .join(Issuer, Issuer.id == Certificate.issuer_id)
                .where(Certificate.code == code, Issuer.region_code == region)
            )
            if cert is None or cert.base_id is None:
                return None
            return services.pdf_of(session, cert)
    except SQLAlchemyError:
        return None


def _trusted_host(issuer: str, trusted: list[str]) -> bool:
    from urllib.parse import urlsplit

    from lms.config import get_settings

    hosts = {h.strip().lower() for h in trusted if h.strip()}
    if get_settings().public_url:
        hosts.add(urlsplit(get_settings().public_url).netloc.lower())
    return urlsplit(issuer).netloc.lower() in hosts


def _issuer_keys(
    issuer: str, jwks: str | None, offline: bool, trusted: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    from urllib.parse import urlsplit

    from certificates.verify import Unavailable

    if jwks is None:
        local = _local_keys(issuer)
        if local is not None:
            return local
        if not _trusted_host(issuer, trusted or []):
            # Anyone can run a site that signs "Dinas Koperasi ..." credentials: keys are fetched
            # only from a site the reader trusts.
            host = urlsplit(issuer).netloc or issuer
            raise Unavailable(
                f"Penerbit {issuer} tidak dikenal server ini. Bila Anda mempercayai situs {host}, "
                f"ulangi dengan --percaya {host}, atau berikan JWKS-nya dengan --jwks."
            )
        if offline:
            raise Unavailable(
                "Kunci publik penerbit tidak diambil dalam mode luring; "
                "berikan berkas JWKS penerbit dengan --jwks."
            )
        parts = urlsplit(issuer)
        if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
            raise Unavailable(
                f"Penerbit {issuer} bukan alamat web; berikan berkas JWKS penerbit dengan --jwks."
            )
        jwks = f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json"
    try:
        keys = _load_jwks(jwks)
    except (OSError, ValueError) as exc:
        raise Unavailable(f"Kunci publik penerbit tidak dapat diambil: {exc}") from exc
    # One JWKS lists the keys of every dinas on the server, each naming its issuer; a key of
    # one dinas must not vouch for a credential issued in another's name.
    return {
        key["kid"]: key
        for key in keys
        if isinstance(key.get("kid"), str) and key.get("issuer", issuer) == issuer
    }


def _status_list_url(payload: dict[str, Any]) -> str | None:
    status = payload.get("credentialStatus")
    for entry in status if isinstance(status, list) else [status]:
        if (
            isinstance(entry, dict)
            and entry.get("statusPurpose") == "revocation"
            and isinstance(entry.get("statusListCredential"), str)
        ):
            return str(entry["statusListCredential"])
    return None


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="The certificate PDF")],
    jwks: Annotated[
        str | None,
        typer.Option(
            help="The issuer's JSON Web Key Set, a file or an http(s) URL "
            "(default: /.well-known/jwks.json on the credential issuer's host)"
        ),
    ] = None,
    trust: Annotated[
        list[str] | None,
        typer.Option(
            "--percaya",
            help="A site (host name) whose issuers you trust, besides this server "
            "(LMS_PUBLIC_URL); may be repeated",
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="No network: keys from --jwks or this server's database, revocation only from "
            "this server's database",
        ),
    ] = False,
) -> None:
    """Check a certificate PDF: its credential and signature, the printed data, a PAdES
    signature and revocation. Prints the report as JSON; exits 0 when the certificate is valid,
    1 when it is not (altered, unverifiable or revoked), 2 when the file cannot be read."""
    import json

    from rich.markup import escape

    from certificates import credential
    from certificates.verify import Unavailable, VerifyError, check

    errors = Console(stderr=True)
    try:
        pdf = file.read_bytes()
    except OSError as exc:
        errors.print(f"[red]{escape(str(file))}[/red]: {exc.strerror}", highlight=False)
        raise typer.Exit(code=2) from exc

    # The status list is signed with the same keys as the credentials; fetch them once.
    fetched: dict[str, dict[str, dict[str, Any]]] = {}

    def keys(issuer: str) -> dict[str, dict[str, Any]]:
        if issuer not in fetched:
            fetched[issuer] = _issuer_keys(issuer, jwks, offline, trust)
        return fetched[issuer]

    def revoked(payload: dict[str, Any]) -> bool | None:
        local = _local_status(payload)
        if local is not None:
            return local
        if offline:
            raise Unavailable("Status tidak diperiksa (luring).")
        url = _status_list_url(payload)
        if url is None:
            raise Unavailable("Kredensial ini tidak mencantumkan daftar status pencabutan.")
        try:
            token = _fetch(url).decode("ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise Unavailable(f"Status tidak dapat diperiksa: {exc}") from exc
        return credential.status_of(payload, token, keys(str(payload["iss"])))

    try:
        report = check(pdf, keys, revoked, _local_original)
    except VerifyError as exc:
        errors.print(f"[red]{escape(str(file))}[/red]: {exc}", highlight=False)
        raise typer.Exit(code=2) from exc
    sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    if not report.valid:
        raise typer.Exit(code=1)


class Scale(enum.StrEnum):
    PILOT = "pilot"
    NATIONAL = "national"


@app.command()
def demo(
    password: Annotated[
        str, typer.Option(help="Password of every demo account")
    ] = DEFAULT_PASSWORD,
    scale: Annotated[
        Scale,
        typer.Option(
            help="pilot: the Kab. Tangerang pilot; national: one KDKMP per desa/kelurahan "
            "with its officials, angkatan, attendance and quiz results"
        ),
    ] = Scale.PILOT,
    provinsi: Annotated[
        str | None,
        typer.Option(help="With --scale national: only this province (its code, e.g. 36)"),
    ] = None,
) -> None:
    """Load the Kab. Tangerang pilot demo (idempotent) and print the demo logins; with --scale
    national, synthetic data for every desa/kelurahan (a province already made is skipped)."""
    if scale is Scale.NATIONAL:
        _demo_national(provinsi, password)
        return
    if provinsi is not None:
        console.print("[red]--provinsi hanya berlaku dengan --scale national.[/red]")
        raise typer.Exit(code=2)
    from lms.demo import demo_logins, load_demo

    database = _database()
    with database.session(write=True) as session:
        result = load_demo(session, password)
        session.commit()
    console.print(
        f"Demo: {result.koperasi_added} koperasi, {result.users_added} akun dan "
        f"{result.attempts_added} percobaan kuis dan {result.cohorts_added} angkatan baru "
        "(yang sudah ada dibiarkan)."
    )
    table = Table(title=f"Akun demo (kata sandi: {password})")
    table.add_column("Masuk dengan")
    table.add_column("Peran")
    table.add_column("Keterangan")
    for login, role, what in demo_logins():
        table.add_row(login, role, what)
    console.print(table)


def _demo_national(province: str | None, password: str) -> None:
    import time

    from lms.national import NationalDataMissing, generate

    started = time.perf_counter()
    database = _database()
    with database.session(write=True) as session:
        try:
            # Committed a province at a time: an interrupted run resumes where it stopped.
            result = generate(
                session,
                province=province,
                password=password,
                progress=lambda line: console.print(line, highlight=False, soft_wrap=True),
                commit=True,
            )
        except NationalDataMissing as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(code=1) from exc
        session.commit()
    elapsed = time.perf_counter() - started
    table = Table(title=f"Data nasional sintetis ({elapsed:,.1f} detik)")
    table.add_column("Data")
    table.add_column("Baru", justify="right")
    for label, count in (
        ("Provinsi dibuat", result.provinces),
        ("Provinsi sudah ada (dilewati)", result.provinces_skipped),
        ("Koperasi", result.koperasi),
        ("Pengurus (peserta)", result.users),
        ("Angkatan", result.cohorts),
        ("Sesi", result.sessions),
        ("Anggota angkatan", result.members),
        ("Daftar hadir", result.attendance),
        ("Percobaan kuis", result.attempts),
        ("Angkatan di laporan dinas", result.report_rows),
    ):
        table.add_row(label, f"{count:,}")
    console.print(table)
    if result.users:
        console.print(f"Kata sandi setiap pengurus: {password}")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (use PostgreSQL for >1)")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
    proxy_headers: Annotated[bool, typer.Option(help="Trust X-Forwarded-* from the proxy")] = False,
) -> None:
    """Serve the web application."""
    from lms.config import get_settings

    if workers > 1 and get_settings().is_sqlite:
        console.print(
            "[yellow]Beberapa worker dengan SQLite: gunakan PostgreSQL di produksi.[/yellow]"
        )
    console.print(f"LMS berjalan di http://{host}:{port}")
    # -OO: no docstrings or asserts in the worker (about 4 MB less resident memory; nothing in
    # the web application reads a docstring, and its asserts only narrow types).
    args = [sys.executable, "-OO", "-m", "uvicorn", "lms.asgi:app", "--host", host]
    args += ["--port", str(port)]
    # No websockets (nothing here uses them; not loading the library saves worker memory).
    args += ["--workers", str(workers), "--no-access-log", "--ws", "none"]
    if reload:
        args.append("--reload")
    if proxy_headers:
        args += ["--proxy-headers", "--forwarded-allow-ips", "*"]
    else:
        args.append("--no-proxy-headers")
    sys.stdout.flush()
    # The worker starts as a fresh process: it carries none of the CLI's imports.
    os.execv(sys.executable, args)  # noqa: S606 (our own interpreter, fixed arguments)


if __name__ == "__main__":
    app()
