"""A participant takes a quiz on a phone: answers saved as they change, also without a signal.

Each test signs in as its own demo participant (ketua 0812-1000-003x, which no other browser test
uses), because attempts are counted per person and quiz. Questions are shuffled per attempt, so
they are found by their id (section#soal-<id>), choices by their text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from babel.numbers import format_decimal
from playwright.sync_api import Locator, Page, Request, expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assessment.models import Quiz, QuizAnswer, QuizAttempt
from lms.learning.models import Course
from tests.browser.support import (
    check_a11y,
    expect_offline_errors,
    sign_in,
    submit,
    visit,
)
from tests.browser.support import reload as reload_page

TATA_KELOLA = "/kuis/tata-kelola/tata-kelola"
SIMPANAN = "/kuis/pembukuan/simpanan-pinjaman"
PENDING = "Belum terkirim"
NARASUMBER = "narasumber@demo.test"


def _phone(login: str) -> str:
    return "+62" + login.replace("-", "")[1:]


def _start(page: Page, quiz_path: str) -> int:
    """Open the quiz page, start an attempt; the attempt's id."""
    visit(page, quiz_path)
    submit(page, page.get_by_role("button", name=re.compile(r"^Mulai")))
    found = re.search(r"/percobaan/(\d+)$", page.url)
    assert found, f"starting the quiz led to {page.url}"
    return int(found[1])


def _question(page: Page, qid: str) -> Locator:
    return page.locator(f"#soal-{qid}")


def _status(page: Page, qid: str) -> Locator:
    return page.locator(f"#status-{qid}")


def _choose(page: Page, qid: str, text: str) -> str:
    """Pick the choice with this text; its value (the choice id)."""
    choice = _question(page, qid).get_by_label(text, exact=True)
    choice.check()
    return choice.get_attribute("value") or ""


def _tx(page: Page, qid: str, number: int) -> Locator:
    return _question(page, qid).locator(f"fieldset.tx[data-tx='{number}']")


def _answers(engine: Engine, attempt_id: int) -> dict[str, Any]:
    with Session(engine) as session:
        rows = session.scalars(select(QuizAnswer).where(QuizAnswer.attempt_id == attempt_id))
        return {a.question_id: a.value for a in rows}


def _attempts(engine: Engine, login: str, quiz_path: str) -> list[QuizAttempt]:
    _, course_slug, quiz_slug = quiz_path.rsplit("/", 2)
    with Session(engine) as session:
        return list(
            session.scalars(
                select(QuizAttempt)
                .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
                .join(Course, Course.id == Quiz.course_id)
                .join(User, User.id == QuizAttempt.user_id)
                .where(
                    User.phone == _phone(login),
                    Course.slug == course_slug,
                    Quiz.slug == quiz_slug,
                )
                .order_by(QuizAttempt.number)
            )
        )


def _name(engine: Engine, login: str) -> str:
    with Session(engine) as session:
        name = session.scalar(select(User.name).where(User.phone == _phone(login)))
    assert name, f"no demo participant {login}"
    return name


def _percent(attempt: QuizAttempt) -> str:
    """The score as the pages write it (Indonesian number format)."""
    return format_decimal(attempt.percent, locale="id")


def _draft(page: Page, attempt_id: int) -> dict[str, Any]:
    """What the page's script keeps on the device for the attempt (pending answers)."""
    return page.evaluate(
        "(key) => JSON.parse(localStorage.getItem(key) || '{}')", f"draft:kuis-{attempt_id}"
    )


