"""Checking a certificate PDF (certificates.verify) and the `lms verify` command: a genuine
certificate passes, every kind of tampering we could think of does not."""

from __future__ import annotations

import base64
import gc
import io
import json
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pypdf import PdfWriter
from typer.testing import CliRunner

try:
    import weasyprint  # noqa: F401 (only to know whether certificates can be rendered here)
except OSError as exc:  # Pango/HarfBuzz missing: WeasyPrint cannot even be imported
    pytest.skip(
        f"WeasyPrint's system libraries are missing ({exc}); "
        "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core",
        allow_module_level=True,
    )

from certificates import credential as c
from certificates import render, stamp, verify
from certificates.stamp import Base
from certificates.template import DEFAULT, SAMPLE_EVENT, Recipient
from certificates.verify import Report, Unavailable, VerifyError
from lms import cli
from tests.certificates.test_pades import PASSWORD, make_cert, pack

T = TypeVar("T")

HOST = "https://lms.example"
ISSUER = c.Issuer(id=f"{HOST}/penerbit/3603", name=SAMPLE_EVENT.issuer, url=HOST)
OTHER = c.Issuer(id=f"{HOST}/penerbit/3201", name="Dinas Koperasi dan UKM Kabupaten Bogor")
LIST_URL = f"{HOST}/v/status/1/1"
ISSUED = datetime(2025, 9, 17, 3, 0, tzinfo=UTC)

PEM = c.generate_key()
KID = c.key_id(PEM)
OTHER_PEM = c.generate_key()
OTHER_KID = c.key_id(OTHER_PEM)
KEYS: dict[str, dict[str, dict[str, Any]]] = {
    ISSUER.id: {KID: c.public_jwk(PEM, KID)},
    OTHER.id: {OTHER_KID: c.public_jwk(OTHER_PEM, OTHER_KID)},
}

SITI = Recipient(
    nomor="001/BIMTEK-KDKMP/DISKUM-CTH/IX/2025",
    nama="Siti Rahmawati",
    jabatan="Bendahara",
    koperasi="Koperasi Desa Merah Putih Sukamaju",
    wilayah="Desa Sukamaju, Kecamatan Contoh",
    kode="7KQ2-MX4P-9TDA",
    tautan=f"{HOST}/v/7KQ2-MX4P-9TDA",
)
BUDI = Recipient(
    nomor="002/BIMTEK-KDKMP/DISKUM-CTH/IX/2025",
    nama="Budi Santoso",
    jabatan="Ketua",
    koperasi="Koperasi Desa Merah Putih Sukamaju",
    wilayah="Desa Sukamaju, Kecamatan Contoh",
    kode="3HWN-8RFE-2VQC",
    tautan=f"{HOST}/v/3HWN-8RFE-2VQC",
)
INDEX = {SITI.kode: 7, BUDI.kode: 8}

runner = CliRunner()


def keys(issuer: str) -> Mapping[str, dict[str, Any]]:
    return KEYS.get(issuer, {})


def token(
    recipient: Recipient, *, issuer: c.Issuer = ISSUER, pem: bytes = PEM, status: bool = True
) -> str:
    award = c.Award(
        credential_id=recipient.tautan,
        number=recipient.nomor,
        name=recipient.nama,
        role=recipient.jabatan,
        organisation=recipient.koperasi,
        achievement_id=f"{HOST}/angkatan/bimtek-contoh-1",
        achievement_name=SAMPLE_EVENT.title,
        achievement_description="Tata kelola dan pembukuan koperasi desa.",
        criteria="Kehadiran minimal 75% dan nilai kuis minimal 60.",
        hours=SAMPLE_EVENT.hours,
        start=date(2025, 9, 15),
        end=date(2025, 9, 17),
        issued_at=ISSUED,
        status_list_url=LIST_URL if status else None,
        status_index=INDEX.get(recipient.kode, 9) if status else None,
    )
    return c.sign(c.build(award, issuer), pem, c.key_id(pem))


