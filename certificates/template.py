"""The certificate template: HTML and CSS a dinas may edit, and the data it is filled with.

A template is a Jinja document rendered in a sandbox. What every certificate of one batch shares
(the event, the signatory, the logo) is written into it directly; what differs per person is an
*isian* (field): `{{ peserta.nama }}`, `{{ peserta.nomor("Nomor: ") }}`, `{{ peserta.qr }}`.
Each isian must stand alone in its element (a <p> or <div>): the batch renderer lays the page
out once and writes each person's text into that element's box.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from jinja2 import TemplateError as JinjaTemplateError
from jinja2 import Undefined
from jinja2.sandbox import SandboxedEnvironment

# The isian a template can use, with what they print.
FIELDS = {
    "nomor": "nomor sertifikat",
    "nama": "nama peserta",
    "jabatan": "jabatan di koperasi (Ketua, Bendahara, …)",
    "koperasi": "nama koperasi",
    "wilayah": "desa/kelurahan dan kecamatan koperasi",
    "kode": "kode verifikasi",
    "tautan": "alamat halaman verifikasi",
    "qr": "kode QR ke halaman verifikasi",
}
TEXT_FIELDS = tuple(f for f in FIELDS if f != "qr")

MAX_TEMPLATE = 60_000  # characters of HTML or CSS
LOGO_TYPES = {"image/png", "image/jpeg"}


class TemplateError(ValueError):
    """A template that cannot be used; the message (Indonesian) says what to fix."""


@dataclass(frozen=True, slots=True)
class Event:
    """What every certificate of one batch shares."""

    issuer: str  # "Dinas Koperasi dan UKM Kabupaten Tangerang"
    government: str  # the kop's first line: "Pemerintah Kabupaten Tangerang"
    title: str  # the cohort: "Bimtek KDKMP Kabupaten Tangerang Angkatan I"
    courses: tuple[str, ...]
    hours: int  # JP
    dates: str  # already formatted: "15–17 September 2025"
    venue: str
    place_date: str  # "Tangerang, 17 September 2025"
    signatory_name: str
    signatory_title: str
    signatory_nip: str
    logo: bytes | None = None
    logo_type: str = "image/png"

    def context(self) -> dict[str, Any]:
        logo = ""
        if self.logo:
            logo = f"data:{self.logo_type};base64," + base64.b64encode(self.logo).decode()
        return {
            "penerbit": self.issuer,
            "pemerintah": self.government,
            "acara": self.title,
            "kursus": list(self.courses),
            "jp": self.hours,
            "tanggal": self.dates,
            "tempat": self.venue,
            "tempat_tanggal": self.place_date,
            "penandatangan": {
                "nama": self.signatory_name,
                "jabatan": self.signatory_title,
                "nip": self.signatory_nip,
            },
            "logo": logo,
        }


@dataclass(frozen=True, slots=True)
class Recipient:
    """What one certificate says about its person (never a NIK)."""

    nomor: str
    nama: str
    jabatan: str
    koperasi: str
    wilayah: str
    kode: str
    tautan: str  # the verification URL the QR code carries

    def value(self, field: str) -> str:
        text = getattr(self, field if field != "qr" else "tautan")
        assert isinstance(text, str)
        return text


RECIPIENT_FIELDS = tuple(f.name for f in fields(Recipient))


@dataclass(frozen=True, slots=True)
class Template:
    html: str
    css: str

    def check(self) -> None:
        """Raise TemplateError for a template that cannot be rendered as a certificate."""
        if len(self.html) > MAX_TEMPLATE or len(self.css) > MAX_TEMPLATE:
            raise TemplateError("Templat terlalu panjang (maksimal 60.000 karakter).")
        # What `lms verify` matches against the credential must be printed.
        page, used = layout_html(self, SAMPLE_EVENT)
        if not {"nama", "nomor"} <= used:
            raise TemplateError("Templat harus memuat {{ peserta.nama }} dan {{ peserta.nomor }}.")
        if "tautan" not in used and "kode" not in used:
            raise TemplateError(
                "Templat harus memuat {{ peserta.kode }} atau {{ peserta.tautan }}, agar kode "
                "verifikasi tercetak dan keaslian sertifikat dapat diperiksa."
            )
        for name, text in (("penerbit", SAMPLE_EVENT.issuer), ("acara", SAMPLE_EVENT.title)):
            if html.escape(text, quote=False) not in page and html.escape(text) not in page:
                raise TemplateError(
                    f"Templat harus mencetak {{{{ {name} }}}}: isinya dicocokkan dengan "
                    "kredensial saat sertifikat diperiksa."
                )


class Slot:
    """`peserta.<isian>` while laying the page out: an empty marker element the renderer finds
    again, optionally with a prefix (`peserta.nomor("Nomor: ")`)."""

    def __init__(self, field: str, used: set[str], prefix: str = "") -> None:
        self.field, self.used, self.prefix = field, used, prefix
        used.add(field)

    def __call__(self, prefix: str = "") -> Slot:
        return Slot(self.field, self.used, str(prefix))

    def __html__(self) -> str:
        prefix = html.escape(self.prefix, quote=True)
        return (
            f'<span class="isian isian-{self.field}" data-isian="{self.field}" '
            f'data-awalan="{prefix}">&#160;</span>'
        )

    __str__ = __html__


class Filled:
    """`peserta.<isian>` for a single certificate rendered in one go: the text itself."""

    def __init__(
        self, field: str, text: str, qr_svg: Callable[[str], str], prefix: str = ""
    ) -> None:
        self.field, self.text, self.qr_svg, self.prefix = field, text, qr_svg, prefix

    def __call__(self, prefix: str = "") -> Filled:
        return Filled(self.field, self.text, self.qr_svg, str(prefix))

    def __html__(self) -> str:
        if self.field == "qr":
            return (
                f'<img class="isian-qr-gambar" alt="" src="{self.qr_svg(self.text)}" '
                'style="display:block;width:100%;height:100%;object-fit:contain">'
            )
        return (
            f'<span class="isian isian-{self.field}">{html.escape(self.prefix + self.text)}</span>'
        )

    __str__ = __html__


class _Peserta:
    def __init__(self, make: Callable[[str], Any]) -> None:
        self._make = make

    def __getattr__(self, name: str) -> Any:
        if name not in FIELDS:
            raise AttributeError(name)
        return self._make(name)


class _Strict(Undefined):
    def __str__(self) -> str:
        raise JinjaTemplateError(f"'{self._undefined_name}' tidak dikenal")


_env = SandboxedEnvironment(autoescape=True, undefined=_Strict)


def _render(template: Template, context: dict[str, Any]) -> str:
    try:
        body = _env.from_string(template.html).render(context)
    except JinjaTemplateError as exc:
        raise TemplateError(f"Templat tidak dapat dipakai: {exc}") from None
    except Exception as exc:
        raise TemplateError(f"Templat tidak dapat dipakai: {exc}") from None
    css = template.css.replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Sertifikat</title>'
        f"<style>{BASE_CSS}\n{css}</style></head><body>{body}</body></html>"
    )


def isian_used(template: Template) -> set[str]:
    used: set[str] = set()
    context = {"peserta": _Peserta(lambda name: Slot(name, used)), **SAMPLE_EVENT.context()}
    _render(template, context)
    return used


def layout_html(template: Template, event: Event) -> tuple[str, set[str]]:
    """The page with an empty marker for every isian, and the isian it uses."""
    used: set[str] = set()
    context = {"peserta": _Peserta(lambda name: Slot(name, used)), **event.context()}
    return _render(template, context), used


def filled_html(
    template: Template, event: Event, recipient: Recipient, qr_svg: Callable[[str], str]
) -> str:
    """The page with one person's text written in (the one-document-per-certificate path)."""
    context = {
        "peserta": _Peserta(lambda name: Filled(name, recipient.value(name), qr_svg)),
        **event.context(),
    }
    return _render(template, context)


