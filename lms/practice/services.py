"""Practice ledgers: rebuilding a book's ledger from its rows, reading the journal form, posting.

The engine (quizzes.ledger) decides what is a valid entry; this module only turns what a person
typed into engine objects and engine results into rows. Every posting re-validates against the
whole ledger inside a write transaction, so two tabs posting at once cannot break numbering.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.db import begin_write, utcnow
from lms.deps import Forbidden
from lms.i18n import gettext as _
from lms.practice.models import PracticeBook, PracticeEntry, PracticeLine
from quizzes.ledger.chart import Account, Chart
from quizzes.ledger.journal import EntryKind, JournalEntry, JournalError, Ledger, Line, Problem
from quizzes.ledger.money import AmountError, parse_rupiah
from quizzes.ledger.scenario import Scenario, Task, bundled_scenarios

MAX_BOOKS = 30
MAX_LINES = 12
MIN_LINES = 2
DESCRIPTION_MAX = 300


class BookNotFound(HTTPException):
    def __init__(self, book_id: int) -> None:
        super().__init__(status_code=404, detail=f"practice book {book_id}")


class NotYourBook(Forbidden):
    """Someone else's book (a tampered form, a shared link): refused, and nothing changes."""

    template = "practice/not_yours.html"


def scenarios() -> dict[str, Scenario]:
    return bundled_scenarios()


def scenario_of(book: PracticeBook) -> Scenario:
    found = scenarios().get(book.scenario)
    if found is None:  # a scenario file removed after books were opened from it
        raise BookNotFound(book.id)
    return found


# ---------------------------------------------------------------------- books


def own_book(session: Session, user: User, book_id: int, *, lock: bool = False) -> PracticeBook:
    """The book, if it is this person's; a book of someone else is refused, not hidden."""
    query = select(PracticeBook).where(PracticeBook.id == book_id)
    if lock:
        query = query.with_for_update()
    book = session.scalar(query)
    if book is None:
        raise BookNotFound(book_id)
    if book.user_id != user.id:
        raise NotYourBook(book_id)
    return book


@dataclass(frozen=True)
class BookCard:
    book: PracticeBook
    scenario: Scenario
    entries: int


def books_of(session: Session, user: User) -> list[BookCard]:
    """This person's books with their number of entries, newest first, in one query."""
    counts = (
        select(PracticeEntry.book_id, func.count(PracticeEntry.id).label("n"))
        .join(PracticeBook, PracticeBook.id == PracticeEntry.book_id)
        .where(PracticeBook.user_id == user.id)
        .where(PracticeEntry.generation == PracticeBook.generation)
        .group_by(PracticeEntry.book_id)
        .subquery()
    )
    rows = session.execute(
        select(PracticeBook, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.book_id == PracticeBook.id)
        .where(PracticeBook.user_id == user.id)
        .order_by(PracticeBook.updated_at.desc(), PracticeBook.id.desc())
    ).all()
    known = scenarios()
    return [BookCard(book, known[book.scenario], n) for book, n in rows if book.scenario in known]


def open_book(session: Session, user: User, slug: str) -> PracticeBook:
    """A new book from scenario ``slug``; ValueError with a message when it cannot be opened."""
    if slug not in scenarios():
        raise ValueError(_("Skenario latihan itu tidak ada. Pilih salah satu dari daftar."))
    begin_write(session)
    owned = session.scalar(
        select(func.count(PracticeBook.id)).where(PracticeBook.user_id == user.id)
    )
    if (owned or 0) >= MAX_BOOKS:
        raise ValueError(
            _(
                "Anda sudah punya %(n)s buku latihan. Mulai ulang salah satu buku yang ada "
                "alih-alih membuka buku baru."
            )
            % {"n": MAX_BOOKS}
        )
    book = PracticeBook(user_id=user.id, scenario=slug)
    session.add(book)
    session.flush()
    return book


# ---------------------------------------------------------------------- the ledger of a book


@dataclass
class BookState:
    """A book's ledger rebuilt from the scenario and the participant's rows."""

    book: PracticeBook
    scenario: Scenario
    ledger: Ledger
    mine: list[int]  # entry numbers posted by the participant, in order
    given: int  # how many entries the scenario put in the book

    def task_done(self) -> dict[int, int]:
        """Task number -> the participant's entry that records it exactly (not reversed)."""
        done: dict[int, int] = {}
        for number in self.mine:
            posted = self.ledger.get(number)
            if posted.kind == "pembalik" or self.ledger.reversed_by(number):
                continue
            for task in self.scenario.tasks:
                if (
                    task.number not in done
                    and task.kind == posted.kind
                    and same_entry(posted.entry, task.answer)
                ):
                    done[task.number] = number
                    break
        return done

    def next_task(self) -> Task | None:
        done = self.task_done()
        return next((t for t in self.scenario.tasks if t.number not in done), None)


