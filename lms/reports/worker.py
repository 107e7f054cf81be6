"""Child process for dashboard files: `python -m lms.reports.worker pdf|xlsx`.

`pdf`: an HTML page on stdin (reports/summary_pdf.html, rendered by the web worker), the PDF on
stdout. `xlsx`: JSON lines on stdin, the workbook on stdout. The first line is the spec

    {"title": "...", "sheet": "...", "header": ["line", ...], "totals": 1,
     "columns": [{"name": "...", "kind": "text|int|decimal|percent|date", "width": 12}, ...]}

and every further line is one row (a JSON list, one value per column). Percentages come as
0–100 and are stored as fractions with a percent format, dates as ISO strings; "totals" counts
the summary rows at the end. Rows may also be given in the spec as "rows".

WeasyPrint and openpyxl are imported here and nowhere in the web worker: loaded once they would
stay resident there, and a worker must stay under 100 MB. Rows arrive line by line and openpyxl's
write-only mode keeps them on disk, so a province's 90,000 participants never sit in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

NUMBER_FORMATS = {"percent": "0.0%", "decimal": "0.0", "date": "dd/mm/yyyy"}
# The longest a sheet name may be in Excel, and characters it refuses in one.
SHEET_NAME_MAX = 31
SHEET_NAME_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


def _lines(stream: IO[bytes]) -> Iterator[Any]:
    for line in stream:
        if line.strip():
            yield json.loads(line)


def _cell_value(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == "percent":
        return round(float(value) / 100, 6)  # 80.6 / 100 is 0.8059999999999999
    if kind == "date":
        return dt.date.fromisoformat(str(value))
    return value


def write_xlsx(spec: dict[str, Any], rows: Iterable[list[Any]], out: IO[bytes]) -> int:
    """The workbook of one table with a header block above it; returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    columns: list[dict[str, Any]] = spec["columns"]
    header: list[str] = spec.get("header", [])
    book = Workbook(write_only=True)
    name = str(spec.get("sheet") or "Laporan").translate(SHEET_NAME_BAD)[:SHEET_NAME_MAX]
    sheet = book.create_sheet(name.strip() or "Laporan")
    for index, column in enumerate(columns, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.get("width", 12)
        if column.get("kind", "text") == "text":
            # What is typed later into a text column stays text (a NIK, a kode desa).
            dimension.number_format = "@"
    top = len(header) + (2 if header else 1)  # the row of the column names
    # Scrolling a long list keeps the column names in view. Set before the first row: a
    # write-only sheet writes its views and widths when that row goes out.
    sheet.freeze_panes = f"A{top + 1}"

    def text_cell(value: str, font: Font | None = None) -> Cell:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # a name that starts with "=" stays a name, never a formula
        if font is not None:
            cell.font = font
        return cell

    for number, line in enumerate(header):
        font = Font(bold=True, size=14) if number == 0 else Font(color="555555")
        sheet.append([text_cell(line, font)])
    if header:
        sheet.append([])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEEEEE")
    rule = Border(bottom=Side(style="thin", color="888888"))
    heading = []
    for column in columns:
        cell = text_cell(column["name"], bold)
        cell.fill, cell.border = fill, rule
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        heading.append(cell)
    sheet.append(heading)
    kinds = [column.get("kind", "text") for column in columns]
    count = 0
    for row in rows:
        # Plain values where no format is needed: a styled cell object costs several times as
        # much, and a province's list has a million cells.
        cells: list[Any] = []
        for kind, raw in zip(kinds, row, strict=True):
            value = _cell_value(kind, raw)
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value.startswith("="):
                    value = text_cell(value)
            elif value is not None and kind in NUMBER_FORMATS:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = NUMBER_FORMATS[kind]
                value = cell
            cells.append(value)
        sheet.append(cells)
        count += 1
    # Filter buttons over the rows, not over the totals at the end (sorting would move them).
    listed = count - int(spec.get("totals", 0))
    if listed > 0:
        sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(columns))}{top + listed}"
    if spec.get("title"):
        book.properties.title = str(spec["title"])[:250]
    book.properties.creator = "LMS Bimtek KDKMP"
    # openpyxl writes a zip, which needs a seekable file; stdout may be a pipe.
    with tempfile.TemporaryFile() as buffer:
        book.save(buffer)
        buffer.seek(0)
        shutil.copyfileobj(buffer, out)
    return count


def write_pdf(html: str) -> bytes:
    import weasyprint
    from weasyprint.urls import URLFetcher

    # The page carries everything inline (charts are inline SVG): nothing is fetched, neither a
    # file of the server nor anything on the network.
    pdf = weasyprint.HTML(
        string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})
    ).write_pdf()
    assert isinstance(pdf, bytes)  # write_pdf() without a target returns the bytes
    return pdf


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command not in ("pdf", "xlsx"):
        print("usage: python -m lms.reports.worker pdf|xlsx", file=sys.stderr)
        return 2
    out = sys.stdout.buffer
    # stdout carries the file alone: anything a library prints goes to stderr instead.
    sys.stdout = sys.stderr
    if command == "pdf":
        out.write(write_pdf(sys.stdin.buffer.read().decode("utf-8")))
    else:
        lines = _lines(sys.stdin.buffer)
        spec = next(lines)
        rows = spec.pop("rows", None)
        write_xlsx(spec, lines if rows is None else rows, out)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
