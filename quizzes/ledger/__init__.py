"""Pure double-entry ledger engine for KDKMP bookkeeping exercises.

No web, database or template dependencies: plain dataclasses and whole-rupiah integers.
"""

from quizzes.ledger.chart import Account, AccountType, Chart, ChartError, load_default_chart
from quizzes.ledger.journal import JournalEntry, JournalError, Ledger, Line, Problem
from quizzes.ledger.money import AmountError, format_rupiah, parse_rupiah, round_rupiah

__all__ = [
    "Account",
    "AccountType",
    "AmountError",
    "Chart",
    "ChartError",
    "JournalEntry",
    "JournalError",
    "Ledger",
    "Line",
    "Problem",
    "format_rupiah",
    "load_default_chart",
    "parse_rupiah",
    "round_rupiah",
]