def _net(entry: JournalEntry) -> dict[str, int]:
    net: dict[str, int] = defaultdict(int)
    for line in entry.lines:
        net[line.account_code] += line.debit - line.credit
    return {code: amount for code, amount in net.items() if amount}


def same_entry(entry: JournalEntry, answer: JournalEntry) -> bool:
    """Same date and the same effect on every account (line order and splitting aside)."""
    return entry.date == answer.date and _net(entry) == _net(answer)


def load_state(session: Session, book: PracticeBook) -> BookState:
    """Two queries: the book's entries, then their lines."""
    scenario = scenario_of(book)
    ledger = scenario.new_ledger()
    given = len(ledger.entries)
    entries = session.scalars(
        select(PracticeEntry)
        .where(PracticeEntry.book_id == book.id, PracticeEntry.generation == book.generation)
        .order_by(PracticeEntry.number)
    ).all()
    lines: dict[int, list[Line]] = defaultdict(list)
    if entries:
        for line_row in session.scalars(
            select(PracticeLine)
            .where(PracticeLine.entry_id.in_([e.id for e in entries]))
            .order_by(PracticeLine.entry_id, PracticeLine.position)
        ):
            lines[line_row.entry_id].append(
                Line(line_row.account_code, line_row.debit, line_row.credit)
            )
    mine: list[int] = []
    for row in entries:
        if row.kind == "pembalik" and row.reverses is not None:
            number = ledger.reverse(row.reverses, row.date, row.reason or "")
        else:
            entry = JournalEntry(row.date, row.description, tuple(lines[row.id]))
            number = ledger.post(entry, kind="penutup" if row.kind == "penutup" else "umum")
        if number != row.number:  # the rows no longer fit the scenario (it was edited)
            raise BookNotFound(book.id)
        mine.append(number)
    return BookState(book, scenario, ledger, mine, given)


# ---------------------------------------------------------------------- the journal form


@dataclass
class FormLine:
    akun: str = ""
    debit: str = ""
    kredit: str = ""

    @property
    def blank(self) -> bool:
        return not (self.akun.strip() or self.debit.strip() or self.kredit.strip())


@dataclass
class JournalForm:
    """What the person typed, kept as text so that it can be shown again exactly."""

    tanggal: str = ""
    keterangan: str = ""
    lines: list[FormLine] = field(default_factory=list)
    jenis: str = "umum"  # or "penutup": a closing entry

    @classmethod
    def empty(cls, day: dt.date | None = None, rows: int = MIN_LINES) -> JournalForm:
        return cls(day.isoformat() if day else "", "", [FormLine() for _ in range(rows)])

    @classmethod
    def from_form(cls, data: Mapping[str, Any]) -> JournalForm:
        def text(name: str, limit: int = 200) -> str:
            value = data.get(name)
            return value[:limit] if isinstance(value, str) else ""

        try:
            rows = int(text("baris", 4) or MIN_LINES)
        except ValueError:
            rows = MIN_LINES
        rows = max(MIN_LINES, min(MAX_LINES, rows))
        return cls(
            text("tanggal", 20),
            text("keterangan", DESCRIPTION_MAX),
            [
                FormLine(text(f"akun-{i}", 120), text(f"debit-{i}", 40), text(f"kredit-{i}", 40))
                for i in range(rows)
            ],
            "penutup" if text("jenis", 10) == "penutup" else "umum",
        )

    @classmethod
    def from_draft(cls, draft: Mapping[str, Any] | None) -> JournalForm | None:
        if not draft:
            return None
        raw = draft.get("lines") or []
        lines = [
            FormLine(str(r.get("akun", "")), str(r.get("debit", "")), str(r.get("kredit", "")))
            for r in raw[:MAX_LINES]
            if isinstance(r, dict)
        ]
        lines += [FormLine() for _ in range(MIN_LINES - len(lines))]
        kind = "penutup" if draft.get("jenis") == "penutup" else "umum"
        return cls(str(draft.get("tanggal", "")), str(draft.get("keterangan", "")), lines, kind)

    def to_draft(self) -> dict[str, Any]:
        return {
            "tanggal": self.tanggal,
            "keterangan": self.keterangan,
            "jenis": self.jenis,
            "lines": [
                {"akun": ln.akun, "debit": ln.debit, "kredit": ln.kredit} for ln in self.lines
            ],
        }

    @property
    def is_blank(self) -> bool:
        return not self.keterangan.strip() and all(line.blank for line in self.lines)

    def add_line(self) -> None:
        if len(self.lines) < MAX_LINES:
            self.lines.append(FormLine())

    def remove_line(self, index: int) -> None:
        if 0 <= index < len(self.lines) and len(self.lines) > MIN_LINES:
            del self.lines[index]

    def compact(self) -> None:
        """Drop blank rows (keeping at least two) so row numbers match the engine's."""
        kept = [line for line in self.lines if not line.blank]
        self.lines = kept + [FormLine() for _ in range(MIN_LINES - len(kept))]


