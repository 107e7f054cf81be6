"""Journal entries, their validation, and the ledger they are posted to.

Every validation failure is a :class:`Problem` with a stable ``code``, an Indonesian ``message``
and, where it concerns one line, the 0-based ``line_index`` (messages count lines from 1).
Posted entries are never changed or deleted: a mistake is undone with :meth:`Ledger.reverse`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from quizzes.ledger.chart import AccountType, Chart
from quizzes.ledger.money import format_rupiah

__all__ = [
    "EntryKind",
    "JournalEntry",
    "JournalError",
    "Ledger",
    "Line",
    "PostedEntry",
    "Problem",
    "format_tanggal",
]

_BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

EntryKind = Literal["umum", "pembalik", "penutup"]


def format_tanggal(day: dt.date) -> str:
    """``date(2025, 12, 31)`` -> ``"31 Desember 2025"``."""
    return f"{day.day} {_BULAN[day.month - 1]} {day.year}"


@dataclass(frozen=True, slots=True)
class Line:
    account_code: str
    debit: int = 0
    credit: int = 0


@dataclass(frozen=True, slots=True)
class JournalEntry:
    date: dt.date
    description: str
    lines: tuple[Line, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))

    @property
    def total_debit(self) -> int:
        return sum(line.debit for line in self.lines if _is_amount(line.debit))

    @property
    def total_credit(self) -> int:
        return sum(line.credit for line in self.lines if _is_amount(line.credit))


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    line_index: int | None = None


class JournalError(ValueError):
    """An entry (or ledger operation) that was refused; ``problems`` says why."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.message for p in self.problems))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


@dataclass(frozen=True, slots=True)
class PostedEntry:
    id: int
    entry: JournalEntry
    kind: EntryKind = "umum"
    reverses: int | None = None
    reason: str | None = None


