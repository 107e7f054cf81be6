"""Grading journal-entry case studies (docs/content-format.md, "Journal-entry case study").

Per transaction: for every account-and-side of the key, 1 point when the account is on that
side and 1 more when its total is within the tolerance; every account-and-side the key does not
have costs 1 point; never below 0, out of twice the key's account-and-sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.ledger.chart import load_default_chart
from quizzes.loader import load_quiz
from quizzes.quiz import NO_ENTRY, JournalQuestion, Transaction, grade_quiz
from tests.quizzes.samples import FILE, QUIZ

QUICK = settings(max_examples=50, deadline=None, database=None)
CHART = load_default_chart()
_QUIZ = load_quiz(QUIZ, FILE)
JOURNAL = _QUIZ.question("simpanan-anggota-baru")
ROUNDED = _QUIZ.question("penjualan-dibulatkan")
assert isinstance(JOURNAL, JournalQuestion) and isinstance(ROUNDED, JournalQuestion)
SIMPANAN, PENAWARAN, ANGSURAN = JOURNAL.transactions
SIDES = ("debit", "kredit")


def row(account: str, side: str, amount: object) -> dict[str, object]:
    return {"akun": account, side: amount}


def rp(amount: int) -> str:
    return f"Rp{amount:,}".replace(",", ".")


def key_rows(t: Transaction) -> list[dict[str, object]]:
    return [
        row(line.account_code, "debit" if line.debit else "kredit", rp(line.debit or line.credit))
        for line in t.key
    ]


def grade(t: Transaction, rows: object, question: JournalQuestion = JOURNAL):
    return question.grade_transaction(t, rows)


def reference_share(
    key: Sequence[tuple[str, str, int]], given: Sequence[tuple[str, str, int]], tolerance: int
) -> Fraction:
    """The documented rule, written out independently of the grader."""

    def totals(lines: Sequence[tuple[str, str, int]]) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for code, side, amount in lines:
            out[code, side] = out.get((code, side), 0) + amount
        return out

    expected, mine = totals(key), totals(given)
    points = 0
    for pair, amount in expected.items():
        if pair in mine:
            points += 1 + (abs(mine[pair] - amount) <= tolerance)
    points -= sum(1 for pair in mine if pair not in expected)
    return max(Fraction(0), Fraction(points, 2 * len(expected)))


# ---------------------------------------------------------------------- the key itself


def test_the_key_earns_full_marks():
    result = JOURNAL.grade(JOURNAL.key())
    assert result.share == 1
    assert result.feedback == (
        "Transaksi 1: benar.",
        "Transaksi 2: benar, tidak perlu jurnal.",
        "Transaksi 3: benar.",
    )
    assert result.wrong_accounts == ()


def test_transaction_numbers_may_be_integers():
    answer = {1: key_rows(SIMPANAN), 2: NO_ENTRY, 3: key_rows(ANGSURAN)}
    assert JOURNAL.grade(answer).share == 1


@st.composite
def split_key(draw: st.DrawFn, t: Transaction) -> list[dict[str, object]]:
    """The key with every line split into 1-3 positive parts, accounts written in any accepted
    form, amounts as text or integers, in any order."""
    rows: list[dict[str, object]] = []
    for line in t.key:
        amount = line.debit or line.credit
        side = "debit" if line.debit else "kredit"
        count = draw(st.integers(1, min(3, amount)))
        cuts = sorted(
            draw(
                st.lists(
                    st.integers(1, amount - 1), min_size=count - 1, max_size=count - 1, unique=True
                )
            )
            if count > 1
            else []
        )
        bounds = [0, *cuts, amount]
        account = CHART.get(line.account_code)
        for part in (b - a for a, b in pairwise(bounds)):
            written = draw(
                st.sampled_from(
                    [
                        account.code,
                        account.label,
                        account.name,
                        account.name.upper(),
                        f" {account.code} ",
                    ]
                )
            )
            value = draw(st.sampled_from([rp(part), part, f"{part}", f"Rp {rp(part)[2:]},-"]))
            rows.append(row(written, side, value))
    return draw(st.permutations(rows))


@QUICK
@given(st.data())
def test_line_order_and_splitting_never_change_the_score(data: st.DataObject):
    for t in (SIMPANAN, ANGSURAN):
        rows = data.draw(split_key(t))
        result = grade(t, rows)
        assert result.share == 1, (rows, result.feedback)
        assert result.feedback == (f"Transaksi {t.number}: benar.",)
        assert result.wrong_accounts == ()


def test_accounts_may_be_written_with_their_name():
    rows = [
        row("1-103 Kas Unit Simpan Pinjam", "debit", "Rp100.000"),
        row("Simpanan Pokok", "kredit", "Rp100.000"),
    ]
    assert grade(SIMPANAN, rows).share == 1
    rows = [
        row("kas unit simpan pinjam", "debit", 100_000),
        row("3-101   Simpanan Pokok", "kredit", "100.000"),
    ]
    assert grade(SIMPANAN, rows).share == 1


# ---------------------------------------------------------------------- partial credit


def test_a_wrong_amount_earns_the_account_point_only():
    rows = [row("1-103", "debit", "Rp100.000"), row("3-101", "kredit", "Rp90.000")]
    result = grade(SIMPANAN, rows)
    assert result.share == Fraction(3, 4)
    assert result.wrong_accounts == ()
    # Both amounts wrong: the two account points of four.
    rows = [row("1-103", "debit", "Rp90.000"), row("3-101", "kredit", "Rp90.000")]
    assert grade(SIMPANAN, rows).share == Fraction(2, 4)
    # Three account-and-sides: one amount wrong is 5 of 6.
    rows = key_rows(ANGSURAN)
    rows[2] = row("4-201", "kredit", "Rp57.000")
    assert grade(ANGSURAN, rows).share == Fraction(5, 6)


def test_feedback_names_account_side_and_both_amounts():
    rows = [row("1-103", "debit", "Rp100.000"), row("3-101", "kredit", "Rp90.000")]
    feedback = grade(SIMPANAN, rows).feedback
    about = [f for f in feedback if "3-101 Simpanan Pokok" in f]
    assert about, feedback
    assert any(
        "kredit" in f and "Rp90.000" in f and "Rp100.000" in f and f.startswith("Transaksi 1")
        for f in about
    ), feedback
    assert not any("1-103" in f for f in feedback)


def test_an_account_on_the_wrong_side():
    rows = [row("1-103", "kredit", "Rp100.000"), row("3-101", "kredit", "Rp100.000")]
    result = grade(SIMPANAN, rows)
    # 3-101 kredit: 2 points; 1-103 debit missing: 0; 1-103 kredit extra: -1.
    assert result.share == Fraction(1, 4)
    assert result.wrong_accounts == ("1:1-103:kredit",)
    [line] = [f for f in result.feedback if "1-103 Kas Unit Simpan Pinjam" in f]
    assert "kredit" in line and "debit" in line and "Rp100.000" in line
    # Both accounts swapped: nothing earned, and not below 0.
    rows = [row("1-103", "kredit", "Rp100.000"), row("3-101", "debit", "Rp100.000")]
    assert grade(SIMPANAN, rows).share == 0


def test_a_missing_account_is_named_with_side_and_amount():
    rows = [row("1-103", "debit", "Rp1.075.000"), row("1-121", "kredit", "Rp1.075.000")]
    result = grade(ANGSURAN, rows)
    # 1-103 debit 2, 1-121 kredit 1 (amount wrong), 4-201 kredit missing 0: 3 of 6.
    assert result.share == Fraction(3, 6)
    missing = [f for f in result.feedback if "4-201" in f]
    assert missing and "kredit" in missing[0] and "Rp75.000" in missing[0]


def test_every_extra_account_costs_one_point():
    rows = [*key_rows(SIMPANAN), row("1-101", "kredit", "Rp5.000")]
    result = grade(SIMPANAN, rows)
    assert result.share == Fraction(3, 4)
    assert result.wrong_accounts == ("1:1-101:kredit",)
    [line] = [f for f in result.feedback if "1-101 Kas Kantor" in f]
    assert "kredit" in line and "Rp5.000" in line
    rows = [
        *key_rows(SIMPANAN),
        row("1-101", "kredit", "Rp5.000"),
        row("5-801", "debit", "Rp5.000"),
    ]
    assert grade(SIMPANAN, rows).share == Fraction(2, 4)
    # Two lines of the same extra account-and-side are one account-and-side.
    rows = [*key_rows(SIMPANAN), row("1-101", "kredit", "Rp5.000"), row("1-101", "kredit", 1)]
    assert grade(SIMPANAN, rows).share == Fraction(3, 4)


EXTRA_PAIRS = [
    (code, side)
    for code in ("1-101", "1-102", "1-103", "3-101", "3-102", "5-801", "4-901")
    for side in SIDES
    if (code, side) not in {("1-103", "debit"), ("3-101", "kredit")}
]


@QUICK
@given(
    extra=st.lists(
        st.tuples(st.sampled_from(EXTRA_PAIRS), st.integers(1, 10**9)), min_size=1, max_size=8
    ),
    wrong_amounts=st.lists(st.booleans(), min_size=2, max_size=2),
)
def test_extra_accounts_lower_the_score_but_never_below_zero(extra, wrong_amounts):
    rows = [
        row("1-103", "debit", 100_000 + 7 * wrong_amounts[0]),
        row("3-101", "kredit", 100_000 + 7 * wrong_amounts[1]),
    ]
    rows += [row(code, side, amount) for (code, side), amount in extra]
    result = grade(SIMPANAN, rows)
    distinct = len({pair for pair, _ in extra})
    expected = Fraction(max(0, 4 - sum(wrong_amounts) - distinct), 4)
    assert result.share == expected
    assert 0 <= result.share < 1
    assert sorted(result.wrong_accounts) == sorted({f"1:{c}:{s}" for (c, s), _ in extra})


POOL = ["1-103", "1-121", "4-201", "1-101", "5-801"]


@QUICK
@given(
    st.lists(
        st.tuples(
            st.sampled_from(POOL),
            st.sampled_from(SIDES),
            st.sampled_from([75_000, 1_000_000, 1_075_000, 925_000, 1, 75_000]),
        ),
        min_size=1,
        max_size=7,
    )
)
def test_any_answer_scores_as_the_documented_rule_says(lines):
    rows = [row(code, side, amount) for code, side, amount in lines]
    key = [
        (line.account_code, "debit" if line.debit else "kredit", line.debit or line.credit)
        for line in ANGSURAN.key
    ]
    result = grade(ANGSURAN, rows)
    assert result.share == reference_share(key, lines, 0)
    assert 0 <= result.share <= 1


# ---------------------------------------------------------------------- tolerance


def test_tolerance_is_respected():
    [t] = ROUNDED.transactions
    within = [row("1-102", "debit", "Rp150.500"), row("4-101", "kredit", "Rp149.500")]
    assert grade(t, within, ROUNDED).share == 1
    outside = [row("1-102", "debit", "Rp150.501"), row("4-101", "kredit", "Rp150.000")]
    result = grade(t, outside, ROUNDED)
    assert result.share == Fraction(3, 4)
    assert any("1-102" in f and "Rp150.501" in f and "Rp150.000" in f for f in result.feedback)
    below = [row("1-102", "debit", "Rp150.000"), row("4-101", "kredit", "Rp149.499")]
    assert grade(t, below, ROUNDED).share == Fraction(3, 4)
    # The question with tolerance Rp0 wants the exact amount.
    off_by_one = [row("1-103", "debit", "Rp100.001"), row("3-101", "kredit", "Rp100.000")]
    assert grade(SIMPANAN, off_by_one).share == Fraction(3, 4)


# ---------------------------------------------------------------------- tidak perlu jurnal


def test_no_entry_needed_and_ticked_or_left_empty():
    assert grade(PENAWARAN, NO_ENTRY).share == 1
    assert grade(PENAWARAN, f" {NO_ENTRY} ").share == 1
    assert grade(PENAWARAN, None).share == 1
    assert grade(PENAWARAN, []).share == 1


def test_no_entry_needed_but_lines_written():
    result = grade(PENAWARAN, key_rows(SIMPANAN))
    assert result.share == 0
    assert result.wrong_accounts == ("2:1-103:debit", "2:3-101:kredit")
    assert "tidak perlu dijurnal" in result.feedback[0]


def test_an_entry_needed_but_no_entry_ticked():
    result = grade(SIMPANAN, NO_ENTRY)
    assert result.share == 0
    assert result.answered
    assert "tidak perlu jurnal" in result.feedback[0]
    # The key is shown, with labels and amounts.
    assert any(
        "1-103 Kas Unit Simpan Pinjam" in f and "3-101 Simpanan Pokok" in f and "Rp100.000" in f
        for f in result.feedback
    )


def test_an_entry_needed_but_left_empty():
    result = grade(SIMPANAN, None)
    assert result.share == 0
    assert not result.answered
    assert "belum dijawab" in result.feedback[0]


def test_the_question_score_is_the_mean_of_its_transactions():
    answer = {
        "1": [row("1-103", "debit", "Rp100.000"), row("3-101", "kredit", "Rp90.000")],  # 3/4
        "2": key_rows(SIMPANAN),  # 0
        "3": key_rows(ANGSURAN),  # 1
    }
    result = JOURNAL.grade(answer)
    assert result.share == (Fraction(3, 4) + 0 + 1) / 3
    report = grade_quiz(_QUIZ, {"simpanan-anggota-baru": answer})
    [item] = [q for q in report["soal"] if q["id"] == "simpanan-anggota-baru"]
    assert item["bobot"] == 3
    assert item["skor"] == 1.75
    assert item["akun_salah"] == ["2:1-103:debit", "2:3-101:kredit"]


# ---------------------------------------------------------------------- unreadable input


def test_an_unknown_account_is_reported_without_raising():
    rows = [row("Kas", "debit", "Rp100.000"), row("3-101", "kredit", "Rp100.000")]
    result = grade(SIMPANAN, rows)
    assert result.share == Fraction(2, 4)
    assert any("\u201cKas\u201d" in f and "tidak dikenal" in f for f in result.feedback)
    assert any("1-103" in f and "debit" in f for f in result.feedback)


def test_an_unreadable_amount_is_reported_without_raising():
    for amount in ("sejuta", "1,5 juta", "-Rp100.000", "Rp100.000,00", True, [1], {"x": 1}):
        rows = [row("1-103", "debit", amount), row("3-101", "kredit", "Rp100.000")]
        result = grade(SIMPANAN, rows)
        assert result.share == Fraction(2, 4), amount
        assert any("baris 1" in f and "tidak dapat dibaca" in f for f in result.feedback), amount


def test_odd_answers_are_graded_without_raising():
    for answer in (None, "", 5, [], ["x"], {"1": 7}, {"1": [None, 3, "teks"]}, {"9": []}):
        result = JOURNAL.grade(answer)
        assert 0 <= result.share <= 1
    rows = [{"akun": "1-103"}, {"debit": "Rp100.000"}, {"akun": "", "kredit": ""}]
    result = grade(SIMPANAN, rows)
    assert result.share == 0
    assert any("jumlah belum diisi" in f for f in result.feedback)
    assert any("akun belum diisi" in f for f in result.feedback)


def test_unreadable_lines_on_a_no_entry_transaction_earn_nothing():
    """Doc: "any line earns nothing" when the key is tidak_perlu_jurnal, and what cannot be
    read is said so in the feedback."""
    for rows in (
        [row("Kas", "debit", "Rp100.000")],
        [row("1-103", "debit", "seratus ribu")],
    ):
        result = grade(PENAWARAN, rows)
        assert any("tidak dikenal" in f or "tidak dapat dibaca" in f for f in result.feedback), (
            f"{rows}: the unreadable line is not reported: {result.feedback}"
        )
        assert result.share == 0, f"{rows}: a written line earned {result.share}"
