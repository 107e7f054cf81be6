"""Keeping the dashboard's facts and totals true, and reading them for one region.

Completion is the certificate rule of the person's angkatan (attendance, quiz score, modules):
the same `standings` the certificate page uses, so the dashboard and the certificates never
disagree about who has completed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from lms.accounts.models import Jabatan, User
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.db import begin_write
from lms.i18n import gettext as _
from lms.regions.models import (
    LEVEL_DISTRICT,
    LEVEL_PROVINCE,
    LEVEL_REGENCY,
    LEVEL_VILLAGE,
    Koperasi,
    Region,
)
from lms.regions.scope import Scope, scoped
from lms.reports.models import BUCKETS, PersonFact, Readiness, RegionTotal, ReportStale

CHUNK = 1000
# How many angkatan one page view brings up to date before it shows the figures; the rest wait
# for the next view (or `lms laporan perbarui`), so a view never stalls behind a backlog.
REFRESH_PER_VIEW = 40
LOCK_KEY = 7_202_508  # PostgreSQL advisory lock: one refresh at a time


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- keeping facts true ----------------------------------------------------------------------------


def pending(session: Session) -> bool:
    return session.scalar(select(ReportStale.id).limit(1)) is not None


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def refresh_pending(session: Session, limit: int = REFRESH_PER_VIEW) -> int:
    """Bring the oldest stale angkatan up to date (in a write transaction of its own, committed);
    returns how many were refreshed."""
    if not pending(session):
        return 0
    begin_write(session)
    _lock(session)
    marks = session.execute(
        select(ReportStale.id, ReportStale.cohort_id).order_by(ReportStale.id).limit(limit * 50)
    ).all()
    chosen: list[int] = []
    for _id, cohort_id in marks:
        if cohort_id not in chosen and len(chosen) < limit:
            chosen.append(cohort_id)
    seen = [mark_id for mark_id, cohort_id in marks if cohort_id in chosen]
    if chosen:
        refresh(session, chosen)
    for part in _chunks(seen):
        session.execute(delete(ReportStale).where(ReportStale.id.in_(part)))
    session.commit()
    return len(chosen)


def refresh(session: Session, cohort_ids: Iterable[int]) -> None:
    """Recompute the facts and totals of these angkatan and the readiness of their koperasi."""
    ids = sorted(set(cohort_ids))
    if not ids:
        return
    before: set[int] = set()
    for part in _chunks(ids):
        before.update(
            k
            for k in session.scalars(
                select(PersonFact.koperasi_id)
                .where(PersonFact.cohort_id.in_(part), PersonFact.koperasi_id.is_not(None))
                .distinct()
            )
            if k is not None
        )
        session.execute(delete(PersonFact).where(PersonFact.cohort_id.in_(part)))
        session.execute(delete(RegionTotal).where(RegionTotal.cohort_id.in_(part)))
    after: set[int] = set()
    for part in _chunks(ids, 50):
        after.update(_write_facts(session, part))
    refresh_koperasi(session, before | after)


def _write_facts(session: Session, cohort_ids: Sequence[int]) -> set[int]:
    """Write the facts and totals of these angkatan; returns the koperasi their people are in."""
    koperasi: set[int] = set()
    for cohort in session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids))):
        facts = person_facts(session, cohort)
        if facts:
            session.execute(insert(PersonFact), facts)
            session.execute(insert(RegionTotal), region_totals(cohort.id, facts))
        koperasi.update(f["koperasi_id"] for f in facts if f["koperasi_id"] is not None)
    return koperasi


def person_facts(session: Session, cohort: Cohort) -> list[dict[str, Any]]:
    """One fact per member: where they are counted and where they stand."""
    from lms.credentials.services import standings

    places = {
        row.id: row
        for row in session.execute(
            select(
                User.id,
                User.jabatan,
                User.koperasi_id,
                User.province_code,
                User.regency_code,
                Koperasi.village_code,
            )
            .join(CohortMember, CohortMember.user_id == User.id)
            .outerjoin(Koperasi, Koperasi.id == User.koperasi_id)
            .where(CohortMember.cohort_id == cohort.id)
        )
    }
    facts = []
    for s in standings(session, cohort):
        place = places[s.user_id]
        village = place.village_code
        province = (village or place.province_code or cohort.province_code)[:2]
        regency = village[:5] if village else place.regency_code or cohort.regency_code
        facts.append(
            {
                "cohort_id": cohort.id,
                "user_id": s.user_id,
                "koperasi_id": place.koperasi_id,
                "village_code": village,
                "district_code": village[:8] if village else None,
                "regency_code": regency,
                "province_code": province,
                "jabatan": place.jabatan or "",
                "year": cohort.starts_on.year,
                "sessions": s.sessions,
                "present": s.present,
                "score": s.score,
                "completed": s.eligible,
                "certified": s.certificate is not None and s.certificate.revoked_at is None,
            }
        )
    return facts


def bucket_label(index: int) -> str:
    """'0–9' … '90–100': the last range holds the perfect scores."""
    return f"{index * 10}–{index * 10 + (10 if index == BUCKETS - 1 else 9)}"


def bucket(score: float) -> int:
    return min(int(score // 10), BUCKETS - 1) if score > 0 else 0


def _places(fact: dict[str, Any]) -> Iterator[tuple[int, str, str]]:
    """(level, code, parent code) of each region the fact is counted in."""
    yield LEVEL_PROVINCE, fact["province_code"], ""
    if fact["regency_code"]:
        yield LEVEL_REGENCY, fact["regency_code"], fact["province_code"]
    if fact["district_code"]:
        yield LEVEL_DISTRICT, fact["district_code"], fact["regency_code"]
        yield LEVEL_VILLAGE, fact["village_code"], fact["district_code"]


def region_totals(cohort_id: int, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[tuple[int, str, str, str], dict[str, Any]] = {}
    for fact in facts:
        for level, code, parent in _places(fact):
            key = (level, code, parent, fact["jabatan"])
            row = rows.get(key)
            if row is None:
                row = rows[key] = {
                    "level": level,
                    "code": code,
                    "parent_code": parent,
                    "province_code": code[:2],
                    "regency_code": code[:5] if level > LEVEL_PROVINCE else None,
                    "cohort_id": cohort_id,
                    "year": fact["year"],
                    "jabatan": fact["jabatan"],
                    "participants": 0,
                    "sessions": 0,
                    "present": 0,
                    "scored": 0,
                    "score_sum": 0.0,
                    "completed": 0,
                    "certified": 0,
                    **{f"b{i}": 0 for i in range(BUCKETS)},
                }
            row["participants"] += 1
            row["sessions"] += fact["sessions"]
            row["present"] += fact["present"]
            row["completed"] += fact["completed"]
            row["certified"] += fact["certified"]
            if fact["score"] is not None:
                row["scored"] += 1
                row["score_sum"] += fact["score"]
                row[f"b{bucket(fact['score'])}"] += 1
    return list(rows.values())


def _cohort_courses(session: Session, cohort_ids: Iterable[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for part in _chunks(sorted(set(cohort_ids))):
        for cohort_id, course_id in session.execute(
            select(CohortCourse.cohort_id, CohortCourse.course_id).where(
                CohortCourse.cohort_id.in_(part)
            )
        ):
            out[cohort_id].append(course_id)
    return out


def refresh_koperasi(
    session: Session, koperasi_ids: Iterable[int], villages: Iterable[str] = ()
) -> None:
    """Recompute the readiness of these koperasi (and of these desa, say where a koperasi moved
    from) and of every region above them."""
    ids = sorted(set(koperasi_ids))
    codes = set(villages)
    rows: list[dict[str, Any]] = []
    for part in _chunks(ids):
        kops = session.execute(
            select(Koperasi.id, Koperasi.village_code).where(Koperasi.id.in_(part))
        ).all()
        facts = session.execute(
            select(
                PersonFact.koperasi_id,
                PersonFact.cohort_id,
                PersonFact.jabatan,
                PersonFact.year,
                PersonFact.completed,
            ).where(PersonFact.koperasi_id.in_(part))
        ).all()
        courses = _cohort_courses(session, (f.cohort_id for f in facts))
        by_koperasi: dict[int, list[Any]] = defaultdict(list)
        for fact in facts:
            by_koperasi[fact.koperasi_id].append(fact)
        for koperasi_id, village in kops:
            codes.add(village)
            rows.extend(koperasi_readiness(village, by_koperasi[koperasi_id], courses))
    code_list = sorted(codes)
    for part in _chunks(code_list):
        session.execute(
            delete(Readiness).where(Readiness.level == LEVEL_VILLAGE, Readiness.code.in_(part))
        )
    for part in _chunks(rows, 5000):
        session.execute(insert(Readiness), list(part))
    parents = {c[:8] for c in code_list}
    for level in (LEVEL_DISTRICT, LEVEL_REGENCY, LEVEL_PROVINCE):
        _roll_up_readiness(session, level, sorted(parents))
        parents = {p[: 5 if level == LEVEL_DISTRICT else 2] for p in parents}


def koperasi_readiness(
    village: str, facts: Sequence[Any], courses: dict[int, list[int]]
) -> list[dict[str, Any]]:
    """The desa rows of one koperasi: for any course and year (0, 0), and for each course and
    year its people took part in."""
    keys: dict[tuple[int, int], dict[str, int]] = {(0, 0): {"ketua": 0, "bendahara": 0}}
    for fact in facts:
        for course in (0, *courses.get(fact.cohort_id, [])):
            for year in (0, fact.year):
                mark = keys.setdefault((course, year), {"ketua": 0, "bendahara": 0})
                if fact.completed and fact.jabatan in (Jabatan.KETUA, Jabatan.BENDAHARA):
                    mark[fact.jabatan] = 1
    out = []
    for (course, year), mark in keys.items():
        out.append(
            {
                "code": village,
                "course_id": course,
                "year": year,
                "level": LEVEL_VILLAGE,
                "parent_code": village[:8],
                "province_code": village[:2],
                "regency_code": village[:5],
                "koperasi": 1,
                "reached": 1 if facts else 0,
                "ketua": mark["ketua"],
                "bendahara": mark["bendahara"],
                "ready": mark["ketua"] * mark["bendahara"],
            }
        )
    return out


def _roll_up_readiness(session: Session, level: int, codes: list[str]) -> None:
    """Recompute the rows of these regions at `level` from their children's rows."""
    for part in _chunks(codes):
        session.execute(delete(Readiness).where(Readiness.code.in_(part)))
        sums = session.execute(
            select(
                Readiness.parent_code,
                Readiness.course_id,
                Readiness.year,
                func.sum(Readiness.koperasi),
                func.sum(Readiness.reached),
                func.sum(Readiness.ketua),
                func.sum(Readiness.bendahara),
                func.sum(Readiness.ready),
            )
            .where(Readiness.parent_code.in_(part))
            .group_by(Readiness.parent_code, Readiness.course_id, Readiness.year)
        ).all()
        rows = [
            {
                "code": code,
                "course_id": course,
                "year": year,
                "level": level,
                "parent_code": "" if level == LEVEL_PROVINCE else code[: 2 if level == 2 else 5],
                "province_code": code[:2],
                "regency_code": code[:5] if level > LEVEL_PROVINCE else None,
                "koperasi": koperasi,
                "reached": reached,
                "ketua": ketua,
                "bendahara": bendahara,
                "ready": ready,
            }
            for code, course, year, koperasi, reached, ketua, bendahara, ready in sums
        ]
        for rows_part in _chunks(rows, 5000):
            session.execute(insert(Readiness), list(rows_part))


