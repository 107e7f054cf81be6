from __future__ import annotations

import datetime as dt

import pytest

from quizzes.ledger.chart import Chart, ChartError, load_default_chart
from quizzes.ledger.journal import (
    JournalEntry,
    JournalError,
    Ledger,
    Line,
    PostedEntry,
    format_tanggal,
)

from .conftest import DECEMBER, OPENING

D = dt.date
MID = D(2025, 12, 15)


def entry(*lines: Line, day: dt.date = MID) -> JournalEntry:
    return JournalEntry(day, "Contoh", lines)


def codes(ledger: Ledger, e: JournalEntry) -> list[str]:
    return [p.code for p in ledger.validate(e)]


def test_valid_entry_posts(empty_ledger: Ledger) -> None:
    e = entry(Line("1-102", debit=100_000), Line("4-101", credit=100_000))
    assert empty_ledger.validate(e) == []
    assert empty_ledger.post(e) == 1
    assert empty_ledger.post(e) == 2
    assert empty_ledger.balance("1-102") == 5_200_000
    assert empty_ledger.totals() == (200_000, 200_000)


@pytest.mark.parametrize(
    ("debit", "credit", "message"),
    [
        (100_000, 50_000, "Jurnal tidak seimbang: kredit kurang Rp50.000."),
        (50_000, 100_000, "Jurnal tidak seimbang: debit kurang Rp50.000."),
    ],
)
def test_unbalanced(empty_ledger: Ledger, debit: int, credit: int, message: str) -> None:
    e = entry(Line("1-102", debit=debit), Line("4-101", credit=credit))
    (problem,) = empty_ledger.validate(e)
    assert problem.code == "tidak_seimbang"
    assert problem.message == message
    assert problem.line_index is None
    with pytest.raises(JournalError) as info:
        empty_ledger.post(e)
    assert info.value.codes == ["tidak_seimbang"]
    assert str(info.value) == message
    assert empty_ledger.entries == ()


def test_split_lines_balance(empty_ledger: Ledger) -> None:
    e = entry(
        Line("1-103", debit=1_075_000),
        Line("1-121", credit=1_000_000),
        Line("4-201", credit=75_000),
    )
    assert empty_ledger.validate(e) == []


def test_unknown_account(empty_ledger: Ledger) -> None:
    e = entry(Line("1-102", debit=10), Line("9-999", credit=10))
    (problem,) = empty_ledger.validate(e)
    assert problem.code == "akun_tidak_dikenal"
    assert problem.line_index == 1
    assert problem.message == "Baris 2: kode akun 9-999 tidak ada di bagan akun."


def test_negative_amount(empty_ledger: Ledger) -> None:
    e = entry(Line("1-102", debit=-10), Line("4-101", credit=-10))
    problems = empty_ledger.validate(e)
    assert [(p.code, p.line_index) for p in problems] == [
        ("jumlah_negatif", 0),
        ("jumlah_negatif", 1),
    ]
    assert problems[0].message.startswith("Baris 1: jumlah tidak boleh negatif")


def test_zero_amount_line_with_neither(empty_ledger: Ledger) -> None:
    e = entry(Line("1-102", debit=10), Line("4-101", credit=10), Line("5-101"))
    (problem,) = empty_ledger.validate(e)
    assert problem.code == "jumlah_nol"
    assert problem.line_index == 2
    assert problem.message.startswith("Baris 3: baris belum diisi jumlah")


def test_debit_and_credit_on_one_line(empty_ledger: Ledger) -> None:
    e = entry(Line("1-102", debit=10, credit=10), Line("4-101", debit=0, credit=0))
    problems = empty_ledger.validate(e)
    assert [(p.code, p.line_index) for p in problems] == [
        ("debit_dan_kredit", 0),
        ("jumlah_nol", 1),
    ]
    assert "tidak keduanya" in problems[0].message


def test_float_amount_refused(empty_ledger: Ledger) -> None:
    e = entry(Line("1-102", debit=10.5), Line("4-101", credit=10))  # type: ignore[arg-type]
    assert "jumlah_bukan_rupiah" in codes(empty_ledger, e)


def test_empty_and_single_line_entries(empty_ledger: Ledger) -> None:
    assert codes(empty_ledger, entry()) == ["jurnal_kosong"]
    one = entry(Line("1-102", debit=10))
    assert codes(empty_ledger, one) == ["kurang_baris", "tidak_seimbang"]


