from __future__ import annotations

from fractions import Fraction

import pytest

from quizzes.ledger.money import AmountError, format_rupiah, parse_rupiah, round_rupiah

EXPECTED = "Tulis jumlah dalam rupiah tanpa sen, misalnya Rp1.250.000."


@pytest.mark.parametrize(
    "text",
    [
        "Rp1.250.000",
        "Rp 1.250.000",
        "1.250.000",
        "1250000",
        "  Rp1.250.000  ",
        "\tRp  1.250.000\n",
        "rp1.250.000",
        "Rp1.250.000,-",
        "Rp.1.250.000",
    ],
)
def test_accepted_forms(text: str) -> None:
    assert parse_rupiah(text) == 1_250_000


@pytest.mark.parametrize(
    ("text", "amount"),
    [("0", 0), ("Rp0", 0), ("999", 999), ("1.000", 1_000), ("Rp1.000.000.000", 10**9)],
)
def test_other_amounts(text: str, amount: int) -> None:
    assert parse_rupiah(text) == amount


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,5 juta", "tanpa kata seperti"),
        ("2 juta", "tanpa kata seperti"),
        ("Rp1.250.000,50", "jangan memakai koma"),
        ("1250000,5", "jangan memakai koma"),
        ("1.5", "tidak boleh memakai desimal"),
        ("1250000.50", "tidak boleh memakai desimal"),
        ("1.25.000", "setiap tiga angka"),
        ("-50.000", "tidak boleh negatif"),
        ("Rp-50.000", "tidak boleh negatif"),
        ("\u221250.000", "tidak boleh negatif"),
        ("", "belum diisi"),
        ("   ", "belum diisi"),
        ("Rp", "belum diisi"),
        ("abc", "angka saja"),
        ("1 250 000", "spasi di tengah"),
    ],
)
def test_refused_forms(text: str, reason: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_rupiah(text)
    assert reason in str(info.value)
    assert str(info.value).endswith(EXPECTED)
    assert isinstance(info.value, ValueError)


def test_parse_refuses_non_text() -> None:
    with pytest.raises(AmountError):
        parse_rupiah(1250000)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1_250_000, "Rp1.250.000"),
        (0, "Rp0"),
        (999, "Rp999"),
        (1_000, "Rp1.000"),
        (-50_000, "-Rp50.000"),
        (60_000_000, "Rp60.000.000"),
    ],
)
def test_format(amount: int, text: str) -> None:
    assert format_rupiah(amount) == text


@pytest.mark.parametrize("bad", [1.5, True, "100"])
def test_format_refuses_non_int(bad: object) -> None:
    with pytest.raises(AmountError):
        format_rupiah(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("num", "den", "rule", "expected"),
    [
        (5, 2, "half_up", 3),
        (5, 2, "down", 2),
        (7, 3, "half_up", 2),
        (8, 3, "half_up", 3),
        (8, 3, "down", 2),
        (-5, 2, "half_up", -3),
        (-5, 2, "down", -2),
        (10, 5, "half_up", 2),
        # jasa 1,5% a month on Rp1.234.567: 18.518,505 -> 18.519 (half up), 18.518 (down)
        (1_234_567 * 15, 1000, "half_up", 18_519),
        (1_234_567 * 15, 1000, "down", 18_518),
    ],
)
def test_round_rupiah(num: int, den: int, rule: str, expected: int) -> None:
    assert round_rupiah(num, den, rule) == expected  # type: ignore[arg-type]


def test_round_rupiah_accepts_fractions_and_defaults_half_up() -> None:
    assert round_rupiah(Fraction(160_000 * 432_000, 48_600_000)) == 1_422
    assert round_rupiah(Fraction(1, 2)) == 1


def test_round_rupiah_refuses_float_zero_and_unknown_rule() -> None:
    with pytest.raises(AmountError):
        round_rupiah(1.5)  # type: ignore[arg-type]
    with pytest.raises(AmountError, match="nol"):
        round_rupiah(1, 0)
    with pytest.raises(AmountError, match="tidak dikenal"):
        round_rupiah(1, 2, "banker")  # type: ignore[arg-type]
