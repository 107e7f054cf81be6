"""Quiz questions and their grading, in plain data.

A quiz is loaded from YAML by :mod:`quizzes.loader` (format: docs/content-format.md). Every
question grades an answer given in the answers-file shape (the same JSON the platform stores)
and returns a :class:`Result`: the share of the question's weight earned (an exact fraction
between 0 and 1) and feedback in Indonesian. Grading never raises on a participant's input:
whatever was typed is graded, and what cannot be read is said so in the feedback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar, Literal

from quizzes.ledger.chart import Chart
from quizzes.ledger.journal import Ledger, Line
from quizzes.ledger.money import AmountError, format_rupiah, parse_rupiah
from quizzes.ledger.reports import Member

__all__ = [
    "NO_ENTRY",
    "Choice",
    "ChoiceQuestion",
    "JournalQuestion",
    "NumericQuestion",
    "Question",
    "Quiz",
    "QuizSettings",
    "Result",
    "ShuQuestion",
    "StatementQuestion",
    "StatementRow",
    "Transaction",
    "TrueFalseQuestion",
    "grade_quiz",
    "read_amount",
    "resolve_account",
]

NO_ENTRY = "tidak_perlu_jurnal"
Side = Literal["debit", "kredit"]
SIDE_WORD = {"debit": "debit", "kredit": "kredit"}


@dataclass(frozen=True)
class Result:
    """What one question earned: ``share`` of its weight (0..1) and feedback lines."""

    share: Fraction
    feedback: tuple[str, ...]
    # Accounts the participant used that the key does not have, as "transaction:code:side"
    # (journal questions only), for the item analysis.
    wrong_accounts: tuple[str, ...] = ()
    answered: bool = True


def read_amount(value: object) -> int | None:
    """A participant's amount: None when empty; AmountError when it cannot be read."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise AmountError("Jumlah harus angka rupiah.")
    if isinstance(value, int):
        if value < 0:
            raise AmountError("Jumlah tidak boleh negatif.")
        return value
    text = str(value).strip()
    if not text:
        return None
    return parse_rupiah(text)


def resolve_account(chart: Chart, text: str) -> str | None:
    """An account written as its code, ``"kode nama"`` or its exact name; None if unknown."""
    value = " ".join(str(text).split())
    if not value:
        return None
    code = value.split(" ", 1)[0]
    if code in chart:
        return code
    exact = [a for a in chart if a.name.casefold() == value.casefold()]
    return exact[0].code if len(exact) == 1 else None


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple):
        return all(_is_blank(v) for v in (value.values() if isinstance(value, Mapping) else value))
    return False


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    weight: int
    explanation: str | None
    line: int  # where the question starts in its file
    kind: ClassVar[str] = ""

    def grade(self, answer: object) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    def key(self) -> Any:  # pragma: no cover - abstract
        """The question's own key in answers-file form (grading it gives full marks)."""
        raise NotImplementedError

    def blank(self, answer: object) -> bool:
        return _is_blank(answer)


# ---------------------------------------------------------------------- choices


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    correct: bool
    feedback: str | None = None


@dataclass(frozen=True)
class ChoiceQuestion(Question):
    """``pilihan_tunggal`` (one right choice) or ``pilihan_ganda`` (tick every right one)."""

    choices: tuple[Choice, ...] = ()
    multiple: bool = False

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "pilihan_ganda" if self.multiple else "pilihan_tunggal"

    def key(self) -> Any:
        right = [c.id for c in self.choices if c.correct]
        return right if self.multiple else right[0]

    def _picked(self, answer: object) -> list[str]:
        if answer is None:
            return []
        values = answer if isinstance(answer, list | tuple) else [answer]
        ids = {c.id for c in self.choices}
        return sorted({str(v).strip().lower() for v in values} & ids)

    def grade(self, answer: object) -> Result:
        picked = self._picked(answer)
        if not picked:
            return Result(Fraction(0), ("Belum dijawab.",), answered=False)
        by_id = {c.id: c for c in self.choices}
        right = [c for c in self.choices if c.correct]
        feedback = [
            text for p in picked if not by_id[p].correct and (text := by_id[p].feedback) is not None
        ]
        if not self.multiple:
            if len(picked) > 1:
                return Result(Fraction(0), ("Soal ini hanya boleh dijawab dengan satu pilihan.",))
            choice = by_id[picked[0]]
            if choice.correct:
                return Result(Fraction(1), ("Benar.",))
            expected = right[0]
            return Result(
                Fraction(0),
                (f"Salah. Jawaban yang benar: \u201c{expected.text}\u201d.", *feedback),
            )
        good = sum(1 for p in picked if by_id[p].correct)
        bad = len(picked) - good
        share = max(Fraction(0), Fraction(good - bad, len(right)))
        if share == 1:
            return Result(share, ("Benar.",))
        # Choices are named by their text: the letters differ when the order is shuffled.
        missed = [f"\u201c{c.text}\u201d" for c in right if c.id not in picked]
        wrong = [f"\u201c{by_id[p].text}\u201d" for p in picked if not by_id[p].correct]
        lines = []
        if missed:
            lines.append("Pilihan benar yang belum Anda centang: " + "; ".join(missed) + ".")
        if wrong:
            lines.append("Pilihan yang tidak benar tetapi Anda centang: " + "; ".join(wrong) + ".")
        return Result(share, (*lines, *feedback))