@dataclass
class Totals:
    debit: int
    credit: int
    unreadable: int  # amounts that are not (yet) valid rupiah

    @property
    def difference(self) -> int:
        return self.debit - self.credit


def running_totals(form: JournalForm) -> Totals:
    debit = credit = unreadable = 0
    for line in form.lines:
        for text, is_debit in ((line.debit, True), (line.kredit, False)):
            if not text.strip():
                continue
            try:
                amount = parse_rupiah(text)
            except AmountError:
                unreadable += 1
                continue
            if is_debit:
                debit += amount
            else:
                credit += amount
    return Totals(debit, credit, unreadable)


_DATE_FORMS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), (3, 2, 1)),
)


def parse_date(text: str) -> dt.date:
    value = text.strip()
    if not value:
        raise ValueError(_("Isi tanggal transaksi."))
    for pattern, (y, m, d) in _DATE_FORMS:
        match = pattern.match(value)
        if match:
            try:
                return dt.date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                break
    raise ValueError(
        _("Tanggal \u201c%(text)s\u201d tidak dikenali; tulis seperti 31/12/2025.")
        % {"text": value}
    )


def find_account(chart: Chart, text: str) -> Account:
    """The account typed as a code ("1-102"), a pick from the list ("1-102 Kas Gerai Sembako")
    or a name that matches exactly one account; ValueError says what went wrong."""
    value = " ".join(text.split())
    if not value:
        raise ValueError(_("Pilih akun."))
    code = value.split(" ", 1)[0]
    if code in chart:
        return chart.get(code)
    exact = [a for a in chart if a.name.casefold() == value.casefold()]
    found = exact or chart.search(value)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(
            _(
                "Akun \u201c%(text)s\u201d tidak ada di bagan akun. Ketik kodenya (misalnya "
                "1-101) atau pilih dari daftar."
            )
            % {"text": value}
        )
    names = ", ".join(a.label for a in found[:4])
    raise ValueError(
        _("\u201c%(text)s\u201d cocok dengan beberapa akun (%(names)s). Pilih salah satu.")
        % {"text": value, "names": names}
    )


@dataclass
class FormResult:
    entry: JournalEntry | None
    errors: dict[str, str]  # field name -> message
    problems: list[str]  # messages about the whole entry


def read_entry(form: JournalForm, ledger: Ledger) -> FormResult:
    """Turn the form into a journal entry the ledger accepts, or say everything that is wrong."""
    errors: dict[str, str] = {}
    problems: list[str] = []
    day: dt.date | None = None
    try:
        day = parse_date(form.tanggal)
    except ValueError as exc:
        errors["tanggal"] = str(exc)
    description = " ".join(form.keterangan.split())
    if not description:
        errors["keterangan"] = _(
            "Tulis keterangan transaksi, misalnya \u201cPenjualan tunai\u201d."
        )
    lines: list[Line] = []
    for index, row in enumerate(form.lines):
        if row.blank:
            continue
        code = ""
        try:
            code = find_account(ledger.chart, row.akun).code
        except ValueError as exc:
            errors[f"akun-{index}"] = str(exc)
        amounts = []
        for name, text in (("debit", row.debit), ("kredit", row.kredit)):
            if not text.strip():
                amounts.append(0)
                continue
            try:
                amounts.append(parse_rupiah(text))
            except AmountError as exc:
                errors[f"{name}-{index}"] = str(exc)
                amounts.append(0)
        lines.append(Line(code, amounts[0], amounts[1]))
    if not lines:
        problems.append(_("Isi sedikitnya dua baris: satu akun di debit dan satu di kredit."))
    if errors or problems or day is None:
        return FormResult(None, errors, problems)
    entry = JournalEntry(day, description, tuple(lines))
    for problem in ledger.validate(entry):
        _place_problem(problem, errors, problems)
    return FormResult(None if (errors or problems) else entry, errors, problems)


