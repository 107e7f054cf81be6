"""Angkatan: creating and scoping cohorts, their sesi and members, and attendance."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.accounts.models import Role, User
from lms.audit.services import record
from lms.cohorts.models import (
    Attendance,
    Cohort,
    CohortCourse,
    CohortMember,
    CohortSession,
    Status,
)
from lms.db import insert_ignoring_duplicates, utcnow
from lms.i18n import N_, TIMEZONES
from lms.i18n import gettext as _
from lms.learning.models import Course, Enrolment
from lms.regions.models import LEVEL_PROVINCE, LEVEL_REGENCY, Region
from lms.regions.scope import Scope, scoped
from lms.reports.stale import mark_stale

BATCH = 2000
STATUS_LABELS = {
    Status.HADIR: N_("Hadir"),
    Status.TERLAMBAT: N_("Terlambat"),
    Status.IZIN: N_("Izin"),
    Status.SAKIT: N_("Sakit"),
    Status.ALPA: N_("Alpa"),
}
# Statuses that count as present for the completion rule.
PRESENT = frozenset({Status.HADIR, Status.TERLAMBAT})
# QR check-in opens this long before a sesi starts.
CHECKIN_EARLY = timedelta(minutes=30)


def status_label(status: str | None) -> str:
    if not status or status not in Status._value2member_map_:
        return ""
    return _(STATUS_LABELS[Status(status)])


class CohortInputError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "angkatan"


def local_zone(cohort: Cohort) -> ZoneInfo:
    return ZoneInfo(TIMEZONES[cohort.timezone])


def ends_at(cohort: Cohort) -> datetime:
    """The end of the cohort's last day in its own zone, as UTC (login cards expire then)."""
    end = datetime.combine(cohort.ends_on + timedelta(days=1), time(0), tzinfo=local_zone(cohort))
    return end.astimezone(ZoneInfo("UTC"))


# -- access --------------------------------------------------------------------------------------


def can_manage(user: User, cohort: Cohort) -> bool:
    """Admins and the dinas whose region holds the cohort edit it, import and print."""
    if user.role not in (Role.ADMIN, Role.DINAS):
        return False
    return Scope.for_user(user).allows(cohort.province_code, cohort.regency_code)


def can_facilitate(session: Session, user: User, cohort: Cohort) -> bool:
    """Who may take roll call and run the check-in QR: the managers, pendamping of the region,
    and the narasumber teaching a sesi of the cohort."""
    if user.role in (Role.ADMIN, Role.DINAS, Role.PENDAMPING):
        return Scope.for_user(user).allows(cohort.province_code, cohort.regency_code)
    if user.role == Role.NARASUMBER:
        return teaches(session, user.id, cohort.id)
    return False


def teaches(session: Session, user_id: int, cohort_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    CohortSession.cohort_id == cohort_id, CohortSession.narasumber_id == user_id
                )
            )
        )
    )


def visible_cohorts(user: User) -> Select[Cohort]:
    """SELECT of the cohorts this staff member may see (scoped, or taught by a narasumber)."""
    stmt = select(Cohort)
    if user.role == Role.NARASUMBER:
        return stmt.where(
            Cohort.id.in_(
                select(CohortSession.cohort_id).where(CohortSession.narasumber_id == user.id)
            )
        )
    return scoped(stmt, Scope.for_user(user), Cohort)


def find_visible(session: Session, user: User, slug: str) -> Cohort | None:
    return session.scalar(visible_cohorts(user).where(Cohort.slug == slug))


def signing_place(session: Session, cohort: Cohort) -> str:
    """Where the dinas signs the cohort's documents (daftar hadir, default for certificates):
    the venue's last comma part ("Hotel Uji, Tigaraksa" -> "Tigaraksa"), else the region's
    name without "Kabupaten"/"Kota"."""
    parts = [p.strip() for p in cohort.venue.split(",") if p.strip()]
    if len(parts) > 1:
        return parts[-1]
    region = session.get(Region, cohort.region_code)
    if region is None:
        return ""
    for prefix in ("Kabupaten ", "Kota "):
        if region.name.startswith(prefix):
            return region.name[len(prefix) :]
    return region.name


# -- the cohort itself ---------------------------------------------------------------------------