def rebuild(session: Session, cohort_ids: Iterable[int] | None = None) -> int:
    """Recompute everything (or these angkatan); returns how many angkatan were computed. For
    `lms laporan perbarui --semua`, the demo data and the national generator."""
    _lock(session)
    if cohort_ids is None:
        session.execute(delete(ReportStale))
        session.execute(delete(PersonFact))
        session.execute(delete(RegionTotal))
        session.execute(delete(Readiness))
        ids = list(session.scalars(select(Cohort.id).order_by(Cohort.id)))
        for part in _chunks(ids, 50):
            _write_facts(session, part)
        _all_readiness(session)
        return len(ids)
    ids = sorted(set(cohort_ids))
    refresh(session, ids)
    return len(ids)


def _all_readiness(session: Session) -> None:
    """Readiness of every koperasi, a province at a time (bounded memory at national scale)."""
    provinces = list(session.scalars(select(Region.code).where(Region.level == LEVEL_PROVINCE)))
    for province in provinces:
        ids = list(session.scalars(select(Koperasi.id).where(Koperasi.province_code == province)))
        if ids:
            refresh_koperasi(session, ids)


# -- reading ---------------------------------------------------------------------------------------

JABATAN_FILTERS = ("ketua", "bendahara", "lainnya")


@dataclass(frozen=True)
class Filters:
    cohort_id: int | None = None
    course_id: int | None = None
    jabatan: str | None = None  # ketua, bendahara or lainnya (everyone else)
    year: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.cohort_id, self.course_id, self.jabatan, self.year))

    def query(self) -> dict[str, str]:
        """As URL parameters (the names the pages and the API use)."""
        out = {}
        if self.cohort_id is not None:
            out["angkatan"] = str(self.cohort_id)
        if self.course_id is not None:
            out["kursus"] = str(self.course_id)
        if self.jabatan is not None:
            out["jabatan"] = self.jabatan
        if self.year is not None:
            out["tahun"] = str(self.year)
        return out


