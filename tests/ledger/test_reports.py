from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from quizzes.ledger.chart import Chart, load_default_chart
from quizzes.ledger.journal import JournalEntry, JournalError, Ledger, Line
from quizzes.ledger.reports import (
    Assertion,
    Member,
    ShuError,
    alokasi_shu,
    bagi_sisa_terbesar,
    buku_besar,
    jurnal_penutup,
    laporan_hasil_usaha,
    laporan_posisi_keuangan,
    neraca_saldo,
    periksa_saldo,
    shu_anggota,
    shu_anggota_dari_pool,
    tutup_buku,
)

D = dt.date
END = D(2025, 12, 31)


def test_buku_besar_running_balance(december: Ledger) -> None:
    kas = buku_besar(december, "1-102")
    assert kas.account.name == "Kas Gerai Sembako"
    assert kas.opening == 5_000_000
    assert [(r.entry_id, r.debit, r.credit, r.balance) for r in kas.rows] == [
        (1, 8_000_000, 0, 13_000_000),
        (6, 0, 450_000, 12_550_000),
    ]
    assert kas.closing == 12_550_000
    akum = buku_besar(december, "1-202")  # contra: balance on the credit side, positive
    assert [r.balance for r in akum.rows] == [200_000]
    usp = buku_besar(december, "1-103", start=D(2025, 12, 6), end=D(2025, 12, 15))
    assert usp.opening == 15_000_000
    assert [r.balance for r in usp.rows] == [15_500_000]
    assert buku_besar(december, "1-104").closing == 0


def test_neraca_saldo(december: Ledger) -> None:
    tb = neraca_saldo(december, END)
    assert tb.is_balanced
    assert tb.total_debit == tb.total_credit == 55_867_500
    rows = {r.account.code: (r.debit, r.credit) for r in tb.rows}
    assert rows["1-102"] == (12_550_000, 0)
    assert rows["1-103"] == (16_575_000, 0)
    assert rows["1-202"] == (0, 200_000)
    assert rows["3-102"] == (0, 17_500_000)
    assert rows["4-201"] == (0, 75_000)
    assert "1-104" not in rows
    assert len(neraca_saldo(december, include_zero=True).rows) == len(december.chart)
    early = neraca_saldo(december, D(2025, 12, 3))
    assert early.is_balanced
    assert early.total_debit == 47_000_000 + 8_000_000


def test_laporan_posisi_keuangan(december: Ledger) -> None:
    lpk = laporan_posisi_keuangan(december, END)
    assert lpk.total_aset == 48_425_000
    assert lpk.total_liabilitas == 92_500
    assert lpk.total_ekuitas == 48_332_500
    assert lpk.shu_belum_ditutup == 832_500
    assert lpk.is_balanced
    aset = {line.account.code: line.amount for line in lpk.aset if line.account}
    assert aset["1-202"] == -200_000  # contra shown as a deduction
    ekuitas = {line.account.code: line.amount for line in lpk.ekuitas if line.account}
    assert ekuitas["3-401"] == 832_500


def test_simpanan_as_liabilitas_moves_only_the_presentation() -> None:
    from .conftest import DECEMBER, OPENING

    chart = load_default_chart(simpanan_as="liabilitas")
    ledger = Ledger(chart, D(2025, 12, 1), END, OPENING)
    for entry in DECEMBER:
        ledger.post(entry)
    lpk = laporan_posisi_keuangan(ledger, END)
    assert lpk.total_liabilitas == 92_500 + 47_500_000
    assert lpk.total_ekuitas == 832_500
    assert lpk.is_balanced


def test_laporan_hasil_usaha(december: Ledger) -> None:
    lhu = laporan_hasil_usaha(december)
    assert lhu.total_pendapatan == 8_075_000
    assert [(line.account.code, line.amount) for line in lhu.beban if line.account] == [
        ("5-101", 6_500_000),
        ("5-103", 450_000),
        ("5-104", 200_000),
    ]
    assert lhu.shu_sebelum_pajak == 925_000
    assert lhu.total_pajak == 92_500
    assert lhu.shu_sesudah_pajak == 832_500
    no_tax_line = laporan_hasil_usaha(december, tax_accounts=[])
    assert no_tax_line.shu_sebelum_pajak == no_tax_line.shu_sesudah_pajak == 832_500
    first_week = laporan_hasil_usaha(december, D(2025, 12, 1), D(2025, 12, 7))
    assert first_week.shu_sesudah_pajak == 1_500_000


