"""Narasumber and admins: settings, results with item analysis, and regrading after a key fix."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from lms.accounts.models import Role
from lms.assessment import services
from lms.assessment.models import Quiz
from lms.audit.models import AuditEntry
from lms.learning.services import publish
from tests.assessment.helpers import attempt, log_in, quiz, right_choice, save, start, submit
from tests.conftest import login, post
from tests.factories import UserFactory

COURSE = b"""slug: uji-kuis
title: "Kursus Uji Kuis"
summary: "Ringkasan."
audience: [bendahara]
hours_jp: 1
modules: [01-satu.md]
completion: {modules: all}
sources: ["UU No. 25 Tahun 1992."]
"""
MODULE = b"""---
title: "Modul Satu"
summary: "Ringkas."
minutes: 5
key_terms: []
istilah: {}
---

## Bagian

Teks.
"""
QUIZ = """judul: Kuis Uji
pengaturan: {{acak: tidak, percobaan: 1}}
soal:
  - id: simpanan-pokok
    jenis: pilihan_tunggal
    teks: Simpanan pokok dibayar …
    pilihan:
      - {{teks: sekali saat masuk, benar: {a}}}
      - {{teks: setiap bulan, benar: {b}}}
  - id: setor-kas
    jenis: jurnal
    teks: Catat.
    toleransi: Rp0
    periode: {{mulai: 2026-01-01, sampai: 2026-01-31}}
    transaksi:
      - tanggal: 2026-01-05
        teks: Bu Tini menyetor simpanan pokok Rp100.000 tunai di loket.
        jawaban:
          - {{akun: "1-103", debit: Rp100.000}}
          - {{akun: "3-101", kredit: Rp100.000}}