@dataclass
class Metrics:
    participants: int = 0
    sessions: int = 0
    present: int = 0
    scored: int = 0
    score_sum: float = 0.0
    completed: int = 0
    certified: int = 0
    buckets: list[int] = field(default_factory=lambda: [0] * BUCKETS)

    def add(self, other: Metrics) -> None:
        self.participants += other.participants
        self.sessions += other.sessions
        self.present += other.present
        self.scored += other.scored
        self.score_sum += other.score_sum
        self.completed += other.completed
        self.certified += other.certified
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]

    def minus(self, other: Metrics) -> Metrics:
        return Metrics(
            self.participants - other.participants,
            self.sessions - other.sessions,
            self.present - other.present,
            self.scored - other.scored,
            self.score_sum - other.score_sum,
            self.completed - other.completed,
            self.certified - other.certified,
            [a - b for a, b in zip(self.buckets, other.buckets, strict=True)],
        )

    @property
    def attendance(self) -> float | None:
        return 100 * self.present / self.sessions if self.sessions else None

    @property
    def average(self) -> float | None:
        return self.score_sum / self.scored if self.scored else None

    @property
    def completion(self) -> float | None:
        return 100 * self.completed / self.participants if self.participants else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "peserta": self.participants,
            "kehadiran_persen": _round(self.attendance),
            "nilai_rata_rata": _round(self.average),
            "lulus": self.completed,
            "lulus_persen": _round(self.completion),
            "sertifikat": self.certified,
        }