def test_answers_are_saved_kept_over_a_reload_and_graded(page: Page, live_db: Engine) -> None:
    user = "0812-1000-0030"
    sign_in(page, user)
    attempt_id = _start(page, SIMPANAN)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Simpanan Anggota")

    choice_id = _choose(page, "kelompok-simpanan-sukarela", "Liabilitas")
    expect(_status(page, "kelompok-simpanan-sukarela")).to_contain_text("Tersimpan")
    tx = _tx(page, "simpanan-februari", 2)
    tx.locator("[name='t2-akun']").first.fill("1-103")
    tx.locator("[name='t2-debit']").first.fill("240.000")
    tx.locator("[name='t2-debit']").first.press("Tab")  # change: sent now, not after the delay
    expect(_status(page, "simpanan-februari")).to_contain_text("Tersimpan")
    check_a11y(page)

    # On the server, not only on this device: forget the device's copy, then reload.
    assert _answers(live_db, attempt_id) == {
        "kelompok-simpanan-sukarela": choice_id,
        "simpanan-februari": {"2": [{"akun": "1-103", "debit": "240.000", "kredit": ""}]},
    }
    page.evaluate("localStorage.clear()")
    reload_page(page)
    expect(_question(page, "kelompok-simpanan-sukarela").get_by_label("Liabilitas")).to_be_checked()
    tx = _tx(page, "simpanan-februari", 2)
    expect(tx.locator("[name='t2-akun']").first).to_have_value("1-103")
    expect(tx.locator("[name='t2-debit']").first).to_have_value("240.000")
    expect(_status(page, "kelompok-simpanan-sukarela")).to_have_text("Tersimpan")
    expect(_status(page, "simpanan-februari")).to_have_text("Tersimpan")

    submit(page, page.get_by_role("button", name="Kirim jawaban"))
    expect(page).to_have_url(re.compile(rf"/percobaan/{attempt_id}/hasil$"))
    (attempt,) = _attempts(live_db, user, SIMPANAN)
    assert attempt.closed_by == "peserta" and attempt.percent is not None
    assert attempt.result and attempt.result["kelompok-simpanan-sukarela"]["skor"] > 0
    assert attempt.percent > 0
    expect(page.locator(".result .score strong")).to_have_text(_percent(attempt))
    expect(page.get_by_role("heading", name="Pembahasan", level=2)).to_be_visible()
    choice = _question(page, "kelompok-simpanan-sukarela")
    expect(choice.locator("li.is-chosen.is-right")).to_contain_text("Liabilitas")
    expect(choice.locator(".callout")).to_contain_text("Pembahasan")
    journal = _question(page, "simpanan-februari")
    expect(journal.locator("table").first).to_contain_text("1-103")
    expect(journal.locator("ul.feedback li").first).to_be_visible()  # what was wrong or missing
    assert _draft(page, attempt_id) == {}  # the result page forgot the device's copy


def test_the_answered_count_follows_each_saved_answer(page: Page) -> None:
    sign_in(page, "0812-1000-0036")
    _start(page, SIMPANAN)
    answered = page.locator("#answered")
    expect(answered).to_have_text("0 dari 8 soal terjawab")
    _choose(page, "kelompok-simpanan-sukarela", "Liabilitas")
    expect(_status(page, "kelompok-simpanan-sukarela")).to_contain_text("Tersimpan")
    check_a11y(page)
    expect(answered).to_have_text("1 dari 8 soal terjawab")
    _choose(page, "simpanan-pokok-ditarik", "Salah")
    expect(_status(page, "simpanan-pokok-ditarik")).to_contain_text("Tersimpan")
    check_a11y(page)
    expect(answered).to_have_text("2 dari 8 soal terjawab")
    reload_page(page)  # the server counts the same
    expect(answered).to_have_text("2 dari 8 soal terjawab")


def test_answers_given_offline_are_sent_when_the_signal_returns(
    page: Page, live_db: Engine
) -> None:
    sign_in(page, "0812-1000-0031")
    attempt_id = _start(page, TATA_KELOLA)
    given = {
        "milik-siapa": "Salah",
        "rat-sekali-setahun": "Benar",
        "unit-usaha-bertahap": "Salah",
    }
    page.context.set_offline(True)
    try:
        for qid, text in given.items():
            _choose(page, qid, text)
        for qid in given:
            expect(_status(page, qid)).to_contain_text(PENDING)
        expect(page.locator("#kirim .pending-note")).to_be_visible()
        check_a11y(page)
        assert _answers(live_db, attempt_id) == {}
        assert set(_draft(page, attempt_id)) == set(given)
    finally:
        page.context.set_offline(False)
    # The `online` event sends what waited on the device.
    for qid in given:
        expect(_status(page, qid)).to_contain_text("Tersimpan")
    expect(page.locator("#kirim .pending-note")).to_be_hidden()
    check_a11y(page)
    assert _answers(live_db, attempt_id) == {qid: text.lower() for qid, text in given.items()}
    assert _draft(page, attempt_id) == {}
    expect_offline_errors(page)


