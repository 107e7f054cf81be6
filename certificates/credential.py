"""Open Badges 3.0 credentials for certificates, signed as VC-JWT, revocable by status list.

Every certificate a dinas issues carries an ``OpenBadgeCredential`` (a W3C Verifiable Credential,
data model 2.0) signed with the dinas's Ed25519 key as a compact JWS (``alg`` EdDSA, ``typ``
vc+jwt). Anyone can check it offline with the dinas's public key, without trusting the LMS's
database. Revocation is published as a W3C Bitstring Status List, itself a signed credential.

:func:`verify` trusts every key in the mapping it is given for the issuer the token claims, so
callers pass only the keys of that issuer (read the claimed issuer with :func:`unverified`
first); otherwise one dinas could sign a credential in another dinas's name.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwa import EdDSAAlgorithm, JWSAlgModel
from joserfc.jwk import OKPKey
from joserfc.jws import CompactSignature, JWSRegistry

__all__ = [
    "STATUS_LIST_SIZE",
    "Award",
    "CredentialError",
    "Issuer",
    "build",
    "build_status_list",
    "decode_status_list",
    "encode_status_list",
    "generate_key",
    "header",
    "is_set",
    "key_id",
    "public_jwk",
    "sign",
    "sign_status_list",
    "status_of",
    "unverified",
    "verify",
]

VC_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ALGORITHM: Final = "EdDSA"
MEDIA_TYPE: Final = "vc+jwt"
CREDENTIAL_TYPE: Final = "OpenBadgeCredential"
STATUS_LIST_TYPE: Final = "BitstringStatusListCredential"

#: Bits in a status list: the spec's minimum, so one revoked index hides among many.
STATUS_LIST_SIZE: Final = 131072

# A gzip bomb inside a (possibly unsigned) status list must not exhaust memory; 16 MiB is over a
# hundred million entries, far beyond any dinas.
_MAX_STATUS_LIST_BYTES: Final = 16 * 1024 * 1024

_INDEX = re.compile(r"0|[1-9][0-9]*")

_UNREADABLE = "Token kredensial tidak dapat dibaca."
_BAD_SIGNATURE = "Tanda tangan kredensial tidak sah."
_INCONSISTENT = "Klaim token tidak sesuai dengan isi kredensial."
_BAD_STATUS_LIST = "Daftar status kredensial tidak dapat dibaca."


class CredentialError(Exception):
    """A credential, key or status list that cannot be built, read or trusted."""


@dataclass(frozen=True, slots=True)
class Issuer:
    """The dinas that issues and signs, as its Open Badges profile."""

    id: str
    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Award:
    """What one certificate states about its recipient."""

    credential_id: str
    number: str
    name: str
    role: str
    organisation: str
    achievement_id: str
    achievement_name: str
    achievement_description: str
    criteria: str
    hours: int
    start: date
    end: date
    issued_at: datetime
    status_list_url: str | None = None
    status_index: int | None = None


class _EdDSA(JWSAlgModel):
    # joserfc's own "EdDSA" warns on every use because RFC 9864 deprecates the name in favour of
    # "Ed25519". Open Badges and VC-JOSE-COSE verifiers still expect "EdDSA", so the choice is
    # deliberate and the warning (an error under pytest) would only be noise; the signing itself
    # stays joserfc's.
    name = ALGORITHM
    description = "EdDSA with Ed25519 keys"
    key_type = "OKP"
    _joserfc = EdDSAAlgorithm()

    def sign(self, msg: bytes, key: Any) -> bytes:
        return self._joserfc.sign(msg, key)

    def verify(self, msg: bytes, sig: bytes, key: Any) -> bool:
        return self._joserfc.verify(msg, sig, key)


class _Registry(JWSRegistry):
    def __init__(self) -> None:
        super().__init__(algorithms=[ALGORITHM])
        # Tables of its own, shadowing joserfc's class-level ones (shared, and holding "none" and
        # HS256): any other algorithm is unknown here, not merely disallowed.
        self.algorithms = {ALGORITHM: _EdDSA()}
        self.recommended = [ALGORITHM]


_REGISTRY: Final = _Registry()


# Keys


def generate_key() -> bytes:
    """A new Ed25519 private key, as unencrypted PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )


def _load_private(private_pem: bytes) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise CredentialError("Kunci privat penerbit tidak dapat dibaca.") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise CredentialError("Kunci privat penerbit bukan kunci Ed25519.")
    return key


def _x(private_pem: bytes) -> str:
    raw = _load_private(private_pem).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _b64encode(raw)


def public_jwk(private_pem: bytes, kid: str) -> dict[str, Any]:
    """The public half of the key as a JWK, to publish for verifiers."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _x(private_pem),
        "kid": kid,
        "alg": ALGORITHM,
        "use": "sig",
    }


def key_id(private_pem: bytes) -> str:
    """The RFC 7638 thumbprint of the public key: the same key always gets the same id."""
    public = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": _x(private_pem)})
    return public.thumbprint()


def _verification_key(jwk: Any) -> OKPKey:
    if not isinstance(jwk, dict):
        raise CredentialError("Kunci publik penerbit tidak sah.")
    if (
        jwk.get("kty") != "OKP"
        or jwk.get("crv") != "Ed25519"
        or jwk.get("alg", ALGORITHM) != ALGORITHM
        or jwk.get("use", "sig") != "sig"
        or not isinstance(jwk.get("x"), str)
    ):
        raise CredentialError("Kunci publik penerbit tidak sah.")
    # Only the public part is taken, so a JWK published with its "d" by mistake still cannot
    # make verification depend on private material.
    try:
        return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]})
    except (JoseError, ValueError, TypeError) as error:
        raise CredentialError("Kunci publik penerbit tidak sah.") from error


# Credentials


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CredentialError("Waktu terbit harus memakai zona waktu (UTC).")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def build(award: Award, issuer: Issuer) -> dict[str, Any]:
    """The OpenBadgeCredential for one certificate, unsigned."""
    if award.end < award.start:
        raise CredentialError("Tanggal selesai kegiatan tidak boleh sebelum tanggal mulai.")
    if award.hours < 0:
        raise CredentialError("Jumlah JP tidak boleh negatif.")
    if (award.status_list_url is None) != (award.status_index is None):
        raise CredentialError("URL daftar status dan nomor urut status harus diisi bersama.")

    profile: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    if issuer.url is not None:
        profile["url"] = issuer.url

    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": award.credential_id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": profile,
        "validFrom": _utc(award.issued_at),
        "name": award.achievement_name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # The name in the clear, never a national ID number: the certificate already prints
            # the name, and a NIK has no place in a document anyone may be shown.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": award.name,
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "role": award.role,
            "licenseNumber": award.number,
            "narrative": f"{award.role}, {award.organisation}",
            "creditsEarned": award.hours,
            "activityStartDate": _day(award.start),
            "activityEndDate": _day(award.end),
            "achievement": {
                "id": award.achievement_id,
                "type": ["Achievement"],
                "name": award.achievement_name,
                "description": award.achievement_description,
                "criteria": {"narrative": award.criteria},
                "achievementType": "Certificate",
                "creditsAvailable": award.hours,
            },
        },
    }
    if award.status_list_url is not None and award.status_index is not None:
        if award.status_index < 0:
            raise CredentialError("Nomor urut status tidak boleh negatif.")
        credential["credentialStatus"] = {
            "id": f"{award.status_list_url}#{award.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(award.status_index),
            "statusListCredential": award.status_list_url,
        }
    return credential


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


def _epoch(valid_from: Any) -> int:
    if not isinstance(valid_from, str):
        raise ValueError("validFrom is not a string")
    moment = datetime.fromisoformat(valid_from)
    if moment.tzinfo is None:
        raise ValueError("validFrom has no time zone")
    return int(moment.timestamp())


def _types(document: Mapping[str, Any]) -> list[Any]:
    value = document.get("type")
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def _sign(document: dict[str, Any], private_pem: bytes, kid: str) -> str:
    credential_id = document.get("id")
    issuer_id = _issuer_id(document)
    if not isinstance(credential_id, str) or issuer_id is None:
        raise CredentialError("Kredensial tidak lengkap: id dan penerbit wajib ada.")
    try:
        moment = _epoch(document.get("validFrom"))
    except ValueError as error:
        raise CredentialError("Kredensial tidak lengkap: validFrom tidak sah.") from error

    claims = {**document, "iss": issuer_id, "jti": credential_id, "nbf": moment, "iat": moment}
    # Compact separators and no key sorting: the same dict always gives the same bytes, and
    # Ed25519 signatures are deterministic, so a re-issue yields the same token.
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    protected = {"alg": ALGORITHM, "typ": MEDIA_TYPE, "kid": kid}
    key = OKPKey.import_key(_load_private(private_pem))
    return jws.serialize_compact(protected, payload, key, registry=_REGISTRY)


def sign(credential: dict[str, Any], private_pem: bytes, kid: str) -> str:
    """The credential as a VC-JWT signed with the dinas's key."""
    if CREDENTIAL_TYPE not in _types(credential):
        raise CredentialError("Dokumen ini bukan kredensial Open Badges.")
    return _sign(credential, private_pem, kid)


