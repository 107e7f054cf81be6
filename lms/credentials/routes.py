"""Certificate pages: eligibility and batch issue per angkatan, downloads, the dinas's template,
and the public verification page with the keys and status lists behind it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates import numbering
from certificates.template import DEFAULT, FIELDS, LOGO_TYPES, SAMPLE_RECIPIENT, Template
from lms.accounts import nik
from lms.accounts.models import Role, User
from lms.accounts.privacy import certificate_anonymised
from lms.audit.services import record
from lms.cohorts.models import Cohort
from lms.cohorts.services import can_manage, find_visible
from lms.config import Settings
from lms.credentials import services
from lms.credentials.models import Certificate, Issuer
from lms.db import begin_write
from lms.deps import CurrentUser, Forbidden, Manager, SessionDep, SettingsDep, client_ip
from lms.i18n import N_
from lms.i18n import gettext as _
from lms.templating import render

router = APIRouter()

MAX_LOGO = 512 * 1024
MAX_P12 = 64 * 1024


def public_url(request: Request, settings: Settings) -> str:
    """The site's address as printed in QR codes and credentials: LMS_PUBLIC_URL when set (it
    must not depend on which proxy a request came through), else this request's host."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def _managed(session: Session, user: User, slug: str) -> Cohort:
    if user.role not in (Role.ADMIN, Role.DINAS):
        raise Forbidden()
    cohort = find_visible(session, user, slug)
    if cohort is None or not can_manage(user, cohort):
        raise HTTPException(404)
    return cohort


