"""Checking a certificate PDF someone hands over: is it one a dinas issued, unaltered?

A certificate carries its signed Open Badges credential (``credential.jwt``, a PDF/A-3
associated file). Checking it means: the credential is there and signed by a key of the issuer
it names; what the page prints (name, number, issuer, event, verification code) is what the
credential says; a PAdES signature, if the file has one, still covers every byte; and, when the
caller can look it up, the credential has not been revoked.

Where the keys and the revocation status come from is the caller's business (a web page has
them in its database, the command line fetches them), so both are passed in as functions.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from pypdf import PdfReader

from certificates import credential, pades
from certificates.stamp import CREDENTIAL_NAME

__all__ = [
    "Finding",
    "Report",
    "Unavailable",
    "VerifyError",
    "check",
    "normalise",
    "read",
]

# Findings that must be ok for a certificate to be valid; PAdES and status may go unchecked.
_REQUIRED: Final = ("berkas", "kredensial", "tanda_tangan", "isi_cetak")

# Viewers accept a file whose header sits within its first KiB and whose last %%EOF sits within
# its final KiB (PDF 1.7, implementation notes 13 and 18). A file without that %%EOF was cut
# short, and pypdf's repair would then quietly read an earlier revision: a different document
# from the one issued.
_WINDOW: Final = 1024

_NOT_VERIFIED: Final = "Tidak diperiksa karena kredensial tidak terverifikasi."


class VerifyError(Exception):
    """The file is not a readable PDF; the message (Indonesian) says so."""


class Unavailable(Exception):
    """Raised by a ``keys`` or ``status`` callback that could not get what it needs (offline,
    network down, no key file); its message, a full Indonesian sentence, becomes the finding."""


@dataclass(frozen=True, slots=True)
class Finding:
    check: str  # "berkas", "kredensial", "tanda_tangan", "isi_cetak", "pades", "status"
    ok: bool | None  # None: not checked
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    valid: bool
    findings: tuple[Finding, ...]
    credential: dict[str, Any] | None  # the verified payload

    def to_json(self) -> dict[str, Any]:
        payload = self.credential or {}
        finding = next((f for f in self.findings if f.check == "status"), None)
        status = "tidak diperiksa"
        if finding is not None and finding.ok is True:
            status = "berlaku"
        elif finding is not None and finding.ok is False:
            status = "dicabut" if "dicabut" in finding.message else "tidak sah"
        return {
            "sah": self.valid,
            "nomor": _number(payload),
            "nama": _name(payload),
            "penerbit": _issuer_name(payload),
            "kode": _code(payload),
            "penerbit_id": payload.get("iss"),
            "status": status,
            "pemeriksaan": [
                {"periksa": f.check, "hasil": f.ok, "pesan": f.message} for f in self.findings
            ],
        }


# Reading the file


@dataclass(frozen=True, slots=True)
class _Contents:
    tokens: tuple[str, ...]
    text: str
    # The same pages laid out by position: plain extraction glues text of neighbouring boxes
    # ("SERTIFIKATNomor: ..."), which would break the word-boundary match of a printed field.
    layout: str


def _contents(pdf: bytes) -> _Contents:
    if b"%PDF-" not in pdf[:_WINDOW]:
        raise VerifyError("Berkas ini bukan PDF.")
    if b"%%EOF" not in pdf[-_WINDOW:]:
        raise VerifyError("Berkas PDF ini terpotong atau rusak: penanda akhir berkas tidak ada.")
    try:
        reader = PdfReader(io.BytesIO(pdf))
        pages = [page.extract_text() for page in reader.pages]
        attached = reader.attachments.get(CREDENTIAL_NAME, [])
    except Exception as error:
        # A hostile or broken file can make pypdf raise nearly anything; the answer must be
        # "unreadable", never a crash.
        raise VerifyError("Berkas PDF ini rusak dan tidak dapat dibaca.") from error
    try:
        layout = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    except Exception:
        # Only a second chance for matching; the plain text above is what counts.
        layout = []
    tokens: list[str] = []
    for data in attached:
        token = data.decode("utf-8", errors="replace").strip()
        if token not in tokens:
            tokens.append(token)
    return _Contents(tuple(tokens), "\n".join(pages), "\n".join(layout))


def read(pdf: bytes) -> tuple[str | None, str]:
    """The credential token attached to ``pdf`` (the first, if there are several; None if there
    is none) and the text of all its pages. Raises VerifyError for a file that is not a
    readable PDF."""
    contents = _contents(pdf)
    return (contents.tokens[0] if contents.tokens else None), contents.text


# What a credential says


def _get(document: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(document, list) or len(document) <= step:
                return None
        elif not isinstance(document, dict):
            return None
        document = document[step] if isinstance(step, int) else document.get(step)
    return document


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _name(payload: Mapping[str, Any]) -> str | None:
    identifiers = _get(payload, "credentialSubject", "identifier")
    if not isinstance(identifiers, list):
        return None
    for identifier in identifiers:
        # A hashed identifier is a digest, not something printed on the page.
        if (
            isinstance(identifier, dict)
            and identifier.get("identityType") == "name"
            and identifier.get("hashed") is not True
        ):
            return _text(identifier.get("identityHash"))
    return None


def _number(payload: Mapping[str, Any]) -> str | None:
    return _text(_get(payload, "credentialSubject", "licenseNumber"))


def _issuer_name(payload: Mapping[str, Any]) -> str | None:
    return _text(_get(payload, "issuer", "name"))


def _achievement(payload: Mapping[str, Any]) -> str | None:
    return _text(_get(payload, "credentialSubject", "achievement", "name"))


def _code(payload: Mapping[str, Any]) -> str | None:
    credential_id = _text(payload.get("id"))
    if credential_id is None:
        return None
    return _text(urlsplit(credential_id).path.rstrip("/").rpartition("/")[2])


# Printed data


def normalise(text: str) -> str:
    """Text as compared with what a page prints: CSS may upper-case it, a PDF may store
    compatibility forms (ligatures, no-break spaces) and break lines anywhere."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _printed(needle: str, haystack: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` (both normalised) as whole words: "Ani" must
    not pass as printed on a certificate for "Anita"."""
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before_ok = start == 0 or not (needle[0].isalnum() and haystack[start - 1].isalnum())
        after_ok = end == len(haystack) or not (needle[-1].isalnum() and haystack[end].isalnum())
        if before_ok and after_ok:
            return True
        start = haystack.find(needle, start + 1)
    return False


_FIELDS: Final = (
    (_name, "nama penerima", "Nama tercetak tidak sama dengan nama di kredensial"),
    (_number, "nomor sertifikat", "Nomor tercetak tidak sama dengan nomor di kredensial"),
    (
        _issuer_name,
        "nama penerbit",
        "Nama penerbit tercetak tidak sama dengan penerbit di kredensial",
    ),
    (
        _achievement,
        "nama kegiatan",
        "Nama kegiatan tercetak tidak sama dengan kegiatan di kredensial",
    ),
    (_code, "kode verifikasi", "Kode verifikasi tercetak tidak sama dengan kode di kredensial"),
)


def _print_findings(payload: Mapping[str, Any], contents: _Contents) -> list[Finding]:
    texts = [normalise(contents.text), normalise(contents.layout)]
    findings: list[Finding] = []
    for field, what, mismatch in _FIELDS:
        value = field(payload)
        if value is None:
            findings.append(Finding("isi_cetak", False, f"Kredensial tidak memuat {what}."))
        elif not any(_printed(normalise(value), text) for text in texts):
            findings.append(Finding("isi_cetak", False, f"{mismatch} ({value})."))
    return findings or [Finding("isi_cetak", True, "Data tercetak sama dengan isi kredensial.")]


# The checks


def _pades_finding(pdf: bytes) -> Finding:
    try:
        signature = pades.check(pdf)
    except pades.SigningError as error:
        return Finding("pades", False, f"Tanda tangan PAdES tidak dapat diperiksa: {error}")
    if not signature.signed:
        return Finding("pades", None, "Tidak ada tanda tangan PAdES.")
    signer = f" (penanda tangan: {signature.signer})" if signature.signer else ""
    if not signature.intact:
        return Finding(
            "pades",
            False,
            f"Tanda tangan PAdES rusak: isi berkas berubah setelah ditandatangani{signer}.",
        )
    if not signature.covers_whole_file:
        return Finding(
            "pades",
            False,
            f"Berkas diubah atau ditambahi setelah ditandatangani: tanda tangan PAdES tidak "
            f"mencakup seluruh berkas{signer}.",
        )
    return Finding("pades", True, f"Tanda tangan PAdES utuh dan mencakup seluruh berkas{signer}.")


def _signature(
    token: str, issuer: str, keys: Callable[[str], Mapping[str, dict[str, Any]]]
) -> tuple[Finding, dict[str, Any] | None]:
    try:
        issuer_keys = keys(issuer)
    except Unavailable as error:
        return Finding("tanda_tangan", False, str(error)), None
    if not issuer_keys:
        return Finding(
            "tanda_tangan", False, f"Kunci publik penerbit {issuer} tidak tersedia."
        ), None
    try:
        payload = credential.verify(token, issuer_keys)
    except credential.CredentialError as error:
        return Finding("tanda_tangan", False, str(error)), None
    return Finding(
        "tanda_tangan", True, f"Tanda tangan kredensial sah (penerbit {issuer})."
    ), payload


def _status_finding(
    payload: dict[str, Any], status: Callable[[dict[str, Any]], bool | None] | None
) -> Finding:
    if status is None:
        return Finding("status", None, "Status tidak diperiksa (luring).")
    try:
        revoked = status(payload)
    except Unavailable as error:
        return Finding("status", None, str(error))
    except credential.CredentialError as error:
        # A status list that does not verify is not "unknown": someone may be hiding a
        # revocation from this reader.
        return Finding("status", False, f"Daftar status penerbit tidak sah: {error}")
    if revoked is None:
        return Finding("status", None, "Status sertifikat tidak diketahui.")
    if revoked:
        return Finding("status", False, "Sertifikat ini sudah dicabut.")
    return Finding("status", True, "Sertifikat ini berlaku (tidak dicabut).")


def _revisions_after_credential(pdf: bytes) -> int:
    """How many incremental updates follow the one that attached the credential. A certificate
    ends with that update, or with one more: the dinas's PAdES signature. Anything else was
    added by someone else (a cover-up drawn over the printed name, say)."""
    ends = []
    at = pdf.find(b"%%EOF")
    while at >= 0:
        ends.append(at + 5)
        at = pdf.find(b"%%EOF", at + 5)
    for index, end in enumerate(ends):
        try:
            if PdfReader(io.BytesIO(pdf[:end])).attachments.get(CREDENTIAL_NAME):
                return len(ends) - 1 - index
        except Exception:  # noqa: S112 (an early revision may not stand on its own)
            continue
    return 0


def _revision_finding(pdf: bytes, pades_ok: bool | None) -> Finding | None:
    later = _revisions_after_credential(pdf)
    if later == 0 or (later == 1 and pades_ok):
        return None
    return Finding(
        "revisi",
        False,
        f"Berkas diubah setelah diterbitkan: ada {later} revisi tambahan setelah kredensial "
        "dilampirkan.",
    )


def _copy_finding(
    pdf: bytes, payload: dict[str, Any], original: Callable[[dict[str, Any]], bytes | None]
) -> Finding:
    try:
        issued = original(payload)
    except Unavailable as error:
        return Finding("salinan", None, str(error))
    if issued is None:
        return Finding("salinan", None, "Berkas asli tidak tersedia untuk dibandingkan.")
    if issued == pdf:
        return Finding("salinan", True, "Berkas sama persis dengan yang diterbitkan.")
    return Finding(
        "salinan",
        False,
        "Berkas tidak sama dengan sertifikat yang berlaku di penerbit: diubah, atau versi lama "
        "sebelum diterbitkan ulang.",
    )


def check(
    pdf: bytes,
    keys: Callable[[str], Mapping[str, dict[str, Any]]],
    status: Callable[[dict[str, Any]], bool | None] | None = None,
    original: Callable[[dict[str, Any]], bytes | None] | None = None,
) -> Report:
    """Check a certificate PDF.

    ``keys`` gives the public keys ({kid: JWK}) of one issuer id and nothing else: only they may
    sign in that issuer's name. ``status`` says whether a verified credential is revoked (None:
    unknown); without it revocation is not checked. ``original`` gives the file as the issuer
    holds it (on the issuing server), to compare byte for byte. Any of them may raise
    Unavailable. Raises VerifyError when ``pdf`` is not a readable PDF.
    """
    contents = _contents(pdf)
    findings: list[Finding] = []
    payload: dict[str, Any] | None = None

    if len(contents.tokens) > 1:
        # Which one would a reader trust? Neither: an extra credential is never ours.
        findings.append(
            Finding("berkas", False, f"Berkas memuat lebih dari satu lampiran {CREDENTIAL_NAME}.")
        )
    elif contents.tokens:
        findings.append(
            Finding("berkas", True, f"Berkas PDF memuat kredensial ({CREDENTIAL_NAME}).")
        )
    else:
        findings.append(
            Finding(
                "berkas", False, f"Berkas tidak memuat kredensial (lampiran {CREDENTIAL_NAME})."
            )
        )

    if contents.tokens:
        token = contents.tokens[0]
        try:
            issuer = _text(credential.unverified(token).get("iss"))
        except credential.CredentialError as error:
            findings.append(Finding("kredensial", False, str(error)))
            issuer = None
        else:
            if issuer is None:
                findings.append(
                    Finding("kredensial", False, "Kredensial tidak menyebut penerbitnya.")
                )
            else:
                findings.append(Finding("kredensial", True, "Kredensial Open Badges terbaca."))
        if issuer is not None:
            signature, payload = _signature(token, issuer, keys)
            findings.append(signature)
        else:
            findings.append(
                Finding("tanda_tangan", None, "Tidak diperiksa karena kredensial tidak terbaca.")
            )
    else:
        findings.append(Finding("kredensial", None, "Tidak ada kredensial untuk diperiksa."))
        findings.append(Finding("tanda_tangan", None, "Tidak ada kredensial untuk diperiksa."))

    if payload is not None:
        findings += _print_findings(payload, contents)
    else:
        findings.append(Finding("isi_cetak", None, _NOT_VERIFIED))
    pades_finding = _pades_finding(pdf)
    findings.append(pades_finding)
    if contents.tokens:
        revision = _revision_finding(pdf, pades_finding.ok)
        if revision is not None:
            findings.append(revision)
    if payload is not None and original is not None:
        findings.append(_copy_finding(pdf, payload, original))
    findings.append(
        _status_finding(payload, status)
        if payload is not None
        else Finding("status", None, _NOT_VERIFIED)
    )

    valid = all(f.ok is not False for f in findings) and all(
        f.ok is True for f in findings if f.check in _REQUIRED
    )
    return Report(valid=valid, findings=tuple(findings), credential=payload)
