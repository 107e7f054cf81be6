"""Cohorts (angkatan), sessions, members, imports, attendance; NIK columns; login tokens.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 00:01:02.871513
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=True),
        sa.Column("organizer", sa.String(length=200), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=4), nullable=False),
        sa.Column("min_attendance", sa.Integer(), nullable=False),
        sa.Column("min_quiz_score", sa.Integer(), nullable=True),
        sa.Column("require_modules", sa.Boolean(), nullable=False),
        sa.Column("officer_name", sa.String(length=200), nullable=False),
        sa.Column("officer_title", sa.String(length=200), nullable=False),
        sa.Column("officer_nip", sa.String(length=30), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_cohorts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_cohorts_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("slug", name=op.f("uq_cohorts_slug")),
    )
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohorts_province_code"), ["province_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cohorts_regency_code"), ["regency_code"], unique=False)

    op.create_table(
        "cohort_courses",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_courses_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_cohort_courses_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", "course_id", name=op.f("pk_cohort_courses")),
    )
    op.create_table(
        "cohort_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("committed_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_imports_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_cohort_imports_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_imports")),
    )
    with op.batch_alter_table("cohort_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_imports_cohort_id"), ["cohort_id"], unique=False
        )

    op.create_table(
        "cohort_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_members_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cohort_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_members")),
        sa.UniqueConstraint(
            "cohort_id", "user_id", name=op.f("uq_cohort_members_cohort_id_user_id")
        ),
    )
    with op.batch_alter_table("cohort_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_members_cohort_id"), ["cohort_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cohort_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "cohort_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("narasumber_id", sa.Integer(), nullable=True),
        sa.Column("late_after", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_sessions_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["narasumber_id"],
            ["users.id"],
            name=op.f("fk_cohort_sessions_narasumber_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_sessions")),
    )
    with op.batch_alter_table("cohort_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_sessions_cohort_id"), ["cohort_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cohort_sessions_narasumber_id"), ["narasumber_id"], unique=False
        )

    op.create_table(
        "login_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_login_tokens_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_tokens")),
    )
    with op.batch_alter_table("login_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_tokens_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("checked_in_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("marked_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["marked_by_id"],
            ["users.id"],
            name=op.f("fk_attendance_marked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cohort_sessions.id"],
            name=op.f("fk_attendance_session_id_cohort_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_attendance_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_attendance_session_id_user_id")),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendance_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nik_cipher", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("nik_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("nik_last4", sa.String(length=4), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_nik_hash"), ["nik_hash"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_nik_hash"), type_="unique")
        batch_op.drop_column("nik_last4")
        batch_op.drop_column("nik_hash")
        batch_op.drop_column("nik_cipher")

    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_user_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_session_id"))

    op.drop_table("attendance")
    with op.batch_alter_table("login_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_login_tokens_cohort_id"))

    op.drop_table("login_tokens")
    with op.batch_alter_table("cohort_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_sessions_narasumber_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_sessions_cohort_id"))

    op.drop_table("cohort_sessions")
    with op.batch_alter_table("cohort_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_members_cohort_id"))

    op.drop_table("cohort_members")
    with op.batch_alter_table("cohort_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_imports_cohort_id"))

    op.drop_table("cohort_imports")
    op.drop_table("cohort_courses")
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohorts_regency_code"))
        batch_op.drop_index(batch_op.f("ix_cohorts_province_code"))

    op.drop_table("cohorts")