@dataclass
class CohortForm:
    name: str = ""
    region_code: str = ""
    organizer: str = ""
    venue: str = ""
    starts_on: str = ""
    ends_on: str = ""
    timezone: str = ""
    course_ids: tuple[int, ...] = ()
    min_attendance: str = "75"
    min_quiz_score: str = ""
    require_modules: bool = True
    officer_name: str = ""
    officer_title: str = ""
    officer_nip: str = ""

    @classmethod
    def of(cls, cohort: Cohort, course_ids: Iterable[int]) -> CohortForm:
        return cls(
            name=cohort.name,
            region_code=cohort.region_code,
            organizer=cohort.organizer,
            venue=cohort.venue,
            starts_on=cohort.starts_on.isoformat(),
            ends_on=cohort.ends_on.isoformat(),
            timezone=cohort.timezone,
            course_ids=tuple(course_ids),
            min_attendance=str(cohort.min_attendance),
            min_quiz_score="" if cohort.min_quiz_score is None else str(cohort.min_quiz_score),
            require_modules=cohort.require_modules,
            officer_name=cohort.officer_name,
            officer_title=cohort.officer_title,
            officer_nip=cohort.officer_nip,
        )


def _percent(text: str, field: str, errors: dict[str, str], *, optional: bool) -> int | None:
    text = text.strip().rstrip("%").strip()
    if not text:
        if optional:
            return None
        errors[field] = _("Isi angka 0 sampai 100.")
        return None
    if not text.isdigit() or int(text) > 100:
        errors[field] = _("Isi angka bulat 0 sampai 100.")
        return None
    return int(text)


def _date(text: str, field: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors[field] = _("Isi tanggal, misalnya 22-09-2025.")
        return None


def validate(session: Session, scope: Scope, form: CohortForm) -> dict[str, object]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    name = " ".join(form.name.split())
    if len(name) < 5:
        errors["name"] = _("Isi nama angkatan, misalnya Bimtek Angkatan I Kab. Tangerang.")
    values["name"] = name
    region = session.get(Region, form.region_code) if form.region_code else None
    if region is None or region.level not in (LEVEL_PROVINCE, LEVEL_REGENCY):
        errors["region_code"] = _("Pilih provinsi atau kabupaten/kota penyelenggara.")
    elif not scope.covers_region(region.code):
        errors["region_code"] = _("Wilayah ini di luar wilayah kerja Anda.")
    else:
        values.update(
            region_code=region.code,
            province_code=region.province_code,
            regency_code=region.regency_code,
        )
    for field, label in (("organizer", "organizer"), ("venue", "venue")):
        text = " ".join(getattr(form, field).split())
        if len(text) < 3:
            errors[field] = (
                _("Isi nama dinas penyelenggara.")
                if label == "organizer"
                else _("Isi tempat kegiatan, misalnya nama hotel dan kotanya.")
            )
        values[field] = text
    starts = _date(form.starts_on, "starts_on", errors)
    ends = _date(form.ends_on, "ends_on", errors)
    if starts and ends and ends < starts:
        errors["ends_on"] = _("Tanggal selesai tidak boleh sebelum tanggal mulai.")
    values["starts_on"], values["ends_on"] = starts, ends
    if form.timezone not in TIMEZONES:
        errors["timezone"] = _("Pilih WIB, WITA atau WIT.")
    values["timezone"] = form.timezone
    course_ids = sorted(set(form.course_ids))
    known = (
        set(session.scalars(select(Course.id).where(Course.id.in_(course_ids))))
        if course_ids
        else set()
    )
    if not course_ids or known != set(course_ids):
        errors["course_ids"] = _("Pilih minimal satu kursus.")
    values["course_ids"] = course_ids
    values["min_attendance"] = _percent(
        form.min_attendance, "min_attendance", errors, optional=False
    )
    values["min_quiz_score"] = _percent(
        form.min_quiz_score, "min_quiz_score", errors, optional=True
    )
    values["require_modules"] = bool(form.require_modules)
    values["officer_name"] = " ".join(form.officer_name.split())
    values["officer_title"] = " ".join(form.officer_title.split())
    nip = re.sub(r"\s", "", form.officer_nip)
    if nip and not re.fullmatch(r"\d{18}", nip):
        errors["officer_nip"] = _("NIP terdiri dari 18 angka.")
    values["officer_nip"] = nip
    if errors:
        raise CohortInputError(errors)
    return values


def _unique_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while session.scalar(select(Cohort.id).where(Cohort.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def snapshot(cohort: Cohort, course_ids: Iterable[int]) -> dict[str, object]:
    return {
        "name": cohort.name,
        "region_code": cohort.region_code,
        "organizer": cohort.organizer,
        "venue": cohort.venue,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "timezone": cohort.timezone,
        "courses": sorted(course_ids),
        "min_attendance": cohort.min_attendance,
        "min_quiz_score": cohort.min_quiz_score,
        "require_modules": cohort.require_modules,
        "officer_name": cohort.officer_name,
        "officer_title": cohort.officer_title,
        "officer_nip": cohort.officer_nip,
    }


def save(
    session: Session, actor: User, values: Mapping[str, object], existing: Cohort | None = None
) -> Cohort:
    course_ids = list(values["course_ids"])  # type: ignore[call-overload]
    fields = {k: v for k, v in values.items() if k != "course_ids"}
    if existing is None:
        cohort = Cohort(
            slug=_unique_slug(session, slugify(str(values["name"]))),
            created_by_id=actor.id,
            **fields,
        )
        session.add(cohort)
        session.flush()
        before = None
    else:
        cohort = existing
        before = snapshot(cohort, course_ids_of(session, cohort.id))
        for key, value in fields.items():
            setattr(cohort, key, value)
        session.execute(delete(CohortCourse).where(CohortCourse.cohort_id == cohort.id))
    session.add_all(CohortCourse(cohort_id=cohort.id, course_id=c) for c in course_ids)
    session.flush()
    after = snapshot(cohort, course_ids)
    record(
        session,
        actor=actor,
        action="cohort.create" if existing is None else "cohort.update",
        entity_type="cohort",
        entity_id=cohort.id,
        before=before,
        after=after,
        region_code=cohort.region_code,
    )
    if existing is not None:
        # People already in the cohort are enrolled in a course added now.
        members = list(
            session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id))
        )
        enrol_members(session, members, course_ids)
    mark_stale(session, cohort_ids=[cohort.id])
    return cohort


def course_ids_of(session: Session, cohort_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CohortCourse.course_id)
            .where(CohortCourse.cohort_id == cohort_id)
            .order_by(CohortCourse.course_id)
        )
    )


