"""Synthetic national data: one KDKMP per desa/kelurahan, its four officials, their angkatan,
attendance and quiz results, shaped like a real roll-out so the dinas dashboard has something to
show and its benchmark something to chew on (`lms demo --scale national`).

Rows go in by the batch (COPY on PostgreSQL, Core executemany on SQLite) with ids pre-assigned
from max(id) + 1, because one ORM object per row would take an hour for the 335,000 officials.
Each province is drawn from its own random stream, so a province made alone (`--provinsi`) looks
the same as in a national run. A province that already has its "nasional-" angkatan is left
alone: running again adds nothing. Only villages without a koperasi get one (and officials), so
the pilot demo's koperasi are never doubled; run the pilot first (`make run` does), or its
officials join the national koperasi of their villages.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.orm import Session

from lms.accounts.models import Jabatan, Role, User
from lms.accounts.passwords import hash_password
from lms.assessment.models import Quiz, QuizAttempt
from lms.cohorts.models import (
    Attendance,
    Cohort,
    CohortCourse,
    CohortMember,
    CohortSession,
    Status,
)
from lms.demo import DEFAULT_PASSWORD, FAMILY, GIVEN
from lms.i18n import timezone_for_region
from lms.learning.models import Course, CourseVersion
from lms.regions.models import (
    LEVEL_DISTRICT,
    LEVEL_PROVINCE,
    LEVEL_REGENCY,
    LEVEL_VILLAGE,
    Koperasi,
    Region,
)

SLUG_PREFIX = "nasional-"
OFFICIALS = (Jabatan.KETUA, Jabatan.BENDAHARA, Jabatan.SEKRETARIS, Jabatan.PENGAWAS)
# Villages per angkatan: cuts are aimed at every COHORT_TARGET villages and moved up to
# CUT_SLACK villages to fall between two kecamatan, which keeps every angkatan of a big
# enough kabupaten between 4 * 19 = 76 and 4 * 86 = 344 members (a hall holds 350).
COHORT_TARGET = 70
CUT_SLACK = 8
MIN_ATTENDANCE = 75
MIN_QUIZ_SCORE = 60
BATCH = 10_000
# Earliest and latest first day of an angkatan: the roll-out runs through 2025 and 2026, so
# both years are on the dashboard's year filter.
FIRST_DAYS = (dt.date(2025, 3, 3), dt.date(2025, 10, 31))
LAST_DAYS = (dt.date(2026, 2, 2), dt.date(2026, 11, 13))
ZONE_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}
SCORE_SD = 14.0  # spread of quiz percents within a kabupaten
QUIZ_NOISE = 7.0  # one person's spread from quiz to quiz
FAIL_ATTENDANCE = 0.4  # of those who do not complete: too many sesi missed
FAIL_SCORE = 0.4  # ... a quiz average under the minimum; the rest left a quiz undone
_NORMAL = NormalDist()

Progress = Callable[[str], None]


class NationalDataMissing(RuntimeError):
    """Something the generator builds on is not loaded; the message names the command."""


@dataclass
class NationalResult:
    provinces: int = 0
    provinces_skipped: int = 0
    koperasi: int = 0
    users: int = 0
    cohorts: int = 0
    sessions: int = 0
    members: int = 0
    attendance: int = 0
    attempts: int = 0
    report_rows: int = 0
    skipped_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Quiz:
    id: int
    course_id: int
    version_id: int
    max_points: int
    time_limit: int


@dataclass(frozen=True)
class _Course:
    id: int
    slug: str
    title: str
    quizzes: tuple[_Quiz, ...]


@dataclass(frozen=True)
class _Village:
    code: str
    name: str
    district: str
    ordinal: int  # position among all villages of the province: makes the phone numbers


class _Writer:
    """Buffers rows per table and inserts them parents first, BATCH rows at a time, so memory
    stays flat however big the province.

    On PostgreSQL the rows go in by COPY: psycopg's executemany sends one INSERT per row and
    took three quarters of the generator's time; COPY is several times faster. SQLite gets a Core
    executemany, which its driver runs in C anyway."""

    def __init__(self, session: Session, tables: Sequence[Table]) -> None:
        self.session = session
        self.rows: dict[Table, list[dict[str, Any]]] = {t: [] for t in tables}
        self.pending = 0
        self.counts: Counter[str] = Counter()
        self.copy = session.get_bind().dialect.name == "postgresql"

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.rows[table].append(row)
        self.pending += 1
        if self.pending >= BATCH:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                if self.copy:
                    self._copy(table, rows)
                else:
                    self.session.execute(insert(table), rows)
                self.counts[table.name] += len(rows)
                rows.clear()
        self.pending = 0

    def _copy(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        # JSON columns take their text; the driver has no default for a dict.
        json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
        names = ", ".join(f'"{c}"' for c in columns)
        driver = self.session.connection().connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(
                    [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]
                )


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


KOPERASI, USERS, COHORTS = _table(Koperasi), _table(User), _table(Cohort)
COHORT_COURSES, SESSIONS, MEMBERS = (
    _table(CohortCourse),
    _table(CohortSession),
    _table(CohortMember),
)
ATTENDANCE, ATTEMPTS = _table(Attendance), _table(QuizAttempt)
ORDER = (KOPERASI, USERS, COHORTS, COHORT_COURSES, SESSIONS, MEMBERS, ATTENDANCE, ATTEMPTS)
PRESET_IDS = (KOPERASI, USERS, COHORTS, SESSIONS)


def generate(
    session: Session,
    *,
    province: str | None = None,
    seed: int = 2025,
    password: str = DEFAULT_PASSWORD,
    progress: Progress | None = None,
    commit: bool = False,
) -> NationalResult:
    """Make the national data (or one province's, e.g. "36") and rebuild the dashboard.

    With `commit`, each province is committed when done, so an interrupted run keeps the
    finished provinces and the next run carries on where it stopped."""
    provinces = _provinces(session, province)
    courses = _courses(session)
    # Hashed once for every row: argon2 is slow on purpose.
    password_hash = hash_password(password)
    done = {
        slug[len(SLUG_PREFIX) : len(SLUG_PREFIX) + 2]
        for slug in session.scalars(select(Cohort.slug).where(Cohort.slug.like(SLUG_PREFIX + "%")))
    }
    next_ids = {t: (session.scalar(select(func.max(t.c.id))) or 0) + 1 for t in PRESET_IDS}
    result = NationalResult()
    for code, name in provinces:
        if code in done:
            result.provinces_skipped += 1
            result.skipped_codes.append(code)
            if progress:
                progress(f"{code} {name}: sudah ada, dilewati")
            continue
        started = time.perf_counter()
        writer = _Writer(session, ORDER)
        _province(session, writer, code, courses, password_hash, next_ids, seed)
        writer.flush()
        _sync_sequences(session)
        if commit:
            session.commit()
        counts = writer.counts
        result.provinces += 1
        result.koperasi += counts[KOPERASI.name]
        result.users += counts[USERS.name]
        result.cohorts += counts[COHORTS.name]
        result.sessions += counts[SESSIONS.name]
        result.members += counts[MEMBERS.name]
        result.attendance += counts[ATTENDANCE.name]
        result.attempts += counts[ATTEMPTS.name]
        if progress:
            progress(
                f"{code} {name}: {counts[KOPERASI.name]:,} koperasi, "
                f"{counts[USERS.name]:,} pengurus, {counts[COHORTS.name]:,} angkatan "
                f"({time.perf_counter() - started:.1f} dtk)"
            )
    if result.cohorts:
        from lms.reports.services import rebuild

        _analyze(session)
        if progress:
            progress("Memperbarui laporan dinas …")
        result.report_rows = rebuild(session)
        if commit:
            session.commit()
    return result


def _provinces(session: Session, only: str | None) -> list[tuple[str, str]]:
    query = select(Region.code, Region.name).where(Region.level == LEVEL_PROVINCE)
    if only is not None:
        query = query.where(Region.code == only)
    rows = [(code, name) for code, name in session.execute(query.order_by(Region.code))]
    villages = session.scalar(select(Region.code).where(Region.level == LEVEL_VILLAGE).limit(1))
    if (not rows and only is None) or villages is None:
        raise NationalDataMissing("Data wilayah belum dimuat: jalankan `lms regions load` dulu.")
    if not rows:
        raise NationalDataMissing(f"Provinsi dengan kode {only!r} tidak ada (contoh: 36 Banten).")
    return rows


def _courses(session: Session) -> list[_Course]:
    rows = session.execute(
        select(Course.id, Course.slug, CourseVersion.title)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .order_by(Course.id)
    ).all()
    if not rows:
        raise NationalDataMissing("Belum ada kursus: jalankan `lms courses sync` dulu.")
    quizzes: dict[int, list[_Quiz]] = {}
    for quiz in session.execute(
        select(Quiz.id, Quiz.course_id, Quiz.version_id, Quiz.max_points, Quiz.time_limit)
        .where(Quiz.active.is_(True), Quiz.max_points > 0)
        .order_by(Quiz.course_id, Quiz.position, Quiz.id)
    ):
        quizzes.setdefault(quiz.course_id, []).append(_Quiz(*quiz))
    return [_Course(cid, slug, title, tuple(quizzes.get(cid, ()))) for cid, slug, title in rows]


def _course_plans(courses: list[_Course]) -> list[tuple[tuple[_Course, ...], float]]:
    """Which courses an angkatan teaches, with weights: the governance course (the one every
    pengurus needs) most often, alone or with one other; now and then another on its own."""
    core = next((c for c in courses if c.slug == "tata-kelola"), courses[0])
    others = [c for c in courses if c is not core]
    if not others:
        return [((core,), 1.0)]
    plans: list[tuple[tuple[_Course, ...], float]] = [((core,), 0.3)]
    plans += [((core, other), 0.5 / len(others)) for other in others]
    plans += [((other,), 0.2 / len(others)) for other in others]
    return plans


def _sync_sequences(session: Session) -> None:
    """PostgreSQL hands out ids from sequences, which the pre-assigned ids went past."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in PRESET_IDS:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table.name}))"
            )
        )


