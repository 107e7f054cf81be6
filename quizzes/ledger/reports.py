"""Reports on a :class:`~quizzes.ledger.journal.Ledger`, closing entries, and SHU sharing.

* :func:`buku_besar` – general ledger of one account with a running balance;
* :func:`neraca_saldo` – trial balance;
* :func:`laporan_posisi_keuangan` – aset = liabilitas + ekuitas (with current SHU);
* :func:`laporan_hasil_usaha` – pendapatan - beban = SHU sebelum pajak, then SHU sesudah pajak;
* :func:`jurnal_penutup` / :func:`tutup_buku` – close pendapatan and beban into SHU tahun berjalan;
* :func:`alokasi_shu` – split SHU by AD/ART percentages (must total exactly 100%);
* :func:`shu_anggota` – jasa modal (JMA) and jasa usaha (JUA) per member;
* :class:`Assertion` – expected balance of an account on a date.

Sharing a pool of rupiah uses the largest-remainder method (:func:`bagi_sisa_terbesar`): every
exact share is rounded down, then the leftover rupiah go one by one to the largest fractions;
equal fractions go to the earlier member in the given order (list members by member number).
The shares therefore always add up to the pool exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from quizzes.ledger.chart import Account, AccountType
from quizzes.ledger.journal import (
    JournalEntry,
    Ledger,
    Line,
    format_tanggal,
)
from quizzes.ledger.money import format_rupiah, round_rupiah

__all__ = [
    "AccountLedger",
    "Assertion",
    "LaporanHasilUsaha",
    "LedgerRow",
    "Member",
    "MemberShu",
    "Percent",
    "PosisiKeuangan",
    "ShuAnggota",
    "ShuError",
    "StatementLine",
    "TrialBalance",
    "TrialBalanceRow",
    "alokasi_shu",
    "bagi_sisa_terbesar",
    "buku_besar",
    "jurnal_penutup",
    "laporan_hasil_usaha",
    "laporan_posisi_keuangan",
    "neraca_saldo",
    "periksa_saldo",
    "shu_anggota",
    "shu_anggota_dari_pool",
    "tutup_buku",
]

Percent = int | Fraction | Decimal


class ShuError(ValueError):
    """SHU sharing that cannot be done as asked (percentages, negative amounts, ...)."""


# ---------------------------------------------------------------------- buku besar


@dataclass(frozen=True, slots=True)
class LedgerRow:
    date: dt.date
    entry_id: int
    description: str
    debit: int
    credit: int
    balance: int


@dataclass(frozen=True, slots=True)
class AccountLedger:
    """Buku besar of one account; balances are on the account's normal side."""

    account: Account
    opening: int
    rows: tuple[LedgerRow, ...]

    @property
    def closing(self) -> int:
        return self.rows[-1].balance if self.rows else self.opening


def buku_besar(
    ledger: Ledger, code: str, start: dt.date | None = None, end: dt.date | None = None
) -> AccountLedger:
    account = ledger.chart.get(code)
    sign = account.normal.sign
    if start is None:
        opening = ledger.opening_balance(code)
    else:
        opening = ledger.balance(code, start - dt.timedelta(days=1))
    running = opening
    rows: list[LedgerRow] = []
    for posted, line in ledger.postings(code, start, end):
        running += sign * (line.debit - line.credit)
        rows.append(
            LedgerRow(
                posted.entry.date,
                posted.id,
                posted.entry.description,
                line.debit,
                line.credit,
                running,
            )
        )
    return AccountLedger(account, opening, tuple(rows))


# ---------------------------------------------------------------------- neraca saldo


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    account: Account
    debit: int
    credit: int


@dataclass(frozen=True, slots=True)
class TrialBalance:
    as_of: dt.date | None
    rows: tuple[TrialBalanceRow, ...]

    @property
    def total_debit(self) -> int:
        return sum(r.debit for r in self.rows)

    @property
    def total_credit(self) -> int:
        return sum(r.credit for r in self.rows)

    @property
    def is_balanced(self) -> bool:
        return self.total_debit == self.total_credit


def neraca_saldo(
    ledger: Ledger, as_of: dt.date | None = None, *, include_zero: bool = False
) -> TrialBalance:
    """Every account's balance on the side where it lies (debit or credit)."""
    rows: list[TrialBalanceRow] = []
    for account in ledger.chart:
        net = ledger.net_debit(account.code, as_of)
        if net or include_zero:
            rows.append(TrialBalanceRow(account, max(net, 0), max(-net, 0)))
    return TrialBalance(as_of, tuple(rows))