def quietly(make: Callable[[], T]) -> T:
    with warnings.catch_warnings():
        # WeasyPrint leaves its sRGB ICC profile file open when it writes PDF/A; collect it
        # here so the ResourceWarning is raised, and silenced, inside this block only.
        warnings.simplefilter("ignore", ResourceWarning)
        result = make()
        gc.collect()
    return result


@pytest.fixture(scope="module")
def base() -> Base:
    return quietly(lambda: render.make_base(DEFAULT, SAMPLE_EVENT, {}))


def certificate(base: Base, recipient: Recipient, credential: str) -> bytes:
    return stamp.certificate(base, recipient, credential, ISSUED)[1]


@pytest.fixture(scope="module")
def siti_token() -> str:
    return token(SITI)


@pytest.fixture(scope="module")
def siti_pdf(base: Base, siti_token: str) -> bytes:
    return certificate(base, SITI, siti_token)


def failed(report: Report) -> dict[str, list[str]]:
    """The messages of the findings that failed, by check."""
    out: dict[str, list[str]] = {}
    for finding in report.findings:
        if finding.ok is False:
            out.setdefault(finding.check, []).append(finding.message)
    return out


def results(report: Report) -> dict[str, bool | None]:
    return {f.check: f.ok for f in report.findings}


# --- genuine certificates -----------------------------------------------------------------------


def test_a_stamped_certificate_is_valid(siti_pdf: bytes) -> None:
    report = verify.check(siti_pdf, keys)
    assert report.valid, report.findings
    assert results(report) == {
        "berkas": True,
        "kredensial": True,
        "tanda_tangan": True,
        "isi_cetak": True,
        "pades": None,
        "status": None,
    }
    assert report.credential is not None and report.credential["iss"] == ISSUER.id
    assert report.to_json() == {
        "sah": True,
        "nomor": SITI.nomor,
        "nama": SITI.nama,
        "penerbit": ISSUER.name,
        "penerbit_id": ISSUER.id,
        "kode": SITI.kode,
        "status": "tidak diperiksa",
        "pemeriksaan": [
            {"periksa": f.check, "hasil": f.ok, "pesan": f.message} for f in report.findings
        ],
    }
    messages = {f.check: f.message for f in report.findings}
    assert messages["pades"] == "Tidak ada tanda tangan PAdES."
    assert messages["status"] == "Status tidak diperiksa (luring)."


def test_a_certificate_rendered_as_one_document_is_valid(siti_token: str) -> None:
    pdf = quietly(lambda: render.render_single(DEFAULT, SAMPLE_EVENT, SITI, siti_token, ISSUED))
    report = verify.check(pdf, keys)
    assert report.valid, report.findings


def test_read_gives_the_attached_credential_and_the_page_text(
    siti_pdf: bytes, siti_token: str
) -> None:
    attached, text = verify.read(siti_pdf)
    assert attached == siti_token
    # The template upper-cases the issuer; the check compares case-insensitively.
    assert SITI.nama in text and f"Nomor: {SITI.nomor}" in text and SITI.kode in text
    assert ISSUER.name.upper() in text


def test_normalise_ignores_case_compatibility_forms_and_line_breaks() -> None:
    assert verify.normalise("  DINAS\u00a0Koperasi\n dan\tUKM ") == "dinas koperasi dan ukm"
    assert verify.normalise("Pro\ufb01l") == "profil"


# --- tampering --------------------------------------------------------------------------------


def test_a_certificate_without_its_credential_is_not_valid(siti_pdf: bytes) -> None:
    writer = PdfWriter(io.BytesIO(siti_pdf), incremental=True)
    del writer.root_object["/Names"]
    out = io.BytesIO()
    writer.write(out)
    stripped = out.getvalue()
    assert stripped.startswith(siti_pdf)

    assert verify.read(stripped)[0] is None
    report = verify.check(stripped, keys)
    assert not report.valid and report.credential is None
    assert failed(report) == {
        "berkas": ["Berkas tidak memuat kredensial (lampiran credential.jwt)."]
    }
    assert report.to_json()["nama"] is None


