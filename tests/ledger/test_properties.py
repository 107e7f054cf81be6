"""Property tests: the ledger's invariants hold for any sequence of valid postings."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.ledger.chart import AccountType, load_default_chart
from quizzes.ledger.journal import JournalEntry, Ledger, Line
from quizzes.ledger.money import AmountError, format_rupiah, parse_rupiah
from quizzes.ledger.reports import (
    Member,
    alokasi_shu,
    bagi_sisa_terbesar,
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