@dataclass
class Ready:
    koperasi: int = 0
    reached: int = 0
    ketua: int = 0
    bendahara: int = 0
    ready: int = 0

    def add(self, other: Ready) -> None:
        self.koperasi += other.koperasi
        self.reached += other.reached
        self.ketua += other.ketua
        self.bendahara += other.bendahara
        self.ready += other.ready

    @property
    def share(self) -> float | None:
        return 100 * self.ready / self.koperasi if self.koperasi else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "koperasi": self.koperasi,
            "koperasi_terjangkau": self.reached,
            "ketua_lulus": self.ketua,
            "bendahara_lulus": self.bendahara,
            "koperasi_siap": self.ready,
            "koperasi_siap_persen": _round(self.share),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


_SUMS: tuple[Any, ...] = (
    func.sum(RegionTotal.participants),
    func.sum(RegionTotal.sessions),
    func.sum(RegionTotal.present),
    func.sum(RegionTotal.scored),
    func.sum(RegionTotal.score_sum),
    func.sum(RegionTotal.completed),
    func.sum(RegionTotal.certified),
    *(func.sum(getattr(RegionTotal, f"b{i}")) for i in range(BUCKETS)),
)


def _metrics(row: Sequence[Any]) -> Metrics:
    values = [v or 0 for v in row]
    return Metrics(
        int(values[0]),
        int(values[1]),
        int(values[2]),
        int(values[3]),
        float(values[4]),
        int(values[5]),
        int(values[6]),
        [int(v) for v in values[7 : 7 + BUCKETS]],
    )


