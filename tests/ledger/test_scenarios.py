"""Practice scenarios: the bundled files, their arithmetic against the course, and the loader."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import textwrap
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.ledger import scenario as scenario_module
from quizzes.ledger.chart import AccountType
from quizzes.ledger.journal import JournalEntry, Ledger, Line
from quizzes.ledger.money import format_rupiah, round_rupiah
from quizzes.ledger.reports import (
    jurnal_penutup,
    laporan_hasil_usaha,
    laporan_posisi_keuangan,
    neraca_saldo,
    periksa_saldo,
)
from quizzes.ledger.scenario import (
    Scenario,
    ScenarioError,
    bundled_scenarios,
    get_scenario,
    load_scenario,
)

D = dt.date
SLUGS = ["gerai-sembako-bulan-pertama", "simpan-pinjam-anggota", "tutup-buku-shu"]


def net(entry: JournalEntry) -> dict[str, int]:
    """Debit minus credit per account: the entry's effect, whatever the line order."""
    result: dict[str, int] = {}
    for line in entry.lines:
        result[line.account_code] = result.get(line.account_code, 0) + line.debit - line.credit
    return {code: amount for code, amount in result.items() if amount}


def amount_on(entry: JournalEntry, code: str) -> int:
    return abs(net(entry).get(code, 0))


def ledger_with(scenario: Scenario, answers: dict[int, JournalEntry | None]) -> Ledger:
    """The scenario's books with every model answer, except those replaced (None: left out)."""
    ledger = scenario.new_ledger()
    for task in scenario.tasks:
        entry = answers.get(task.number, task.answer)
        if entry is not None:
            ledger.post(entry, kind=task.kind)
    return ledger


# ---------------------------------------------------------------------- bundled scenarios


def test_bundled_order_is_stable_and_loaded_once() -> None:
    first = bundled_scenarios()
    second = bundled_scenarios()
    assert list(first) == SLUGS
    assert list(second) == SLUGS
    assert first is not second  # callers may change their dict without harm
    first.clear()
    assert list(bundled_scenarios()) == SLUGS
    for slug in SLUGS:
        assert bundled_scenarios()[slug] is get_scenario(slug)
        assert get_scenario(slug).slug == slug


def test_get_scenario_unknown_raises_key_error() -> None:
    with pytest.raises(KeyError):
        get_scenario("tidak-ada")


@pytest.mark.parametrize("slug", SLUGS)
def test_scenario_shape(slug: str) -> None:
    s = get_scenario(slug)
    assert s.koperasi == "Koperasi Ranca Lestari"
    assert s.title and s.summary and s.intro
    assert "\n" not in s.summary and "\n" not in s.title
    assert all(p and "\n" not in p for p in s.intro.split("\n\n"))
    assert 1 <= len(re.findall(r"[.!?](?:\s|$)", s.summary)) <= 3
    assert [t.number for t in s.tasks] == list(range(1, len(s.tasks) + 1))
    assert 6 <= len(s.tasks) <= 11
    days = [t.date for t in s.tasks]
    assert days == sorted(days)
    assert all(s.period_start <= d <= s.period_end for d in days)
    for task in s.tasks:
        assert task.answer.date == task.date
        assert task.text and task.answer.description
        assert task.answer.total_debit == task.answer.total_credit > 0
    assert s.assertions
    with pytest.raises(TypeError):
        s.opening["1-101"] = 1  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.title = "x"  # type: ignore[misc]


@pytest.mark.parametrize("slug", SLUGS)
def test_new_ledger_balances_and_is_fresh(slug: str) -> None:
    s = get_scenario(slug)
    ledger = s.new_ledger()
    assert len(ledger.entries) == len(s.given)
    position = laporan_posisi_keuangan(ledger)
    assert position.is_balanced
    assert position.total_aset == position.total_liabilitas + position.total_ekuitas
    assert neraca_saldo(ledger).is_balanced
    ledger.post(s.tasks[0].answer)
    assert len(s.new_ledger().entries) == len(s.given)  # each call starts over