def _page(
    request: Request,
    session: Session,
    cohort: Cohort,
    *,
    error: str | None = None,
    notice: str | None = None,
    numbering_form: dict[str, str] | None = None,
    numbering_error: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows = services.standings(session, cohort)
    issuer = session.scalar(select(Issuer).where(Issuer.region_code == cohort.region_code))
    progress = services.progress(session, cohort.id)
    eligible_new = sum(1 for r in rows if r.eligible and r.certificate is None)
    return render(
        request,
        "credentials/cohort.html",
        {
            "cohort": cohort,
            "rows": rows,
            "issuer": issuer,
            "progress": progress,
            "eligible_new": eligible_new,
            "issued": sum(1 for r in rows if r.certificate is not None),
            "not_eligible": sum(1 for r in rows if not r.eligible and r.certificate is None),
            "error": error,
            "notice": notice or request.query_params.get("pesan"),
            "numbering_form": numbering_form
            or {"pattern": cohort.certificate_pattern, "code": cohort.certificate_code},
            "numbering_error": numbering_error,
            "parts": {k: PART_LABELS.get(k, v) for k, v in numbering.PARTS.items()},
            "example": _example(cohort.certificate_pattern, cohort.certificate_code),
            # A refused reissue or revocation opens its form again with the reason typed.
            "typed": typed or {},
        },
        status_code=status_code,
    )


def _example(pattern: str, code: str) -> str:
    from datetime import date

    try:
        return numbering.format_number(pattern, seq=1, kode=code or "KODE", issued_on=date.today())
    except (numbering.NumberPatternError, ValueError):
        return ""


_NOTICES = {
    "terbit": N_("Sertifikat diterbitkan dan sedang dicetak."),
    "tidak-ada": N_("Tidak ada peserta baru yang memenuhi syarat."),
    "ulang": N_("Sertifikat diterbitkan ulang dengan nomor yang sama."),
    "sama": N_("Data peserta tidak berubah; sertifikat tidak perlu diterbitkan ulang."),
    "cabut": N_("Sertifikat dicabut. Halaman verifikasinya kini menampilkan alasan pencabutan."),
    "penomoran": N_("Penomoran disimpan."),
    "siap": N_("Semua sertifikat siap diunduh dan dicetak."),
}
# What the parts of a number pattern and the isian of a template mean (certificates/ keeps the
# names; the words shown to people are ours, in both languages).
PART_LABELS = {
    "seq": N_("nomor urut dalam angkatan (001, 002, …)"),
    "kode": N_("kode instansi, mis. DISKUM-TGR"),
    "bulan_romawi": N_("bulan terbit dalam angka Romawi (I–XII)"),
    "bulan": N_("bulan terbit dalam angka (01–12)"),
    "tahun": N_("tahun terbit (2025)"),
}
FIELD_LABELS = {
    "nomor": N_("nomor sertifikat"),
    "nama": N_("nama peserta"),
    "jabatan": N_("jabatan di koperasi (Ketua, Bendahara, …)"),
    "koperasi": N_("nama koperasi"),
    "wilayah": N_("desa/kelurahan dan kecamatan koperasi"),
    "kode": N_("kode verifikasi"),
    "tautan": N_("alamat halaman verifikasi"),
    "qr": N_("kode QR ke halaman verifikasi"),
}


@router.get("/angkatan/{cohort}/sertifikat")
def cohort_certificates(
    request: Request, cohort: str, user: Manager, session: SessionDep
) -> Response:
    found = _managed(session, user, cohort)
    notice = _NOTICES.get(request.query_params.get("pesan", ""))
    return _page(request, session, found, notice=_(notice) if notice else None)


@router.post("/angkatan/{cohort}/sertifikat/penomoran")
def save_numbering(
    request: Request,
    cohort: str,
    user: Manager,
    session: SessionDep,
    pattern: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    found = _managed(session, user, cohort)
    pattern, code = pattern.strip(), " ".join(code.split()).upper()
    form = {"pattern": pattern, "code": code}
    try:
        numbering.check_pattern(pattern)
    except numbering.NumberPatternError as exc:
        return _page(
            request, session, found, numbering_form=form, numbering_error=str(exc), status_code=422
        )
    if "{kode}" in pattern and not code:
        return _page(
            request,
            session,
            found,
            numbering_form=form,
            numbering_error=_("Pola memuat {kode}: isi kode instansi, mis. DISKUM-TGR."),
            status_code=422,
        )
    clash = services.numbering_clash(session, found, pattern, code)
    if clash is not None:
        return _page(
            request, session, found, numbering_form=form, numbering_error=clash, status_code=422
        )
    begin_write(session)
    found = _managed(session, user, cohort)
    before = {"pola": found.certificate_pattern, "kode": found.certificate_code}
    found.certificate_pattern, found.certificate_code = pattern, code
    record(
        session,
        actor=user,
        action="certificate.numbering",
        entity_type="cohort",
        entity_id=found.id,
        before=before,
        after={"pola": pattern, "kode": code},
        ip=client_ip(request),
        region_code=found.region_code,
    )
    session.commit()
    return RedirectResponse(
        f"/angkatan/{found.slug}/sertifikat?pesan=penomoran#penomoran", status_code=303
    )


@router.post("/angkatan/{cohort}/sertifikat/terbitkan")
def issue_certificates(
    request: Request, cohort: str, user: Manager, session: SessionDep, settings: SettingsDep
) -> Response:
    begin_write(session)
    found = _managed(session, user, cohort)
    try:
        issued = services.issue(
            session, found, user, settings, public_url(request, settings), ip=client_ip(request)
        )
    except services.CertificateError as exc:
        session.rollback()
        return _page(request, session, found, error=str(exc), status_code=422)
    session.commit()
    key = "terbit" if issued.count else "tidak-ada"
    return RedirectResponse(f"/angkatan/{found.slug}/sertifikat?pesan={key}", status_code=303)


@router.post("/angkatan/{cohort}/sertifikat/proses")
def process(
    request: Request, cohort: str, user: Manager, session: SessionDep, settings: SettingsDep
) -> Response:
    """One step of the batch printer; the progress bar posts here until everything is done."""
    found = _managed(session, user, cohort)
    error = None
    try:
        progress = services.render_step(session, found, settings)
        session.commit()
    except services.RenderFailed as exc:
        session.rollback()
        progress = services.progress(session, found.id)
        error = str(exc)
    if request.headers.get("HX-Request") != "true":
        if error:
            return _page(request, session, found, error=error, status_code=422)
        return RedirectResponse(f"/angkatan/{found.slug}/sertifikat#progres", status_code=303)
    response = render(
        request,
        "credentials/cohort.html",
        {"cohort": found, "progress": progress, "render_error": error},
        block="progress",
    )
    if progress.finished and not error:
        # The whole page again (numbers, download buttons), without the "being printed" notice.
        response.headers["HX-Redirect"] = f"/angkatan/{found.slug}/sertifikat?pesan=siap"
    return response


@router.get("/angkatan/{cohort}/sertifikat.zip")
def download_zip(cohort: str, user: Manager, session: SessionDep) -> Response:
    found = _managed(session, user, cohort)
    if not services.progress(session, found.id).done:
        raise HTTPException(404)
    name = f"sertifikat-{found.slug}.zip"
    return StreamingResponse(
        services.zip_chunks(session, found.id),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/angkatan/{cohort}/sertifikat-cetak.pdf")
def download_print(cohort: str, user: Manager, session: SessionDep) -> Response:
    found = _managed(session, user, cohort)
    try:
        pdf = services.print_pdf(session, found.id)
    except services.CertificateError:
        raise HTTPException(404) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="sertifikat-{found.slug}-cetak.pdf"'},
    )


def _own_or_managed(session: Session, user: User, code: str) -> tuple[Certificate, Cohort]:
    cert = services.find(session, code)
    if cert is None:
        raise HTTPException(404)
    cohort = session.get(Cohort, cert.cohort_id)
    assert cohort is not None
    if cert.user_id == user.id:
        return cert, cohort
    if user.role in (Role.ADMIN, Role.DINAS) and can_manage(user, cohort):
        return cert, cohort
    raise HTTPException(404)


@router.get("/sertifikat/{kode}.pdf")
def download_one(
    request: Request, kode: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    cert, cohort = _own_or_managed(session, user, kode)
    if certificate_anonymised(cert):
        # The page printed the name and was cleared with it; the number still verifies.
        return render(request, "privacy/certificate_removed.html", {"cert": cert}, status_code=410)
    if cert.revoked_at is not None and not can_manage(user, cohort):
        raise HTTPException(404)  # the home page shows the revocation and its reason instead
    if cert.base_id is None:
        # Not printed yet (a reissue nobody has printed since): print it now rather than
        # sending the participant away empty-handed.
        try:
            services.render_step(session, cohort, settings)
            session.commit()
        except services.RenderFailed:
            session.rollback()
        session.refresh(cert)
    try:
        pdf = services.pdf_of(session, cert)
    except services.CertificateError:
        raise HTTPException(404) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{services.file_name(cert)}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/sertifikat/{kode}/ulang")
def reissue(
    request: Request,
    kode: str,
    user: Manager,
    session: SessionDep,
    settings: SettingsDep,
    alasan: Annotated[str, Form()] = "",
) -> Response:
    begin_write(session)
    cert, cohort = _own_or_managed(session, user, kode)
    if cert.user_id == user.id and not can_manage(user, cohort):
        raise HTTPException(404)
    try:
        changed = services.reissue(
            session,
            cert,
            cohort,
            user,
            settings,
            public_url(request, settings),
            reason=alasan,
            ip=client_ip(request),
        )
    except services.CertificateError as exc:
        session.rollback()
        typed = {"code": cert.code, "kind": "ulang", "reason": alasan}
        return _page(request, session, cohort, error=str(exc), typed=typed, status_code=422)
    session.commit()
    key = "ulang" if changed else "sama"
    return RedirectResponse(f"/angkatan/{cohort.slug}/sertifikat?pesan={key}", status_code=303)


@router.post("/sertifikat/{kode}/cabut")
def revoke(
    request: Request,
    kode: str,
    user: Manager,
    session: SessionDep,
    alasan: Annotated[str, Form()] = "",
) -> Response:
    begin_write(session)
    cert, cohort = _own_or_managed(session, user, kode)
    if not can_manage(user, cohort):
        raise HTTPException(404)
    try:
        services.revoke(session, cert, cohort, user, reason=alasan, ip=client_ip(request))
    except services.CertificateError as exc:
        session.rollback()
        typed = {"code": cert.code, "kind": "cabut", "reason": alasan}
        return _page(request, session, cohort, error=str(exc), typed=typed, status_code=422)
    session.commit()
    return RedirectResponse(f"/angkatan/{cohort.slug}/sertifikat?pesan=cabut", status_code=303)


# -- the dinas's template --------------------------------------------------------------------------


@dataclass
class TemplateForm:
    """The issuer and template fields of the template page (saved or previewed)."""

    name: str = ""
    government: str = ""
    place: str = ""
    html: str = ""
    css: str = ""

    @property
    def template(self) -> Template:
        return Template(html=self.html or DEFAULT.html, css=self.css)

    def face(self, cohort: Cohort, logo: bytes | None, logo_type: str) -> services.Face:
        return services.Face(
            self.name or cohort.organizer, self.government, self.place, logo, logo_type
        )


def _read_template_form(
    name: Annotated[str, Form()] = "",
    government: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    html: Annotated[str, Form()] = "",
    css: Annotated[str, Form()] = "",
) -> TemplateForm:
    return TemplateForm(
        name=" ".join(name.split()),
        government=" ".join(government.split()),
        place=" ".join(place.split()),
        html=html.replace("\r\n", "\n"),
        css=css.replace("\r\n", "\n"),
    )


TemplateFormDep = Annotated[TemplateForm, Depends(_read_template_form)]


def _template_page(
    request: Request,
    session: Session,
    cohort: Cohort,
    issuer: Issuer | None,
    *,
    form: TemplateForm | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    if form is None:
        if issuer is None:
            form = TemplateForm(cohort.organizer, "", "", DEFAULT.html, DEFAULT.css)
        else:
            session.refresh(issuer, ["template_html", "template_css"])
            saved = services.template_of(issuer)
            form = TemplateForm(issuer.name, issuer.government, issuer.place, saved.html, saved.css)
    return render(
        request,
        "credentials/template.html",
        {
            "cohort": cohort,
            "issuer": issuer,
            "form": form,
            "errors": errors or {},
            "notice": notice,
            "fields": {k: FIELD_LABELS.get(k, v) for k, v in FIELDS.items()},
            "has_logo": bool(issuer and issuer.logo_type and _has_logo(session, issuer)),
        },
        status_code=status_code,
    )


def _has_logo(session: Session, issuer: Issuer) -> bool:
    session.refresh(issuer, ["logo"])
    return issuer.logo is not None


@router.get("/angkatan/{cohort}/sertifikat/templat")
def template_form(request: Request, cohort: str, user: Manager, session: SessionDep) -> Response:
    found = _managed(session, user, cohort)
    issuer = session.scalar(select(Issuer).where(Issuer.region_code == found.region_code))
    notice = _("Templat disimpan.") if request.query_params.get("pesan") == "simpan" else None
    return _template_page(request, session, found, issuer, notice=notice)


def _logo_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


async def _read_upload(upload: UploadFile | None, limit: int) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    data = await upload.read(limit + 1)
    return data


def _check_template(payload: dict[str, Any]) -> str | None:
    """Lay the template out once in a child; the refusal message, or None when it is usable."""
    payload = {**payload, "chars": {}, "people": []}
    try:
        services.run_worker(payload)
    except services.RenderFailed as exc:
        return str(exc)
    return None


@router.post("/angkatan/{cohort}/sertifikat/templat")
async def template_save(
    request: Request,
    cohort: str,
    user: Manager,
    session: SessionDep,
    settings: SettingsDep,
    form: TemplateFormDep,
    action: Annotated[str, Form()] = "simpan",
    remove_logo: Annotated[str, Form()] = "",
    remove_p12: Annotated[str, Form()] = "",
    p12_password: Annotated[str, Form()] = "",
    logo: Annotated[UploadFile | None, File()] = None,
    p12: Annotated[UploadFile | None, File()] = None,
) -> Response:
    found = _managed(session, user, cohort)
    if action == "bawaan":
        # Only the form is refilled: the dinas's own template stays until they save.
        form.html, form.css = DEFAULT.html, DEFAULT.css
        issuer = session.scalar(select(Issuer).where(Issuer.region_code == found.region_code))
        return _template_page(
            request,
            session,
            found,
            issuer,
            form=form,
            notice=_(
                "Templat bawaan dimuat ke formulir. Lihat pratinjaunya, lalu simpan untuk "
                "memakainya; templat lama tetap berlaku sampai Anda menyimpan."
            ),
        )
    errors: dict[str, str] = {}
    if len(form.name) < 5:
        errors["name"] = _("Tulis nama instansi penerbit, mis. Dinas Koperasi dan UKM Kabupaten ….")
    logo_data = await _read_upload(logo, MAX_LOGO)
    logo_kind = None
    if logo_data is not None:
        logo_kind = _logo_type(logo_data)
        if len(logo_data) > MAX_LOGO:
            errors["logo"] = _("Logo terlalu besar: maksimal 512 KB.")
        elif logo_kind not in LOGO_TYPES:
            errors["logo"] = _("Logo harus berkas PNG atau JPEG.")
    p12_data = await _read_upload(p12, MAX_P12)
    p12_info: dict[str, Any] | None = None
    if p12_data is not None:
        if len(p12_data) > MAX_P12:
            errors["p12"] = _("Berkas sertifikat tanda tangan terlalu besar (maksimal 64 KB).")
        else:
            p12_info, problem = _check_p12(p12_data, p12_password)
            if problem:
                errors["p12"] = problem
    issuer = session.scalar(select(Issuer).where(Issuer.region_code == found.region_code))
    if not errors:
        current_logo = None
        if issuer is not None and not remove_logo:
            session.refresh(issuer, ["logo"])
            current_logo = issuer.logo
        face = form.face(
            found,
            logo_data if logo_kind else current_logo,
            logo_kind or (issuer.logo_type if issuer else "image/png"),
        )
        problem = _check_template(_payload(session, found, form, face))
        if problem:
            errors["html"] = problem
    if errors:
        return _template_page(
            request, session, found, issuer, form=form, errors=errors, status_code=422
        )
    begin_write(session)
    found = _managed(session, user, cohort)
    issuer = services.issuer_for(session, found, settings)
    session.refresh(issuer, ["template_html", "template_css"])
    before = {
        "nama": issuer.name,
        "pemerintah": issuer.government,
        "tempat": issuer.place,
        "templat_diubah": issuer.template_html is not None,
    }
    issuer.name, issuer.government, issuer.place = form.name, form.government, form.place
    is_default = form.html == DEFAULT.html and form.css == DEFAULT.css
    issuer.template_html = None if is_default else form.html
    issuer.template_css = None if is_default else form.css
    if remove_logo:
        issuer.logo = None
    if logo_data is not None and logo_kind:
        issuer.logo, issuer.logo_type = logo_data, logo_kind
    if remove_p12:
        issuer.p12_sealed = issuer.p12_password_sealed = None
        issuer.p12_subject = issuer.p12_not_after = None
    if p12_data is not None and p12_info is not None:
        issuer.p12_sealed = nik.seal(settings.secret_key, p12_data)
        issuer.p12_password_sealed = nik.seal(settings.secret_key, p12_password.encode())
        issuer.p12_subject = p12_info["subject"]
        from datetime import datetime

        issuer.p12_not_after = datetime.fromisoformat(p12_info["not_after"])
    record(
        session,
        actor=user,
        action="certificate.template",
        entity_type="issuer",
        entity_id=found.region_code,
        before=before,
        after={
            "nama": issuer.name,
            "pemerintah": issuer.government,
            "tempat": issuer.place,
            "templat_diubah": not is_default,
            "logo": "diganti" if logo_data else ("dihapus" if remove_logo else None),
            "pades": issuer.p12_subject,
        },
        ip=client_ip(request),
        region_code=found.region_code,
    )
    session.commit()
    return RedirectResponse(
        f"/angkatan/{found.slug}/sertifikat/templat?pesan=simpan", status_code=303
    )


def _check_p12(data: bytes, password: str) -> tuple[dict[str, Any] | None, str | None]:
    """Open an uploaded PKCS#12 in a child (pyhanko stays out of the worker)."""
    import base64

    from lms import runtime

    payload = json.dumps({"p12": base64.b64encode(data).decode(), "password": password})
    done = runtime.run_module("lms.credentials.p12check", data=payload.encode(), timeout=60)
    if done.returncode != 0:
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        return None, lines[-1] if lines else _("Berkas sertifikat tanda tangan tidak dapat dibuka.")
    info: dict[str, Any] = json.loads(done.stdout)
    return info, None


def _payload(
    session: Session, cohort: Cohort, form: TemplateForm, face: services.Face
) -> dict[str, Any]:
    """The worker's input for the template in the form, on this angkatan's event."""
    return services.template_payload(form.template, services.event_of(session, cohort, face))


@router.post("/angkatan/{cohort}/sertifikat/templat/pratinjau")
async def template_preview(
    request: Request, cohort: str, user: Manager, session: SessionDep, form: TemplateFormDep
) -> Response:
    """The template as it is in the form (not saved yet), on a sample certificate."""
    found = _managed(session, user, cohort)
    issuer = session.scalar(select(Issuer).where(Issuer.region_code == found.region_code))
    saved = services.face_of(session, issuer) if issuer is not None else None
    face = form.face(
        found, saved.logo if saved else None, saved.logo_type if saved else "image/png"
    )
    payload = _payload(session, found, form, face)
    sample = SAMPLE_RECIPIENT
    payload["whole"] = True
    payload["chars"] = {}
    payload["people"] = [
        {
            "id": 0,
            "recipient": services.recipient_payload(sample),
            "credential": "contoh",
            "issued_at": "2025-01-01T00:00:00+00:00",
        }
    ]
    try:
        result = services.run_worker(payload)
    except services.RenderFailed as exc:
        return render(
            request,
            "credentials/preview_error.html",
            {"cohort": found, "message": str(exc)},
            status_code=422,
        )
    import base64

    pdf = base64.b64decode(result["people"]["0"]["pdf"])
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="pratinjau-sertifikat.pdf"'},
    )


# -- public verification -------------------------------------------------------------------------


@router.get("/v")
def verify_form(request: Request, kode: str = "") -> Response:
    if kode.strip():
        return RedirectResponse(
            "/v/" + quote(services.normalise_code(kode), safe=""), status_code=303
        )
    return render(request, "credentials/verify.html", {"cert": None, "asked": False})


@router.get("/v/status/{issuer_id}/{list_no}")
def status_list(
    request: Request, issuer_id: int, list_no: int, session: SessionDep, settings: SettingsDep
) -> Response:
    issuer = session.get(Issuer, issuer_id)
    if issuer is None or not 0 <= list_no < 10_000:
        raise HTTPException(404)
    token = services.status_list_token(
        session, issuer, list_no, settings, public_url(request, settings)
    )
    return Response(
        token,
        media_type="application/vc+jwt",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/.well-known/jwks.json")
def well_known_keys(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    return JSONResponse(
        services.jwks(session, public_url(request, settings)),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/penerbit/{region_code}")
def issuer_profile(
    request: Request, region_code: str, session: SessionDep, settings: SettingsDep
) -> Response:
    issuer = session.scalar(select(Issuer).where(Issuer.region_code == region_code))
    if issuer is None:
        raise HTTPException(404)
    base = public_url(request, settings)
    return JSONResponse(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": services.issuer_url(base, issuer),
            "type": ["Profile"],
            "name": issuer.name,
            "url": base,
            "publicKey": issuer.public_jwk,
        },
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/v/{kode}")
def verify_page(request: Request, kode: str, session: SessionDep) -> Response:
    cert = services.find(session, kode)
    if cert is None:
        return render(
            request,
            "credentials/verify.html",
            {"cert": None, "asked": True, "code": kode[:20]},
            status_code=404,
        )
    cohort = session.get(Cohort, cert.cohort_id)
    issuer = session.get(Issuer, cert.issuer_id)
    return render(
        request,
        "credentials/verify.html",
        {
            "cert": cert,
            "cohort": cohort,
            "issuer": issuer,
            "asked": True,
            "anonymised": certificate_anonymised(cert),
        },
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )
