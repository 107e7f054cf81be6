"""Practice scenarios (skenario latihan) for the ledger engine, written by hand in YAML.

A scenario is a short story of a koperasi: the books as they stand when the participant opens
the sandbox (saldo awal and entries already posted), the transactions the participant must
journalise (tasks, each with a model answer), and the balances that must hold afterwards
(assertions). :func:`load_scenario` checks everything, including the key guarantee that the
model answers satisfy every assertion, and raises :class:`ScenarioError` with an Indonesian
message that names the file and the item.

The bundled scenarios live in ``quizzes/ledger/scenarios/*.yaml``; the file name is the slug.

YAML format (every key below is known; any other key is an error)::

    order: 1                               # place in the list (small first); optional
    judul: Bulan pertama gerai sembako
    ringkasan: Satu sampai tiga kalimat untuk daftar skenario.
    koperasi: Koperasi Ranca Lestari
    periode: {mulai: 2025-12-01, sampai: 2025-12-31}
    pengantar: |
      Paragraf pertama cerita.

      Paragraf kedua (paragraf dipisah baris kosong).
    chart:                                 # optional: changes to the default chart
      simpanan_as: ekuitas                 # or liabilitas
      tambah:                              # new accounts, or replacements of the same code
        - {code: "1-105", name: "Kas Kecil", type: aset, normal: debit, unit: kantor}
      hapus: ["1-212"]                     # codes to remove
    saldo_awal:                            # optional; positive on each account's normal side
      "1-104": Rp36.000.000
      "3-101": Rp36.000.000
    sudah_dicatat:                         # optional: entries already in the books
      - tanggal: 2025-12-01
        keterangan: Modal kerja kas gerai
        baris:
          - {akun: "1-102", debit: Rp3.000.000}
          - {akun: "1-104", kredit: Rp3.000.000}
    tugas:                                 # at least one; dates in the period, non-decreasing
      - tanggal: 2025-12-24
        soal: Gerai membeli token listrik Rp450.000 dari kas gerai.
        petunjuk: Listrik habis dipakai bulan ini, jadi beban.   # optional
        jenis: umum                        # optional: umum (default) or penutup
        keterangan: Beli token listrik gerai                     # description of the answer
        jawaban:
          - {akun: "5-103", debit: Rp450.000}
          - {akun: "1-102", kredit: Rp450.000}
    periksa:                               # at least one assertion
      - {akun: "1-102", per: 2025-12-31, saldo: Rp2.550.000}
    anggota:                               # SHU scenarios only, together with shu
      - {nomor: RL-0001, nama: Pak Slamet, simpanan: Rp160.000, transaksi: Rp3.000.000}
    shu:
      persen: {Dana cadangan: 30, Jasa modal anggota: 20, Jasa usaha anggota: 25, ...}
      jasa_modal: Jasa modal anggota       # which item of persen is the jasa modal pool
      jasa_usaha: Jasa usaha anggota       # which item is the jasa usaha pool

Amounts are rupiah text read by :func:`~quizzes.ledger.money.parse_rupiah` (``Rp1.250.000``,
``1.250.000``) or plain whole numbers (``1250000``). An unquoted ``150.000`` is read by YAML
as the decimal number 150.0, so it is refused with a hint to write ``Rp150.000``. Dates are
ISO (``2025-12-31``). Percentages are whole numbers or decimal text (``"12,5"``).

SHU: ``Scenario.shu_persen`` holds the AD/ART percentages (exact :class:`~fractions.Fraction`,
``Fraction(30)`` is 30%, summing to exactly 100). ``jasa_modal_key`` and ``jasa_usaha_key`` name
the items of ``shu_persen`` that are the jasa modal and jasa usaha pools, and
``persen_jasa_modal`` / ``persen_jasa_usaha`` are those items' percentages (the same numbers,
for :func:`~quizzes.ledger.reports.shu_anggota`). :meth:`Scenario.pembagian_shu` shares the
pools exactly as :func:`~quizzes.ledger.reports.alokasi_shu` allocates them.

Tasks of ``jenis: penutup`` are closing entries: :meth:`Scenario.answer_ledger` posts them with
``kind="penutup"``, so that :func:`~quizzes.ledger.reports.laporan_hasil_usaha` still shows the
year's pendapatan and beban after tutup buku.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from types import MappingProxyType
from typing import Any, NoReturn

import yaml

from quizzes.ledger.chart import (
    Account,
    AccountType,
    Chart,
    ChartError,
    NormalBalance,
    load_default_chart,
)
from quizzes.ledger.journal import (
    EntryKind,
    JournalEntry,
    JournalError,
    Ledger,
    Line,
    Problem,
    format_tanggal,
)
from quizzes.ledger.money import AmountError, format_rupiah, parse_rupiah
from quizzes.ledger.reports import (
    Assertion,
    Member,
    ShuAnggota,
    ShuError,
    alokasi_shu,
    laporan_hasil_usaha,
    periksa_saldo,
    shu_anggota_dari_pool,
)

__all__ = [
    "Scenario",
    "ScenarioError",
    "Task",
    "bundled_scenarios",
    "get_scenario",
    "load_scenario",
]


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the item."""