def test_answers_left_on_the_device_are_sent_when_the_attempt_is_opened_again(
    new_page: Callable[..., Page], live_db: Engine
) -> None:
    # Without the service worker: Playwright's offline emulation does not cover requests that go
    # through one (microsoft/playwright#2311). Tried on Chromium: closing the page while
    # "offline" then lets its failed saves reach the server after all, which no phone without a
    # signal would do. The quiz pages do not need the worker (it only keeps module pages).
    page = new_page(service_workers="block")
    sign_in(page, "0812-1000-0032")
    attempt_id = _start(page, SIMPANAN)
    page.context.set_offline(True)
    try:
        choice_id = _choose(page, "kelompok-simpanan-sukarela", "Liabilitas")
        tx = _tx(page, "pinjaman-pak-joko", 1)
        tx.get_by_role("button", name="Tambah baris").click()
        rows = [("1-121", "2.100.000", ""), ("", "", ""), ("1-103", "", "2.079.000")]
        rows.append(("4-202", "", "21.000"))  # the fourth row, added on this device
        for i, (akun, debit, kredit) in enumerate(rows):
            tx.locator("[name='t1-akun']").nth(i).fill(akun)
            tx.locator("[name='t1-debit']").nth(i).fill(debit)
            tx.locator("[name='t1-kredit']").nth(i).fill(kredit)
        tx.locator("[name='t1-kredit']").nth(3).press("Tab")
        expect(_status(page, "kelompok-simpanan-sukarela")).to_contain_text(PENDING)
        expect(_status(page, "pinjaman-pak-joko")).to_contain_text(PENDING)
        check_a11y(page)
        page.close()  # the phone's browser is closed while there is no signal
    finally:
        page.context.set_offline(False)
    assert _answers(live_db, attempt_id) == {}

    again = page.context.new_page()  # later, with a signal: the same device opens the attempt
    visit(again, f"/percobaan/{attempt_id}")
    expect(_status(again, "kelompok-simpanan-sukarela")).to_contain_text("Tersimpan")
    expect(_status(again, "pinjaman-pak-joko")).to_contain_text("Tersimpan")
    expect(
        _question(again, "kelompok-simpanan-sukarela").get_by_label("Liabilitas")
    ).to_be_checked()
    tx = _tx(again, "pinjaman-pak-joko", 1)
    expect(tx.locator("[name='t1-akun']")).to_have_count(4)
    expect(tx.locator("[name='t1-akun']").nth(3)).to_have_value("4-202")
    expect(tx.locator("[name='t1-kredit']").nth(3)).to_have_value("21.000")
    check_a11y(again)
    assert _answers(live_db, attempt_id) == {
        "kelompok-simpanan-sukarela": choice_id,
        "pinjaman-pak-joko": {
            "1": [
                {"akun": "1-121", "debit": "2.100.000", "kredit": ""},
                {"akun": "1-103", "debit": "", "kredit": "2.079.000"},
                {"akun": "4-202", "debit": "", "kredit": "21.000"},
            ]
        },
    }
    assert _draft(again, attempt_id) == {}


def test_a_double_submit_grades_the_attempt_once(page: Page, live_db: Engine) -> None:
    user = "0812-1000-0033"
    sign_in(page, user)
    attempt_id = _start(page, TATA_KELOLA)
    _choose(page, "milik-siapa", "Salah")
    expect(_status(page, "milik-siapa")).to_contain_text("Tersimpan")
    check_a11y(page)
    # The same attempt open in a second tab, left behind.
    other = page.context.new_page()
    visit(other, f"/percobaan/{attempt_id}")
    expect(_question(other, "milik-siapa").get_by_label("Salah", exact=True)).to_be_checked()

    posts: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(f"/percobaan/{attempt_id}/kirim"):
            posts.append(request.url)

    page.on("request", on_request)
    with page.expect_navigation(url=re.compile(rf"/percobaan/{attempt_id}/hasil$")):
        page.get_by_role("button", name="Kirim jawaban").dblclick()
    page.wait_for_load_state("load")
    check_a11y(page)
    assert len(posts) == 1, f"the double click sent {len(posts)} submissions"
    (first,) = _attempts(live_db, user, TATA_KELOLA)
    assert first.submitted_at is not None and first.graded_at is not None
    assert first.result and first.result["milik-siapa"]["skor"] == 1

    # The tab left behind submits too: it sees the same result, nothing is graded again.
    submit(other, other.get_by_role("button", name="Kirim jawaban"))
    expect(other).to_have_url(re.compile(rf"/percobaan/{attempt_id}/hasil$"))
    (again,) = _attempts(live_db, user, TATA_KELOLA)
    assert (again.submitted_at, again.graded_at, again.score) == (
        first.submitted_at,
        first.graded_at,
        first.score,
    )
    visit(page, TATA_KELOLA)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("dikirim")
    expect(rows.first.get_by_role("link")).to_have_text(re.compile(r"^\d+(,\d+)?$"))
    # Another try is offered (2 allowed), not a second graded copy of this one.
    expect(page.get_by_role("button", name="Mulai percobaan ke-2")).to_be_visible()