def _analyze(session: Session) -> None:
    """Fresh planner statistics on PostgreSQL: the tables grew from nothing to millions of rows
    before autovacuum had a look, and the dashboard's rebuild right after ran 2.5 times slower
    on the stale ones."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("ANALYZE " + ", ".join(t.name for t in ORDER)))


def _cuts(villages: list[_Village]) -> list[list[_Village]]:
    """The villages of one kabupaten in angkatan: whole kecamatan where a cut can fall between
    two of them, otherwise through one."""
    total = len(villages)
    parts = math.ceil(total / COHORT_TARGET)
    if parts <= 1:
        return [villages] if villages else []
    borders = [i for i in range(1, total) if villages[i].district != villages[i - 1].district]
    cuts = [0]
    for part in range(1, parts):
        aim = round(part * total / parts)
        near = [b for b in borders if abs(b - aim) <= CUT_SLACK]
        cuts.append(min(near, key=lambda b: (abs(b - aim), b)) if near else aim)
    cuts.append(total)
    return [villages[a:b] for a, b in itertools.pairwise(cuts)]


def _first_days(rng: random.Random, count: int) -> list[dt.date]:
    """First days of a kabupaten's angkatan: from 2025 into 2026, a Monday or a Tuesday."""

    def day_between(low: dt.date, high: dt.date) -> dt.date:
        return low + dt.timedelta(days=rng.randint(0, (high - low).days))

    if count == 1:
        days = [day_between(FIRST_DAYS[0], LAST_DAYS[1])]
    else:
        first, last = day_between(*FIRST_DAYS), day_between(*LAST_DAYS)
        step = (last - first) / (count - 1)
        days = [first + step * i + dt.timedelta(days=rng.randint(-5, 5)) for i in range(count)]
        days[0], days[-1] = first, last
    # Four days of Bimtek fit in a week from Monday or Tuesday.
    return [d - dt.timedelta(days=d.weekday()) + dt.timedelta(days=rng.randint(0, 1)) for d in days]