@dataclass(frozen=True)
class TrueFalseQuestion(Question):
    kind: ClassVar[str] = "benar_salah"
    answer: bool = True

    def key(self) -> Any:
        return "benar" if self.answer else "salah"

    def grade(self, answer: object) -> Result:
        if isinstance(answer, bool):
            value: bool | None = answer
        else:
            text = str(answer or "").strip().lower()
            value = {"benar": True, "salah": False}.get(text)
        if value is None:
            return Result(Fraction(0), ("Belum dijawab.",), answered=False)
        if value == self.answer:
            return Result(Fraction(1), ("Benar.",))
        return Result(Fraction(0), (f"Jawaban Anda kurang tepat: pernyataan ini {self.key()}.",))


@dataclass(frozen=True)
class NumericQuestion(Question):
    kind: ClassVar[str] = "angka"
    answer: int = 0
    tolerance: int = 0

    def key(self) -> Any:
        return format_rupiah(self.answer)

    def grade(self, answer: object) -> Result:
        try:
            value = read_amount(answer)
        except AmountError as error:
            return Result(
                Fraction(0), (f"Jawaban \u201c{answer}\u201d tidak dapat dibaca. {error}",)
            )
        if value is None:
            return Result(Fraction(0), ("Belum dijawab.",), answered=False)
        if abs(value - self.answer) <= self.tolerance:
            return Result(Fraction(1), ("Benar.",))
        return Result(
            Fraction(0),
            (
                f"Jawaban Anda {format_rupiah(value)}; yang benar {format_rupiah(self.answer)}"
                + (f" (toleransi {format_rupiah(self.tolerance)})." if self.tolerance else "."),
            ),
        )


# ---------------------------------------------------------------------- journal case study


@dataclass(frozen=True)
class Transaction:
    number: int
    date: dt.date
    text: str
    key: tuple[Line, ...]  # empty: no entry is needed
    explanation: str | None = None
    line: int = 0

    @property
    def needs_entry(self) -> bool:
        return bool(self.key)


def _totals(lines: Sequence[Line]) -> dict[tuple[str, Side], int]:
    totals: dict[tuple[str, Side], int] = {}
    for line in lines:
        if line.debit:
            totals[line.account_code, "debit"] = totals.get((line.account_code, "debit"), 0) + (
                line.debit
            )
        if line.credit:
            totals[line.account_code, "kredit"] = totals.get((line.account_code, "kredit"), 0) + (
                line.credit
            )
    return totals


