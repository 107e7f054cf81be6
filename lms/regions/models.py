from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow

LEVEL_PROVINCE = 1
LEVEL_REGENCY = 2
LEVEL_DISTRICT = 3
LEVEL_VILLAGE = 4


class Region(Base):
    """A province, kabupaten/kota, kecamatan or desa/kelurahan, keyed by its dotted code."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code"), index=True, default=None
    )
    level: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(120))
    # Lower-cased name for search; indexed for prefix matches.
    search_name: Mapped[str] = mapped_column(String(120), index=True)
    # Denormalised ancestors: every scoped query filters on one of these by equality.
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    regency_code: Mapped[str | None] = mapped_column(String(5), index=True, default=None)

    parent: Mapped[Region | None] = relationship(remote_side=[code], lazy="raise")

    @property
    def is_kota(self) -> bool:
        return self.level == LEVEL_REGENCY and int(self.code[3:5]) >= 71

    @property
    def is_kelurahan(self) -> bool:
        return self.level == LEVEL_VILLAGE and self.code[9] == "1"


class Koperasi(Base):
    """A Koperasi Desa/Kelurahan Merah Putih; at most one per desa/kelurahan."""

    __tablename__ = "koperasi"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    village_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), unique=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    regency_code: Mapped[str] = mapped_column(String(5), index=True)
    # Nomor badan hukum (AHU), optional until the koperasi is registered.
    legal_number: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    village: Mapped[Region] = relationship(lazy="raise")