def test_a_second_credential_attached_is_not_valid(siti_pdf: bytes) -> None:
    writer = PdfWriter(io.BytesIO(siti_pdf), incremental=True)
    writer.add_attachment("credential.jwt", token(BUDI).encode())
    out = io.BytesIO()
    writer.write(out)
    report = verify.check(out.getvalue(), keys)
    assert not report.valid
    assert failed(report)["berkas"] == ["Berkas memuat lebih dari satu lampiran credential.jwt."]
    # The second credential came in an update of its own, after the issued file.
    assert "revisi" in failed(report)


def test_a_flipped_byte_in_the_credential_breaks_its_signature(
    siti_pdf: bytes, siti_token: str
) -> None:
    head, payload, signature = siti_token.split(".")
    flipped = "B" if signature[20] != "B" else "C"
    forged = f"{head}.{payload}.{signature[:20]}{flipped}{signature[21:]}"
    pdf = siti_pdf.replace(siti_token.encode(), forged.encode())
    assert pdf != siti_pdf and len(pdf) == len(siti_pdf)

    report = verify.check(pdf, keys)
    assert not report.valid and report.credential is None
    assert failed(report) == {"tanda_tangan": ["Tanda tangan kredensial tidak sah."]}


def test_an_edited_credential_breaks_its_signature(base: Base, siti_token: str) -> None:
    head, _, signature = siti_token.split(".")
    claims = c.unverified(siti_token)
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Sita Rahmawati"
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    pdf = certificate(base, replace(SITI, nama="Sita Rahmawati"), f"{head}.{edited}.{signature}")
    report = verify.check(pdf, keys)
    assert not report.valid
    assert failed(report) == {"tanda_tangan": ["Tanda tangan kredensial tidak sah."]}


def test_another_persons_credential_does_not_match_the_page(base: Base, siti_token: str) -> None:
    pdf = certificate(base, BUDI, siti_token)
    report = verify.check(pdf, keys)
    assert not report.valid
    # The credential itself is genuine: the page it was put into is not its own.
    assert results(report)["tanda_tangan"] is True
    assert failed(report) == {
        "isi_cetak": [
            f"Nama tercetak tidak sama dengan nama di kredensial ({SITI.nama}).",
            f"Nomor tercetak tidak sama dengan nomor di kredensial ({SITI.nomor}).",
            f"Kode verifikasi tercetak tidak sama dengan kode di kredensial ({SITI.kode}).",
        ]
    }


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"nama": "Sita Rahmawati"}, "Nama tercetak tidak sama dengan nama di kredensial"),
        ({"nomor": "009/BIMTEK-KDKMP/DISKUM-CTH/IX/2025"}, "Nomor tercetak tidak sama"),
        ({"kode": "7KQ2-MX4P-9TDB"}, "Kode verifikasi tercetak tidak sama"),
    ],
)
def test_a_changed_printed_field_is_reported(
    base: Base, siti_token: str, changed: dict[str, str], message: str
) -> None:
    printed = replace(SITI, **changed)
    if "kode" in changed:
        printed = replace(printed, tautan=f"{HOST}/v/{changed['kode']}")
    report = verify.check(certificate(base, printed, siti_token), keys)
    assert not report.valid
    assert list(failed(report)) == ["isi_cetak"]
    assert [m for m in failed(report)["isi_cetak"] if m.startswith(message)]


def test_a_name_must_be_printed_as_whole_words(base: Base) -> None:
    ani = replace(SITI, nama="Ani")
    report = verify.check(certificate(base, replace(SITI, nama="Anita"), token(ani)), keys)
    assert failed(report) == {
        "isi_cetak": ["Nama tercetak tidak sama dengan nama di kredensial (Ani)."]
    }


def test_another_issuers_name_is_not_the_printed_one(base: Base) -> None:
    # Signed by the other dinas in its own name, printed on this dinas's page.
    report = verify.check(certificate(base, SITI, token(SITI, issuer=OTHER, pem=OTHER_PEM)), keys)
    assert failed(report) == {
        "isi_cetak": [
            f"Nama penerbit tercetak tidak sama dengan penerbit di kredensial ({OTHER.name})."
        ]
    }