@pytest.mark.parametrize("slug", SLUGS)
def test_answer_ledger_satisfies_every_assertion(slug: str) -> None:
    s = get_scenario(slug)
    ledger = s.answer_ledger()
    assert periksa_saldo(ledger, s.assertions) == []
    assert len(ledger.entries) == len(s.given) + len(s.tasks)
    assert laporan_posisi_keuangan(ledger).is_balanced
    assert periksa_saldo(s.new_ledger(), s.assertions)  # the untouched books do not pass


@pytest.mark.parametrize("slug", SLUGS)
def test_every_task_is_checked_by_an_assertion(slug: str) -> None:
    """Leaving out any single task makes at least one assertion fail."""
    s = get_scenario(slug)
    for task in s.tasks:
        assert periksa_saldo(ledger_with(s, {task.number: None}), s.assertions), task.number


def test_one_wrong_task_fails_with_a_readable_message() -> None:
    s = get_scenario("gerai-sembako-bulan-pertama")
    task = s.tasks[0]  # credit sale to Bu Yanti, HPP Rp1.795.000
    wrong = JournalEntry(
        task.date,
        "HPP memakai harga jual",
        (
            Line("1-111", debit=2_000_000),
            Line("4-101", credit=2_000_000),
            Line("5-101", debit=2_000_000),
            Line("1-131", credit=2_000_000),
        ),
    )
    failures = periksa_saldo(ledger_with(s, {task.number: wrong}), s.assertions)
    assert failures == [
        "Saldo Persediaan Barang Dagangan Gerai per 15 Desember 2025 Rp2.700.000, "
        "seharusnya Rp2.905.000.",
        "Saldo Persediaan Barang Dagangan Gerai per 31 Desember 2025 Rp6.095.000, "
        "seharusnya Rp6.300.000.",
        "Saldo HPP Gerai Sembako per 31 Desember 2025 Rp40.905.000, seharusnya Rp40.700.000.",
    ]


# ---------------------------------------------------------------------- arithmetic vs course


def test_gerai_arithmetic_matches_modules_4_and_5() -> None:
    s = get_scenario("gerai-sembako-bulan-pertama")
    yanti = s.tasks[0].answer
    assert amount_on(yanti, "4-101") == 15 * 75_000 + 25 * 17_000 + 25 * 18_000 == 2_000_000
    assert amount_on(yanti, "5-101") == 15 * 68_000 + 25 * 15_000 + 25 * 16_000 == 1_795_000
    depreciation = s.tasks[-1].answer
    assert amount_on(depreciation, "1-202") == 12_000_000 // 60 == 200_000
    ledger = s.answer_ledger()
    end = D(2025, 12, 31)
    # Buku besar of Modul 5 (the accounts this scenario covers completely).
    assert ledger.balance("1-102", end) == 2_464_500
    assert ledger.balance("1-102", D(2025, 12, 16)) == 8_000_000
    assert ledger.balance("1-131", end) == 6_300_000  # = physical count, Modul 4
    assert ledger.balance("1-111", end) == 800_000
    assert ledger.balance("2-101", end) == 10_000_000
    assert ledger.balance("4-101", end) == 47_000_000
    assert ledger.balance("5-101", end) == 40_700_000
    # Without the bank statement (J20) the bank is Rp10.000 short of Modul 5's Rp22.010.000.
    assert ledger.balance("1-104", end) == 22_000_000