DEGREES = ("S.E., M.M.", "S.Sos., M.Si.", "S.H., M.H.", "S.E., M.Ak.", "S.STP., M.Si.")


def _officer(rng: random.Random) -> tuple[str, str]:
    """The head of the dinas who signs: a name with degrees, and an 18-digit NIP (birth date,
    year and month of appointment, sex, sequence)."""
    name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}, {rng.choice(DEGREES)}"
    born = dt.date(1968, 1, 1) + dt.timedelta(days=rng.randint(0, 12 * 365))
    appointed = f"{born.year + rng.randint(23, 28)}{rng.randint(1, 12):02d}"
    return name, f"{born:%Y%m%d}{appointed}{rng.randint(1, 2)}{rng.randint(1, 9):03d}"


def _province(
    session: Session,
    writer: _Writer,
    province: str,
    courses: list[_Course],
    password_hash: str,
    next_ids: dict[Table, int],
    seed: int,
) -> None:
    rng = random.Random(f"{seed}:{province}")  # noqa: S311 - synthetic data, not a secret
    taken = set(
        session.scalars(select(Koperasi.village_code).where(Koperasi.province_code == province))
    )
    names = dict(
        session.execute(
            select(Region.code, Region.name).where(
                Region.province_code == province, Region.level.in_([LEVEL_REGENCY, LEVEL_DISTRICT])
            )
        ).all()
    )
    by_regency: dict[str, list[_Village]] = {}
    for ordinal, (code, name, district) in enumerate(
        session.execute(
            select(Region.code, Region.name, Region.parent_code)
            .where(Region.province_code == province, Region.level == LEVEL_VILLAGE)
            .order_by(Region.code)
        ).all()
    ):
        if code not in taken:
            by_regency.setdefault(code[:5], []).append(
                _Village(code, name, district or "", ordinal)
            )
    plans = _course_plans(courses)
    province_rate = rng.uniform(0.5, 0.85)
    for regency, villages in by_regency.items():
        # Each kabupaten has its own completion rate, so the map and the charts are not flat.
        rate = min(0.95, max(0.4, province_rate + rng.uniform(-0.2, 0.2)))
        groups = _cuts(villages)
        for number, (group, first_day) in enumerate(
            zip(groups, _first_days(rng, len(groups)), strict=True), start=1
        ):
            plan = rng.choices([p for p, _ in plans], weights=[w for _, w in plans])[0]
            _cohort(
                writer,
                rng,
                _Angkatan(regency, names.get(regency, regency), number, first_day, plan, rate),
                group,
                names,
                password_hash,
                next_ids,
            )


