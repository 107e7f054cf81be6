"""Certificates for a 343-person angkatan, issued and printed the product's way, against one
WeasyPrint document per certificate (bar from the issue: at least 8x faster than that, and at
least 50 certificates per second on this machine).

A fresh SQLite database (migrations, regions, the course library) gets an angkatan of Kab.
Tangerang on every course, two sesi held three and two days ago and 343 synthetic peserta:
ketua and bendahara of koperasi in the regency's real villages, names of varied length (a few
with accents, apostrophes, titles and degrees), every one present at both sesi, so all are
eligible. A dinas operator of the regency issues. Timed the way the web does it:

* issue: numbering without gaps and one signed Open Badges credential each (services.issue);
* render: the progress bar's steps (services.render_step until finished, a fresh session and a
  commit per step): the page laid out once by WeasyPrint, each person stamped on it, in child
  processes whose start-up is included;
* files: every certificate's PDF assembled as its download does (services.pdf_of).

The reference, in the same run and process: the same people, template and event, each
certificate its own WeasyPrint document from scratch (certificates.render.render_single, QR code
and credential attachment included). WeasyPrint is imported and warmed up by a throwaway render
first, so the reference is not charged the import (the product's child processes pay theirs).

Checked cheaply: every member got a certificate numbered 1..N; the first and last certificates
(by number) and the first one whose name has an accent or apostrophe open with pypdf as one
page showing the person's name with the credential attached; the print PDF has N pages.

Run: `python -m bench.certificates` (also part of `make bench`). Knob: BENCH_CERTIFICATES_PEOPLE
(default 343).
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import undefer

from bench.server import new_database
from lms.db import Database

PEOPLE = int(os.environ.get("BENCH_CERTIFICATES_PEOPLE", "343"))
REGENCY = "36.03"  # Kab. Tangerang
SLUG = "bench-sertifikat-kab-tangerang"
OPERATOR = "dinas.bench@contoh.go.id"
PUBLIC_URL = "https://bimtek.example.go.id"
SECRET = "bench-certificates-secret-0123456789abcdef"
SEED = 343
GOAL_RATIO = 8.0
GOAL_PER_S = 50.0
GOAL = "≥8x faster than one WeasyPrint document per certificate, and ≥50 certificates/s"

GIVEN = (
    "Ahmad",
    "Siti",
    "Budi",
    "Dewi",
    "Agus",
    "Sri",
    "Nur",
    "Muhammad",
    "Rina",
    "Eko",
    "Yusuf",
    "Fitri",
    "Hendra",
    "Ratna",
    "Dedi",
    "Wahyu",
    "Asep",
    "Euis",
    "Rahmat",
    "Aisyah",
    "Andi",
    "Teuku",
    "Cut",
    "Kadek",
    "Made",
    "Yohanes",
    "Maria",
    "Stefanus",
    "Dadang",
    "Neneng",
    "Slamet",
    "Halimah",
)
FAMILY = (
    "Santoso",
    "Rahmawati",
    "Hidayat",
    "Saputra",
    "Kurniawan",
    "Lestari",
    "Wulandari",
    "Setiawan",
    "Nugroho",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Harahap",
    "Wijaya",
    "Tanjung",
    "Prasetyo",
    "Suryadi",
    "Ramadhani",
    "Sudrajat",
    "Mulyana",
    "Permana",
    "Nurhayati",
    "binti Abdul Rahman",
    "bin Haji Sulaiman",
)
BEFORE = ("H. ", "Hj. ", "Drs. ", "Ir. ")
AFTER = (", S.E.", ", S.Pd.", ", A.Md.", ", S.H., M.H.", ", S.Kom.")
# Written out so that every run has them: accents, both apostrophes, and one name long enough
# that the stamp has to shrink it to fit its box.
UNUSUAL = (
    "Renée Magdalena Simanjuntak",
    "José Ramos Pardede",
    "Nur'aini Syarifah",
    "Ma’ruf Amirudin",
    "Ni Luh Putu Élisabet Sukerti",
    "Raden Roro Siti Nurhaliza Kusumawardhani binti Haji Abdul Rahman Wiryawan, S.E., M.M.",
)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _names(rng: random.Random, count: int) -> list[str]:
    names = list(UNUSUAL[:count])
    while len(names) < count:
        given = " ".join(rng.sample(GIVEN, rng.choice((1, 1, 2, 2, 3))))
        family = " ".join(rng.sample(FAMILY, rng.choice((0, 1, 1, 1, 2))))
        name = f"{given} {family}".strip()
        if rng.random() < 0.12:
            name = rng.choice(BEFORE) + name
        if rng.random() < 0.2:
            name += rng.choice(AFTER)
        names.append(name)
    rng.shuffle(names)
    return names


# ---------------------------------------------------------------------------------- data


def prepare_database(url: str) -> tuple[int, int]:
    """Schema, regions, courses, the angkatan with its sesi and people; (cohort id, operator
    id)."""
    from lms.accounts.models import Jabatan, Role, User
    from lms.accounts.passwords import UNUSABLE
    from lms.cohorts.models import Attendance, Cohort, CohortCourse, CohortSession, Status
    from lms.cohorts.services import add_members
    from lms.db import utcnow
    from lms.learning.models import Course
    from lms.regions.models import LEVEL_VILLAGE, Koperasi, Region

    rng = random.Random(SEED)
    engine = new_database(url)
    with Database(engine).session(write=True) as session:
        villages = session.execute(
            select(Region.code, Region.name)
            .where(Region.regency_code == REGENCY, Region.level == LEVEL_VILLAGE)
            .order_by(Region.code)
        ).all()
        # Two officials per koperasi as a Bimtek invites them, the koperasi spread over the whole
        # regency so that the printed desa and kecamatan vary like a real hall's.
        places = -(-PEOPLE // 2)
        chosen = [villages[i * len(villages) // places] for i in range(places)]
        session.execute(
            insert(Koperasi),
            [
                {
                    "name": f"Koperasi {'Kelurahan' if code[9] == '1' else 'Desa'} "
                    f"Merah Putih {name}",
                    "village_code": code,
                    "province_code": code[:2],
                    "regency_code": code[:5],
                }
                for code, name in chosen
            ],
        )
        koperasi = list(
            session.scalars(
                select(Koperasi.id)
                .where(Koperasi.regency_code == REGENCY)
                .order_by(Koperasi.village_code)
            )
        )
        session.execute(
            insert(User),
            [
                {
                    "name": name,
                    "phone": f"+62813{n:08d}",
                    "password_hash": UNUSABLE,
                    "role": Role.PESERTA,
                    "jabatan": (Jabatan.KETUA, Jabatan.BENDAHARA)[n % 2],
                    "koperasi_id": koperasi[n // 2],
                    "province_code": REGENCY[:2],
                    "regency_code": REGENCY,
                }
                for n, name in enumerate(_names(rng, PEOPLE))
            ],
        )
        people = list(
            session.scalars(
                select(User.id).where(User.role == Role.PESERTA, User.regency_code == REGENCY)
            )
        )
        operator = User(
            name="Operator Dinas Koperasi Kab. Tangerang (bench)",
            email=OPERATOR,
            password_hash=UNUSABLE,
            role=Role.DINAS,
            region_code=REGENCY,
            province_code=REGENCY[:2],
            regency_code=REGENCY,
        )
        session.add(operator)
        now = utcnow().replace(second=0, microsecond=0)
        cohort = Cohort(
            slug=SLUG,
            name="Bimtek Pengurus KDKMP Angkatan II Kabupaten Tangerang",
            region_code=REGENCY,
            province_code=REGENCY[:2],
            regency_code=REGENCY,
            organizer="Dinas Koperasi dan UKM Kabupaten Tangerang",
            venue="Hotel Grand Tigaraksa, Tigaraksa",
            starts_on=(now - timedelta(days=3)).date(),
            ends_on=(now - timedelta(days=2)).date(),
            require_modules=False,
            min_quiz_score=None,
            certificate_code="DISKUM-TGR",
            officer_name="Drs. H. Ahmad Fauzi, M.Si.",
            officer_title="Kepala Bidang Kelembagaan dan Pengawasan Koperasi",
            officer_nip="197203151998031004",
        )
        session.add(cohort)
        session.flush()
        session.add_all(
            CohortCourse(cohort_id=cohort.id, course_id=c)
            for c in session.scalars(select(Course.id))
        )
        sesi = [
            CohortSession(
                cohort_id=cohort.id,
                starts_at=now - timedelta(days=days),
                ends_at=now - timedelta(days=days) + timedelta(hours=3),
                topic=topic,
            )
            for days, topic in (
                (3, "Tata kelola KDKMP: peran pengurus dan RAT"),
                (2, "Pembukuan simpanan, pinjaman dan gerai"),
            )
        ]
        session.add_all(sesi)
        session.flush()
        add_members(session, cohort, people)
        session.execute(
            insert(Attendance),
            [
                {"session_id": s.id, "user_id": u, "status": Status.HADIR, "method": "daftar"}
                for s in sesi
                for u in people
            ],
        )
        session.commit()
        ids = (cohort.id, operator.id)
    engine.dispose()
    return ids


# ---------------------------------------------------------------------------------- timed


def _warm_up() -> None:
    """Import WeasyPrint (and segno) here and render once, so the reference's clock starts
    with the libraries loaded and fontconfig's cache read."""
    from certificates.render import render_single
    from certificates.template import DEFAULT, SAMPLE_EVENT, SAMPLE_RECIPIENT
    from lms.db import utcnow

    render_single(DEFAULT, SAMPLE_EVENT, SAMPLE_RECIPIENT, "e30.e30.c2ln", utcnow())


