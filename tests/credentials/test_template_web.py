"""The dinas's certificate template: edit, preview, logo, a refused template keeps what was
typed, and an uploaded PKCS#12 gives every PDF a PAdES signature."""

from __future__ import annotations

import base64
import io

import pypdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from certificates import pades
from certificates.template import DEFAULT
from lms.audit.models import AuditEntry
from lms.credentials.models import Certificate, Issuer
from tests.certificates.test_pades import make_cert, pack
from tests.conftest import csrf_for, login, post
from tests.credentials.test_certificates_web import _issue_all, hall  # noqa: F401 (fixture)

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _form(**changes: str) -> dict[str, str]:
    form = {
        "name": "Dinas Koperasi dan UKM Kabupaten Tangerang",
        "government": "Pemerintah Kabupaten Tangerang",
        "place": "Tigaraksa",
        "html": DEFAULT.html,
        "css": DEFAULT.css,
    }
    form.update(changes)
    return form


def test_template_page_saves_and_the_preview_is_a_pdf(client, db, hall):  # noqa: F811
    login(client, hall["dinas"])
    url = hall["url"] + "/templat"
    assert client.get(url).status_code == 200
    html = DEFAULT.html.replace("SERTIFIKAT", "PIAGAM")
    response = client.post(
        url,
        data={"csrf_token": csrf_for(client), **_form(html=html)},
        files={"logo": ("logo.png", PNG, "image/png")},
    )
    assert response.status_code == 303, response.text
    issuer = db.scalar(select(Issuer).where(Issuer.region_code == hall["cohort"].region_code))
    db.refresh(issuer)
    assert issuer.place == "Tigaraksa" and issuer.logo == PNG and "PIAGAM" in issuer.template_html
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.template"))

    preview = post(client, url + "/pratinjau", _form(html=html.replace("PIAGAM", "PRATINJAU")))
    assert preview.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(preview.content)).pages[0].extract_text()
    assert "PRATINJAU" in text and "Siti Rahmawati" in text

    _issue_all(client, hall)
    cert = db.scalar(select(Certificate).where(Certificate.cohort_id == hall["cohort"].id))
    pdf = client.get(f"/sertifikat/{cert.code}.pdf").content
    assert "PIAGAM" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<p>Tanpa nama</p>", "peserta.nama"),
        (
            "<p>{{ penerbit }} {{ acara }}</p><p>{{ peserta.nomor }}</p><p>{{ peserta.kode }}</p>"
            "<p>Nama: {{ peserta.nama }}</p>",
            "berdiri sendiri",
        ),
        ("<p>{{ peserta.nama }}</p><p>{{ peserta.nomor }}</p>{{ peserta.qr }}", "peserta.kode"),
        (
            "<p>{{ peserta.nama }}</p><p>{{ peserta.nomor }}</p><p>{{ peserta.kode }}</p>",
            "{{ penerbit }}",
        ),
        (
            "<p>{{ penerbit }} {{ acara }}</p><p>{{ peserta.nomor }}</p><p>{{ peserta.kode }}</p>"
            '<p style="display:none">{{ peserta.nama }}</p>',
            "tidak tampil",
        ),
        ("<p>{{ peserta.nama }}</p><p>{{ peserta.kode }}</p>{{ tidak_ada }}", "tidak dikenal"),
        (
            "<p>{{ peserta.nama }}</p><p>{{ peserta.kode }}</p>{{ ''.__class__.__mro__ }}",
            "tidak dapat dipakai",
        ),
    ],
)
def test_a_refused_template_says_why_and_keeps_what_was_typed(client, hall, html, message):  # noqa: F811
    login(client, hall["dinas"])
    response = post(client, hall["url"] + "/templat", _form(html=html))
    assert response.status_code == 422
    assert message in response.text
    assert "Tanpa nama" in response.text or "peserta.nama" in response.text


def test_bad_logo_is_refused(client, hall):  # noqa: F811
    login(client, hall["dinas"])
    response = client.post(
        hall["url"] + "/templat",
        data={"csrf_token": csrf_for(client), **_form()},
        files={"logo": ("logo.gif", b"GIF89a....", "image/gif")},
    )
    assert response.status_code == 422 and "PNG atau JPEG" in response.text


def _p12() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kepala Dinas Uji")])
    return pack(key, make_cert(key, subject=name))


def test_an_uploaded_signing_certificate_signs_every_pdf(client, db, hall):  # noqa: F811
    login(client, hall["dinas"])
    url = hall["url"] + "/templat"
    wrong = client.post(
        url,
        data={"csrf_token": csrf_for(client), **_form(), "p12_password": "salah"},
        files={"p12": ("dinas.p12", _p12(), "application/x-pkcs12")},
    )
    assert wrong.status_code == 422 and "kata sandinya salah" in wrong.text
    right = client.post(
        url,
        data={"csrf_token": csrf_for(client), **_form(), "p12_password": "rahasia"},
        files={"p12": ("dinas.p12", _p12(), "application/x-pkcs12")},
    )
    assert right.status_code == 303, right.text
    _issue_all(client, hall)
    cert = db.scalar(select(Certificate).where(Certificate.cohort_id == hall["cohort"].id))
    pdf = client.get(f"/sertifikat/{cert.code}.pdf").content
    check = pades.check(pdf)
    assert check.signed and check.intact and check.covers_whole_file
    assert check.signer == "Kepala Dinas Uji"


def test_the_default_template_only_refills_the_form(client, db, hall):  # noqa: F811
    login(client, hall["dinas"])
    url = hall["url"] + "/templat"
    own = DEFAULT.html.replace("SERTIFIKAT", "PIAGAM")
    assert post(client, url, _form(html=own)).status_code == 303
    refilled = post(client, url, {**_form(html=own), "action": "bawaan"})
    assert refilled.status_code == 200 and "Templat bawaan dimuat" in refilled.text
    issuer = db.scalar(select(Issuer).where(Issuer.region_code == hall["cohort"].region_code))
    db.refresh(issuer)
    assert "PIAGAM" in issuer.template_html


def test_a_runaway_template_fails_in_its_child_not_on_the_server(client, hall):  # noqa: F811
    login(client, hall["dinas"])
    html = DEFAULT.html.replace("<h1>SERTIFIKAT</h1>", "<h1>{{ 'x' * 4000000000 }}</h1>")
    response = post(client, hall["url"] + "/templat", _form(html=html))
    assert response.status_code == 422
    assert "memori terlalu banyak" in response.text or "tidak dapat dipakai" in response.text
