"""Taking a quiz: start and resume, answers saved by revision, submitting once, deadlines."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from lms.assessment import services
from lms.assessment.models import QuizAnswer, QuizAttempt
from tests.assessment.helpers import (
    SIMPANAN,
    TATA_KELOLA,
    answer,
    attempt,
    log_in,
    past,
    quiz,
    right_choice,
    save,
    start,
    submit,
)
from tests.conftest import post


def test_starting_twice_resumes_the_same_attempt(client, db):
    log_in(client)
    quiz(db)
    first = start(client)
    assert start(client) == first
    page = client.get(f"/percobaan/{first}")
    assert page.status_code == 200
    assert page.text.count('class="qform"') == 22
    assert "Kirim jawaban" in page.text


def test_an_answer_is_saved_and_acknowledged(client, db):
    log_in(client)
    row = quiz(db)
    attempt_id = start(client)
    qid, right, _wrong = right_choice(db, row)
    response = save(client, attempt_id, qid, rev=1000, j=right)
    assert response.status_code == 200
    assert "Tersimpan" in response.text
    trigger = json.loads(response.headers["HX-Trigger-After-Settle"])
    assert trigger["answerSaved"] == {"soal": qid, "rev": 1000}
    stored = answer(db, attempt_id, qid)
    assert stored is not None and stored.value == right and stored.rev == 1000
    # The page shows it checked after a reload.
    page = client.get(f"/percobaan/{attempt_id}").text
    assert f'value="{right}" checked' in page


def test_an_older_revision_never_overwrites_a_newer_one(client, db):
    log_in(client)
    row = quiz(db)
    attempt_id = start(client)
    qid, right, wrong = right_choice(db, row)
    assert save(client, attempt_id, qid, rev=2000, j=right).status_code == 200
    late = save(client, attempt_id, qid, rev=1500, j=wrong)  # sent earlier, arrived later
    assert late.status_code == 200
    assert json.loads(late.headers["HX-Trigger-After-Settle"])["answerSaved"]["rev"] == 2000
    stored = answer(db, attempt_id, qid)
    assert stored.value == right and stored.rev == 2000


def test_without_the_script_a_save_button_posts_and_returns_to_the_question(client, db):
    log_in(client)
    row = quiz(db)
    attempt_id = start(client)
    qid, right, _wrong = right_choice(db, row)
    response = save(client, attempt_id, qid, htmx=False, j=right)
    assert response.status_code == 303
    assert response.headers["location"] == f"/percobaan/{attempt_id}#soal-{qid}"
    assert answer(db, attempt_id, qid).value == right


def test_submitting_grades_once_and_a_second_submit_changes_nothing(client, db):
    log_in(client)
    row = quiz(db)
    attempt_id = start(client)
    qid, right, _wrong = right_choice(db, row)
    save(client, attempt_id, qid, rev=1, j=right)
    first = submit(client, attempt_id)
    assert first.headers["location"] == f"/percobaan/{attempt_id}/hasil"
    graded = attempt(db, attempt_id)
    assert graded.closed_by == "peserta" and graded.score == 1.0
    graded_at = graded.graded_at
    second = submit(client, attempt_id)
    assert second.status_code == 303
    again = attempt(db, attempt_id)
    assert again.graded_at == graded_at and again.score == 1.0
    assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 1
    # A save after submitting is refused with a message, and changes nothing.
    refused = save(client, attempt_id, qid, rev=5, j="a" if right != "a" else "b")
    assert refused.status_code == 409
    assert "sudah dikirim" in refused.text
    assert answer(db, attempt_id, qid).value == right


def test_submit_saves_the_answers_still_waiting_on_the_device(client, db):
    log_in(client)
    row = quiz(db)
    attempt_id = start(client)
    qid, right, _wrong = right_choice(db, row)
    waiting = {qid: {"rev": 7, "fields": [["j", right]]}, "tidak-ada": {"rev": 1, "fields": []}}
    submit(client, attempt_id, json.dumps(waiting))
    assert answer(db, attempt_id, qid).value == right
    assert attempt(db, attempt_id).score == 1.0


def test_result_page_shows_score_feedback_and_explanation(client, db):
    log_in(client)
    row = quiz(db)
    attempt_id = start(client)
    qid, _right, wrong = right_choice(db, row)
    save(client, attempt_id, qid, rev=1, j=wrong)
    submit(client, attempt_id)
    page = client.get(f"/percobaan/{attempt_id}/hasil")
    assert page.status_code == 200
    assert "Hasil percobaan ke-1" in page.text
    assert "Salah. Jawaban yang benar" in page.text
    assert "Pembahasan" in page.text
    assert "Belum lulus" in page.text


def test_review_can_wait_until_the_quiz_closes(client, db):
    log_in(client)
    row = quiz(db, review="setelah_tutup", closes_at=services.utcnow() + dt.timedelta(hours=2))
    attempt_id = start(client)
    submit(client, attempt_id)
    page = client.get(f"/percobaan/{attempt_id}/hasil").text
    assert "ditampilkan setelah kuis ditutup" in page
    assert "Lihat soal" not in page
    row.closes_at = past(1)
    db.flush()
    page = client.get(f"/percobaan/{attempt_id}/hasil").text
    assert "Lihat soal" in page


def test_time_up_closes_the_attempt_with_every_saved_answer(client, db):
    log_in(client)
    row = quiz(db, time_limit=20)
    attempt_id = start(client)
    qid, right, _wrong = right_choice(db, row)
    save(client, attempt_id, qid, rev=1, j=right)
    running = attempt(db, attempt_id)
    # Inside the grace: still open, saves still accepted.
    running.deadline_at = services.utcnow() - services.GRACE / 3
    db.flush()
    assert save(client, attempt_id, qid, rev=2, j=right).status_code == 200
    running.deadline_at = past(5)
    db.flush()
    refused = save(client, attempt_id, qid, rev=3, j="x")
    assert refused.status_code == 409 and "Waktu sudah habis" in refused.text
    page = client.get(f"/kuis/{TATA_KELOLA[0]}/{TATA_KELOLA[1]}")
    assert "ditutup saat waktu habis" in page.text
    closed = attempt(db, attempt_id)
    assert closed.closed_by == "waktu" and closed.score == 1.0
    assert closed.result[qid]["dijawab"]


def test_the_quiz_closing_closes_running_attempts(client, db):
    log_in(client)
    row = quiz(db, time_limit=0, closes_at=services.utcnow() + dt.timedelta(minutes=30))
    attempt_id = start(client)
    assert attempt(db, attempt_id).deadline_at is None  # no time limit of its own
    row.closes_at = past(5)
    db.flush()
    response = client.get(f"/percobaan/{attempt_id}")
    assert response.headers["location"] == f"/percobaan/{attempt_id}/hasil"
    assert attempt(db, attempt_id).closed_by == "tutup"


def test_attempts_allowed_and_the_schedule_are_enforced(client, db):
    log_in(client)
    quiz(db, attempts_allowed=1)
    attempt_id = start(client)
    submit(client, attempt_id)
    refused = post(client, f"/kuis/{TATA_KELOLA[0]}/{TATA_KELOLA[1]}/mulai")
    assert refused.status_code == 409
    assert "sudah habis (1 kali)" in refused.text
    other = log_in(client)
    assert other
    quiz(db, opens_at=services.utcnow() + dt.timedelta(days=1))
    refused = post(client, f"/kuis/{TATA_KELOLA[0]}/{TATA_KELOLA[1]}/mulai")
    assert refused.status_code == 409 and "belum dibuka" in refused.text
    assert "Kuis ini belum dibuka" in client.get(f"/kuis/{TATA_KELOLA[0]}/{TATA_KELOLA[1]}").text


def test_highest_or_last_attempt_counts(client, db):
    user = log_in(client)
    row = quiz(db, attempts_allowed=2)
    qid, right, wrong = right_choice(db, row)
    first = start(client)
    save(client, first, qid, rev=1, j=right)
    submit(client, first)
    second = start(client)
    save(client, second, qid, rev=1, j=wrong)
    submit(client, second)
    attempts = services.attempts_of(db, row, user)
    assert services.final_attempt(row, attempts).id == first
    row.grading = "terakhir"
    assert services.final_attempt(row, attempts).id == second


def test_someone_elses_attempt_is_refused_and_unchanged(client, db):
    log_in(client)
    row = quiz(db)
    attempt_id = start(client)
    qid, right, wrong = right_choice(db, row)
    save(client, attempt_id, qid, rev=1, j=right)
    log_in(client)
    for response in (
        client.get(f"/percobaan/{attempt_id}"),
        client.get(f"/percobaan/{attempt_id}/hasil"),
        save(client, attempt_id, qid, rev=9, j=wrong),
        submit(client, attempt_id),
    ):
        assert response.status_code == 403
        assert "Bukan percobaan Anda" in response.text
    assert answer(db, attempt_id, qid).value == right
    assert attempt(db, attempt_id).is_open


def test_a_journal_answer_typed_like_the_key_earns_full_marks(client, db):
    log_in(client)
    row = quiz(db, SIMPANAN)
    attempt_id = start(client, SIMPANAN)
    question = next(
        q for q in services.definition(db, row.version_id, row.path).questions if q.kind == "jurnal"
    )
    fields: dict[str, object] = {}
    for t in question.transactions:
        if not t.key:
            fields[f"t{t.number}-tidak"] = "1"
            continue
        fields[f"t{t.number}-akun"] = [f"{line.account_code}" for line in t.key]
        fields[f"t{t.number}-debit"] = [str(line.debit or "") for line in t.key]
        fields[f"t{t.number}-kredit"] = [str(line.credit or "") for line in t.key]
    assert save(client, attempt_id, question.id, rev=1, **fields).status_code == 200
    submit(client, attempt_id)
    result = attempt(db, attempt_id).result[question.id]
    assert result["skor"] == result["bobot"], result["umpan_balik"]


def test_statement_and_shu_boxes_are_read_by_position(db):
    from lms.assessment.views import answer_from_form
    from tests.assessment.helpers import LAPORAN, SHU

    for which in (LAPORAN, SHU):
        row = quiz(db, which)
        for q in services.definition(db, row.version_id, row.path).questions:
            if q.kind == "laporan":
                fields = {}
                for i, line in enumerate(q.rows):
                    if line.two_sided:
                        fields[f"b{i}-d"] = [str(line.debit)]
                        fields[f"b{i}-k"] = [str(line.credit)]
                    else:
                        fields[f"b{i}"] = [str(line.amount)]
                assert q.grade(answer_from_form(q, fields)).share == 1
            if q.kind == "shu":
                fields = {f"a{i}": [str(v)] for i, v in enumerate(q.allocation.values())}
                for i, member in enumerate(q.members):
                    jm, ju = q.member_shares.get(member.member_id, (0, 0))
                    fields[f"m{i}-jm"] = [str(jm)]
                    fields[f"m{i}-ju"] = [str(ju)]
                assert q.grade(answer_from_form(q, fields)).share == 1


def test_quiz_list_and_attempt_page_queries_do_not_grow(client, db, count_queries):
    user = log_in(client)
    row = quiz(db)
    client.get("/kuis")
    count_queries.statements.clear()
    client.get("/kuis")
    before = count_queries.count
    attempt_id = start(client)
    qid, right, _wrong = right_choice(db, row)
    save(client, attempt_id, qid, rev=1, j=right)
    client.get(f"/percobaan/{attempt_id}")
    count_queries.statements.clear()
    client.get(f"/percobaan/{attempt_id}")
    few = count_queries.count
    for q in services.definition(db, row.version_id, row.path).questions[:10]:
        choice = q.choices[0].id if hasattr(q, "choices") else "benar"
        save(client, attempt_id, q.id, rev=2, j=choice)
    count_queries.statements.clear()
    client.get(f"/percobaan/{attempt_id}")
    assert count_queries.count == few, count_queries.statements
    submit(client, attempt_id)
    count_queries.statements.clear()
    client.get("/kuis")
    assert count_queries.count == before <= 6, count_queries.statements
    assert user
    assert db.scalar(select(func.count()).select_from(QuizAnswer)) >= 10


def test_lms_quizzes_close_expired_grades_attempts_nobody_looked_at(client, db, monkeypatch):
    from typer.testing import CliRunner

    from lms import cli

    log_in(client)
    row = quiz(db, time_limit=10)
    attempt_id = start(client)
    qid, right, _wrong = right_choice(db, row)
    save(client, attempt_id, qid, rev=1, j=right)
    running = attempt(db, attempt_id)
    running.deadline_at = past(5)
    db.flush()

    class Shared:
        def session(self, write: bool = False):  # type: ignore[no-untyped-def]
            from contextlib import nullcontext

            return nullcontext(db)

    monkeypatch.setattr(cli, "_database", lambda: Shared())
    monkeypatch.setattr(db, "commit", db.flush)
    result = CliRunner().invoke(cli.app, ["quizzes", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "1 percobaan ditutup" in result.output
    closed = attempt(db, attempt_id)
    assert closed.closed_by == "waktu" and closed.score == 1.0
