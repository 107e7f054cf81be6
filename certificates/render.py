"""Certificates from HTML and CSS with WeasyPrint: the page laid out once per batch (make_base),
or one whole document per certificate (render_single, the slow reference and a fallback)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from certificates.stamp import CREDENTIAL_NAME, Base, Font, PdfParts, Slot, transformed
from certificates.template import (
    Event,
    Recipient,
    Template,
    TemplateError,
    filled_html,
    layout_html,
)

# Characters every base can print, so that a name corrected later rarely needs a new base.
COMMON = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "ÀÁÂÄÇÈÉÊËÌÍÎÏÑÒÓÔÖÙÚÛÜàáâäçèéêëìíîïñòóôöùúûü‘’“”–—·…"
)


def _fetcher() -> Any:
    """Templates are written by dinas operators: they may embed data: URLs (the logo), but never
    read a file of the server or reach the network."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def qr_svg(url: str) -> str:
    """A QR code as an SVG data: URL (the one-document path)."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="svg", border=0, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def render_single(
    template: Template, event: Event, recipient: Recipient, credential: str, issued_at: datetime
) -> bytes:
    """One certificate as its own WeasyPrint document from scratch."""
    import weasyprint

    html = filled_html(template, event, recipient, qr_svg)
    document = weasyprint.HTML(string=html, url_fetcher=_fetcher()).render(pdf_variant="pdf/a-3b")
    if len(document.pages) != 1:
        raise TemplateError(_ONE_PAGE)
    attachment = weasyprint.Attachment(
        string=credential,
        name=CREDENTIAL_NAME,
        description="Kredensial Open Badges 3.0 (VC-JWT) sertifikat ini",
        relationship="Alternative",
    )
    with _unclosed_profile_ignored():
        pdf = document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment])
    assert isinstance(pdf, bytes)
    return pdf


@contextlib.contextmanager
def _unclosed_profile_ignored() -> Iterator[None]:
    """WeasyPrint opens its sRGB profile for a PDF/A output intent and leaves the file to the
    garbage collector; the ResourceWarning that follows is its, not a leak of ours."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        yield


_ONE_PAGE = (
    "Isi templat melebihi satu halaman A4 mendatar. Perkecil huruf atau jarak, atau kurangi teks."
)


# ---------------------------------------------------------------------- the page laid out once


def _walk(box: Any, ancestors: tuple[Any, ...] = ()) -> Iterable[tuple[Any, tuple[Any, ...]]]:
    yield box, ancestors
    children = getattr(box, "children", None) or ()
    for child in children:
        yield from _walk(child, (*ancestors, box))


def _css_font(style: Any) -> str:
    families = ", ".join(f"'{f}'" if " " in f else f for f in style["font_family"])
    return (
        f"font-family: {families}; font-weight: {style['font_weight']}; "
        f"font-style: {style['font_style']}; font-stretch: {style['font_stretch']}"
    )


class _Found:
    def __init__(self, field: str, prefix: str, container: Any, text: Any, style: Any) -> None:
        self.field, self.prefix, self.container, self.text, self.style = (
            field,
            prefix,
            container,
            text,
            style,
        )


def _slots_of(page: Any) -> list[_Found]:
    from weasyprint.formatting_structure import boxes

    found: list[_Found] = []
    for box, ancestors in _walk(page._page_box):
        element = getattr(box, "element", None)
        if element is None or not isinstance(box, boxes.InlineBox) or not element.get("data-isian"):
            continue
        container = next(
            (
                a
                for a in reversed(ancestors)
                if isinstance(a, boxes.BlockContainerBox) and not isinstance(a, boxes.LineBox)
            ),
            None,
        )
        text = next((b for b, _ in _walk(box) if isinstance(b, boxes.TextBox)), None)
        if container is None or text is None:
            continue
        field = element.get("data-isian")
        owner = container.element
        words = "".join(owner.itertext()).replace("\xa0", "").strip() if owner is not None else ""
        if words:
            raise TemplateError(
                f"Isian peserta.{field} harus berdiri sendiri dalam satu elemen (mis. "
                f"<p>{{{{ peserta.{field} }}}}</p>); pindahkan teks lain ke elemen terpisah "
                f'atau jadikan awalan: peserta.{field}("Awalan: ").'
            )
        found.append(_Found(field, element.get("data-awalan") or "", container, text, box.style))
    return found


def _spacing(style: Any) -> float:
    value = style["letter_spacing"]
    return float(value) if isinstance(value, (int, float)) else 0.0


def _align(style: Any) -> str:
    value = str(style["text_align_all"])
    return {"center": "center", "right": "right", "end": "right"}.get(value, "left")