def test_simpan_pinjam_jasa_uses_the_course_rounding_rule() -> None:
    s = get_scenario("simpan-pinjam-anggota")
    tasks = {t.number: t for t in s.tasks}
    # Modul 3: jasa = sisa pinjaman x 14% / 12, rounded to the nearest rupiah, 0,5 up.
    assert round_rupiah(2_750_000 * 14, 1200) == 32_083  # Rp32.083,33
    slamet = tasks[6].answer
    assert net(slamet) == {"1-103": 282_083, "1-121": -250_000, "4-201": -32_083}
    assert "0,5" in tasks[6].text and "14%" in tasks[6].text
    jasa = [round_rupiah(sisa * 14, 1200) for sisa in (4_400_000, 5_500_000, 2_200_000)]
    assert jasa == [51_333, 64_167, 25_667]  # Rp51.333,33 / Rp64.166,67 / Rp25.666,67
    others = tasks[7].answer
    assert net(others) == {
        "1-103": 1_100_000 + sum(jasa),
        "1-121": -(400_000 + 500_000 + 200_000),
        "4-201": -sum(jasa),
    }
    # Admin fee 1% of Rp3.600.000, deducted on disbursement.
    assert net(tasks[4].answer) == {"1-121": 3_600_000, "1-103": -3_564_000, "4-202": -36_000}
    # Jasa simpanan sukarela: 3% a year of the lowest balance, Rp19.537,50 -> exactly half, up.
    assert Fraction(7_815_000 * 3, 1200) == Fraction(39_075, 2)
    assert round_rupiah(7_815_000 * 3, 1200) == 19_538
    assert amount_on(tasks[8].answer, "5-201") == 19_538
    lowest = min(
        s.answer_ledger().balance("2-102", D(2026, 1, day)) for day in range(1, 31)
    )  # before the month-end jasa
    assert lowest == 7_815_000
    # Cadangan kerugian kept at 1% of outstanding loans.
    ledger = s.answer_ledger()
    end = D(2026, 1, 31)
    outstanding = ledger.balance("1-121", end)
    assert outstanding == 14_850_000 + 3_600_000 - 250_000 - 1_100_000 == 17_100_000
    assert ledger.balance("1-122", end) == outstanding // 100
    assert amount_on(tasks[9].answer, "5-202") == outstanding // 100 - 148_500 == 22_500
    assert ledger.balance("4-201", end) == round_rupiah(14_850_000 * 14, 1200) == 173_250
    # Members: 300 + 5 (Desember) + 3 (Januari), simpanan wajib Rp20.000 a month.
    assert amount_on(tasks[2].answer, "3-102") == 305 * 20_000
    assert net(tasks[1].answer) == {"1-103": 360_000, "3-101": -300_000, "3-102": -60_000}


def test_simpan_pinjam_opens_with_the_books_after_tutup_buku() -> None:
    """Saldo awal 1 Januari 2026 = neraca saldo setelah tutup buku (Modul 7)."""
    january = get_scenario("simpan-pinjam-anggota")
    closed = get_scenario("tutup-buku-shu").answer_ledger()
    for account in january.chart:
        assert january.opening.get(account.code, 0) == closed.balance(account.code), account.code
    assert sum(
        v for c, v in january.opening.items() if january.chart[c].normal.value == "debit"
    ) == (69_163_500)


def test_gerai_opens_where_the_year_stood_on_30_november() -> None:
    gerai = get_scenario("gerai-sembako-bulan-pertama")
    year = get_scenario("tutup-buku-shu").new_ledger()
    for account in gerai.chart:
        expected = year.balance(account.code, D(2025, 11, 30))
        assert gerai.opening.get(account.code, 0) == expected, account.code


def test_tutup_buku_matches_module_7() -> None:
    s = get_scenario("tutup-buku-shu")
    end = D(2025, 12, 31)
    adjustments = [t for t in s.tasks if t.kind == "umum"]
    closing = [t for t in s.tasks if t.kind == "penutup"]
    assert len(adjustments) == 4 and len(closing) == 2
    before = s.new_ledger()
    for task in adjustments:
        before.post(task.answer)
    assert neraca_saldo(before, end).total_debit == 114_217_500  # Modul 5
    assert laporan_hasil_usaha(before).shu_sebelum_pajak == 2_400_000  # Modul 6
    # The model closing entries are exactly what the engine would close.
    expected = jurnal_penutup(before, end)
    assert [net(t.answer) for t in closing] == [net(e) for e in expected]
    assert amount_on(closing[0].answer, "3-401") == 47_214_000
    assert amount_on(closing[1].answer, "3-401") == 45_054_000
    ledger = s.answer_ledger()
    assert ledger.balance("3-401", end) == 2_160_000
    assert [p.kind for p in ledger.entries[-2:]] == ["penutup", "penutup"]
    assert laporan_hasil_usaha(ledger).shu_sesudah_pajak == 2_160_000  # still readable
    after = neraca_saldo(ledger, end)
    assert after.total_debit == 69_163_500  # Modul 7, neraca saldo setelah tutup buku
    for account in s.chart:
        if account.type in (AccountType.PENDAPATAN, AccountType.BEBAN):
            assert ledger.balance(account.code, end) == 0, account.code
            assert any(a.account_code == account.code for a in s.assertions), account.code
    assert amount_on(adjustments[1].answer, "1-122") == 14_850_000 // 100
    assert amount_on(adjustments[2].answer, "5-201") == round_rupiah(6_000_000 * 3, 1200)


