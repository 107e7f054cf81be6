"""Certificate numbers in the form Indonesian offices use: "001/BIMTEK-KDKMP/DISKUM-TGR/IX/2025".

A pattern is a format string over a few named parts; the sequence is the only required one, and
it is the only one that takes a width ("{seq:03}").
"""

from __future__ import annotations

import string
from datetime import date

DEFAULT_PATTERN = "{seq:03}/BIMTEK-KDKMP/{kode}/{bulan_romawi}/{tahun}"

PARTS = {
    "seq": "nomor urut dalam angkatan (001, 002, …)",
    "kode": "kode instansi, mis. DISKUM-TGR",
    "bulan_romawi": "bulan terbit dalam angka Romawi (I–XII)",
    "bulan": "bulan terbit dalam angka (01–12)",
    "tahun": "tahun terbit (2025)",
}

_ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


class NumberPatternError(ValueError):
    """A pattern that cannot number certificates; the message says what to fix."""


def roman(month: int) -> str:
    """A month (1–12) in Roman numerals, as written on Indonesian official letters."""
    if not 1 <= month <= 12:
        raise ValueError(month)
    out = []
    for value, numeral in _ROMAN:
        while month >= value:
            out.append(numeral)
            month -= value
    return "".join(out)


def check_pattern(pattern: str) -> None:
    """Raise NumberPatternError unless `pattern` numbers certificates uniquely and readably."""
    if not pattern.strip():
        raise NumberPatternError("Pola nomor wajib diisi.")
    if len(pattern) > 120:
        raise NumberPatternError("Pola nomor terlalu panjang (maksimal 120 karakter).")
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(pattern)
            if name is not None
        ]
    except ValueError:
        raise NumberPatternError(
            "Pola nomor tidak dapat dibaca: periksa pasangan kurung kurawal { }."
        ) from None
    names = [name for name, _, _ in fields]
    unknown = sorted({n for n in names if n not in PARTS})
    if unknown:
        raise NumberPatternError(
            "Bagian pola tidak dikenal: "
            + ", ".join("{" + n + "}" for n in unknown)
            + ". Yang bisa dipakai: "
            + ", ".join("{" + n + "}" for n in PARTS)
            + "."
        )
    if "seq" not in names:
        raise NumberPatternError(
            "Pola nomor harus memuat {seq} (nomor urut), agar setiap sertifikat bernomor beda."
        )
    for name, spec, conversion in fields:
        if conversion:
            raise NumberPatternError("Pola nomor tidak boleh memakai '!' di dalam { }.")
        if spec and name != "seq":
            raise NumberPatternError(
                "Hanya {seq} yang boleh diberi lebar, mis. {seq:03}; tulis {"
                + name
                + "} tanpa titik dua."
            )
        if spec and not (len(spec) == 2 and spec[0] == "0" and spec[1] in "123456"):
            raise NumberPatternError(
                "Lebar nomor urut ditulis dengan angka 1–6 berawalan 0, mis. {seq:03}."
            )


def format_number(pattern: str, *, seq: int, kode: str, issued_on: date) -> str:
    """The number of the `seq`-th certificate of a cohort issued on `issued_on`."""
    check_pattern(pattern)
    if seq < 1:
        raise ValueError(seq)
    return pattern.format(
        seq=seq,
        kode=kode,
        bulan_romawi=roman(issued_on.month),
        bulan=f"{issued_on.month:02d}",
        tahun=str(issued_on.year),
    )
