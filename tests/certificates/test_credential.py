"""Open Badges 3.0 credentials: building, signing, verifying and revoking through status lists."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import credential as c

PROFILE = settings(max_examples=100, deadline=None, database=None)

LIST_URL = "https://lms.example/status/3603/1"
ISSUER = c.Issuer(
    id="https://lms.example/penerbit/3603",
    name="Dinas Koperasi dan UKM Kabupaten Tangerang",
    url="https://diskumkm.tangerangkab.go.id",
)
OTHER_ISSUER = c.Issuer(
    id="https://lms.example/penerbit/3201", name="Dinas Koperasi dan UKM Kabupaten Bogor"
)
AWARD = c.Award(
    credential_id="https://lms.example/v/7KQ2-MX4P-9TDA",
    number="001/BIMTEK-KDKMP/DISKUM-TGR/IX/2025",
    name="Siti Rahmawati",
    role="Bendahara",
    organisation="Koperasi Desa Merah Putih Sukamaju",
    achievement_id="https://lms.example/angkatan/bimtek-x",
    achievement_name="Bimtek Pembukuan Koperasi Desa Merah Putih",
    achievement_description="Pembukuan harian, neraca dan laporan SHU koperasi desa.",
    criteria="Kehadiran minimal 75% dan nilai kuis minimal 60.",
    hours=32,
    start=date(2025, 9, 1),
    end=date(2025, 9, 4),
    issued_at=datetime(2025, 9, 5, 3, 0, 12, 345678, tzinfo=UTC),
    status_list_url=LIST_URL,
    status_index=42,
)

# RFC 8037 appendix A.1 and A.3: a known Ed25519 key and its RFC 7638 thumbprint.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forge(protected: dict[str, Any], payload: dict[str, Any], pem: bytes) -> str:
    """A token signed with ``pem`` but with any header and payload, bypassing the module."""
    signing_input = f"{b64(json.dumps(protected).encode())}.{b64(json.dumps(payload).encode())}"
    key = load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def replace_payload(token: str, payload: dict[str, Any]) -> str:
    head, _, signature = token.split(".")
    return f"{head}.{b64(json.dumps(payload).encode())}.{signature}"


@pytest.fixture(scope="module")
def pem() -> bytes:
    return c.generate_key()


@pytest.fixture(scope="module")
def kid(pem: bytes) -> str:
    return c.key_id(pem)


@pytest.fixture(scope="module")
def keys(pem: bytes, kid: str) -> dict[str, dict[str, Any]]:
    return {kid: c.public_jwk(pem, kid)}


@pytest.fixture(scope="module")
def credential() -> dict[str, Any]:
    return c.build(AWARD, ISSUER)


@pytest.fixture(scope="module")
def token(credential: dict[str, Any], pem: bytes, kid: str) -> str:
    return c.sign(credential, pem, kid)


def status_list_token(revoked: list[int], pem: bytes, kid: str, url: str = LIST_URL) -> str:
    encoded = c.encode_status_list(revoked)
    document = c.build_status_list(url, ISSUER, encoded, datetime(2025, 9, 6, tzinfo=UTC))
    return c.sign_status_list(document, pem, kid)


# Keys


def test_key_id_is_the_rfc7638_thumbprint() -> None:
    private = Ed25519PrivateKey.from_private_bytes(unb64(RFC8037_D))
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    assert c.key_id(pem) == RFC8037_THUMBPRINT
    assert c.public_jwk(pem, "k1")["x"] == RFC8037_X


def test_key_id_is_stable_and_differs_per_key(pem: bytes) -> None:
    assert c.key_id(pem) == c.key_id(pem)
    assert c.key_id(pem) != c.key_id(c.generate_key())


def test_public_jwk_has_no_private_part(pem: bytes) -> None:
    jwk = c.public_jwk(pem, "k1")
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": jwk["x"],
        "kid": "k1",
        "alg": "EdDSA",
        "use": "sig",
    }
    assert "d" not in jwk
    assert len(unb64(jwk["x"])) == 32


def test_generated_key_is_pkcs8_pem(pem: bytes) -> None:
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")


def test_unreadable_private_key_is_refused() -> None:
    with pytest.raises(c.CredentialError, match="tidak dapat dibaca"):
        c.key_id(b"bukan kunci")


# The credential document


def test_credential_has_the_open_badges_fields(credential: dict[str, Any]) -> None:
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["id"] == AWARD.credential_id
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": ISSUER.id,
        "type": ["Profile"],
        "name": ISSUER.name,
        "url": ISSUER.url,
    }
    assert credential["validFrom"] == "2025-09-05T03:00:12Z"
    assert credential["name"] == AWARD.achievement_name

    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": "Siti Rahmawati",
            "identityType": "name",
            "hashed": False,
        }
    ]
    assert subject["role"] == "Bendahara"
    assert subject["licenseNumber"] == AWARD.number
    assert subject["narrative"] == "Bendahara, Koperasi Desa Merah Putih Sukamaju"
    assert subject["creditsEarned"] == 32
    assert subject["activityStartDate"] == "2025-09-01T00:00:00Z"
    assert subject["activityEndDate"] == "2025-09-04T00:00:00Z"
    assert subject["achievement"] == {
        "id": AWARD.achievement_id,
        "type": ["Achievement"],
        "name": AWARD.achievement_name,
        "description": AWARD.achievement_description,
        "criteria": {"narrative": AWARD.criteria},
        "achievementType": "Certificate",
        "creditsAvailable": 32,
    }
    assert credential["credentialStatus"] == {
        "id": f"{LIST_URL}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }


def test_credential_has_no_nik(credential: dict[str, Any]) -> None:
    def names(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [k for k in value] + [n for v in value.values() for n in names(v)]
        if isinstance(value, list):
            return [n for v in value for n in names(v)]
        return []

    assert not [name for name in names(credential) if "nik" in name.lower()]


def test_optional_parts_are_left_out() -> None:
    award = replace(AWARD, status_list_url=None, status_index=None)
    document = c.build(award, replace(ISSUER, url=None))
    assert "credentialStatus" not in document
    assert "url" not in document["issuer"]


def test_valid_from_is_utc_with_seconds() -> None:
    wib = datetime(2025, 9, 5, 10, 0, 12, 999, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert c.build(replace(AWARD, issued_at=wib), ISSUER)["validFrom"] == "2025-09-05T03:00:12Z"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issued_at": datetime(2025, 9, 5)}, "zona waktu"),
        ({"end": date(2025, 8, 31)}, "sebelum tanggal mulai"),
        ({"status_index": None}, "harus diisi bersama"),
        ({"status_index": -1}, "negatif"),
        ({"hours": -1}, "negatif"),
    ],
)
def test_inconsistent_awards_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(c.CredentialError, match=message):
        c.build(replace(AWARD, **changes), ISSUER)


# Signing and verifying


def test_round_trip(token: str, credential: dict[str, Any], keys: dict[str, Any], kid: str) -> None:
    assert c.header(token) == {"alg": "EdDSA", "typ": "vc+jwt", "kid": kid}
    payload = c.verify(token, keys)
    issued = int(AWARD.issued_at.replace(microsecond=0).timestamp())
    assert payload == {
        **credential,
        "iss": ISSUER.id,
        "jti": AWARD.credential_id,
        "nbf": issued,
        "iat": issued,
    }
    assert c.unverified(token) == payload


def test_signing_is_deterministic(credential: dict[str, Any], pem: bytes, kid: str) -> None:
    assert c.sign(credential, pem, kid) == c.sign(dict(credential), pem, kid)


def test_non_ascii_names_survive(pem: bytes, kid: str, keys: dict[str, Any]) -> None:
    award = replace(AWARD, name="Ni Luh Putu Ayu Dewi – Ṣāliḥ")
    token = c.sign(c.build(award, ISSUER), pem, kid)
    subject = c.verify(token, keys)["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == award.name


def test_tampered_payload_fails(token: str, keys: dict[str, Any]) -> None:
    payload = c.unverified(token)
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "Budi Santoso"
    with pytest.raises(c.CredentialError, match="Tanda tangan kredensial tidak sah"):
        c.verify(replace_payload(token, payload), keys)


def test_flipped_signature_byte_fails(token: str, keys: dict[str, Any]) -> None:
    head, body, signature = token.split(".")
    raw = bytearray(unb64(signature))
    raw[10] ^= 0x01
    with pytest.raises(c.CredentialError, match="Tanda tangan kredensial tidak sah"):
        c.verify(f"{head}.{body}.{b64(bytes(raw))}", keys)


def test_alg_none_is_rejected(token: str, keys: dict[str, Any], kid: str) -> None:
    _, body, _ = token.split(".")
    head = b64(json.dumps({"alg": "none", "typ": "vc+jwt", "kid": kid}).encode())
    with pytest.raises(c.CredentialError, match="hanya EdDSA"):
        c.verify(f"{head}.{body}.", keys)


def test_hs256_with_the_public_key_as_secret_is_rejected(
    token: str, keys: dict[str, Any], kid: str
) -> None:
    # The classic confusion attack: an HMAC keyed with the published public key.
    _, body, _ = token.split(".")
    head = b64(json.dumps({"alg": "HS256", "typ": "vc+jwt", "kid": kid}).encode())
    secret = keys[kid]["x"].encode()
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    with pytest.raises(c.CredentialError, match="hanya EdDSA"):
        c.verify(f"{head}.{body}.{b64(mac)}", keys)


def test_unknown_kid_is_rejected(token: str, keys: dict[str, Any]) -> None:
    with pytest.raises(c.CredentialError, match="tidak dikenal"):
        c.verify(token, {"lain": next(iter(keys.values()))})


def test_key_of_another_dinas_is_rejected(
    credential: dict[str, Any], keys: dict[str, Any], kid: str
) -> None:
    other = c.generate_key()
    # Under its own key id: not one of this issuer's keys.
    with pytest.raises(c.CredentialError, match="tidak dikenal"):
        c.verify(c.sign(credential, other, c.key_id(other)), keys)
    # Claiming this issuer's key id: the signature does not match that key.
    with pytest.raises(c.CredentialError, match="Tanda tangan kredensial tidak sah"):
        c.verify(c.sign(credential, other, kid), keys)


def test_wrong_typ_is_rejected(credential: dict[str, Any], pem: bytes, kid: str) -> None:
    keys = {kid: c.public_jwk(pem, kid)}
    payload = c.unverified(c.sign(credential, pem, kid))
    token = forge({"alg": "EdDSA", "typ": "JWT", "kid": kid}, payload, pem)
    with pytest.raises(c.CredentialError, match="vc\\+jwt"):
        c.verify(token, keys)
    # RFC 7515 lets "typ" carry the full media type.
    token = forge({"alg": "EdDSA", "typ": "application/vc+jwt", "kid": kid}, payload, pem)
    assert c.verify(token, keys)["id"] == credential["id"]


def test_status_list_is_not_a_credential(pem: bytes, kid: str, keys: dict[str, Any]) -> None:
    with pytest.raises(c.CredentialError, match="bukan kredensial Open Badges"):
        c.verify(status_list_token([], pem, kid), keys)


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": OTHER_ISSUER.id},
        {"jti": "https://lms.example/v/LAIN"},
        {"nbf": 0},
        {"iss": None},
    ],
)
def test_inconsistent_claims_are_rejected(
    token: str, pem: bytes, kid: str, keys: dict[str, Any], claims: dict[str, Any]
) -> None:
    payload = {**c.unverified(token), **claims}
    forged = forge(c.header(token), payload, pem)
    with pytest.raises(c.CredentialError, match="Klaim token tidak sesuai"):
        c.verify(forged, keys)


def segments(head: bytes, payload: bytes) -> str:
    return f"{b64(head)}.{b64(payload)}."


JUNK_HEADERS = [
    "",
    "abc",
    "a.b.c",
    "a.b",
    "ééé.ééé.ééé",
    segments(b"[1]", b"{}"),
    segments(b'"alg"', b"{}"),
    segments(b'{"typ": "vc+jwt"}', b"{}"),
]
JUNK_PAYLOADS = [
    segments(b'{"alg": "EdDSA"}', b"[1, 2]"),
    segments(b'{"alg": "EdDSA"}', b"\xff\xfe"),
    segments(b'{"alg": "EdDSA"}', b"[" * 50_000),
]


@pytest.mark.parametrize("junk", JUNK_HEADERS)
def test_junk_header_is_unreadable(junk: str) -> None:
    with pytest.raises(c.CredentialError, match="tidak dapat dibaca"):
        c.header(junk)


@pytest.mark.parametrize("junk", JUNK_HEADERS + JUNK_PAYLOADS)
def test_junk_is_unreadable(junk: str, keys: dict[str, Any]) -> None:
    with pytest.raises(c.CredentialError, match="tidak dapat dibaca"):
        c.unverified(junk)
    with pytest.raises(c.CredentialError):
        c.verify(junk, keys)


def test_malformed_public_key_is_refused(token: str, kid: str) -> None:
    with pytest.raises(c.CredentialError, match="Kunci publik penerbit tidak sah"):
        c.verify(token, {kid: {"kty": "OKP", "crv": "Ed25519", "x": "pendek"}})
    with pytest.raises(c.CredentialError, match="Kunci publik penerbit tidak sah"):
        c.verify(token, {kid: {"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}})


# Status lists


def test_status_list_round_trip() -> None:
    revoked = [0, 7, 8, 42, 131071]
    bits = c.decode_status_list(c.encode_status_list(revoked))
    assert [i for i in range(len(bits) * 8) if c.is_set(bits, i)] == revoked


def test_status_list_bit_order_is_msb_first() -> None:
    bits = c.decode_status_list(c.encode_status_list([0, 9], size=16))
    assert bits == bytes([0b1000_0000, 0b0100_0000])


def test_status_list_sizes() -> None:
    encoded = c.encode_status_list([])
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert len(c.decode_status_list(encoded)) == 16 * 1024
    assert len(encoded) < 200
    assert gzip.decompress(unb64(encoded[1:])) == bytes(16 * 1024)


def test_status_list_encoding_is_deterministic() -> None:
    assert c.encode_status_list([5, 1]) == c.encode_status_list([1, 5])


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "z" + b64(gzip.compress(b"\x00", mtime=0)),
        "u!!!!",
        "u" + b64(b"not gzip at all"),
        "u" + b64(gzip.compress(b"", mtime=0)),
        "u" + b64(gzip.compress(b"\x00" * 16, mtime=0) + b"ekor"),
        "uH4+sI",
    ],
)
def test_unreadable_status_lists_are_refused(junk: str) -> None:
    with pytest.raises(c.CredentialError):
        c.decode_status_list(junk)


def test_status_list_bomb_is_refused() -> None:
    bomb = "u" + b64(gzip.compress(bytes(17 * 1024 * 1024), compresslevel=1))
    with pytest.raises(c.CredentialError, match="terlalu besar"):
        c.decode_status_list(bomb)


@pytest.mark.parametrize("index", [-1, 16])
def test_out_of_range_indices_are_refused(index: int) -> None:
    with pytest.raises(c.CredentialError, match="di luar jangkauan"):
        c.encode_status_list([index], size=16)
    with pytest.raises(c.CredentialError, match="di luar jangkauan"):
        c.is_set(bytes(2), index)


def test_status_list_document() -> None:
    document = c.build_status_list(
        LIST_URL, ISSUER, "uH4sI", datetime(2025, 9, 6, 1, 2, 3, 400, tzinfo=UTC)
    )
    assert document == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": ISSUER.id, "name": ISSUER.name},
        "validFrom": "2025-09-06T01:02:03Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "uH4sI",
        },
    }


def test_revoked_index_is_detected(
    credential: dict[str, Any], pem: bytes, kid: str, keys: dict[str, Any]
) -> None:
    assert c.status_of(credential, status_list_token([3, 42], pem, kid), keys) is True
    assert c.status_of(credential, status_list_token([3, 41, 43], pem, kid), keys) is False
    assert c.status_of(credential, status_list_token([], pem, kid), keys) is False


def test_tampered_status_list_fails(
    credential: dict[str, Any], pem: bytes, kid: str, keys: dict[str, Any]
) -> None:
    token = status_list_token([42], pem, kid)
    payload = c.unverified(token)
    payload["credentialSubject"]["encodedList"] = c.encode_status_list([])
    with pytest.raises(c.CredentialError, match="Tanda tangan kredensial tidak sah"):
        c.status_of(credential, replace_payload(token, payload), keys)


def test_status_list_of_another_list_or_issuer_is_refused(
    credential: dict[str, Any], pem: bytes, kid: str, keys: dict[str, Any]
) -> None:
    other_url = status_list_token([42], pem, kid, url=f"{LIST_URL}-lain")
    with pytest.raises(c.CredentialError, match="tidak cocok"):
        c.status_of(credential, other_url, keys)

    document = c.build_status_list(
        LIST_URL, OTHER_ISSUER, c.encode_status_list([42]), datetime(2025, 9, 6, tzinfo=UTC)
    )
    with pytest.raises(c.CredentialError, match="tidak cocok"):
        c.status_of(credential, c.sign_status_list(document, pem, kid), keys)


def test_credential_is_not_a_status_list(
    credential: dict[str, Any], token: str, keys: dict[str, Any]
) -> None:
    with pytest.raises(c.CredentialError, match="bukan daftar status"):
        c.status_of(credential, token, keys)


def test_credential_without_status_cannot_be_looked_up(
    pem: bytes, kid: str, keys: dict[str, Any]
) -> None:
    document = c.build(replace(AWARD, status_list_url=None, status_index=None), ISSUER)
    with pytest.raises(c.CredentialError, match="tidak memiliki status"):
        c.status_of(document, status_list_token([], pem, kid), keys)


@PROFILE
@given(
    revoked=st.sets(st.integers(0, c.STATUS_LIST_SIZE - 1), max_size=40),
    probes=st.lists(st.integers(0, c.STATUS_LIST_SIZE - 1), max_size=10),
)
def test_status_list_matches_any_revoked_set(revoked: set[int], probes: list[int]) -> None:
    bits = c.decode_status_list(c.encode_status_list(revoked))
    assert len(bits) * 8 == c.STATUS_LIST_SIZE
    assert all(c.is_set(bits, index) for index in revoked)
    for index in probes:
        assert c.is_set(bits, index) == (index in revoked)
    # As many bits set as indices revoked, so none was set by mistake.
    assert int.from_bytes(bits, "big").bit_count() == len(revoked)