"""


def course_files(right_is_first: bool = True) -> dict[str, bytes]:
    text = QUIZ.format(
        a="true" if right_is_first else "false", b="false" if right_is_first else "true"
    )
    return {
        "course.yaml": COURSE,
        "01-satu.md": MODULE,
        "kuis/01-uji.yaml": text.encode(),
    }


def author():  # type: ignore[no-untyped-def]
    return UserFactory.staff(Role.NARASUMBER)


def take(client, db, first_choice: str, account: str) -> int:  # type: ignore[no-untyped-def]
    log_in(client)
    attempt_id = start(client, ("uji-kuis", "uji"))
    save(client, attempt_id, "simpanan-pokok", rev=1, j=first_choice)
    save(
        client,
        attempt_id,
        "setor-kas",
        rev=1,
        **{
            "t1-akun": [account, "3-101"],
            "t1-debit": ["100.000", ""],
            "t1-kredit": ["", "100.000"],
        },
    )
    submit(client, attempt_id)
    return attempt_id


def test_publishing_a_course_makes_its_quizzes(db):
    publish(db, course_files(), actor=None)
    row = quiz(db, ("uji-kuis", "uji"))
    assert row.title == "Kuis Uji" and row.question_count == 2 and row.max_points == 2
    assert row.shuffle is False and row.attempts_allowed == 1
    # Without the file in a later version the quiz is no longer offered.
    files = course_files()
    del files["kuis/01-uji.yaml"]
    publish(db, files, actor=None)
    db.expire_all()
    assert db.get(Quiz, row.id).active is False


def test_results_item_analysis_and_regrade_after_a_key_fix(client, db, count_queries):
    publish(db, course_files(right_is_first=False), actor=None)  # the key is wrong
    ids = [
        take(client, db, "a", "1-103"),
        take(client, db, "b", "1-103"),
        take(client, db, "a", "1-101"),
    ]
    row = quiz(db, ("uji-kuis", "uji"))
    assert [attempt(db, i).score for i in ids] == [1.0, 2.0, 0.25]
    login(client, author())
    page = client.get("/kuis/uji-kuis/uji/hasil")
    assert page.status_code == 200
    assert "Analisis soal" in page.text
    assert "1-101 Kas Kantor (debit) × 1" in page.text  # the wrong account chosen
    stats, counted = services.item_analysis(db, row, services.results(db, row))
    assert counted == 3
    assert [s.facility for s in stats] == [0.33, 0.75]
    # The narasumber corrects the key: the dry run lists whose score would change, nothing more.
    publish(db, course_files(right_is_first=True), actor=None)
    assert "kunci versi lama" in client.get("/kuis/uji-kuis/uji/hasil").text
    dry = client.get("/kuis/uji-kuis/uji/nilai-ulang")
    assert dry.status_code == 200 and "Nilai yang akan berubah" in dry.text
    assert [attempt(db, i).score for i in ids] == [1.0, 2.0, 0.25]
    applied = post(client, "/kuis/uji-kuis/uji/nilai-ulang")
    assert applied.status_code == 200 and "nilai 3 percobaan berubah" in applied.text
    assert [attempt(db, i).score for i in ids] == [2.0, 1.0, 1.25]
    assert services.pending_regrade(db, quiz(db, ("uji-kuis", "uji"))) == 0
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "kuis.nilai_ulang"))
    # The results page costs the same number of queries with more participants.
    client.get("/kuis/uji-kuis/uji/hasil")
    count_queries.statements.clear()
    client.get("/kuis/uji-kuis/uji/hasil")
    before = count_queries.count
    take(client, db, "a", "1-103")
    take(client, db, "b", "1-104")
    login(client, author())
    client.get("/kuis/uji-kuis/uji/hasil")
    count_queries.statements.clear()
    client.get("/kuis/uji-kuis/uji/hasil")
    assert count_queries.count == before, count_queries.statements


def test_settings_refuse_bad_input_and_keep_what_was_typed(client, db):
    row = quiz(db)
    login(client, author())
    page = client.get("/kuis/tata-kelola/tata-kelola/atur")
    assert page.status_code == 200
    bad = post(
        client,
        "/kuis/tata-kelola/tata-kelola/atur",
        {
            "zona": "WITA",
            "buka": "2026-12-01T08:00",
            "tutup": "2026-12-01T07:00",
            "batas_waktu": "dua puluh",
            "percobaan": "0",
            "penilaian": "tertinggi",
            "acak": "ya",
            "tinjauan": "segera",
            "lulus": "70",
        },
    )
    assert bad.status_code == 400
    assert "Waktu tutup harus sesudah waktu buka" in bad.text
    assert "Isi bilangan bulat 0 sampai 600" in bad.text
    assert 'value="dua puluh"' in bad.text
    db.expire_all()
    assert db.get(Quiz, row.id).opens_at is None


def test_settings_are_saved_in_the_chosen_timezone_and_audited(client, db):
    row = quiz(db)
    login(client, author())
    response = post(
        client,
        "/kuis/tata-kelola/tata-kelola/atur",
        {
            "zona": "WITA",
            "buka": "2026-12-01T08:00",
            "tutup": "2026-12-01T17:00",
            "batas_waktu": "30",
            "percobaan": "2",
            "penilaian": "terakhir",
            "acak": "tidak",
            "tinjauan": "setelah_tutup",
            "lulus": "75",
        },
    )
    assert response.status_code == 303
    db.expire_all()
    saved = db.get(Quiz, row.id)
    assert saved.opens_at == dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)  # 08.00 WITA
    assert (saved.time_limit, saved.attempts_allowed, saved.grading) == (30, 2, "terakhir")
    assert saved.shuffle is False and saved.review == "setelah_tutup" and saved.pass_percent == 75
    assert saved.settings_changed_at is not None
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "kuis.atur"))
    assert entry.after["zona"] == "WITA"
    log_in(client)
    page = client.get("/kuis/tata-kelola/tata-kelola").text
    assert "1 Desember 2026 08.00 WITA" in page


def test_choices_shown_in_the_shuffled_order_keep_their_ids(db):
    row = quiz(db)
    quiz_def = services.definition(db, row.version_id, row.path)
    qid, _right, _wrong = right_choice(db, row)
    question = quiz_def.question(qid)

    class Fake:
        seed = 12345

    orders = {tuple(c.id for c in services.choice_order(question, Fake(), True)) for _ in range(3)}
    assert len(orders) == 1  # the same attempt always sees the same order
    assert sorted(next(iter(orders))) == sorted(c.id for c in question.choices)
