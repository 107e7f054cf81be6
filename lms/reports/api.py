"""The read-only JSON API (mounted at /api/v1), for systems such as the ministry's Simkopdes.

A separate FastAPI application, so its OpenAPI schema describes the API and nothing of the
web pages. A mounted application answers with its own `app.state`, so the database is handed
in rather than read from the parent's. It reads the dashboard's precomputed figures through the
same services and the same scoping as the dashboard pages, and lets no personal data out: a
member is a number, a jabatan and their results, never a name, phone number or NIK.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as ASGIScope

from lms.config import Settings, get_settings
from lms.db import Database
from lms.i18n import gettext as _
from lms.regions.models import (
    LEVEL_DISTRICT,
    LEVEL_PROVINCE,
    LEVEL_REGENCY,
    LEVEL_VILLAGE,
    Koperasi,
    Region,
)
from lms.regions.scope import Scope, scoped
from lms.reports import services, tokens
from lms.reports.services import Filters, Metrics, Ready, RegionReport

log = logging.getLogger("lms.api")

# Ids and filters are bounded so that no value reaches the database driver out of its range
# (SQLite refuses integers beyond 64 bits with an error instead of finding nothing).
MAX_ID = 2**31 - 1
REGION_CODE = r"^[0-9]{2}(\.[0-9]{2}){0,2}$"  # province, kabupaten/kota or kecamatan
VILLAGE_CODE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"

DESCRIPTION = """\
API baca-saja untuk integrasi (misalnya dengan Simkopdes) atas hasil Bimtek pengurus Koperasi
Desa/Kelurahan Merah Putih: peserta, kehadiran, nilai, kelulusan, sertifikat, dan kesiapan
koperasi (ketua dan bendahara sama-sama lulus).

**Token.** Setiap permintaan membawa header `Authorization: Bearer <token>`. Token dibuat oleh
operator dinas (atau admin) di halaman *Laporan › Token API*, ditampilkan sekali saja, dan dapat
dicabut kapan saja. Tanpa token yang sah jawabannya `401`.

**Cakupan.** Token berlaku untuk wilayah kerja dinas yang membuatnya: token dinas provinsi
melihat provinsinya beserta semua kabupaten/kotanya, token dinas kabupaten/kota hanya wilayahnya,
token admin seluruh Indonesia. Wilayah atau koperasi di luar cakupan dijawab `404`, sama seperti
yang tidak ada.

**Isi.** `GET /wilayah` memberi wilayah akar token beserta wilayah di bawahnya; `GET
/wilayah/{kode}` satu provinsi, kabupaten/kota atau kecamatan (kode wilayah Kemendagri, mis.
`36`, `36.03`, `36.03.01`) beserta wilayah di bawahnya; di tingkat desa, setiap baris menyebut
koperasinya. Rincian satu koperasi ada di `GET /koperasi/{id}` dan `GET /koperasi?desa={kode}`.
Semua angka dapat disaring dengan `angkatan`, `kursus`, `jabatan`, dan `tahun`. Persentase
dibulatkan satu desimal; `null` berarti belum ada yang dapat dihitung.

**Data pribadi tidak keluar lewat API.** Peserta hanya tampil sebagai nomor tetap, jabatan, dan
hasilnya: tanpa nama, nomor HP, atau NIK.

