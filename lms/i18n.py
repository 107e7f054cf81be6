"""Translations (Indonesian source, English catalogue), rupiah, dates and Indonesian time zones.

The catalogue is read from its .po file at start-up (no compiled .mo in the repository, no build
step). The current locale lives in a context variable set per request.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from gettext import GNUTranslations, NullTranslations
from importlib import resources
from typing import Literal
from zoneinfo import ZoneInfo

from quizzes.ledger import money
from quizzes.ledger.journal import BULAN

LOCALES = ("id", "en")
LocaleCode = Literal["id", "en"]
LOCALE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
_current: ContextVar[str] = ContextVar("lms_locale", default="id")

TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
# Provinces in central (WITA) and eastern (WIT) Indonesian time; the rest are WIB.
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}

# The CLDR names (as Babel gives them) our two locales print, and their number separators. They
# are kept here because loading Babel's locale data for them costs a web worker about 4 MB
# resident (id and en) to print a month name; tests/test_i18n.py holds them equal to Babel's.
MONTHS = {
    "id": BULAN,
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
WEEKDAYS = {  # Monday first, as date.weekday() counts
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
SEPARATORS = {"id": (".", ","), "en": (",", ".")}  # (grouping, decimal)


@lru_cache
def translations(locale: str) -> NullTranslations:
    """The catalogue of `locale`, compiled from its .po once per process. Babel reads the .po;
    the standard library's gettext serves it (babel.support would bring Babel's date and number
    modules into every worker, about 5 MB, for a class gettext already has)."""
    if locale == "id":
        return NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = resources.files("lms").joinpath("locale", locale, "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(fp=buffer)


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else "id")


def get_locale() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    return message


# Rupiah are formatted in one place, the ledger library: 12500000 -> "Rp12.500.000" in both
# languages (it is a rupiah sum, written the Indonesian way).
format_rupiah = money.format_rupiah


def format_nominal(amount: int) -> str:
    """An amount in a column headed "(Rp)": ``12.500.000``, ``-148.500``."""
    return money.format_rupiah(amount).replace("Rp", "")


def _locale(locale: str | None) -> str:
    code = locale or get_locale()
    return code if code in MONTHS else "id"


def _day_month(value: date, locale: str) -> str:
    return f"{value.day} {MONTHS[locale][value.month - 1]}"


def format_date(value: date | datetime, tz: str | None = None, locale: str | None = None) -> str:
    """'22 September 2025'."""
    if isinstance(value, datetime) and tz:
        value = value.astimezone(ZoneInfo(TIMEZONES[tz]))
    return f"{_day_month(value, _locale(locale))} {value.year}"


def format_date_range(start: date, end: date, locale: str | None = None) -> str:
    """'15–17 September 2025', '29 September – 1 Oktober 2025', or one day."""
    where = _locale(locale)
    if start == end:
        return format_date(start, locale=where)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{format_date(end, locale=where)}"
    if start.year == end.year:
        return f"{_day_month(start, where)} – {format_date(end, locale=where)}"
    return f"{format_date(start, locale=where)} – {format_date(end, locale=where)}"


def format_day(value: date | datetime, tz: str | None = None) -> str:
    """'Senin, 22 September 2025' (the weekday matters on a schedule)."""
    if isinstance(value, datetime) and tz:
        value = value.astimezone(ZoneInfo(TIMEZONES[tz]))
    where = _locale(None)
    return f"{WEEKDAYS[where][value.weekday()]}, {format_date(value, locale=where)}"


def format_datetime(value: datetime, tz: str = "WIB") -> str:
    """'22 September 2025 09.00 WIB'."""
    local = value.astimezone(ZoneInfo(TIMEZONES[tz]))
    return f"{format_date(local)} {format_time(value, tz)}"


def format_time(value: datetime, tz: str = "WIB") -> str:
    """'10.42 WIB'."""
    local = value.astimezone(ZoneInfo(TIMEZONES[tz]))
    return f"{local.hour:02d}.{local.minute:02d} {tz}"


def timezone_for_region(code: str) -> str:
    province = code[:2]
    if province in _WIT_PROVINCES:
        return "WIT"
    if province in _WITA_PROVINCES:
        return "WITA"
    return "WIB"


def format_time_range(start: datetime, end: datetime, tz: str = "WIB") -> str:
    """'08.30–10.00 WIB': the zone once for a sesi."""
    return f"{format_time(start, tz).removesuffix(' ' + tz)}–{format_time(end, tz)}"


def format_number(value: float) -> str:
    """'1.234.567' (id) or '1,234,567' (en); up to three decimals, as Babel's default pattern."""
    group, decimal = SEPARATORS[_locale(None)]
    text = f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)
