"""What the dashboard reads: one fact row per person and angkatan, and totals rolled up by region.

The dashboard never counts participants when it is viewed. Each change to an angkatan (a roll
call, a quiz graded, a certificate issued) marks it stale; the next view recomputes that angkatan's
facts and its share of the totals, so a view reads a handful of rows per region shown, whether the
region has sixty participants or three hundred thousand.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow

BUCKETS = 10  # score distribution: 0–9, 10–19, …, 90–100


class ReportStale(Base):
    """A change to an angkatan that its dashboard facts do not show yet.

    One row per change rather than one per angkatan: a refresh deletes exactly the rows it read,
    so a change committed while it ran stays behind for the next one, and concurrent roll calls
    never wait on one shared row."""

    __tablename__ = "report_stale"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonFact(Base):
    """Where one member of one angkatan stands, with the region they are counted in."""

    __tablename__ = "report_people"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    koperasi_id: Mapped[int | None] = mapped_column(
        ForeignKey("koperasi.id", ondelete="SET NULL"), index=True, default=None
    )
    # The person's desa and its ancestors (their koperasi's, else the angkatan's region).
    village_code: Mapped[str | None] = mapped_column(String(13), default=None)
    district_code: Mapped[str | None] = mapped_column(String(8), default=None)
    regency_code: Mapped[str | None] = mapped_column(String(5), index=True, default=None)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    jabatan: Mapped[str] = mapped_column(String(16), default="")
    year: Mapped[int] = mapped_column(SmallInteger)  # the year the angkatan starts
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    certified: Mapped[bool] = mapped_column(Boolean, default=False)


class RegionTotal(Base):
    """The sums over one region's members of one angkatan with one jabatan.

    Rows exist per level (province, kabupaten/kota, kecamatan, desa), so the children of any
    region are the rows whose `parent_code` is its code ('' for the provinces)."""

    __tablename__ = "report_totals"
    __table_args__ = (
        Index("ix_report_totals_parent", "parent_code", "year"),
        Index("ix_report_totals_code", "code", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(13))
    parent_code: Mapped[str] = mapped_column(String(13))
    province_code: Mapped[str] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5), default=None)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    jabatan: Mapped[str] = mapped_column(String(16))
    participants: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer)  # sessions owed: members × sessions
    present: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)  # members with a quiz score
    score_sum: Mapped[float] = mapped_column(Float)
    completed: Mapped[int] = mapped_column(Integer)
    certified: Mapped[int] = mapped_column(Integer)
    b0: Mapped[int] = mapped_column(Integer, default=0)
    b1: Mapped[int] = mapped_column(Integer, default=0)
    b2: Mapped[int] = mapped_column(Integer, default=0)
    b3: Mapped[int] = mapped_column(Integer, default=0)
    b4: Mapped[int] = mapped_column(Integer, default=0)
    b5: Mapped[int] = mapped_column(Integer, default=0)
    b6: Mapped[int] = mapped_column(Integer, default=0)
    b7: Mapped[int] = mapped_column(Integer, default=0)
    b8: Mapped[int] = mapped_column(Integer, default=0)
    b9: Mapped[int] = mapped_column(Integer, default=0)


class Readiness(Base):
    """How many koperasi of a region are ready: ketua and bendahara have both completed.

    Readiness is not a sum over angkatan (the ketua may finish in one, the bendahara in
    another), so it is kept per koperasi (the desa rows) and summed up the levels, for every
    course (0: any) and year (0: any) a dinas may filter by."""

    __tablename__ = "report_readiness"
    __table_args__ = (Index("ix_report_readiness_parent", "parent_code", "course_id", "year"),)

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str] = mapped_column(String(13))
    province_code: Mapped[str] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5), default=None)
    koperasi: Mapped[int] = mapped_column(Integer)
    reached: Mapped[int] = mapped_column(Integer)  # with at least one member in a Bimtek
    ketua: Mapped[int] = mapped_column(Integer)
    bendahara: Mapped[int] = mapped_column(Integer)
    ready: Mapped[int] = mapped_column(Integer)


class ApiToken(Base):
    """A read-only key for the JSON API, limited to the region of the dinas that made it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists, so a key can be told apart
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None)
    province_code: Mapped[str | None] = mapped_column(String(2), index=True, default=None)
    regency_code: Mapped[str | None] = mapped_column(String(5), index=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