def test_closing_entries_and_after(december: Ledger) -> None:
    entries = jurnal_penutup(december, END)
    assert [e.lines for e in entries] == [
        (
            Line("4-101", debit=8_000_000),
            Line("4-201", debit=75_000),
            Line("3-401", credit=8_075_000),
        ),
        (
            Line("3-401", debit=7_242_500),
            Line("5-101", credit=6_500_000),
            Line("5-103", credit=450_000),
            Line("5-104", credit=200_000),
            Line("5-902", credit=92_500),
        ),
    ]
    ids = tutup_buku(december, END, kunci=True)
    assert ids == [9, 10]
    assert all(december.get(i).kind == "penutup" for i in ids)
    for account in december.chart:
        if account.type.value in ("pendapatan", "beban"):
            assert december.balance(account.code) == 0
    assert december.balance("3-401") == 832_500
    tb = neraca_saldo(december)
    assert tb.is_balanced
    assert tb.total_debit == 48_625_000
    lpk = laporan_posisi_keuangan(december)
    assert lpk.shu_belum_ditutup == 0
    assert lpk.is_balanced
    assert laporan_hasil_usaha(december).shu_sesudah_pajak == 832_500  # closing ignored
    assert jurnal_penutup(december, END) == []
    with pytest.raises(JournalError) as info:
        december.post(
            JournalEntry(END, "Terlambat", (Line("1-102", debit=1), Line("4-101", credit=1)))
        )
    assert info.value.codes == ["periode_ditutup"]


# The course's tutup-buku example (Pembukuan, Modul 7): balances before closing.
COURSE_BEFORE_CLOSING = {
    "1-102": 2_464_500,
    "1-103": 10_739_000,
    "1-104": 22_010_000,
    "1-111": 800_000,
    "1-121": 14_850_000,
    "1-122": 148_500,
    "1-131": 6_300_000,
    "1-201": 12_000_000,
    "1-202": 200_000,
    "2-101": 10_000_000,
    "2-102": 7_815_000,
    "2-104": 240_000,
    "3-101": 30_500_000,
    "3-102": 18_100_000,
    "4-101": 47_000_000,
    "4-201": 189_000,
    "4-901": 25_000,
    "5-101": 40_700_000,
    "5-102": 3_000_000,
    "5-103": 450_000,
    "5-104": 200_000,
    "5-201": 15_000,
    "5-202": 148_500,
    "5-801": 285_500,
    "5-901": 15_000,
    "5-902": 240_000,
}


def test_course_closing_example(chart: Chart) -> None:
    ledger = Ledger(chart, D(2025, 1, 1), END, COURSE_BEFORE_CLOSING)
    lhu = laporan_hasil_usaha(ledger)
    assert lhu.total_pendapatan == 47_214_000
    assert lhu.total_beban + lhu.total_pajak == 45_054_000
    assert lhu.shu_sesudah_pajak == 2_160_000
    revenue, expenses = jurnal_penutup(ledger, END)
    assert revenue.lines[-1] == Line("3-401", credit=47_214_000)
    assert expenses.lines[0] == Line("3-401", debit=45_054_000)
    tutup_buku(ledger, END)
    tb = neraca_saldo(ledger)
    assert tb.total_debit == tb.total_credit == 69_163_500
    assert ledger.balance("3-401") == 2_160_000
    allocation = alokasi_shu(
        ledger.balance("3-401"),
        {
            "Dana cadangan": 30,
            "Jasa modal anggota": 20,
            "Jasa usaha anggota": 25,
            "Dana pengurus dan pengawas": 10,
            "Dana pendidikan": 5,
            "Dana sosial": 5,
            "Dana pembangunan daerah kerja": 5,
        },
    )
    assert list(allocation.values()) == [
        648_000,
        432_000,
        540_000,
        216_000,
        108_000,
        108_000,
        108_000,
    ]


def test_facts_shu_example() -> None:
    sari = Member("007", "Bu Sari", simpanan=2_000_000, transaksi=5_000_000)
    others = Member("001", "Anggota lain", simpanan=98_000_000, transaksi=70_000_000)
    result = shu_anggota([others, sari], shu=60_000_000, persen_jasa_modal=20, persen_jasa_usaha=25)
    assert result.pool_jasa_modal == 12_000_000
    assert result.pool_jasa_usaha == 15_000_000
    share = result.for_member("007")
    assert share.jasa_modal == 240_000
    assert share.jasa_usaha == 1_000_000
    assert share.total == 1_240_000
    assert result.total_jasa_modal == 12_000_000
    assert result.total_jasa_usaha == 15_000_000
    with pytest.raises(ShuError, match="tidak ada"):
        result.for_member("999")


