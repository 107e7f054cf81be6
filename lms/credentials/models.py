"""Issuers (a dinas and its signing key), certificates and the page bases they are printed on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lms.db import Base, UTCDateTime, utcnow


class Issuer(Base):
    """The dinas of one region as the issuer of certificates: its name as printed, its Ed25519
    signing key, its logo and certificate template, and optionally its own PKCS#12 certificate
    for PAdES signatures."""

    __tablename__ = "credential_issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # "Dinas Koperasi dan UKM Kabupaten Tangerang"
    government: Mapped[str] = mapped_column(String(200), default="")  # "Pemerintah Kabupaten ..."
    place: Mapped[str] = mapped_column(String(100), default="")  # where certificates are signed
    # The private key, sealed with a key derived from LMS_SECRET_KEY; the public half as a JWK.
    key_sealed: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    logo_type: Mapped[str] = mapped_column(String(20), default="image/png")
    # None: the default template of certificates/template.py.
    template_html: Mapped[str | None] = deferred(mapped_column(Text, default=None))
    template_css: Mapped[str | None] = deferred(mapped_column(Text, default=None))
    p12_sealed: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    p12_password_sealed: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    p12_subject: Mapped[str | None] = mapped_column(String(300), default=None)
    p12_not_after: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CertificateBase(Base):
    """A cohort's certificate page laid out once (certificates.render.make_base): every
    certificate printed on it is this file plus its own small update."""

    __tablename__ = "certificate_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))  # template + event it was laid out from
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    layout: Mapped[dict[str, Any]] = deferred(mapped_column(JSON))
    # Only where the page and catalog are in the file (layout["pdf"]): all a download needs,
    # so a download does not parse the glyph maps of the whole layout.
    parts: Mapped[dict[str, Any]] = deferred(mapped_column(JSON))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(Base):
    """One person's certificate of one cohort. The number and the code never change; a reissue
    (a corrected name) signs a new credential under them and bumps the revision."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        UniqueConstraint("cohort_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # "7KQ2-MX4P-9TDA", in /v/{code}
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("credential_issuers.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(150))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # What the certificate says about the person (certificates.template.Recipient), as issued.
    recipient: Mapped[dict[str, str]] = mapped_column(JSON)
    course: Mapped[str] = mapped_column(String(500))  # course titles as printed
    # The angkatan's name and the issuer's name as issued (and signed): the page is printed
    # from these, so renaming the angkatan later does not make it disagree with its credential.
    title: Mapped[str] = mapped_column(String(200), default="")
    issuer_name: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[int] = mapped_column(Integer, default=0)
    credential: Mapped[str] = deferred(mapped_column(Text))  # the signed VC-JWT
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The printed page: the base it is stamped on and its own content stream (None until the
    # batch renderer has reached it), or the whole file when it carries a PAdES signature.
    base_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_bases.id", ondelete="SET NULL"), index=True, default=None
    )
    stamp: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    signed_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def rendered(self) -> bool:
        return self.base_id is not None
