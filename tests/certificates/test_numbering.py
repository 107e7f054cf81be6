"""Certificate numbers as Indonesian offices write them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.numbering import (
    DEFAULT_PATTERN,
    NumberPatternError,
    check_pattern,
    format_number,
    roman,
)


def test_the_default_pattern_gives_the_office_form():
    number = format_number(DEFAULT_PATTERN, seq=1, kode="DISKUM-TGR", issued_on=date(2025, 9, 17))
    assert number == "001/BIMTEK-KDKMP/DISKUM-TGR/IX/2025"
    assert (
        format_number(
            "{seq:04}/{kode}/{bulan}/{tahun}", seq=12, kode="X", issued_on=date(2025, 1, 2)
        )
        == "0012/X/01/2025"
    )
    assert format_number(
        DEFAULT_PATTERN, seq=1234, kode="K", issued_on=date(2025, 12, 1)
    ).startswith("1234/")


def test_roman_months():
    assert [roman(m) for m in range(1, 13)] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
        "XI",
        "XII",
    ]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "wajib diisi"),
        ("BIMTEK/{tahun}", "{seq}"),
        ("{seq}/{bulan_latin}", "tidak dikenal"),
        ("{seq:03}/{tahun:04}", "Hanya {seq}"),
        ("{seq:3}", "berawalan 0"),
        ("{seq!r}", "'!'"),
        ("{seq/{tahun}", "kurung kurawal"),
        ("{seq}" + "x" * 200, "terlalu panjang"),
    ],
)
def test_a_bad_pattern_says_what_to_fix(pattern, message):
    with pytest.raises(NumberPatternError, match=None) as caught:
        check_pattern(pattern)
    assert message in str(caught.value)


@given(st.integers(min_value=1, max_value=9999), st.dates(min_value=date(2000, 1, 1)))
def test_numbers_differ_by_sequence_and_keep_their_width(seq, day):
    a = format_number(DEFAULT_PATTERN, seq=seq, kode="K", issued_on=day)
    b = format_number(DEFAULT_PATTERN, seq=seq + 1, kode="K", issued_on=day)
    assert a != b
    assert len(a.split("/")[0]) >= 3