# The page itself is fixed: one A4 landscape sheet without margins; the template draws inside.
BASE_CSS = """
@page { size: A4 landscape; margin: 0; }
html, body { margin: 0; padding: 0; }
.isian { white-space: pre; }
"""

DEFAULT_HTML = """\
<main class="lembar">
  <div class="bingkai">
    <header class="kop">
      {% if logo %}<img class="logo" src="{{ logo }}" alt="">{% endif %}
      <div class="kop-teks">
        <div class="pemerintah">{{ pemerintah }}</div>
        <div class="dinas">{{ penerbit }}</div>
      </div>
    </header>

    <h1>SERTIFIKAT</h1>
    <p class="nomor">{{ peserta.nomor("Nomor: ") }}</p>

    <p class="pengantar">diberikan kepada</p>
    <p class="nama">{{ peserta.nama }}</p>
    <p class="jabatan">{{ peserta.jabatan }}</p>
    <p class="koperasi">{{ peserta.koperasi }}</p>
    <p class="wilayah">{{ peserta.wilayah }}</p>

    <p class="uraian">
      atas partisipasinya sebagai peserta <b>{{ acara }}</b>
      ({{ jp }} JP) pada {{ tanggal }} di {{ tempat }}, dengan materi:
      {{ kursus | join("; ") }}.
    </p>

    <footer class="kaki">
      <div class="verifikasi">
        <div class="qr">{{ peserta.qr }}</div>
        <div class="verifikasi-teks">
          <p class="label">Periksa keaslian:</p>
          <p class="tautan">{{ peserta.tautan }}</p>
          <p class="kode">{{ peserta.kode("Kode: ") }}</p>
        </div>
      </div>
      <div class="ttd">
        <p>{{ tempat_tanggal }}</p>
        <p>{{ penandatangan.jabatan }}</p>
        <div class="ruang-ttd"></div>
        <p class="ttd-nama">{{ penandatangan.nama }}</p>
        {% if penandatangan.nip %}<p>NIP {{ penandatangan.nip }}</p>{% endif %}
      </div>
    </footer>
  </div>
</main>
"""

