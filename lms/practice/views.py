"""What the practice ledger page shows, computed from a book's rebuilt ledger."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from lms.practice.models import PracticeBook
from lms.practice.services import BookState, FormResult, JournalForm, default_form, running_totals
from lms.runtime import run_module
from quizzes.ledger.chart import Account, Chart
from quizzes.ledger.journal import PostedEntry
from quizzes.ledger.reports import (
    Assertion,
    buku_besar,
    laporan_hasil_usaha,
    laporan_posisi_keuangan,
    neraca_saldo,
)


@dataclass(frozen=True)
class JournalRow:
    posted: PostedEntry
    mine: bool
    reversed_by: int | None
    lines: list[tuple[Account, int, int]]

    @property
    def can_reverse(self) -> bool:
        return self.mine and self.posted.kind == "umum" and self.reversed_by is None


@dataclass(frozen=True)
class Check:
    assertion: Assertion
    account: Account
    actual: int

    @property
    def ok(self) -> bool:
        return self.actual == self.assertion.expected


def draft_key(book: PracticeBook) -> str:
    """The name of the device's copy of a book's journal form (per start-over)."""
    return f"latihan-{book.id}-{book.generation}"


def form_context(
    book: PracticeBook, chart: Chart, form: JournalForm, result: FormResult | None
) -> dict[str, Any]:
    return {
        "book": book,
        "accounts": list(chart),
        "form": form,
        "errors": result.errors if result else {},
        "problems": result.problems if result else [],
        "totals": running_totals(form),
        "draft_key": draft_key(book),
    }


def _shu(state: BookState, shu_after_tax: int) -> dict[str, Any] | None:
    scenario = state.scenario
    if not scenario.members or not scenario.shu_persen:
        return None
    if shu_after_tax < 0:
        return {"loss": shu_after_tax}
    allocation, members = scenario.pembagian_shu(shu_after_tax)
    rows = [
        (name, _percent(scenario.shu_persen[name]), value) for name, value in allocation.items()
    ]
    return {"shu": shu_after_tax, "rows": rows, "members": members}


def _percent(value: Fraction) -> str:
    """``Fraction(30)`` -> ``30%``; ``Fraction(25, 2)`` -> ``12,5%``."""
    if value.denominator == 1:
        return f"{value.numerator}%"
    return f"{float(value):.4g}%".replace(".", ",")


def book_context(
    state: BookState,
    *,
    form: JournalForm | None = None,
    result: FormResult | None = None,
    account: str = "",
) -> dict[str, Any]:
    ledger = state.ledger
    chart = ledger.chart
    mine = set(state.mine)
    journal = [
        JournalRow(
            posted,
            posted.id in mine,
            ledger.reversed_by(posted.id),
            [(chart.get(ln.account_code), ln.debit, ln.credit) for ln in posted.entry.lines],
        )
        for posted in ledger.entries
    ]
    trial = neraca_saldo(ledger)
    active = [row.account.code for row in trial.rows]
    if account not in chart:
        account = active[0] if active else next(iter(chart)).code
    income = laporan_hasil_usaha(ledger)
    checks = [
        Check(a, chart.get(a.account_code), ledger.balance(a.account_code, a.date))
        for a in state.scenario.assertions
    ]
    done = state.task_done()
    if form is None:
        form = JournalForm.from_draft(state.book.draft) or default_form(state)
    context = form_context(state.book, chart, form, result)
    context.update(
        state=state,
        scenario=state.scenario,
        tasks=state.scenario.tasks,
        done=done,
        journal=journal,
        account_code=account,
        account_ledger=buku_besar(ledger, account),
        trial=trial,
        position=laporan_posisi_keuangan(ledger),
        income=income,
        shu=_shu(state, income.shu_sesudah_pajak),
        checks=checks,
        checks_ok=sum(1 for c in checks if c.ok),
        show_kind=any(t.kind == "penutup" for t in state.scenario.tasks),
    )
    return context


def file_stem(state: BookState) -> str:
    """``buku-latihan-12-gerai-sembako-bulan-pertama``: ASCII, safe in a header."""
    slug = re.sub(r"[^a-z0-9-]+", "-", state.scenario.slug.lower()).strip("-")
    return f"buku-latihan-{state.book.id}-{slug}"


def xlsx_bytes(state: BookState) -> bytes:
    """The workbook, made in a child process: openpyxl would add megabytes to every worker
    that ever served a download, and workers must stay under 100 MB."""
    from quizzes.ledger.export import ledger_to_data

    request = {
        "ledger": ledger_to_data(state.ledger),
        "title": state.scenario.title,
        "koperasi": state.scenario.koperasi,
    }
    data = json.dumps(request).encode()
    done = run_module("quizzes.ledger.export", "xlsx", data=data, timeout=120)
    done.check_returncode()
    return done.stdout
