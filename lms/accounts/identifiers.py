"""Login names: Indonesian phone numbers in any common form, or e-mail addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from lms.i18n import gettext as _

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class IdentifierError(ValueError):
    pass


def phone_form_hint() -> str:
    return _("Tulis nomor HP seperti 0812 3456 7890, 62812 3456 7890 atau +62 812-3456-7890.")


def normalise_phone(text: str) -> str:
    """'0812-3456-7890', '6281234567890', '+62 812 3456 7890' -> '+6281234567890'."""
    cleaned = re.sub(r"[\s\-().]", "", text)
    if cleaned.startswith("62") and not cleaned.startswith("+"):
        cleaned = "+" + cleaned
    try:
        number = phonenumbers.parse(cleaned, "ID")
    except phonenumbers.NumberParseException as exc:
        raise IdentifierError(_("Nomor HP tidak dikenali.") + " " + phone_form_hint()) from exc
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise IdentifierError(
            _("Nomor HP tidak dikenali sebagai nomor Indonesia.") + " " + phone_form_hint()
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164, "ID")
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def display_phone(e164: str) -> str:
    """'+6281234567890' -> '0812-3456-7890', the form people write at home."""
    number = phonenumbers.parse(e164, "ID")
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return national.replace(" ", "-") if is_mobile(e164) else national


def normalise_email(text: str) -> str:
    email = text.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise IdentifierError(_("Alamat email tidak sah. Contoh: nama@contoh.id"))
    return email


@dataclass(frozen=True)
class LoginName:
    kind: str  # "email" or "phone"
    value: str


def parse_login_name(text: str) -> LoginName:
    text = text.strip()
    if not text:
        raise IdentifierError(_("Isi nomor HP atau email Anda."))
    if "@" in text:
        return LoginName("email", normalise_email(text))
    return LoginName("phone", normalise_phone(text))