# -- members -------------------------------------------------------------------------------------


def _chunks(items: list[int], size: int = BATCH) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enrol_members(session: Session, user_ids: Iterable[int], course_ids: Iterable[int]) -> int:
    """Enrol these people in these courses (source "angkatan"); existing enrolments stay."""
    ids = list(dict.fromkeys(user_ids))
    added = 0
    for course_id in course_ids:
        for chunk in _chunks(ids):
            have = set(
                session.scalars(
                    select(Enrolment.user_id).where(
                        Enrolment.course_id == course_id, Enrolment.user_id.in_(chunk)
                    )
                )
            )
            rows = [
                {"user_id": u, "course_id": course_id, "source": "angkatan", "created_at": utcnow()}
                for u in chunk
                if u not in have
            ]
            if rows:
                session.execute(insert(Enrolment), rows)
                added += len(rows)
    return added


def add_members(
    session: Session, cohort: Cohort, user_ids: Iterable[int], source: str = "impor"
) -> int:
    """Put these people in the cohort and its courses; returns how many were new to the cohort.
    Adding someone twice changes nothing."""
    ids = list(dict.fromkeys(user_ids))
    now = utcnow()
    added = 0
    for chunk in _chunks(ids):
        have = set(
            session.scalars(
                select(CohortMember.user_id).where(
                    CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_(chunk)
                )
            )
        )
        rows = [
            {"cohort_id": cohort.id, "user_id": u, "source": source, "added_at": now}
            for u in chunk
            if u not in have
        ]
        if rows:
            session.execute(insert(CohortMember), rows)
            added += len(rows)
    enrol_members(session, ids, course_ids_of(session, cohort.id))
    # An import may also change people's jabatan or koperasi, which their other angkatan count.
    mark_stale(session, cohort_ids=[cohort.id], user_ids=ids)
    return added


def member_count(session: Session, cohort_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(CohortMember)
            .where(CohortMember.cohort_id == cohort_id)
        )
        or 0
    )


