"""Writing each person's certificate onto a page laid out once.

A batch renders its template once (render.make_base): a one-page PDF/A-3b whose fonts already
hold every glyph the batch needs, and the box of every isian. Each certificate is then that file
plus a small incremental update: one content stream with the person's text and QR code, the page
pointing at it, and the signed credential as an associated file. No layout engine runs per
person, and the file's first bytes are the same for the whole batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from certificates.template import Recipient

CREDENTIAL_NAME = "credential.jwt"
CREDENTIAL_TYPE = "application/vc+jwt"
# Below this share of its size a long text is no longer shrunk to fit but allowed to overflow.
MIN_SCALE = 0.55


@dataclass(frozen=True, slots=True)
class Slot:
    """The box of one isian on the page, in CSS pixels from the top left."""

    field: str
    prefix: str
    x: float
    top: float
    width: float
    height: float
    baseline: float
    size: float
    color: tuple[float, float, float]
    align: str  # left, center or right
    # character -> (font resource name, glyph code)
    glyphs: dict[str, tuple[str, int]]
    transform: str = "none"  # CSS text-transform: uppercase, lowercase, capitalize
    spacing: float = 0.0  # CSS letter-spacing, in pixels


@dataclass(frozen=True, slots=True)
class Font:
    widths: dict[int, float]
    default: float = 1000.0


@dataclass(frozen=True, slots=True)
class PdfParts:
    """Where things are in the base file, to write an update after it."""

    page: int
    catalog: int
    pages: int
    info: int | None
    size: int  # the next free object number
    startxref: int
    file_id: str  # hex of the first /ID entry
    page_dict: str  # the page dictionary's entries without /Contents
    catalog_dict: str  # the catalog's entries
    contents: tuple[int, ...]  # "q", the laid-out page, "Q"
    names: str = ""  # the catalog's /Names entries other than /EmbeddedFiles (e.g. /Dests)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "contents": list(self.contents)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PdfParts:
        return cls(**{**data, "contents": tuple(data["contents"])})


@dataclass(frozen=True, slots=True)
class Base:
    """The page laid out once, with what the stamper needs to know about it."""

    pdf: bytes
    page_height: float
    slots: tuple[Slot, ...]
    fonts: dict[str, Font]
    parts: PdfParts

    def covers(self, recipient: Recipient) -> bool:
        """Whether every character of this person's text has a glyph in the base's fonts (a
        name corrected later may need a new base)."""
        return all(
            ch in slot.glyphs
            for slot in self.slots
            if slot.field != "qr"
            for ch in transformed(slot.prefix + recipient.value(slot.field), slot.transform)
        )

    def layout(self) -> dict[str, Any]:
        """Everything but the PDF bytes, as JSON-ready data."""
        return {
            "page_height": self.page_height,
            "slots": [
                {
                    "field": s.field,
                    "prefix": s.prefix,
                    "box": [s.x, s.top, s.width, s.height, s.baseline],
                    "size": s.size,
                    "color": list(s.color),
                    "align": s.align,
                    "glyphs": {ch: [f, c] for ch, (f, c) in s.glyphs.items()},
                    "transform": s.transform,
                    "spacing": s.spacing,
                }
                for s in self.slots
            ],
            "fonts": {
                name: {"w": {str(k): v for k, v in f.widths.items()}, "dw": f.default}
                for name, f in self.fonts.items()
            },
            "pdf": self.parts.to_dict(),
        }

    @classmethod
    def load(cls, pdf: bytes, layout: dict[str, Any]) -> Base:
        return cls(
            pdf=pdf,
            page_height=float(layout["page_height"]),
            slots=tuple(
                Slot(
                    field=s["field"],
                    prefix=s["prefix"],
                    x=s["box"][0],
                    top=s["box"][1],
                    width=s["box"][2],
                    height=s["box"][3],
                    baseline=s["box"][4],
                    size=s["size"],
                    color=(s["color"][0], s["color"][1], s["color"][2]),
                    align=s["align"],
                    glyphs={ch: (v[0], int(v[1])) for ch, v in s["glyphs"].items()},
                    transform=s.get("transform", "none"),
                    spacing=float(s.get("spacing", 0.0)),
                )
                for s in layout["slots"]
            ),
            fonts={
                name: Font({int(k): float(v) for k, v in f["w"].items()}, float(f["dw"]))
                for name, f in layout["fonts"].items()
            },
            parts=PdfParts.from_dict(layout["pdf"]),
        )

    @classmethod
    def for_files(cls, pdf: bytes, parts: dict[str, Any]) -> Base:
        """A base for writing certificate files and print files only (update, print_file):
        where things are in the file, without the glyph maps and boxes stamping needs."""
        return cls(
            pdf=pdf,
            page_height=0.0,
            slots=(),
            fonts={},
            parts=PdfParts.from_dict(parts),
        )


# ---------------------------------------------------------------------- the content stream


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in {"-0", ""} else "0"


def transformed(text: str, transform: str) -> str:
    """The text as CSS text-transform shows it."""
    if transform == "uppercase":
        return text.upper()
    if transform == "lowercase":
        return text.lower()
    if transform == "capitalize":
        return " ".join(word[:1].upper() + word[1:] for word in text.split(" "))
    return text


def _text_ops(base: Base, slot: Slot, text: str) -> list[str]:
    text = transformed(text, slot.transform)
    runs: list[tuple[str, list[int]]] = []
    width = 0.0
    for ch in text:
        font, code = slot.glyphs.get(ch) or slot.glyphs.get("?") or next(iter(slot.glyphs.values()))
        width += base.fonts[font].widths.get(code, base.fonts[font].default)
        if runs and runs[-1][0] == font:
            runs[-1][1].append(code)
        else:
            runs.append((font, [code]))
    if not runs:
        return []
    size = slot.size
    width = width * size / 1000 + slot.spacing * len(text)
    if width > slot.width > 0:
        scale = max(slot.width / width, MIN_SCALE)
        size, width = size * scale, width * scale
    if slot.align == "center":
        x = slot.x + (slot.width - width) / 2
    elif slot.align == "right":
        x = slot.x + slot.width - width
    else:
        x = slot.x
    r, g, b = slot.color
    ops = [
        f"{_num(r)} {_num(g)} {_num(b)} rg",
        "BT",
        f"1 0 0 -1 {_num(x)} {_num(slot.baseline)} Tm",
    ]
    for font, codes in runs:
        ops.append(f"/{font} {_num(size)} Tf")
        ops.append("<" + "".join(f"{c:04x}" for c in codes) + "> Tj")
    ops.append("ET")
    return ops


def _qr_ops(slot: Slot, matrix: Sequence[Sequence[int]]) -> list[str]:
    """Dark modules as rectangles, one per horizontal run, in a square inside the slot. The
    rectangles are written in module units under one transform: whole numbers, short to write."""
    n = len(matrix)
    side = min(slot.width, slot.height) if slot.height > 0 else slot.width
    if n == 0 or side <= 0:
        return []
    module = side / n
    if slot.align == "center":
        left = slot.x + (slot.width - side) / 2
    elif slot.align == "right":
        left = slot.x + slot.width - side
    else:
        left = slot.x
    ops = ["q", f"{_num(module)} 0 0 {_num(module)} {_num(left)} {_num(slot.top)} cm", "0 0 0 rg"]
    for row, cells in enumerate(matrix):
        col = 0
        while col < n:
            if cells[col]:
                start = col
                while col < n and cells[col]:
                    col += 1
                ops.append(f"{start} {row} {col - start} 1 re")
            else:
                col += 1
    ops += ["f", "Q"]
    return ops


def qr_matrix(url: str) -> list[list[int]]:
    """The QR code of a verification URL, without its quiet zone (the template leaves room)."""
    import segno

    code = segno.make(url, error="m", micro=False)
    return [list(row) for row in code.matrix]


def content(base: Base, recipient: Recipient) -> bytes:
    """One person's text and QR code as a compressed PDF content stream."""
    ops = [
        "q",
        f"1 0 0 -1 0 {_num(base.page_height * 0.75)} cm",
        "0.75 0 0 0.75 0 0 cm",
    ]
    matrix: list[list[int]] | None = None
    for slot in base.slots:
        if slot.field == "qr":
            matrix = matrix or qr_matrix(recipient.tautan)
            ops += _qr_ops(slot, matrix)
        else:
            ops += _text_ops(base, slot, slot.prefix + recipient.value(slot.field))
    ops.append("Q")
    return zlib.compress("\n".join(ops).encode("ascii"), 6)