def _filtered(
    stmt: Any, filters: Filters, model: type[RegionTotal] | type[PersonFact] = RegionTotal
) -> Any:
    """The filters as conditions on totals or on facts (both carry angkatan, year, jabatan)."""
    if filters.cohort_id is not None:
        stmt = stmt.where(model.cohort_id == filters.cohort_id)
    if filters.course_id is not None:
        stmt = stmt.where(
            model.cohort_id.in_(
                select(CohortCourse.cohort_id).where(CohortCourse.course_id == filters.course_id)
            )
        )
    if filters.year is not None:
        stmt = stmt.where(model.year == filters.year)
    if filters.jabatan in (Jabatan.KETUA, Jabatan.BENDAHARA):
        stmt = stmt.where(model.jabatan == filters.jabatan)
    elif filters.jabatan == "lainnya":
        stmt = stmt.where(model.jabatan.not_in([Jabatan.KETUA, Jabatan.BENDAHARA]))
    return stmt


def _in_region(code: str) -> Any:
    """The condition that puts a fact in the region with this code (any level)."""
    column = {
        2: PersonFact.province_code,
        5: PersonFact.regency_code,
        8: PersonFact.district_code,
    }.get(len(code), PersonFact.village_code)
    return column == code


def child_metrics(
    session: Session, scope: Scope, code: str | None, filters: Filters
) -> dict[str, Metrics]:
    """Totals of each child region of `code` (None: the provinces)."""
    stmt = (
        select(RegionTotal.code, *_SUMS)
        .where(RegionTotal.parent_code == (code or ""))
        .group_by(RegionTotal.code)
    )
    stmt = scoped(_filtered(stmt, filters), scope, RegionTotal)
    return {row[0]: _metrics(row[1:]) for row in session.execute(stmt)}


def region_metrics(session: Session, scope: Scope, code: str | None, filters: Filters) -> Metrics:
    """Totals of one region (None: the whole country)."""
    stmt: Any = select(*_SUMS)
    stmt = (
        stmt.where(RegionTotal.parent_code == "")
        if code is None
        else stmt.where(RegionTotal.code == code)
    )
    stmt = scoped(_filtered(stmt, filters), scope, RegionTotal)
    row = session.execute(stmt).one()
    return _metrics(row)


def _readiness_keys(filters: Filters) -> tuple[int, int]:
    return filters.course_id or 0, filters.year or 0