def _carriers(found: list[_Found], chars: Mapping[str, str]) -> str:
    from html import escape

    rows = []
    for i, slot in enumerate(found):
        wanted = set(COMMON) | set(slot.prefix) | set(chars.get(slot.field, ""))
        transform = str(slot.style["text_transform"])
        if transform != "none":
            wanted |= set(transformed("".join(wanted), transform))
        wanted.discard("\n")
        text = " ".join(sorted(wanted - {" "}))
        rows.append(
            f'<p data-pembawa="{i}" style="{_css_font(slot.style)}; font-size: 10px; '
            f'margin: 0 0 4px; white-space: normal; font-variant: normal; color: #000">'
            f"{escape(text)}</p>"
        )
    return '<section style="break-before: page">' + "".join(rows) + "</section>"


def make_base(template: Template, event: Event, chars: Mapping[str, str]) -> Base:
    """Lay the template out once for a batch. `chars` holds, per isian, the text of every
    certificate to come, so the fonts are cut to hold all of their glyphs."""
    import weasyprint

    template.check()
    html, used = layout_html(template, event)
    first = weasyprint.HTML(string=html, url_fetcher=_fetcher()).render(pdf_variant="pdf/a-3b")
    if len(first.pages) != 1:
        raise TemplateError(_ONE_PAGE)
    every = _slots_of(first.pages[0])
    found = [f for f in every if f.field != "qr"]
    qrs = [f for f in every if f.field == "qr"]
    hidden = sorted(used - {f.field for f in every})
    if hidden:
        raise TemplateError(
            "Isian "
            + ", ".join(f"peserta.{name}" for name in hidden)
            + " tidak tampil di halaman (tersembunyi atau di luar halaman)."
        )
    # The same page again with the glyph carriers on a second page: one document, so its font
    # subsets hold the carriers' glyphs too. The second page is dropped afterwards.
    full = html.replace("</body>", _carriers(found, chars) + "</body>")
    document = weasyprint.HTML(string=full, url_fetcher=_fetcher()).render(pdf_variant="pdf/a-3b")
    carrier_tops = _carrier_tops(document.pages[1]) if len(document.pages) > 1 else []
    with _unclosed_profile_ignored():
        pdf = document.write_pdf(pdf_variant="pdf/a-3b")
    assert isinstance(pdf, bytes)
    return _finish(pdf, first.pages[0].height, found, qrs, carrier_tops)


def _carrier_tops(page: Any) -> list[tuple[float, float]]:
    spans: dict[int, tuple[float, float]] = {}
    for box, _ in _walk(page._page_box):
        element = getattr(box, "element", None)
        if element is not None and element.get("data-pembawa") is not None:
            index = int(element.get("data-pembawa"))
            top, bottom = box.position_y, box.position_y + box.margin_height()
            old = spans.get(index)
            spans[index] = (min(top, old[0]), max(bottom, old[1])) if old else (top, bottom)
    return [spans[i] for i in sorted(spans)]


_BF = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_BFRANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    codes: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, uni in _BF.findall(section):
            codes[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, start in _BFRANGE.findall(section):
            first = int(start, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                codes[code] = chr(first + offset)
    return codes


def _widths(descendant: Any) -> Font:
    widths: dict[int, float] = {}
    w = list(descendant.get("/W") or [])
    i = 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], list) or hasattr(w[i + 1], "__iter__"):
            for offset, value in enumerate(w[i + 1]):
                widths[first + offset] = float(value)
            i += 2
        else:
            last, value = int(w[i + 1]), float(w[i + 2])
            for code in range(first, last + 1):
                widths[code] = value
            i += 3
    return Font(widths, float(descendant.get("/DW", 1000)))


