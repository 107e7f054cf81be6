from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow


class PracticeBook(Base):
    """One participant's private practice ledger, opened from a scenario.

    Starting over does not delete anything: it begins a new ``generation`` and the page shows
    only the entries of the current one.
    """

    __tablename__ = "practice_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scenario: Mapped[str] = mapped_column(String(80))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    # The journal form as last typed (date, description, lines), so that it survives a reload;
    # draft_rev counts its saves (the browser's own copy says which save it was typed over).
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    draft_rev: Mapped[int] = mapped_column(Integer, default=0)
    # The draft_rev at which the form was last emptied (posting, starting over): a late save
    # from a form rendered before that is stale and ignored.
    form_rev: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PracticeEntry(Base):
    """A journal entry posted by the participant; ``number`` is its number in the ledger."""

    __tablename__ = "practice_entries"
    __table_args__ = (UniqueConstraint("book_id", "generation", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("practice_books.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    # "umum" or "pembalik" (a reversal of entry ``reverses``).
    kind: Mapped[str] = mapped_column(String(12), default="umum")
    reverses: Mapped[int | None] = mapped_column(Integer, default=None)
    reason: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PracticeLine(Base):
    __tablename__ = "practice_lines"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("practice_entries.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_code: Mapped[str] = mapped_column(String(20))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