def test_largest_remainder_course_example() -> None:
    assert bagi_sisa_terbesar(100_000, [2_000_000, 2_500_000, 5_000_000]) == [
        21_053,
        26_316,
        52_631,
    ]


def test_largest_remainder_ties_go_to_member_order() -> None:
    assert bagi_sisa_terbesar(100, [1, 1, 1]) == [34, 33, 33]
    assert bagi_sisa_terbesar(2, [1, 1, 1]) == [1, 1, 0]
    assert bagi_sisa_terbesar(0, [0, 0]) == [0, 0]
    members = [Member(str(i), f"Anggota {i}", 1, 1) for i in range(1, 4)]
    result = shu_anggota_dari_pool(members, 100, 1)
    assert [s.jasa_modal for s in result.shares] == [34, 33, 33]
    assert [s.jasa_usaha for s in result.shares] == [1, 0, 0]
    assert result.shares[0].jasa_modal_persis == Fraction(100, 3)


def test_pak_slamet_fraction() -> None:
    # Modul 7: JMA Pak Slamet = 160.000 / 48.600.000 x 432.000 = Rp1.422,22
    others = Member("002", "Anggota lain", 48_600_000 - 160_000, 0)
    slamet = Member("001", "Pak Slamet", 160_000, 0)
    result = shu_anggota_dari_pool([slamet, others], 432_000, 0)
    assert result.shares[0].jasa_modal == 1_422
    assert result.total_jasa_modal == 432_000


@pytest.mark.parametrize(
    ("persen", "shown"),
    [
        ({"Dana cadangan": 30, "Jasa anggota": 60}, "90%"),
        ({"Dana cadangan": 40, "Jasa anggota": 70}, "110%"),
        ({"a": Decimal("33.3"), "b": Decimal("33.3"), "c": Decimal("33.3")}, "99,9%"),
    ],
)
def test_allocation_must_total_100(persen: dict[str, int | Decimal], shown: str) -> None:
    with pytest.raises(ShuError) as info:
        alokasi_shu(1_000_000, persen)
    assert str(info.value).startswith(
        f"Jumlah persentase pembagian SHU {shown}, seharusnya tepat 100%."
    )


def test_allocation_exact_percent_types_and_refusals() -> None:
    third = Fraction(100, 3)
    assert alokasi_shu(100, {"a": third, "b": third, "c": third}) == {"a": 34, "b": 33, "c": 33}
    assert alokasi_shu(1_000, {"a": Decimal("62.5"), "b": Decimal("37.5")}) == {
        "a": 625,
        "b": 375,
    }
    with pytest.raises(ShuError, match="angka persis"):
        alokasi_shu(100, {"a": 50.0, "b": 50})  # type: ignore[dict-item]
    with pytest.raises(ShuError, match="negatif"):
        alokasi_shu(100, {"a": 150, "b": -50})
    with pytest.raises(ShuError, match="rugi"):
        alokasi_shu(-1, {"a": 100})


def test_member_shu_refusals() -> None:
    with pytest.raises(ShuError, match="lebih dari sekali"):
        shu_anggota_dari_pool([Member("1", "A", 1, 1), Member("1", "B", 1, 1)], 10, 10)
    with pytest.raises(ShuError, match="tidak boleh negatif"):
        shu_anggota_dari_pool([Member("1", "A", -1, 1)], 10, 10)
    with pytest.raises(ShuError, match="nol"):
        shu_anggota_dari_pool([Member("1", "A", 0, 1)], 10, 10)
    with pytest.raises(ShuError, match="lebih dari 100%"):
        shu_anggota([], shu=100, persen_jasa_modal=60, persen_jasa_usaha=50)


def test_balance_assertions(december: Ledger) -> None:
    wrong = Assertion("1-102", END, 12_500_000)
    assert wrong.check(december) == (
        "Saldo Kas Gerai Sembako per 31 Desember 2025 Rp12.550.000, seharusnya Rp12.500.000."
    )
    right = Assertion("1-102", END, 12_550_000)
    assert right.check(december) is None
    earlier = Assertion("1-102", D(2025, 12, 2), 13_000_000)
    assert periksa_saldo(december, [wrong, right, earlier]) == [wrong.check(december)]
    assert Assertion("1-202", END, 200_000).check(december) is None


def test_assertion_message_from_the_issue(chart: Chart) -> None:
    ledger = Ledger(chart, D(2025, 1, 1), END, {"1-102": 12_000_000, "3-101": 12_000_000})
    assert Assertion("1-102", END, 12_500_000).check(ledger) == (
        "Saldo Kas Gerai Sembako per 31 Desember 2025 Rp12.000.000, seharusnya Rp12.500.000."
    )
