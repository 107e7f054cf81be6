"""PAdES signing with a dinas's PKCS#12 certificate, checked with pyHanko and read with pypdf."""

from __future__ import annotations

import gc
import io
import re
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pypdf import PdfReader, PdfWriter
from pypdf.generic import StreamObject

try:
    import weasyprint
except OSError as exc:  # Pango/HarfBuzz missing: WeasyPrint cannot even be imported
    pytest.skip(
        f"WeasyPrint's system libraries are missing ({exc}); "
        "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core",
        allow_module_level=True,
    )

from certificates import pades
from certificates.pades import SignatureCheck, Signer, SigningError, check, load_pkcs12

PASSWORD = "rahasia"
DINAS = "Dinas Koperasi dan UKM Kabupaten Kediri"
NOW = datetime.now(UTC)


def make_cert(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
    *,
    subject: x509.Name | None = None,
    not_before: datetime = NOW - timedelta(days=1),
    not_after: datetime = NOW + timedelta(days=365),
) -> x509.Certificate:
    name = subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DINAS)])
    digest = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, digest)
    )


def pack(key: pkcs12.PKCS12PrivateKeyTypes | None, cert: x509.Certificate) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"dinas", key, cert, None, serialization.BestAvailableEncryption(PASSWORD.encode())
    )


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def cert(rsa_key: rsa.RSAPrivateKey) -> x509.Certificate:
    return make_cert(rsa_key)


@pytest.fixture(scope="module")
def p12(rsa_key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    return pack(rsa_key, cert)


@pytest.fixture(scope="module")
def signer(p12: bytes) -> Signer:
    return Signer(p12, PASSWORD, location="Kediri")


@pytest.fixture(scope="module")
def original() -> bytes:
    """A PDF/A-3b certificate that, like ours, already ends in an incremental update."""
    with warnings.catch_warnings():
        # WeasyPrint leaves its sRGB ICC profile file open when it writes PDF/A (the file object
        # in weasyprint/pdf/__init__.py is never closed); collect it here so the
        # ResourceWarning is raised, and silenced, inside this block only.
        warnings.simplefilter("ignore", ResourceWarning)
        rendered = weasyprint.HTML(string="<p>Sertifikat</p>").write_pdf(pdf_variant="pdf/a-3b")
        gc.collect()
    writer = PdfWriter(io.BytesIO(rendered), incremental=True)
    writer.add_attachment("peserta.json", b'{"nama": "Siti Aminah"}')
    out = io.BytesIO()
    writer.write(out)
    pdf = out.getvalue()
    assert pdf.startswith(rendered) and pdf.count(b"%%EOF") == 2
    return pdf


@pytest.fixture(scope="module")
def signed(signer: Signer, original: bytes) -> bytes:
    return signer.sign(original, name="Kepala Dinas")


def all_good(result: SignatureCheck) -> bool:
    return result.signed and result.intact and result.covers_whole_file


# --- load_pkcs12 --------------------------------------------------------------------------------


def test_load_pkcs12_describes_the_signing_certificate(p12: bytes, cert: x509.Certificate) -> None:
    info = load_pkcs12(p12, PASSWORD)
    assert info.subject == DINAS
    assert info.issuer == DINAS
    assert info.not_before == cert.not_valid_before_utc
    assert info.not_after == cert.not_valid_after_utc
    assert int(info.serial, 16) == cert.serial_number


@pytest.mark.parametrize("data", ["wrong password", "garbage"])
def test_load_pkcs12_refuses_a_wrong_password_or_garbage(p12: bytes, data: str) -> None:
    blob, password = (p12, "salah") if data == "wrong password" else (b"bukan pkcs12", PASSWORD)
    with pytest.raises(SigningError) as caught:
        load_pkcs12(blob, password)
    assert str(caught.value) == (
        "Berkas PKCS#12 tidak dapat dibuka: kata sandinya salah atau berkasnya rusak."
    )


def test_load_pkcs12_names_the_expiry_date_in_indonesian(rsa_key: rsa.RSAPrivateKey) -> None:
    expired = make_cert(
        rsa_key,
        not_before=datetime(2023, 3, 12, 5, tzinfo=UTC),
        not_after=datetime(2024, 3, 12, 5, tzinfo=UTC),
    )
    with pytest.raises(SigningError) as caught:
        load_pkcs12(pack(rsa_key, expired), PASSWORD)
    assert str(caught.value) == "Sertifikat penanda tangan sudah kedaluwarsa pada 12 Maret 2024."


def test_load_pkcs12_refuses_a_certificate_not_yet_valid(rsa_key: rsa.RSAPrivateKey) -> None:
    future = make_cert(
        rsa_key, not_before=NOW + timedelta(days=30), not_after=NOW + timedelta(days=400)
    )
    with pytest.raises(SigningError, match="belum berlaku"):
        load_pkcs12(pack(rsa_key, future), PASSWORD)


def test_load_pkcs12_needs_the_private_key(cert: x509.Certificate) -> None:
    with pytest.raises(SigningError, match="tidak berisi kunci privat"):
        load_pkcs12(pack(None, cert), PASSWORD)


def test_load_pkcs12_refuses_other_key_types() -> None:
    key = ed448.Ed448PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DINAS)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, None)
    )
    with pytest.raises(SigningError, match="RSA, EC, atau Ed25519"):
        load_pkcs12(pack(key, cert), PASSWORD)


