"""Property tests: the ledger's invariants hold for any sequence of valid postings."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.ledger.chart import AccountType, load_default_chart
from quizzes.ledger.journal import JournalEntry, JournalError, Ledger, Line
from quizzes.ledger.money import AmountError, format_rupiah, parse_rupiah
from quizzes.ledger.reports import (
    Member,
    alokasi_shu,
    bagi_sisa_terbesar,
    buku_besar,
    laporan_hasil_usaha,
    laporan_posisi_keuangan,
    neraca_saldo,
    shu_anggota_dari_pool,
    tutup_buku,
)

CHART = load_default_chart()
CODES = [a.code for a in CHART]
START = dt.date(2025, 1, 1)
END = dt.date(2025, 12, 31)
PROFILE = settings(max_examples=100, deadline=None, database=None)

amounts = st.integers(min_value=1, max_value=10**10)
days = st.integers(min_value=0, max_value=(END - START).days - 1).map(
    lambda n: START + dt.timedelta(days=n)
)


@st.composite
def entries(draw: st.DrawFn) -> JournalEntry:
    debits = draw(st.lists(st.tuples(st.sampled_from(CODES), amounts), min_size=1, max_size=3))
    total = sum(amount for _, amount in debits)
    credit_count = draw(st.integers(min_value=1, max_value=min(3, total)))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(min_value=1, max_value=total - 1),
                min_size=credit_count - 1,
                max_size=credit_count - 1,
                unique=True,
            )
        )
        if total > 1
        else []
    )
    bounds = [0, *cuts, total]
    credits = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]
    lines = [Line(code, debit=amount) for code, amount in debits]
    lines += [Line(draw(st.sampled_from(CODES)), credit=amount) for amount in credits]
    order = draw(st.permutations(range(len(lines))))
    return JournalEntry(draw(days), "Transaksi acak", tuple(lines[i] for i in order))


actions = st.lists(
    st.one_of(
        entries().map(lambda e: ("post", e)),
        st.integers(min_value=1, max_value=20).map(lambda i: ("reverse", i)),
    ),
    min_size=1,
    max_size=15,
)


def _fresh() -> Ledger:
    return Ledger(CHART, START, END, {"1-104": 50_000_000, "3-101": 50_000_000})


def _run(ledger: Ledger, action: tuple[str, object]) -> None:
    kind, payload = action
    if kind == "post":
        assert isinstance(payload, JournalEntry)
        assert ledger.validate(payload) == []
        ledger.post(payload)
    else:
        assert isinstance(payload, int)
        if payload <= len(ledger.entries):
            original = ledger.get(payload)
            if original.kind == "umum" and ledger.reversed_by(payload) is None:
                ledger.reverse(payload, END, "koreksi")


@PROFILE
@given(actions)
def test_debits_equal_credits_and_position_balances(steps: list[tuple[str, object]]) -> None:
    ledger = _fresh()
    for step in steps:
        _run(ledger, step)
        debit, credit = ledger.totals()
        assert debit == credit
        assert laporan_posisi_keuangan(ledger).is_balanced
        assert neraca_saldo(ledger).is_balanced


@PROFILE
@given(actions)
def test_closing_zeroes_income_and_expense(steps: list[tuple[str, object]]) -> None:
    ledger = _fresh()
    for step in steps:
        _run(ledger, step)
    shu = laporan_hasil_usaha(ledger).shu_sesudah_pajak
    before = laporan_posisi_keuangan(ledger)
    shu_account_before = ledger.balance(CHART.shu_account)
    tutup_buku(ledger, END, kunci=True)
    for account in CHART:
        if account.type in (AccountType.PENDAPATAN, AccountType.BEBAN):
            assert ledger.balance(account.code) == 0
    assert ledger.balance(CHART.shu_account) == shu_account_before + shu
    after = laporan_posisi_keuangan(ledger)
    assert after.is_balanced
    assert after.shu_belum_ditutup == 0
    assert after.total_aset == before.total_aset
    assert after.total_ekuitas == before.total_ekuitas
    assert laporan_hasil_usaha(ledger).shu_sesudah_pajak == shu


members = st.lists(
    st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), min_size=1, max_size=30
).filter(lambda rows: sum(s for s, _ in rows) > 0 and sum(t for _, t in rows) > 0)


@PROFILE
@given(members, st.integers(0, 10**10), st.integers(0, 10**10))
def test_member_shares_add_up_to_the_pools(
    rows: list[tuple[int, int]], pool_jm: int, pool_ju: int
) -> None:
    group = [Member(f"{i:04d}", f"Anggota {i}", s, t) for i, (s, t) in enumerate(rows)]
    result = shu_anggota_dari_pool(group, pool_jm, pool_ju)
    assert result.total_jasa_modal == pool_jm
    assert result.total_jasa_usaha == pool_ju
    for share in result.shares:
        # each share is its exact value rounded down or up by less than one rupiah
        assert abs(share.jasa_modal - share.jasa_modal_persis) < 1
        assert abs(share.jasa_usaha - share.jasa_usaha_persis) < 1


@PROFILE
@given(st.integers(0, 10**12), st.lists(st.integers(1, 100), min_size=1, max_size=8))
def test_allocation_adds_up(shu: int, weights: list[int]) -> None:
    assert sum(bagi_sisa_terbesar(shu, weights)) == shu
    # turn the weights into percentages totalling exactly 100
    from fractions import Fraction

    total = sum(weights)
    persen = {f"pos{i}": Fraction(100 * w, total) for i, w in enumerate(weights)}
    assert sum(alokasi_shu(shu, persen).values()) == shu


@PROFILE
@given(st.integers(min_value=0, max_value=10**15))
def test_format_then_parse_round_trips(amount: int) -> None:
    text = format_rupiah(amount)
    assert parse_rupiah(text) == amount
    assert parse_rupiah(text.replace("Rp", "Rp ")) == amount
    assert parse_rupiah(str(amount)) == amount


@PROFILE
@given(st.integers(min_value=-(10**15), max_value=-1))
def test_negative_amounts_are_refused(amount: int) -> None:
    with pytest.raises(AmountError, match="negatif"):
        parse_rupiah(format_rupiah(amount))


# ---------------------------------------------------------------------- the index


KINDS = ("umum", "pembalik", "penutup")
excludes = st.lists(st.sampled_from(KINDS), max_size=3, unique=True).map(tuple)
bounds = st.one_of(
    st.none(),
    days,
    st.sampled_from([START - dt.timedelta(days=1), START, END, END + dt.timedelta(days=3)]),
)
queries = st.lists(st.tuples(bounds, bounds, excludes), min_size=1, max_size=3)
mixed_actions = st.lists(
    st.one_of(
        entries().map(lambda e: ("post", e)),
        st.tuples(st.integers(1, 20), st.integers(0, 40)).map(lambda t: ("reverse", t)),
        days.map(lambda d: ("close", d)),
        queries.map(lambda q: ("query", q)),
    ),
    min_size=1,
    max_size=20,
)


def _naive_lines(
    ledger: Ledger,
    code: str,
    start: dt.date | None,
    end: dt.date | None,
    exclude: tuple[str, ...],
) -> list[tuple[int, Line]]:
    """Every line on ``code`` in range, by scanning all entries (the engine before its index)."""
    chosen = sorted(
        (
            p
            for p in ledger.entries
            if (start is None or p.entry.date >= start)
            and (end is None or p.entry.date <= end)
            and p.kind not in exclude
        ),
        key=lambda p: (p.entry.date, p.id),
    )
    return [(p.id, line) for p in chosen for line in p.entry.lines if line.account_code == code]


def _naive_net_debit(
    ledger: Ledger, code: str, as_of: dt.date | None, exclude: tuple[str, ...]
) -> int:
    opening = CHART.get(code).normal.sign * ledger.opening_balance(code)
    return opening + sum(
        line.debit - line.credit for _, line in _naive_lines(ledger, code, None, as_of, exclude)
    )


def _check_against_naive(
    ledger: Ledger, start: dt.date | None, end: dt.date | None, exclude: tuple[str, ...]
) -> None:
    naive_entries = sorted(
        (
            p
            for p in ledger.entries
            if (start is None or p.entry.date >= start)
            and (end is None or p.entry.date <= end)
            and p.kind not in exclude
        ),
        key=lambda p: (p.entry.date, p.id),
    )
    assert ledger.entries_between(start, end, exclude) == naive_entries
    for account in CHART:
        code = account.code
        for as_of in (end, start):
            assert ledger.net_debit(code, as_of, exclude) == _naive_net_debit(
                ledger, code, as_of, exclude
            )
        in_range = _naive_lines(ledger, code, start, end, exclude)
        assert [(p.id, line) for p, line in ledger.postings(code, start, end, exclude)] == (
            in_range
        )
        assert ledger.net_change(code, start, end, exclude) == sum(
            line.debit - line.credit for _, line in in_range
        )
        book = buku_besar(ledger, code, start, end)
        every_kind = _naive_lines(ledger, code, start, end, ())
        assert [(r.entry_id, r.debit, r.credit) for r in book.rows] == [
            (i, line.debit, line.credit) for i, line in every_kind
        ]
        opening = (
            ledger.opening_balance(code)
            if start is None
            else account.normal.sign * _naive_net_debit(ledger, code, start - ONE_DAY, ())
        )
        assert book.opening == opening
        assert book.closing == opening + account.normal.sign * sum(
            line.debit - line.credit for _, line in every_kind
        )
    tb = neraca_saldo(ledger, end, include_zero=True)
    assert [(r.debit, r.credit) for r in tb.rows] == [
        (max(n, 0), max(-n, 0)) for n in (_naive_net_debit(ledger, a.code, end, ()) for a in CHART)
    ]
    lhu = laporan_hasil_usaha(ledger, start, end)
    first, last = start or START, end or END
    for line in (*lhu.pendapatan, *lhu.beban, *lhu.pajak):
        assert line.account is not None
        moved = sum(
            ln.debit - ln.credit
            for _, ln in _naive_lines(ledger, line.account.code, first, last, ("penutup",))
        )
        if first <= START:
            moved += line.account.normal.sign * ledger.opening_balance(line.account.code)
        assert line.amount == line.account.type.natural_balance.sign * moved
    debit = sum(ln.debit for p in ledger.entries for ln in p.entry.lines)
    credit = sum(ln.credit for p in ledger.entries for ln in p.entry.lines)
    assert ledger.totals() == (debit, credit)


ONE_DAY = dt.timedelta(days=1)


@PROFILE
@given(mixed_actions)
def test_index_answers_like_a_full_scan(steps: list[tuple[str, object]]) -> None:
    """Entries posted out of date order, reversals, closing entries, and questions in between:
    every indexed answer equals a recomputation over all entries."""
    ledger = Ledger(
        CHART, START, END, {"1-104": 50_000_000, "1-202": 1_000_000, "3-101": 49_000_000}
    )
    for kind, payload in steps:
        if kind == "post":
            assert isinstance(payload, JournalEntry)
            ledger.post(payload)
        elif kind == "reverse":
            assert isinstance(payload, tuple)
            entry_id, later = payload
            if entry_id <= len(ledger.entries):
                original = ledger.get(entry_id)
                if original.kind != "pembalik" and ledger.reversed_by(entry_id) is None:
                    on = min(END, original.entry.date + dt.timedelta(days=later))
                    ledger.reverse(entry_id, on, "koreksi")
        elif kind == "close":
            assert isinstance(payload, dt.date)
            tutup_buku(ledger, payload)
        else:
            assert isinstance(payload, list)
            for start, end, exclude in payload:
                _check_against_naive(ledger, start, end, exclude)
    _check_against_naive(ledger, None, None, ())
    _check_against_naive(ledger, None, None, ("penutup",))


odd_amounts = st.one_of(
    st.integers(min_value=-5, max_value=5),
    st.integers(min_value=1, max_value=10**6),
    st.sampled_from([True, False, 1.5, 0.0, None]),
)
odd_lines = st.lists(
    st.builds(
        Line,
        st.one_of(st.sampled_from(CODES[:5]), st.sampled_from(["", "9-999", "1-1O1"])),
        odd_amounts,
        odd_amounts,
    ),
    max_size=4,
)
odd_days = st.one_of(days, st.sampled_from([START - ONE_DAY, END, END + ONE_DAY]))


@PROFILE
@given(st.lists(st.tuples(odd_days, odd_lines), min_size=1, max_size=6), st.none() | days)
def test_quick_check_agrees_with_full_validation(
    drafts: list[tuple[dt.date, list[Line]]], closed: dt.date | None
) -> None:
    """The allocation-free check never passes an entry the full validation refuses, and
    validate() reports exactly what the full validation reports."""
    ledger = _fresh()
    if closed is not None:
        ledger.close_period(closed)
    for day, lines in drafts:
        entry = JournalEntry(day, "Coba", tuple(lines))
        full = ledger._problems(entry)
        if ledger._fine(entry):
            assert full == []
        assert ledger.validate(entry) == full
        if full:
            with pytest.raises(JournalError) as info:
                ledger.post(entry)
            assert list(info.value.problems) == full
        else:
            before = len(ledger.entries)
            assert ledger.post(entry) == before + 1
