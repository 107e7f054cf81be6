from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Jabatan, Role
from lms.practice.models import PracticeBook, PracticeEntry, PracticeLine
from quizzes.ledger.journal import JournalEntry
from quizzes.ledger.money import format_rupiah
from quizzes.ledger.scenario import bundled_scenarios, get_scenario
from tests.conftest import login, post
from tests.factories import KoperasiFactory, UserFactory

GERAI = "gerai-sembako-bulan-pertama"
HX = {"HX-Request": "true"}


def bendahara():  # type: ignore[no-untyped-def]
    return UserFactory.peserta(KoperasiFactory(), Jabatan.BENDAHARA)


def open_book(client, slug: str = GERAI) -> int:  # type: ignore[no-untyped-def]
    response = post(client, "/latihan", {"skenario": slug})
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/latihan/(\d+)", response.headers["location"])
    assert match
    return int(match.group(1))


def entry_form(entry: JournalEntry, kind: str = "umum", **extra: str) -> dict[str, str]:
    data = {
        "jenis": kind,
        "tanggal": entry.date.isoformat(),
        "keterangan": entry.description,
        "baris": str(len(entry.lines)),
        "basis": "0",
    }
    for i, line in enumerate(entry.lines):
        data[f"akun-{i}"] = line.account_code
        data[f"debit-{i}"] = format_rupiah(line.debit) if line.debit else ""
        data[f"kredit-{i}"] = format_rupiah(line.credit) if line.credit else ""
    data.update(extra)
    return data


def entries_of(db, book_id: int) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count(PracticeEntry.id)).where(PracticeEntry.book_id == book_id))


def test_the_practice_page_lists_the_scenarios(client):
    login(client, bendahara())
    page = client.get("/latihan")
    assert page.status_code == 200
    for scenario in bundled_scenarios().values():
        assert scenario.title in page.text
    for title in (
        "Bulan pertama gerai sembako",
        "Unit simpan pinjam: simpanan dan pinjaman anggota",
        "Tutup buku dan pembagian SHU",
    ):
        assert title in page.text


def test_an_unknown_scenario_is_refused_with_a_message(client, db):
    login(client, bendahara())
    response = post(client, "/latihan", {"skenario": "tidak-ada"})
    assert response.status_code == 400
    assert "Skenario latihan itu tidak ada" in response.text
    assert db.scalar(select(func.count(PracticeBook.id))) == 0


def test_posting_a_task_updates_the_books(client, db):
    user = bendahara()
    login(client, user)
    book_id = open_book(client)
    scenario = get_scenario(GERAI)
    page = client.get(f"/latihan/{book_id}")
    assert page.status_code == 200
    assert scenario.tasks[0].text in page.text
    assert 'list="daftar-akun"' in page.text and "1-102 Kas Gerai Sembako" in page.text
    task = scenario.tasks[0]
    response = post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer))
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    number = len(scenario.new_ledger().entries) + 1
    assert f"Jurnal nomor {number} dicatat." in page
    assert f"tercatat, jurnal no. {number}" in page
    rows = db.scalars(select(PracticeLine).join(PracticeEntry)).all()
    assert [(r.account_code, r.debit, r.credit) for r in rows] == [
        (ln.account_code, ln.debit, ln.credit) for ln in task.answer.lines
    ]


def test_an_htmx_post_swaps_the_workspace_and_clears_the_draft(client, db):
    login(client, bendahara())
    book_id = open_book(client)
    task = get_scenario(GERAI).tasks[0]
    response = post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer), headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="kerja">')
    assert "<html" not in response.text
    assert "draftClear" in response.headers["hx-trigger"]
    assert "Neraca saldo" in response.text and "Laporan hasil usaha" in response.text
    book = db.get(PracticeBook, book_id)
    db.refresh(book)
    assert book.draft is None and book.form_rev == book.draft_rev > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kredit-1": "Rp1"}, "kurang"),
        ({"akun-0": "1-999"}, "tidak ada di bagan akun"),
        ({"debit-0": "1,5 juta"}, "tanpa kata seperti"),
        ({"debit-0": "-5000"}, "tidak boleh negatif"),
        ({"tanggal": "2024-01-01"}, "di luar periode buku"),
        ({"tanggal": "kemarin"}, "tidak dikenali"),
        ({"keterangan": "  "}, "Tulis keterangan transaksi"),
        ({"akun-0": "kas"}, "cocok dengan beberapa akun"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client, db, change, message):
    login(client, bendahara())
    book_id = open_book(client)
    task = get_scenario(GERAI).tasks[0]
    data = entry_form(task.answer, **change)
    response = post(client, f"/latihan/{book_id}/jurnal", data)
    assert response.status_code == 400
    assert message in response.text
    assert "Jurnal belum dicatat." in response.text
    assert entries_of(db, book_id) == 0
    # What was typed is still in the form, and kept for a reload.
    typed = [v for v in change.values() if v.strip()]
    again = client.get(f"/latihan/{book_id}").text
    for value in typed:
        assert f'value="{value}"' in response.text
        assert f'value="{value}"' in again