DEFAULT_CSS = """\
/* Merah putih: bingkai merah dengan garis tipis di dalamnya, judul berhuruf serif. */
.lembar { width: 297mm; height: 210mm; box-sizing: border-box; padding: 9mm;
  font-family: "DejaVu Serif", serif; color: #1a1a1a; }
.bingkai { position: relative; height: 100%; box-sizing: border-box;
  border: 2.2mm solid #b3202a; outline: 0.4mm solid #b3202a; outline-offset: -3.6mm;
  padding: 9mm 20mm 0; text-align: center; }
.kop { display: flex; align-items: center; justify-content: center; gap: 5mm;
  padding-bottom: 2.5mm; border-bottom: 0.5mm solid #1a1a1a; margin: 0 18mm; }
.logo { height: 19mm; width: auto; }
.kop-teks { text-align: center; font-family: "DejaVu Sans", sans-serif; }
.pemerintah { font-size: 11pt; letter-spacing: 0.6pt; text-transform: uppercase; }
.dinas { font-size: 13.5pt; font-weight: bold; text-transform: uppercase; }
h1 { margin: 5mm 0 0; font-size: 32pt; letter-spacing: 9pt; color: #b3202a; }
p { margin: 0; }
.nomor { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; margin-top: 1mm; }
.pengantar { margin-top: 5mm; font-size: 11.5pt; font-style: italic; }
.nama { margin-top: 2mm; font-size: 24pt; font-weight: bold; }
.jabatan { margin-top: 1.5mm; font-size: 12.5pt; }
.koperasi { font-size: 12.5pt; font-weight: bold; }
.wilayah { font-size: 10.5pt; color: #333; }
.uraian { margin: 4mm 12mm 0; font-size: 11.5pt; line-height: 1.45; }
.kaki { position: absolute; left: 16mm; right: 16mm; bottom: 9mm; display: flex;
  justify-content: space-between; align-items: flex-end; text-align: left; }
.verifikasi { display: flex; align-items: flex-end; gap: 3.5mm;
  font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #333; }
.qr { width: 26mm; height: 26mm; }
.verifikasi-teks { width: 78mm; }
.verifikasi-teks .label { color: #555; }
.tautan { font-size: 8pt; }
.kode { font-size: 9pt; font-weight: bold; letter-spacing: 0.5pt; }
.ttd { width: 92mm; text-align: center; font-size: 11pt; line-height: 1.35; }
.ruang-ttd { height: 20mm; }
.ttd-nama { font-weight: bold; text-decoration: underline; }
"""

DEFAULT = Template(html=DEFAULT_HTML, css=DEFAULT_CSS)

SAMPLE_EVENT = Event(
    issuer="Dinas Koperasi dan UKM Kabupaten Contoh",
    government="Pemerintah Kabupaten Contoh",
    title="Bimbingan Teknis Koperasi Desa/Kelurahan Merah Putih",
    courses=("Tata Kelola Koperasi", "Pembukuan Koperasi"),
    hours=24,
    dates="15–17 September 2025",
    venue="Aula Dinas",
    place_date="Contoh, 17 September 2025",
    signatory_name="Nama Pejabat",
    signatory_title="Kepala Dinas",
    signatory_nip="197001011990031001",
)

SAMPLE_RECIPIENT = Recipient(
    nomor="001/BIMTEK-KDKMP/KODE/IX/2025",
    nama="Siti Rahmawati",
    jabatan="Bendahara",
    koperasi="Koperasi Desa Merah Putih Sukamaju",
    wilayah="Desa Sukamaju, Kecamatan Contoh",
    kode="CONT-OH12-3456",
    tautan="https://contoh.go.id/v/CONT-OH12-3456",
)