@pytest.mark.parametrize("day", [D(2025, 11, 30), D(2026, 1, 1)])
def test_date_outside_period(empty_ledger: Ledger, day: dt.date) -> None:
    e = entry(Line("1-102", debit=10), Line("4-101", credit=10), day=day)
    (problem,) = empty_ledger.validate(e)
    assert problem.code == "di_luar_periode"
    assert format_tanggal(day) in problem.message
    assert "1 Desember 2025 sampai 31 Desember 2025" in problem.message


def test_several_problems_reported_together(empty_ledger: Ledger) -> None:
    e = entry(Line("8-888", debit=10), Line("4-101", credit=5), day=D(2024, 1, 1))
    assert codes(empty_ledger, e) == ["akun_tidak_dikenal", "tidak_seimbang", "di_luar_periode"]


def test_closed_period(empty_ledger: Ledger) -> None:
    ok = entry(Line("1-102", debit=10), Line("4-101", credit=10), day=D(2025, 12, 10))
    empty_ledger.post(ok)
    empty_ledger.close_period(D(2025, 12, 15))
    assert empty_ledger.closed_up_to == D(2025, 12, 15)
    for day in (D(2025, 12, 10), D(2025, 12, 15)):
        late = entry(Line("1-102", debit=10), Line("4-101", credit=10), day=day)
        with pytest.raises(JournalError) as info:
            empty_ledger.post(late)
        assert info.value.codes == ["periode_ditutup"]
        assert "sampai 15 Desember 2025 sudah ditutup" in str(info.value)
    after = entry(Line("1-102", debit=10), Line("4-101", credit=10), day=D(2025, 12, 16))
    assert empty_ledger.post(after) == 2
    with pytest.raises(JournalError, match="tidak dibuka kembali"):
        empty_ledger.close_period(D(2025, 12, 1))
    with pytest.raises(JournalError, match="di luar periode"):
        empty_ledger.close_period(D(2026, 1, 31))


def test_reverse_posts_mirror_and_keeps_original(empty_ledger: Ledger) -> None:
    wrong = entry(Line("5-103", debit=450_000), Line("1-103", credit=450_000))
    first = empty_ledger.post(wrong)
    second = empty_ledger.reverse(first, D(2025, 12, 16), "salah kas, seharusnya kas gerai")
    assert second == 2
    assert len(empty_ledger.entries) == 2
    mirror = empty_ledger.get(second)
    assert mirror.kind == "pembalik"
    assert mirror.reverses == first
    assert mirror.entry.lines == (
        Line("5-103", debit=0, credit=450_000),
        Line("1-103", debit=450_000, credit=0),
    )
    assert "Pembalikan jurnal nomor 1" in mirror.entry.description
    assert empty_ledger.reversed_by(first) == second
    assert empty_ledger.balance("1-103") == OPENING["1-103"]
    assert empty_ledger.balance("5-103") == 0
    assert empty_ledger.get(first).entry == wrong


def test_reverse_refusals(empty_ledger: Ledger) -> None:
    first = empty_ledger.post(entry(Line("1-102", debit=10), Line("4-101", credit=10)))
    with pytest.raises(JournalError) as info:
        empty_ledger.reverse(first, D(2025, 12, 14), " ")
    assert info.value.codes == ["alasan_kosong", "tanggal_pembalik"]
    with pytest.raises(JournalError, match=r"Jurnal nomor 99 tidak ada\."):
        empty_ledger.reverse(99, D(2025, 12, 20), "salah")
    second = empty_ledger.reverse(first, D(2025, 12, 20), "salah")
    with pytest.raises(JournalError) as info:
        empty_ledger.reverse(first, D(2025, 12, 21), "lagi")
    assert info.value.codes == ["sudah_dibalik"]
    with pytest.raises(JournalError) as info:
        empty_ledger.reverse(second, D(2025, 12, 21), "lagi")
    assert info.value.codes == ["membalik_pembalik"]
    empty_ledger.close_period(D(2025, 12, 25))
    third = empty_ledger.post(
        entry(Line("1-102", debit=10), Line("4-101", credit=10), day=D(2025, 12, 26))
    )
    empty_ledger.close_period(D(2025, 12, 27))
    with pytest.raises(JournalError) as info:
        empty_ledger.reverse(third, D(2025, 12, 27), "salah")
    assert info.value.codes == ["periode_ditutup"]
    assert empty_ledger.reverse(third, D(2025, 12, 28), "salah") == 4