# ---------------------------------------------------------------------- posisi keuangan


@dataclass(frozen=True, slots=True)
class StatementLine:
    label: str
    amount: int
    account: Account | None = None


@dataclass(frozen=True, slots=True)
class PosisiKeuangan:
    """Laporan posisi keuangan. Contra accounts appear as negative lines under their group."""

    as_of: dt.date | None
    aset: tuple[StatementLine, ...]
    liabilitas: tuple[StatementLine, ...]
    ekuitas: tuple[StatementLine, ...]
    shu_belum_ditutup: int

    @property
    def total_aset(self) -> int:
        return sum(line.amount for line in self.aset)

    @property
    def total_liabilitas(self) -> int:
        return sum(line.amount for line in self.liabilitas)

    @property
    def total_ekuitas(self) -> int:
        return sum(line.amount for line in self.ekuitas)

    @property
    def is_balanced(self) -> bool:
        return self.total_aset == self.total_liabilitas + self.total_ekuitas


def _shu_berjalan(ledger: Ledger, as_of: dt.date | None) -> int:
    return ledger.group_total(AccountType.PENDAPATAN, as_of) - ledger.group_total(
        AccountType.BEBAN, as_of
    )


def laporan_posisi_keuangan(
    ledger: Ledger, as_of: dt.date | None = None, *, include_zero: bool = False
) -> PosisiKeuangan:
    """Pendapatan and beban not yet closed are added to the SHU tahun berjalan line."""
    unclosed = _shu_berjalan(ledger, as_of)
    shu_code = ledger.chart.shu_account

    def lines(account_type: AccountType) -> tuple[StatementLine, ...]:
        result: list[StatementLine] = []
        for account in ledger.chart.of_type(account_type):
            amount = ledger.natural_balance(account.code, as_of)
            if account.code == shu_code:
                amount += unclosed
            if amount or include_zero or (account.code == shu_code and unclosed):
                result.append(StatementLine(account.label, amount, account))
        return tuple(result)

    return PosisiKeuangan(
        as_of,
        lines(AccountType.ASET),
        lines(AccountType.LIABILITAS),
        lines(AccountType.EKUITAS),
        unclosed,
    )


# ---------------------------------------------------------------------- hasil usaha


@dataclass(frozen=True, slots=True)
class LaporanHasilUsaha:
    start: dt.date
    end: dt.date
    pendapatan: tuple[StatementLine, ...]
    beban: tuple[StatementLine, ...]
    pajak: tuple[StatementLine, ...]

    @property
    def total_pendapatan(self) -> int:
        return sum(line.amount for line in self.pendapatan)

    @property
    def total_beban(self) -> int:
        return sum(line.amount for line in self.beban)

    @property
    def shu_sebelum_pajak(self) -> int:
        return self.total_pendapatan - self.total_beban

    @property
    def total_pajak(self) -> int:
        return sum(line.amount for line in self.pajak)

    @property
    def shu_sesudah_pajak(self) -> int:
        return self.shu_sebelum_pajak - self.total_pajak


def _movement(ledger: Ledger, account: Account, start: dt.date, end: dt.date) -> int:
    """Activity on the group's natural side, ignoring closing entries."""
    net = ledger.net_change(account.code, start, end, exclude=("penutup",))
    if start <= ledger.period_start:
        net += account.normal.sign * ledger.opening_balance(account.code)
    return account.type.natural_balance.sign * net


def laporan_hasil_usaha(
    ledger: Ledger,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    tax_accounts: Sequence[str] | None = None,
) -> LaporanHasilUsaha:
    """Pendapatan - beban = SHU sebelum pajak; minus the ``tax_accounts`` = SHU sesudah pajak.

    ``tax_accounts`` (default: the chart's, 5-902 Beban Pajak Penghasilan) are beban accounts
    shown on the tax/other-obligations line instead of among the beban. Closing entries are
    ignored, so the report reads the same before and after tutup buku.
    """
    start = start or ledger.period_start
    end = end or ledger.period_end
    taxes = set(ledger.chart.tax_accounts if tax_accounts is None else tax_accounts)
    for code in taxes:
        ledger.chart.get(code)

    def lines(accounts: list[Account]) -> tuple[StatementLine, ...]:
        result = []
        for account in accounts:
            amount = _movement(ledger, account, start, end)
            if amount:
                result.append(StatementLine(account.label, amount, account))
        return tuple(result)

    beban = ledger.chart.of_type(AccountType.BEBAN)
    return LaporanHasilUsaha(
        start,
        end,
        lines(ledger.chart.of_type(AccountType.PENDAPATAN)),
        lines([a for a in beban if a.code not in taxes]),
        lines([a for a in ledger.chart if a.code in taxes]),
    )