def test_load_pkcs12_refuses_a_key_that_is_not_the_certificates(
    monkeypatch: pytest.MonkeyPatch, cert: x509.Certificate
) -> None:
    # cryptography refuses to pack such a pair, but archives from elsewhere can hold one.
    stranger = ec.generate_private_key(ec.SECP256R1())
    monkeypatch.setattr(
        pkcs12, "load_key_and_certificates", lambda data, password: (stranger, cert, [])
    )
    with pytest.raises(SigningError, match="tidak cocok"):
        load_pkcs12(b"apa saja", PASSWORD)


def test_load_pkcs12_without_a_password(rsa_key: rsa.RSAPrivateKey, cert: x509.Certificate) -> None:
    bare = pkcs12.serialize_key_and_certificates(
        b"dinas", rsa_key, cert, None, serialization.NoEncryption()
    )
    assert load_pkcs12(bare, "").subject == DINAS


def test_subject_without_common_name_is_the_full_distinguished_name() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Kabupaten Kediri"),
        ]
    )
    info = load_pkcs12(pack(key, make_cert(key, subject=subject)), PASSWORD)
    assert info.subject == "O=Pemerintah Kabupaten Kediri,C=ID"


# --- signing and checking -----------------------------------------------------------------------


def test_signed_pdf_checks_out(signed: bytes) -> None:
    result = check(signed)
    assert result.signed and result.intact and result.covers_whole_file
    assert result.signer == DINAS
    assert result.signed_at is not None
    assert abs(result.signed_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_signing_is_an_incremental_update(original: bytes, signed: bytes) -> None:
    assert signed.startswith(original)
    assert len(signed) > len(original)
    assert signed.count(b"%%EOF") == 3


def test_pypdf_still_reads_the_signed_file(signed: bytes) -> None:
    reader = PdfReader(io.BytesIO(signed))
    assert "Sertifikat" in reader.pages[0].extract_text()
    assert list(reader.attachments) == ["peserta.json"]
    fields = reader.get_fields() or {}
    value = fields[pades.FIELD_NAME].value
    assert value["/Filter"] == "/Adobe.PPKLite"
    assert value["/SubFilter"] == "/ETSI.CAdES.detached"
    assert value["/Reason"] == "Sertifikat Bimtek"
    assert value["/Location"] == "Kediri"
    assert value["/Name"] == "Kepala Dinas"


def test_signing_keeps_the_pdfa_metadata_consistent(signed: bytes) -> None:
    reader = PdfReader(io.BytesIO(signed))
    metadata = reader.root_object["/Metadata"].get_object()
    assert isinstance(metadata, StreamObject)
    xmp = metadata.get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    producer = re.search(r'pdf:Producer="([^"]*)"', xmp)
    assert producer is not None
    assert reader.metadata is not None and reader.metadata.producer == producer.group(1)


def test_a_flipped_byte_in_the_signed_part_is_caught(original: bytes, signed: bytes) -> None:
    # A byte inside the page's compressed content: the file still parses, the text does not.
    position = original.index(b"stream\n") + len(b"stream\n") + 5
    tampered = bytearray(signed)
    tampered[position] ^= 0x01
    result = check(bytes(tampered))
    assert result.signed
    assert not all_good(result)


def test_a_mangled_signature_value_is_not_intact(signed: bytes) -> None:
    # /Contents lies outside the signed byte range, so only the CMS itself can notice this.
    start = signed.rindex(b"/Contents <") + len(b"/Contents <")
    mangled = signed[:start] + b"FFFF" + signed[start + 4 :]
    result = check(mangled)
    assert result.signed
    assert not result.intact


def test_bytes_appended_after_signing_are_caught(signed: bytes) -> None:
    result = check(signed + b"\n% ditambahkan kemudian\n")
    assert result.signed and result.signer == DINAS
    assert not result.covers_whole_file
    assert not all_good(result)


def test_unsigned_pdf(original: bytes) -> None:
    assert check(original) == SignatureCheck(
        signed=False, intact=False, covers_whole_file=False, signer=None, signed_at=None
    )


def test_check_refuses_what_is_not_a_pdf() -> None:
    with pytest.raises(SigningError):
        check(b"bukan PDF")


def test_signing_twice_is_refused(signer: Signer, signed: bytes) -> None:
    with pytest.raises(SigningError, match="sudah ditandatangani"):
        signer.sign(signed)


def test_signer_refuses_an_expired_certificate(rsa_key: rsa.RSAPrivateKey) -> None:
    expired = make_cert(rsa_key, not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(1))
    with pytest.raises(SigningError, match="kedaluwarsa"):
        Signer(pack(rsa_key, expired), PASSWORD)


@pytest.mark.parametrize(
    "key",
    [ec.generate_private_key(ec.SECP256R1()), ed25519.Ed25519PrivateKey.generate()],
    ids=["ec-p256", "ed25519"],
)
def test_ec_and_ed25519_keys_sign_too(
    key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey, original: bytes
) -> None:
    signed = Signer(pack(key, make_cert(key)), PASSWORD).sign(original)
    assert all_good(check(signed))


def test_one_signer_signs_a_batch(signer: Signer, original: bytes) -> None:
    for _ in range(3):
        assert all_good(check(signer.sign(original)))


def test_signing_works_from_inside_a_running_event_loop(p12: bytes, original: bytes) -> None:
    # An async caller (or Playwright's sync API in the same thread) already runs a loop;
    # pyHanko's own asyncio.run must not collide with it.
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def inside() -> SignatureCheck:
        return check(Signer(p12, "rahasia").sign(original))

    # A thread of its own, so that the loop started here is the only one in it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert all_good(pool.submit(asyncio.run, inside()).result())
