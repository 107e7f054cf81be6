"""The page laid out once and stamped per person: long names fit, missing glyphs call for a new
base, and the print file holds one page per person."""

from __future__ import annotations

import io
import zlib
from dataclasses import replace
from datetime import UTC, datetime

import pypdf
import pytest

from certificates import render, stamp
from certificates.template import DEFAULT, SAMPLE_EVENT, SAMPLE_RECIPIENT


@pytest.fixture(scope="module")
def base() -> stamp.Base:
    return render.make_base(DEFAULT, SAMPLE_EVENT, {"nama": "Ñ"})


def _text(pdf: bytes, page: int = 0) -> str:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[page].extract_text()


def test_a_long_name_is_shrunk_to_its_box(base):
    long_name = "Prof. Dr. Hj. Siti Nurhaliza Binti Ahmad Kusumawardhani Puspitasari, S.E., M.Ak."
    person = replace(SAMPLE_RECIPIENT, nama=long_name)
    slot = next(s for s in base.slots if s.field == "nama")
    ops = zlib.decompress(stamp.content(base, person)).decode().splitlines()
    # Texts are written in slot order, one font each here; the name's font is made smaller
    # than the template's, but no smaller than the floor.
    order = [s.field for s in base.slots if s.field != "qr"].index("nama")
    size = [float(line.split()[1]) for line in ops if line.endswith(" Tf")][order]
    assert slot.size * stamp.MIN_SCALE <= size < slot.size
    _, pdf = stamp.certificate(base, person, "token", datetime.now(UTC))
    assert long_name in " ".join(_text(pdf).split())


def test_glyphs_not_in_the_base_are_detected(base):
    assert base.covers(replace(SAMPLE_RECIPIENT, nama="Ñoño Ángel"))
    assert not base.covers(replace(SAMPLE_RECIPIENT, nama="Łukasz Żółć"))


def test_the_layout_survives_a_round_trip(base):
    again = stamp.Base.load(base.pdf, base.layout())
    assert stamp.content(again, SAMPLE_RECIPIENT) == stamp.content(base, SAMPLE_RECIPIENT)
    files = stamp.Base.for_files(base.pdf, base.layout()["pdf"])
    assert stamp.update(files, b"x", "t", datetime(2025, 1, 1, tzinfo=UTC), "K") == stamp.update(
        base, b"x", "t", datetime(2025, 1, 1, tzinfo=UTC), "K"
    )


def test_the_print_file_has_one_page_per_person(base):
    people = [replace(SAMPLE_RECIPIENT, nama=f"Peserta Nomor {n}") for n in range(5)]
    pdf = stamp.print_file(base, [stamp.content(base, p) for p in people])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 5
    assert [f"Peserta Nomor {n}" in reader.pages[n].extract_text() for n in range(5)] == [True] * 5
    # The fonts and the page's drawing are stored once, not once per person.
    assert len(pdf) < len(base.pdf) + 5 * 4000