def _extract(token: str) -> CompactSignature:
    try:
        obj = jws.extract_compact(token.encode("ascii"), registry=_REGISTRY)
        protected = obj.headers()
    except (JoseError, ValueError, TypeError, AttributeError) as error:
        raise CredentialError(_UNREADABLE) from error
    if not isinstance(protected, dict):
        raise CredentialError(_UNREADABLE)
    return obj


def _claims(obj: CompactSignature) -> dict[str, Any]:
    try:
        claims = json.loads(obj.payload)
    except (ValueError, RecursionError) as error:
        raise CredentialError(_UNREADABLE) from error
    if not isinstance(claims, dict):
        raise CredentialError(_UNREADABLE)
    return claims


def header(token: str) -> dict[str, Any]:
    """The protected header, not verified: for picking the key, never for trusting."""
    return dict(_extract(token).headers())


def unverified(token: str) -> dict[str, Any]:
    """The payload, not verified: for finding the issuer, never for trusting."""
    return _claims(_extract(token))


def _is_token_type(value: Any) -> bool:
    # RFC 7515 4.1.9: "typ" is a media type, compared case-insensitively, "application/"
    # optional.
    if not isinstance(value, str):
        return False
    media_type = value.lower()
    return media_type.removeprefix("application/") == MEDIA_TYPE


def _verify(
    token: str, keys: Mapping[str, dict[str, Any]], credential_type: str, wrong_type: str
) -> dict[str, Any]:
    obj = _extract(token)
    protected = obj.headers()
    # Checked here before joserfc sees the token, so "none" or HS256 never reach a key at all.
    if protected.get("alg") != ALGORITHM:
        raise CredentialError("Algoritma tanda tangan tidak diterima; hanya EdDSA yang diterima.")
    if not _is_token_type(protected.get("typ")):
        raise CredentialError("Jenis token bukan vc+jwt.")
    kid = protected.get("kid")
    if not isinstance(kid, str) or kid not in keys:
        raise CredentialError("Kunci penanda tangan kredensial tidak dikenal.")
    key = _verification_key(keys[kid])
    try:
        valid = jws.validate_compact(obj, key, registry=_REGISTRY)
    except JoseError as error:
        raise CredentialError(_UNREADABLE) from error
    if not valid:
        raise CredentialError(_BAD_SIGNATURE)

    claims = _claims(obj)
    context = claims.get("@context")
    if (
        not isinstance(context, list)
        or not context
        or context[0] != VC_CONTEXT
        or "VerifiableCredential" not in _types(claims)
        or credential_type not in _types(claims)
    ):
        raise CredentialError(wrong_type)
    if (
        claims.get("iss") is None
        or claims.get("iss") != _issuer_id(claims)
        or claims.get("jti") is None
        or claims.get("jti") != claims.get("id")
    ):
        raise CredentialError(_INCONSISTENT)
    if "nbf" in claims:
        try:
            consistent = claims["nbf"] == _epoch(claims.get("validFrom"))
        except ValueError:
            consistent = False
        if not consistent:
            raise CredentialError(_INCONSISTENT)
    return claims


