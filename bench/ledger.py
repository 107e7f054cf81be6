"""The ledger engine against beancount on one year of a koperasi's books (bar: 20x faster).

10,000 transactions with a fixed seed over one tahun buku on the default KDKMP chart: sales of
the gerai sembako with their cost of goods, purchases, loans to members and their instalments
with jasa, simpanan pokok/wajib/sukarela, salaries, electricity, depreciation, bank transfers,
split payments (2 to 4 lines each, always balanced) and a few reversals.

Timed, best of several repeats (time.perf_counter):

* engine: build the Ledger by posting every entry (validation included) and reversing a few,
  then the balance of every account, the neraca saldo, the laporan posisi keuangan and the
  laporan hasil usaha;
* beancount: ``loader.load_string`` on the same ledger's :func:`~quizzes.ledger.export.to_beancount`
  text (written before the clock starts; its balance assertions are checked by the loader), then
  every account's balance from a realization, a trial balance and the totals of the two
  statements from that realization.

Both must agree on every account's balance, the trial balance and the statement totals, or the
benchmark fails. The journal entries are built before the clock starts, as the text is.

Run: `python -m bench.ledger` (or `make bench`). Knobs: BENCH_LEDGER_TRANSACTIONS,
BENCH_LEDGER_REPEATS.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from quizzes.ledger.chart import Chart, load_default_chart
from quizzes.ledger.export import account_names, to_beancount
from quizzes.ledger.journal import JournalEntry, Ledger, Line
from quizzes.ledger.reports import laporan_hasil_usaha, laporan_posisi_keuangan, neraca_saldo

GOAL_RATIO = 20
SEED = 20251231
TRANSACTIONS = int(os.environ.get("BENCH_LEDGER_TRANSACTIONS", "10000"))
REPEATS = int(os.environ.get("BENCH_LEDGER_REPEATS", "5"))
REVERSALS = 25
START = dt.date(2025, 1, 1)
END = dt.date(2025, 12, 31)

OPENING = {
    "1-101": 15_000_000,
    "1-102": 25_000_000,
    "1-103": 150_000_000,
    "1-104": 400_000_000,
    "1-121": 300_000_000,
    "1-122": 6_000_000,
    "1-131": 80_000_000,
    "1-201": 60_000_000,
    "1-202": 12_000_000,
    "1-211": 30_000_000,
    "1-212": 6_000_000,
    "2-101": 40_000_000,
    "2-102": 250_000_000,
    "2-201": 100_000_000,
    "3-101": 300_000_000,
    "3-102": 296_000_000,
    "3-201": 50_000_000,
}

Lines = list[tuple[str, int, int]]


def _amount(rng: random.Random, low: int, high: int, step: int = 500) -> int:
    return rng.randrange(low // step, high // step + 1) * step


def _sale(rng: random.Random) -> tuple[str, Lines]:
    sale = _amount(rng, 50_000, 5_000_000)
    cost = sale * rng.randrange(75, 90) // 100
    cash = rng.choice(["1-102", "1-102", "1-102", "1-111"])
    return "Penjualan gerai sembako dan HPP-nya", [
        (cash, sale, 0),
        ("5-101", cost, 0),
        ("4-101", 0, sale),
        ("1-131", 0, cost),
    ]


def _purchase(rng: random.Random) -> tuple[str, Lines]:
    amount = _amount(rng, 500_000, 20_000_000, 1000)
    source = rng.choice(["2-101", "1-104", "1-102"])
    return "Pembelian barang dagangan gerai", [("1-131", amount, 0), (source, 0, amount)]


def _pay_supplier(rng: random.Random) -> tuple[str, Lines]:
    amount = _amount(rng, 500_000, 15_000_000, 1000)
    return "Pelunasan utang usaha pemasok", [("2-101", amount, 0), ("1-104", 0, amount)]


def _receivable(rng: random.Random) -> tuple[str, Lines]:
    amount = _amount(rng, 50_000, 2_000_000)
    return "Pelunasan piutang pelanggan gerai", [("1-102", amount, 0), ("1-111", 0, amount)]


def _loan(rng: random.Random) -> tuple[str, Lines]:
    amount = _amount(rng, 1_000_000, 10_000_000, 100_000)
    admin = amount // 100
    return "Pencairan pinjaman anggota", [
        ("1-121", amount, 0),
        ("1-103", 0, amount - admin),
        ("4-202", 0, admin),
    ]


def _instalment(rng: random.Random) -> tuple[str, Lines]:
    principal = _amount(rng, 100_000, 1_000_000, 10_000)
    jasa = principal * 15 // 100
    return "Angsuran pokok dan jasa pinjaman anggota", [
        ("1-103", principal + jasa, 0),
        ("1-121", 0, principal),
        ("4-201", 0, jasa),
    ]


def _simpanan(rng: random.Random) -> tuple[str, Lines]:
    kind = rng.random()
    if kind < 0.15:
        return "Simpanan pokok anggota baru", [("1-101", 100_000, 0), ("3-101", 0, 100_000)]
    if kind < 0.6:
        amount = rng.choice([10_000, 20_000, 50_000])
        return "Simpanan wajib anggota", [("1-103", amount, 0), ("3-102", 0, amount)]
    amount = _amount(rng, 50_000, 3_000_000, 10_000)
    if kind < 0.85:
        return "Setoran simpanan sukarela", [("1-103", amount, 0), ("2-102", 0, amount)]
    return "Penarikan simpanan sukarela", [("2-102", amount, 0), ("1-103", 0, amount)]


def _expenses(rng: random.Random) -> tuple[str, Lines]:
    choices = [("5-103", 100_000, 900_000), ("5-801", 20_000, 500_000), ("5-901", 5_000, 200_000)]
    picked = rng.sample(choices, rng.randrange(1, 4))
    lines: Lines = [(code, _amount(rng, low, high), 0) for code, low, high in picked]
    cash = rng.choice(["1-101", "1-102"])
    lines.append((cash, 0, sum(d for _, d, _ in lines)))
    return "Pembayaran listrik, ATK dan beban lain", lines


def _salary(rng: random.Random) -> tuple[str, Lines]:
    amount = rng.choice([1_500_000, 2_000_000, 2_500_000])
    if rng.random() < 0.5:
        return "Gaji penjaga gerai", [("5-102", amount, 0), ("1-102", 0, amount)]
    return "Gaji penjaga gerai dan biaya transfer bank", [
        ("5-102", amount, 0),
        ("5-801", 6_500, 0),
        ("1-104", 0, amount + 6_500),
    ]


def _transfer(rng: random.Random) -> tuple[str, Lines]:
    amount = _amount(rng, 1_000_000, 25_000_000, 100_000)
    source = rng.choice(["1-101", "1-102", "1-103"])
    if rng.random() < 0.5:
        return "Setor kas ke bank", [("1-104", amount, 0), (source, 0, amount)]
    return "Ambil uang dari bank", [(source, amount, 0), ("1-104", 0, amount)]


def _jasa_simpanan(rng: random.Random) -> tuple[str, Lines]:
    amount = _amount(rng, 10_000, 300_000)
    return "Jasa simpanan sukarela", [("5-201", amount, 0), ("2-102", 0, amount)]


def _other_income(rng: random.Random) -> tuple[str, Lines]:
    amount = _amount(rng, 10_000, 1_000_000)
    return "Pendapatan sewa tempat", [
        (rng.choice(["1-101", "1-104"]), amount, 0),
        ("4-901", 0, amount),
    ]


KINDS: list[tuple[Callable[[random.Random], tuple[str, Lines]], int]] = [
    (_sale, 40),
    (_purchase, 6),
    (_pay_supplier, 4),
    (_receivable, 5),
    (_loan, 5),
    (_instalment, 12),
    (_simpanan, 12),
    (_expenses, 6),
    (_salary, 2),
    (_transfer, 5),
    (_jasa_simpanan, 2),
    (_other_income, 1),
]


def _monthly(month: int) -> list[JournalEntry]:
    """Depreciation and the loan-loss allowance at the end of every month."""
    last = (dt.date(2025 + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    return [
        JournalEntry(
            last,
            "Penyusutan peralatan gerai dan kantor",
            (
                Line("5-104", debit=1_000_000),
                Line("5-801", debit=500_000),
                Line("1-202", credit=1_000_000),
                Line("1-212", credit=500_000),
            ),
        ),
        JournalEntry(
            last,
            "Cadangan kerugian pinjaman",
            (Line("5-202", debit=250_000), Line("1-122", credit=250_000)),
        ),
    ]


def journal(count: int = TRANSACTIONS - REVERSALS, seed: int = SEED) -> list[JournalEntry]:
    """``count`` balanced entries of 2-4 lines in date order over the year (fixed seed)."""
    rng = random.Random(seed)
    makers, weights = zip(*KINDS, strict=True)
    monthly = [e for month in range(1, 13) for e in _monthly(month)]
    days = sorted(
        START + dt.timedelta(days=rng.randrange((END - START).days + 1))
        for _ in range(count - len(monthly))
    )
    result: list[JournalEntry] = []
    for day in days:
        maker = rng.choices(makers, weights)[0]
        description, rows = maker(rng)
        lines = tuple(Line(code, debit=d, credit=c) for code, d, c in rows)
        result.append(JournalEntry(day, description, lines))
    result.extend(monthly)
    result.sort(key=lambda e: e.date)
    return result


def reversals(entries: list[JournalEntry], seed: int = SEED) -> list[tuple[int, dt.date, str]]:
    """A few entries (by id) reversed a few days later, with the reason."""
    rng = random.Random(seed + 1)
    chosen = sorted(rng.sample(range(1, len(entries) + 1), REVERSALS))
    result = []
    for entry_id in chosen:
        day = min(END, entries[entry_id - 1].date + dt.timedelta(days=rng.randrange(0, 5)))
        result.append((entry_id, day, "Salah catat, dibalik"))
    return result


def build(
    chart: Chart, entries: list[JournalEntry], undo: list[tuple[int, dt.date, str]]
) -> Ledger:
    ledger = Ledger(chart, START, END, OPENING)
    post = ledger.post
    for entry in entries:
        post(entry)
    for entry_id, day, reason in undo:
        ledger.reverse(entry_id, day, reason)
    return ledger


def engine_run(
    chart: Chart, entries: list[JournalEntry], undo: list[tuple[int, dt.date, str]]
) -> dict[str, Any]:
    ledger = build(chart, entries, undo)
    balances = {a.code: ledger.net_debit(a.code) for a in chart}
    tb = neraca_saldo(ledger)
    lpk = laporan_posisi_keuangan(ledger)
    lhu = laporan_hasil_usaha(ledger)
    return {
        "balances": balances,
        "trial_balance": (tb.total_debit, tb.total_credit),
        "aset": lpk.total_aset,
        "liabilitas_ekuitas": lpk.total_liabilitas + lpk.total_ekuitas,
        "shu": lhu.shu_sesudah_pajak,
    }


def beancount_run(text: str) -> dict[str, Any]:
    from beancount import loader
    from beancount.core import realization

    entries, errors, _options = loader.load_string(text)
    # beancount's realization module has no annotations
    real = realization.realize(entries)  # type: ignore[no-untyped-call]
    balances: dict[str, int] = {}
    leaves = realization.iter_children(real, leaf_only=True)  # type: ignore[no-untyped-call]
    for real_account in leaves:
        position = real_account.balance.get_currency_units("IDR")
        balances[real_account.account] = int(position.number)
    debit = sum(v for v in balances.values() if v > 0)
    credit = -sum(v for v in balances.values() if v < 0)

    def root(name: str) -> int:
        child = realization.get(real, name)  # type: ignore[no-untyped-call]
        if child is None:
            return 0
        total = realization.compute_balance(child)  # type: ignore[no-untyped-call]
        units = total.get_currency_units("IDR").number
        return int(units or Decimal(0))

    income = -root("Income") - root("Expenses")
    return {
        "errors": [str(error.message) for error in errors],
        "balances": balances,
        "trial_balance": (debit, credit),
        "aset": root("Assets"),
        "liabilitas_ekuitas": -root("Liabilities") - root("Equity") + income,
        "shu": income,
    }


def _best(function: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best = float("inf")
    result: Any = None
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def run() -> dict[str, Any]:
    chart = load_default_chart()
    entries = journal()
    undo = reversals(entries)
    text = to_beancount(build(chart, entries, undo), title="Bench: satu tahun buku KDKMP")
    names = account_names(chart)
    engine_s, engine = _best(lambda: engine_run(chart, entries, undo), REPEATS * 4)
    beancount_s, bean = _best(lambda: beancount_run(text), REPEATS)
    mismatched = [
        a.code
        for a in chart
        if engine["balances"][a.code] != bean["balances"].get(names[a.code], 0)
    ]
    # contra accounts and groups: the statements' own totals, compared with beancount's roots
    agree = (
        not bean["errors"]
        and not mismatched
        and engine["trial_balance"] == bean["trial_balance"]
        and engine["aset"] == bean["aset"]
        and engine["liabilitas_ekuitas"] == bean["liabilitas_ekuitas"]
        and engine["shu"] == bean["shu"]
    )
    ratio = beancount_s / engine_s
    return {
        "benchmark": "ledger",
        "transactions": len(entries) + len(undo),
        "lines": sum(len(e.lines) for e in entries)
        + sum(len(entries[entry_id - 1].lines) for entry_id, _, _ in undo),
        "accounts": len(chart),
        "engine_s": round(engine_s, 5),
        "beancount_s": round(beancount_s, 4),
        "ratio": round(ratio, 1),
        "goal_ratio": GOAL_RATIO,
        "agree": agree,
        "beancount_errors": bean["errors"][:3],
        "mismatched_accounts": mismatched,
        "ok": agree and ratio >= GOAL_RATIO,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