@dataclass(frozen=True, slots=True)
class Task:
    """One transaction the participant journalises; ``answer`` is the model entry."""

    number: int  # 1-based
    date: dt.date
    text: str  # the transaction told in words
    answer: JournalEntry  # dated ``date``
    hint: str = ""
    kind: EntryKind = "umum"  # "penutup" for a closing entry (posted as such in the answer)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One checked scenario; immutable and shared, so ledgers are built fresh on each call.

    SHU scenarios (``members`` not empty) carry ``shu_persen`` with the AD/ART percentages as
    exact numbers (``Fraction(30)`` is 30%), ``jasa_modal_key``/``jasa_usaha_key`` naming the
    items of ``shu_persen`` that are the JMA and JUA pools, and ``persen_jasa_modal`` /
    ``persen_jasa_usaha``, the percentages of those two items.
    """

    slug: str
    title: str
    summary: str
    intro: str  # paragraphs separated by a blank line
    koperasi: str
    period_start: dt.date
    period_end: dt.date
    chart: Chart
    opening: Mapping[str, int]
    given: tuple[JournalEntry, ...]
    tasks: tuple[Task, ...]
    assertions: tuple[Assertion, ...]
    members: tuple[Member, ...] = ()
    shu_persen: Mapping[str, Fraction] | None = None  # item -> percent (30 is 30%), sum 100
    persen_jasa_modal: Fraction | None = None  # == shu_persen[jasa_modal_key]
    persen_jasa_usaha: Fraction | None = None  # == shu_persen[jasa_usaha_key]
    jasa_modal_key: str | None = None  # item of shu_persen that is the jasa modal pool
    jasa_usaha_key: str | None = None  # item of shu_persen that is the jasa usaha pool

    def new_ledger(self) -> Ledger:
        """A fresh ledger: saldo awal, then every ``given`` entry in order."""
        ledger = Ledger(self.chart, self.period_start, self.period_end, self.opening)
        for entry in self.given:
            ledger.post(entry)
        return ledger

    def answer_ledger(self) -> Ledger:
        """:meth:`new_ledger` with every task's model answer posted (closing ones as such)."""
        ledger = self.new_ledger()
        for task in self.tasks:
            ledger.post(task.answer, kind=task.kind)
        return ledger

    def pembagian_shu(self, shu: int) -> tuple[dict[str, int], ShuAnggota]:
        """SHU split by ``shu_persen``, and each member's JMA/JUA from those very pools.

        Raises :class:`~quizzes.ledger.reports.ShuError` for a negative SHU (a loss is not
        shared) and :class:`ValueError` when the scenario has no SHU section.
        """
        if self.shu_persen is None or self.jasa_modal_key is None or self.jasa_usaha_key is None:
            raise ValueError(f"Skenario {self.slug} tidak memuat pembagian SHU.")
        allocation = alokasi_shu(shu, self.shu_persen)
        shares = shu_anggota_dari_pool(
            self.members, allocation[self.jasa_modal_key], allocation[self.jasa_usaha_key]
        )
        return allocation, shares