def test_an_unbalanced_entry_says_which_side_is_short(client, db):
    login(client, bendahara())
    book_id = open_book(client)
    data = {
        "tanggal": get_scenario(GERAI).tasks[0].date.isoformat(),
        "keterangan": "Coba",
        "baris": "2",
        "akun-0": "1-102",
        "debit-0": "1.500.000",
        "akun-1": "Penjualan Gerai Sembako",
        "kredit-1": "1.000.000",
    }
    response = post(client, f"/latihan/{book_id}/jurnal", data, headers=HX)
    assert response.status_code == 400
    assert "Jurnal tidak seimbang: kredit kurang Rp500.000." in response.text
    assert entries_of(db, book_id) == 0


def test_the_running_difference_and_rows(client, db):
    login(client, bendahara())
    book_id = open_book(client)
    data = {
        "basis": "0",
        "baris": "2",
        "akun-0": "1-102",
        "debit-0": "1.500.000",
        "kredit-1": "1000000",
    }
    part = post(client, f"/latihan/{book_id}/draf", data, headers=HX)
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<p id="selisih"')
    assert "Selisih Rp500.000: kredit kurang" in part.text
    assert "draftSaved" in part.headers["hx-trigger"]
    more = post(client, f"/latihan/{book_id}/draf", {**data, "aksi": "tambah"}, headers=HX)
    assert 'name="akun-2"' in more.text and 'id="baris"' in more.text
    page = client.get(f"/latihan/{book_id}").text
    assert 'name="akun-2"' in page and 'value="1.500.000"' in page
    fewer = post(client, f"/latihan/{book_id}/draf", {**data, "baris": "3", "aksi": "hapus-0"})
    assert fewer.status_code == 303
    page = client.get(f"/latihan/{book_id}").text
    assert 'name="akun-2"' not in page and 'value="1.500.000"' not in page
    assert 'value="1000000"' in page


def test_a_late_save_from_an_emptied_form_is_ignored(client, db):
    login(client, bendahara())
    book_id = open_book(client)
    task = get_scenario(GERAI).tasks[0]
    post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer))
    stale = post(client, f"/latihan/{book_id}/draf", entry_form(task.answer), headers=HX)
    assert stale.status_code == 200
    book = db.get(PracticeBook, book_id)
    db.refresh(book)
    assert book.draft is None


def test_undo_by_reversal(client, db):
    login(client, bendahara())
    book_id = open_book(client)
    scenario = get_scenario(GERAI)
    given = len(scenario.new_ledger().entries)
    post(client, f"/latihan/{book_id}/jurnal", entry_form(scenario.tasks[0].answer))
    number = given + 1
    empty = post(client, f"/latihan/{book_id}/jurnal/{number}/balik", {"alasan": " "})
    assert empty.status_code == 400 and "Tuliskan alasan pembalikan jurnal." in empty.text
    done = post(client, f"/latihan/{book_id}/jurnal/{number}/balik", {"alasan": "salah akun"})
    assert done.status_code == 303
    page = client.get(f"/latihan/{book_id}").text
    assert f"dibalik oleh no. {number + 1}" in page
    assert "tercatat, jurnal no." not in page  # the reversed entry no longer records the task
    twice = post(client, f"/latihan/{book_id}/jurnal/{number}/balik", {"alasan": "lagi"})
    assert twice.status_code == 400 and "sudah dibalik" in twice.text
    assert entries_of(db, book_id) == 2
    if given:
        foreign = post(client, f"/latihan/{book_id}/jurnal/1/balik", {"alasan": "coba"})
        assert foreign.status_code == 400 and "bukan jurnal Anda" in foreign.text


