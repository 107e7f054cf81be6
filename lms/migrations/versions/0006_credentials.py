"""Certificates: issuers (dinas keys, templates), page bases, certificates; cohort numbering.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:50:03.161565
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_issuers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("government", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("key_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=20), nullable=False),
        sa.Column("template_html", sa.Text(), nullable=True),
        sa.Column("template_css", sa.Text(), nullable=True),
        sa.Column("p12_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("p12_password_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("p12_subject", sa.String(length=300), nullable=True),
        sa.Column("p12_not_after", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["regions.code"],
            name=op.f("fk_credential_issuers_region_code_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_issuers")),
        sa.UniqueConstraint("kid", name=op.f("uq_credential_issuers_kid")),
        sa.UniqueConstraint("region_code", name=op.f("uq_credential_issuers_region_code")),
    )
    op.create_table(
        "certificate_bases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("layout", sa.JSON(), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_certificate_bases_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_bases")),
    )
    with op.batch_alter_table("certificate_bases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_bases_cohort_id"), ["cohort_id"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=150), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.JSON(), nullable=False),
        sa.Column("course", sa.String(length=500), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issuer_name", sa.String(length=200), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("credential", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("base_id", sa.Integer(), nullable=True),
        sa.Column("stamp", sa.LargeBinary(), nullable=True),
        sa.Column("signed_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("revoked_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=300), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["base_id"],
            ["certificate_bases.id"],
            name=op.f("fk_certificates_base_id_certificate_bases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_certificates_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["credential_issuers.id"],
            name=op.f("fk_certificates_issuer_id_credential_issuers"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_revoked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_certificates_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint("cohort_id", "seq", name=op.f("uq_certificates_cohort_id_seq")),
        sa.UniqueConstraint("cohort_id", "user_id", name=op.f("uq_certificates_cohort_id_user_id")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_base_id"), ["base_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_issuer_id"), ["issuer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        # Existing angkatan get the default pattern, no office code and no number given yet.
        batch_op.add_column(
            sa.Column(
                "certificate_pattern",
                sa.String(length=120),
                nullable=False,
                server_default="{seq:03}/BIMTEK-KDKMP/{kode}/{bulan_romawi}/{tahun}",
            )
        )
        batch_op.add_column(
            sa.Column("certificate_code", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("certificate_seq", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_column("certificate_seq")
        batch_op.drop_column("certificate_code")
        batch_op.drop_column("certificate_pattern")

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_user_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_issuer_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_cohort_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_base_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("certificate_bases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_bases_cohort_id"))

    op.drop_table("certificate_bases")
    op.drop_table("credential_issuers")