# ---------------------------------------------------------------------- YAML reading


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys and leaves dates as text (checked later)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Hashable, Any]:
    loader.flatten_mapping(node)
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, Hashable) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"kunci \u201c{key}\u201d ditulis dua kali", key_node.start_mark
            )
        if isinstance(key, Hashable):
            seen.add(key)
    return loader.construct_mapping(node)


def _construct_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


class _Reader:
    """Typed access to the parsed YAML; every failure is a :class:`ScenarioError`."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> NoReturn:
        prefix = f"{self.source}: {where}: " if where else f"{self.source}: "
        raise ScenarioError(prefix + message)

    def locate(self, container: object, key: object) -> None:
        """About to read ``container[key]``: a reader that knows lines (quiz files) notes it."""

    def mapping(
        self,
        value: object,
        where: str,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "harus berupa pasangan kunci: nilai.")
        allowed = required + optional
        for key in value:
            if key not in allowed:
                self.fail(
                    where,
                    f"kunci \u201c{key}\u201d tidak dikenal; yang boleh dipakai: "
                    f"{', '.join(allowed)}.",
                )
        for key in required:
            if key not in value or value[key] is None:
                self.fail(where, f"\u201c{key}\u201d belum diisi.")
        return {str(k): v for k, v in value.items()}

    def items(self, value: object, where: str, *, allow_empty: bool = False) -> list[Any]:
        if value is None and allow_empty:
            return []
        if not isinstance(value, list):
            self.fail(where, "harus berupa daftar (setiap butir diawali tanda -).")
        if not value and not allow_empty:
            self.fail(where, "daftar masih kosong.")
        return value

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "harus berupa teks yang tidak kosong.")
        return " ".join(value.split())

    def paragraphs(self, value: object, where: str) -> str:
        self.text(value, where)
        assert isinstance(value, str)
        parts = (" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", value.strip()))
        return "\n\n".join(p for p in parts if p)

    def date(self, value: object, where: str) -> dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, str | dt.date):
            self.fail(
                where, f"tanggal harus ditulis TTTT-BB-HH, misalnya 2025-12-31, bukan {value!r}."
            )
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            self.fail(
                where,
                f"tanggal \u201c{value}\u201d tidak valid; tulis TTTT-BB-HH, misalnya 2025-12-31.",
            )

    def amount(self, value: object, where: str) -> int:
        if isinstance(value, bool):
            self.fail(where, f"jumlah harus angka rupiah, bukan {value!r}.")
        if isinstance(value, int):
            if value < 0:
                self.fail(where, "jumlah tidak boleh negatif.")
            return value
        if isinstance(value, float):
            self.fail(
                where,
                f"YAML membaca jumlah ini sebagai angka desimal {value!r}. Tulis dengan awalan "
                'Rp atau dalam tanda kutip, misalnya Rp150.000 atau "150.000".',
            )
        if not isinstance(value, str):
            self.fail(where, f"jumlah harus angka rupiah, bukan {value!r}.")
        try:
            return parse_rupiah(value)
        except AmountError as error:
            self.fail(where, f"jumlah \u201c{value}\u201d tidak dapat dibaca. {error}")

    def percent(self, value: object, where: str) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(where, f"persentase harus angka, bukan {value!r}.")
        text = str(value).strip().removesuffix("%").strip().replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.fail(where, f"persentase \u201c{value}\u201d bukan angka, misalnya 25 atau 12,5.")
        if not number.is_finite() or number < 0:
            self.fail(where, f"persentase \u201c{value}\u201d harus angka tidak negatif.")
        return Fraction(number)

    def code(self, value: object, where: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            self.fail(where, "kode akun belum diisi.")
        return str(value).strip()


def _lower_first(message: str) -> str:
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        return message[0].lower() + message[1:]
    return message


def _problem_text(problem: Problem) -> str:
    return _lower_first(re.sub(r"^Baris \d+: ", "", problem.message))


# ---------------------------------------------------------------------- the parts


def _chart(reader: _Reader, value: object) -> Chart:
    chart = load_default_chart()
    if value is None:
        return chart
    data = reader.mapping(value, "chart", required=(), optional=("simpanan_as", "tambah", "hapus"))
    added: list[Account] = []
    for i, row in enumerate(reader.items(data.get("tambah"), "chart.tambah", allow_empty=True), 1):
        added.append(_account(reader, row, f"chart.tambah {i}"))
    removed = [
        reader.code(code, f"chart.hapus {i}")
        for i, code in enumerate(
            reader.items(data.get("hapus"), "chart.hapus", allow_empty=True), 1
        )
    ]
    simpanan_as = data.get("simpanan_as", "ekuitas")
    if simpanan_as not in ("ekuitas", "liabilitas"):
        reader.fail(
            "chart.simpanan_as",
            f"\u201c{simpanan_as}\u201d tidak dikenal; pilih ekuitas atau liabilitas.",
        )
    try:
        return chart.with_overrides(added, removed).with_simpanan_as(simpanan_as)
    except ChartError as error:
        reader.fail("chart", _lower_first(str(error)))


def _account(reader: _Reader, row: object, where: str) -> Account:
    data = reader.mapping(
        row,
        where,
        required=("code", "name", "type"),
        optional=("normal", "contra_of", "unit", "simpanan_modal"),
    )
    types = [t.value for t in AccountType]
    if data["type"] not in types:
        reader.fail(
            where, f"type \u201c{data['type']}\u201d tidak dikenal; pilih {', '.join(types)}."
        )
    normal = data.get("normal")
    if normal is not None and normal not in ("debit", "kredit"):
        reader.fail(where, f"normal \u201c{normal}\u201d tidak dikenal; pilih debit atau kredit.")
    simpanan_modal = data.get("simpanan_modal", False)
    if not isinstance(simpanan_modal, bool):
        reader.fail(where, "simpanan_modal harus true atau false.")
    contra = data.get("contra_of")
    try:
        return Account(
            code=reader.code(data["code"], where),
            name=reader.text(data["name"], f"{where}, name"),
            type=AccountType(data["type"]),
            normal_balance=NormalBalance(normal) if normal is not None else None,
            contra_of=reader.code(contra, f"{where}, contra_of") if contra is not None else None,
            unit=reader.text(data.get("unit", "umum"), f"{where}, unit"),
            simpanan_modal=simpanan_modal,
        )
    except ChartError as error:
        reader.fail(where, _lower_first(str(error)))


def _opening(reader: _Reader, value: object, chart: Chart) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.fail("saldo_awal", "harus berupa pasangan kode akun: jumlah.")
    opening: dict[str, int] = {}
    for key, amount in value.items():
        reader.locate(value, key)
        code = reader.code(key, "saldo_awal")
        where = f"saldo_awal, akun {code}"
        if code not in chart:
            reader.fail(where, f"kode akun {code} tidak ada di bagan akun.")
        opening[code] = reader.amount(amount, where)
    return opening


def _lines(reader: _Reader, value: object, where: str, chart: Chart) -> tuple[Line, ...]:
    lines: list[Line] = []
    for i, row in enumerate(reader.items(value, where), 1):
        reader.locate(value, i - 1)
        here = f"{where}, baris {i}"
        data = reader.mapping(row, here, required=("akun",), optional=("debit", "kredit"))
        code = reader.code(data["akun"], here)
        if code not in chart:
            reader.fail(here, f"kode akun {code} tidak ada di bagan akun.")
        has_debit = data.get("debit") is not None
        has_credit = data.get("kredit") is not None
        if has_debit == has_credit:
            reader.fail(
                here,
                "isi debit atau kredit, tidak keduanya."
                if has_debit
                else "isi jumlah di debit atau di kredit.",
            )
        debit = reader.amount(data["debit"], here) if has_debit else 0
        credit = reader.amount(data["kredit"], here) if has_credit else 0
        if debit == credit == 0:
            reader.fail(here, "jumlah harus lebih dari nol.")
        lines.append(Line(code, debit, credit))
    return tuple(lines)


def _post(
    reader: _Reader, ledger: Ledger, entry: JournalEntry, where: str, kind: EntryKind = "umum"
) -> None:
    problems = ledger.validate(entry)
    if len(problems) == 1 and problems[0].line_index is not None:
        reader.fail(f"{where}, baris {problems[0].line_index + 1}", _problem_text(problems[0]))
    if problems:
        reader.fail(where, _lower_first(" ".join(p.message for p in problems)))
    ledger.post(entry, kind=kind)


_TASK_KINDS: tuple[EntryKind, ...] = ("umum", "penutup")


def _task(
    reader: _Reader, number: int, row: object, ledger: Ledger, previous: dt.date | None
) -> Task:
    where = f"tugas {number}"
    data = reader.mapping(
        row,
        where,
        required=("tanggal", "soal", "keterangan", "jawaban"),
        optional=("petunjuk", "jenis"),
    )
    day = reader.date(data["tanggal"], f"{where}, tanggal")
    if not ledger.period_start <= day <= ledger.period_end:
        reader.fail(
            f"{where}, tanggal",
            f"{format_tanggal(day)} di luar periode {format_tanggal(ledger.period_start)} "
            f"sampai {format_tanggal(ledger.period_end)}.",
        )
    if previous is not None and day < previous:
        reader.fail(
            f"{where}, tanggal",
            f"{format_tanggal(day)} lebih awal daripada tugas sebelumnya "
            f"({format_tanggal(previous)}); urutkan tugas menurut tanggal.",
        )
    kind = data.get("jenis", "umum")
    if kind not in _TASK_KINDS:
        reader.fail(
            f"{where}, jenis", f"\u201c{kind}\u201d tidak dikenal; pilih umum atau penutup."
        )
    lines = _lines(reader, data["jawaban"], where, ledger.chart)
    if kind == "penutup":
        allowed = {AccountType.PENDAPATAN, AccountType.BEBAN}
        for i, line in enumerate(lines, 1):
            account = ledger.chart.get(line.account_code)
            if account.type not in allowed and account.code != ledger.chart.shu_account:
                reader.fail(
                    f"{where}, baris {i}",
                    f"jurnal penutup hanya memakai akun pendapatan, beban, dan "
                    f"{ledger.chart.get(ledger.chart.shu_account).label}, bukan {account.label}.",
                )
    answer = JournalEntry(day, reader.text(data["keterangan"], f"{where}, keterangan"), lines)
    _post(reader, ledger, answer, where, kind)
    hint = data.get("petunjuk")
    return Task(
        number=number,
        date=day,
        text=reader.text(data["soal"], f"{where}, soal"),
        answer=answer,
        hint=reader.text(hint, f"{where}, petunjuk") if hint is not None else "",
        kind=kind,
    )


def _assertion(reader: _Reader, number: int, row: object, ledger: Ledger) -> Assertion:
    where = f"periksa {number}"
    data = reader.mapping(row, where, required=("akun", "per", "saldo"))
    code = reader.code(data["akun"], where)
    if code not in ledger.chart:
        reader.fail(where, f"kode akun {code} tidak ada di bagan akun.")
    day = reader.date(data["per"], f"{where}, per")
    if not ledger.period_start <= day <= ledger.period_end:
        reader.fail(
            f"{where}, per",
            f"{format_tanggal(day)} di luar periode {format_tanggal(ledger.period_start)} "
            f"sampai {format_tanggal(ledger.period_end)}.",
        )
    return Assertion(code, day, reader.amount(data["saldo"], f"{where}, saldo"))


def _members(reader: _Reader, value: object) -> tuple[Member, ...]:
    members: list[Member] = []
    seen: set[str] = set()
    for i, row in enumerate(reader.items(value, "anggota"), 1):
        where = f"anggota {i}"
        data = reader.mapping(row, where, required=("nomor", "nama", "simpanan", "transaksi"))
        number = reader.code(data["nomor"], f"{where}, nomor")
        if number in seen:
            reader.fail(f"{where}, nomor", f"nomor anggota {number} sudah dipakai anggota lain.")
        seen.add(number)
        members.append(
            Member(
                number,
                reader.text(data["nama"], f"{where}, nama"),
                reader.amount(data["simpanan"], f"{where}, simpanan"),
                reader.amount(data["transaksi"], f"{where}, transaksi"),
            )
        )
    return tuple(members)


@dataclass(frozen=True, slots=True)
class _Shu:
    persen: Mapping[str, Fraction]
    jasa_modal: str
    jasa_usaha: str


def _shu(reader: _Reader, value: object) -> _Shu:
    data = reader.mapping(value, "shu", required=("persen", "jasa_modal", "jasa_usaha"))
    raw = data["persen"]
    if not isinstance(raw, dict) or not raw:
        reader.fail("shu.persen", "harus berupa pasangan nama pembagian: persen.")
    persen: dict[str, Fraction] = {}
    for name, pct in raw.items():
        label = reader.text(name, "shu.persen")
        persen[label] = reader.percent(pct, f"shu.persen, {label}")
    total = sum(persen.values(), Fraction(0))
    if total != 100:
        shown = str(total.numerator) if total.denominator == 1 else f"{float(total):.4g}"
        reader.fail(
            "shu.persen",
            f"jumlah persentase {shown.replace('.', ',')}%, seharusnya tepat 100%.",
        )
    keys: list[str] = []
    for field in ("jasa_modal", "jasa_usaha"):
        key = reader.text(data[field], f"shu.{field}")
        if key not in persen:
            reader.fail(
                f"shu.{field}",
                f"\u201c{key}\u201d tidak ada di shu.persen; pilih salah satu dari: "
                f"{', '.join(persen)}.",
            )
        keys.append(key)
    if keys[0] == keys[1]:
        reader.fail("shu.jasa_usaha", "jasa modal dan jasa usaha harus dua pembagian berbeda.")
    return _Shu(MappingProxyType(persen), keys[0], keys[1])


# ---------------------------------------------------------------------- loading

_TOP_REQUIRED = ("judul", "ringkasan", "pengantar", "koperasi", "periode", "tugas", "periksa")
_TOP_OPTIONAL = ("order", "chart", "saldo_awal", "sudah_dicatat", "anggota", "shu")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _parse(text: str, slug: str, source: str) -> tuple[int | None, Scenario]:
    reader = _Reader(source)
    if not _SLUG.fullmatch(slug):
        reader.fail(
            "", f"nama skenario \u201c{slug}\u201d hanya boleh huruf kecil, angka, dan tanda -."
        )
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = f" (baris {mark.line + 1}, kolom {mark.column + 1})" if mark else ""
        reader.fail("", f"YAML tidak dapat dibaca{place}: {error.problem or error}.")
    except yaml.YAMLError as error:
        reader.fail("", f"YAML tidak dapat dibaca: {error}.")
    if raw is None:
        reader.fail("", "berkas kosong.")
    data = reader.mapping(raw, "", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)

    order = data.get("order")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        reader.fail("order", f"harus bilangan bulat, bukan {order!r}.")

    period = reader.mapping(data["periode"], "periode", required=("mulai", "sampai"))
    start = reader.date(period["mulai"], "periode.mulai")
    end = reader.date(period["sampai"], "periode.sampai")
    if end < start:
        reader.fail(
            "periode",
            f"akhir periode ({format_tanggal(end)}) tidak boleh sebelum awal "
            f"({format_tanggal(start)}).",
        )

    chart = _chart(reader, data.get("chart"))
    opening = _opening(reader, data.get("saldo_awal"), chart)
    try:
        ledger = Ledger(chart, start, end, opening)
    except JournalError as error:
        reader.fail("saldo_awal", " ".join(_problem_text(p) for p in error.problems))

    given: list[JournalEntry] = []
    given_rows = reader.items(data.get("sudah_dicatat"), "sudah_dicatat", allow_empty=True)
    for i, row in enumerate(given_rows, 1):
        where = f"sudah_dicatat {i}"
        entry_data = reader.mapping(row, where, required=("tanggal", "keterangan", "baris"))
        entry = JournalEntry(
            reader.date(entry_data["tanggal"], f"{where}, tanggal"),
            reader.text(entry_data["keterangan"], f"{where}, keterangan"),
            _lines(reader, entry_data["baris"], where, chart),
        )
        _post(reader, ledger, entry, where)
        given.append(entry)

    tasks: list[Task] = []
    for i, row in enumerate(reader.items(data["tugas"], "tugas"), 1):
        tasks.append(_task(reader, i, row, ledger, tasks[-1].date if tasks else None))

    assertions = tuple(
        _assertion(reader, i, row, ledger)
        for i, row in enumerate(reader.items(data["periksa"], "periksa"), 1)
    )
    failures = periksa_saldo(ledger, assertions)
    if failures:
        reader.fail(
            "periksa",
            "jawaban contoh tidak memenuhi pemeriksaan saldo: " + " ".join(failures),
        )

    members: tuple[Member, ...] = ()
    shu: _Shu | None = None
    if ("anggota" in data) != ("shu" in data):
        reader.fail(
            "anggota" if "anggota" in data else "shu",
            "anggota dan shu harus diisi bersama-sama (untuk pembagian SHU).",
        )
    if "shu" in data:
        members = _members(reader, data["anggota"])
        shu = _shu(reader, data["shu"])
        _check_shu(reader, ledger, members, shu)

    scenario = Scenario(
        slug=slug,
        title=reader.text(data["judul"], "judul"),
        summary=reader.text(data["ringkasan"], "ringkasan"),
        intro=reader.paragraphs(data["pengantar"], "pengantar"),
        koperasi=reader.text(data["koperasi"], "koperasi"),
        period_start=start,
        period_end=end,
        chart=chart,
        opening=MappingProxyType(dict(opening)),
        given=tuple(given),
        tasks=tuple(tasks),
        assertions=assertions,
        members=members,
        shu_persen=shu.persen if shu else None,
        persen_jasa_modal=shu.persen[shu.jasa_modal] if shu else None,
        persen_jasa_usaha=shu.persen[shu.jasa_usaha] if shu else None,
        jasa_modal_key=shu.jasa_modal if shu else None,
        jasa_usaha_key=shu.jasa_usaha if shu else None,
    )
    return order, scenario


def _check_shu(reader: _Reader, ledger: Ledger, members: tuple[Member, ...], shu: _Shu) -> None:
    """The model result must be shareable: SHU not negative, pools divisible among members."""
    amount = laporan_hasil_usaha(ledger).shu_sesudah_pajak
    try:
        allocation = alokasi_shu(amount, shu.persen)
        shu_anggota_dari_pool(members, allocation[shu.jasa_modal], allocation[shu.jasa_usaha])
    except ShuError as error:
        reader.fail(
            "shu",
            f"SHU jawaban contoh {format_rupiah(amount)} tidak dapat dibagi: "
            f"{_lower_first(str(error))}",
        )


def load_scenario(text: str, slug: str, source: str = "<scenario>") -> Scenario:
    """Read and check one scenario; raise :class:`ScenarioError` naming ``source``."""
    return _parse(text, slug, source)[1]


@functools.cache
def _bundled() -> tuple[Scenario, ...]:
    folder = resources.files("quizzes.ledger").joinpath("scenarios")
    found: list[tuple[int | None, Scenario]] = []
    for item in folder.iterdir():
        if item.is_file() and item.name.endswith(".yaml"):
            slug = item.name.removesuffix(".yaml")
            found.append(_parse(item.read_text("utf-8"), slug, item.name))
    return tuple(scenario for _, scenario in sorted(found, key=_order_key))


def _order_key(pair: tuple[int | None, Scenario]) -> tuple[bool, int, str]:
    """Scenarios with ``order`` first, by order; then the rest; ties by slug."""
    order, scenario = pair
    return (order is None, order or 0, scenario.slug)


def bundled_scenarios() -> dict[str, Scenario]:
    """Every ``quizzes/ledger/scenarios/*.yaml`` by slug, ordered by ``order`` then slug.

    Files are read and checked once per process; each call returns a new dict.
    """
    return {scenario.slug: scenario for scenario in _bundled()}


def get_scenario(slug: str) -> Scenario:
    """The bundled scenario ``slug``; :class:`KeyError` if there is none."""
    for scenario in _bundled():
        if scenario.slug == slug:
            return scenario
    raise KeyError(slug)
