"""Journal entries, their validation, and the ledger they are posted to.

Every validation failure is a :class:`Problem` with a stable ``code``, an Indonesian ``message``
and, where it concerns one line, the 0-based ``line_index`` (messages count lines from 1).
Posted entries are never changed or deleted: a mistake is undone with :meth:`Ledger.reverse`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import pairwise
from typing import Literal

from quizzes.ledger.chart import AccountType, Chart
from quizzes.ledger.money import format_rupiah

__all__ = [
    "BULAN",
    "EntryKind",
    "JournalEntry",
    "JournalError",
    "Ledger",
    "Line",
    "PostedEntry",
    "Problem",
    "format_tanggal",
]

# The month names of Indonesian dates; the platform's other Indonesian dates use these too.
BULAN = (
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
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


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


def _posted_factory() -> Callable[[int, JournalEntry, EntryKind], PostedEntry]:
    """``PostedEntry(id, entry, kind)`` without the frozen dataclass ``__init__``, which sets
    every field through ``object.__setattr__``: the same object in about half the time, for
    posting many entries. Falls back to the class if its fields ever change."""
    names = [f.name for f in fields(PostedEntry)]
    if names != ["id", "entry", "kind", "reverses", "reason"]:  # pragma: no cover
        return PostedEntry
    slots = PostedEntry.__dict__
    set_id, set_entry, set_kind, set_reverses, set_reason = (slots[n].__set__ for n in names)
    new = object.__new__

    def make(entry_id: int, entry: JournalEntry, kind: EntryKind) -> PostedEntry:
        posted: PostedEntry = new(PostedEntry)
        set_id(posted, entry_id)
        set_entry(posted, entry)
        set_kind(posted, kind)
        set_reverses(posted, None)
        set_reason(posted, None)
        return posted

    return make


_new_posted = _posted_factory()


def _is_amount(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kinds(exclude: Sequence[str]) -> frozenset[str]:
    """The excluded kinds (a single kind passed as a string counts as one kind)."""
    if isinstance(exclude, str):
        return frozenset((exclude,))
    return frozenset(exclude)


def _in_order(days: Sequence[dt.date]) -> bool:
    return all(a <= b for a, b in pairwise(days))


class _AccountView:
    """One account's postings in date order (then posting order, then line order), with
    running sums of debit minus credit, in all and per entry kind, for dated questions.

    Built lazily from the ledger's per-account posting list and extended in place while
    entries keep arriving in date order; an entry dated earlier than the last one re-sorts.
    """

    __slots__ = ("consumed", "cum", "cum_kind", "dates", "rows")

    def __init__(self) -> None:
        self.consumed = 0
        self.rows: list[tuple[PostedEntry, Line]] = []
        self.dates: list[dt.date] = []
        self.cum: list[int] = [0]  # cum[i]: sum over rows[:i]
        self.cum_kind: dict[str, list[int]] = {}

    def update(self, code: str, items: list[PostedEntry]) -> None:
        if self.consumed == len(items):
            return
        new_rows: list[tuple[PostedEntry, Line]] = []
        previous: PostedEntry | None = None
        for posted in items[self.consumed :]:
            if posted is previous:  # one entry with several lines on this account
                continue
            previous = posted
            new_rows.extend(
                (posted, line) for line in posted.entry.lines if line.account_code == code
            )
        self.consumed = len(items)
        new_dates = [posted.entry.date for posted, _ in new_rows]
        if _in_order(new_dates) and (not self.dates or self.dates[-1] <= new_dates[0]):
            done = len(self.rows)
            self.rows.extend(new_rows)
            self.dates.extend(new_dates)
        else:  # stable: rows are in posting order, so ties keep entry id then line order
            done = 0
            self.rows = sorted(self.rows + new_rows, key=lambda row: row[0].entry.date)
            self.dates = [posted.entry.date for posted, _ in self.rows]
            self.cum = [0]
            self.cum_kind = {}
        cum, cum_kind = self.cum, self.cum_kind
        running = cum[-1]
        for index in range(done, len(self.rows)):
            posted, line = self.rows[index]
            delta = line.debit - line.credit
            running += delta
            cum.append(running)
            kind = posted.kind
            if kind not in cum_kind:
                cum_kind[kind] = [0] * (index + 1)
            for other, sums in cum_kind.items():
                sums.append(sums[-1] + delta if other == kind else sums[-1])

    def span(self, start: dt.date | None, end: dt.date | None) -> tuple[int, int]:
        """Row indexes ``lo:hi`` of the postings dated ``start``..``end`` (inclusive)."""
        lo = 0 if start is None else bisect_left(self.dates, start)
        hi = len(self.dates) if end is None else bisect_right(self.dates, end)
        return lo, max(lo, hi)

    def change(self, lo: int, hi: int, kinds: frozenset[str]) -> int:
        total = self.cum[hi] - self.cum[lo]
        for kind in kinds:
            sums = self.cum_kind.get(kind)
            if sums is not None:
                total -= sums[hi] - sums[lo]
        return total


class Ledger:
    """Posted journal entries for one tahun buku (``period_start`` .. ``period_end``).

    ``opening_balances`` maps account codes to their saldo awal, positive on the account's
    normal side (a contra account's credit balance is positive). They must balance.

    Queries do not scan the journal: posting keeps, per account, the running net debit (in all
    and per entry kind) and the list of entries that touch it; questions about a date or a
    date range use a per-account date-ordered view with running sums (built on first use,
    extended as entries arrive).
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
        self._chart = chart
        self.period_start = period_start
        self.period_end = period_end
        self._opening: dict[str, int] = {}
        self._entries: list[PostedEntry] = []
        self._reversed_by: dict[int, int] = {}
        self.closed_up_to: dt.date | None = None
        self._set_opening(opening_balances or {})
        self._reindex()

    @property
    def chart(self) -> Chart:
        return self._chart

    @chart.setter
    def chart(self, chart: Chart) -> None:
        self._chart = chart
        self._reindex()

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

    # ------------------------------------------------------------------ index

    def _reindex(self) -> None:
        """(Re)build the per-account index from the opening balances and every entry."""
        chart = self._chart
        self._known = frozenset(account.code for account in chart)
        codes = set(self._known)
        for posted in self._entries:
            codes.update(line.account_code for line in posted.entry.lines)
        # net debit of every account including its opening balance, and per kind (not umum)
        self._opening_net = {
            code: chart.get(code).normal.sign * amount
            for code, amount in self._opening.items()
            if code in self._known
        }
        self._net: dict[str, int] = dict.fromkeys(codes, 0)
        self._net.update(self._opening_net)
        self._kind_net: dict[str, dict[str, int]] = {}
        self._by_account: dict[str, list[PostedEntry]] = {code: [] for code in codes}
        self._views: dict[str, _AccountView] = {}
        self._dated: list[PostedEntry] = []
        self._dated_days: list[dt.date] = []
        self._totals = (0, 0, 0)  # entries counted, their debits, their credits
        for posted in self._entries:
            self._index(posted)

    def _index(self, posted: PostedEntry) -> None:
        net = self._net
        by_account = self._by_account
        if posted.kind == "umum":
            for line in posted.entry.lines:
                code = line.account_code
                net[code] += line.debit - line.credit
                by_account[code].append(posted)
        else:
            by_kind = self._kind_net.setdefault(posted.kind, {})
            for line in posted.entry.lines:
                code = line.account_code
                delta = line.debit - line.credit
                net[code] += delta
                by_kind[code] = by_kind.get(code, 0) + delta
                by_account[code].append(posted)

    def _view(self, code: str) -> _AccountView:
        view = self._views.get(code)
        if view is None:
            view = self._views[code] = _AccountView()
        view.update(code, self._by_account[code])
        return view

    def _by_date(self) -> tuple[list[PostedEntry], list[dt.date]]:
        """Every posted entry in date then posting order, and their dates."""
        done = len(self._dated)
        if done != len(self._entries):
            new = self._entries[done:]
            days = [posted.entry.date for posted in new]
            if _in_order(days) and (not self._dated_days or self._dated_days[-1] <= days[0]):
                self._dated.extend(new)
                self._dated_days.extend(days)
            else:
                self._dated = sorted(self._entries, key=lambda posted: posted.entry.date)
                self._dated_days = [posted.entry.date for posted in self._dated]
        return self._dated, self._dated_days

    def _excluded(self, code: str, kinds: frozenset[str]) -> int:
        """Net debit on ``code`` of the posted entries whose kind is in ``kinds``."""
        total = 0
        for kind in kinds:
            if kind == "umum":
                total += (
                    self._net[code]
                    - self._opening_net.get(code, 0)
                    - sum(by_kind.get(code, 0) for by_kind in self._kind_net.values())
                )
            elif (by_kind := self._kind_net.get(kind)) is not None:
                total += by_kind.get(code, 0)
        return total

    def _whole_period(self, start: dt.date | None, end: dt.date | None) -> bool:
        return (start is None or start <= self.period_start) and (
            end is None or end >= self.period_end
        )

    # ------------------------------------------------------------------ validation

    def _fine(self, entry: JournalEntry) -> bool:
        """True when :meth:`validate` would find no problem; a quick check that allocates
        nothing. False only means "look closer": :meth:`validate` then says what is wrong."""
        day = entry.date
        if not self.period_start <= day <= self.period_end:
            return False
        closed = self.closed_up_to
        if closed is not None and day <= closed:
            return False
        lines = entry.lines
        if len(lines) < 2:
            return False
        known = self._known
        balance = 0
        for line in lines:
            debit = line.debit
            credit = line.credit
            if type(debit) is not int or type(credit) is not int:
                return False
            if line.account_code not in known:
                return False
            if debit > 0:
                if credit:
                    return False
                balance += debit
            elif debit or credit <= 0:
                return False
            else:
                balance -= credit
        return not balance

    def validate(self, entry: JournalEntry) -> list[Problem]:
        """All problems that would stop ``entry`` from being posted (empty list: fine)."""
        if self._fine(entry):
            return []
        return self._problems(entry)

    def _problems(self, entry: JournalEntry) -> list[Problem]:
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
        if not self._fine(entry):
            problems = self._problems(entry)
            if problems:
                raise JournalError(problems)
        posted = _new_posted(len(self._entries) + 1, entry, kind)
        self._entries.append(posted)
        self._index(posted)
        return posted.id

    def _append(self, posted: PostedEntry) -> int:
        self._entries.append(posted)
        self._index(posted)
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
        entries, days = self._by_date()
        lo = 0 if start is None else bisect_left(days, start)
        hi = len(days) if end is None else bisect_right(days, end)
        chosen = entries[lo:hi]
        if exclude:
            kinds = _kinds(exclude)
            chosen = [posted for posted in chosen if posted.kind not in kinds]
        return chosen

    def postings(
        self,
        code: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        exclude: Sequence[EntryKind] = (),
    ) -> list[tuple[PostedEntry, Line]]:
        """The lines on ``code`` dated ``start``..``end`` (inclusive), each with its entry, in
        date, posting and line order."""
        self.chart.get(code)
        view = self._view(code)
        lo, hi = view.span(start, end)
        rows = view.rows[lo:hi]
        if exclude:
            kinds = _kinds(exclude)
            rows = [row for row in rows if row[0].kind not in kinds]
        return rows

    def net_change(
        self,
        code: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        exclude: Sequence[EntryKind] = (),
    ) -> int:
        """Debits minus credits on ``code`` of the entries dated ``start``..``end`` (inclusive),
        without the opening balance."""
        if code not in self._known:
            self.chart.get(code)
        if self._whole_period(start, end):
            total = self._net[code] - self._opening_net.get(code, 0)
            return total - self._excluded(code, _kinds(exclude)) if exclude else total
        view = self._view(code)
        lo, hi = view.span(start, end)
        return view.change(lo, hi, _kinds(exclude) if exclude else frozenset())

    def net_debit(
        self,
        code: str,
        as_of: dt.date | None = None,
        exclude: Sequence[EntryKind] = (),
    ) -> int:
        """Debits minus credits on ``code`` up to ``as_of``, including the opening balance."""
        if code not in self._known:
            self.chart.get(code)
        if as_of is None or as_of >= self.period_end:
            total = self._net[code]
            return total - self._excluded(code, _kinds(exclude)) if exclude else total
        return self._opening_net.get(code, 0) + self.net_change(code, None, as_of, exclude)

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
        counted, debit, credit = self._totals
        if counted != len(self._entries):
            for posted in self._entries[counted:]:
                debit += posted.entry.total_debit
                credit += posted.entry.total_credit
            self._totals = (len(self._entries), debit, credit)
        return debit, credit

    def group_total(self, account_type: AccountType, as_of: dt.date | None = None) -> int:
        return sum(self.natural_balance(a.code, as_of) for a in self.chart.of_type(account_type))
