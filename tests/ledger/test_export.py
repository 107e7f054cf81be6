"""Exports: beancount text that beancount itself loads and checks, and the Excel workbook."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from beancount import loader
from beancount.core import account as bc_account
from beancount.core import data as bc_data
from beancount.core import realization
from hypothesis import given, settings
from openpyxl import load_workbook

from quizzes.ledger.chart import Account, AccountType, Chart, load_default_chart
from quizzes.ledger.export import account_names, to_beancount, to_xlsx
from quizzes.ledger.journal import JournalEntry, Ledger, Line
from quizzes.ledger.reports import (
    laporan_hasil_usaha,
    laporan_posisi_keuangan,
    neraca_saldo,
    tutup_buku,
)

from .test_properties import CHART, START, mixed_actions

D = dt.date
END = D(2025, 12, 31)
TITLE = 'Latihan "Desember" \\ Ranca Lestari'


@pytest.fixture
def book(december: Ledger) -> Ledger:
    """The December fixture with a reversal and the closing entries."""
    december.reverse(6, D(2025, 12, 29), "salah akun, seharusnya kas kantor")
    december.post(
        JournalEntry(
            D(2025, 12, 29),
            "Listrik gerai dibayar dari kas kantor",
            (Line("5-103", debit=450_000), Line("1-101", credit=450_000)),
        )
    )
    tutup_buku(december, END)
    assert [p.kind for p in december.entries].count("penutup") == 2
    return december


def _load(text: str) -> tuple[list[bc_data.Directive], list[object], dict[str, object]]:
    entries, errors, options = loader.load_string(text)
    return entries, errors, options


# ---------------------------------------------------------------------- beancount


def test_account_names_follow_beancount_rules(chart: Chart) -> None:
    names = account_names(chart)
    assert names["1-101"] == "Assets:1-101-Kas-Kantor"
    assert names["1-202"] == "Assets:1-202-Akumulasi-Penyusutan-Peralatan-Gerai"
    assert names["2-203"] == "Liabilities:2-203-Utang-Dana-Bergulir-LPDB-KUMKM"
    assert names["3-401"] == "Equity:3-401-SHU-Tahun-Berjalan"
    assert names["4-901"] == "Income:4-901-Pendapatan-Lain-lain"
    assert names["5-902"] == "Expenses:5-902-Beban-Pajak-Penghasilan"
    assert len(set(names.values())) == len(chart)
    assert all(bc_account.is_valid(name) for name in names.values())
    moved = account_names(load_default_chart(simpanan_as="liabilitas"))
    assert moved["3-101"] == "Liabilities:3-101-Simpanan-Pokok"


def test_odd_names_are_folded_and_kept_in_metadata(chart: Chart) -> None:
    odd = chart.with_overrides(
        [
            Account("1-101", 'Kas "Kecil" \\ Désa Ñ', AccountType.ASET),
            Account("kas.b", "  ølah—raga ", AccountType.ASET),
            Account("kas b", "ølah raga", AccountType.ASET),
            Account("1-999", "!!!", AccountType.ASET),
        ]
    )
    names = account_names(odd)
    assert names["1-101"] == "Assets:1-101-Kas-Kecil-Desa-N"
    # the chart is in code order: "kas b" comes first and keeps the plain name
    assert names["kas b"] == "Assets:Kas-b-olah-raga"
    assert names["kas.b"] == "Assets:Kas-b-olah-raga-2"
    assert names["1-999"] == "Assets:1-999"
    assert all(bc_account.is_valid(name) for name in names.values())
    ledger = Ledger(odd, D(2025, 1, 1), END, {"1-101": 10, "3-101": 10})
    ledger.post(
        JournalEntry(
            D(2025, 3, 1),
            'Beli "ATK" di toko \\ pasar\nbaris kedua',
            (Line("kas.b", debit=3), Line("1-101", credit=3)),
        )
    )
    entries, errors, options = _load(to_beancount(ledger, title=TITLE))
    assert errors == []
    assert options["title"] == TITLE
    opens = {e.account: e.meta["name"] for e in entries if isinstance(e, bc_data.Open)}
    assert opens[names["1-101"]] == 'Kas "Kecil" \\ Désa Ñ'
    (posted,) = [e for e in entries if isinstance(e, bc_data.Transaction) and "nomor" in e.meta]
    assert posted.narration == 'Beli "ATK" di toko \\ pasar\nbaris kedua'


def test_beancount_loads_the_books_without_errors(book: Ledger) -> None:
    text = to_beancount(book, title=TITLE)
    entries, errors, options = _load(text)
    assert errors == []
    assert options["title"] == TITLE
    assert options["operating_currency"] == ["IDR"]
    opens = [e for e in entries if isinstance(e, bc_data.Open)]
    assert len(opens) == len(book.chart)
    assert {e.date for e in opens} == {book.period_start}
    transactions = [e for e in entries if isinstance(e, bc_data.Transaction)]
    assert transactions[0].narration == "Saldo awal"
    assert transactions[0].date == book.period_start
    by_number = {int(t.meta["nomor"]): t for t in transactions[1:]}
    assert sorted(by_number) == [p.id for p in book.entries]
    for posted in book.entries:
        txn = by_number[posted.id]
        assert txn.flag == "*"
        assert txn.date == posted.entry.date
        assert txn.narration == posted.entry.description
        assert [(p.units.number, p.units.currency) for p in txn.postings] == [
            (line.debit - line.credit, "IDR") for line in posted.entry.lines
        ]
    reversal = by_number[book.reversed_by(6) or 0]
    assert int(reversal.meta["membalik"]) == 6
    assert "membalik" not in by_number[6].meta
    balances = [e for e in entries if isinstance(e, bc_data.Balance)]
    # period_end is 31 December: the assertions fall on 1 January of the next year
    assert {e.date for e in balances} == {D(2026, 1, 1)}
    assert len(balances) == len(book.chart)


def test_beancount_balances_equal_the_engine(book: Ledger) -> None:
    names = account_names(book.chart)
    entries, errors, _ = _load(to_beancount(book, title=TITLE))
    assert errors == []
    real = realization.realize(entries)
    for account in book.chart:
        node = realization.get(real, names[account.code])
        assert node is not None
        number = node.balance.get_currency_units("IDR").number
        assert number == book.net_debit(account.code), account.code
    # the same from the postings themselves
    sums: dict[str, int] = {}
    for entry in entries:
        if isinstance(entry, bc_data.Transaction):
            for posting in entry.postings:
                sums[posting.account] = sums.get(posting.account, 0) + int(posting.units.number)
    for account in book.chart:
        assert sums.get(names[account.code], 0) == book.net_debit(account.code)
    # pendapatan and beban are closed: their balances are zero, SHU tahun berjalan holds it
    assert sums[names["4-101"]] == 0
    assert -sums[names["3-401"]] == laporan_hasil_usaha(book).shu_sesudah_pajak


def test_a_wrong_balance_is_reported_by_beancount(book: Ledger) -> None:
    names = account_names(book.chart)
    text = to_beancount(book, title=TITLE)
    kas = book.net_debit("1-102")
    line = next(ln for ln in text.splitlines() if " balance " + names["1-102"] + " " in ln)
    assert line.split()[-2] == str(kas)
    wrong = text.replace(line, line.replace(f" {kas} IDR", f" {kas + 1} IDR"))
    _, errors, _ = _load(wrong)
    assert len(errors) == 1
    assert "Balance failed" in errors[0].message
    assert names["1-102"] in errors[0].message
    # an amount changed in a transaction (still balanced) breaks two assertions
    tampered = text.replace("  450000 IDR\n", "  450001 IDR\n", 1).replace(
        " -450000 IDR\n", " -450001 IDR\n", 1
    )
    assert tampered != text
    _, errors, _ = _load(tampered)
    assert len(errors) == 2
    assert all("Balance failed" in e.message for e in errors)


def test_beancount_without_opening_balances(chart: Chart) -> None:
    ledger = Ledger(chart, D(2024, 7, 1), D(2025, 6, 30))
    text = to_beancount(ledger, title="Kosong")
    assert "Saldo awal" not in text
    entries, errors, _ = _load(text)
    assert errors == []
    assert {e.date for e in entries if isinstance(e, bc_data.Balance)} == {D(2025, 7, 1)}


# ---------------------------------------------------------------------- xlsx


def _rows(sheet: object) -> list[tuple[object, ...]]:
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]  # type: ignore[attr-defined]


def _find(sheet: object, column: int, text: str) -> tuple[object, ...]:
    (row,) = [row for row in sheet.iter_rows() if row[column].value == text]  # type: ignore[attr-defined]
    return tuple(row)


def test_xlsx_workbook(book: Ledger) -> None:
    data = to_xlsx(book, title="Latihan Desember", koperasi="Koperasi Ranca Lestari")
    assert data[:2] == b"PK"
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [
        "Jurnal Umum",
        "Buku Besar",
        "Neraca Saldo",
        "Posisi Keuangan",
        "Hasil Usaha",
    ]
    tb = neraca_saldo(book)
    sheet = workbook["Neraca Saldo"]
    assert sheet["A1"].value == "Koperasi Ranca Lestari"
    assert sheet["A2"].value == "Neraca Saldo"
    assert sheet["A3"].value == "Per 31 Desember 2025"
    header = _find(sheet, 0, "Kode")
    assert [c.value for c in header] == ["Kode", "Nama Akun", "Debit", "Kredit"]
    assert all(c.font.bold for c in header)
    total = _find(sheet, 1, "Jumlah")
    assert (total[2].value, total[3].value) == (tb.total_debit, tb.total_credit)
    assert type(total[2].value) is int
    assert total[2].number_format == "#,##0"
    kas = _find(sheet, 0, "1-102")
    assert (kas[2].value, kas[3].value) == (book.net_debit("1-102"), None)
    assert sheet.column_dimensions["B"].width >= 30

    sheet = workbook["Jurnal Umum"]
    header = _find(sheet, 0, "No")
    assert [c.value for c in header] == [
        "No",
        "Tanggal",
        "Keterangan",
        "Akun",
        "Debit",
        "Kredit",
        "Catatan",
    ]
    numbered = [row for row in sheet.iter_rows() if type(row[0].value) is int]
    assert [row[0].value for row in numbered] == [p.id for p in book.entries_between()]
    for row in numbered:
        assert isinstance(row[1].value, dt.datetime)
        assert row[1].number_format == "dd/mm/yyyy"
    first = numbered[0]
    assert first[1].value.date() == D(2025, 12, 2)
    assert (first[4].value, first[4].number_format) == (8_000_000, "#,##0")
    reversal = book.reversed_by(6)
    notes = {row[0].value: row[6].value for row in numbered}
    assert notes[6] == f"Dibalik oleh jurnal nomor {reversal}"
    assert notes[reversal] == "Jurnal pembalik atas jurnal nomor 6"
    assert notes[1] is None
    assert list(notes.values()).count("Jurnal penutup") == 2
    total = _find(sheet, 3, "Jumlah")
    assert (total[4].value, total[5].value) == book.totals()

    sheet = workbook["Buku Besar"]
    closing: dict[object, object] = {}
    current = None
    for row in _rows(sheet):
        if isinstance(row[5], str) and row[5].startswith("Saldo normal"):
            current = row[0]
        elif row[2] == "Saldo akhir":
            closing[current] = row[5]
    assert closing["1-102 Kas Gerai Sembako"] == book.balance("1-102")
    assert closing["1-202 Akumulasi Penyusutan Peralatan Gerai"] == 200_000
    assert closing["4-101 Penjualan Gerai Sembako"] == 0
    assert "1-104 Bank" not in closing  # no opening balance, no entries

    lpk = laporan_posisi_keuangan(book)
    sheet = workbook["Posisi Keuangan"]
    assert _find(sheet, 0, "Jumlah Aset")[1].value == lpk.total_aset
    assert _find(sheet, 0, "Jumlah Liabilitas dan Ekuitas")[1].value == lpk.total_aset
    assert _find(sheet, 0, "1-202 Akumulasi Penyusutan Peralatan Gerai")[1].value == -200_000

    lhu = laporan_hasil_usaha(book)
    sheet = workbook["Hasil Usaha"]
    assert sheet["A3"].value == "Periode 1 Desember 2025 s.d. 31 Desember 2025"
    assert _find(sheet, 0, "SHU Sebelum Pajak")[1].value == lhu.shu_sebelum_pajak
    assert _find(sheet, 0, "SHU Sesudah Pajak")[1].value == lhu.shu_sesudah_pajak == 832_500
    assert _find(sheet, 0, "5-902 Beban Pajak Penghasilan")[1].value == 92_500


def test_xlsx_without_koperasi_starts_with_the_title(empty_ledger: Ledger) -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(empty_ledger, title="Buku kosong")))
    sheet = workbook["Jurnal Umum"]
    assert [sheet["A1"].value, sheet["A2"].value] == ["Buku kosong", "Jurnal Umum"]
    assert _find(sheet, 3, "Jumlah")[4].value == 0
    assert workbook.properties.title == "Buku kosong"


def test_xlsx_text_is_never_a_formula(empty_ledger: Ledger) -> None:
    empty_ledger.post(
        JournalEntry(
            D(2025, 12, 3),
            '=HYPERLINK("http://contoh.test","klik")',
            (Line("1-102", debit=10), Line("4-101", credit=10)),
        )
    )
    data = to_xlsx(empty_ledger, title="=1+1", koperasi="Koperasi")
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    described = _find(workbook["Jurnal Umum"], 0, 1)
    assert described[2].value == '=HYPERLINK("http://contoh.test","klik")'
    assert described[2].data_type == "s"


def test_exports_import_neither_openpyxl_nor_beancount() -> None:
    """The web worker imports this module; the heavy libraries load only when used."""
    code = (
        "import sys, quizzes.ledger.export\n"
        "assert 'openpyxl' not in sys.modules\n"
        "assert 'beancount' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@settings(max_examples=25, deadline=None, database=None)
@given(mixed_actions)
def test_beancount_agrees_on_any_books(steps: list[tuple[str, object]]) -> None:
    ledger = Ledger(CHART, START, END, {"1-104": 50_000_000, "1-202": 1_000, "3-101": 49_999_000})
    for kind, payload in steps:
        if kind == "post":
            assert isinstance(payload, JournalEntry)
            ledger.post(payload)
        elif kind == "reverse":
            assert isinstance(payload, tuple)
            entry_id, later = payload
            if (
                entry_id <= len(ledger.entries)
                and ledger.get(entry_id).kind != "pembalik"
                and ledger.reversed_by(entry_id) is None
            ):
                on = min(END, ledger.get(entry_id).entry.date + dt.timedelta(days=later))
                ledger.reverse(entry_id, on, 'koreksi "salah"')
        elif kind == "close":
            assert isinstance(payload, dt.date)
            tutup_buku(ledger, payload)
    entries, errors, _ = _load(to_beancount(ledger, title="Acak"))
    assert errors == []
    real = realization.realize(entries)
    names = account_names(CHART)
    for account in CHART:
        node = realization.get(real, names[account.code])
        assert node.balance.get_currency_units("IDR").number == ledger.net_debit(account.code)


def test_a_ledger_survives_the_trip_to_another_process_exactly():
    import json
    import subprocess
    import sys

    from quizzes.ledger.export import ledger_from_data, ledger_to_data
    from quizzes.ledger.scenario import bundled_scenarios

    for scenario in bundled_scenarios().values():
        ledger = scenario.answer_ledger()
        ledger.reverse(len(ledger.entries), ledger.period_end, "uji")
        data = json.loads(json.dumps(ledger_to_data(ledger)))
        again = ledger_from_data(data)
        assert again.entries == ledger.entries
        assert [again.net_debit(a.code) for a in again.chart] == [
            ledger.net_debit(a.code) for a in ledger.chart
        ]
        assert list(again.chart) == list(ledger.chart)
    request = {"ledger": data, "title": "Uji", "koperasi": "Koperasi Uji"}
    done = subprocess.run(
        [sys.executable, "-m", "quizzes.ledger.export", "xlsx"],
        input=json.dumps(request).encode(),
        capture_output=True,
        check=True,
    )
    assert done.stdout[:2] == b"PK"  # a zip: the workbook
