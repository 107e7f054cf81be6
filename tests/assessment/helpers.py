"""Shared steps for the quiz tests: a participant, a quiz, answers posted like the page does."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Jabatan
from lms.assessment import services
from lms.assessment.models import Quiz, QuizAnswer, QuizAttempt
from lms.learning.models import Course
from tests.conftest import csrf_for, login, post
from tests.factories import KoperasiFactory, UserFactory

TATA_KELOLA = ("tata-kelola", "tata-kelola")
SIMPANAN = ("pembukuan", "simpanan-pinjaman")
LAPORAN = ("pembukuan", "laporan-keuangan")
SHU = ("pembukuan", "tutup-buku-shu")


def participant(name: str | None = None):  # type: ignore[no-untyped-def]
    kwargs = {"name": name} if name else {}
    return UserFactory.peserta(KoperasiFactory(), Jabatan.BENDAHARA, **kwargs)


def quiz(db: Session, which: tuple[str, str] = TATA_KELOLA, **settings: object) -> Quiz:
    row = db.scalar(
        select(Quiz)
        .join(Course, Course.id == Quiz.course_id)
        .where(Course.slug == which[0], Quiz.slug == which[1])
    )
    assert row is not None
    for key, value in settings.items():
        setattr(row, key, value)
    db.flush()
    return row


def start(client, which: tuple[str, str] = TATA_KELOLA) -> int:  # type: ignore[no-untyped-def]
    response = post(client, f"/kuis/{which[0]}/{which[1]}/mulai")
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/percobaan/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def save(client, attempt_id: int, soal: str, rev: int | None = None, htmx: bool = True, **fields):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"csrf_token": csrf_for(client), "soal": soal, **fields}
    if rev is not None:
        data["rev"] = str(rev)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/percobaan/{attempt_id}/jawab", data=data, headers=headers)


def submit(client, attempt_id: int, semua: str = ""):  # type: ignore[no-untyped-def]
    return post(client, f"/percobaan/{attempt_id}/kirim", {"semua": semua})


def definition(db: Session, row: Quiz):  # type: ignore[no-untyped-def]
    return services.definition(db, row.version_id, row.path)


def right_choice(db: Session, row: Quiz, kind: str = "pilihan_tunggal"):  # type: ignore[no-untyped-def]
    """(question id, right choice id, a wrong choice id) of the first question of that kind."""
    for q in definition(db, row).questions:
        if q.kind == kind:
            right = next(c.id for c in q.choices if c.correct)
            wrong = next(c.id for c in q.choices if not c.correct)
            return q.id, right, wrong
    raise AssertionError(kind)


def attempt(db: Session, attempt_id: int) -> QuizAttempt:
    db.expire_all()
    found = db.get(QuizAttempt, attempt_id)
    assert found is not None
    return found


def answer(db: Session, attempt_id: int, soal: str) -> QuizAnswer | None:
    db.expire_all()
    return db.get(QuizAnswer, (attempt_id, soal))


def log_in(client):  # type: ignore[no-untyped-def]
    user = participant()
    login(client, user)
    return user


def past(minutes: int) -> dt.datetime:
    return services.utcnow() - dt.timedelta(minutes=minutes)