def _finish(
    pdf: bytes,
    page_height: float,
    found: list[_Found],
    qrs: list[_Found],
    carrier_tops: list[tuple[float, float]],
) -> Base:
    import pypdf
    from pypdf.generic import ContentStream, DecodedStreamObject, NameObject

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    resources: Any = reader.pages[0]["/Resources"]
    fonts_dict = resources["/Font"]
    fonts: dict[str, Font] = {}
    unicode_of: dict[str, dict[int, str]] = {}
    for name, ref in fonts_dict.items():
        font = ref.get_object()
        resource = str(name)[1:]
        descendant = font["/DescendantFonts"][0].get_object()
        fonts[resource] = _widths(descendant)
        unicode_of[resource] = _to_unicode(font["/ToUnicode"].get_object().get_data())

    # Which glyph code each carrier's characters got, in which font.
    glyphs: list[dict[str, tuple[str, int]]] = [{} for _ in found]
    if len(reader.pages) > 1:
        ops = ContentStream(reader.pages[1].get_contents(), reader).operations
        current = ""
        y = 0.0
        for operands, operator in ops:
            if operator == b"Tf":
                current = str(operands[0])[1:]
            elif operator == b"Tm":
                y = float(operands[5])
            elif operator in (b"TJ", b"Tj"):
                items = operands[0] if operator == b"TJ" else [operands[0]]
                index = next(
                    (i for i, (top, bottom) in enumerate(carrier_tops) if top <= y <= bottom + 1),
                    None,
                )
                if index is None or index >= len(glyphs):
                    continue
                for item in items:
                    if not hasattr(item, "original_bytes"):
                        continue
                    raw = item.original_bytes
                    for k in range(0, len(raw) - 1, 2):
                        code = int.from_bytes(raw[k : k + 2], "big")
                        ch = unicode_of.get(current, {}).get(code)
                        if ch and ch not in glyphs[index]:
                            glyphs[index][ch] = (current, code)

    slots: list[Slot] = []
    for i, f in enumerate(found):
        r, g, b = f.style["color"].to("srgb").coordinates
        glyphs[i].setdefault(" ", next(iter(glyphs[i].values()), ("", 0)))
        slots.append(
            Slot(
                field=f.field,
                prefix=f.prefix,
                x=float(f.container.content_box_x()),
                top=float(f.container.content_box_y()),
                width=float(f.container.width),
                height=float(f.container.height),
                baseline=float(f.text.position_y + f.text.baseline),
                size=float(f.style["font_size"]),
                color=(float(r), float(g), float(b)),
                align=_align(f.container.style),
                glyphs=glyphs[i],
                transform=str(f.style["text_transform"]),
                spacing=_spacing(f.style),
            )
        )
    for f in qrs:
        slots.append(
            Slot(
                field="qr",
                prefix="",
                x=float(f.container.content_box_x()),
                top=float(f.container.content_box_y()),
                width=float(f.container.width),
                height=float(f.container.height),
                baseline=0.0,
                size=0.0,
                color=(0.0, 0.0, 0.0),
                align=_align(f.container.style),
                glyphs={},
            )
        )

    # Rewrite as one page with a classic cross-reference table, its content wrapped in q/Q so
    # that a stamp appended to /Contents starts from a clean graphics state.
    writer = pypdf.PdfWriter(clone_from=reader)
    info = dict(reader.metadata or {})
    while len(writer.pages) > 1:
        writer.remove_page(len(writer.pages) - 1)
    page = writer.pages[0]
    original = page.get("/Contents")
    refs = original if isinstance(original, list) else [original]
    opening, closing = DecodedStreamObject(), DecodedStreamObject()
    opening.set_data(b"q\n")
    closing.set_data(b"\nQ\n")
    from pypdf.generic import ArrayObject

    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(opening), *refs, writer._add_object(closing)]
    )
    if info:
        writer.add_metadata({k: v for k, v in info.items()})
    # PDF/A-3 rests on PDF 1.7 (associated files); pypdf would write its own default header.
    writer.pdf_header = "%PDF-1.7"
    out = io.BytesIO()
    writer.write(out)
    base_pdf = out.getvalue()
    return Base.load(base_pdf, _layout(base_pdf, page_height, slots, fonts))


def _serialise(obj: Any) -> str:
    buf = io.BytesIO()
    obj.write_to_stream(buf)
    return buf.getvalue().decode("latin-1")


def _layout(
    pdf: bytes, page_height: float, slots: list[Slot], fonts: dict[str, Font]
) -> dict[str, Any]:
    import pypdf
    from pypdf.generic import DictionaryObject

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    trailer: Any = reader.trailer
    root_ref = trailer.raw_get("/Root")
    info_ref = trailer.raw_get("/Info") if "/Info" in trailer else None
    page_ref = reader.pages[0].indirect_reference
    assert page_ref is not None
    page = reader.pages[0]
    page_entries = DictionaryObject({k: v for k, v in page.items() if k != "/Contents"})
    catalog: Any = reader.trailer["/Root"]
    # The certificate's own /Names and /AF are written per file. Outlines go: a one-page
    # certificate needs no bookmarks, and in the print file they would point at a page that
    # is no longer in the page tree.
    catalog_entries = DictionaryObject(
        {k: v for k, v in catalog.items() if k not in ("/Names", "/AF", "/Outlines", "/PageMode")}
    )
    names = catalog.get("/Names")
    names_entries = (
        _serialise(DictionaryObject({k: v for k, v in names.items() if k != "/EmbeddedFiles"}))[
            2:-2
        ].strip()
        if names is not None
        else ""
    )
    contents = page.raw_get("/Contents")
    startxref = int(pdf[pdf.rindex(b"startxref") + 9 :].split()[0])
    file_id = trailer["/ID"][0]
    raw_id = file_id.original_bytes if hasattr(file_id, "original_bytes") else bytes(file_id)
    base = Base(
        pdf=pdf,
        page_height=page_height,
        slots=tuple(slots),
        fonts=fonts,
        parts=PdfParts(
            page=page_ref.idnum,
            catalog=root_ref.idnum,
            pages=catalog.raw_get("/Pages").idnum,
            info=info_ref.idnum if info_ref is not None else None,
            size=int(trailer["/Size"]),
            startxref=startxref,
            file_id=raw_id.hex(),
            page_dict=_serialise(page_entries)[2:-2].strip(),
            catalog_dict=_serialise(catalog_entries)[2:-2].strip(),
            contents=tuple(c.idnum for c in contents),
            names=names_entries,
        ),
    )
    return base.layout()


def digest(template: Template, event: Event) -> str:
    """Identifies what a base was laid out from (the glyph set aside)."""
    h = hashlib.sha256()
    for part in (template.html, template.css, repr(event)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()