@dataclass(frozen=True)
class JournalQuestion(Question):
    kind: ClassVar[str] = "jurnal"
    chart: Chart = field(default=None, repr=False, compare=False)  # type: ignore[assignment]
    period_start: dt.date = dt.date.min
    period_end: dt.date = dt.date.max
    opening: Mapping[str, int] = field(default_factory=dict)
    transactions: tuple[Transaction, ...] = ()
    tolerance: int = 0

    def key(self) -> Any:
        result: dict[str, Any] = {}
        for t in self.transactions:
            if not t.key:
                result[str(t.number)] = NO_ENTRY
            else:
                result[str(t.number)] = [
                    {"akun": line.account_code, "debit": format_rupiah(line.debit)}
                    if line.debit
                    else {"akun": line.account_code, "kredit": format_rupiah(line.credit)}
                    for line in t.key
                ]
        return result

    def label(self, code: str) -> str:
        return self.chart.get(code).label if code in self.chart else code

    def read_lines(self, rows: object) -> tuple[list[Line], list[str]]:
        """The participant's rows of one transaction as lines, and what could not be read."""
        lines: list[Line] = []
        problems: list[str] = []
        if not isinstance(rows, list):
            return lines, problems
        for index, row in enumerate(rows, 1):
            if not isinstance(row, Mapping) or _is_blank(row):
                continue
            account_text = str(row.get("akun") or "").strip()
            try:
                debit = read_amount(row.get("debit")) or 0
                credit = read_amount(row.get("kredit")) or 0
            except AmountError as error:
                problems.append(f"baris {index}: jumlah tidak dapat dibaca. {error}")
                continue
            code = resolve_account(self.chart, account_text)
            if not account_text:
                problems.append(f"baris {index}: akun belum diisi.")
                continue
            if code is None:
                problems.append(f"baris {index}: akun \u201c{account_text}\u201d tidak dikenal.")
                continue
            if debit == 0 and credit == 0:
                problems.append(f"baris {index}: jumlah belum diisi.")
                continue
            lines.append(Line(code, debit, credit))
        return lines, problems

    def grade_transaction(self, t: Transaction, given: object) -> Result:
        prefix = f"Transaksi {t.number}"
        no_entry = isinstance(given, str) and given.strip() == NO_ENTRY
        lines, unreadable = ([], []) if no_entry else self.read_lines(given)
        notes = [f"{prefix}, {p}" for p in unreadable]
        if not t.key:
            if lines or unreadable:
                wrong = tuple(f"{t.number}:{code}:{side}" for code, side in _totals(lines))
                return Result(
                    Fraction(0),
                    (
                        f"{prefix}: transaksi ini tidak perlu dijurnal, tetapi Anda mencatat "
                        f"{len(lines) + len(unreadable)} baris.",
                        *notes,
                    ),
                    wrong,
                )
            return Result(Fraction(1), (f"{prefix}: benar, tidak perlu jurnal.",))
        if not lines:
            message = (
                f"{prefix}: Anda memilih \u201ctidak perlu jurnal\u201d, padahal transaksi ini "
                "harus dijurnal."
                if no_entry
                else f"{prefix}: belum dijawab."
            )
            return Result(
                Fraction(0), (message, *notes, *self._expected(t)), answered=no_entry or bool(notes)
            )
        key = _totals(t.key)
        mine = _totals(lines)
        points = 0
        feedback: list[str] = []
        for (code, side), amount in key.items():
            if (code, side) not in mine:
                other: Side = "kredit" if side == "debit" else "debit"
                if (code, other) in mine:
                    feedback.append(
                        f"{prefix}: {self.label(code)} Anda catat di {other}, seharusnya di "
                        f"{side} {format_rupiah(amount)}."
                    )
                else:
                    feedback.append(
                        f"{prefix}: kunci mencatat {self.label(code)} di {side} "
                        f"{format_rupiah(amount)}; akun ini tidak ada di jawaban Anda."
                    )
                continue
            points += 1
            got = mine[code, side]
            if abs(got - amount) <= self.tolerance:
                points += 1
            else:
                feedback.append(
                    f"{prefix}: {self.label(code)} di {side} benar, tetapi jumlahnya "
                    f"{format_rupiah(got)}; kunci {format_rupiah(amount)}."
                )
        extra = [(code, side) for (code, side) in mine if (code, side) not in key]
        for code, side in extra:
            other_side: Side = "kredit" if side == "debit" else "debit"
            if (code, other_side) in key:
                continue  # already said: the account is on the wrong side
            feedback.append(
                f"{prefix}: {self.label(code)} di {side} {format_rupiah(mine[code, side])} "
                "tidak ada di kunci (mengurangi 1 poin)."
            )
        points -= len(extra)
        debit = sum(line.debit for line in lines)
        credit = sum(line.credit for line in lines)
        if debit != credit:
            feedback.append(
                f"{prefix}: jurnal Anda tidak seimbang (debit {format_rupiah(debit)}, "
                f"kredit {format_rupiah(credit)})."
            )
        share = max(Fraction(0), Fraction(points, 2 * len(key)))
        if share == 1 and not notes:
            return Result(share, (f"{prefix}: benar.",))
        wrong = tuple(f"{t.number}:{code}:{side}" for code, side in extra)
        return Result(share, (*feedback, *notes), wrong)

    def _expected(self, t: Transaction) -> list[str]:
        parts = [
            f"{self.label(line.account_code)} "
            + (f"debit {format_rupiah(line.debit)}" if line.debit else "")
            + (f"kredit {format_rupiah(line.credit)}" if line.credit else "")
            for line in t.key
        ]
        return [f"Transaksi {t.number}: kunci: " + "; ".join(parts) + "."]

    def grade(self, answer: object) -> Result:
        if self.blank(answer):
            # Nothing at all: not even the transactions that need no entry earn points.
            return Result(Fraction(0), ("Belum dijawab.",), answered=False)
        given = answer if isinstance(answer, Mapping) else {}
        given = {str(k): v for k, v in given.items()}
        results = [self.grade_transaction(t, given.get(str(t.number))) for t in self.transactions]
        share = sum((r.share for r in results), Fraction(0)) / len(results)
        return Result(
            share,
            tuple(line for r in results for line in r.feedback),
            tuple(w for r in results for w in r.wrong_accounts),
            answered=any(r.answered for r in results),
        )

    def blank(self, answer: object) -> bool:
        if isinstance(answer, Mapping):
            return all(
                _is_blank(v) and not (isinstance(v, str) and v == NO_ENTRY) for v in answer.values()
            )
        return True