def test_a_key_of_another_issuer_cannot_sign_in_this_issuers_name(base: Base) -> None:
    forged = token(SITI, issuer=ISSUER, pem=OTHER_PEM)
    report = verify.check(certificate(base, SITI, forged), keys)
    assert not report.valid
    assert failed(report) == {"tanda_tangan": ["Kunci penanda tangan kredensial tidak dikenal."]}


def test_an_issuer_without_keys_is_not_valid(siti_pdf: bytes) -> None:
    report = verify.check(siti_pdf, lambda issuer: {})
    assert failed(report) == {
        "tanda_tangan": [f"Kunci publik penerbit {ISSUER.id} tidak tersedia."]
    }

    def unavailable(issuer: str) -> Mapping[str, dict[str, Any]]:
        raise Unavailable("Kunci publik penerbit tidak dapat diambil: jaringan putus.")

    report = verify.check(siti_pdf, unavailable)
    assert not report.valid
    assert failed(report) == {
        "tanda_tangan": ["Kunci publik penerbit tidak dapat diambil: jaringan putus."]
    }


def test_an_unreadable_credential_is_reported(base: Base) -> None:
    report = verify.check(certificate(base, SITI, "bukan.sebuah.token"), keys)
    assert not report.valid
    assert failed(report) == {"kredensial": ["Token kredensial tidak dapat dibaca."]}


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda pdf: b"", id="empty"),
        pytest.param(lambda pdf: b"bukan PDF sama sekali", id="garbage"),
        pytest.param(lambda pdf: b"%PDF-1.7\n" + bytes(range(256)) * 8, id="header only"),
        pytest.param(lambda pdf: b"%PDF-1.7\n1 0 obj\n<< /Type >>\n%%EOF\n", id="no document"),
        pytest.param(lambda pdf: pdf[: len(pdf) // 2], id="half"),
        pytest.param(lambda pdf: pdf[:-10], id="end cut off"),
    ],
)
def test_a_truncated_or_garbage_file_cannot_be_read(
    siti_pdf: bytes, cut: Callable[[bytes], bytes]
) -> None:
    with pytest.raises(VerifyError):
        verify.read(cut(siti_pdf))
    with pytest.raises(VerifyError):
        verify.check(cut(siti_pdf), keys)


# --- revocation -------------------------------------------------------------------------------


def test_a_revoked_certificate_is_not_valid(siti_pdf: bytes) -> None:
    seen: list[dict[str, Any]] = []

    def revoked(payload: dict[str, Any]) -> bool:
        seen.append(payload)
        return True

    report = verify.check(siti_pdf, keys, revoked)
    assert not report.valid
    assert failed(report) == {"status": ["Sertifikat ini sudah dicabut."]}
    assert report.to_json()["status"] == "dicabut"
    assert seen == [report.credential]


def test_status_not_revoked_unknown_or_unreachable(siti_pdf: bytes) -> None:
    report = verify.check(siti_pdf, keys, lambda payload: False)
    assert report.valid and report.to_json()["status"] == "berlaku"

    report = verify.check(siti_pdf, keys, lambda payload: None)
    assert report.valid and report.to_json()["status"] == "tidak diperiksa"

    def offline(payload: dict[str, Any]) -> bool:
        raise Unavailable("Status tidak dapat diperiksa: jaringan putus.")

    report = verify.check(siti_pdf, keys, offline)
    assert report.valid
    assert [f.message for f in report.findings if f.check == "status"] == [
        "Status tidak dapat diperiksa: jaringan putus."
    ]


# --- PAdES --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def p12() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER.name)])
    return pack(key, make_cert(key, subject=name))


