"""Demo data: the Kab. Tangerang pilot (58 KDKMP, 58 ketua, 58 bendahara) and staff accounts.

Deterministic and idempotent: running it again finds everything by village code, phone or email
and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Jabatan, Role, User
from lms.accounts.passwords import hash_password
from lms.cohorts.models import CohortCourse
from lms.regions.models import LEVEL_VILLAGE, Koperasi, Region
from lms.regions.services import VillageHit, village_hit

KAB_TANGERANG = "36.03"
KOTA_SERANG = "36.73"
BANTEN = "36"
PILOT_SIZE = 58
SERANG_SIZE = 6
DEFAULT_PASSWORD = "bimtek2025"  # noqa: S105 (published demo password, printed by `lms demo`)

GIVEN = (
    "Ahmad",
    "Budi",
    "Dedi",
    "Eko",
    "Fajar",
    "Hendra",
    "Iwan",
    "Joko",
    "Rudi",
    "Slamet",
    "Agus",
    "Bambang",
    "Yusuf",
    "Hasan",
    "Rahmat",
    "Asep",
    "Ujang",
    "Dadang",
    "Saepudin",
    "Nurdin",
    "Siti",
    "Sri",
    "Dewi",
    "Rina",
    "Wati",
    "Yanti",
    "Nur",
    "Euis",
    "Lilis",
    "Neneng",
    "Aisyah",
    "Fitri",
    "Ratna",
    "Ika",
    "Tati",
    "Imas",
    "Maesaroh",
    "Rohmah",
    "Sumiati",
    "Halimah",
)
FAMILY = (
    "Hidayat",
    "Saputra",
    "Setiawan",
    "Kurniawan",
    "Permana",
    "Wijaya",
    "Gunawan",
    "Suryadi",
    "Rohman",
    "Sobari",
    "Mulyana",
    "Hermawan",
    "Susanti",
    "Lestari",
    "Rahayu",
    "Maryani",
    "Nurhayati",
    "Fauzi",
    "Ramdani",
    "Sudrajat",
    "Hakim",
    "Jaelani",
    "Syarifudin",
    "Mansur",
)


@dataclass(frozen=True)
class StaffAccount:
    email: str
    name: str
    role: Role
    region_code: str | None


STAFF = (
    StaffAccount("admin@demo.test", "Admin Nasional", Role.ADMIN, None),
    StaffAccount(
        "dinas.banten@demo.test", "Operator Dinas Koperasi Provinsi Banten", Role.DINAS, BANTEN
    ),
    StaffAccount(
        "dinas.tangerang@demo.test",
        "Operator Dinas Koperasi Kab. Tangerang",
        Role.DINAS,
        KAB_TANGERANG,
    ),
    StaffAccount(
        "dinas.serang@demo.test", "Operator Dinas Koperasi Kota Serang", Role.DINAS, KOTA_SERANG
    ),
    StaffAccount("narasumber@demo.test", "Dra. Sri Mulyani Hartati, M.Ak.", Role.NARASUMBER, None),
    StaffAccount(
        "pendamping.tangerang@demo.test",
        "Pendamping Kab. Tangerang",
        Role.PENDAMPING,
        KAB_TANGERANG,
    ),
)


def _spread(villages: list[str], count: int) -> list[str]:
    """`count` villages spread evenly over the regency (every kecamatan gets some)."""
    step = len(villages) / count
    return [villages[int(i * step)] for i in range(count)]


def _village_hits(session: Session, codes: list[str]) -> dict[str, VillageHit]:
    hits = {code: village_hit(session, code) for code in codes}
    return {code: hit for code, hit in hits.items() if hit is not None}


@dataclass
class DemoResult:
    koperasi_added: int = 0
    users_added: int = 0
    attempts_added: int = 0
    cohorts_added: int = 0


def load_demo(session: Session, password: str = DEFAULT_PASSWORD) -> DemoResult:
    result = DemoResult()
    password_hash = hash_password(password)
    rng = random.Random(2025)

    def person_name() -> str:
        return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"

    regions = {
        KAB_TANGERANG: (PILOT_SIZE, "0812-1000-{:04d}", "0812-2000-{:04d}"),
        KOTA_SERANG: (SERANG_SIZE, "0812-3000-{:04d}", "0812-4000-{:04d}"),
    }
    for regency, (size, ketua_phone, bendahara_phone) in regions.items():
        codes = list(
            session.scalars(
                select(Region.code)
                .where(Region.regency_code == regency, Region.level == LEVEL_VILLAGE)
                .order_by(Region.code)
            )
        )
        if not codes:
            raise RuntimeError("Data wilayah belum dimuat: jalankan `lms regions load` dulu.")
        chosen = _spread(codes, size)
        hits = _village_hits(session, chosen)
        for index, code in enumerate(chosen, start=1):
            hit = hits[code]
            koperasi = session.scalar(select(Koperasi).where(Koperasi.village_code == code))
            if koperasi is None:
                koperasi = Koperasi(
                    name=hit.default_koperasi_name,
                    village_code=code,
                    province_code=code[:2],
                    regency_code=code[:5],
                )
                session.add(koperasi)
                session.flush()
                result.koperasi_added += 1
            for jabatan, pattern in (
                (Jabatan.KETUA, ketua_phone),
                (Jabatan.BENDAHARA, bendahara_phone),
            ):
                name = person_name()  # drawn every time so names stay stable across runs
                phone = "+62" + pattern.format(index).replace("-", "")[1:]
                if session.scalar(select(User.id).where(User.phone == phone)) is not None:
                    continue
                session.add(
                    User(
                        name=name,
                        phone=phone,
                        password_hash=password_hash,
                        role=Role.PESERTA,
                        koperasi_id=koperasi.id,
                        jabatan=jabatan,
                        province_code=koperasi.province_code,
                        regency_code=koperasi.regency_code,
                    )
                )
                result.users_added += 1
    for staff in STAFF:
        if session.scalar(select(User.id).where(User.email == staff.email)) is not None:
            continue
        session.add(
            User(
                name=staff.name,
                email=staff.email,
                password_hash=password_hash,
                role=staff.role,
                region_code=staff.region_code,
                province_code=staff.region_code[:2] if staff.region_code else None,
                regency_code=staff.region_code
                if staff.region_code and len(staff.region_code) == 5
                else None,
            )
        )
        result.users_added += 1
    session.flush()
    result.attempts_added = _quiz_attempts(session, rng)
    result.cohorts_added = _cohorts(session, random.Random(2026))
    _dashboard(session)
    return result


def _dashboard(session: Session) -> None:
    """Bring the dashboard's figures for Banten up to date (the demo writes past the services
    that mark angkatan stale)."""
    from sqlalchemy import delete

    from lms.cohorts.models import Cohort
    from lms.reports.models import ReportStale
    from lms.reports.services import refresh, refresh_koperasi

    session.flush()
    cohorts = list(session.scalars(select(Cohort.id).where(Cohort.province_code == BANTEN)))
    refresh(session, cohorts)
    refresh_koperasi(
        session, session.scalars(select(Koperasi.id).where(Koperasi.province_code == BANTEN))
    )
    # Nothing is left for the first page view to recompute.
    session.execute(delete(ReportStale).where(ReportStale.cohort_id.in_(cohorts)))


TANGERANG_COHORT = "bimtek-kdkmp-kab-tangerang-angkatan-i"
SERANG_COHORT = "bimtek-kdkmp-kota-serang-angkatan-i"


def _cohorts(session: Session, rng: random.Random) -> int:
    """Two angkatan. Kab. Tangerang: 116 pilot officials, one sesi already held this morning
    (roll call taken), one running now (so the QR page has a live code) and one tomorrow.
    Kota Serang: held three days ago, the one whose officials took the quiz."""
    from zoneinfo import ZoneInfo

    from lms.cohorts import services
    from lms.cohorts.models import Attendance, Cohort, CohortSession, Status
    from lms.db import utcnow
    from lms.learning.models import Course

    courses = list(session.scalars(select(Course.id).order_by(Course.id)))
    if not courses:  # the course library is not loaded
        return 0
    tata_kelola = session.scalar(select(Course.id).where(Course.slug == "tata-kelola"))
    narasumber = session.scalar(select(User).where(User.email == "narasumber@demo.test"))
    operator = session.scalar(select(User).where(User.email == "dinas.tangerang@demo.test"))
    zone = ZoneInfo("Asia/Jakarta")
    now = utcnow().astimezone(zone).replace(second=0, microsecond=0)
    added = 0
    plans = (
        (
            TANGERANG_COHORT,
            "Bimtek Pengurus KDKMP Angkatan I Kabupaten Tangerang",
            KAB_TANGERANG,
            "Dinas Koperasi dan UKM Kabupaten Tangerang",
            "Hotel Grand Tigaraksa, Tigaraksa",
            now - dt.timedelta(hours=3),
            "DISKUM-TGR",
        ),
        (
            SERANG_COHORT,
            "Bimtek Pengurus KDKMP Angkatan I Kota Serang",
            KOTA_SERANG,
            "Dinas Koperasi, UKM, Perindustrian dan Perdagangan Kota Serang",
            "Aula Dinas Koperasi Kota Serang, Serang",
            now - dt.timedelta(days=3, hours=3),
            "DISKOPERINDAG-SRG",
        ),
    )
    for slug, name, regency, organizer, venue, first, office_code in plans:
        if session.scalar(select(Cohort.id).where(Cohort.slug == slug)) is not None:
            continue
        # Three sesi: one over, one under way (for Tangerang), one the next day.
        blocks = [
            (first, first + dt.timedelta(minutes=120), "Tata kelola KDKMP: peran pengurus dan RAT"),
            (
                first + dt.timedelta(hours=2, minutes=30),
                first + dt.timedelta(hours=5, minutes=30),
                "Pembukuan simpanan, pinjaman dan gerai",
            ),
            (
                (first + dt.timedelta(days=1)).replace(hour=8, minute=30),
                (first + dt.timedelta(days=1)).replace(hour=11, minute=30),
                "Digitalisasi koperasi dan kuis studi kasus",
            ),
        ]
        cohort = Cohort(
            slug=slug,
            name=name,
            region_code=regency,
            province_code=regency[:2],
            regency_code=regency,
            organizer=organizer,
            venue=venue,
            starts_on=blocks[0][0].date(),
            ends_on=blocks[-1][0].date(),
            timezone="WIB",
            min_attendance=75,
            min_quiz_score=60,
            # Serang's one-course Bimtek is over: who earns a certificate rests on attendance
            # and the quiz they took, so its certificate page has both kinds of people.
            require_modules=slug != SERANG_COHORT,
            certificate_code=office_code,
            officer_name="Drs. H. Ahmad Fauzi, M.Si.",
            officer_title="Kepala Bidang Kelembagaan dan Pengawasan Koperasi",
            officer_nip="197203151998031004",
            created_by_id=operator.id if operator else None,
        )
        session.add(cohort)
        session.flush()
        own = [tata_kelola] if slug == SERANG_COHORT and tata_kelola else courses
        session.add_all(CohortCourse(cohort_id=cohort.id, course_id=c) for c in own)
        sesi_rows = [
            CohortSession(
                cohort_id=cohort.id,
                starts_at=start,
                ends_at=end,
                topic=topic,
                narasumber_id=narasumber.id if narasumber else None,
            )
            for start, end, topic in blocks
        ]
        session.add_all(sesi_rows)
        session.flush()
        people = list(
            session.scalars(
                select(User.id)
                .where(
                    User.regency_code == regency,
                    User.role == Role.PESERTA,
                    # The pilot's own officials (0812-…), not the national data's.
                    User.phone.like("+62812%"),
                )
                .order_by(User.id)
            )
        )
        services.add_members(session, cohort, people, source="manual")
        now_utc = utcnow()
        for sesi in sesi_rows:
            if sesi.ends_at > now_utc:
                continue  # roll call of a sesi not over yet is taken live
            for user_id in people:
                roll = rng.random()
                status = (
                    Status.HADIR
                    if roll < 0.8
                    else Status.TERLAMBAT
                    if roll < 0.88
                    else Status.IZIN
                    if roll < 0.93
                    else Status.SAKIT
                    if roll < 0.96
                    else Status.ALPA
                )
                session.add(
                    Attendance(
                        session_id=sesi.id,
                        user_id=user_id,
                        status=status.value,
                        method="daftar",
                        marked_by_id=narasumber.id if narasumber else None,
                    )
                )
        added += 1
    session.flush()
    return added


def _quiz_attempts(session: Session, rng: random.Random) -> int:
    """The Kota Serang officials already took the tata kelola quiz at their Bimtek, with uneven
    success, so the narasumber's results and item analysis have something to show."""
    from lms.assessment import services
    from lms.assessment.models import Quiz, QuizAttempt
    from lms.learning.models import Course

    quiz = session.scalar(
        select(Quiz)
        .join(Course, Course.id == Quiz.course_id)
        .where(Course.slug == "tata-kelola", Quiz.slug == "tata-kelola", Quiz.active.is_(True))
    )
    if quiz is None:  # the course library is not loaded
        return 0
    people = session.scalars(
        select(User).where(User.regency_code == KOTA_SERANG, User.role == Role.PESERTA)
    ).all()
    questions = services.definition(session, quiz.version_id, quiz.path).questions
    started = services.utcnow() - dt.timedelta(days=3)
    added = 0
    for person in sorted(people, key=lambda p: p.id):
        skill = rng.uniform(0.35, 0.95)  # drawn every time so results stay stable across runs
        answers = {q.id: _demo_answer(q, rng.random() < skill, rng) for q in questions}
        if session.scalar(select(QuizAttempt.id).where(QuizAttempt.user_id == person.id)):
            continue
        attempt = services.start_attempt(session, quiz, person, started)
        for rev, (qid, value) in enumerate(answers.items(), start=1):
            services.save_answer(session, quiz, attempt.id, qid, value, rev, started)
        services.close(session, quiz, attempt, started + dt.timedelta(minutes=15), "peserta")
        added += 1
    return added


def _demo_answer(question: Any, right: bool, rng: random.Random) -> Any:
    key = question.key()
    if right:
        return key
    if question.kind == "benar_salah":
        return "salah" if key == "benar" else "benar"
    wrong = [c.id for c in question.choices if not c.correct]
    return [rng.choice(wrong)] if question.kind == "pilihan_ganda" else rng.choice(wrong)


def demo_logins() -> list[tuple[str, str, str]]:
    """(login, role, what it shows) for the README and `make run`."""
    rows = [(s.email, s.role.value, s.name) for s in STAFF]
    rows.append(("0812-1000-0001", "peserta", "Ketua koperasi percontohan no. 1, Kab. Tangerang"))
    rows.append(
        ("0812-2000-0001", "peserta", "Bendahara koperasi percontohan no. 1, Kab. Tangerang")
    )
    return rows