@dataclass(frozen=True)
class _Angkatan:
    regency: str
    regency_name: str
    number: int
    first_day: dt.date
    courses: tuple[_Course, ...]
    rate: float  # share of members who complete


def _cohort(
    writer: _Writer,
    rng: random.Random,
    plan: _Angkatan,
    villages: list[_Village],
    names: dict[str, str],
    password_hash: str,
    next_ids: dict[Table, int],
) -> None:
    zone = timezone_for_region(plan.regency)
    offset = dt.timedelta(hours=ZONE_HOURS[zone])
    days = rng.choice((3, 4))
    cohort_id = next_ids[COHORTS]
    next_ids[COHORTS] += 1
    officer, nip = _officer(rng)
    kecamatan = names.get(villages[0].district) or plan.regency_name
    organizer = f"Dinas Koperasi dan UKM {plan.regency_name}"
    writer.add(
        COHORTS,
        {
            "id": cohort_id,
            "slug": f"{SLUG_PREFIX}{plan.regency.replace('.', '-')}-angkatan-{plan.number}",
            "name": f"Bimtek KDKMP {plan.regency_name} Angkatan {plan.number}",
            "region_code": plan.regency,
            "province_code": plan.regency[:2],
            "regency_code": plan.regency,
            "organizer": organizer,
            "venue": rng.choice(
                (
                    f"Aula Kantor Kecamatan {kecamatan}",
                    f"Aula {organizer}",
                    f"Balai Pelatihan Koperasi, {plan.regency_name}",
                )
            ),
            "starts_on": plan.first_day,
            "ends_on": plan.first_day + dt.timedelta(days=days - 1),
            "timezone": zone,
            "min_attendance": MIN_ATTENDANCE,
            "min_quiz_score": MIN_QUIZ_SCORE,
            "require_modules": False,
            "officer_name": officer,
            "officer_title": f"Kepala {organizer}",
            "officer_nip": nip,
            "certificate_code": "DISKOP-" + plan.regency.replace(".", ""),
            "created_at": _utc(plan.first_day - dt.timedelta(days=30), dt.time(9), offset),
            "updated_at": _utc(plan.first_day - dt.timedelta(days=30), dt.time(9), offset),
        },
    )
    for course in plan.courses:
        writer.add(COHORT_COURSES, {"cohort_id": cohort_id, "course_id": course.id})
    titles = [c.title for c in plan.courses]
    topics = [
        f"Pembukaan dan {titles[0]}",
        titles[1] if len(titles) > 1 else f"{titles[0]}: studi kasus",
    ]
    if days == 4:
        topics.append("Praktik pencatatan koperasi bersama pendamping")
    topics.append("Kuis, evaluasi dan penutupan")
    sessions = []
    for day, topic in enumerate(topics):
        starts = _utc(plan.first_day + dt.timedelta(days=day), dt.time(8, 30), offset)
        sessions.append((next_ids[SESSIONS], starts))
        writer.add(
            SESSIONS,
            {
                "id": next_ids[SESSIONS],
                "cohort_id": cohort_id,
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=7),
                "topic": topic[:200],
                "narasumber_id": None,
                "late_after": 15,
            },
        )
        next_ids[SESSIONS] += 1
    quizzes = [q for c in plan.courses for q in c.quizzes]
    # Quiz percents: a normal curve per kabupaten, placed so the share reaching the minimum
    # agrees with the kabupaten's completion rate.
    quiz_pass = plan.rate / (plan.rate + FAIL_SCORE * (1 - plan.rate))
    mean = MIN_QUIZ_SCORE + SCORE_SD * _NORMAL.inv_cdf(min(0.99, quiz_pass))
    imported = _utc(plan.first_day - dt.timedelta(days=rng.randint(7, 21)), dt.time(10), offset)
    last_day = plan.first_day + dt.timedelta(days=days - 1)
    for village in villages:
        koperasi_id = next_ids[KOPERASI]
        next_ids[KOPERASI] += 1
        kind = "Kelurahan" if village.code[9] == "1" else "Desa"
        writer.add(
            KOPERASI,
            {
                "id": koperasi_id,
                "name": f"Koperasi {kind} Merah Putih {village.name}",
                "village_code": village.code,
                "province_code": village.code[:2],
                "regency_code": village.code[:5],
                "legal_number": None,
                "created_at": imported,
                "updated_at": imported,
            },
        )
        # A koperasi whose pengurus work well together tends to finish together.
        team = rng.gauss(0, 0.12)
        for index, jabatan in enumerate(OFFICIALS):
            user_id = next_ids[USERS]
            next_ids[USERS] += 1
            person = _Person(rng, min(0.99, max(0.02, plan.rate + team)), len(sessions), quizzes)
            attempts = _attempts(rng, person, quizzes, mean, last_day, offset)
            writer.add(
                USERS,
                {
                    "id": user_id,
                    "name": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                    # 082x: no demo or test number starts so; unique by province and village.
                    "phone": f"+6282{village.code[:2]}{village.ordinal:06d}{index}",
                    "email": None,
                    "password_hash": password_hash,
                    "role": Role.PESERTA.value,
                    "region_code": None,
                    "koperasi_id": koperasi_id,
                    "jabatan": jabatan.value,
                    "province_code": village.code[:2],
                    "regency_code": village.code[:5],
                    "nik_cipher": None,
                    "nik_hash": None,
                    "nik_last4": None,
                    "locale": None,
                    "is_active": True,
                    "created_at": imported,
                    "last_login_at": max((a["submitted_at"] for a in attempts), default=None),
                },
            )
            writer.add(
                MEMBERS,
                {
                    "cohort_id": cohort_id,
                    "user_id": user_id,
                    "added_at": imported,
                    "source": "impor",
                },
            )
            for (session_id, starts), status in zip(sessions, person.statuses, strict=True):
                if status is None:
                    continue
                marked = starts + dt.timedelta(minutes=rng.randint(5, 90))
                writer.add(
                    ATTENDANCE,
                    {
                        "session_id": session_id,
                        "user_id": user_id,
                        "status": status,
                        "note": "",
                        "method": "daftar",
                        "checked_in_at": None,
                        "marked_at": marked,
                        "marked_by_id": None,
                    },
                )
            for attempt in attempts:
                attempt["user_id"] = user_id
                writer.add(ATTEMPTS, attempt)


