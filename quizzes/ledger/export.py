"""Exports of a :class:`~quizzes.ledger.journal.Ledger`: beancount text and an Excel workbook.

* :func:`to_beancount` – the whole tahun buku as beancount v3 text, ending with a ``balance``
  assertion for every account, so that beancount itself checks the engine's balances;
* :func:`to_xlsx` – jurnal umum, buku besar, neraca saldo, laporan posisi keuangan and laporan
  hasil usaha as one ``.xlsx`` workbook (openpyxl, imported only when a workbook is made).

Account names in beancount (:func:`account_names`): the group gives the root (aset ->
``Assets``, liabilitas -> ``Liabilities``, ekuitas -> ``Equity``, pendapatan -> ``Income``,
beban -> ``Expenses``) and the second component is the code and the name folded to ASCII
(accents dropped), every run of characters other than ASCII letters and digits replaced by
one dash, and the first letter made uppercase: ``1-101 Kas Kantor`` ->
``Assets:1-101-Kas-Kantor``. Two accounts that would share a name get ``-2``, ``-3``, ...
The Indonesian name is kept in the ``name`` metadata of the ``open`` directive.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from quizzes.ledger.chart import Account, AccountType, Chart, NormalBalance
from quizzes.ledger.journal import JournalEntry, Ledger, Line, PostedEntry, format_tanggal
from quizzes.ledger.reports import (
    StatementLine,
    buku_besar,
    laporan_hasil_usaha,
    laporan_posisi_keuangan,
    neraca_saldo,
)

__all__ = [
    "BEANCOUNT_ROOTS",
    "account_names",
    "beancount_string",
    "ledger_from_data",
    "ledger_to_data",
    "to_beancount",
    "to_xlsx",
]

BEANCOUNT_ROOTS = {
    AccountType.ASET: "Assets",
    AccountType.LIABILITAS: "Liabilities",
    AccountType.EKUITAS: "Equity",
    AccountType.PENDAPATAN: "Income",
    AccountType.BEBAN: "Expenses",
}
CURRENCY = "IDR"

# Letters that NFKD does not split into an ASCII letter and a combining mark.
_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d"}
    | {"Đ": "D", "ł": "l", "Ł": "L", "ı": "i", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D"}
)
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def _component(text: str) -> str:
    """An account name component: ASCII letters, digits and dashes, starting with an
    uppercase letter or a digit (beancount's ``[\\p{Lu}\\p{Nd}][\\p{L}\\p{Nd}\\-]*``)."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    unaccented = "".join(ch for ch in folded if not unicodedata.combining(ch))
    component = _NOT_ALNUM.sub("-", unaccented).strip("-")
    if not component:
        return "Akun"
    return component[0].upper() + component[1:]


def account_names(chart: Chart) -> dict[str, str]:
    """Beancount account name of every account of ``chart``, by code (unique)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for account in chart:
        base = f"{BEANCOUNT_ROOTS[account.type]}:{_component(f'{account.code} {account.name}')}"
        name, suffix = base, 1
        while name in taken:
            suffix += 1
            name = f"{base}-{suffix}"
        taken.add(name)
        names[account.code] = name
    return names


def beancount_string(text: str) -> str:
    """``text`` as a double-quoted beancount string (backslashes, quotes and newlines escaped)."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _postings(rows: Iterable[tuple[str, int]], width: int) -> list[str]:
    return [f"  {account:<{width}}  {amount:>16} {CURRENCY}" for account, amount in rows]


def to_beancount(ledger: Ledger, *, title: str) -> str:
    """The ledger as beancount v3 text.

    Every account is opened on ``period_start``; the saldo awal are one transaction on that
    day; every posted entry follows in date order (metadata ``nomor``, and ``membalik`` for a
    reversal); amounts are whole rupiah, debit positive and credit negative. A ``balance``
    assertion for every account on the day after ``period_end`` (beancount checks a balance at
    the start of its day) holds the engine's own balance, so loading the text verifies it.
    """
    chart = ledger.chart
    names = account_names(chart)
    width = max((len(n) for n in names.values()), default=0)
    start = ledger.period_start.isoformat()
    out: list[str] = [
        f'option "title" {beancount_string(title)}',
        f'option "operating_currency" "{CURRENCY}"',
        "",
    ]
    for account in chart:
        out.append(f"{start} open {names[account.code]} {CURRENCY}")
        out.append(f"  name: {beancount_string(account.name)}")
    out.append("")
    opening = [
        (names[a.code], a.normal.sign * ledger.opening_balance(a.code))
        for a in chart
        if ledger.opening_balance(a.code)
    ]
    if opening:
        out.append(f'{start} * "Saldo awal"')
        out.extend(_postings(opening, width))
        out.append("")
    for posted in ledger.entries_between():
        out.extend(_transaction(posted, names, width))
        out.append("")
    check_day = (ledger.period_end + dt.timedelta(days=1)).isoformat()
    for account in chart:
        amount = ledger.net_debit(account.code)
        out.append(f"{check_day} balance {names[account.code]:<{width}}  {amount:>16} {CURRENCY}")
    out.append("")
    return "\n".join(out)


def _transaction(posted: PostedEntry, names: dict[str, str], width: int) -> list[str]:
    entry = posted.entry
    lines = [f"{entry.date.isoformat()} * {beancount_string(entry.description)}"]
    lines.append(f"  nomor: {posted.id}")
    if posted.reverses is not None:
        lines.append(f"  membalik: {posted.reverses}")
    if posted.kind != "umum":
        lines.append(f"  jenis: {beancount_string(posted.kind)}")
    lines.extend(
        _postings(((names[ln.account_code], ln.debit - ln.credit) for ln in entry.lines), width)
    )
    return lines


# ---------------------------------------------------------------------- xlsx

AMOUNT_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"


class _Sheet:
    """One write-only worksheet with typed, styled cells."""

    def __init__(self, workbook: Any, styles: Any, name: str, widths: Sequence[float]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.utils import get_column_letter

        self._cell = WriteOnlyCell
        self.styles = styles
        self.ws = workbook.create_sheet(name)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width

    def text(self, value: str | None, *, bold: bool = False, indent: int = 0) -> Any:
        cell = self._cell(self.ws, value=value)
        if value is not None:
            cell.data_type = "s"  # text typed by a learner ("=...") is never a formula
        if bold:
            cell.font = self.styles.bold
        if indent:
            cell.alignment = self.styles.indent[indent]
        return cell

    def amount(self, value: int | None, *, bold: bool = False) -> Any:
        cell = self._cell(self.ws, value=value)
        cell.number_format = AMOUNT_FORMAT
        if bold:
            cell.font = self.styles.bold
        return cell

    def day(self, value: dt.date | None) -> Any:
        cell = self._cell(self.ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell

    def number(self, value: int | None) -> Any:
        return self._cell(self.ws, value=value)

    def row(self, *cells: Any) -> None:
        self.ws.append(list(cells))

    def heading(self, lines: Sequence[str]) -> None:
        for index, line in enumerate(lines):
            cell = self.text(line, bold=True)
            if index == 0:
                cell.font = self.styles.title
            self.ws.append([cell])
        self.ws.append([])

    def header(self, *labels: str) -> None:
        self.ws.append([self.text(label, bold=True) for label in labels])


class _Styles:
    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font

        self.bold = Font(bold=True)
        self.title = Font(bold=True, size=13)
        self.indent = {n: Alignment(indent=n) for n in (1, 2, 3)}


def _period(ledger: Ledger) -> str:
    return f"Periode {format_tanggal(ledger.period_start)} s.d. {format_tanggal(ledger.period_end)}"


def to_xlsx(ledger: Ledger, *, title: str, koperasi: str = "") -> bytes:
    """The ledger's books as an ``.xlsx`` workbook (bytes).

    Sheets: "Jurnal Umum", "Buku Besar", "Neraca Saldo", "Posisi Keuangan", "Hasil Usaha".
    Amounts are whole-rupiah integer cells shown as ``#,##0``; dates are date cells shown as
    ``dd/mm/yyyy``. Each sheet starts with the koperasi (or the title), the report and its
    date or period.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    if koperasi:
        workbook.properties.creator = koperasi
    styles = _Styles()

    def top(report: str, when: str) -> list[str]:
        lines = [koperasi or title, report, when]
        if koperasi and title:
            lines.append(title)
        return lines

    per_end = f"Per {format_tanggal(ledger.period_end)}"
    period = _period(ledger)
    _jurnal_umum(
        ledger,
        _Sheet(workbook, styles, "Jurnal Umum", (7, 12, 50, 42, 17, 17, 32)),
        top("Jurnal Umum", period),
    )
    _buku_besar(
        ledger,
        _Sheet(workbook, styles, "Buku Besar", (12, 7, 50, 17, 17, 17)),
        top("Buku Besar", period),
    )
    _neraca_saldo(
        ledger,
        _Sheet(workbook, styles, "Neraca Saldo", (10, 44, 17, 17)),
        top("Neraca Saldo", per_end),
    )
    _posisi_keuangan(
        ledger,
        _Sheet(workbook, styles, "Posisi Keuangan", (54, 18)),
        top("Laporan Posisi Keuangan", per_end),
    )
    _hasil_usaha(
        ledger,
        _Sheet(workbook, styles, "Hasil Usaha", (54, 18)),
        top("Laporan Hasil Usaha", period),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _jurnal_umum(ledger: Ledger, sheet: _Sheet, heading: list[str]) -> None:
    # heading lines, a blank row and the header stay in view
    sheet.ws.freeze_panes = f"A{len(heading) + 3}"
    sheet.heading(heading)
    sheet.header("No", "Tanggal", "Keterangan", "Akun", "Debit", "Kredit", "Catatan")
    chart = ledger.chart
    for posted in ledger.entries_between():
        if posted.kind == "pembalik":
            note = f"Jurnal pembalik atas jurnal nomor {posted.reverses}"
        elif posted.kind == "penutup":
            note = "Jurnal penutup"
        elif (later := ledger.reversed_by(posted.id)) is not None:
            note = f"Dibalik oleh jurnal nomor {later}"
        else:
            note = None
        for index, line in enumerate(posted.entry.lines):
            first = index == 0
            sheet.row(
                sheet.number(posted.id if first else None),
                sheet.day(posted.entry.date if first else None),
                sheet.text(posted.entry.description if first else None),
                sheet.text(chart.get(line.account_code).label, indent=0 if line.debit else 2),
                sheet.amount(line.debit or None),
                sheet.amount(line.credit or None),
                sheet.text(note if first else None),
            )
    debit, credit = ledger.totals()
    sheet.row(
        None,
        None,
        None,
        sheet.text("Jumlah", bold=True),
        sheet.amount(debit, bold=True),
        sheet.amount(credit, bold=True),
    )


def _buku_besar(ledger: Ledger, sheet: _Sheet, heading: list[str]) -> None:
    sheet.heading(heading)
    for account in ledger.chart:
        book = buku_besar(ledger, account.code)
        if not book.rows and not book.opening:
            continue
        sheet.row(
            sheet.text(account.label, bold=True),
            None,
            None,
            None,
            None,
            sheet.text(f"Saldo normal: {account.normal.value}"),
        )
        sheet.header("Tanggal", "No", "Keterangan", "Debit", "Kredit", "Saldo")
        sheet.row(
            sheet.day(ledger.period_start),
            None,
            sheet.text("Saldo awal"),
            None,
            None,
            sheet.amount(book.opening),
        )
        for row in book.rows:
            sheet.row(
                sheet.day(row.date),
                sheet.number(row.entry_id),
                sheet.text(row.description),
                sheet.amount(row.debit or None),
                sheet.amount(row.credit or None),
                sheet.amount(row.balance),
            )
        sheet.row(
            None,
            None,
            sheet.text("Saldo akhir", bold=True),
            None,
            None,
            sheet.amount(book.closing, bold=True),
        )
        sheet.row()


def _neraca_saldo(ledger: Ledger, sheet: _Sheet, heading: list[str]) -> None:
    tb = neraca_saldo(ledger)
    sheet.heading(heading)
    sheet.header("Kode", "Nama Akun", "Debit", "Kredit")
    for row in tb.rows:
        sheet.row(
            sheet.text(row.account.code),
            sheet.text(row.account.name),
            sheet.amount(row.debit or None),
            sheet.amount(row.credit or None),
        )
    sheet.row(
        None,
        sheet.text("Jumlah", bold=True),
        sheet.amount(tb.total_debit, bold=True),
        sheet.amount(tb.total_credit, bold=True),
    )


def _section(
    sheet: _Sheet, heading: str, lines: Sequence[StatementLine], total_label: str, total: int
) -> None:
    sheet.row(sheet.text(heading, bold=True))
    for line in lines:
        sheet.row(sheet.text(line.label, indent=1), sheet.amount(line.amount))
    sheet.row(sheet.text(total_label, bold=True), sheet.amount(total, bold=True))
    sheet.row()


def _posisi_keuangan(ledger: Ledger, sheet: _Sheet, heading: list[str]) -> None:
    report = laporan_posisi_keuangan(ledger)
    sheet.heading(heading)
    sheet.header("Keterangan", "Jumlah")
    _section(sheet, "Aset", report.aset, "Jumlah Aset", report.total_aset)
    _section(sheet, "Liabilitas", report.liabilitas, "Jumlah Liabilitas", report.total_liabilitas)
    _section(sheet, "Ekuitas", report.ekuitas, "Jumlah Ekuitas", report.total_ekuitas)
    sheet.row(
        sheet.text("Jumlah Liabilitas dan Ekuitas", bold=True),
        sheet.amount(report.total_liabilitas + report.total_ekuitas, bold=True),
    )
    if report.shu_belum_ditutup:
        shu = ledger.chart.get(ledger.chart.shu_account)
        sheet.row()
        sheet.row(
            sheet.text(
                f"{shu.label} termasuk pendapatan dan beban yang belum ditutup sebesar",
            ),
            sheet.amount(report.shu_belum_ditutup),
        )


def _hasil_usaha(ledger: Ledger, sheet: _Sheet, heading: list[str]) -> None:
    report = laporan_hasil_usaha(ledger)
    sheet.heading(heading)
    sheet.header("Keterangan", "Jumlah")
    _section(sheet, "Pendapatan", report.pendapatan, "Jumlah Pendapatan", report.total_pendapatan)
    _section(sheet, "Beban", report.beban, "Jumlah Beban", report.total_beban)
    sheet.row(
        sheet.text("SHU Sebelum Pajak", bold=True),
        sheet.amount(report.shu_sebelum_pajak, bold=True),
    )
    for line in report.pajak:
        sheet.row(sheet.text(line.label, indent=1), sheet.amount(line.amount))
    sheet.row(
        sheet.text("SHU Sesudah Pajak", bold=True),
        sheet.amount(report.shu_sesudah_pajak, bold=True),
    )


# ---------------------------------------------------------------------- across processes


def ledger_to_data(ledger: Ledger) -> dict[str, Any]:
    """Everything needed to rebuild ``ledger`` (chart, period, saldo awal, entries) as JSON data."""
    chart = ledger.chart
    return {
        "chart": {
            "accounts": [
                {
                    "code": a.code,
                    "name": a.name,
                    "type": a.type.value,
                    "normal": a.normal.value,
                    "contra_of": a.contra_of,
                    "unit": a.unit,
                    "simpanan_modal": a.simpanan_modal,
                }
                for a in chart
            ],
            "shu_account": chart.shu_account,
            "tax_accounts": list(chart.tax_accounts),
        },
        "period": [ledger.period_start.isoformat(), ledger.period_end.isoformat()],
        "opening": {a.code: ledger.opening_balance(a.code) for a in chart},
        "entries": [
            {
                "date": p.entry.date.isoformat(),
                "description": p.entry.description,
                "kind": p.kind,
                "reverses": p.reverses,
                "reason": p.reason,
                "lines": [[ln.account_code, ln.debit, ln.credit] for ln in p.entry.lines],
            }
            for p in ledger.entries
        ],
        "closed_up_to": ledger.closed_up_to.isoformat() if ledger.closed_up_to else None,
    }


def ledger_from_data(data: dict[str, Any]) -> Ledger:
    """The ledger :func:`ledger_to_data` described, posted again entry by entry."""
    chart_data = data["chart"]
    chart = Chart(
        (
            Account(
                code=row["code"],
                name=row["name"],
                type=AccountType(row["type"]),
                normal_balance=NormalBalance(row["normal"]),
                contra_of=row["contra_of"],
                unit=row["unit"],
                simpanan_modal=row["simpanan_modal"],
            )
            for row in chart_data["accounts"]
        ),
        shu_account=chart_data["shu_account"],
        tax_accounts=chart_data["tax_accounts"],
    )
    start, end = (dt.date.fromisoformat(d) for d in data["period"])
    ledger = Ledger(chart, start, end, {k: v for k, v in data["opening"].items() if v})
    for row in data["entries"]:
        day = dt.date.fromisoformat(row["date"])
        if row["kind"] == "pembalik":
            ledger.reverse(row["reverses"], day, row["reason"] or "")
        else:
            lines = tuple(Line(code, debit, credit) for code, debit, credit in row["lines"])
            ledger.post(JournalEntry(day, row["description"], lines), kind=row["kind"])
    if data.get("closed_up_to"):
        ledger.close_period(dt.date.fromisoformat(data["closed_up_to"]))
    return ledger


def main() -> int:
    """``python -m quizzes.ledger.export xlsx``: JSON ``{ledger, title, koperasi}`` on stdin,
    the workbook on stdout. Web workers use it so that openpyxl never loads in their memory."""
    if sys.argv[1:] != ["xlsx"]:
        print(
            "usage: python -m quizzes.ledger.export xlsx < ledger.json > buku.xlsx", file=sys.stderr
        )
        return 2
    request = json.load(sys.stdin)
    ledger = ledger_from_data(request["ledger"])
    sys.stdout.buffer.write(
        to_xlsx(ledger, title=request["title"], koperasi=request.get("koperasi", ""))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