def test_journal_rows_can_be_added_and_hidden_when_no_entry_is_needed(
    page: Page, live_db: Engine
) -> None:
    sign_in(page, "0812-1000-0034")
    attempt_id = _start(page, SIMPANAN)
    tx = _tx(page, "simpanan-februari", 1)
    lines = tx.locator(".jline")
    expect(lines).to_have_count(3)
    tx.get_by_role("button", name="Tambah baris").click()
    expect(lines).to_have_count(4)
    expect(lines.nth(3).locator("[name='t1-akun']")).to_be_focused()
    expect(lines.nth(3).locator("input")).to_have_count(3)
    for field in lines.nth(3).locator("input").all():
        expect(field).to_have_value("")

    tx.get_by_label("Tidak perlu jurnal").check()
    expect(tx.locator(".txrows")).to_be_hidden()
    expect(_status(page, "simpanan-februari")).to_contain_text("Tersimpan")
    check_a11y(page)
    assert _answers(live_db, attempt_id) == {"simpanan-februari": {"1": "tidak_perlu_jurnal"}}
    # The other transactions keep their rows.
    expect(_tx(page, "simpanan-februari", 2).locator(".txrows")).to_be_visible()

    tx.get_by_label("Tidak perlu jurnal").uncheck()
    expect(tx.locator(".txrows")).to_be_visible()
    expect(lines).to_have_count(4)

    tx.get_by_label("Tidak perlu jurnal").check()
    expect(_status(page, "simpanan-februari")).to_contain_text("Tersimpan")
    check_a11y(page)
    reload_page(page)  # as saved: ticked, the rows hidden
    tx = _tx(page, "simpanan-februari", 1)
    expect(tx.get_by_label("Tidak perlu jurnal")).to_be_checked()
    expect(tx.locator(".txrows")).to_be_hidden()


def test_the_narasumber_sees_the_participant_in_results_and_settings(
    page: Page, new_page: Callable[..., Page], live_db: Engine
) -> None:
    user = "0812-1000-0035"
    name = _name(live_db, user)
    sign_in(page, user)
    _start(page, TATA_KELOLA)
    _choose(page, "rat-sekali-setahun", "Benar")
    expect(_status(page, "rat-sekali-setahun")).to_contain_text("Tersimpan")
    check_a11y(page)
    submit(page, page.get_by_role("button", name="Kirim jawaban"))
    (attempt,) = _attempts(live_db, user, TATA_KELOLA)
    percent = _percent(attempt)

    staff = new_page()
    sign_in(staff, NARASUMBER)
    visit(staff, f"{TATA_KELOLA}/hasil")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Hasil dan analisis soal")
    row = staff.locator("table tbody tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("1")
    expect(row.locator("td").nth(2)).to_have_text(percent)
    expect(row.locator("td").nth(3)).to_have_text("belum lulus")
    # Item analysis counts the participant's answer.
    # (questions are named by the start of their text)
    item = staff.locator("table tbody tr", has_text="Rapat Anggota Tahunan (RAT) adalah rapat")
    expect(item.locator("td").nth(1)).not_to_have_text("0")

    submit(staff, staff.get_by_role("link", name="Atur kuis"))
    expect(staff.get_by_role("heading", level=1)).to_have_text("Atur kuis")
    expect(staff.get_by_label("Kesempatan mengerjakan")).to_have_value("2")
    expect(staff.get_by_label("Urutan soal dan pilihan")).to_have_value("ya")
    # Saving unchanged settings leads back to the results, the participant still there.
    submit(staff, staff.get_by_role("button", name="Simpan pengaturan"))
    expect(staff).to_have_url(re.compile(r"/hasil\?disimpan=1$"))
    expect(staff.get_by_role("status")).to_contain_text("Pengaturan kuis disimpan")
    expect(staff.locator("table tbody tr", has_text=name)).to_have_count(1)
