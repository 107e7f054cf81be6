"""Angkatan (cohorts) of a Bimtek, their sesi, members, imports and attendance."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Base, UTCDateTime, utcnow


class Cohort(Base):
    """One angkatan: a group of participants trained together, owned by a dinas's region."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The province or kabupaten/kota the angkatan belongs to (its dinas's region).
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    regency_code: Mapped[str | None] = mapped_column(String(5), index=True, default=None)
    # Penyelenggara, as printed on the daftar hadir: "Dinas Koperasi dan UKM Kabupaten ...".
    organizer: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(4), default="WIB")  # WIB, WITA or WIT
    # Completion rule.
    min_attendance: Mapped[int] = mapped_column(Integer, default=75)  # percent of sessions
    min_quiz_score: Mapped[int | None] = mapped_column(Integer, default=None)  # percent
    require_modules: Mapped[bool] = mapped_column(Boolean, default=True)
    # The responsible officer who signs the daftar hadir (and later the certificates).
    officer_name: Mapped[str] = mapped_column(String(200), default="")
    officer_title: Mapped[str] = mapped_column(String(200), default="")
    officer_nip: Mapped[str] = mapped_column(String(30), default="")
    # Certificate numbering (certificates.numbering): the pattern, the office code it prints and
    # the last sequence number given, counted under a row lock so numbers have no gaps.
    certificate_pattern: Mapped[str] = mapped_column(
        String(120), default="{seq:03}/BIMTEK-KDKMP/{kode}/{bulan_romawi}/{tahun}"
    )
    certificate_code: Mapped[str] = mapped_column(String(40), default="")
    certificate_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CohortCourse(Base):
    __tablename__ = "cohort_courses"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )


class CohortSession(Base):
    """One sesi: a block of the schedule with a topic and a narasumber."""

    __tablename__ = "cohort_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(String(200))
    narasumber_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    # A QR check-in this many minutes after the start counts as Terlambat.
    late_after: Mapped[int] = mapped_column(Integer, default=15)

    narasumber: Mapped[User | None] = relationship(lazy="raise")


class CohortMember(Base):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "impor" (a file import) or "manual".
    source: Mapped[str] = mapped_column(String(10), default="impor")

    user: Mapped[User] = relationship(lazy="raise")


class CohortImport(Base):
    """An uploaded participant file: kept so the preview, the commit and the list of rejected
    rows all read the same bytes."""

    __tablename__ = "cohort_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    # The preview's report (counts and row errors) and, after the commit, its result counts.
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Status(enum.StrEnum):
    HADIR = "hadir"
    TERLAMBAT = "terlambat"
    IZIN = "izin"
    SAKIT = "sakit"
    ALPA = "alpa"


class Attendance(Base):
    """One person's attendance at one sesi; one row per person per sesi, whoever marks it."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(300), default="")
    # "qr" (self check-in) or "daftar" (roll call by a facilitator).
    method: Mapped[str] = mapped_column(String(10))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