# ---------------------------------------------------------------------- tutup buku


def jurnal_penutup(ledger: Ledger, on: dt.date) -> list[JournalEntry]:
    """Closing entries as in the course: one for pendapatan, one for beban.

    Each pendapatan and beban account is brought to zero (as of ``on``) against SHU tahun
    berjalan. Accounts already at zero get no line; an empty group gives no entry.
    """
    shu_code = ledger.chart.shu_account
    entries: list[JournalEntry] = []
    for account_type, description in (
        (AccountType.PENDAPATAN, "Menutup akun pendapatan ke SHU tahun berjalan"),
        (AccountType.BEBAN, "Menutup akun beban ke SHU tahun berjalan"),
    ):
        lines: list[Line] = []
        to_shu = 0
        for account in ledger.chart.of_type(account_type):
            net = ledger.net_debit(account.code, on)
            if net:
                lines.append(Line(account.code, max(-net, 0), max(net, 0)))
                to_shu += net
        if not lines:
            continue
        shu_line = Line(shu_code, max(to_shu, 0), max(-to_shu, 0))
        if account_type is AccountType.PENDAPATAN:
            lines.append(shu_line)
        else:
            lines.insert(0, shu_line)
        if to_shu == 0:
            lines.remove(shu_line)
        entries.append(JournalEntry(on, description, tuple(lines)))
    return entries


def tutup_buku(ledger: Ledger, on: dt.date, *, kunci: bool = False) -> list[int]:
    """Post the closing entries (kind ``"penutup"``); with ``kunci`` also close the period."""
    ids = [ledger.post(entry, kind="penutup") for entry in jurnal_penutup(ledger, on)]
    if kunci:
        ledger.close_period(on)
    return ids


# ---------------------------------------------------------------------- SHU


def _percent(value: Percent, label: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal):
        raise ShuError(
            f"Persentase {label} harus angka persis (bilangan bulat, Fraction, atau Decimal), "
            f"bukan {value!r}."
        )
    result = Fraction(value)
    if result < 0:
        raise ShuError(f"Persentase {label} tidak boleh negatif.")
    return result


def _format_percent(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator}%"
    return f"{float(value):.4g}%".replace(".", ",")


def bagi_sisa_terbesar(pool: int, weights: Sequence[int | Fraction]) -> list[int]:
    """Share ``pool`` rupiah in proportion to ``weights``; the shares sum to ``pool`` exactly.

    Largest-remainder method; ties go to the earlier position.
    """
    if pool < 0:
        raise ShuError(f"Jumlah yang dibagi tidak boleh negatif ({format_rupiah(pool)}).")
    if any(w < 0 for w in weights):
        raise ShuError("Dasar pembagian (simpanan atau transaksi) tidak boleh negatif.")
    total = sum((Fraction(w) for w in weights), Fraction(0))
    if total == 0:
        if pool == 0:
            return [0 for _ in weights]
        raise ShuError(
            f"{format_rupiah(pool)} tidak dapat dibagi karena jumlah dasar pembagiannya nol."
        )
    exact = [Fraction(pool) * Fraction(w) / total for w in weights]
    shares = [round_rupiah(x, rule="down") for x in exact]
    left = pool - sum(shares)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def alokasi_shu(shu: int, persen: Mapping[str, Percent]) -> dict[str, int]:
    """Split SHU by the AD/ART percentages of the case; they must total exactly 100%.

    The law (UU 25/1992 Pasal 45) sets no percentages. Amounts add up to ``shu`` exactly
    (largest remainder, ties to the earlier item).
    """
    if shu < 0:
        raise ShuError(
            f"SHU {format_rupiah(shu)} negatif (rugi); kerugian tidak dibagi sebagai SHU."
        )
    fractions = {name: _percent(value, name) for name, value in persen.items()}
    total = sum(fractions.values(), Fraction(0))
    if total != 100:
        raise ShuError(
            f"Jumlah persentase pembagian SHU {_format_percent(total)}, seharusnya tepat 100%. "
            "Periksa kembali persentase menurut AD/ART dan keputusan RAT."
        )
    amounts = bagi_sisa_terbesar(shu, list(fractions.values()))
    return dict(zip(fractions, amounts, strict=True))


@dataclass(frozen=True, slots=True)
class Member:
    """``simpanan``: simpanan pokok + wajib; ``transaksi``: the business counted by the AD/ART."""

    member_id: str
    name: str
    simpanan: int
    transaksi: int