def test_a_pades_signed_certificate_is_valid_until_bytes_are_appended(
    siti_pdf: bytes, p12: bytes
) -> None:
    pades = pytest.importorskip(
        "certificates.pades", reason="certificates/pades.py (PAdES signing) is not there yet"
    )
    signed = pades.Signer(p12, PASSWORD).sign(siti_pdf)

    report = verify.check(signed, keys)
    assert report.valid, report.findings
    assert results(report)["pades"] is True

    report = verify.check(signed + b"\n% ditambahkan kemudian\n", keys)
    assert not report.valid
    assert list(failed(report)) == ["pades", "revisi"]
    assert failed(report)["pades"][0].startswith("Berkas diubah atau ditambahi")


# --- lms verify ---------------------------------------------------------------------------------


def jwks_document(*issuers: c.Issuer) -> dict[str, Any]:
    """What /.well-known/jwks.json publishes: every dinas's key, naming its issuer."""
    pems = {ISSUER.id: PEM, OTHER.id: OTHER_PEM}
    return {
        "keys": [
            {**c.public_jwk(pems[i.id], c.key_id(pems[i.id])), "issuer": i.id} for i in issuers
        ]
    }


@pytest.fixture
def files(tmp_path: Path, siti_pdf: bytes) -> dict[str, Path]:
    paths = {"pdf": tmp_path / "sertifikat.pdf", "jwks": tmp_path / "jwks.json"}
    paths["pdf"].write_bytes(siti_pdf)
    paths["jwks"].write_text(json.dumps(jwks_document(ISSUER, OTHER)), encoding="utf-8")
    return paths


