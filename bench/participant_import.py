"""Participant import of 100,000 rows: preview, commit and re-import (bar: 60 s for preview and
commit on each backend, no per-row queries, a re-import that changes nothing).

A fresh SQLite database (migrations, the 91,599 region codes, the course library) gets an
angkatan of Provinsi Jawa Barat ("32") on every course. The file is an XLSX of synthetic people
spread over the province's real villages: most rows give kode_desa (dotted, undotted, or as a
number as Excel stores it), one in ten gives desa + kecamatan + kabupaten names instead; phone
numbers partly as numbers without their leading 0, a NIK (a regency's digits) on four rows in
five, an email on one in five. Timed the way the web runs them, in-process:

* preview: read the file and check every row (what the upload does);
* commit: check again and write people, koperasi, members and course enrolments in one
  transaction (what "Simpan" does);
* reimport: preview and commit of the same file again; it must create and update nobody.

Each database is set up by this process; the timed import runs in a child process so that its
peak resident memory (peak_rss_mb) is the import's own, not the region loader's. The statements
sent during the preview are counted: they grow with the number of BATCH-sized chunks, never with
rows. When PostgreSQL is reachable (LMS_BENCH_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/test) the run is repeated in a fresh database there, from a
semicolon CSV of the same people (reading the workbook costs the same on both backends and is
timed on SQLite). BENCH_IMPORT_CSV=1 also times a preview of that CSV on SQLite.

Run: `python -m bench.participant_import` (also part of `make bench`). Knobs: BENCH_IMPORT_ROWS,
BENCH_IMPORT_CSV, LMS_BENCH_DATABASE_URL.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
WITH_CSV = os.environ.get("BENCH_IMPORT_CSV", "") not in ("", "0")
PROVINCE = "32"  # Jawa Barat: 27 kab/kota, 5,957 desa/kelurahan
SLUG = "bench-impor-jabar"
SEED = 20250922
# Preview and commit of the whole file, on each backend (the operator waits for both).
GOAL_IMPORT_S = 60.0
PHONE_PREFIXES = ("812", "813", "821", "822", "852", "853", "857", "877", "878", "896")
JABATAN = ("ketua", "bendahara", "sekretaris", "wakil ketua", "pengawas", "anggota", "manajer")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# ---------------------------------------------------------------------------------- data


def prepare_database(url: str) -> None:
    """Schema, regions, courses and the Jawa Barat angkatan on every course."""
    from bench.server import new_database
    from lms.cohorts.models import Cohort, CohortCourse
    from lms.db import Database
    from lms.learning.models import Course

    engine = new_database(url)
    with Database(engine).session(write=True) as session:
        cohort = Cohort(
            slug=SLUG,
            name="Bimtek KDKMP Provinsi Jawa Barat (bench)",
            region_code=PROVINCE,
            province_code=PROVINCE,
            regency_code=None,
            organizer="Dinas Koperasi dan Usaha Kecil Provinsi Jawa Barat",
            venue="Bandung",
            starts_on=date(2025, 10, 6),
            ends_on=date(2025, 10, 8),
        )
        session.add(cohort)
        session.flush()
        session.add_all(
            CohortCourse(cohort_id=cohort.id, course_id=c)
            for c in session.scalars(select(Course.id))
        )
        session.commit()
    engine.dispose()


def _villages(url: str) -> list[tuple[str, str, str, str, bool]]:
    """(code, desa, kecamatan, kabupaten as people write it, unique by name) for the province."""
    from lms.regions.models import LEVEL_VILLAGE, Region
    from lms.regions.services import normalise_name

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        names = dict(
            conn.execute(
                select(Region.code, Region.name).where(
                    Region.province_code == PROVINCE, Region.level.in_((2, 3))
                )
            ).all()
        )
        rows = conn.execute(
            select(Region.code, Region.name)
            .where(Region.province_code == PROVINCE, Region.level == LEVEL_VILLAGE)
            .order_by(Region.code)
        ).all()
    engine.dispose()
    twice = Counter((code[:8], normalise_name(name)) for code, name in rows)
    return [
        (
            code,
            name,
            names[code[:8]],
            names[code[:5]].replace("Kabupaten ", "Kab. "),
            twice[(code[:8], normalise_name(name))] == 1,
        )
        for code, name in rows
    ]


def people(villages: list[tuple[str, str, str, str, bool]], count: int) -> Iterator[list[Any]]:
    """Synthetic participants in the template's column order; every row is valid."""
    rng = random.Random(SEED)
    for n in range(count):
        code, desa, kecamatan, kabupaten, unique_name = villages[n % len(villages)]
        prefix = PHONE_PREFIXES[n % len(PHONE_PREFIXES)]
        local = f"{prefix}{n:08d}"
        phone: object = f"0{local}"
        style = rng.random()
        if style < 0.15:
            phone = int(local)  # Excel dropped the 0 and keeps a number
        elif style < 0.25:
            phone = f"+62 {local[:3]}-{local[3:7]}-{local[7:]}"
        nik = f"{code[:2]}{code[3:5]}{code[6:8]}{n:010d}" if n % 5 else ""
        email = f"peserta{n}@contoh.id" if n % 5 == 2 else ""
        by_name = unique_name and n % 10 == 3
        kode: object = ""
        if not by_name:
            digits = code.replace(".", "")
            kode = (code, digits, int(digits))[n % 3]
        yield [
            f"Peserta Bimtek {n:06d}",
            JABATAN[n % len(JABATAN)],
            phone,
            email,
            nik,
            "",
            kode,
            desa if by_name else "",
            kecamatan if by_name else "",
            kabupaten if by_name else "",
        ]