def _place_problem(problem: Problem, errors: dict[str, str], problems: list[str]) -> None:
    if problem.line_index is None:
        if problem.code in ("di_luar_periode", "periode_ditutup"):
            errors["tanggal"] = problem.message
        else:
            problems.append(problem.message)
        return
    target = "akun" if problem.code == "akun_tidak_dikenal" else "debit"
    errors.setdefault(f"{target}-{problem.line_index}", problem.message)


# ---------------------------------------------------------------------- changes


def _touch(book: PracticeBook) -> None:
    book.updated_at = utcnow()


def save_draft(session: Session, book: PracticeBook, form: JournalForm) -> int:
    """Keep the form as typed; returns the new draft revision."""
    rev = book.draft_rev + 1
    session.execute(
        update(PracticeBook)
        .where(PracticeBook.id == book.id)
        .values(draft=None if form.is_blank else form.to_draft(), draft_rev=rev)
    )
    book.draft_rev = rev
    book.draft = None if form.is_blank else form.to_draft()
    return rev


def _insert(
    session: Session, book: PracticeBook, number: int, entry: JournalEntry, **kw: Any
) -> None:
    row = PracticeEntry(
        book_id=book.id,
        generation=book.generation,
        number=number,
        date=entry.date,
        description=entry.description[:DESCRIPTION_MAX],
        **kw,
    )
    session.add(row)
    session.flush()
    session.add_all(
        PracticeLine(
            entry_id=row.id,
            position=i,
            account_code=line.account_code,
            debit=line.debit,
            credit=line.credit,
        )
        for i, line in enumerate(entry.lines)
    )


def post(
    session: Session, user: User, book_id: int, form: JournalForm
) -> tuple[BookState, FormResult]:
    """Validate and post the form's entry in one write transaction."""
    begin_write(session)
    book = own_book(session, user, book_id, lock=True)
    state = load_state(session, book)
    result = read_entry(form, state.ledger)
    if result.entry is None:
        return state, result
    kind: EntryKind = "penutup" if form.jenis == "penutup" else "umum"
    number = state.ledger.post(result.entry, kind=kind)
    _insert(session, book, number, result.entry, kind=kind)
    state.mine.append(number)
    book.draft = None
    book.draft_rev = book.form_rev = book.draft_rev + 1
    _touch(book)
    return state, result


def reverse(
    session: Session, user: User, book_id: int, number: int, on_text: str, reason: str
) -> tuple[BookState, str | None]:
    """Reverse one of the participant's entries; returns the state and an error, if any."""
    begin_write(session)
    book = own_book(session, user, book_id, lock=True)
    state = load_state(session, book)
    if number not in state.mine:
        return state, _(
            "Jurnal nomor %(n)s bukan jurnal Anda di buku ini; yang dapat dibalik hanya jurnal "
            "yang Anda catat sendiri."
        ) % {"n": number}
    try:
        on = parse_date(on_text) if on_text.strip() else state.ledger.get(number).entry.date
        new = state.ledger.reverse(number, on, reason)
    except ValueError as exc:  # JournalError is a ValueError
        message = (
            "\n".join(p.message for p in exc.problems)
            if isinstance(exc, JournalError)
            else str(exc)
        )
        return state, message
    posted = state.ledger.get(new)
    _insert(
        session, book, new, posted.entry, kind="pembalik", reverses=number, reason=posted.reason
    )
    state.mine.append(new)
    _touch(book)
    return state, None


def start_over(session: Session, user: User, book_id: int) -> PracticeBook:
    """Back to the scenario's starting books; the earlier entries stay stored, out of view."""
    begin_write(session)
    book = own_book(session, user, book_id, lock=True)
    book.generation += 1
    book.draft = None
    book.draft_rev = book.form_rev = book.draft_rev + 1
    _touch(book)
    return book


def default_form(state: BookState) -> JournalForm:
    """An empty form dated at the next task not yet recorded (or the last entry's date)."""
    task = state.next_task()
    if task is not None:
        return JournalForm.empty(task.date)
    last = state.ledger.entries[-1].entry.date if state.ledger.entries else None
    return JournalForm.empty(last or state.ledger.period_start)
