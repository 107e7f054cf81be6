"""A small month of a koperasi with a gerai sembako and a unit simpan pinjam."""

from __future__ import annotations

import datetime as dt

import pytest

from quizzes.ledger.chart import Chart, load_default_chart
from quizzes.ledger.journal import JournalEntry, Ledger, Line

D = dt.date

OPENING = {
    "1-102": 5_000_000,  # Kas Gerai Sembako
    "1-103": 20_000_000,  # Kas Unit Simpan Pinjam
    "1-131": 10_000_000,  # Persediaan Barang Dagangan Gerai
    "1-201": 12_000_000,  # Peralatan Gerai
    "3-101": 30_000_000,  # Simpanan Pokok
    "3-102": 17_000_000,  # Simpanan Wajib
}

DECEMBER = [
    JournalEntry(
        D(2025, 12, 2),
        "Penjualan tunai gerai",
        (Line("1-102", debit=8_000_000), Line("4-101", credit=8_000_000)),
    ),
    JournalEntry(
        D(2025, 12, 2),
        "HPP penjualan gerai",
        (Line("5-101", debit=6_500_000), Line("1-131", credit=6_500_000)),
    ),
    JournalEntry(
        D(2025, 12, 5),
        "Pinjaman kepada Pak Slamet",
        (Line("1-121", debit=5_000_000), Line("1-103", credit=5_000_000)),
    ),
    JournalEntry(
        D(2025, 12, 10),
        "Simpanan wajib anggota",
        (Line("1-103", debit=500_000), Line("3-102", credit=500_000)),
    ),
    JournalEntry(
        D(2025, 12, 20),
        "Angsuran dan jasa pinjaman Pak Slamet",
        (
            Line("1-103", debit=1_075_000),
            Line("1-121", credit=1_000_000),
            Line("4-201", credit=75_000),
        ),
    ),
    JournalEntry(
        D(2025, 12, 28),
        "Listrik gerai",
        (Line("5-103", debit=450_000), Line("1-102", credit=450_000)),
    ),
    JournalEntry(
        D(2025, 12, 31),
        "Penyusutan peralatan gerai",
        (Line("5-104", debit=200_000), Line("1-202", credit=200_000)),
    ),
    JournalEntry(
        D(2025, 12, 31),
        "Taksiran pajak penghasilan",
        (Line("5-902", debit=92_500), Line("2-104", credit=92_500)),
    ),
]


@pytest.fixture
def chart() -> Chart:
    return load_default_chart()


@pytest.fixture
def empty_ledger(chart: Chart) -> Ledger:
    return Ledger(chart, D(2025, 12, 1), D(2025, 12, 31), OPENING)


@pytest.fixture
def december(empty_ledger: Ledger) -> Ledger:
    for entry in DECEMBER:
        empty_ledger.post(entry)
    return empty_ledger