def write_xlsx(path: Path, rows: Iterator[list[Any]]) -> None:
    from openpyxl import Workbook

    from lms.cohorts.importer import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Peserta")
    sheet.append(list(COLUMNS))
    for values in rows:
        sheet.append([v if v != "" else None for v in values])
    book.save(path)


def write_csv(path: Path, rows: Iterator[list[Any]]) -> None:
    from lms.cohorts.importer import COLUMNS

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


# ---------------------------------------------------------------------------------- the import


def timed_import(url: str, path: Path, csv_path: Path | None) -> dict[str, Any]:
    """Preview, commit and re-import (run in a child process: its memory is the import's)."""
    from lms.cohorts import importer
    from lms.cohorts.models import Cohort, CohortMember
    from lms.db import Database, make_engine

    engine = make_engine(url)
    database = Database(engine)
    statements = Counter[str]()

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements["all"] += 1

    data = path.read_bytes()
    figures: dict[str, Any] = {"file": path.suffix[1:], "rss_start_mb": round(_rss_mb(), 1)}

    def cohort_of(session: Session) -> Cohort:
        found = session.scalar(select(Cohort).where(Cohort.slug == SLUG))
        assert found is not None
        return found

    def one_round(prefix: str) -> dict[str, Any]:
        start = time.perf_counter()
        event.listen(engine, "before_cursor_execute", count)
        with database.session() as session:
            report = importer.preview(session, cohort_of(session), data, path.name)
        event.remove(engine, "before_cursor_execute", count)
        preview_s = time.perf_counter() - start
        with database.session(write=True) as session:
            upload = importer.store(session, cohort_of(session), data, path.name, report, None)
            session.commit()
            upload_id = upload.id
        start = time.perf_counter()
        with database.session(write=True) as session:
            _upload, result = importer.commit_upload(session, cohort_of(session), upload_id, None)
            session.commit()
        commit_s = time.perf_counter() - start
        assert result is not None
        return {
            f"{prefix}preview_s": round(preview_s, 2),
            f"{prefix}commit_s": round(commit_s, 2),
            f"{prefix}report": report.counts(),
            f"{prefix}result": result.counts(),
        }

    statements.clear()
    figures.update(one_round(""))
    figures["preview_statements"] = statements["all"]
    figures.update(one_round("re"))
    figures["reimport_s"] = round(figures.pop("repreview_s") + figures.pop("recommit_s"), 2)
    if csv_path is not None:
        csv_data = csv_path.read_bytes()
        start = time.perf_counter()
        with database.session() as session:
            csv_report = importer.preview(session, cohort_of(session), csv_data, csv_path.name)
        figures["csv_preview_s"] = round(time.perf_counter() - start, 2)
        figures["csv_report"] = csv_report.counts()
    with database.session() as session:
        cohort = cohort_of(session)
        figures["members"] = session.scalar(
            select(func.count())
            .select_from(CohortMember)
            .where(CohortMember.cohort_id == cohort.id)
        )
    engine.dispose()
    figures["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return figures


def _child(url: str, path: Path, csv_path: Path | None) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.participant_import", "--timed", url, str(path)]
    if csv_path is not None:
        args.append(str(csv_path))
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def judge(figures: dict[str, Any]) -> bool:
    first, again = figures["result"], figures["reresult"]
    return bool(
        figures["report"]["valid"] == ROWS
        and first["created"] == ROWS
        and first["members_added"] == ROWS
        and figures["members"] == ROWS
        and again["created"] == 0
        and again["updated"] == 0
        and again["members_added"] == 0
        and again["unchanged"] == ROWS
    )


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    total = figures["preview_s"] + figures["commit_s"]
    return {
        "file": figures["file"],
        "preview_s": figures["preview_s"],
        "commit_s": figures["commit_s"],
        "reimport_s": figures["reimport_s"],
        "rows_per_s_preview": round(ROWS / figures["preview_s"]),
        "rows_per_s_commit": round(ROWS / figures["commit_s"]),
        "rows_per_s": round(ROWS / total),
        "preview_statements": figures["preview_statements"],
        "koperasi_created": figures["result"]["koperasi_created"],
        "peak_rss_mb": figures["peak_rss_mb"],
        "rss_start_mb": figures["rss_start_mb"],
        **({"csv_preview_s": figures["csv_preview_s"]} if "csv_preview_s" in figures else {}),
        "ok": judge(figures)
        and total <= GOAL_IMPORT_S * ROWS / 100_000
        and figures.get("csv_report", {}).get("valid", ROWS) == ROWS,
    }


# ---------------------------------------------------------------------------------- PostgreSQL


def postgres_admin_url() -> str:
    url = os.environ.get("LMS_BENCH_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def fresh_postgres() -> Iterator[str]:
    base = make_url(postgres_admin_url())
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def postgres_reachable() -> str | None:
    try:
        engine = create_engine(postgres_admin_url())
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # no server here: say so instead of failing the benchmark
        return f"PostgreSQL not reachable ({type(exc).__name__}); set LMS_BENCH_DATABASE_URL"
    return None


# ---------------------------------------------------------------------------------- run


def run() -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        sqlite_url = f"sqlite:///{folder / 'lms.db'}"
        start = time.perf_counter()
        prepare_database(sqlite_url)
        setup_s = time.perf_counter() - start
        villages = _villages(sqlite_url)
        xlsx = folder / "peserta-jawa-barat.xlsx"
        start = time.perf_counter()
        write_xlsx(xlsx, people(villages, ROWS))
        generate_s = time.perf_counter() - start
        csv_path = folder / "peserta-jawa-barat.csv"
        write_csv(csv_path, people(villages, ROWS))
        sqlite = _child(sqlite_url, xlsx, csv_path if WITH_CSV else None)
        result: dict[str, Any] = {
            "benchmark": "participant_import",
            "rows": ROWS,
            "file_mb": round(xlsx.stat().st_size / 1024 / 1024, 1),
            "villages": len({v[0] for v in villages[:ROWS]}),
            "setup_s": round(setup_s, 1),
            "generate_s": round(generate_s, 1),
            **summary(sqlite),
        }
        skipped = postgres_reachable()
        if skipped is None:
            with fresh_postgres() as pg_url:
                prepare_database(pg_url)
                result["postgresql"] = summary(_child(pg_url, csv_path, None))
            result["ok"] = result["ok"] and result["postgresql"]["ok"]
        else:
            result["postgresql_skipped"] = skipped
    result["total_s"] = round(time.perf_counter() - started, 1)
    # The figures judged: the JSON line last, with "benchmark" and "ok" first.
    return {"benchmark": result.pop("benchmark"), "ok": result.pop("ok"), **result}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--timed"]:
        url, path = argv[1], Path(argv[2])
        csv_path = Path(argv[3]) if len(argv) > 3 else None
        print(json.dumps(timed_import(url, path, csv_path)))
        return 0
    result = run()
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