def product(database: Database, settings: Any, cohort_id: int, operator_id: int) -> dict[str, Any]:
    """Issue, render and assemble every download, each part on its own clock."""
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort
    from lms.credentials import services

    start = time.perf_counter()
    with database.session(write=True) as session:
        cohort = session.get(Cohort, cohort_id)
        actor = session.get(User, operator_id)
        assert cohort is not None and actor is not None
        issued = services.issue(session, cohort, actor, settings, PUBLIC_URL)
        session.commit()
    issue_s = time.perf_counter() - start
    _say(f"issued {issued.count} ({issued.first} .. {issued.last}) in {issue_s:.2f} s")

    start = time.perf_counter()
    steps = 0
    finished = False
    while not finished:
        # A fresh session per step, as each progress-bar POST is its own request.
        with database.session(write=True) as session:
            cohort = session.get(Cohort, cohort_id)
            assert cohort is not None
            progress = services.render_step(session, cohort, settings)
            session.commit()
        steps += 1
        finished = progress.finished
        _say(f"render step {steps}: {progress.done}/{progress.total}")
        if steps > PEOPLE:
            raise RuntimeError("render_step never finished")
    render_s = time.perf_counter() - start

    start = time.perf_counter()
    with database.session() as session:
        files = [
            services.pdf_of(session, cert) for cert in session.scalars(services.rendered(cohort_id))
        ]
    files_s = time.perf_counter() - start

    start = time.perf_counter()
    with database.session() as session:
        printed = services.print_pdf(session, cohort_id)
    print_s = time.perf_counter() - start
    return {
        "issued": issued.count,
        "issue_s": issue_s,
        "render_s": render_s,
        "render_steps": steps,
        "files_s": files_s,
        "print_s": print_s,
        "files": files,
        "printed": printed,
    }


