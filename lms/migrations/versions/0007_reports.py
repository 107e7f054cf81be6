"""Dinas dashboard: facts per person and angkatan, totals by region, readiness, API tokens.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 02:15:43.603235
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_readiness",
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("parent_code", sa.String(length=13), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=True),
        sa.Column("koperasi", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.Column("ketua", sa.Integer(), nullable=False),
        sa.Column("bendahara", sa.Integer(), nullable=False),
        sa.Column("ready", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", "course_id", "year", name=op.f("pk_report_readiness")),
    )
    with op.batch_alter_table("report_readiness", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_readiness_parent", ["parent_code", "course_id", "year"], unique=False
        )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("regency_code", sa.String(length=5), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_api_tokens_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_tokens_province_code"), ["province_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_api_tokens_regency_code"), ["regency_code"], unique=False
        )

    op.create_table(
        "report_people",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("koperasi_id", sa.Integer(), nullable=True),
        sa.Column("village_code", sa.String(length=13), nullable=True),
        sa.Column("district_code", sa.String(length=8), nullable=True),
        sa.Column("regency_code", sa.String(length=5), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("jabatan", sa.String(length=16), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_report_people_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["koperasi_id"],
            ["koperasi.id"],
            name=op.f("fk_report_people_koperasi_id_koperasi"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_report_people_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", "user_id", name=op.f("pk_report_people")),
    )
    with op.batch_alter_table("report_people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_people_koperasi_id"), ["koperasi_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_people_province_code"), ["province_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_people_regency_code"), ["regency_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_report_people_user_id"), ["user_id"], unique=False)

    op.create_table(
        "report_stale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("since", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_report_stale_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_stale")),
    )
    with op.batch_alter_table("report_stale", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_stale_cohort_id"), ["cohort_id"], unique=False)

    op.create_table(
        "report_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("parent_code", sa.String(length=13), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("jabatan", sa.String(length=16), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("certified", sa.Integer(), nullable=False),
        sa.Column("b0", sa.Integer(), nullable=False),
        sa.Column("b1", sa.Integer(), nullable=False),
        sa.Column("b2", sa.Integer(), nullable=False),
        sa.Column("b3", sa.Integer(), nullable=False),
        sa.Column("b4", sa.Integer(), nullable=False),
        sa.Column("b5", sa.Integer(), nullable=False),
        sa.Column("b6", sa.Integer(), nullable=False),
        sa.Column("b7", sa.Integer(), nullable=False),
        sa.Column("b8", sa.Integer(), nullable=False),
        sa.Column("b9", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_report_totals_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_totals")),
    )
    with op.batch_alter_table("report_totals", schema=None) as batch_op:
        batch_op.create_index("ix_report_totals_code", ["code", "year"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_totals_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index("ix_report_totals_parent", ["parent_code", "year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_totals", schema=None) as batch_op:
        batch_op.drop_index("ix_report_totals_parent")
        batch_op.drop_index(batch_op.f("ix_report_totals_cohort_id"))
        batch_op.drop_index("ix_report_totals_code")

    op.drop_table("report_totals")
    with op.batch_alter_table("report_stale", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_stale_cohort_id"))

    op.drop_table("report_stale")
    with op.batch_alter_table("report_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_people_user_id"))
        batch_op.drop_index(batch_op.f("ix_report_people_regency_code"))
        batch_op.drop_index(batch_op.f("ix_report_people_province_code"))
        batch_op.drop_index(batch_op.f("ix_report_people_koperasi_id"))

    op.drop_table("report_people")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_regency_code"))
        batch_op.drop_index(batch_op.f("ix_api_tokens_province_code"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("report_readiness", schema=None) as batch_op:
        batch_op.drop_index("ix_report_readiness_parent")

    op.drop_table("report_readiness")