def test_opening_balances_must_balance(chart: Chart) -> None:
    with pytest.raises(JournalError) as info:
        Ledger(chart, D(2025, 1, 1), D(2025, 12, 31), {"1-102": 100, "3-101": 60})
    assert info.value.codes == ["saldo_awal_tidak_seimbang"]
    assert str(info.value) == "Saldo awal tidak seimbang: kredit kurang Rp40."
    with pytest.raises(JournalError) as info:
        Ledger(chart, D(2025, 1, 1), D(2025, 12, 31), {"9-999": 100})
    assert info.value.codes == ["akun_tidak_dikenal"]
    # a contra account's opening balance is on its normal (credit) side
    ledger = Ledger(chart, D(2025, 1, 1), D(2025, 12, 31), {"1-201": 100, "1-202": 40, "3-101": 60})
    assert ledger.balance("1-202") == 40
    assert ledger.net_debit("1-202") == -40


def test_period_must_not_be_reversed(chart: Chart) -> None:
    with pytest.raises(JournalError, match="tidak boleh sebelum"):
        Ledger(chart, D(2025, 12, 31), D(2025, 1, 1))


def test_format_tanggal() -> None:
    assert format_tanggal(D(2025, 12, 31)) == "31 Desember 2025"
    assert format_tanggal(D(2026, 2, 1)) == "1 Februari 2026"


def test_posted_entries_are_ordinary_frozen_dataclasses(december: Ledger) -> None:
    import dataclasses

    posted = december.get(1)
    twin = PostedEntry(1, posted.entry, "umum")
    assert posted == twin
    assert hash(posted) == hash(twin)
    assert repr(posted) == repr(twin)
    assert dataclasses.replace(posted, kind="penutup").kind == "penutup"
    with pytest.raises(dataclasses.FrozenInstanceError):
        posted.kind = "penutup"  # type: ignore[misc]


def test_dated_questions_with_entries_posted_out_of_order(chart: Chart) -> None:
    ledger = Ledger(chart, D(2025, 12, 1), D(2025, 12, 31), OPENING)
    for day in (20, 5, 12, 5):
        ledger.post(
            entry(
                Line("1-102", debit=day * 1000),
                Line("4-101", credit=day * 1000),
                day=D(2025, 12, day),
            )
        )
    assert [p.id for p in ledger.entries_between()] == [2, 4, 3, 1]
    assert [p.id for p in ledger.entries_between(D(2025, 12, 6), D(2025, 12, 20))] == [3, 1]
    assert ledger.net_debit("1-102", D(2025, 12, 5)) == OPENING["1-102"] + 10_000
    assert ledger.net_debit("1-102", D(2025, 12, 19)) == OPENING["1-102"] + 22_000
    assert ledger.net_change("4-101", D(2025, 12, 6), D(2025, 12, 31)) == -32_000
    assert ledger.net_change("4-101", D(2025, 12, 21), D(2025, 12, 6)) == 0
    ledger.post(entry(Line("1-102", debit=1), Line("4-101", credit=1), day=D(2025, 12, 1)))
    assert [p.id for p, _ in ledger.postings("1-102")] == [5, 2, 4, 3, 1]
    first = ledger.reverse(3, D(2025, 12, 31), "salah")
    assert ledger.net_debit("1-102", exclude=("pembalik",)) == OPENING["1-102"] + 42_001
    assert ledger.net_debit("1-102") == OPENING["1-102"] + 30_001
    assert ledger.net_debit("1-102", exclude=("umum",)) == OPENING["1-102"] - 12_000
    assert ledger.net_debit("1-102", D(2025, 12, 30), exclude=("umum",)) == OPENING["1-102"]
    assert [p.id for p in ledger.entries_between(exclude=("umum",))] == [first]
    with pytest.raises(ChartError):
        ledger.net_debit("9-999")
    with pytest.raises(ChartError):
        ledger.postings("9-999")


def test_changing_the_chart_reindexes(december: Ledger) -> None:
    before = {a.code: december.balance(a.code) for a in december.chart}
    december.chart = load_default_chart(simpanan_as="liabilitas")
    assert {a.code: december.balance(a.code) for a in december.chart} == before
    assert december.chart.get("3-101").type.value == "liabilitas"
    assert december.totals() == (sum(e.total_debit for e in DECEMBER),) * 2