def reference(database: Database, cohort_id: int) -> tuple[float, list[bytes]]:
    """Every certificate as its own WeasyPrint document, from what the product stored."""
    from certificates.render import render_single
    from certificates.template import Recipient
    from lms.cohorts.models import Cohort
    from lms.credentials import services
    from lms.credentials.models import Certificate, Issuer

    with database.session() as session:
        cohort = session.get(Cohort, cohort_id)
        assert cohort is not None
        certs = list(
            session.scalars(
                select(Certificate)
                .options(undefer(Certificate.credential))
                .where(Certificate.cohort_id == cohort_id)
                .order_by(Certificate.seq)
            )
        )
        issuer = session.get(Issuer, certs[0].issuer_id)
        assert issuer is not None
        template = services.template_of(issuer)
        event = services.event_of(session, cohort, services.face_of(session, issuer))
        # As services._recipient builds them (it is private), so both paths print the same text.
        work = [
            (
                Recipient(
                    nomor=c.number,
                    nama=c.recipient["nama"],
                    jabatan=c.recipient.get("jabatan", ""),
                    koperasi=c.recipient.get("koperasi", ""),
                    wilayah=c.recipient.get("wilayah", ""),
                    kode=c.code,
                    tautan=c.recipient.get("tautan", ""),
                ),
                c.credential,
                c.issued_at,
            )
            for c in certs
        ]
    pdfs = []
    start = time.perf_counter()
    for n, (recipient, credential, issued_at) in enumerate(work, start=1):
        pdfs.append(render_single(template, event, recipient, credential, issued_at))
        if n % 50 == 0 or n == len(work):
            _say(f"reference: {n}/{len(work)} in {time.perf_counter() - start:.1f} s")
    return time.perf_counter() - start, pdfs


# ---------------------------------------------------------------------------------- checks