def _utc(day: dt.date, at: dt.time, offset: dt.timedelta) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=dt.UTC) - offset


class _Person:
    """One official's fate in the angkatan, decided first, then the rows drawn to match: whether
    they complete, and if not, why (sesi missed, a low quiz average, a quiz left undone)."""

    def __init__(
        self, rng: random.Random, rate: float, sessions: int, quizzes: Sequence[_Quiz]
    ) -> None:
        allowed = sessions - math.ceil(sessions * MIN_ATTENDANCE / 100)
        self.completes = rng.random() < rate
        reason = rng.random() if not self.completes else 1.0
        if not quizzes and not self.completes:
            reason = 0.0  # only the attendance can fail without a quiz
        absent = 1 if allowed and rng.random() < 0.15 else 0
        self.skip: set[int] = set()
        self.quiz_pass: bool | None = True if self.completes else None
        if reason < FAIL_ATTENDANCE:
            if rng.random() < 0.1:  # registered but never came: no quiz either
                absent = sessions
                self.skip = set(range(len(quizzes)))
            else:
                absent = min(sessions, allowed + 1 + (rng.random() < 0.25))
        elif reason < FAIL_ATTENDANCE + FAIL_SCORE:
            self.quiz_pass = False
        elif reason < 1.0:
            undone = len(quizzes) if rng.random() < 0.4 else 1
            self.skip = set(rng.sample(range(len(quizzes)), undone))
        missed = set(rng.sample(range(sessions), min(absent, sessions)))
        self.statuses: list[str | None] = [
            _absent(rng) if day in missed else _present(rng) for day in range(sessions)
        ]


