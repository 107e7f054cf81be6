from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow
from lms.regions.models import Koperasi


class Role(enum.StrEnum):
    PESERTA = "peserta"
    NARASUMBER = "narasumber"
    PENDAMPING = "pendamping"
    DINAS = "dinas"
    ADMIN = "admin"


class Jabatan(enum.StrEnum):
    KETUA = "ketua"
    WAKIL_KETUA = "wakil_ketua"
    SEKRETARIS = "sekretaris"
    BENDAHARA = "bendahara"
    PENGAWAS = "pengawas"
    MANAJER = "manajer"
    ANGGOTA = "anggota"
    # A field assistant attending a Bimtek as a participant (the role stays what it is).
    PENDAMPING = "pendamping"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True, default=None)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), unique=True, default=None)  # lower
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), index=True)
    # The region a dinas operator (or pendamping) is responsible for: a province or kab/kota.
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None)
    koperasi_id: Mapped[int | None] = mapped_column(
        ForeignKey("koperasi.id", ondelete="SET NULL"), index=True, default=None
    )
    jabatan: Mapped[str | None] = mapped_column(String(16), default=None)
    # Denormalised from region_code or the koperasi's village, for the scoping filter.
    province_code: Mapped[str | None] = mapped_column(String(2), index=True, default=None)
    regency_code: Mapped[str | None] = mapped_column(String(5), index=True, default=None)
    # NIK (nomor induk kependudukan): AES-GCM ciphertext, a keyed hash for finding the same
    # person again, and the last four digits for the masked display (accounts/nik.py).
    nik_cipher: Mapped[str | None] = mapped_column(String(120), default=None)
    nik_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    nik_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    locale: Mapped[str | None] = mapped_column(String(5), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    koperasi: Mapped[Koperasi | None] = relationship(lazy="raise")

    @property
    def login_name(self) -> str:
        return self.email or self.phone or str(self.id)


class UserSession(Base):
    """A server-side login session. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """One failed login, kept for the throttling windows (shared by every worker)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account", "created_at"),
        Index("ix_login_failures_ip_at", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The normalised login name that was tried (E.164 phone or lower-case email).
    account: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginToken(Base):
    """A one-time login from a printed login card's QR code. Only the token's hash is stored."""

    __tablename__ = "login_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Set when a newer card replaces this one.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="joined")