Angka diperbarui saat API dipanggil, sama seperti dasbor Laporan. Jawaban tidak boleh disimpan
di cache (`Cache-Control: no-store`).
"""


# -- response models -------------------------------------------------------------------------------


class Galat(BaseModel):
    detail: str = Field(description="Penjelasan dalam Bahasa Indonesia.")


class Metrik(BaseModel):
    """Hasil Bimtek para peserta yang dihitung di suatu wilayah."""

    peserta: int = Field(description="Jumlah peserta (satu orang per angkatan yang diikutinya).")
    kehadiran_persen: float | None = Field(
        description="Sesi yang dihadiri dibanding sesi yang wajib dihadiri, dalam persen."
    )
    nilai_rata_rata: float | None = Field(
        description="Rata-rata nilai kuis (0–100) peserta yang sudah punya nilai."
    )
    lulus: int = Field(description="Peserta yang memenuhi syarat lulus angkatannya.")
    lulus_persen: float | None = Field(description="Peserta lulus dibanding semua peserta (%).")
    sertifikat: int = Field(description="Peserta dengan sertifikat yang berlaku.")

    @classmethod
    def of(cls, metrics: Metrics) -> Metrik:
        return cls(**metrics.as_dict())


class Kesiapan(BaseModel):
    """Kesiapan koperasi di suatu wilayah: ketua dan bendahara sama-sama lulus."""

    koperasi: int = Field(description="Koperasi terdaftar di wilayah ini.")
    koperasi_terjangkau: int = Field(description="Koperasi yang pengurusnya pernah ikut Bimtek.")
    ketua_lulus: int = Field(description="Koperasi yang ketuanya lulus.")
    bendahara_lulus: int = Field(description="Koperasi yang bendaharanya lulus.")
    koperasi_siap: int = Field(description="Koperasi yang ketua dan bendaharanya lulus.")
    koperasi_siap_persen: float | None = Field(
        description="Koperasi siap dibanding koperasi terdaftar (%)."
    )

    @classmethod
    def of(cls, ready: Ready) -> Kesiapan:
        return cls(**ready.as_dict())


Tingkat = Literal["nasional", "provinsi", "kabupaten_kota", "kecamatan", "desa"]
LEVEL_NAMES: dict[int, Tingkat] = {
    LEVEL_PROVINCE: "provinsi",
    LEVEL_REGENCY: "kabupaten_kota",
    LEVEL_DISTRICT: "kecamatan",
    LEVEL_VILLAGE: "desa",
}


class SubWilayah(BaseModel):
    kode: str = Field(description="Kode wilayah Kemendagri.", examples=["36.03"])
    nama: str = Field(description="Nama wilayah.")
    tingkat: Tingkat = Field(description="Tingkat wilayah.")
    metrik: Metrik
    kesiapan: Kesiapan
    koperasi_id: int | None = Field(
        default=None, description="Untuk desa/kelurahan: nomor koperasinya, bila terdaftar."
    )
    koperasi: str | None = Field(
        default=None, description="Untuk desa/kelurahan: nama koperasinya, bila terdaftar."
    )


class Wilayah(BaseModel):
    kode: str | None = Field(description="Kode wilayah Kemendagri; `null` untuk seluruh Indonesia.")
    nama: str = Field(description="Nama wilayah.")
    tingkat: Tingkat = Field(description="Tingkat wilayah.")
    metrik: Metrik = Field(description="Angka seluruh wilayah ini.")
    kesiapan: Kesiapan = Field(description="Kesiapan koperasi seluruh wilayah ini.")
    metrik_lainnya: Metrik | None = Field(
        description=(
            "Peserta yang terhitung di wilayah ini tetapi tidak di salah satu sub-wilayahnya "
            "(misalnya belum terhubung ke koperasi); `null` bila tidak ada."
        )
    )
    sub_wilayah: list[SubWilayah] = Field(
        description="Satu baris per wilayah tepat di bawahnya, urut kode."
    )


class KesiapanKoperasi(BaseModel):
    ketua_lulus: bool = Field(description="Ketua koperasi sudah lulus.")
    bendahara_lulus: bool = Field(description="Bendahara koperasi sudah lulus.")
    siap: bool = Field(description="Ketua dan bendahara sama-sama lulus.")


class Anggota(BaseModel):
    """Satu pengurus/anggota koperasi dalam satu angkatan, tanpa data pribadi."""

    id: int = Field(description="Nomor tetap orang ini di LMS (bukan NIK).")
    jabatan: str = Field(description="Jabatan di koperasi, mis. `ketua`, `bendahara`.")
    angkatan_id: int = Field(description="Nomor angkatan (kelas Bimtek) yang diikuti.")
    sesi: int = Field(description="Sesi angkatan yang wajib dihadiri.")
    hadir: int = Field(description="Sesi yang dihadiri.")
    kehadiran_persen: float | None = Field(description="Kehadiran dalam persen.")
    nilai: float | None = Field(description="Nilai kuis (0–100); `null` bila belum ada.")
    lulus: bool = Field(description="Memenuhi syarat lulus angkatan.")
    sertifikat: bool = Field(description="Punya sertifikat yang berlaku dari angkatan ini.")


class KoperasiDetail(BaseModel):
    id: int = Field(description="Nomor koperasi di LMS.")
    nama: str = Field(description="Nama koperasi.")
    kode_desa: str = Field(description="Kode desa/kelurahan Kemendagri.")
    nama_desa: str = Field(description="Nama desa/kelurahan.")
    kesiapan: KesiapanKoperasi
    anggota: list[Anggota] = Field(
        description="Satu baris per orang dan angkatan, urut nomor orang lalu angkatan."
    )


# -- request pieces --------------------------------------------------------------------------------


class JabatanFilter(enum.StrEnum):
    KETUA = "ketua"
    BENDAHARA = "bendahara"
    LAINNYA = "lainnya"


async def report_filters(
    angkatan: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Hanya angkatan bernomor ini.")
    ] = None,
    kursus: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Hanya angkatan yang memakai kursus bernomor ini."),
    ] = None,
    jabatan: Annotated[
        JabatanFilter | None,
        Query(description="Hanya ketua, hanya bendahara, atau pengurus lainnya."),
    ] = None,
    tahun: Annotated[
        int | None, Query(ge=2000, le=2100, description="Hanya angkatan yang mulai tahun ini.")
    ] = None,
) -> Filters:
    return Filters(
        cohort_id=angkatan,
        course_id=kursus,
        jabatan=jabatan.value if jabatan else None,
        year=tahun,
    )


FiltersDep = Annotated[Filters, Depends(report_filters)]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="TokenAPI",
    description="Token API dari halaman Laporan › Token API, mis. `kdkmp_…`.",
)


async def api_session(request: Request) -> AsyncIterator[Session]:
    """A read session per request, closed on the event loop (as `lms.deps.get_session`)."""
    database: Database = request.app.state.db
    session = database.session()
    try:
        yield session
    finally:
        session.close()


@dataclass(frozen=True)
class Reader:
    session: Session
    scope: Scope


def reader(
    session: Annotated[Session, Depends(api_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Reader:
    """The caller's scope from their key, with the figures brought up to date first."""
    token = tokens.find(session, credentials.credentials) if credentials else None
    if token is None:
        raise HTTPException(
            status_code=401,
            detail=_(
                "Token API tidak ada, tidak sah, atau sudah dicabut. Kirim header "
                "'Authorization: Bearer <token>' dengan token dari halaman Laporan › Token API."
            ),
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Cheap when nothing changed (one indexed read); otherwise the same bounded refresh, in a
    # write transaction of its own, that a dashboard view runs: the API and the dashboard agree.
    services.refresh_pending(session)
    return Reader(session, tokens.scope_of(token))


ReaderDep = Annotated[Reader, Depends(reader)]

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Galat, "description": "Token tidak ada, tidak sah, atau sudah dicabut."},
    404: {"model": Galat, "description": "Tidak ada, atau di luar cakupan token."},
}