def child_readiness(
    session: Session, scope: Scope, code: str | None, filters: Filters
) -> dict[str, Ready]:
    if filters.cohort_id is not None:
        return _cohort_readiness(session, scope, code, filters.cohort_id, children=True)
    course, year = _readiness_keys(filters)
    stmt = select(
        Readiness.code,
        Readiness.koperasi,
        Readiness.reached,
        Readiness.ketua,
        Readiness.bendahara,
        Readiness.ready,
    ).where(
        Readiness.parent_code == (code or ""),
        Readiness.course_id == course,
        Readiness.year == year,
    )
    out = {row[0]: Ready(*row[1:]) for row in session.execute(scoped(stmt, scope, Readiness))}
    if course or year:
        # The koperasi counted are all of the region's, whatever the filter.
        for child, total in session.execute(
            scoped(
                select(Readiness.code, Readiness.koperasi).where(
                    Readiness.parent_code == (code or ""),
                    Readiness.course_id == 0,
                    Readiness.year == 0,
                ),
                scope,
                Readiness,
            )
        ):
            out.setdefault(child, Ready()).koperasi = total
    return out


def region_readiness(session: Session, scope: Scope, code: str, filters: Filters) -> Ready:
    """Readiness of one region or desa (the country's is the sum of its provinces')."""
    if filters.cohort_id is not None:
        return _cohort_readiness(session, scope, code, filters.cohort_id, children=False).get(
            code, Ready()
        )
    course, year = _readiness_keys(filters)
    rows = {
        (row.course_id, row.year): row
        for row in session.scalars(
            scoped(
                select(Readiness).where(
                    Readiness.code == code,
                    Readiness.course_id.in_({course, 0}),
                    Readiness.year.in_({year, 0}),
                ),
                scope,
                Readiness,
            )
        )
    }
    base, row = rows.get((0, 0)), rows.get((course, year))
    ready = Ready(koperasi=base.koperasi if base else 0)
    if row is not None:
        ready.reached, ready.ketua, ready.bendahara, ready.ready = (
            row.reached,
            row.ketua,
            row.bendahara,
            row.ready,
        )
    return ready


def _child_code(code: str | None, village: str | None, province: str, regency: str | None) -> str:
    """The code of the child of `code` a fact lies in."""
    if code is None:
        return province
    if len(code) == 2:
        return regency or ""
    if len(code) == 5:
        return village[:8] if village else ""
    return village or ""


def _cohort_readiness(
    session: Session, scope: Scope, code: str | None, cohort_id: int, *, children: bool
) -> dict[str, Ready]:
    """Readiness within one angkatan (ketua and bendahara both completed in it), counted live
    from its facts: an angkatan has a few hundred people at most."""
    stmt = select(
        PersonFact.koperasi_id,
        PersonFact.village_code,
        PersonFact.province_code,
        PersonFact.regency_code,
        PersonFact.jabatan,
        PersonFact.completed,
    ).where(PersonFact.cohort_id == cohort_id, PersonFact.koperasi_id.is_not(None))
    if code is not None:
        stmt = stmt.where(_in_region(code))
    kop: dict[int | None, dict[str, Any]] = {}
    for koperasi_id, village, province, regency, jabatan, completed in session.execute(
        scoped(stmt, scope, PersonFact)
    ):
        key = _child_code(code, village, province, regency) if children else (code or "")
        mark = kop.setdefault(koperasi_id, {"key": key, "ketua": 0, "bendahara": 0})
        if completed and jabatan in mark:
            mark[jabatan] = 1
    out: dict[str, Ready] = {}
    for mark in kop.values():
        ready = out.setdefault(mark["key"], Ready())
        ready.koperasi += 1
        ready.reached += 1
        ready.ketua += mark["ketua"]
        ready.bendahara += mark["bendahara"]
        ready.ready += mark["ketua"] * mark["bendahara"]
    return out


# -- one region, one koperasi, one person ----------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: int


@dataclass
class Row:
    """One child region in the table of a region (a desa row also names its koperasi)."""

    code: str
    name: str
    metrics: Metrics
    ready: Ready
    koperasi_id: int | None = None
    koperasi: str | None = None


@dataclass
class RegionReport:
    place: Place | None  # None: the whole country
    trail: list[Place]  # from the province down to the parent of this region
    totals: Metrics
    ready: Ready
    rows: list[Row]
    # People counted here but in none of the rows (no koperasi, or outside any child region).
    other: Metrics | None
    filters: Filters

    @property
    def code(self) -> str | None:
        return self.place.code if self.place else None

    @property
    def level(self) -> int:
        return self.place.level if self.place else 0