# ---------------------------------------------------------------------- statements and SHU


@dataclass(frozen=True)
class StatementRow:
    key: str  # an account code or a total's name
    label: str
    # neraca saldo lines have a debit and a credit box; other statements one amount
    debit: int | None = None
    credit: int | None = None
    amount: int | None = None
    contra: bool = False
    line: int = 0

    @property
    def two_sided(self) -> bool:
        return self.amount is None

    def expected(self) -> Any:
        if self.two_sided:
            return {
                "debit": format_rupiah(self.debit or 0),
                "kredit": format_rupiah(self.credit or 0),
            }
        return format_rupiah(self.amount or 0)


STATEMENT_TITLES = {
    "neraca_saldo": "Neraca saldo",
    "posisi_keuangan": "Laporan posisi keuangan",
    "hasil_usaha": "Laporan hasil usaha",
}


def _check_amount(
    label: str, given: object, expected: int, tolerance: int
) -> tuple[bool, str | None, bool]:
    """(right, feedback when wrong, answered). An empty box counts as 0 (and as unanswered)."""
    try:
        value = read_amount(given)
    except AmountError as error:
        return False, f"{label}: \u201c{given}\u201d tidak dapat dibaca. {error}", True
    answered = value is not None
    value = value or 0
    if abs(value - expected) <= tolerance:
        return True, None, answered
    return (
        False,
        f"{label}: jawaban Anda {format_rupiah(value)}; yang benar {format_rupiah(expected)}.",
        answered,
    )


def _grade_boxes(boxes: list[list[tuple[str, object, int]]], tolerance: int) -> Result:
    """Each group of boxes (a statement line, an allocation item) is 1 point when every box in
    it is right; an empty box counts as 0."""
    right = 0
    feedback: list[str] = []
    answered = False
    for group in boxes:
        group_ok = True
        for label, given, expected in group:
            ok, message, filled = _check_amount(label, given, expected, tolerance)
            answered = answered or filled
            group_ok = group_ok and ok
            if message:
                feedback.append(message)
        right += group_ok
    share = Fraction(right, len(boxes))
    if not answered:
        return Result(Fraction(0), ("Belum dijawab.",), answered=False)
    return Result(share, tuple(feedback) or ("Benar.",))


@dataclass(frozen=True)
class StatementQuestion(Question):
    kind: ClassVar[str] = "laporan"
    statement: str = "neraca_saldo"
    rows: tuple[StatementRow, ...] = ()
    tolerance: int = 0
    # The ledger the statement is made from (for showing its journal).
    ledger: Ledger = field(default=None, repr=False, compare=False)  # type: ignore[assignment]
    scenario: str | None = None

    @property
    def title(self) -> str:
        return STATEMENT_TITLES[self.statement]

    def key(self) -> Any:
        return {row.key: row.expected() for row in self.rows}

    def grade(self, answer: object) -> Result:
        given = answer if isinstance(answer, Mapping) else {}
        boxes: list[list[tuple[str, object, int]]] = []
        for row in self.rows:
            value = given.get(row.key)
            if row.two_sided:
                parts = value if isinstance(value, Mapping) else {}
                boxes.append(
                    [
                        (f"{row.label} (debit)", parts.get("debit"), row.debit or 0),
                        (f"{row.label} (kredit)", parts.get("kredit"), row.credit or 0),
                    ]
                )
            else:
                boxes.append([(row.label, value, row.amount or 0)])
        return _grade_boxes(boxes, self.tolerance)


