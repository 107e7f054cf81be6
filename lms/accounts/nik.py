"""NIK (nomor induk kependudukan) at rest: encrypted, found again by a keyed hash, shown masked.

The NIK is personal data under UU 27/2022. The table never holds it in clear text:
- `nik_cipher`: AES-256-GCM of the 16 digits (random nonce), for the rare authorised reveal;
- `nik_hash`: HMAC-SHA256, so an import finds the same person without decrypting anything;
- `nik_last4`: the last four digits, for the masked display "************1234".
Uploaded participant files, which carry NIKs too, are kept sealed with the same key (`seal`).
Both keys are derived from LMS_SECRET_KEY with HKDF under their own labels: rotating the secret
makes stored NIKs unreadable (re-import the participant files after a rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

NIK_RE = re.compile(r"^\d{16}$")


def clean(text: str) -> str:
    """Digits only: '3603 0112 3456 0001' and '3603.0112.3456.0001' are the same NIK."""
    return re.sub(r"[\s.\-]", "", text)


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def derive(label: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
            secret.encode()
        )

    return derive(b"kdkmp-lms nik encryption"), derive(b"kdkmp-lms nik lookup")


def lookup_hash(secret: str, nik: str) -> str:
    return hmac.new(_keys(secret)[1], nik.encode(), hashlib.sha256).hexdigest()


def encrypt(secret: str, nik: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(_keys(secret)[0]).encrypt(nonce, nik.encode(), b"nik")
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(secret: str, cipher: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.urlsafe_b64decode(cipher.encode())
    return AESGCM(_keys(secret)[0]).decrypt(raw[:12], raw[12:], b"nik").decode()


def seal(secret: str, data: bytes) -> bytes:
    """Encrypt a stored file that may hold NIKs (an uploaded participant list)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return nonce + AESGCM(_keys(secret)[0]).encrypt(nonce, data, b"file")


def unseal(secret: str, sealed: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(_keys(secret)[0]).decrypt(sealed[:12], sealed[12:], b"file")


def masked(last4: str | None) -> str:
    return "•" * 12 + last4 if last4 else ""


def regency_of(nik: str) -> str:
    """The kabupaten/kota of issue, as a dotted region code: '3603...' -> '36.03'."""
    return f"{nik[:2]}.{nik[2:4]}"