def test_start_over_keeps_the_rows_but_empties_the_book(client, db):
    login(client, bendahara())
    book_id = open_book(client)
    task = get_scenario(GERAI).tasks[0]
    post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer))
    unconfirmed = post(client, f"/latihan/{book_id}/ulang", {})
    assert unconfirmed.status_code == 400 and "Centang kotak persetujuan" in unconfirmed.text
    assert "tercatat, jurnal no." in unconfirmed.text
    response = post(client, f"/latihan/{book_id}/ulang", {"yakin": "ya"})
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "kembali ke keadaan awal skenario" in page
    assert "tercatat, jurnal no." not in page
    assert entries_of(db, book_id) == 1  # kept, out of view
    again = post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer))
    assert again.status_code == 303


def test_another_persons_book_is_refused_and_unchanged(client, db):
    owner = bendahara()
    login(client, owner)
    book_id = open_book(client)
    task = get_scenario(GERAI).tasks[0]
    post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer))
    client.cookies.clear()
    login(client, UserFactory.peserta(KoperasiFactory(), Jabatan.KETUA))
    before = entries_of(db, book_id)
    attempts = [
        client.get(f"/latihan/{book_id}"),
        client.get(f"/latihan/{book_id}/ekspor.xlsx"),
        client.get(f"/latihan/{book_id}/ekspor.beancount"),
        post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer)),
        post(client, f"/latihan/{book_id}/draf", entry_form(task.answer)),
        post(client, f"/latihan/{book_id}/jurnal/{before}/balik", {"alasan": "iseng"}),
        post(client, f"/latihan/{book_id}/ulang", {"yakin": "ya"}),
    ]
    for response in attempts:
        assert response.status_code == 403, response.request.url
        assert "Bukan buku latihan Anda" in response.text
        assert task.text not in response.text
    book = db.get(PracticeBook, book_id)
    db.refresh(book)
    assert entries_of(db, book_id) == before and book.generation == 1 and book.draft is None
    assert client.get("/latihan/999999").status_code == 404


def test_staff_can_practise_too(client):
    login(client, UserFactory.staff(Role.NARASUMBER))
    book_id = open_book(client)
    assert client.get(f"/latihan/{book_id}").status_code == 200


@pytest.mark.parametrize("slug", sorted(bundled_scenarios()))
def test_the_answer_key_posted_in_the_browser_passes_every_check(client, slug):
    login(client, bendahara())
    book_id = open_book(client, slug)
    scenario = get_scenario(slug)
    for task in scenario.tasks:
        response = post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer, task.kind))
        assert response.status_code == 303, (task.number, response.text[-2000:])
    page = client.get(f"/latihan/{book_id}").text
    total = len(scenario.assertions)
    assert f"{total} dari {total} saldo sudah sesuai" in page
    count = len(scenario.tasks)
    assert f"{count} dari {count} transaksi sudah tercatat dengan benar." in page
    assert "Jumlah debit sama dengan jumlah kredit." in page
    if scenario.members:
        assert "SHU per anggota" in page


def test_exports_are_the_books(client):
    openpyxl = pytest.importorskip("openpyxl")
    from beancount import loader

    login(client, bendahara())
    book_id = open_book(client)
    scenario = get_scenario(GERAI)
    for task in scenario.tasks[:3]:
        post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer))
    xlsx = client.get(f"/latihan/{book_id}/ekspor.xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "Neraca Saldo" in workbook.sheetnames
    text = client.get(f"/latihan/{book_id}/ekspor.beancount")
    assert text.status_code == 200
    entries, errors, _ = loader.load_string(text.text)
    assert errors == []
    assert entries


def test_list_pages_do_not_grow_queries_with_books_or_entries(client, db, count_queries):
    login(client, bendahara())
    task = get_scenario(GERAI).tasks[0]
    book_id = open_book(client)
    client.get("/latihan")
    count_queries.statements.clear()
    client.get("/latihan")
    one = count_queries.count
    client.get(f"/latihan/{book_id}")
    count_queries.statements.clear()
    client.get(f"/latihan/{book_id}")
    empty_book = count_queries.count
    for _ in range(3):
        open_book(client)
    for _ in range(4):
        post(client, f"/latihan/{book_id}/jurnal", entry_form(task.answer))
    count_queries.statements.clear()
    client.get("/latihan")
    assert count_queries.count == one
    count_queries.statements.clear()
    client.get(f"/latihan/{book_id}")
    assert count_queries.count == empty_book + 1  # the lines of the entries, in one query
