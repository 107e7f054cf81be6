"""PAdES signatures with a dinas's own PKCS#12 certificate, and checking them afterwards.

A dinas uploads its signing certificate (for example an official electronic-signature
certificate) once; every certificate PDF we issue for it then carries a PAdES B-B signature that
PDF readers show. There is no timestamp server and no network: B-B needs neither.

The PDFs are PDF/A-3b and may already end in an incremental update, so signing is itself an
incremental update: the earlier bytes stay exactly as they were and earlier signatures or checks
over them remain valid.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO
from typing import TypeAlias, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, select_suitable_signing_md
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import CertificateRegistry
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from quizzes.ledger.journal import format_tanggal

_T = TypeVar("_T")

__all__ = [
    "FIELD_NAME",
    "SignatureCheck",
    "Signer",
    "SignerInfo",
    "SigningError",
    "check",
    "load_pkcs12",
]

FIELD_NAME = "Tanda tangan dinas"

_PrivateKey: TypeAlias = RSAPrivateKey | EllipticCurvePrivateKey | Ed25519PrivateKey

# People read these dates as Indonesian local time; WIB is the national reference and a fixed
# offset needs no time-zone database on the server.
_WIB = timezone(timedelta(hours=7))

_UNREADABLE_P12 = "Berkas PKCS#12 tidak dapat dibuka: kata sandinya salah atau berkasnya rusak."


class SigningError(Exception):
    """A certificate upload or a signing step failed; the message is meant for people."""


@dataclass(frozen=True, slots=True)
class SignerInfo:
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    serial: str


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    signed: bool
    intact: bool
    covers_whole_file: bool
    signer: str | None
    signed_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Material:
    key: _PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def _tanggal(moment: datetime) -> str:
    return format_tanggal(moment.astimezone(_WIB).date())


def _name(name: x509.Name) -> str:
    common_names = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if common_names and isinstance(common_names[0].value, str):
        return common_names[0].value
    return name.rfc4514_string()


def _ensure_valid_now(cert: x509.Certificate) -> None:
    now = datetime.now(UTC)
    if now > cert.not_valid_after_utc:
        expired = _tanggal(cert.not_valid_after_utc)
        raise SigningError(f"Sertifikat penanda tangan sudah kedaluwarsa pada {expired}.")
    if now < cert.not_valid_before_utc:
        raise SigningError(
            "Sertifikat penanda tangan belum berlaku; "
            f"berlaku mulai {_tanggal(cert.not_valid_before_utc)}."
        )


def _open_pkcs12(data: bytes, password: str) -> _Material:
    # An archive "without a password" may be stored with no password at all or with an empty
    # one, and OpenSSL treats the two differently.
    attempts: list[bytes | None] = [password.encode()] if password else [None, b""]
    loaded = None
    for attempt in attempts:
        try:
            loaded = pkcs12.load_key_and_certificates(data, attempt)
            break
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
    if loaded is None:
        raise SigningError(_UNREADABLE_P12)
    key, cert, chain = loaded
    if key is None:
        raise SigningError("Berkas PKCS#12 tidak berisi kunci privat untuk menandatangani.")
    if cert is None:
        raise SigningError("Berkas PKCS#12 tidak berisi sertifikat penanda tangan.")
    if not isinstance(key, RSAPrivateKey | EllipticCurvePrivateKey | Ed25519PrivateKey):
        raise SigningError(
            "Jenis kunci di berkas PKCS#12 tidak didukung; gunakan kunci RSA, EC, atau Ed25519."
        )
    # A mismatched pair would sign happily and then fail every check, so refuse it at upload.
    if key.public_key() != cert.public_key():
        raise SigningError("Kunci privat di berkas PKCS#12 tidak cocok dengan sertifikatnya.")
    _ensure_valid_now(cert)
    return _Material(key=key, cert=cert, chain=tuple(chain))


def _info(cert: x509.Certificate) -> SignerInfo:
    return SignerInfo(
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "X"),
    )


def load_pkcs12(data: bytes, password: str) -> SignerInfo:
    """Validate an uploaded PKCS#12 archive and describe its signing certificate."""
    return _info(_open_pkcs12(data, password).cert)


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, but holding the parsed key instead of re-reading it.

    SimpleSigner re-parses the private key for every signature, and for RSA that parse (with
    its key-consistency check) costs more than the rest of the signing put together.
    """

    def __init__(self, material: _Material) -> None:
        key_der = material.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # The rest of the chain from the archive goes into the CMS so readers can build the path
        # up to the dinas's CA without fetching anything.
        registry = CertificateRegistry.build(_to_asn1(cert) for cert in material.chain)
        super().__init__(
            signing_cert=_to_asn1(material.cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=registry,
        )
        self._key = material.key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        key = self._key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if mechanism == "ed25519" and isinstance(key, Ed25519PrivateKey):
            return key.sign(data)
        return super().sign_raw(data, digest_algorithm)


class Signer:
    """Signs a batch of certificate PDFs with one dinas's PKCS#12 certificate.

    The archive is opened once; `info` describes its certificate. pyHanko drives its own event
    loop, so call `sign` from a worker thread or process, never inside a running loop.
    """

    def __init__(
        self,
        p12: bytes,
        password: str,
        *,
        reason: str = "Sertifikat Bimtek",
        location: str = "",
    ) -> None:
        material = _open_pkcs12(data=p12, password=password)
        self._cert = material.cert
        self.info = _info(material.cert)
        self._signer = _KeptKeySigner(material)
        digest = select_suitable_signing_md(_to_asn1(material.cert).public_key)
        self._meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm=digest,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
        )
        self._bytes_reserved = self._estimate_bytes_reserved(digest)

    def _estimate_bytes_reserved(self, digest: str) -> int:
        # pyHanko would otherwise build and sign a throw-away CMS object before every signature
        # to size the /Contents hole; without a timestamp token the size never changes, so one
        # estimate serves the whole batch.
        dummy = get_pyca_cryptography_hash(digest)
        cms = _off_loop(
            lambda: asyncio.run(
                self._signer.async_sign(
                    bytes(dummy.digest_size),
                    digest,
                    dry_run=True,
                    use_pades=True,
                    signed_attr_settings=PdfCMSSignedAttributes(signing_time=datetime.now(UTC)),
                )
            )
        )
        hex_length = 2 * len(cms.dump())
        # Same headroom pyHanko adds; ECDSA signatures vary by a few bytes.
        return hex_length + 2 * (hex_length // 4)

    def sign(self, pdf: bytes, *, name: str | None = None) -> bytes:
        """Return `pdf` followed by an incremental update holding the PAdES signature."""
        return _off_loop(lambda: self._sign(pdf, name))

    def _sign(self, pdf: bytes, name: str | None) -> bytes:
        _ensure_valid_now(self._cert)
        meta = dataclasses.replace(self._meta, name=name) if name else self._meta
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf))
        except (PdfError, ValueError) as exc:
            raise SigningError(
                "Berkas PDF tidak dapat dibaca sehingga tidak dapat ditandatangani."
            ) from exc
        if any(fields.enumerate_sig_fields(writer, filled_status=True, with_name=FIELD_NAME)):
            raise SigningError("PDF ini sudah ditandatangani oleh dinas.")
        _align_producer(writer)
        try:
            out = signers.PdfSigner(meta, self._signer).sign_pdf(
                writer, bytes_reserved=self._bytes_reserved
            )
        except (PdfError, ValueError) as exc:
            raise SigningError("PDF tidak dapat ditandatangani.") from exc
        signed: bytes = out.getvalue()
        return signed


def _align_producer(writer: IncrementalPdfFileWriter) -> None:
    # pyHanko writes its own name as pdf:Producer in the XMP packet but appends it to /Producer
    # in the info dictionary; PDF/A wants the two to agree, so settle on what the XMP will say.
    if "/Metadata" not in writer.root:
        return
    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        return
    info = writer.trailer["/Info"]
    if not isinstance(info, generic.DictionaryObject) or info.get("/Producer") == VENDOR:
        return
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.mark_update(info_ref)


_UNSIGNED = SignatureCheck(
    signed=False, intact=False, covers_whole_file=False, signer=None, signed_at=None
)
_BROKEN = dataclasses.replace(_UNSIGNED, signed=True)


def _covers_whole_file(
    coverage: SignatureCoverageLevel | None, level: ModificationLevel | None
) -> bool:
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    # Later revisions that only add validation data or document timestamps (LTV upkeep) leave
    # the signed content untouched; anything else, even bytes that change nothing, does not
    # count as covered.
    return (
        coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and level == ModificationLevel.LTA_UPDATES
    )


def _subject_of(cert: asn1_x509.Certificate) -> str:
    return _name(x509.load_der_x509_certificate(cert.dump()).subject)


def check(pdf: bytes) -> SignatureCheck:
    """Report the integrity and coverage of the last signature in `pdf`.

    Trust is deliberately not judged: no root is trusted, so a certificate from any CA (or a
    self-signed one) can still be intact. Raises SigningError only when `pdf` cannot be read
    as a PDF at all.
    """
    return _off_loop(lambda: _check(pdf))


def _off_loop(work: Callable[[], _T]) -> _T:
    """Run `work` here, or in a thread of its own when this thread already runs an event loop:
    pyHanko's synchronous calls start their own loop (asyncio.run), which a running loop
    (an async caller, Playwright's sync API) would refuse."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def _check(pdf: bytes) -> SignatureCheck:
    try:
        reader = PdfFileReader(BytesIO(pdf))
    except (PdfError, ValueError) as exc:
        raise SigningError("Berkas ini tidak dapat dibaca sebagai PDF.") from exc
    try:
        signatures = [sig for sig in reader.embedded_signatures if sig.sig_object_type == "/Sig"]
    except (PdfError, ValueError) as exc:
        # pyHanko parses each signature's CMS while collecting them; one it cannot parse is
        # still a signature, just not an intact one.
        try:
            has_signature = any(fields.enumerate_sig_fields(reader, filled_status=True))
        except (PdfError, ValueError):
            has_signature = False
        if has_signature:
            return _BROKEN
        raise SigningError("Berkas ini tidak dapat dibaca sebagai PDF.") from exc
    if not signatures:
        return _UNSIGNED
    last = signatures[-1]
    # An explicit empty trust list: pyHanko's default would fall back to the OS trust store.
    context = ValidationContext(trust_roots=[], allow_fetching=False)
    # A signature pyHanko cannot even evaluate (broken CMS, unknown algorithm) is simply not
    # intact: whoever asks gets an answer, not an exception.
    try:
        status = validate_pdf_signature(last, context)
    except Exception:
        try:
            signer = _subject_of(last.signer_cert)
        except Exception:
            signer = None
        return dataclasses.replace(_BROKEN, signer=signer)
    return SignatureCheck(
        signed=True,
        intact=status.intact and status.valid,
        covers_whole_file=_covers_whole_file(status.coverage, status.modification_level),
        signer=_subject_of(status.signing_cert),
        signed_at=status.signer_reported_dt,
    )
