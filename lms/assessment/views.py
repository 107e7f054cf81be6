"""Between the quiz library and the page: form fields <-> answers, and what a question shows.

Each question is its own small form. Its fields are named the same for every question of a
type (``j``; journal rows ``t1-akun``…; statement boxes ``b0``, ``b0-d``, ``b0-k``; SHU boxes
``a0``, ``m0-jm``, ``m0-ju``) and turned into the answers-file shape the grader reads.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizzes.ledger.journal import Ledger, format_tanggal
from quizzes.quiz import (
    NO_ENTRY,
    ChoiceQuestion,
    JournalQuestion,
    NumericQuestion,
    Question,
    ShuQuestion,
    StatementQuestion,
    TrueFalseQuestion,
)
from quizzes.quiz import Quiz as QuizDef

MIN_ROWS = 3
MAX_ROWS = 12
MAX_TEXT = 200

Fields = Mapping[str, Sequence[str]]


def _one(fields: Fields, name: str) -> str:
    values = fields.get(name) or [""]
    return str(values[0])[:MAX_TEXT]


def answer_from_form(question: Question, fields: Fields) -> Any:
    """The answer a question's form holds, in the answers-file shape (None when empty)."""
    if isinstance(question, ChoiceQuestion):
        ids = {c.id for c in question.choices}
        picked = sorted({v for v in fields.get("j", []) if v in ids})
        if question.multiple:
            return picked or None
        return picked[0] if picked else None
    if isinstance(question, TrueFalseQuestion):
        value = _one(fields, "j")
        return value if value in ("benar", "salah") else None
    if isinstance(question, NumericQuestion):
        return _one(fields, "j").strip() or None
    if isinstance(question, JournalQuestion):
        answer: dict[str, Any] = {}
        for t in question.transactions:
            prefix = f"t{t.number}"
            if _one(fields, f"{prefix}-tidak"):
                answer[str(t.number)] = NO_ENTRY
                continue
            accounts = fields.get(f"{prefix}-akun", [])
            debits = fields.get(f"{prefix}-debit", [])
            credits = fields.get(f"{prefix}-kredit", [])
            rows = []
            for i in range(min(MAX_ROWS, max(len(accounts), len(debits), len(credits)))):
                row = {
                    "akun": (accounts[i] if i < len(accounts) else "")[:MAX_TEXT].strip(),
                    "debit": (debits[i] if i < len(debits) else "")[:40].strip(),
                    "kredit": (credits[i] if i < len(credits) else "")[:40].strip(),
                }
                if any(row.values()):
                    rows.append(row)
            if rows:
                answer[str(t.number)] = rows
        return answer or None
    if isinstance(question, StatementQuestion):
        result: dict[str, Any] = {}
        for i, line in enumerate(question.rows):
            if line.two_sided:
                d, k = _one(fields, f"b{i}-d").strip(), _one(fields, f"b{i}-k").strip()
                if d or k:
                    result[line.key] = {"debit": d, "kredit": k}
            elif value := _one(fields, f"b{i}").strip():
                result[line.key] = value
        return result or None
    if isinstance(question, ShuQuestion):
        shu: dict[str, Any] = {}
        allocation = {
            item: value
            for i, item in enumerate(question.allocation)
            if (value := _one(fields, f"a{i}").strip())
        }
        if allocation:
            shu["alokasi"] = allocation
        members = {}
        for i, member in enumerate(question.members):
            jm, ju = _one(fields, f"m{i}-jm").strip(), _one(fields, f"m{i}-ju").strip()
            if jm or ju:
                members[member.member_id] = {"jasa_modal": jm, "jasa_usaha": ju}
        if members:
            shu["anggota"] = members
        return shu or None
    raise TypeError(type(question).__name__)


@dataclass(frozen=True)
class JournalRows:
    """What the journal form shows for one transaction."""

    no_entry: bool
    rows: list[dict[str, str]]


def journal_rows(question: JournalQuestion, answer: Any) -> dict[int, JournalRows]:
    given = answer if isinstance(answer, Mapping) else {}
    shown: dict[int, JournalRows] = {}
    for t in question.transactions:
        value = given.get(str(t.number))
        if value == NO_ENTRY:
            shown[t.number] = JournalRows(True, [{} for _ in range(MIN_ROWS)])
            continue
        rows = [dict(r) for r in value] if isinstance(value, list) else []
        while len(rows) < MIN_ROWS:
            rows.append({})
        shown[t.number] = JournalRows(False, rows)
    return shown


def statement_value(answer: Any, key: str, side: str | None = None) -> str:
    given = answer if isinstance(answer, Mapping) else {}
    value = given.get(key)
    if side is None:
        return str(value or "") if not isinstance(value, Mapping) else ""
    return str(value.get(side) or "") if isinstance(value, Mapping) else ""


def shu_value(answer: Any, group: str, key: str, part: str | None = None) -> str:
    given = answer if isinstance(answer, Mapping) else {}
    values = given.get(group)
    value = values.get(key) if isinstance(values, Mapping) else None
    if part is not None:
        value = value.get(part) if isinstance(value, Mapping) else None
    return str(value or "")


def picked(answer: Any) -> set[str]:
    if isinstance(answer, list):
        return {str(a) for a in answer}
    return {str(answer)} if answer else set()


# ---------------------------------------------------------------------- rendered text


@dataclass(frozen=True)
class LedgerView:
    opening: list[tuple[str, int, int]]  # label, debit, credit
    entries: list[tuple[str, str, list[tuple[str, int, int]]]]  # date, description, lines
    period: str


def ledger_view(ledger: Ledger) -> LedgerView:
    chart = ledger.chart
    opening = []
    for account in chart:
        amount = ledger.opening_balance(account.code)
        if amount:
            debit_side = account.normal.sign > 0
            opening.append(
                (account.label, amount if debit_side else 0, 0 if debit_side else amount)
            )
    entries = [
        (
            format_tanggal(p.entry.date),
            p.entry.description,
            [
                (chart.get(line.account_code).label, line.debit, line.credit)
                for line in p.entry.lines
            ],
        )
        for p in ledger.entries
    ]
    period = f"{format_tanggal(ledger.period_start)} – {format_tanggal(ledger.period_end)}"
    return LedgerView(opening, entries, period)


@dataclass(frozen=True)
class Texts:
    """A quiz's texts as HTML, rendered from Markdown once when the course was published."""

    html: dict[str, str]

    def __call__(self, key: str) -> str:
        return self.html.get(key, "")


def render_texts(quiz_def: QuizDef) -> dict[str, str]:
    """Every text of the quiz as sanitised HTML (for :class:`~lms.assessment.models.QuizRender`)."""
    from courses.render import sanitize
    from lms.learning.services import renderer

    md = renderer()
    html: dict[str, str] = {}

    def put(key: str, text: str | None) -> None:
        if text:
            html[key] = md.render(text).html

    for q in quiz_def.questions:
        put(q.id, q.text)
        put(f"{q.id}:pembahasan", q.explanation)
        for c in getattr(q, "choices", ()):
            # A choice sits inside a <label>: phrasing content only, no paragraphs.
            html[f"{q.id}:{c.id}"] = sanitize(md.md.renderInline(c.text))
        for t in getattr(q, "transactions", ()):
            put(f"{q.id}:t{t.number}", t.text)
            put(f"{q.id}:t{t.number}:pembahasan", t.explanation)
    return html


@functools.lru_cache(maxsize=24)
def ledgers(quiz_def: QuizDef) -> dict[str, LedgerView]:
    return {
        q.id: ledger_view(q.ledger) for q in quiz_def.questions if isinstance(q, StatementQuestion)
    }