def _one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=what)


# -- building the answers --------------------------------------------------------------------------


def _region_answer(report: RegionReport) -> Wilayah:
    place = report.place
    return Wilayah(
        kode=place.code if place else None,
        nama=place.name if place else "Indonesia",
        tingkat=LEVEL_NAMES[place.level] if place else "nasional",
        metrik=Metrik.of(report.totals),
        kesiapan=Kesiapan.of(report.ready),
        metrik_lainnya=Metrik.of(report.other) if report.other else None,
        sub_wilayah=[
            SubWilayah(
                kode=row.code,
                nama=row.name,
                tingkat=LEVEL_NAMES[report.level + 1],
                metrik=Metrik.of(row.metrics),
                kesiapan=Kesiapan.of(row.ready),
                koperasi_id=row.koperasi_id,
                koperasi=row.koperasi,
            )
            for row in report.rows
        ],
    )


def _koperasi_answer(
    reader: Reader, koperasi: Koperasi, village: str, filters: Filters
) -> KoperasiDetail:
    ready = services.region_readiness(reader.session, reader.scope, koperasi.village_code, filters)
    members = sorted(
        services.people(reader.session, reader.scope, filters, koperasi_id=koperasi.id),
        key=lambda p: (p.user_id, p.cohort_id),
    )
    return KoperasiDetail(
        id=koperasi.id,
        nama=koperasi.name,
        kode_desa=koperasi.village_code,
        nama_desa=village,
        kesiapan=KesiapanKoperasi(
            ketua_lulus=ready.ketua > 0, bendahara_lulus=ready.bendahara > 0, siap=ready.ready > 0
        ),
        anggota=[
            Anggota(
                id=p.user_id,
                jabatan=p.jabatan,
                angkatan_id=p.cohort_id,
                sesi=p.sessions,
                hadir=p.present,
                kehadiran_persen=_one_decimal(p.attendance),
                nilai=_one_decimal(p.score),
                lulus=p.completed,
                sertifikat=p.certified,
            )
            for p in members
        ],
    )


def _koperasi_where(reader: Reader, *conditions: object) -> tuple[Koperasi, str] | None:
    stmt = scoped(
        select(Koperasi, Region.name)
        .join(Region, Region.code == Koperasi.village_code)
        .where(*conditions),  # type: ignore[arg-type]
        reader.scope,
        Koperasi,
    )
    row = reader.session.execute(stmt).first()
    return (row[0], row[1]) if row else None


# -- the application -------------------------------------------------------------------------------