class Member(NamedTuple):
    """What a list of a cohort's people shows: plain columns, not ORM objects (a hall of 350
    loaded as entities with their koperasi and village costs a worker several MB per request)."""

    id: int
    name: str
    jabatan: str | None
    phone: str | None
    email: str | None
    nik_last4: str | None
    koperasi_name: str | None
    village_name: str | None


def members(
    session: Session, cohort_id: int, query: str = "", *, only: int | None = None
) -> list[Member]:
    """The cohort's people in name order, with their koperasi and its village (one query);
    `only` narrows it to one person (the row a roll-call tap returns)."""
    from lms.regions.models import Koperasi

    stmt = (
        select(
            User.id,
            User.name,
            User.jabatan,
            User.phone,
            User.email,
            User.nik_last4,
            Koperasi.name,
            Region.name,
        )
        .join(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(Koperasi, Koperasi.id == User.koperasi_id)
        .outerjoin(Region, Region.code == Koperasi.village_code)
        .where(CohortMember.cohort_id == cohort_id)
        .order_by(User.name, User.id)
    )
    if only is not None:
        stmt = stmt.where(User.id == only)
    for word in query.split():
        like = f"%{word.lower()}%"
        stmt = stmt.where(
            or_(func.lower(User.name).like(like), User.phone.like(f"%{word.lstrip('0')}%"))
        )
    return [Member(*row) for row in session.execute(stmt)]


# -- sesi ----------------------------------------------------------------------------------------


@dataclass
class SessionForm:
    day: str = ""
    start: str = ""
    end: str = ""
    topic: str = ""
    narasumber_id: str = ""
    late_after: str = "15"

    @classmethod
    def of(cls, cohort: Cohort, sesi: CohortSession) -> SessionForm:
        zone = local_zone(cohort)
        start = sesi.starts_at.astimezone(zone)
        return cls(
            day=start.date().isoformat(),
            start=start.strftime("%H:%M"),
            end=sesi.ends_at.astimezone(zone).strftime("%H:%M"),
            topic=sesi.topic,
            narasumber_id=str(sesi.narasumber_id or ""),
            late_after=str(sesi.late_after),
        )


def _clock(text: str) -> time | None:
    match = re.fullmatch(r"\s*(\d{1,2})[.:](\d{2})\s*", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


def validate_session(session: Session, cohort: Cohort, form: SessionForm) -> dict[str, object]:
    errors: dict[str, str] = {}
    day = _date(form.day, "day", errors)
    if day and not cohort.starts_on <= day <= cohort.ends_on:
        errors["day"] = _("Tanggal sesi harus di antara %(start)s dan %(end)s.") % {
            "start": cohort.starts_on.strftime("%d-%m-%Y"),
            "end": cohort.ends_on.strftime("%d-%m-%Y"),
        }
    start, end = _clock(form.start), _clock(form.end)
    if start is None:
        errors["start"] = _("Isi jam mulai, misalnya 08.30.")
    if end is None:
        errors["end"] = _("Isi jam selesai, misalnya 10.00.")
    elif start is not None and end <= start:
        errors["end"] = _("Jam selesai harus setelah jam mulai.")
    topic = " ".join(form.topic.split())
    if len(topic) < 3:
        errors["topic"] = _("Isi topik sesi.")
    narasumber_id: int | None = None
    if form.narasumber_id.strip():
        person = (
            session.get(User, int(form.narasumber_id)) if form.narasumber_id.isdigit() else None
        )
        if person is None or person.role != Role.NARASUMBER or not person.is_active:
            errors["narasumber_id"] = _("Pilih narasumber dari daftar.")
        else:
            narasumber_id = person.id
    late = form.late_after.strip()
    if not late.isdigit() or int(late) > 240:
        errors["late_after"] = _("Isi menit 0 sampai 240.")
    if errors:
        raise CohortInputError(errors)
    assert day and start and end
    zone = local_zone(cohort)
    return {
        "starts_at": datetime.combine(day, start, tzinfo=zone),
        "ends_at": datetime.combine(day, end, tzinfo=zone),
        "topic": topic,
        "narasumber_id": narasumber_id,
        "late_after": int(late),
    }


def sessions_of(session: Session, cohort_id: int) -> list[CohortSession]:
    from sqlalchemy.orm import joinedload

    return list(
        session.scalars(
            select(CohortSession)
            .options(joinedload(CohortSession.narasumber))
            .where(CohortSession.cohort_id == cohort_id)
            .order_by(CohortSession.starts_at, CohortSession.id)
        )
    )


def narasumber_choices(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.role == Role.NARASUMBER, User.is_active.is_(True))
            .order_by(User.name)
        )
    )


