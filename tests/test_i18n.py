from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from babel.messages.pofile import read_po

from lms import i18n


def test_rupiah_format():
    assert i18n.format_rupiah(12_500_000) == "Rp12.500.000"
    assert i18n.format_rupiah(0) == "Rp0"
    assert i18n.format_rupiah(-250_000) == "-Rp250.000"
    with pytest.raises(ValueError, match="bilangan bulat rupiah"):
        i18n.format_rupiah(1.5)  # type: ignore[arg-type]


def test_dates_in_both_languages():
    i18n.set_locale("id")
    assert i18n.format_date(date(2025, 9, 22)) == "22 September 2025"
    assert i18n.format_date(date(2025, 8, 5)) == "5 Agustus 2025"
    i18n.set_locale("en")
    assert i18n.format_date(date(2025, 8, 5)) == "5 August 2025"
    i18n.set_locale("id")


def test_times_in_indonesian_zones():
    moment = datetime(2025, 9, 22, 1, 30, tzinfo=UTC)
    assert i18n.format_datetime(moment, "WIB") == "22 September 2025 08.30 WIB"
    assert i18n.format_datetime(moment, "WITA") == "22 September 2025 09.30 WITA"
    assert i18n.format_datetime(moment, "WIT") == "22 September 2025 10.30 WIT"


def test_timezone_for_region():
    assert i18n.timezone_for_region("36.03") == "WIB"  # Banten
    assert i18n.timezone_for_region("61.01") == "WIB"  # Kalimantan Barat
    assert i18n.timezone_for_region("51") == "WITA"  # Bali
    assert i18n.timezone_for_region("73.71") == "WITA"  # Makassar
    assert i18n.timezone_for_region("94") == "WIT"  # Papua Tengah


def test_english_catalogue_is_complete_and_keeps_placeholders():
    import re
    from importlib import resources

    path = resources.files("lms").joinpath("locale", "en", "LC_MESSAGES", "messages.po")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    placeholder = re.compile(r"%\(\w+\)[sd]")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if not message.string or message.fuzzy:
            missing.append(message.id)
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert sorted(placeholder.findall(ids[0])) == sorted(placeholder.findall(strings[0])), (
            message.id
        )
    assert not missing, f"untranslated: {missing[:10]}"


def test_every_ui_string_is_in_the_catalogue():
    """Strings marked in code and templates but missing from the .po would show in Indonesian."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir

    root = Path(__file__).resolve().parent.parent
    method_map = [("lms/**.py", "python"), ("lms/**/templates/**.html", "jinja2")]
    options = {"lms/**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = {
        (m[2] if isinstance(m[2], str) else m[2][0])
        for m in extract_from_dir(
            root,
            method_map,
            options,
            keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
        )
    }
    path = root / "lms" / "locale" / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert not (found - known), f"run `make messages`: {sorted(found - known)[:10]}"


@pytest.mark.parametrize("locale", ["id", "en"])
def test_our_date_and_number_words_are_babels(locale):
    """lms.i18n prints dates and numbers without loading Babel's locale data in the worker;
    what it prints must stay exactly what Babel (CLDR) would."""
    from datetime import date, datetime, timedelta

    from babel.dates import format_date as babel_date
    from babel.numbers import format_decimal

    from lms import i18n

    i18n.set_locale(locale)
    try:
        for month in range(1, 13):
            day = date(2025, month, 1)
            assert i18n.format_date(day) == babel_date(day, "d MMMM y", locale=locale)
        for offset in range(7):
            day = date(2025, 9, 22) + timedelta(days=offset)
            assert i18n.format_day(day) == babel_date(day, "EEEE, d MMMM y", locale=locale)
        for value in (0, 7, 1234, -148500, 12500000, 3.5, 2.125, 1234.5):
            assert i18n.format_number(value) == format_decimal(value, locale=locale)
        moment = datetime(2025, 9, 22, 1, 5, tzinfo=i18n.ZoneInfo("UTC"))
        assert i18n.format_time(moment, "WIB") == "08.05 WIB"
    finally:
        i18n.set_locale("id")