def verify(token: str, keys: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The credential in a VC-JWT, once its signature and claims check out.

    ``keys`` maps key ids to public JWKs, and must hold only the keys of the issuer the token
    claims (see the module docstring).
    """
    return _verify(token, keys, CREDENTIAL_TYPE, "Token ini bukan kredensial Open Badges.")


# Status lists


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    # Strict alphabet: base64.b64decode would otherwise also take "+" and "/", so two different
    # strings could stand for the same list.
    if "+" in text or "/" in text:
        raise ValueError("not base64url")
    text = text.rstrip("=")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def encode_status_list(revoked: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    """The "encodedList" of a Bitstring Status List with the ``revoked`` indices set."""
    if size <= 0 or size % 8:
        raise CredentialError("Ukuran daftar status harus kelipatan 8 dan lebih dari nol.")
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise CredentialError("Nomor urut status di luar jangkauan daftar status.")
        # The spec counts from the left: index 0 is the most significant bit of the first byte.
        bits[index >> 3] |= 0x80 >> (index & 7)
    # mtime=0 keeps the clock out of the gzip header, so the same list always encodes (and
    # signs) the same way.
    return "u" + _b64encode(gzip.compress(bytes(bits), compresslevel=9, mtime=0))


def decode_status_list(encoded: str) -> bytes:
    """The raw bitstring of an "encodedList"."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise CredentialError(_BAD_STATUS_LIST)
    try:
        compressed = _b64decode(encoded[1:])
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        bits = decompressor.decompress(compressed, _MAX_STATUS_LIST_BYTES)
    except (ValueError, zlib.error) as error:
        raise CredentialError(_BAD_STATUS_LIST) from error
    if decompressor.unconsumed_tail:
        raise CredentialError("Daftar status kredensial terlalu besar.")
    if not decompressor.eof or decompressor.unused_data or not bits:
        raise CredentialError(_BAD_STATUS_LIST)
    return bits


def is_set(bitstring: bytes, index: int) -> bool:
    """Whether the bit at ``index`` is set (for revocation: the credential is revoked)."""
    if not 0 <= index < len(bitstring) * 8:
        raise CredentialError("Nomor urut status di luar jangkauan daftar status.")
    return bool(bitstring[index >> 3] & (0x80 >> (index & 7)))


def build_status_list(
    list_url: str, issuer: Issuer, encoded: str, valid_from: datetime
) -> dict[str, Any]:
    """The BitstringStatusListCredential publishing ``encoded``, unsigned."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", STATUS_LIST_TYPE],
        "issuer": {"id": issuer.id, "name": issuer.name},
        "validFrom": _utc(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }


def sign_status_list(status_list: dict[str, Any], private_pem: bytes, kid: str) -> str:
    """The status list credential as a VC-JWT, signed like the credentials it covers."""
    if STATUS_LIST_TYPE not in _types(status_list):
        raise CredentialError("Dokumen ini bukan daftar status kredensial.")
    return _sign(status_list, private_pem, kid)


def _revocation_entry(credential: Mapping[str, Any]) -> dict[str, Any]:
    # VC 2.0 allows one status entry or a list of them; only the revocation one matters here.
    status = credential.get("credentialStatus")
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if (
            isinstance(entry, dict)
            and entry.get("type") == "BitstringStatusListEntry"
            and entry.get("statusPurpose") == "revocation"
        ):
            return entry
    raise CredentialError("Kredensial ini tidak memiliki status pencabutan.")


def status_of(
    credential: dict[str, Any], status_list_token: str, keys: Mapping[str, dict[str, Any]]
) -> bool:
    """Whether ``credential`` is revoked according to the signed status list."""
    entry = _revocation_entry(credential)
    index_text = entry.get("statusListIndex")
    # Statuses wider than one bit (statusSize) are for other purposes than revocation.
    if (
        not isinstance(index_text, str)
        or not _INDEX.fullmatch(index_text)
        or entry.get("statusSize", 1) != 1
    ):
        raise CredentialError("Status pencabutan kredensial tidak sah.")

    status_list = _verify(
        status_list_token, keys, STATUS_LIST_TYPE, "Token ini bukan daftar status kredensial."
    )
    subject = status_list.get("credentialSubject")
    encoded = subject.get("encodedList") if isinstance(subject, dict) else None
    if (
        status_list.get("id") != entry.get("statusListCredential")
        or _issuer_id(status_list) != _issuer_id(credential)
        or not isinstance(subject, dict)
        or not isinstance(encoded, str)
        or subject.get("type") != "BitstringStatusList"
        or subject.get("statusPurpose") != "revocation"
    ):
        raise CredentialError("Daftar status tidak cocok dengan kredensial ini.")
    return is_set(decode_status_list(encoded), int(index_text))