@dataclass(frozen=True)
class ShuQuestion(Question):
    kind: ClassVar[str] = "shu"
    shu: int = 0
    percent: Mapping[str, Fraction] = field(default_factory=dict)
    jasa_modal: str = ""
    jasa_usaha: str = ""
    members: tuple[Member, ...] = ()
    ask_allocation: bool = True
    ask_members: bool = False
    allocation: Mapping[str, int] = field(default_factory=dict)  # computed by the engine
    member_shares: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    tolerance: int = 0

    def key(self) -> Any:
        result: dict[str, Any] = {}
        if self.ask_allocation:
            result["alokasi"] = {k: format_rupiah(v) for k, v in self.allocation.items()}
        if self.ask_members:
            result["anggota"] = {
                m: {"jasa_modal": format_rupiah(jm), "jasa_usaha": format_rupiah(ju)}
                for m, (jm, ju) in self.member_shares.items()
            }
        return result

    def grade(self, answer: object) -> Result:
        given = answer if isinstance(answer, Mapping) else {}
        boxes: list[list[tuple[str, object, int]]] = []
        if self.ask_allocation:
            alloc = given.get("alokasi")
            alloc = alloc if isinstance(alloc, Mapping) else {}
            for item, amount in self.allocation.items():
                boxes.append([(item, alloc.get(item), amount)])
        if self.ask_members:
            members = given.get("anggota")
            members = members if isinstance(members, Mapping) else {}
            names = {m.member_id: m.name for m in self.members}
            for member_id, (jm, ju) in self.member_shares.items():
                mine = members.get(member_id)
                mine = mine if isinstance(mine, Mapping) else {}
                who = f"{names[member_id]} ({member_id})"
                boxes.append([(f"{who}, jasa modal", mine.get("jasa_modal"), jm)])
                boxes.append([(f"{who}, jasa usaha", mine.get("jasa_usaha"), ju)])
        return _grade_boxes(boxes, self.tolerance)


# ---------------------------------------------------------------------- quiz


@dataclass(frozen=True)
class QuizSettings:
    time_limit: int = 0  # minutes; 0: none
    attempts: int = 1
    grading: Literal["tertinggi", "terakhir"] = "tertinggi"
    shuffle: bool = True
    review: Literal["segera", "setelah_tutup"] = "segera"
    pass_percent: int = 70


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (views cache by quiz)
class Quiz:
    slug: str
    title: str
    summary: str
    module: str | None
    settings: QuizSettings
    questions: tuple[Question, ...]
    file: str = ""

    @property
    def max_points(self) -> int:
        return sum(q.weight for q in self.questions)

    def question(self, question_id: str) -> Question | None:
        for q in self.questions:
            if q.id == question_id:
                return q
        return None

    def key(self) -> dict[str, Any]:
        return {q.id: q.key() for q in self.questions}


def grade_quiz(quiz: Quiz, answers: Mapping[str, object]) -> dict[str, Any]:
    """Grade a whole answers mapping; the JSON-ready report ``lms grade`` prints."""
    questions = []
    total = Fraction(0)
    for q in quiz.questions:
        result = q.grade(answers.get(q.id))
        points = result.share * q.weight
        total += points
        item: dict[str, Any] = {
            "id": q.id,
            "jenis": q.kind,
            "skor": _points(points),
            "bobot": q.weight,
            "umpan_balik": list(result.feedback),
            "dijawab": result.answered,
        }
        if result.wrong_accounts:
            item["akun_salah"] = list(result.wrong_accounts)
        questions.append(item)
    maximum = quiz.max_points
    return {
        "kuis": quiz.slug,
        "total": _points(total),
        "maksimum": maximum,
        "persen": _points(total * 100 / maximum) if maximum else 0.0,
        "soal": questions,
    }


def _points(value: Fraction) -> float:
    return round(float(value), 2)
