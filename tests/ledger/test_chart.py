from __future__ import annotations

import pytest

from quizzes.ledger.chart import (
    Account,
    AccountType,
    Chart,
    ChartError,
    NormalBalance,
    load_default_chart,
)

# Every code and name of the course's table (Pembukuan, Modul 2).
COURSE_TABLE = {
    "1-101": "Kas Kantor",
    "1-102": "Kas Gerai Sembako",
    "1-103": "Kas Unit Simpan Pinjam",
    "1-104": "Bank",
    "1-111": "Piutang Usaha Gerai",
    "1-121": "Pinjaman Anggota",
    "1-122": "Cadangan Kerugian Pinjaman Anggota",
    "1-131": "Persediaan Barang Dagangan Gerai",
    "1-201": "Peralatan Gerai",
    "1-202": "Akumulasi Penyusutan Peralatan Gerai",
    "1-211": "Peralatan Kantor",
    "1-212": "Akumulasi Penyusutan Peralatan Kantor",
    "2-101": "Utang Usaha",
    "2-102": "Simpanan Sukarela Anggota",
    "2-103": "Utang Gaji",
    "2-104": "Utang Pajak",
    "2-105": "Utang SHU Anggota",
    "2-106": "Dana Pengurus dan Pengawas",
    "2-107": "Dana Pendidikan",
    "2-108": "Dana Sosial",
    "2-109": "Dana Pembangunan Daerah Kerja",
    "2-201": "Utang Pinjaman Jangka Panjang",
    "3-101": "Simpanan Pokok",
    "3-102": "Simpanan Wajib",
    "3-201": "Dana Cadangan",
    "3-301": "Hibah",
    "3-401": "SHU Tahun Berjalan",
    "4-101": "Penjualan Gerai Sembako",
    "4-201": "Pendapatan Jasa Pinjaman Anggota",
    "4-202": "Pendapatan Administrasi Pinjaman",
    "4-901": "Pendapatan Lain-lain",
    "5-101": "HPP Gerai Sembako",
    "5-102": "Beban Gaji Penjaga Gerai",
    "5-103": "Beban Listrik Gerai",
    "5-104": "Beban Penyusutan Peralatan Gerai",
    "5-201": "Beban Jasa Simpanan Sukarela",
    "5-202": "Beban Kerugian Pinjaman",
    "5-801": "Beban Umum dan Administrasi",
    "5-901": "Beban Lain-lain",
    "5-902": "Beban Pajak Penghasilan",
}

GROUP = {"1": "aset", "2": "liabilitas", "3": "ekuitas", "4": "pendapatan", "5": "beban"}


def test_default_chart_matches_course_table(chart: Chart) -> None:
    for code, name in COURSE_TABLE.items():
        assert chart.get(code).name == name
    for account in chart:
        assert account.type.value == GROUP[account.code[0]]


def test_normal_balances_and_contra_accounts(chart: Chart) -> None:
    contras = {a.code: a.contra_of for a in chart if a.is_contra}
    assert contras == {"1-122": "1-121", "1-202": "1-201", "1-212": "1-211"}
    for account in chart:
        natural = account.type.natural_balance
        if account.is_contra:
            assert account.normal is not natural
        else:
            assert account.normal is natural
    assert chart["1-202"].normal is NormalBalance.KREDIT
    assert chart["5-101"].normal is NormalBalance.DEBIT


def test_required_accounts_present(chart: Chart) -> None:
    for query in (
        "Kas Gerai Sembako",
        "Kas Unit Simpan Pinjam",
        "Persediaan Barang Dagangan Gerai",
        "Simpanan Pokok",
        "Simpanan Wajib",
        "Simpanan Sukarela",
        "SHU Tahun Berjalan",
        "Utang Bank",
        "LPDB",
        "Penjualan Gerai",
        "HPP",
        "Jasa Pinjaman",
        "Beban Umum",
    ):
        assert chart.search(query), query
    assert chart.shu_account == "3-401"
    assert chart.tax_accounts == ("5-902",)


def test_lookup_and_search(chart: Chart) -> None:
    assert chart.get("1-102").name == "Kas Gerai Sembako"
    assert "1-102" in chart
    assert "9-999" not in chart
    with pytest.raises(ChartError, match=r"Kode akun 9-999 tidak ada di bagan akun\."):
        chart.get("9-999")
    assert [a.code for a in chart.search("kas")] == ["1-101", "1-102", "1-103"]
    assert [a.code for a in chart.search("1-10")] == ["1-101", "1-102", "1-103", "1-104"]
    assert [a.code for a in chart.search("  akumulasi   penyusutan ")] == ["1-202", "1-212"]
    assert chart.search("") == []


def test_simpanan_setting(chart: Chart) -> None:
    assert chart["3-101"].type is AccountType.EKUITAS
    moved = load_default_chart(simpanan_as="liabilitas")
    for code in ("3-101", "3-102"):
        assert moved[code].type is AccountType.LIABILITAS
        assert moved[code].normal is NormalBalance.KREDIT
        assert moved[code].name == chart[code].name
    assert moved["2-102"].type is AccountType.LIABILITAS  # sukarela always liabilitas
    assert moved["3-201"].type is AccountType.EKUITAS
    back = moved.with_simpanan_as("ekuitas")
    assert back["3-101"].type is AccountType.EKUITAS
    with pytest.raises(ChartError, match="tidak dikenal"):
        chart.with_simpanan_as("aset")  # type: ignore[arg-type]


def test_with_overrides(chart: Chart) -> None:
    clinic = Account("1-105", "Kas Klinik Desa", AccountType.ASET, unit="klinik")
    renamed = Account("1-104", "Bank BRI", AccountType.ASET)
    custom = chart.with_overrides([clinic, renamed], remove=["1-211", "1-212"])
    assert custom["1-105"].name == "Kas Klinik Desa"
    assert custom["1-104"].name == "Bank BRI"
    assert "1-211" not in custom
    assert chart["1-104"].name == "Bank"  # the original is unchanged
    assert [a.code for a in custom][:6] == ["1-101", "1-102", "1-103", "1-104", "1-105", "1-111"]
    with pytest.raises(ChartError, match="1-211"):
        chart.with_overrides(remove=["1-211"])  # its contra 1-212 still refers to it


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        (
            [Account("1-1", "Kas", AccountType.ASET), Account("1-1", "Bank", AccountType.ASET)],
            "lebih dari sekali",
        ),
        ([Account("1-2", "Akum", AccountType.ASET, contra_of="1-9")], "tidak ada"),
    ],
)
def test_inconsistent_charts(accounts: list[Account], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        Chart(accounts, shu_account="1-1")


def test_account_checks_normal_balance() -> None:
    with pytest.raises(ChartError, match="seharusnya kredit"):
        Account("1-202", "Akumulasi", AccountType.ASET, NormalBalance.DEBIT, contra_of="1-201")
    with pytest.raises(ChartError, match="seharusnya debit"):
        Account("5-1", "Beban", AccountType.BEBAN, NormalBalance.KREDIT)
    with pytest.raises(ChartError, match="nama"):
        Account("5-1", " ", AccountType.BEBAN)


def test_shu_account_must_be_equity(chart: Chart) -> None:
    with pytest.raises(ChartError, match="ekuitas"):
        Chart(list(chart), shu_account="1-101")