class NoStore:
    """Cache-Control: no-store on every answer: the figures change with each roll call, and a
    shared cache must never hand one dinas's answer to another."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)

        await self.app(scope, receive, send_no_store)


def create_api(database: Database, settings: Settings | None = None) -> FastAPI:
    api = FastAPI(
        title="API Laporan Bimtek KDKMP",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        # Swagger UI and ReDoc load their scripts from a CDN the site's CSP does not allow.
        docs_url=None,
        redoc_url=None,
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    api.state.db = database
    api.state.settings = settings or get_settings()
    api.add_middleware(NoStore)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if exc.status_code == 404 and detail == HTTPStatus.NOT_FOUND.phrase:
            detail = _("Tidak ditemukan. Periksa alamatnya di skema API (/api/v1/openapi.json).")
        elif exc.status_code == 405:
            detail = _("API ini hanya dapat dibaca: pakai GET.")
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @api.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled API error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": _("Terjadi kesalahan di server. Coba lagi nanti.")}, status_code=500
        )

    @api.get(
        "/wilayah",
        response_model=Wilayah,
        responses=ERRORS,
        summary="Wilayah akar token",
        description=(
            "Wilayah kerja token beserta wilayah tepat di bawahnya: seluruh Indonesia dan "
            "provinsinya untuk token admin, satu provinsi dan kabupaten/kotanya untuk token "
            "dinas provinsi, satu kabupaten/kota dan kecamatannya untuk token dinas "
            "kabupaten/kota."
        ),
    )
    def root_region(reader: ReaderDep, filters: FiltersDep) -> Wilayah:
        report = services.region_report(reader.session, reader.scope, reader.scope.code, filters)
        if report is None:
            raise _not_found(_("Wilayah token ini tidak ditemukan."))
        return _region_answer(report)

    @api.get(
        "/wilayah/{kode}",
        response_model=Wilayah,
        responses=ERRORS,
        summary="Satu wilayah dan wilayah di bawahnya",
        description=(
            "Angka dan kesiapan koperasi satu provinsi, kabupaten/kota atau kecamatan, dan satu "
            "baris per wilayah tepat di bawahnya. Desa/kelurahan tidak punya wilayah di bawahnya: "
            "pakai `GET /koperasi?desa={kode}`."
        ),
    )
    def region(
        reader: ReaderDep,
        filters: FiltersDep,
        kode: Annotated[
            str,
            Path(
                pattern=REGION_CODE,
                description="Kode provinsi, kabupaten/kota, atau kecamatan, mis. `36.03`.",
                examples=["36", "36.03", "36.03.01"],
            ),
        ],
    ) -> Wilayah:
        report = services.region_report(reader.session, reader.scope, kode, filters)
        if report is None:
            raise _not_found(_("Wilayah %(kode)s tidak ditemukan.") % {"kode": kode})
        return _region_answer(report)

    @api.get(
        "/koperasi",
        response_model=KoperasiDetail,
        responses=ERRORS,
        summary="Koperasi suatu desa/kelurahan",
        description="Koperasi di desa/kelurahan ini, dengan rincian seperti `GET /koperasi/{id}`.",
    )
    def koperasi_of_village(
        reader: ReaderDep,
        filters: FiltersDep,
        desa: Annotated[
            str,
            Query(
                pattern=VILLAGE_CODE,
                description="Kode desa/kelurahan, mis. `36.03.01.2001`.",
                examples=["36.03.01.2001"],
            ),
        ],
    ) -> KoperasiDetail:
        found = _koperasi_where(reader, Koperasi.village_code == desa)
        if found is None:
            raise _not_found(_("Tidak ada koperasi terdaftar di desa %(kode)s.") % {"kode": desa})
        return _koperasi_answer(reader, found[0], found[1], filters)

    @api.get(
        "/koperasi/{koperasi_id}",
        response_model=KoperasiDetail,
        responses=ERRORS,
        summary="Satu koperasi",
        description=(
            "Kesiapan koperasi (ketua dan bendahara lulus) dan hasil setiap pengurus/anggotanya "
            "per angkatan: kehadiran, nilai, kelulusan, sertifikat. Tanpa nama, nomor HP, "
            "atau NIK."
        ),
    )
    def koperasi_detail(
        reader: ReaderDep,
        filters: FiltersDep,
        koperasi_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Nomor koperasi.")],
    ) -> KoperasiDetail:
        found = _koperasi_where(reader, Koperasi.id == koperasi_id)
        if found is None:
            raise _not_found(_("Koperasi %(id)s tidak ditemukan.") % {"id": koperasi_id})
        return _koperasi_answer(reader, found[0], found[1], filters)

    return api
