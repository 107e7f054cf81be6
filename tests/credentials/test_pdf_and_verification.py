"""What an issued certificate file holds, and checking it end to end: the printed data, no NIK,
a QR code that leads to the verification page, the signed credential, the published keys and
the status list that tells a revoked certificate."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from certificates import credential as vc
from certificates import verify
from lms.accounts import nik as nik_codec
from lms.config import get_settings
from lms.credentials.models import Certificate
from tests.conftest import login, post
from tests.credentials.test_certificates_web import _issue_all, hall  # noqa: F401 (fixture)

NIK = "3603124501900001"


@pytest.fixture
def issued(client, db, hall):  # type: ignore[no-untyped-def]  # noqa: F811 (the fixture above)
    person = hall["people"][0]
    secret = get_settings().secret_key
    person.nik_cipher = nik_codec.encrypt(secret, NIK)
    person.nik_hash = nik_codec.lookup_hash(secret, NIK)
    person.nik_last4 = NIK[-4:]
    db.flush()
    login(client, hall["dinas"])
    _issue_all(client, hall)
    cert = db.scalar(select(Certificate).where(Certificate.user_id == person.id))
    pdf = client.get(f"/sertifikat/{cert.code}.pdf").content
    return {**hall, "cert": cert, "pdf": pdf}


def _keys(client):  # type: ignore[no-untyped-def]
    published = client.get("/.well-known/jwks.json").json()["keys"]

    def keys(issuer_id: str) -> dict[str, dict]:  # type: ignore[type-arg]
        return {k["kid"]: k for k in published if k["issuer"] == issuer_id}

    return keys


def _status(client):  # type: ignore[no-untyped-def]
    def status(credential: dict) -> bool | None:  # type: ignore[type-arg]
        url = credential["credentialStatus"]["statusListCredential"]
        response = client.get(url.removeprefix("http://testserver"))
        assert response.headers["content-type"] == "application/vc+jwt"
        issuer = credential["issuer"]["id"]
        return vc.status_of(credential, response.text, _keys(client)(issuer))

    return status


def test_the_file_holds_the_right_data_and_never_the_nik(issued):
    reader = pypdf.PdfReader(io.BytesIO(issued["pdf"]))
    text = " ".join(reader.pages[0].extract_text().split())
    cert = issued["cert"]
    for expected in (
        cert.recipient["nama"],
        cert.number,
        cert.code,
        "Bendahara" if cert.recipient["jabatan"] == "Bendahara" else cert.recipient["jabatan"],
        cert.recipient["koperasi"],
        issued["cohort"].name,
        issued["cohort"].venue,
        issued["cohort"].officer_nip,
    ):
        assert expected in text, expected
    assert NIK not in text and NIK not in issued["pdf"].decode("latin-1")
    token = reader.attachments["credential.jwt"][0].decode()
    assert NIK not in token and NIK[-4:] + '"' not in token
    # PDF/A-3b: declared in the XMP metadata, an output intent, and the credential attached as
    # an associated file of the document.
    assert issued["pdf"].startswith(b"%PDF-1.7")
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in xmp and b"pdfaid:conformance" in xmp
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp or b'pdfaid:part="3"' in xmp
    assert catalog["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    spec = catalog["/AF"][0].get_object()
    assert spec["/AFRelationship"] == "/Alternative" and spec["/UF"] == "credential.jwt"
    embedded = spec["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/application#2Fvc+jwt" or "vc+jwt" in embedded["/Subtype"]


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is missing")
def test_the_qr_code_decodes_to_the_verification_page(issued, tmp_path: Path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    source = tmp_path / "sertifikat.pdf"
    source.write_bytes(issued["pdf"])
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm
    subprocess.run(
        [pdftoppm, "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "hal")],
        check=True,
    )
    found = zxingcpp.read_barcodes(Image.open(tmp_path / "hal.png"))
    assert [b.text for b in found] == [f"http://testserver/v/{issued['cert'].code}"]


def test_the_credential_verifies_against_the_published_key_and_status(client, issued):
    report = verify.check(issued["pdf"], _keys(client), _status(client))
    assert report.valid, report.to_json()
    assert report.to_json()["status"] == "berlaku"
    payload = report.credential
    assert payload is not None
    assert "OpenBadgeCredential" in payload["type"]
    assert payload["credentialSubject"]["licenseNumber"] == issued["cert"].number
    profile = client.get(payload["issuer"]["id"].removeprefix("http://testserver")).json()
    assert profile["name"] == issued["cohort"].organizer


def test_a_tampered_file_fails_and_a_revoked_one_shows_it(client, db, issued):
    token = pypdf.PdfReader(io.BytesIO(issued["pdf"])).attachments["credential.jwt"][0]
    forged = issued["pdf"].replace(token, token[:-3] + (b"AAA" if token[-3:] != b"AAA" else b"BBB"))
    assert not verify.check(forged, _keys(client), _status(client)).valid

    response = post(
        client, f"/sertifikat/{issued['cert'].code}/cabut", {"alasan": "peserta tidak hadir"}
    )
    assert response.status_code == 303
    report = verify.check(issued["pdf"], _keys(client), _status(client))
    assert not report.valid and report.to_json()["status"] == "dicabut"


def test_lms_verify_on_the_issuing_server_needs_no_network(
    client, db, database, issued, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from lms import cli

    def no_network(url: str) -> bytes:
        raise OSError("tidak ada jaringan")

    monkeypatch.setattr(cli, "_database", lambda: database)
    monkeypatch.setattr(cli, "_fetch", no_network)
    path = tmp_path / "sertifikat.pdf"
    path.write_bytes(issued["pdf"])
    result = CliRunner().invoke(cli.app, ["verify", str(path), "--offline"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["sah"] and report["status"] == "berlaku"
    assert report["nama"] == issued["cert"].recipient["nama"]
    copy = next(p for p in report["pemeriksaan"] if p["periksa"] == "salinan")
    assert copy["hasil"] is True

    # The same certificate written out again by another program (same text, same credential,
    # different bytes) is not the file the server issued.
    rewritten = io.BytesIO()
    pypdf.PdfWriter(clone_from=io.BytesIO(issued["pdf"])).write(rewritten)
    other = tmp_path / "ditulis-ulang.pdf"
    other.write_bytes(rewritten.getvalue())
    result = CliRunner().invoke(cli.app, ["verify", str(other), "--offline"])
    assert result.exit_code == 1
    copy = next(p for p in json.loads(result.stdout)["pemeriksaan"] if p["periksa"] == "salinan")
    assert copy["hasil"] is False

    post(client, f"/sertifikat/{issued['cert'].code}/cabut", {"alasan": "salah orang"})
    result = CliRunner().invoke(cli.app, ["verify", str(path), "--offline"])
    assert result.exit_code == 1 and json.loads(result.stdout)["status"] == "dicabut"


def test_renaming_the_angkatan_later_does_not_break_its_certificates(client, db, hall):  # noqa: F811
    login(client, hall["dinas"])
    post(client, hall["url"] + "/terbitkan")  # issued, not printed yet
    old_name = hall["cohort"].name
    hall["cohort"].name = "Nama Angkatan Yang Baru"
    db.flush()
    _issue_all(client, hall)
    cert = db.scalar(select(Certificate).where(Certificate.cohort_id == hall["cohort"].id))
    pdf = client.get(f"/sertifikat/{cert.code}.pdf").content
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert old_name in text and "Nama Angkatan Yang Baru" not in text
    assert verify.check(pdf, _keys(client), _status(client)).valid
    assert old_name in client.get(f"/v/{cert.code}").text
