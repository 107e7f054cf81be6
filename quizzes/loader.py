"""Read and check quiz files (YAML; format in docs/content-format.md, section Quizzes).

:func:`load_quiz` returns a :class:`~quizzes.quiz.Quiz` or raises :class:`QuizError` with every
problem found, each with the file and line it is on. Checking a quiz verifies its keys with the
ledger engine: every journal key balances in its period with accounts of the chart, statement
and SHU values are computed by the engine (and any value the author wrote must equal them).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NoReturn

import yaml

from quizzes.ledger.chart import AccountType, load_default_chart
from quizzes.ledger.journal import JournalEntry, JournalError, Ledger, Line
from quizzes.ledger.reports import (
    Member,
    ShuError,
    alokasi_shu,
    laporan_hasil_usaha,
    laporan_posisi_keuangan,
    neraca_saldo,
    shu_anggota_dari_pool,
)
from quizzes.ledger.scenario import (
    ScenarioError,
    _lines,
    _Loader,
    _problem_text,
    _Reader,
    bundled_scenarios,
)
from quizzes.ledger.scenario import _opening as _scenario_opening
from quizzes.ledger.scenario import _post as _scenario_post
from quizzes.quiz import (
    NO_ENTRY,
    Choice,
    ChoiceQuestion,
    JournalQuestion,
    NumericQuestion,
    Question,
    Quiz,
    QuizSettings,
    ShuQuestion,
    StatementQuestion,
    StatementRow,
    Transaction,
    TrueFalseQuestion,
)

__all__ = ["QuizError", "QuizProblem", "load_quiz", "quiz_slug"]

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FILE = re.compile(r"(?:\d+-)?([a-z0-9]+(?:-[a-z0-9]+)*)\.yaml")
_HTML = re.compile(r"<[a-zA-Z/!][^>]*>")
KINDS = ("pilihan_tunggal", "pilihan_ganda", "benar_salah", "angka", "jurnal", "laporan", "shu")
TOTALS = {
    "neraca_saldo": {"jumlah": "Jumlah"},
    "posisi_keuangan": {
        "jumlah_aset": "Jumlah aset",
        "jumlah_liabilitas": "Jumlah liabilitas",
        "jumlah_ekuitas": "Jumlah ekuitas",
    },
    "hasil_usaha": {
        "jumlah_pendapatan": "Jumlah pendapatan",
        "jumlah_beban": "Jumlah beban",
        "shu_sebelum_pajak": "SHU sebelum pajak",
        "shu_sesudah_pajak": "SHU sesudah pajak",
    },
}
MAX_QUESTIONS = 100


@dataclass(frozen=True)
class QuizProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class QuizError(ValueError):
    def __init__(self, problems: list[QuizProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def quiz_slug(file_name: str) -> str | None:
    """``kuis/03-simpanan.yaml`` -> ``simpanan``; None for a name that is not a quiz file."""
    match = _FILE.fullmatch(file_name.rsplit("/", 1)[-1])
    return match.group(1) if match else None


# ---------------------------------------------------------------------- YAML with lines


class _Map(dict[str, Any]):
    line: int
    lines: dict[str, int]


class _Seq(list[Any]):
    line: int
    lines: list[int]


class _LineLoader(_Loader):
    pass


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, Hashable) and str(key) in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"kunci \u201c{key}\u201d ditulis dua kali", key_node.start_mark
            )
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.lines[str(key)] = key_node.start_mark.line + 1
    return result


def _sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


class _Fail(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _At(_Reader):
    """The scenario reader's typed checks, failing with the line being read."""

    def __init__(self) -> None:
        super().__init__("")
        self.line = 1

    def at(self, line: int) -> _At:
        self.line = line
        return self

    def fail(self, where: str, message: str) -> NoReturn:
        raise _Fail(self.line, f"{where}: {message}" if where else message)

    def locate(self, container: object, key: object) -> None:
        if isinstance(container, _Map):
            self.at(container.lines.get(str(key), container.line))
        elif isinstance(container, _Seq) and isinstance(key, int) and key < len(container.lines):
            self.at(container.lines[key])

    def mapping(
        self,
        value: object,
        where: str,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        # An unknown key is reported on its own line.
        if isinstance(value, _Map):
            for key in value:
                if key not in required + optional:
                    self.at(value.lines.get(key, value.line))
                    break
        return super().mapping(value, where, required=required, optional=optional)


def _line(data: object, key: str, default: int) -> int:
    if isinstance(data, _Map):
        return data.lines.get(key, data.line)
    return default


def _item_line(items: object, index: int, default: int) -> int:
    if isinstance(items, _Seq) and index < len(items.lines):
        return items.lines[index]
    return default


def _markdown(r: _At, value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        r.fail(where, "harus berupa teks yang tidak kosong.")
    if _HTML.search(value):
        r.fail(where, "HTML mentah tidak boleh dipakai; tulis dengan Markdown.")
    return value.strip()


def _optional_markdown(r: _At, data: dict[str, Any], key: str) -> str | None:
    if data.get(key) is None:
        return None
    r.at(_line(data, key, r.line))
    return _markdown(r, data[key], key)


# ---------------------------------------------------------------------- questions


_COMMON = ("id", "jenis", "teks", "bobot", "pembahasan")
_FIELDS = {
    "pilihan_tunggal": ("pilihan",),
    "pilihan_ganda": ("pilihan",),
    "benar_salah": ("jawaban",),
    "angka": ("jawaban", "toleransi"),
    "jurnal": ("toleransi", "periode", "transaksi"),
    "laporan": ("laporan", "toleransi", "buku", "baris"),
    "shu": ("toleransi", "shu", "persen", "jasa_modal", "jasa_usaha", "tanya"),
}
_OPTIONAL = {"jurnal": ("saldo_awal",), "shu": ("anggota",)}


def _question(r: _At, raw: object, line: int) -> Question:
    r.at(line)
    if not isinstance(raw, dict):
        r.fail("", "setiap soal harus berupa pasangan kunci: nilai (id, jenis, teks, …).")
    kind = raw.get("jenis")
    if kind not in KINDS:
        r.at(_line(raw, "jenis", line))
        r.fail("jenis", f"harus salah satu dari: {', '.join(KINDS)}; bukan {kind!r}.")
    data = r.mapping(
        raw,
        "",
        required=("id", "jenis", "teks", *_FIELDS[kind]),
        optional=("bobot", "pembahasan", *_OPTIONAL.get(kind, ())),
    )
    r.at(_line(raw, "id", line))
    qid = str(data["id"])
    if not _ID.fullmatch(qid):
        r.fail("id", f"\u201c{qid}\u201d: pakai huruf kecil, angka dan tanda - saja.")
    r.at(_line(raw, "teks", line))
    text = _markdown(r, data["teks"], "teks")
    explanation = _optional_markdown(r, raw, "pembahasan")
    weight = 1
    if "bobot" in data:
        r.at(_line(raw, "bobot", line))
        weight = data["bobot"]
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            r.fail("bobot", "harus bilangan bulat 1 sampai 100.")
    common: dict[str, Any] = {
        "id": qid,
        "text": text,
        "weight": weight,
        "explanation": explanation,
        "line": line,
    }
    if kind in ("pilihan_tunggal", "pilihan_ganda"):
        return _choices(r, raw, kind, common)
    if kind == "benar_salah":
        r.at(_line(raw, "jawaban", line))
        value = data["jawaban"]
        if isinstance(value, bool):
            answer = value
        elif str(value).strip().lower() in ("benar", "salah"):
            answer = str(value).strip().lower() == "benar"
        else:
            r.fail("jawaban", "tulis benar atau salah.")
        return TrueFalseQuestion(**common, answer=answer)
    if kind == "angka":
        r.at(_line(raw, "jawaban", line))
        answer_amount = r.amount(data["jawaban"], "jawaban")
        return NumericQuestion(**common, answer=answer_amount, tolerance=_tolerance(r, raw))
    if kind == "jurnal":
        if "bobot" not in data:
            common["weight"] = len(data["transaksi"]) if isinstance(data["transaksi"], list) else 1
        return _journal(r, raw, common)
    if kind == "laporan":
        return _statement(r, raw, common)
    return _shu(r, raw, common)


def _tolerance(r: _At, raw: dict[str, Any]) -> int:
    r.at(_line(raw, "toleransi", r.line))
    return r.amount(raw["toleransi"], "toleransi")


def _choices(r: _At, raw: dict[str, Any], kind: str, common: dict[str, Any]) -> Question:
    items = raw["pilihan"]
    r.at(_line(raw, "pilihan", r.line))
    r.items(items, "pilihan")
    if not 2 <= len(items) <= 8:
        r.fail("pilihan", "berikan 2 sampai 8 pilihan.")
    choices = []
    for index, item in enumerate(items):
        cid = "abcdefgh"[index]
        r.at(_item_line(items, index, r.line))
        data = r.mapping(
            item, f"pilihan {cid}", required=("teks",), optional=("benar", "umpan_balik")
        )
        correct = data.get("benar", False)
        if not isinstance(correct, bool):
            r.fail(f"pilihan {cid}", "benar harus true atau false.")
        choices.append(
            Choice(
                cid,
                _markdown(r, data["teks"], f"pilihan {cid}"),
                correct,
                _optional_markdown(r, item, "umpan_balik"),
            )
        )
    right = sum(c.correct for c in choices)
    r.at(_line(raw, "pilihan", r.line))
    if kind == "pilihan_tunggal" and right != 1:
        r.fail("pilihan", f"pilihan_tunggal harus punya tepat satu pilihan benar, bukan {right}.")
    if kind == "pilihan_ganda" and right < 1:
        r.fail("pilihan", "pilihan_ganda harus punya sedikitnya satu pilihan benar.")
    texts = [c.text for c in choices]
    if len(set(texts)) != len(texts):
        r.fail("pilihan", "ada dua pilihan dengan teks yang sama.")
    return ChoiceQuestion(**common, choices=tuple(choices), multiple=kind == "pilihan_ganda")


def _period(r: _At, raw: dict[str, Any], key: str = "periode") -> tuple[Any, Any]:
    r.at(_line(raw, key, r.line))
    period = r.mapping(raw[key], key, required=("mulai", "sampai"))
    start = r.date(period["mulai"], f"{key}.mulai")
    end = r.date(period["sampai"], f"{key}.sampai")
    if end < start:
        r.fail(key, "akhir periode tidak boleh sebelum awal.")
    return start, end


def _opening(r: _At, raw: dict[str, Any], chart: Any) -> dict[str, int]:
    r.at(_line(raw, "saldo_awal", r.line))
    return _scenario_opening(r, raw.get("saldo_awal"), chart)


def _post(r: _At, ledger: Ledger, entry: JournalEntry, where: str, line: int) -> None:
    _scenario_post(r.at(line), ledger, entry, where)


def _new_ledger(r: _At, chart: Any, start: Any, end: Any, opening: dict[str, int]) -> Ledger:
    try:
        return Ledger(chart, start, end, opening)
    except JournalError as error:
        r.fail("saldo_awal", " ".join(_problem_text(p) for p in error.problems))


def _journal(r: _At, raw: dict[str, Any], common: dict[str, Any]) -> Question:
    chart = load_default_chart()
    tolerance = _tolerance(r, raw)
    start, end = _period(r, raw)
    opening = _opening(r, raw, chart)
    ledger = _new_ledger(r, chart, start, end, opening)
    items = raw["transaksi"]
    r.at(_line(raw, "transaksi", r.line))
    r.items(items, "transaksi")
    if len(items) > 10:
        r.fail("transaksi", "paling banyak 10 transaksi dalam satu soal.")
    transactions = []
    previous = None
    for index, item in enumerate(items):
        number = index + 1
        item_line = _item_line(items, index, r.line)
        r.at(item_line)
        where = f"transaksi {number}"
        data = r.mapping(
            item, where, required=("tanggal", "teks", "jawaban"), optional=("pembahasan",)
        )
        r.at(_line(item, "tanggal", item_line))
        day = r.date(data["tanggal"], f"{where}, tanggal")
        if previous and day < previous:
            r.fail(f"{where}, tanggal", "tanggal transaksi tidak boleh mundur.")
        previous = day
        r.at(_line(item, "teks", item_line))
        text = _markdown(r, data["teks"], f"{where}, teks")
        answer = data["jawaban"]
        r.at(_line(item, "jawaban", item_line))
        if answer == NO_ENTRY:
            key: tuple[Line, ...] = ()
            if not start <= day <= end:
                r.at(_line(item, "tanggal", item_line))
                r.fail(f"{where}, tanggal", "tanggal di luar periode soal.")
        else:
            if isinstance(answer, str):
                r.fail(f"{where}, jawaban", f"tulis daftar baris jurnal atau {NO_ENTRY}.")
            key = _lines(r, answer, f"{where}, jawaban", chart)
            _post(
                r,
                ledger,
                JournalEntry(day, f"Transaksi {number}", key),
                f"{where}, jawaban",
                _line(item, "jawaban", item_line),
            )
        transactions.append(
            Transaction(
                number, day, text, key, _optional_markdown(r, item, "pembahasan"), item_line
            )
        )
    return JournalQuestion(
        **common,
        chart=chart,
        period_start=start,
        period_end=end,
        opening=opening,
        transactions=tuple(transactions),
        tolerance=tolerance,
    )


def _book(r: _At, raw: dict[str, Any]) -> tuple[Ledger, str | None]:
    value = raw["buku"]
    r.at(_line(raw, "buku", r.line))
    if isinstance(value, dict) and "skenario" in value:
        data = r.mapping(value, "buku", required=("skenario",))
        slug = str(data["skenario"])
        scenarios = bundled_scenarios()
        if slug not in scenarios:
            r.fail("buku", f"skenario {slug!r} tidak ada; pilih dari: {', '.join(scenarios)}.")
        return scenarios[slug].answer_ledger(), slug
    data = r.mapping(value, "buku", required=("periode", "transaksi"), optional=("saldo_awal",))
    chart = load_default_chart()
    start, end = _period(r, value)
    ledger = _new_ledger(r, chart, start, end, _opening(r, value, chart))
    items = data["transaksi"]
    r.at(_line(value, "transaksi", r.line))
    for index, item in enumerate(r.items(items, "buku, transaksi")):
        item_line = _item_line(items, index, r.line)
        r.at(item_line)
        where = f"buku, transaksi {index + 1}"
        entry = r.mapping(item, where, required=("tanggal", "keterangan", "baris"))
        day = r.date(entry["tanggal"], f"{where}, tanggal")
        description = r.text(entry["keterangan"], f"{where}, keterangan")
        lines = _lines(r, entry["baris"], where, chart)
        _post(r, ledger, JournalEntry(day, description, lines), where, item_line)
    return ledger, None


def _expected_rows(statement: str, ledger: Ledger) -> dict[str, tuple[str, Any]]:
    """Every line the statement can ask: key -> (label, value or (debit, kredit))."""
    rows: dict[str, tuple[str, Any]] = {}
    if statement == "neraca_saldo":
        trial = neraca_saldo(ledger, include_zero=True)
        for row in trial.rows:
            rows[row.account.code] = (row.account.label, (row.debit, row.credit))
        rows["jumlah"] = ("Jumlah", (trial.total_debit, trial.total_credit))
    elif statement == "posisi_keuangan":
        report = laporan_posisi_keuangan(ledger, include_zero=True)
        for group in (report.aset, report.liabilitas, report.ekuitas):
            for line in group:
                assert line.account is not None
                rows[line.account.code] = (line.label, abs(line.amount))
        rows["jumlah_aset"] = ("Jumlah aset", report.total_aset)
        rows["jumlah_liabilitas"] = ("Jumlah liabilitas", report.total_liabilitas)
        rows["jumlah_ekuitas"] = ("Jumlah ekuitas", report.total_ekuitas)
    else:
        result = laporan_hasil_usaha(ledger)
        for line in (*result.pendapatan, *result.beban, *result.pajak):
            assert line.account is not None
            rows[line.account.code] = (line.label, line.amount)
        for account in ledger.chart:
            if account.type in (AccountType.PENDAPATAN, AccountType.BEBAN):
                rows.setdefault(account.code, (account.label, 0))
        rows["jumlah_pendapatan"] = ("Jumlah pendapatan", result.total_pendapatan)
        rows["jumlah_beban"] = ("Jumlah beban", result.total_beban)
        rows["shu_sebelum_pajak"] = ("SHU sebelum pajak", result.shu_sebelum_pajak)
        rows["shu_sesudah_pajak"] = ("SHU sesudah pajak", result.shu_sesudah_pajak)
    return rows


def _statement(r: _At, raw: dict[str, Any], common: dict[str, Any]) -> Question:
    r.at(_line(raw, "laporan", r.line))
    statement = raw["laporan"]
    if statement not in TOTALS:
        r.fail("laporan", f"harus salah satu dari: {', '.join(TOTALS)}.")
    tolerance = _tolerance(r, raw)
    ledger, scenario = _book(r, raw)
    available = _expected_rows(statement, ledger)
    items = raw["baris"]
    r.at(_line(raw, "baris", r.line))
    r.items(items, "baris")
    rows: list[StatementRow] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        item_line = _item_line(items, index, r.line)
        r.at(item_line)
        written = None
        if isinstance(item, dict):
            data = r.mapping(item, "baris", required=("baris",), optional=("nilai",))
            name, written = str(data["baris"]), data.get("nilai")
        else:
            name = str(item)
        if name in seen:
            r.fail("baris", f"{name} disebut dua kali.")
        seen.add(name)
        if name not in available:
            if name in ledger.chart:
                label = ledger.chart.get(name).label
                r.fail("baris", f"{label} tidak muncul di {statement.replace('_', ' ')} ini.")
            totals = ", ".join(TOTALS[statement])
            r.fail("baris", f"{name!r} bukan kode akun atau jumlah ({totals}) laporan ini.")
        label, value = available[name]
        contra = name in ledger.chart and ledger.chart.get(name).is_contra
        if statement == "neraca_saldo":
            row = StatementRow(name, label, debit=value[0], credit=value[1], line=item_line)
        else:
            row = StatementRow(name, label, amount=value, contra=contra, line=item_line)
        if written is not None:
            _check_written(r, row, written)
        rows.append(row)
    return StatementQuestion(
        **common,
        statement=statement,
        rows=tuple(rows),
        tolerance=tolerance,
        ledger=ledger,
        scenario=scenario,
    )


def _check_written(r: _At, row: StatementRow, written: object) -> None:
    from quizzes.ledger.money import format_rupiah

    if row.two_sided:
        data = r.mapping(written, "nilai", required=(), optional=("debit", "kredit"))
        for side, expected in (("debit", row.debit), ("kredit", row.credit)):
            value = r.amount(data.get(side, 0), f"nilai {side}")
            if value != expected:
                r.fail(
                    "nilai",
                    f"{row.label} {side}: ditulis {format_rupiah(value)}, tetapi menurut buku "
                    f"{format_rupiah(expected or 0)}.",
                )
        return
    value = r.amount(written, "nilai")
    if value != row.amount:
        r.fail(
            "nilai",
            f"{row.label}: ditulis {format_rupiah(value)}, tetapi menurut buku "
            f"{format_rupiah(row.amount or 0)}.",
        )


def _shu(r: _At, raw: dict[str, Any], common: dict[str, Any]) -> Question:
    from quizzes.ledger.money import format_rupiah

    tolerance = _tolerance(r, raw)
    r.at(_line(raw, "shu", r.line))
    shu = r.amount(raw["shu"], "shu")
    percents = raw["persen"]
    r.at(_line(raw, "persen", r.line))
    if not isinstance(percents, dict) or not percents:
        r.fail("persen", "harus berupa pasangan pos: persen.")
    percent: dict[str, Fraction] = {}
    written: dict[str, object] = {}
    for item, value in percents.items():
        r.at(_line(percents, item, r.line))
        if isinstance(value, dict):
            data = r.mapping(value, f"persen {item}", required=("persen",), optional=("nilai",))
            percent[item] = r.percent(data["persen"], f"persen {item}")
            if "nilai" in data:
                written[item] = data["nilai"]
        else:
            percent[item] = r.percent(value, f"persen {item}")
    r.at(_line(raw, "persen", r.line))
    if sum(percent.values()) != 100:
        total = float(sum(percent.values()))
        r.fail("persen", f"jumlah persentase harus 100, bukan {total:g}.")
    for key in ("jasa_modal", "jasa_usaha"):
        r.at(_line(raw, key, r.line))
        if raw[key] not in percent:
            r.fail(key, f"{raw[key]!r} bukan salah satu pos di persen.")
    r.at(_line(raw, "tanya", r.line))
    ask = raw["tanya"]
    ask = [ask] if isinstance(ask, str) else ask
    if not isinstance(ask, list) or not ask or not set(ask) <= {"alokasi", "anggota"}:
        r.fail("tanya", "tulis [alokasi], [anggota] atau [alokasi, anggota].")
    members: list[Member] = []
    if "anggota" in raw:
        rows = raw["anggota"]
        r.at(_line(raw, "anggota", r.line))
        for index, row in enumerate(r.items(rows, "anggota")):
            r.at(_item_line(rows, index, r.line))
            data = r.mapping(row, "anggota", required=("nomor", "nama", "simpanan", "transaksi"))
            number = r.code(data["nomor"], "anggota, nomor")
            if any(m.member_id == number for m in members):
                r.fail("anggota", f"nomor anggota {number} dipakai dua kali.")
            members.append(
                Member(
                    number,
                    r.text(data["nama"], "anggota, nama"),
                    r.amount(data["simpanan"], "anggota, simpanan"),
                    r.amount(data["transaksi"], "anggota, transaksi"),
                )
            )
    if "anggota" in ask and not members:
        r.at(_line(raw, "tanya", r.line))
        r.fail("tanya", "tanya anggota memerlukan daftar anggota.")
    try:
        allocation = alokasi_shu(shu, percent)
        shares = (
            shu_anggota_dari_pool(
                members, allocation[raw["jasa_modal"]], allocation[raw["jasa_usaha"]]
            )
            if members
            else None
        )
    except ShuError as error:
        r.at(_line(raw, "shu", r.line))
        r.fail("shu", str(error))
    for item, value in written.items():
        r.at(_line(percents, item, r.line))
        amount = r.amount(value, f"persen {item}, nilai")
        if amount != allocation[item]:
            r.fail(
                f"persen {item}, nilai",
                f"ditulis {format_rupiah(amount)}, tetapi menurut pembagian "
                f"{format_rupiah(allocation[item])}.",
            )
    return ShuQuestion(
        **common,
        shu=shu,
        percent=percent,
        jasa_modal=raw["jasa_modal"],
        jasa_usaha=raw["jasa_usaha"],
        members=tuple(members),
        ask_allocation="alokasi" in ask,
        ask_members="anggota" in ask,
        allocation=allocation,
        member_shares={
            s.member.member_id: (s.jasa_modal, s.jasa_usaha)
            for s in (shares.shares if shares else ())
        },
        tolerance=tolerance,
    )


# ---------------------------------------------------------------------- quiz


def _settings(r: _At, raw: object) -> QuizSettings:
    if raw is None:
        return QuizSettings()
    data = r.mapping(
        raw,
        "pengaturan",
        required=(),
        optional=("batas_waktu", "percobaan", "penilaian", "acak", "tinjauan", "lulus"),
    )

    def whole(key: str, low: int, high: int, default: int) -> int:
        value = data.get(key, default)
        r.at(_line(raw, key, r.line))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            r.fail(f"pengaturan.{key}", f"harus bilangan bulat {low} sampai {high}.")
        return value

    def choice(key: str, options: tuple[str, ...], default: str) -> Any:
        value = data.get(key, default)
        if value not in options:
            r.at(_line(raw, key, r.line))
            r.fail(f"pengaturan.{key}", f"harus salah satu dari: {', '.join(options)}.")
        return value

    shuffle = data.get("acak", True)
    if isinstance(shuffle, str) and shuffle in ("ya", "tidak"):
        shuffle = shuffle == "ya"
    if not isinstance(shuffle, bool):
        r.at(_line(raw, "acak", r.line))
        r.fail("pengaturan.acak", "tulis ya atau tidak.")
    return QuizSettings(
        time_limit=whole("batas_waktu", 0, 600, 0),
        attempts=whole("percobaan", 1, 20, 1),
        grading=choice("penilaian", ("tertinggi", "terakhir"), "tertinggi"),
        shuffle=shuffle,
        review=choice("tinjauan", ("segera", "setelah_tutup"), "segera"),
        pass_percent=whole("lulus", 0, 100, 70),
    )


def load_quiz(text: str | bytes, file: str = "kuis.yaml") -> Quiz:
    """Parse and check one quiz file; QuizError lists every problem with its line."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise QuizError([QuizProblem(file, 1, "Berkas harus teks UTF-8.")]) from None
    slug = quiz_slug(file)
    problems: list[QuizProblem] = []
    if slug is None:
        problems.append(
            QuizProblem(
                file, 1, "Nama berkas kuis: huruf kecil, angka dan tanda -, diakhiri .yaml."
            )
        )
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise QuizError(
            [QuizProblem(file, line, f"YAML tidak dapat dibaca: {error.problem}.")]
        ) from None
    except yaml.YAMLError as error:
        raise QuizError([QuizProblem(file, 1, f"YAML tidak dapat dibaca: {error}.")]) from None
    r = _At()
    try:
        data = r.mapping(
            raw,
            "",
            required=("judul", "soal"),
            optional=("ringkasan", "modul", "pengaturan"),
        )
        r.at(_line(raw, "judul", 1))
        title = r.text(data["judul"], "judul")
        summary = r.text(data["ringkasan"], "ringkasan") if data.get("ringkasan") else ""
        module = None
        if data.get("modul") is not None:
            r.at(_line(raw, "modul", 1))
            module = str(data["modul"])
            if not _ID.fullmatch(module):
                r.fail("modul", "tulis slug modul, misalnya simpanan-pinjaman.")
        settings = _settings(r.at(_line(raw, "pengaturan", 1)), data.get("pengaturan"))
        items = data["soal"]
        r.at(_line(raw, "soal", 1))
        r.items(items, "soal")
        if len(items) > MAX_QUESTIONS:
            r.fail("soal", f"paling banyak {MAX_QUESTIONS} soal.")
    except _Fail as fail:
        raise QuizError([*problems, QuizProblem(file, fail.line, fail.message)]) from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        line = _item_line(items, index, 1)
        try:
            question = _question(r, item, line)
        except _Fail as fail:
            problems.append(QuizProblem(file, fail.line, f"soal {index + 1}: {fail.message}"))
            continue
        except ScenarioError as error:  # pragma: no cover - a bundled scenario is broken
            problems.append(QuizProblem(file, line, f"soal {index + 1}: {error}"))
            continue
        if question.id in seen:
            problems.append(
                QuizProblem(
                    file,
                    line,
                    f"soal {index + 1}: id {question.id} sudah dipakai di baris "
                    f"{seen[question.id]}.",
                )
            )
        seen[question.id] = line
        questions.append(question)
    if problems:
        raise QuizError(sorted(problems, key=lambda p: p.line))
    assert slug is not None
    return Quiz(slug, title, summary, module, settings, tuple(questions), file)


def read_answers(text: str | bytes, file: str = "jawaban.yaml") -> dict[str, object]:
    """An answers file (YAML or JSON): question id -> answer; QuizError when unreadable."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise QuizError([QuizProblem(file, 1, f"YAML tidak dapat dibaca: {error}.")]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise QuizError([QuizProblem(file, 1, "Berkas jawaban harus berupa id soal: jawaban.")])
    return {str(k): _plain(v) for k, v in data.items()}


def _plain(value: object) -> object:
    """YAML reads transaction numbers as integers and amounts as numbers: make keys text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