def _is_amount(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Ledger:
    """Posted journal entries for one tahun buku (``period_start`` .. ``period_end``).

    ``opening_balances`` maps account codes to their saldo awal, positive on the account's
    normal side (a contra account's credit balance is positive). They must balance.
    """

    def __init__(
        self,
        chart: Chart,
        period_start: dt.date,
        period_end: dt.date,
        opening_balances: Mapping[str, int] | None = None,
    ) -> None:
        if period_end < period_start:
            raise JournalError(
                [
                    Problem(
                        "periode_terbalik",
                        f"Akhir periode ({format_tanggal(period_end)}) tidak boleh sebelum "
                        f"awal periode ({format_tanggal(period_start)}).",
                    )
                ]
            )
        self.chart = chart
        self.period_start = period_start
        self.period_end = period_end
        self._opening: dict[str, int] = {}
        self._entries: list[PostedEntry] = []
        self._reversed_by: dict[int, int] = {}
        self.closed_up_to: dt.date | None = None
        self._set_opening(opening_balances or {})

    def _set_opening(self, balances: Mapping[str, int]) -> None:
        problems: list[Problem] = []
        net = 0
        for code, amount in balances.items():
            if code not in self.chart:
                problems.append(
                    Problem("akun_tidak_dikenal", f"Saldo awal: kode akun {code} tidak dikenal.")
                )
                continue
            if not _is_amount(amount):
                problems.append(
                    Problem(
                        "jumlah_bukan_rupiah",
                        f"Saldo awal {self.chart.get(code).label} harus bilangan bulat rupiah.",
                    )
                )
                continue
            net += self.chart.get(code).normal.sign * amount
        if net and not problems:
            side = "kredit" if net > 0 else "debit"
            problems.append(
                Problem(
                    "saldo_awal_tidak_seimbang",
                    f"Saldo awal tidak seimbang: {side} kurang {format_rupiah(abs(net))}.",
                )
            )
        if problems:
            raise JournalError(problems)
        self._opening = {code: amount for code, amount in balances.items() if amount}

    # ------------------------------------------------------------------ validation

    def validate(self, entry: JournalEntry) -> list[Problem]:
        """All problems that would stop ``entry`` from being posted (empty list: fine)."""
        problems: list[Problem] = []
        if not entry.lines:
            problems.append(Problem("jurnal_kosong", "Jurnal belum berisi baris apa pun."))
        for index, line in enumerate(entry.lines):
            problems.extend(self._line_problems(index, line))
        if entry.lines and len(entry.lines) < 2 and not problems:
            problems.append(
                Problem(
                    "kurang_baris",
                    "Jurnal perlu sedikitnya dua baris: satu di debit dan satu di kredit.",
                )
            )
        difference = entry.total_debit - entry.total_credit
        if difference:
            short = "kredit" if difference > 0 else "debit"
            problems.append(
                Problem(
                    "tidak_seimbang",
                    f"Jurnal tidak seimbang: {short} kurang {format_rupiah(abs(difference))}.",
                )
            )
        problems.extend(self._date_problems(entry.date))
        return problems

    def _line_problems(self, index: int, line: Line) -> list[Problem]:
        row = f"Baris {index + 1}"
        problems: list[Problem] = []
        if line.account_code not in self.chart:
            problems.append(
                Problem(
                    "akun_tidak_dikenal",
                    f"{row}: kode akun {line.account_code or '(kosong)'} tidak ada di bagan akun.",
                    index,
                )
            )
        if not (_is_amount(line.debit) and _is_amount(line.credit)):
            problems.append(
                Problem(
                    "jumlah_bukan_rupiah",
                    f"{row}: jumlah harus bilangan bulat rupiah tanpa sen.",
                    index,
                )
            )
            return problems
        if line.debit < 0 or line.credit < 0:
            problems.append(
                Problem(
                    "jumlah_negatif",
                    f"{row}: jumlah tidak boleh negatif; untuk mengurangi akun, "
                    "catat di sisi yang berlawanan.",
                    index,
                )
            )
        elif line.debit > 0 and line.credit > 0:
            problems.append(
                Problem(
                    "debit_dan_kredit",
                    f"{row}: satu baris hanya boleh diisi di debit atau di kredit, tidak keduanya.",
                    index,
                )
            )
        elif line.debit == 0 and line.credit == 0:
            problems.append(
                Problem(
                    "jumlah_nol",
                    f"{row}: baris belum diisi jumlah; isi debit atau kredit dengan jumlah "
                    "lebih dari nol.",
                    index,
                )
            )
        return problems

    def _date_problems(self, day: dt.date) -> list[Problem]:
        if not self.period_start <= day <= self.period_end:
            return [
                Problem(
                    "di_luar_periode",
                    f"Tanggal {format_tanggal(day)} di luar periode buku "
                    f"{format_tanggal(self.period_start)} sampai "
                    f"{format_tanggal(self.period_end)}.",
                )
            ]
        if self.closed_up_to is not None and day <= self.closed_up_to:
            return [
                Problem(
                    "periode_ditutup",
                    f"Pembukuan sampai {format_tanggal(self.closed_up_to)} sudah ditutup; "
                    f"jurnal bertanggal {format_tanggal(day)} tidak dapat dibukukan. "
                    "Catat koreksinya dengan tanggal sesudah itu.",
                )
            ]
        return []

    # ------------------------------------------------------------------ posting

    def post(self, entry: JournalEntry, *, kind: EntryKind = "umum") -> int:
        """Post a valid entry and return its id (1, 2, ...); raise :class:`JournalError`."""
        problems = self.validate(entry)
        if problems:
            raise JournalError(problems)
        return self._append(PostedEntry(len(self._entries) + 1, entry, kind))

    def _append(self, posted: PostedEntry) -> int:
        self._entries.append(posted)
        return posted.id

    def get(self, entry_id: int) -> PostedEntry:
        if not 1 <= entry_id <= len(self._entries):
            raise JournalError([Problem("jurnal_tidak_ada", f"Jurnal nomor {entry_id} tidak ada.")])
        return self._entries[entry_id - 1]

    def reverse(self, entry_id: int, on: dt.date, reason: str) -> int:
        """Post the mirror of entry ``entry_id`` on date ``on``; the original stays."""
        original = self.get(entry_id)
        problems: list[Problem] = []
        if not reason.strip():
            problems.append(Problem("alasan_kosong", "Tuliskan alasan pembalikan jurnal."))
        if entry_id in self._reversed_by:
            problems.append(
                Problem(
                    "sudah_dibalik",
                    f"Jurnal nomor {entry_id} sudah dibalik oleh jurnal nomor "
                    f"{self._reversed_by[entry_id]}.",
                )
            )
        if original.kind == "pembalik":
            problems.append(
                Problem(
                    "membalik_pembalik",
                    f"Jurnal nomor {entry_id} adalah jurnal pembalik; catat jurnal yang benar "
                    "sebagai jurnal baru.",
                )
            )
        if on < original.entry.date:
            problems.append(
                Problem(
                    "tanggal_pembalik",
                    f"Tanggal pembalikan {format_tanggal(on)} tidak boleh sebelum tanggal jurnal "
                    f"asli {format_tanggal(original.entry.date)}.",
                )
            )
        mirror = JournalEntry(
            on,
            f"Pembalikan jurnal nomor {entry_id}: {reason.strip()}",
            tuple(Line(ln.account_code, ln.credit, ln.debit) for ln in original.entry.lines),
        )
        problems.extend(self._date_problems(on))
        if problems:
            raise JournalError(problems)
        new_id = self._append(
            PostedEntry(len(self._entries) + 1, mirror, "pembalik", entry_id, reason.strip())
        )
        self._reversed_by[entry_id] = new_id
        return new_id

    def close_period(self, up_to: dt.date) -> None:
        """Refuse any later posting dated on or before ``up_to``."""
        problems: list[Problem] = []
        if not self.period_start <= up_to <= self.period_end:
            problems.append(
                Problem(
                    "di_luar_periode",
                    f"Tanggal tutup {format_tanggal(up_to)} di luar periode buku.",
                )
            )
        elif self.closed_up_to is not None and up_to < self.closed_up_to:
            problems.append(
                Problem(
                    "tutup_mundur",
                    f"Pembukuan sudah ditutup sampai {format_tanggal(self.closed_up_to)}; "
                    "periode yang sudah ditutup tidak dibuka kembali.",
                )
            )
        if problems:
            raise JournalError(problems)
        self.closed_up_to = up_to

    # ------------------------------------------------------------------ queries

    @property
    def entries(self) -> tuple[PostedEntry, ...]:
        return tuple(self._entries)

    def reversed_by(self, entry_id: int) -> int | None:
        return self._reversed_by.get(entry_id)

    def opening_balance(self, code: str) -> int:
        self.chart.get(code)
        return self._opening.get(code, 0)

    def entries_between(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        exclude: Sequence[EntryKind] = (),
    ) -> list[PostedEntry]:
        """Posted entries dated ``start``..``end`` (inclusive), in date then posting order."""
        chosen = [
            p
            for p in self._entries
            if (start is None or p.entry.date >= start)
            and (end is None or p.entry.date <= end)
            and p.kind not in exclude
        ]
        return sorted(chosen, key=lambda p: (p.entry.date, p.id))

    def net_debit(
        self,
        code: str,
        as_of: dt.date | None = None,
        exclude: Sequence[EntryKind] = (),
    ) -> int:
        """Debits minus credits on ``code`` up to ``as_of``, including the opening balance."""
        account = self.chart.get(code)
        total = account.normal.sign * self._opening.get(code, 0)
        for posted in self._entries:
            if (as_of is None or posted.entry.date <= as_of) and posted.kind not in exclude:
                for line in posted.entry.lines:
                    if line.account_code == code:
                        total += line.debit - line.credit
        return total

    def balance(
        self,
        code: str,
        as_of: dt.date | None = None,
        exclude: Sequence[EntryKind] = (),
    ) -> int:
        """Balance of ``code`` on its normal side (negative: the abnormal side)."""
        return self.chart.get(code).normal.sign * self.net_debit(code, as_of, exclude)

    def natural_balance(self, code: str, as_of: dt.date | None = None) -> int:
        """Balance signed by the account's *group*: a contra asset counts negative."""
        account = self.chart.get(code)
        return account.type.natural_balance.sign * self.net_debit(code, as_of)

    def totals(self) -> tuple[int, int]:
        """Total debits and credits of every posted entry."""
        debit = sum(p.entry.total_debit for p in self._entries)
        credit = sum(p.entry.total_credit for p in self._entries)
        return debit, credit

    def group_total(self, account_type: AccountType, as_of: dt.date | None = None) -> int:
        return sum(self.natural_balance(a.code, as_of) for a in self.chart.of_type(account_type))
