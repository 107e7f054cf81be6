"""Whole-rupiah amounts: parsing, formatting and declared rounding.

Amounts are always ``int`` rupiah, never ``float``. Fractions (for example jasa pinjaman of
1,5% a month) are computed with exact integer/:class:`~fractions.Fraction` arithmetic and
rounded once, with a rule that is named explicitly.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Literal

__all__ = [
    "EXPECTED_FORM",
    "AmountError",
    "RoundingRule",
    "format_rupiah",
    "parse_rupiah",
    "round_rupiah",
]

EXPECTED_FORM = "Tulis jumlah dalam rupiah tanpa sen, misalnya Rp1.250.000."

RoundingRule = Literal["half_up", "down"]

_PLAIN = re.compile(r"\d+")
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")
_PREFIX = re.compile(r"^rp\.?\s*", re.IGNORECASE)


class AmountError(ValueError):
    """An amount that is not a whole, non-negative number of rupiah."""


def parse_rupiah(text: str) -> int:
    """Read a whole-rupiah amount typed by a learner.

    Accepted: ``"Rp1.250.000"``, ``"Rp 1.250.000"``, ``"1.250.000"``, ``"1250000"`` with
    surrounding whitespace, and the customary ``"Rp1.250.000,-"``. The dot is the Indonesian
    thousands separator and must group exactly three digits. Refused with :class:`AmountError`:
    empty text, negatives, decimals (``"1,5"``, ``"1.250.000,00"``), words (``"1,5 juta"``) and
    anything else.
    """
    if not isinstance(text, str):
        raise AmountError(f"Jumlah harus berupa teks angka. {EXPECTED_FORM}")
    cleaned = text.replace("\u00a0", " ").strip()
    if not cleaned:
        raise AmountError(f"Jumlah belum diisi. {EXPECTED_FORM}")
    if cleaned.startswith(("-", "\u2212", "(")) or re.match(r"^rp\.?\s*[-\u2212]", cleaned, re.I):
        raise AmountError(f"Jumlah tidak boleh negatif. {EXPECTED_FORM}")
    body = _PREFIX.sub("", cleaned, count=1).strip()
    if body.endswith(",-"):  # "Rp1.250.000,-" is the usual way to say "no sen"
        body = body[:-2].rstrip()
    if not body:
        raise AmountError(f"Jumlah belum diisi. {EXPECTED_FORM}")
    if re.search(r"[^\d.,\s]", body):
        raise AmountError(
            "Gunakan angka saja, tanpa kata seperti \u201cjuta\u201d atau "
            f"\u201cribu\u201d. {EXPECTED_FORM}"
        )
    if "," in body:
        raise AmountError(
            f"Jumlah harus rupiah penuh: jangan memakai koma, sen, atau desimal. {EXPECTED_FORM}"
        )
    if re.search(r"\s", body):
        raise AmountError(f"Jangan memakai spasi di tengah angka. {EXPECTED_FORM}")
    if _PLAIN.fullmatch(body):
        return int(body)
    if _GROUPED.fullmatch(body):
        return int(body.replace(".", ""))
    if "." in body:
        raise AmountError(
            "Titik hanya dipakai sebagai pemisah ribuan, setiap tiga angka dari kanan; "
            f"jumlah tidak boleh memakai desimal. {EXPECTED_FORM}"
        )
    raise AmountError(f"Jumlah tidak dapat dibaca. {EXPECTED_FORM}")


def format_rupiah(amount: int) -> str:
    """``1250000`` -> ``"Rp1.250.000"``; ``-50000`` -> ``"-Rp50.000"``."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise AmountError(f"Jumlah harus bilangan bulat rupiah, bukan {amount!r}.")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def round_rupiah(
    numerator: int | Fraction,
    denominator: int | Fraction = 1,
    rule: RoundingRule = "half_up",
) -> int:
    """Round the exact value ``numerator / denominator`` to whole rupiah.

    Rules (declared, so a case study can name the one it uses):

    * ``"half_up"`` (default, *pembulatan biasa*): a fraction of one half or more goes up to the
      next rupiah, below one half goes down. For negative values the rule is mirrored (half
      away from zero), so ``round_rupiah(-x) == -round_rupiah(x)``.
    * ``"down"`` (*pembulatan ke bawah*): drop the fraction (towards zero).

    Arithmetic is exact: no ``float`` is ever involved.
    """
    for value in (numerator, denominator):
        if isinstance(value, bool) or not isinstance(value, int | Fraction):
            raise AmountError(
                f"Pembulatan hanya menerima bilangan bulat atau pecahan persis, bukan {value!r}."
            )
    if denominator == 0:
        raise AmountError("Pembagi tidak boleh nol.")
    exact = Fraction(numerator) / Fraction(denominator)
    sign = -1 if exact < 0 else 1
    magnitude = abs(exact)
    whole = magnitude.numerator // magnitude.denominator
    remainder = magnitude - whole
    if rule == "half_up":
        if remainder >= Fraction(1, 2):
            whole += 1
    elif rule != "down":
        raise AmountError(
            f"Aturan pembulatan {rule!r} tidak dikenal; "
            "pilih \u201chalf_up\u201d atau \u201cdown\u201d."
        )
    return sign * whole