def run(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    result = runner.invoke(cli.app, ["verify", *args])
    output = json.loads(result.stdout) if result.stdout.strip() else None
    return result.exit_code, output, result.stderr


def test_cli_valid_certificate_offline_with_a_key_file(files: dict[str, Path]) -> None:
    code, out, _ = run(str(files["pdf"]), "--jwks", str(files["jwks"]), "--offline")
    assert code == 0
    assert out is not None and out["sah"] is True and out["status"] == "tidak diperiksa"
    assert out["nama"] == SITI.nama and out["kode"] == SITI.kode


def test_cli_offline_without_keys_asks_for_them(files: dict[str, Path]) -> None:
    code, out, _ = run(str(files["pdf"]), "--offline")
    assert code == 1 and out is not None
    (finding,) = [p for p in out["pemeriksaan"] if p["periksa"] == "tanda_tangan"]
    assert finding["hasil"] is False and "--jwks" in finding["pesan"]


def test_cli_tampered_certificate(base: Base, files: dict[str, Path], siti_token: str) -> None:
    files["pdf"].write_bytes(certificate(base, BUDI, siti_token))
    code, out, _ = run(str(files["pdf"]), "--jwks", str(files["jwks"]), "--offline")
    assert code == 1 and out is not None and out["sah"] is False


def test_cli_keys_of_another_issuer_in_the_jwks_do_not_count(
    base: Base, files: dict[str, Path]
) -> None:
    # The JWKS holds the other dinas's key, but marked as the other dinas's.
    files["pdf"].write_bytes(certificate(base, SITI, token(SITI, pem=OTHER_PEM)))
    code, out, _ = run(str(files["pdf"]), "--jwks", str(files["jwks"]), "--offline")
    assert code == 1 and out is not None
    (finding,) = [p for p in out["pemeriksaan"] if p["periksa"] == "tanda_tangan"]
    assert finding["pesan"] == "Kunci penanda tangan kredensial tidak dikenal."


def test_cli_unreadable_file(files: dict[str, Path], siti_pdf: bytes) -> None:
    files["pdf"].write_bytes(siti_pdf[: len(siti_pdf) // 3])
    code, out, err = run(str(files["pdf"]), "--jwks", str(files["jwks"]), "--offline")
    assert code == 2 and out is None and "terpotong" in err
    code, out, _ = run(str(files["pdf"].with_name("tidak-ada.pdf")))
    assert code == 2 and out is None


def status_list(*revoked: int) -> bytes:
    document = c.build_status_list(LIST_URL, ISSUER, c.encode_status_list(revoked), ISSUED)
    return c.sign_status_list(document, PEM, KID).encode("ascii")


def serve(monkeypatch: pytest.MonkeyPatch, pages: dict[str, bytes]) -> list[str]:
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        if url not in pages:
            raise OSError(f"{url}: HTTP 404")
        return pages[url]

    monkeypatch.setattr(cli, "_fetch", fetch)
    return asked


def test_cli_online_revoked(monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]) -> None:
    asked = serve(
        monkeypatch,
        {
            f"{HOST}/.well-known/jwks.json": json.dumps(jwks_document(OTHER, ISSUER)).encode(),
            LIST_URL: status_list(3, INDEX[SITI.kode]),
        },
    )
    code, out, _ = run(str(files["pdf"]), "--percaya", "lms.example")
    assert code == 1 and out is not None
    assert out["sah"] is False and out["status"] == "dicabut"
    # The keys are fetched once, for the credential and its status list alike.
    assert asked == [f"{HOST}/.well-known/jwks.json", LIST_URL]


def test_cli_online_not_revoked(monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]) -> None:
    serve(
        monkeypatch,
        {
            f"{HOST}/.well-known/jwks.json": json.dumps(jwks_document(ISSUER)).encode(),
            LIST_URL: status_list(3),
        },
    )
    code, out, _ = run(str(files["pdf"]), "--percaya", "lms.example")
    assert code == 0 and out is not None and out["status"] == "berlaku"


def test_cli_online_status_unreachable(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    asked = serve(monkeypatch, {})
    code, out, _ = run(str(files["pdf"]), "--jwks", str(files["jwks"]))
    assert asked == [LIST_URL]
    assert code == 0 and out is not None and out["status"] == "tidak diperiksa"
    (finding,) = [p for p in out["pemeriksaan"] if p["periksa"] == "status"]
    assert finding["hasil"] is None
    assert finding["pesan"].startswith("Status tidak dapat diperiksa:")


def test_cli_online_keys_unreachable(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    serve(monkeypatch, {})
    code, out, _ = run(str(files["pdf"]), "--percaya", "lms.example")
    assert code == 1 and out is not None
    (finding,) = [p for p in out["pemeriksaan"] if p["periksa"] == "tanda_tangan"]
    assert finding["pesan"].startswith("Kunci publik penerbit tidak dapat diambil:")


def test_a_cover_up_drawn_over_the_printed_name_is_caught(base: Base, siti_token: str) -> None:
    # Someone appends an update that paints the page white and stamps another person's data
    # over it; the credential's values are still in the file's text underneath.
    import dataclasses
    import zlib

    from certificates import stamp as st

    pdf = certificate(base, SITI, siti_token)
    cover = b"q 1 1 1 rg 0 0 2000 2000 re f Q\n" + zlib.decompress(st.content(base, BUDI))
    startxref = int(pdf[pdf.rindex(b"startxref") + 9 :].split()[0])
    after = dataclasses.replace(
        base,
        pdf=pdf,
        parts=dataclasses.replace(base.parts, startxref=startxref, size=base.parts.size + 3),
    )
    update = st._Update(after)
    number = update.new()
    update.stream(number, "/Filter /FlateDecode", zlib.compress(cover))
    contents = " ".join(f"{x} 0 R" for x in (*base.parts.contents, base.parts.size, number))
    update.put(base.parts.page, f"<< {base.parts.page_dict} /Contents [{contents}] >>".encode())
    forged = pdf + update.finish("00")
    report = verify.check(forged, keys)
    assert not report.valid
    assert "revisi" in failed(report)


def test_cli_does_not_fetch_keys_from_a_site_nobody_trusts(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    fetched: list[str] = []
    monkeypatch.setattr(cli, "_fetch", lambda url: fetched.append(url) or b"{}")
    code, out, _ = run(str(files["pdf"]))
    assert code == 1 and out is not None and not fetched
    (finding,) = [p for p in out["pemeriksaan"] if p["periksa"] == "tanda_tangan"]
    assert "--percaya lms.example" in finding["pesan"]