# ---------------------------------------------------------------------- the incremental update


def _pdf_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def _hex_text(text: str) -> str:
    return "<feff" + text.encode("utf-16-be").hex() + ">"


class _Update:
    """An incremental update section being written after `base`."""

    def __init__(self, base: Base) -> None:
        self.base = base
        self.offset = len(base.pdf)
        self.chunks: list[bytes] = [b"\n"]
        self.length = 1
        self.xref: dict[int, int] = {}
        self.next = base.parts.size

    def new(self) -> int:
        self.next += 1
        return self.next - 1

    def put(self, number: int, body: bytes) -> None:
        self.xref[number] = self.offset + self.length
        data = b"%d 0 obj\n" % number + body + b"\nendobj\n"
        self.chunks.append(data)
        self.length += len(data)

    def stream(self, number: int, entries: str, data: bytes) -> None:
        head = f"<< {entries} /Length {len(data)} >>\nstream\n".encode("latin-1")
        self.put(number, head + data + b"\nendstream")

    def finish(self, second_id: str) -> bytes:
        parts = self.base.parts
        rows = [b"xref\n0 1\n0000000000 65535 f \n"]
        for number in sorted(self.xref):
            rows.append(b"%d 1\n%010d 00000 n \n" % (number, self.xref[number]))
        xref_at = self.offset + self.length
        info = f" /Info {parts.info} 0 R" if parts.info else ""
        trailer = (
            f"trailer\n<< /Size {self.next} /Root {parts.catalog} 0 R{info} "
            f"/ID [<{parts.file_id}> <{second_id}>] /Prev {parts.startxref} >>\n"
            f"startxref\n{xref_at}\n%%EOF\n"
        ).encode("latin-1")
        return b"".join(self.chunks) + b"".join(rows) + trailer


