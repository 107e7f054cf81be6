"""Practice ledgers: books, entries, lines

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 20:07:34.869603
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_books",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=80), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=True),
        sa.Column("draft_rev", sa.Integer(), nullable=False),
        sa.Column("form_rev", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_practice_books_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_books")),
    )
    with op.batch_alter_table("practice_books", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practice_books_user_id"), ["user_id"], unique=False)

    op.create_table(
        "practice_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reverses", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["book_id"],
            ["practice_books.id"],
            name=op.f("fk_practice_entries_book_id_practice_books"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_entries")),
        sa.UniqueConstraint(
            "book_id",
            "generation",
            "number",
            name=op.f("uq_practice_entries_book_id_generation_number"),
        ),
    )
    op.create_table(
        "practice_lines",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_code", sa.String(length=20), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["practice_entries.id"],
            name=op.f("fk_practice_lines_entry_id_practice_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "position", name=op.f("pk_practice_lines")),
    )


def downgrade() -> None:
    op.drop_table("practice_lines")
    op.drop_table("practice_entries")
    with op.batch_alter_table("practice_books", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_books_user_id"))

    op.drop_table("practice_books")