def test_tutup_buku_shu_sharing_as_in_module_7() -> None:
    s = get_scenario("tutup-buku-shu")
    assert s.shu_persen is not None
    assert sum(s.shu_persen.values()) == 100
    assert s.jasa_modal_key == "Jasa modal anggota (JMA)"
    assert s.jasa_usaha_key == "Jasa usaha anggota (JUA)"
    assert s.persen_jasa_modal == s.shu_persen[s.jasa_modal_key] == Fraction(20)
    assert s.persen_jasa_usaha == s.shu_persen[s.jasa_usaha_key] == Fraction(25)
    assert 5 <= len(s.members) <= 8
    ledger = s.answer_ledger()
    end = D(2025, 12, 31)
    # Simpanan = simpanan pokok + wajib in the books; transaksi = loans made in 2025.
    assert sum(m.simpanan for m in s.members) == ledger.balance("3-101", end) + ledger.balance(
        "3-102", end
    )
    assert sum(m.transaksi for m in s.members) == 16_200_000
    allocation, shares = s.pembagian_shu(ledger.balance("3-401", end))
    assert allocation == {
        "Dana cadangan": 648_000,
        "Jasa modal anggota (JMA)": 432_000,
        "Jasa usaha anggota (JUA)": 540_000,
        "Dana pengurus dan pengawas": 216_000,
        "Dana pendidikan": 108_000,
        "Dana sosial": 108_000,
        "Dana pembangunan daerah kerja": 108_000,
    }
    assert shares.total_jasa_modal == 432_000 and shares.total_jasa_usaha == 540_000
    slamet = shares.for_member("RL-0012")
    # Modul 7: JMA Pak Slamet = Rp160.000 / Rp48.600.000 x Rp432.000 = Rp1.422,22.
    assert slamet.jasa_modal_persis == Fraction(160_000 * 432_000, 48_600_000)
    assert f"{float(slamet.jasa_modal_persis):.2f}" == "1422.22"
    assert slamet.jasa_modal == 1_422
    # JUA by loans: Rp3.000.000 / Rp16.200.000 x Rp540.000.
    assert [shares.for_member(n).jasa_usaha for n in ("RL-0012", "RL-0045", "RL-0078")] == [
        100_000,
        160_000,
        200_000,
    ]


def test_pembagian_shu_needs_an_shu_section() -> None:
    with pytest.raises(ValueError, match="tidak memuat pembagian SHU"):
        get_scenario("gerai-sembako-bulan-pertama").pembagian_shu(1_000_000)


# ---------------------------------------------------------------------- the loader

BASE = """\
judul: Contoh
ringkasan: Ringkasan contoh.
pengantar: Cerita contoh.
koperasi: Koperasi Contoh
periode: {mulai: 2025-12-01, sampai: 2025-12-31}
saldo_awal:
  "1-102": Rp1.000.000
  "3-101": Rp1.000.000
tugas:
  - tanggal: 2025-12-24
    soal: Beli token listrik Rp450.000 dari kas gerai.
    keterangan: Token listrik
    jawaban:
      - {akun: "5-103", debit: Rp450.000}
      - {akun: "1-102", kredit: Rp450.000}
periksa:
  - {akun: "1-102", per: 2025-12-31, saldo: Rp550.000}
"""

SECOND_TASK = """\
  - tanggal: 2025-12-20
    soal: Setor kas ke bank.
    keterangan: Setor bank
    jawaban:
      - {akun: "1-104", debit: Rp100.000}
      - {akun: "1-102", kredit: Rp100.000}
periksa:"""

SHU_PART = """\
anggota:
  - {nomor: A-1, nama: Bu A, simpanan: Rp100.000, transaksi: Rp1.000.000}
shu:
  persen: {Cadangan: 45, JM: 20, JU: 25, Lain: 10}
  jasa_modal: JM
  jasa_usaha: JU
"""


def edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_base_loads() -> None:
    s = load_scenario(BASE, "contoh", "contoh.yaml")
    assert s.slug == "contoh"
    assert s.opening == {"1-102": 1_000_000, "3-101": 1_000_000}
    assert s.tasks[0].hint == "" and s.tasks[0].kind == "umum"
    assert s.members == () and s.shu_persen is None and s.persen_jasa_modal is None


BAD = [
    ("unknown top key", edit("judul:", "judull:"), "kunci \u201cjudull\u201d tidak dikenal"),
    ("missing field", edit("koperasi: Koperasi Contoh\n", ""), "\u201ckoperasi\u201d belum diisi"),
    (
        "unknown task key",
        edit("    keterangan: Token", "    ketrangan: Token"),
        "tugas 1: kunci \u201cketrangan\u201d tidak dikenal",
    ),
    (
        "bad date",
        edit("tanggal: 2025-12-24", "tanggal: 2025-13-24"),
        "tugas 1, tanggal: tanggal \u201c2025-13-24\u201d tidak valid",
    ),
    (
        "amount not readable",
        edit("debit: Rp450.000", "debit: Rp45.0000"),
        "tugas 1, baris 1: jumlah \u201cRp45.0000\u201d tidak dapat dibaca",
    ),
    (
        "amount read as a float",
        edit("debit: Rp450.000", "debit: 450.000"),
        "tugas 1, baris 1: YAML membaca jumlah ini sebagai angka desimal 450.0",
    ),
    (
        "unknown account in an answer",
        edit('{akun: "1-102", kredit', '{akun: "1-999", kredit'),
        "contoh.yaml: tugas 1, baris 2: kode akun 1-999 tidak ada di bagan akun.",
    ),
    (
        "debit and kredit on one line",
        edit("debit: Rp450.000}", "debit: Rp450.000, kredit: Rp1}"),
        "tugas 1, baris 1: isi debit atau kredit, tidak keduanya.",
    ),
    (
        "unbalanced answer",
        edit("kredit: Rp450.000", "kredit: Rp400.000"),
        "tugas 1: jurnal tidak seimbang: kredit kurang Rp50.000.",
    ),
    (
        "zero amount",
        edit("debit: Rp450.000}", "debit: 0}"),
        "tugas 1, baris 1: jumlah harus lebih dari nol.",
    ),
    (
        "opening not balanced",
        edit('"3-101": Rp1.000.000', '"3-101": Rp900.000'),
        "saldo_awal: saldo awal tidak seimbang: kredit kurang Rp100.000.",
    ),
    (
        "opening names an unknown account",
        edit('"3-101": Rp1.000.000', '"3-999": Rp1.000.000'),
        "saldo_awal, akun 3-999: kode akun 3-999 tidak ada di bagan akun.",
    ),
    (
        "task outside the period",
        edit("tanggal: 2025-12-24", "tanggal: 2026-01-02"),
        "tugas 1, tanggal: 2 Januari 2026 di luar periode 1 Desember 2025 sampai 31 Desember 2025.",
    ),
    (
        "tasks not in date order",
        edit("periksa:", SECOND_TASK),
        "tugas 2, tanggal: 20 Desember 2025 lebih awal daripada tugas sebelumnya "
        "(24 Desember 2025)",
    ),
    (
        "assertion names an unknown account",
        edit('{akun: "1-102", per:', '{akun: "9-999", per:'),
        "periksa 1: kode akun 9-999 tidak ada di bagan akun.",
    ),
    (
        "assertion date outside the period",
        edit("per: 2025-12-31", "per: 2026-01-31"),
        "periksa 1, per: 31 Januari 2026 di luar periode",
    ),
    (
        "answer does not satisfy an assertion",
        edit("saldo: Rp550.000", "saldo: Rp500.000"),
        "contoh.yaml: periksa: jawaban contoh tidak memenuhi pemeriksaan saldo: Saldo Kas "
        "Gerai Sembako per 31 Desember 2025 Rp550.000, seharusnya Rp500.000.",
    ),
    (
        "given entry outside the period",
        edit(
            "tugas:",
            "sudah_dicatat:\n  - tanggal: 2025-11-30\n    keterangan: Lama\n    baris:\n"
            '      - {akun: "1-102", debit: 1}\n      - {akun: "3-101", kredit: 1}\ntugas:',
        ),
        "sudah_dicatat 1: tanggal 30 November 2025 di luar periode buku",
    ),
    (
        "given entry without lines",
        edit("tugas:", "sudah_dicatat:\n  - {tanggal: 2025-12-01, keterangan: Kosong}\ntugas:"),
        "sudah_dicatat 1: \u201cbaris\u201d belum diisi.",
    ),
    (
        "no tasks",
        BASE.split("tugas:")[0] + "tugas: []\nperiksa:" + BASE.split("periksa:")[1],
        "contoh.yaml: tugas: daftar masih kosong.",
    ),
    (
        "several problems in one entry",
        edit(
            "tugas:",
            "sudah_dicatat:\n  - tanggal: 2025-11-30\n    keterangan: Lama\n    baris:\n"
            '      - {akun: "1-102", debit: 2}\n      - {akun: "3-101", kredit: 1}\ntugas:',
        ),
        "sudah_dicatat 1: jurnal tidak seimbang: kredit kurang Rp1. Tanggal 30 November 2025 "
        "di luar periode buku",
    ),
    ("duplicate key", edit('  "3-101"', '  "1-102": Rp1\n  "3-101"'), "ditulis dua kali"),
    ("yaml syntax", edit("periksa:\n", "periksa: [\n"), "YAML tidak dapat dibaca (baris"),
    ("empty file", "", "contoh.yaml: berkas kosong."),
    ("not a mapping", "- a\n- b\n", "contoh.yaml: harus berupa pasangan kunci: nilai."),
    (
        "chart removes an unknown account",
        BASE + 'chart: {hapus: ["1-999"]}\n',
        "chart: kode akun 1-999 tidak ada di bagan akun.",
    ),
    (
        "chart simpanan_as unknown",
        BASE + "chart: {simpanan_as: modal}\n",
        "chart.simpanan_as: \u201cmodal\u201d tidak dikenal",
    ),
    (
        "chart account with a wrong normal side",
        BASE
        + 'chart:\n  tambah:\n    - {code: "1-105", name: Kas Kecil, type: aset, normal: kredit}\n',
        "chart.tambah 1: akun 1-105 Kas Kecil: saldo normal aset seharusnya debit",
    ),
    (
        "members without shu",
        BASE + SHU_PART.split("shu:")[0],
        "anggota: anggota dan shu harus diisi bersama-sama",
    ),
    (
        "shu percentages not 100",
        BASE + SHU_PART.replace("Lain: 10", "Lain: 5"),
        "shu.persen: jumlah persentase 95%, seharusnya tepat 100%.",
    ),
    (
        "shu pool key unknown",
        BASE + SHU_PART.replace("jasa_usaha: JU", "jasa_usaha: JUA"),
        "shu.jasa_usaha: \u201cJUA\u201d tidak ada di shu.persen",
    ),
    (
        "duplicate member number",
        BASE
        + SHU_PART.replace(
            "anggota:\n", "anggota:\n  - {nomor: A-1, nama: Pak B, simpanan: 1, transaksi: 1}\n"
        ),
        "anggota 2, nomor: nomor anggota A-1 sudah dipakai anggota lain.",
    ),
    (
        "closing entry touching a balance-sheet account",
        edit("    keterangan: Token", "    jenis: penutup\n    keterangan: Token"),
        "tugas 1, baris 2: jurnal penutup hanya memakai akun pendapatan, beban, dan 3-401 SHU "
        "Tahun Berjalan, bukan 1-102 Kas Gerai Sembako.",
    ),
    (
        "task kind unknown",
        edit("    keterangan: Token", "    jenis: khusus\n    keterangan: Token"),
        "tugas 1, jenis: \u201ckhusus\u201d tidak dikenal",
    ),
]