def trail_of(session: Session, code: str) -> list[Place]:
    """The region and its ancestors, province first."""
    prefixes = [code[:n] for n in (2, 5, 8, 13) if len(code) >= n]
    found = {
        r.code: Place(r.code, r.name, r.level)
        for r in session.execute(
            select(Region.code, Region.name, Region.level).where(Region.code.in_(prefixes))
        )
    }
    return [found[p] for p in prefixes if p in found]


def region_report(
    session: Session, scope: Scope, code: str | None, filters: Filters
) -> RegionReport | None:
    """The figures of a region and of each of its children; None when the region does not exist
    or lies outside the scope (a foreign region's figures do not exist for you)."""
    if code is None:
        if not scope.is_national:
            return None
        place, trail = None, []
    else:
        if not scope.covers_region(code):
            return None
        trail = trail_of(session, code)
        if not trail or trail[-1].code != code or trail[-1].level == LEVEL_VILLAGE:
            return None
        place, trail = trail[-1], trail[:-1]
    children = session.execute(
        select(Region.code, Region.name, Koperasi.id, Koperasi.name)
        .outerjoin(Koperasi, Koperasi.village_code == Region.code)
        .where(Region.level == LEVEL_PROVINCE if code is None else Region.parent_code == code)
        .order_by(Region.code)
    ).all()
    metrics = child_metrics(session, scope, code, filters)
    readiness = child_readiness(session, scope, code, filters)
    rows = [
        Row(
            child,
            name,
            metrics.get(child, Metrics()),
            readiness.get(child, Ready()),
            koperasi_id,
            koperasi_name,
        )
        for child, name, koperasi_id, koperasi_name in children
    ]
    counted = Metrics()
    for row in rows:
        counted.add(row.metrics)
    if code is None:
        # The country is its provinces: no second pass over their totals.
        totals, ready = counted, Ready()
        for row in rows:
            ready.add(row.ready)
    else:
        totals = region_metrics(session, scope, code, filters)
        ready = region_readiness(session, scope, code, filters)
    other = totals.minus(counted)
    return RegionReport(
        place, trail, totals, ready, rows, other if other.participants else None, filters
    )


@dataclass
class PersonRow:
    """A member of an angkatan, as the koperasi and region tables list them."""

    user_id: int
    name: str
    jabatan: str
    cohort_id: int
    cohort: str
    koperasi_id: int | None
    koperasi: str | None
    village_code: str | None
    sessions: int
    present: int
    score: float | None
    completed: bool
    certified: bool

    @property
    def attendance(self) -> float | None:
        return 100 * self.present / self.sessions if self.sessions else None


def people(
    session: Session,
    scope: Scope,
    filters: Filters,
    *,
    koperasi_id: int | None = None,
    region: str | None = None,
    user_id: int | None = None,
) -> Iterator[PersonRow]:
    """Members (one row per person and angkatan) of a koperasi, a region or one person, in the
    scope, in name order; streamed, for exports of a whole kabupaten."""
    stmt = (
        select(
            PersonFact.user_id,
            User.name,
            PersonFact.jabatan,
            PersonFact.cohort_id,
            Cohort.name,
            PersonFact.koperasi_id,
            Koperasi.name,
            PersonFact.village_code,
            PersonFact.sessions,
            PersonFact.present,
            PersonFact.score,
            PersonFact.completed,
            PersonFact.certified,
        )
        .join(User, User.id == PersonFact.user_id)
        .join(Cohort, Cohort.id == PersonFact.cohort_id)
        .outerjoin(Koperasi, Koperasi.id == PersonFact.koperasi_id)
        .order_by(PersonFact.village_code, User.name, PersonFact.user_id, PersonFact.cohort_id)
    )
    if koperasi_id is not None:
        stmt = stmt.where(PersonFact.koperasi_id == koperasi_id)
    if user_id is not None:
        stmt = stmt.where(PersonFact.user_id == user_id)
    if region is not None:
        stmt = stmt.where(_in_region(region))
    stmt = scoped(_filtered(stmt, filters, PersonFact), scope, PersonFact)
    for row in session.execute(stmt.execution_options(yield_per=500)):
        yield PersonRow(*row)  # type: ignore[call-arg]


