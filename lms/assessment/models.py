from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow


class Quiz(Base):
    """A quiz of a course. Its questions and key live in the course's files (kuis/*.yaml); the
    row holds what the platform decides: which published version's key is in force, the
    schedule and the attempt rules."""

    __tablename__ = "quizzes"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    # The course version whose file is the key in force, and the file's path in it.
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    module_slug: Mapped[str | None] = mapped_column(String(80), default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    max_points: Mapped[int] = mapped_column(Integer, default=0)
    # False when a later version of the course no longer has the quiz.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    # Schedule and rules (defaults from the file's pengaturan until someone changes them here).
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    timezone: Mapped[str] = mapped_column(String(8), default="WIB")  # WIB, WITA or WIT
    time_limit: Mapped[int] = mapped_column(Integer, default=0)  # minutes; 0: none
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    grading: Mapped[str] = mapped_column(String(20), default="tertinggi")
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)
    review: Mapped[str] = mapped_column(String(20), default="segera")
    pass_percent: Mapped[int] = mapped_column(Integer, default=70)
    settings_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class QuizAttempt(Base):
    """One attempt of one person. Open while submitted_at is None; graded when it closes."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # The key the attempt is graded with (changes when it is regraded).
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"))
    seed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # peserta (submitted), waktu (time ran out), tutup (the quiz closed)
    closed_by: Mapped[str | None] = mapped_column(String(20), default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    max_score: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[float | None] = mapped_column(Float, default=None)
    # Per question: {"id": {"skor", "bobot", "umpan_balik", "akun_salah", "dijawab"}}
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None


class QuizAnswer(Base):
    """The latest saved answer to one question of one attempt (answers-file shape)."""

    __tablename__ = "quiz_answers"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    # The browser's revision of this answer (milliseconds); an older one never overwrites.
    rev: Mapped[int] = mapped_column(BigInteger, default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizRender(Base):
    """The Markdown of one quiz file of one version, rendered once at publish time (derived
    data, like module HTML): {"question id": html, "question id:choice id": html, …}."""

    __tablename__ = "quiz_renders"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    html: Mapped[dict[str, str]] = mapped_column(JSON)