@pytest.mark.parametrize(
    ("text", "fragment"), [(t, f) for _, t, f in BAD], ids=[n for n, *_ in BAD]
)
def test_bad_scenarios_are_refused_with_a_precise_message(text: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(text, "contoh", "contoh.yaml")
    message = str(caught.value)
    assert message.startswith("contoh.yaml: ")
    assert fragment in message


def test_the_documented_example_loads() -> None:
    doc = scenario_module.__doc__ or ""
    example = doc.split("any other key is an error)::\n")[1].split("\n    anggota:")[0]
    s = load_scenario(textwrap.dedent(example), "contoh-dokumentasi")
    assert s.title == "Bulan pertama gerai sembako"
    assert s.chart["1-105"].name == "Kas Kecil" and "1-212" not in s.chart
    assert s.intro.count("\n\n") == 1
    assert periksa_saldo(s.answer_ledger(), s.assertions) == []


def test_bad_slug_is_refused() -> None:
    with pytest.raises(ScenarioError, match="hanya boleh huruf kecil"):
        load_scenario(BASE, "Contoh Skenario")


def test_default_source_name() -> None:
    with pytest.raises(ScenarioError, match=r"^<scenario>: berkas kosong\.$"):
        load_scenario("", "contoh")


def test_loss_cannot_be_shared() -> None:
    text = BASE + SHU_PART  # the only task is an expense: SHU is a loss of Rp450.000
    with pytest.raises(ScenarioError, match=r"shu: SHU jawaban contoh -Rp450\.000 tidak dapat"):
        load_scenario(text, "contoh", "contoh.yaml")


def test_chart_section_is_applied() -> None:
    text = edit('{akun: "5-103", debit: Rp450.000}', '{akun: "5-105", debit: Rp450.000}') + (
        "chart:\n  simpanan_as: liabilitas\n  tambah:\n"
        '    - {code: "5-105", name: Beban Kebersihan Gerai, type: beban, unit: gerai_sembako}\n'
        '  hapus: ["1-211", "1-212"]\n'
    )
    s = load_scenario(text, "contoh", "contoh.yaml")
    assert s.chart["5-105"].name == "Beban Kebersihan Gerai"
    assert s.chart["3-101"].type is AccountType.LIABILITAS
    assert "1-211" not in s.chart and "1-212" not in s.chart
    assert laporan_posisi_keuangan(s.answer_ledger()).is_balanced


def test_shu_section_with_decimal_percentages() -> None:
    text = (
        edit("koperasi: Koperasi Contoh", "koperasi: Koperasi Contoh\norder: 7").replace(
            "5-103", "1-103"
        )  # no expense: the task moves cash, SHU 0
        + SHU_PART.replace("Cadangan: 45", 'Cadangan: "42,5"').replace("Lain: 10", "Lain: 12.5")
    )
    s = load_scenario(text, "contoh", "contoh.yaml")
    assert s.shu_persen is not None
    assert s.shu_persen["Cadangan"] == Fraction(85, 2)
    assert s.shu_persen["Lain"] == Fraction(25, 2)
    assert (s.persen_jasa_modal, s.persen_jasa_usaha) == (Fraction(20), Fraction(25))
    assert s.members[0].member_id == "A-1" and s.members[0].simpanan == 100_000
    allocation, shares = s.pembagian_shu(1_000)
    assert sum(allocation.values()) == 1_000
    assert shares.pool_jasa_modal == allocation["JM"] == 200


@settings(max_examples=25, deadline=None, database=None)
@given(
    amount=st.integers(min_value=1, max_value=10**12),
    form=st.sampled_from(["rp", "dots", "int", "quoted-int"]),
)
def test_amount_forms_are_equivalent(amount: int, form: str) -> None:
    shown = {
        "rp": format_rupiah(amount),
        "dots": '"' + format_rupiah(amount).removeprefix("Rp") + '"',
        "int": str(amount),
        "quoted-int": f'"{amount}"',
    }[form]
    text = (
        BASE.replace("Rp450.000}", f"{shown}}}")
        .replace('"1-102": Rp1.000.000', f'"1-102": {shown}')
        .replace('"3-101": Rp1.000.000', f'"3-101": {shown}')
        .replace("saldo: Rp550.000", "saldo: 0")
    )
    s = load_scenario(text, "contoh", "contoh.yaml")
    assert s.opening["1-102"] == amount
    assert s.tasks[0].answer.lines[0].debit == amount