# -- attendance ----------------------------------------------------------------------------------


def checkin_window(sesi: CohortSession) -> tuple[datetime, datetime]:
    return sesi.starts_at - CHECKIN_EARLY, sesi.ends_at


def attendance_of(session: Session, session_id: int) -> dict[int, Attendance]:
    return {
        a.user_id: a
        for a in session.scalars(select(Attendance).where(Attendance.session_id == session_id))
    }


class AttendanceError(ValueError):
    pass


def mark(
    session: Session,
    sesi: CohortSession,
    cohort: Cohort,
    user_id: int,
    *,
    status: str,
    note: str | None,
    actor: User,
    reason: str = "",
    ip: str | None = None,
) -> Attendance:
    """Roll call: set one person's status (and note). After the sesi has ended a change needs a
    reason, and it is written to the audit log with who and when."""
    if status not in Status._value2member_map_:
        raise AttendanceError(_("Pilih status: Hadir, Terlambat, Izin, Sakit atau Alpa."))
    after_session = utcnow() > sesi.ends_at
    reason = " ".join(reason.split())
    if after_session and len(reason) < 3:
        raise AttendanceError(_("Sesi sudah selesai: tulis alasan perubahan."))
    current = session.scalar(
        select(Attendance).where(Attendance.session_id == sesi.id, Attendance.user_id == user_id)
    )
    before = {"status": current.status, "note": current.note} if current else None
    note_text = (current.note if current else "") if note is None else " ".join(note.split())[:300]
    if current is None:
        current = Attendance(session_id=sesi.id, user_id=user_id, status=status, method="daftar")
        current.note = note_text
        current.marked_by_id = actor.id
        current.marked_at = utcnow()
        try:
            with session.begin_nested():
                session.add(current)
        except IntegrityError:
            # The person checked in (or was marked) at the same moment: change that row.
            current = session.scalars(
                select(Attendance).where(
                    Attendance.session_id == sesi.id, Attendance.user_id == user_id
                )
            ).one()
            before = {"status": current.status, "note": current.note}
    if before is not None:
        if before == {"status": status, "note": note_text}:
            return current
        current.status, current.note = status, note_text
        current.marked_by_id, current.marked_at = actor.id, utcnow()
    if after_session or before is not None:
        record(
            session,
            actor=actor,
            action="attendance.change" if before else "attendance.mark",
            entity_type="attendance",
            entity_id=f"{sesi.id}:{user_id}",
            before=before,
            after={"status": status, "note": note_text},
            reason=reason or None,
            ip=ip,
            region_code=cohort.region_code,
        )
    mark_stale(session, cohort_ids=[cohort.id])
    session.flush()
    return current


def mark_all_present(session: Session, sesi: CohortSession, cohort: Cohort, actor: User) -> int:
    """ "Semua hadir": everyone without a status yet becomes Hadir; marked people stay."""
    have = set(session.scalars(select(Attendance.user_id).where(Attendance.session_id == sesi.id)))
    now = utcnow()
    rows = [
        {
            "session_id": sesi.id,
            "user_id": u,
            "status": Status.HADIR.value,
            "note": "",
            "method": "daftar",
            "marked_at": now,
            "marked_by_id": actor.id,
        }
        for u in session.scalars(
            select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
        )
        if u not in have
    ]
    # A QR check-in landing meanwhile keeps its own row (and its time).
    added = insert_ignoring_duplicates(
        session, Attendance.__table__, rows, ["session_id", "user_id"]
    )
    if added:
        mark_stale(session, cohort_ids=[cohort.id])
    return added


class CheckInRefused(ValueError):
    """A check-in that cannot be recorded; the message says why and what to do."""


def is_member(session: Session, cohort_id: int, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id)
            )
        )
    )


