"""Translations (Indonesian source, English catalogue), rupiah, dates and Indonesian time zones.

The catalogue is read from its .po file at start-up (no compiled .mo in the repository, no build
step). The current locale lives in a context variable set per request.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from quizzes.ledger import money

LOCALES = ("id", "en")
LocaleCode = Literal["id", "en"]
LOCALE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
_current: ContextVar[str] = ContextVar("lms_locale", default="id")

TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
# Provinces in central (WITA) and eastern (WIT) Indonesian time; the rest are WIB.
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}


@lru_cache
def translations(locale: str) -> NullTranslations:
    if locale == "id":
        return NullTranslations()
    po = resources.files("lms").joinpath("locale", locale, "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else "id")


def get_locale() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(get_locale()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ungettext(singular, plural, n)


def N_(message: str) -> str:
    return message


# Rupiah are formatted in one place, the ledger library: 12500000 -> "Rp12.500.000" in both
# languages (it is a rupiah sum, written the Indonesian way).
format_rupiah = money.format_rupiah


def format_nominal(amount: int) -> str:
    """An amount in a column headed "(Rp)": ``12.500.000``, ``-148.500``."""
    return money.format_rupiah(amount).replace("Rp", "")


def format_date(value: date | datetime, tz: str | None = None, locale: str | None = None) -> str:
    if isinstance(value, datetime) and tz:
        value = value.astimezone(ZoneInfo(TIMEZONES[tz]))
    return babel_format_date(value, format="d MMMM y", locale=Locale.parse(locale or get_locale()))


def format_date_range(start: date, end: date, locale: str | None = None) -> str:
    """'15–17 September 2025', '29 September–1 Oktober 2025', or one day."""
    where = Locale.parse(locale or get_locale())
    if start == end:
        return format_date(start, locale=locale)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{babel_format_date(end, format='d MMMM y', locale=where)}"
    if start.year == end.year:
        first = babel_format_date(start, format="d MMMM", locale=where)
        return f"{first} – {babel_format_date(end, format='d MMMM y', locale=where)}"
    return f"{format_date(start, locale=locale)} – {format_date(end, locale=locale)}"


def format_day(value: date | datetime, tz: str | None = None) -> str:
    """'Senin, 22 September 2025' (the weekday matters on a schedule)."""
    if isinstance(value, datetime) and tz:
        value = value.astimezone(ZoneInfo(TIMEZONES[tz]))
    return babel_format_date(value, format="EEEE, d MMMM y", locale=Locale.parse(get_locale()))


def format_datetime(value: datetime, tz: str = "WIB") -> str:
    """'22 September 2025 09.00 WIB'."""
    local = value.astimezone(ZoneInfo(TIMEZONES[tz]))
    day = babel_format_date(local, format="d MMMM y", locale=Locale.parse(get_locale()))
    return f"{day} {format_time(value, tz)}"


def format_time(value: datetime, tz: str = "WIB") -> str:
    """'10.42 WIB'."""
    local = value.astimezone(ZoneInfo(TIMEZONES[tz]))
    return f"{babel_format_time(local, format='HH.mm', locale='id')} {tz}"


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


def format_number(value: int) -> str:
    return format_decimal(value, locale=get_locale())