def _problem(pdf: bytes, name: str) -> str | None:
    """Why this certificate file is wrong, or None."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(pdf))
        pages = len(reader.pages)
        # Spacing in extracted text depends on how the glyphs were placed: compare words.
        text = " ".join(reader.pages[0].extract_text().split())
        attachments = list(reader.attachments)
    except Exception as exc:  # a file pypdf cannot read is the finding, not a crash
        return f"{name!r}: pypdf cannot read the file ({type(exc).__name__}: {exc})"
    if pages != 1:
        return f"{name!r}: {pages} pages"
    if " ".join(name.split()) not in text:
        return f"{name!r} not in the page text {text[:200]!r}"
    if attachments != ["credential.jwt"]:
        return f"{name!r}: attachments {attachments}"
    return None


def checks(database: Database, cohort_id: int, files: list[bytes], printed: bytes) -> list[str]:
    from pypdf import PdfReader

    from lms.credentials import services

    with database.session() as session:
        certs = list(session.scalars(services.rendered(cohort_id)))
        seqs = [c.seq for c in certs]
        names = [c.recipient["nama"] for c in certs]
    problems = []
    if seqs != list(range(1, PEOPLE + 1)):
        problems.append(f"{len(seqs)} certificates rendered, numbers not 1..{PEOPLE} in order")
    if len(files) != len(names) or not names:
        return [*problems, f"{len(files)} files for {len(names)} certificates"]
    unusual = next((i for i, name in enumerate(names) if not name.isascii() or "'" in name), None)
    picks = dict.fromkeys(i for i in (0, len(names) - 1, unusual) if i is not None)
    for i in picks:
        found = _problem(files[i], names[i])
        if found:
            problems.append(f"certificate {seqs[i]}: {found}")
    print_pages = len(PdfReader(io.BytesIO(printed)).pages)
    if print_pages != len(names):
        problems.append(f"print PDF has {print_pages} pages for {len(names)} certificates")
    return problems


# ---------------------------------------------------------------------------------- run


def run() -> dict[str, Any]:
    from lms.config import Settings
    from lms.credentials.models import CertificateBase
    from lms.db import make_engine

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as tmp:
        url = f"sqlite:///{tmp}/lms.db"
        _say(f"preparing a database with {PEOPLE} peserta ...")
        start = time.perf_counter()
        cohort_id, operator_id = prepare_database(url)
        setup_s = time.perf_counter() - start
        settings = Settings(env="test", database_url=url, secret_key=SECRET, public_url=PUBLIC_URL)
        database = Database(make_engine(url))
        _warm_up()
        _say("product path: issue, render steps, downloads ...")
        made = product(database, settings, cohort_id, operator_id)
        _say("reference: one WeasyPrint document per certificate ...")
        reference_s, reference_pdfs = reference(database, cohort_id)
        problems = checks(database, cohort_id, made["files"], made["printed"])
        with database.session() as session:
            bases = [len(pdf) for pdf in session.scalars(select(CertificateBase.pdf))]
        database.engine.dispose()

    files: list[bytes] = made["files"]
    count = len(files)
    product_s = made["issue_s"] + made["render_s"] + made["files_s"]
    product_per_s = count / product_s if product_s else 0.0
    reference_per_s = len(reference_pdfs) / reference_s if reference_s else 0.0
    ratio = reference_s / product_s if product_s else 0.0
    if made["issued"] != PEOPLE:
        problems.insert(0, f"{made['issued']} certificates issued for {PEOPLE} eligible members")
    return {
        "benchmark": "certificates",
        "ok": ratio >= GOAL_RATIO and product_per_s >= GOAL_PER_S and not problems,
        "people": PEOPLE,
        "issue_s": round(made["issue_s"], 2),
        "render_s": round(made["render_s"], 2),
        "render_steps": made["render_steps"],
        "files_s": round(made["files_s"], 2),
        "product_s": round(product_s, 2),
        "product_per_s": round(product_per_s, 1),
        "reference_s": round(reference_s, 2),
        "reference_per_s": round(reference_per_s, 1),
        "ratio": round(ratio, 1),
        "pdf_kb": round(sum(map(len, files)) / max(count, 1) / 1024, 1),
        "reference_pdf_kb": round(
            sum(map(len, reference_pdfs)) / max(len(reference_pdfs), 1) / 1024, 1
        ),
        "print_pdf_kb": round(len(made["printed"]) / 1024),
        "print_s": round(made["print_s"], 2),
        "base_kb": round(max(bases, default=0) / 1024, 1),
        "bases": len(bases),
        "setup_s": round(setup_s, 1),
        "total_s": round(time.perf_counter() - started, 1),
        "problems": problems,
        "goal": GOAL,
    }


def main() -> int:
    result = run()
    print(
        f"{result['people']} certificates the product's way: issue {result['issue_s']} s + "
        f"render {result['render_s']} s ({result['render_steps']} steps) + files "
        f"{result['files_s']} s = {result['product_s']} s, {result['product_per_s']}/s"
    )
    print(
        f"one WeasyPrint document each: {result['reference_s']} s, "
        f"{result['reference_per_s']}/s; ratio {result['ratio']}x"
    )
    print(
        f"one certificate {result['pdf_kb']} KB (reference {result['reference_pdf_kb']} KB), "
        f"print PDF {result['print_pdf_kb']} KB in {result['print_s']} s, "
        f"base {result['base_kb']} KB"
    )
    for problem in result["problems"]:
        print(f"problem: {problem}")
    print(f"goal: {result['goal']}: {'met' if result['ok'] else 'NOT met'}")
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