def check_in(
    session: Session, sesi: CohortSession, cohort: Cohort, user: User, scanned_at: datetime
) -> tuple[Attendance, bool]:
    """Record a QR check-in made at `scanned_at`: Hadir, or Terlambat after the sesi's late mark.
    Returns (the person's attendance, whether this scan changed it).

    One row per person and sesi however many scans arrive at once: the insert skips a clash and
    the row that won is read back. A scan never overrides Izin, Sakit or an earlier check-in; it
    does turn an Alpa into presence (the person did come)."""
    from lms.i18n import format_time

    opens, closes = checkin_window(sesi)
    if scanned_at < opens:
        raise CheckInRefused(
            _("Presensi sesi ini belum dibuka. Pindai lagi mulai pukul %(time)s.")
            % {"time": format_time(opens, cohort.timezone)}
        )
    if scanned_at > closes:
        raise CheckInRefused(
            _(
                "Sesi ini sudah selesai pukul %(time)s. "
                "Jika Anda hadir, minta fasilitator mencatatnya."
            )
            % {"time": format_time(closes, cohort.timezone)}
        )
    if not is_member(session, cohort.id, user.id):
        raise CheckInRefused(
            _(
                "Akun Anda tidak terdaftar di angkatan %(name)s. Pastikan Anda memindai kode di "
                "ruangan Anda, atau hubungi panitia."
            )
            % {"name": cohort.name}
        )
    late = scanned_at > sesi.starts_at + timedelta(minutes=sesi.late_after)
    status = Status.TERLAMBAT if late else Status.HADIR
    row = {
        "session_id": sesi.id,
        "user_id": user.id,
        "status": status.value,
        "note": "",
        "method": "qr",
        "checked_in_at": scanned_at,
        "marked_at": utcnow(),
        "marked_by_id": user.id,
    }
    inserted = insert_ignoring_duplicates(
        session, Attendance.__table__, [row], ["session_id", "user_id"]
    )
    current = session.scalars(
        select(Attendance)
        .where(Attendance.session_id == sesi.id, Attendance.user_id == user.id)
        .execution_options(populate_existing=True)
    ).one()
    if inserted:
        mark_stale(session, cohort_ids=[cohort.id])
        return current, True
    if current.status == Status.ALPA:
        current.status, current.method = status.value, "qr"
        current.checked_in_at, current.marked_at, current.marked_by_id = (
            scanned_at,
            utcnow(),
            user.id,
        )
        mark_stale(session, cohort_ids=[cohort.id])
        session.flush()
        return current, True
    return current, False


@dataclass
class MySession:
    sesi: CohortSession
    status: str | None
    checked_in_at: datetime | None


@dataclass
class MyCohort:
    cohort: Cohort
    sessions: list[MySession]

    @property
    def present(self) -> int:
        return sum(1 for s in self.sessions if s.status in PRESENT)

    @property
    def held(self) -> int:
        now = utcnow()
        return sum(1 for s in self.sessions if s.sesi.starts_at <= now)


def my_cohorts(session: Session, user_id: int) -> list[MyCohort]:
    """A participant's cohorts, each with its schedule and the person's own attendance (three
    queries whatever the number of cohorts and sesi)."""
    from sqlalchemy.orm import joinedload

    cohorts = list(
        session.scalars(
            select(Cohort)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user_id)
            .order_by(Cohort.starts_on.desc(), Cohort.id)
        )
    )
    if not cohorts:
        return []
    ids = [c.id for c in cohorts]
    sesi_rows = list(
        session.scalars(
            select(CohortSession)
            .options(joinedload(CohortSession.narasumber))
            .where(CohortSession.cohort_id.in_(ids))
            .order_by(CohortSession.starts_at, CohortSession.id)
        )
    )
    marks = {
        a.session_id: a
        for a in session.scalars(
            select(Attendance).where(
                Attendance.user_id == user_id,
                Attendance.session_id.in_([s.id for s in sesi_rows] or [0]),
            )
        )
    }
    by_cohort: dict[int, list[MySession]] = {c.id: [] for c in cohorts}
    for sesi in sesi_rows:
        mark_row = marks.get(sesi.id)
        by_cohort[sesi.cohort_id].append(
            MySession(
                sesi,
                mark_row.status if mark_row else None,
                mark_row.checked_in_at if mark_row else None,
            )
        )
    return [MyCohort(c, by_cohort[c.id]) for c in cohorts]