def update(base: Base, stamp: bytes, credential: str, issued_at: datetime, key: str) -> bytes:
    """The bytes that, appended to base.pdf, make one person's certificate: their content on the
    page and their signed credential attached (PDF/A-3 associated file)."""
    parts = base.parts
    out = _Update(base)
    stamp_no, file_no, spec_no = out.new(), out.new(), out.new()
    out.stream(stamp_no, "/Filter /FlateDecode", stamp)
    data = credential.encode("ascii")
    when = _pdf_date(issued_at)
    subtype = CREDENTIAL_TYPE.replace("/", "#2F")
    out.stream(
        file_no,
        f"/Type /EmbeddedFile /Subtype /{subtype} /Params << /Size {len(data)} "
        f"/ModDate ({when}) /CheckSum <{hashlib.md5(data).hexdigest()}> >>",  # noqa: S324 (the PDF spec's checksum is MD5)
        data,
    )
    desc = _hex_text("Kredensial Open Badges 3.0 (VC-JWT) sertifikat ini")
    out.put(
        spec_no,
        (
            f"<< /Type /Filespec /F ({CREDENTIAL_NAME}) /UF {_hex_text(CREDENTIAL_NAME)} "
            f"/Desc {desc} /AFRelationship /Alternative "
            f"/EF << /F {file_no} 0 R /UF {file_no} 0 R >> >>"
        ).encode("latin-1"),
    )
    contents = " ".join(f"{n} 0 R" for n in (*parts.contents, stamp_no))
    out.put(parts.page, f"<< {parts.page_dict} /Contents [{contents}] >>".encode("latin-1"))
    out.put(
        parts.catalog,
        (
            f"<< {parts.catalog_dict} /Names << {parts.names} /EmbeddedFiles << /Names "
            f"[({CREDENTIAL_NAME}) {spec_no} 0 R] >> >> /AF [{spec_no} 0 R] >>"
        ).encode("latin-1"),
    )
    second = hashlib.md5((parts.file_id + key).encode()).hexdigest()  # noqa: S324 (a file identifier, not security)
    return out.finish(second)


def certificate(
    base: Base, recipient: Recipient, credential: str, issued_at: datetime
) -> tuple[bytes, bytes]:
    """(the stamp to keep, the whole certificate PDF)."""
    stamp = content(base, recipient)
    return stamp, base.pdf + update(base, stamp, credential, issued_at, recipient.kode)


def print_file(base: Base, stamps: Iterable[bytes]) -> bytes:
    """All certificates of one base in one PDF for printing: one page per person, the page and
    its fonts stored once."""
    parts = base.parts
    out = _Update(base)
    kids: list[int] = []
    for stamp in stamps:
        stamp_no, page_no = out.new(), out.new()
        out.stream(stamp_no, "/Filter /FlateDecode", stamp)
        contents = " ".join(f"{n} 0 R" for n in (*parts.contents, stamp_no))
        out.put(page_no, f"<< {parts.page_dict} /Contents [{contents}] >>".encode("latin-1"))
        kids.append(page_no)
    refs = " ".join(f"{n} 0 R" for n in kids)
    out.put(parts.pages, f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode("latin-1"))
    second = hashlib.md5((parts.file_id + "cetak" + str(len(kids))).encode()).hexdigest()  # noqa: S324 (a file identifier)
    return base.pdf + out.finish(second)