def _present(rng: random.Random) -> str:
    return Status.TERLAMBAT.value if rng.random() < 0.12 else Status.HADIR.value


def _absent(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.08:
        return None  # nobody wrote anything on the list for them
    if roll < 0.4:
        return Status.IZIN.value
    if roll < 0.68:
        return Status.SAKIT.value
    return Status.ALPA.value


def _attempts(
    rng: random.Random,
    person: _Person,
    quizzes: Sequence[_Quiz],
    mean: float,
    day: dt.date,
    offset: dt.timedelta,
) -> list[dict[str, Any]]:
    taken = [(i, q) for i, q in enumerate(quizzes) if i not in person.skip]
    if not taken:
        return []
    scores = _scores(rng, person.quiz_pass, [q for _, q in taken], mean)
    start = _utc(day, dt.time(13), offset)
    rows = []
    for (i, quiz), score in zip(taken, scores, strict=True):
        started = start + dt.timedelta(minutes=25 * i + rng.randint(0, 10))
        minutes = rng.randint(6, 20)
        if quiz.time_limit:
            minutes = min(minutes, max(1, quiz.time_limit - 1))
        submitted = started + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))
        rows.append(
            {
                "quiz_id": quiz.id,
                "number": 1,
                "version_id": quiz.version_id,
                "seed": rng.randrange(1, 2**31 - 1),
                "started_at": started,
                "deadline_at": started + dt.timedelta(minutes=quiz.time_limit)
                if quiz.time_limit
                else None,
                "submitted_at": submitted,
                "closed_by": "peserta",
                "score": score,
                "max_score": quiz.max_points,
                "percent": _percent(score, quiz.max_points),
                # No per-question breakdown: no answers were drawn (item analysis skips these).
                "result": {},
                "graded_at": submitted,
            }
        )
    return rows


def _percent(score: float, maximum: int) -> float:
    return round(score * 100 / maximum, 2)


def _scores(
    rng: random.Random, passing: bool | None, quizzes: Sequence[_Quiz], mean: float
) -> list[float]:
    """Scores (half points) whose average percent is at least the minimum when `passing`,
    under it when False, anything when None."""
    low = _NORMAL.cdf((MIN_QUIZ_SCORE - mean) / SCORE_SD)
    scores: list[float] = []
    for _try in range(20):
        if passing is None:
            skill = rng.gauss(mean, SCORE_SD)
        else:
            # The person's level drawn from the kabupaten's curve, on the side of the minimum
            # their fate says.
            u = rng.uniform(low, 1.0) if passing else rng.uniform(0.0, low)
            skill = mean + SCORE_SD * _NORMAL.inv_cdf(min(max(u, 1e-9), 1 - 1e-9))
        scores = [_half_points(skill + rng.gauss(0, QUIZ_NOISE), q.max_points) for q in quizzes]
        average = sum(_percent(s, q.max_points) for s, q in zip(scores, quizzes, strict=True))
        average /= len(quizzes)
        if passing is None or (average >= MIN_QUIZ_SCORE) == passing:
            return scores
    # Rarely reached: the quiz-to-quiz spread kept crossing the line; settle just either side.
    target = MIN_QUIZ_SCORE + (5 if passing else -5)
    return [_half_points(target, q.max_points) for q in quizzes]


def _half_points(percent: float, maximum: int) -> float:
    percent = min(100.0, max(0.0, percent))
    return round(percent * maximum / 100 * 2) / 2