@dataclass
class SessionBar:
    id: int
    topic: str
    starts_at: Any
    present: int
    members: int


def session_attendance(
    session: Session, scope: Scope, cohort: Cohort, region: str | None
) -> list[SessionBar]:
    """Per sesi of the angkatan: how many of its members counted in `region` were present."""
    from lms.cohorts.models import Attendance, CohortSession
    from lms.cohorts.services import PRESENT

    members = select(PersonFact.user_id).where(PersonFact.cohort_id == cohort.id)
    if region is not None:
        members = members.where(_in_region(region))
    members = scoped(members, scope, PersonFact)
    count = session.scalar(select(func.count()).select_from(members.subquery())) or 0
    present = dict(
        session.execute(
            select(Attendance.session_id, func.count())
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(
                CohortSession.cohort_id == cohort.id,
                Attendance.status.in_([s.value for s in PRESENT]),
                Attendance.user_id.in_(members),
            )
            .group_by(Attendance.session_id)
        ).all()
    )
    return [
        SessionBar(s.id, s.topic, s.starts_at, present.get(s.id, 0), count)
        for s in session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort.id)
            .order_by(CohortSession.starts_at, CohortSession.id)
        )
    ]


def cohort_in_scope(session: Session, scope: Scope, cohort_id: int | None) -> Cohort | None:
    """The angkatan with this id when it is one of the scope's, else None."""
    cohort = session.get(Cohort, cohort_id) if cohort_id is not None else None
    if cohort is None or not scope.allows(cohort.province_code, cohort.regency_code):
        return None
    return cohort


def cohort_choices(session: Session, scope: Scope, code: str | None) -> list[tuple[int, str]]:
    """The angkatan held in a province or kabupaten/kota (none listed for the whole country:
    there are a thousand; one picks a province first)."""
    if code is None:
        return []
    stmt = select(Cohort.id, Cohort.name).order_by(Cohort.starts_on.desc(), Cohort.id)
    stmt = stmt.where(Cohort.province_code == code[:2])
    if len(code) >= 5:
        stmt = stmt.where(Cohort.regency_code == code[:5])
    return [(i, n) for i, n in session.execute(scoped(stmt, scope, Cohort))]


def year_choices(session: Session, scope: Scope, code: str | None) -> list[int]:
    stmt = select(RegionTotal.year).distinct()
    stmt = (
        stmt.where(RegionTotal.parent_code == "")
        if code is None
        else stmt.where(RegionTotal.code == code)
    )
    return sorted(session.scalars(scoped(stmt, scope, RegionTotal)), reverse=True)


class FilterError(ValueError):
    """A filter value that cannot be read; the message says which and what is expected."""


def parse_filters(params: Any) -> Filters:
    """Filters from URL parameters (angkatan, kursus, jabatan, tahun); empty means no filter."""

    def number(name: str, low: int, high: int) -> int | None:
        raw = (params.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise FilterError(
                _("Filter %(name)s tidak dikenal: %(value)s.") % {"name": name, "value": raw[:20]}
            )
        return int(raw)

    jabatan = (params.get("jabatan") or "").strip() or None
    if jabatan is not None and jabatan not in JABATAN_FILTERS:
        raise FilterError(_("Filter jabatan tidak dikenal: %(value)s.") % {"value": jabatan[:20]})
    return Filters(
        cohort_id=number("angkatan", 1, 2**31 - 1),
        course_id=number("kursus", 1, 2**31 - 1),
        jabatan=jabatan,
        year=number("tahun", 2000, 2100),
    )