@dataclass(frozen=True, slots=True)
class MemberShu:
    member: Member
    jasa_modal_persis: Fraction
    jasa_usaha_persis: Fraction
    jasa_modal: int
    jasa_usaha: int

    @property
    def total(self) -> int:
        return self.jasa_modal + self.jasa_usaha


@dataclass(frozen=True, slots=True)
class ShuAnggota:
    pool_jasa_modal: int
    pool_jasa_usaha: int
    shares: tuple[MemberShu, ...]

    @property
    def total_jasa_modal(self) -> int:
        return sum(s.jasa_modal for s in self.shares)

    @property
    def total_jasa_usaha(self) -> int:
        return sum(s.jasa_usaha for s in self.shares)

    def for_member(self, member_id: str) -> MemberShu:
        for share in self.shares:
            if share.member.member_id == member_id:
                return share
        raise ShuError(f"Anggota {member_id} tidak ada dalam daftar pembagian SHU.")


def shu_anggota_dari_pool(
    members: Sequence[Member], pool_jasa_modal: int, pool_jasa_usaha: int
) -> ShuAnggota:
    """JMA_i = simpanan_i / total simpanan x pool JM; JUA_i = transaksi_i / total x pool JU."""
    seen: set[str] = set()
    for member in members:
        if member.member_id in seen:
            raise ShuError(f"Nomor anggota {member.member_id} tercantum lebih dari sekali.")
        seen.add(member.member_id)
        if member.simpanan < 0 or member.transaksi < 0:
            raise ShuError(f"Simpanan dan transaksi anggota {member.name} tidak boleh negatif.")
    simpanan_total = sum(m.simpanan for m in members)
    transaksi_total = sum(m.transaksi for m in members)
    jma = bagi_sisa_terbesar(pool_jasa_modal, [m.simpanan for m in members])
    jua = bagi_sisa_terbesar(pool_jasa_usaha, [m.transaksi for m in members])
    shares = tuple(
        MemberShu(
            member,
            Fraction(member.simpanan * pool_jasa_modal, simpanan_total or 1),
            Fraction(member.transaksi * pool_jasa_usaha, transaksi_total or 1),
            modal,
            usaha,
        )
        for member, modal, usaha in zip(members, jma, jua, strict=True)
    )
    return ShuAnggota(pool_jasa_modal, pool_jasa_usaha, shares)


def shu_anggota(
    members: Sequence[Member],
    *,
    shu: int,
    persen_jasa_modal: Percent,
    persen_jasa_usaha: Percent,
) -> ShuAnggota:
    """Per-member SHU from the SHU and the JM/JU percentages of the AD/ART.

    The pools are ``persen x SHU`` rounded half up to whole rupiah (see
    :func:`~quizzes.ledger.money.round_rupiah`); pass pools from :func:`alokasi_shu` to
    :func:`shu_anggota_dari_pool` to use that allocation instead.
    """
    if shu < 0:
        raise ShuError(f"SHU {format_rupiah(shu)} negatif (rugi); tidak ada SHU untuk dibagi.")
    jm = _percent(persen_jasa_modal, "jasa modal")
    ju = _percent(persen_jasa_usaha, "jasa usaha")
    if jm + ju > 100:
        raise ShuError(
            f"Persentase jasa modal dan jasa usaha berjumlah {_format_percent(jm + ju)}, "
            "lebih dari 100%."
        )
    return shu_anggota_dari_pool(members, round_rupiah(jm * shu, 100), round_rupiah(ju * shu, 100))


# ---------------------------------------------------------------------- assertions


@dataclass(frozen=True, slots=True)
class Assertion:
    """The balance of ``account_code`` (on its normal side) expected on ``date``."""

    account_code: str
    date: dt.date
    expected: int

    def check(self, ledger: Ledger) -> str | None:
        """``None`` when right, otherwise an Indonesian message saying both amounts."""
        account = ledger.chart.get(self.account_code)
        actual = ledger.balance(self.account_code, self.date)
        if actual == self.expected:
            return None
        return (
            f"Saldo {account.name} per {format_tanggal(self.date)} {format_rupiah(actual)}, "
            f"seharusnya {format_rupiah(self.expected)}."
        )


def periksa_saldo(ledger: Ledger, assertions: Sequence[Assertion]) -> list[str]:
    """Messages for every assertion that does not hold (empty: all hold)."""
    return [m for a in assertions if (m := a.check(ledger)) is not None]
