"""Grading choice, true/false, amount, statement and SHU questions, and whole quizzes."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.ledger.chart import Chart
from quizzes.ledger.money import AmountError, format_rupiah
from quizzes.ledger.reports import Member, alokasi_shu, shu_anggota_dari_pool
from quizzes.loader import load_quiz
from quizzes.quiz import (
    ChoiceQuestion,
    JournalQuestion,
    NumericQuestion,
    ShuQuestion,
    StatementQuestion,
    TrueFalseQuestion,
    grade_quiz,
    read_amount,
    resolve_account,
)
from tests.quizzes.samples import FILE, QUIZ, one_question, quiz_of

QUICK = settings(max_examples=50, deadline=None, database=None)
QZ = load_quiz(QUIZ, FILE)


def question(qid: str):
    found = QZ.question(qid)
    assert found is not None
    return found


SINGLE: ChoiceQuestion = question("simpanan-pokok")
MULTIPLE: ChoiceQuestion = question("syarat-anggota")  # right: a, c, d of a..e
TRUE_FALSE: TrueFalseQuestion = question("rat-wajib")  # salah
NUMERIC: NumericQuestion = question("jasa-bulan-ini")  # Rp35.000, tolerance Rp100
TRIAL: StatementQuestion = question("neraca-saldo")
POSITION: StatementQuestion = question("posisi-keuangan")
INCOME: StatementQuestion = question("hasil-usaha")
SHU: ShuQuestion = question("shu-anggota")


# ---------------------------------------------------------------------- choices


def test_pilihan_tunggal_all_or_nothing():
    assert SINGLE.grade("b").share == 1
    assert SINGLE.grade(" B ").share == 1
    wrong = SINGLE.grade("a")
    assert wrong.share == 0
    # The right choice is named (by its text: letters change when choices are shuffled) and
    # the wrong choice's own feedback follows.
    assert "Sekali, saat masuk menjadi anggota" in wrong.feedback[0]
    assert wrong.feedback[1:] == ("Itu simpanan wajib.",)
    other = SINGLE.grade("c")
    assert len(other.feedback) == 1 and "Sekali, saat masuk menjadi anggota" in other.feedback[0]


def test_pilihan_tunggal_with_two_choices_ticked_is_not_right():
    """Picking one choice is the question; a list holding the right choice and a wrong one
    must not earn full marks, whatever the order of the ids."""
    assert SINGLE.grade(["a", "b"]).share == 0
    assert SINGLE.grade(["b", "c"]).share == 0, "['b', 'c'] earns full marks, ['a', 'b'] none"


@pytest.mark.parametrize(
    ("ticked", "share"),
    [
        (["a", "c", "d"], Fraction(1)),
        (["d", "c", "a"], Fraction(1)),
        (["a", "c"], Fraction(2, 3)),
        (["a"], Fraction(1, 3)),
        (["a", "c", "d", "b"], Fraction(2, 3)),
        (["a", "c", "d", "b", "e"], Fraction(1, 3)),
        (["a", "b"], Fraction(0)),
        (["b"], Fraction(0)),  # -1/3, floored
        (["b", "e", "a"], Fraction(0)),
        (["A", "C"], Fraction(2, 3)),
        ("a", Fraction(1, 3)),
        (["a", "a", "c"], Fraction(2, 3)),  # a tick counts once
    ],
)
def test_pilihan_ganda_partial_score(ticked, share):
    assert MULTIPLE.grade(ticked).share == share


@QUICK
@given(st.sets(st.sampled_from("abcde"), min_size=1))
def test_pilihan_ganda_is_right_minus_wrong_over_right(ticked):
    right = len(ticked & {"a", "c", "d"})
    wrong = len(ticked - {"a", "c", "d"})
    result = MULTIPLE.grade(sorted(ticked))
    assert result.share == max(Fraction(0), Fraction(right - wrong, 3))
    assert result.answered


def test_pilihan_ganda_feedback_names_missed_and_wrong_choices():
    result = MULTIPLE.grade(["a", "b"])
    [missed] = [f for f in result.feedback if "belum" in f]
    assert "Membayar simpanan pokok" in missed and "Cakap hukum" in missed
    assert "Warga desa" not in missed and "Pegawai negeri" not in missed
    [wrong] = [f for f in result.feedback if "tidak benar" in f]
    assert "Pegawai negeri" in wrong and "Warga desa" not in wrong
    assert result.feedback[-1] == "Bukan syarat."  # the wrong choice's own feedback
    assert MULTIPLE.grade(["a", "c", "d"]).feedback == ("Benar.",)


def test_benar_salah():
    assert TRUE_FALSE.grade("salah").share == 1
    assert TRUE_FALSE.grade(" Salah ").share == 1
    assert TRUE_FALSE.grade(False).share == 1
    wrong = TRUE_FALSE.grade("benar")
    assert wrong.share == 0 and wrong.answered
    assert len(wrong.feedback) == 1 and wrong.feedback[0].endswith("pernyataan ini salah.")
    assert TRUE_FALSE.grade(True).share == 0


def test_angka_with_tolerance():
    assert NUMERIC.grade("Rp35.000").share == 1
    assert NUMERIC.grade(35_000).share == 1
    assert NUMERIC.grade("Rp35.100").share == 1
    assert NUMERIC.grade("34.900").share == 1
    assert NUMERIC.grade("Rp 35.000,-").share == 1
    over = NUMERIC.grade("Rp35.101")
    assert over.share == 0
    [message] = over.feedback
    assert "Rp35.101" in message and "Rp35.000" in message and "Rp100" in message
    assert NUMERIC.grade(34_899).share == 0


def test_angka_without_tolerance_wants_the_exact_amount():
    exact = load_quiz(
        one_question(
            '  - id: a\n    jenis: angka\n    teks: "x"\n    jawaban: Rp1.250.000\n'
            "    toleransi: Rp0\n"
        ),
        "a.yaml",
    ).questions[0]
    assert exact.grade("1.250.000").share == 1
    assert exact.grade("1.250.001").share == 0
    [message] = exact.grade("1.250.001").feedback
    assert "Rp1.250.001" in message and "Rp1.250.000" in message and "toleransi" not in message


@pytest.mark.parametrize("typed", ["35 ribu", "Rp35.000,50", "-35000", "3.5000", True, 35000.0])
def test_an_unreadable_amount_is_said_so(typed):
    result = NUMERIC.grade(typed)
    assert result.share == 0 and result.answered
    assert "tidak dapat dibaca" in result.feedback[0]


def test_read_amount():
    assert read_amount(None) is None
    assert read_amount("  ") is None
    assert read_amount(0) == 0
    assert read_amount("Rp1.250.000") == 1_250_000
    for bad in (True, -5, "abc"):
        with pytest.raises(AmountError):
            read_amount(bad)


def test_resolve_account(chart: Chart):
    assert resolve_account(chart, "1-103") == "1-103"
    assert resolve_account(chart, "1-103 Kas Unit Simpan Pinjam") == "1-103"
    assert resolve_account(chart, "Kas Unit Simpan Pinjam") == "1-103"
    assert resolve_account(chart, "  kas  unit simpan   PINJAM ") == "1-103"
    assert resolve_account(chart, "Kas") is None
    assert resolve_account(chart, "9-999") is None
    assert resolve_account(chart, "") is None


@pytest.fixture
def chart() -> Chart:
    journal = question("simpanan-anggota-baru")
    assert isinstance(journal, JournalQuestion)
    return journal.chart


# ---------------------------------------------------------------------- statements


def test_neraca_saldo_has_a_debit_and_a_credit_box():
    right = {
        "1-102": {"debit": "Rp150.000"},  # the empty credit box counts as 0
        "1-202": {"debit": "Rp0", "kredit": "Rp50.000"},
        "4-101": {"kredit": 150_000},
        "jumlah": {"debit": "Rp7.600.000", "kredit": "Rp7.600.000"},
    }
    assert TRIAL.grade(right).share == 1
    assert TRIAL.grade(right).feedback == ("Benar.",)
    # Each line is 1 point when both of its boxes are right: a contra account on the wrong side
    # loses its line, and the feedback names both boxes.
    swapped = {**right, "1-202": {"debit": "Rp50.000"}}
    result = TRIAL.grade(swapped)
    assert result.share == Fraction(3, 4)
    assert any(
        "1-202" in f and "(debit)" in f and "Rp50.000" in f and "Rp0" in f for f in result.feedback
    )
    assert any("1-202" in f and "(kredit)" in f for f in result.feedback)
    # Totals are checked too.
    off = {**right, "jumlah": {"debit": "Rp7.600.000", "kredit": "Rp7.500.000"}}
    assert TRIAL.grade(off).share == Fraction(3, 4)
    # A line with one side right and the other not written at all (expected nonzero) is wrong.
    half = {**right, "jumlah": {"debit": "Rp7.600.000"}}
    assert TRIAL.grade(half).share == Fraction(3, 4)
    assert TRIAL.grade({"1-102": {"debit": "Rp150.000"}}).share == Fraction(1, 4)


def test_posisi_keuangan_contra_account_is_a_positive_amount():
    right = {
        "1-201": "Rp2.400.000",
        "1-202": "Rp50.000",
        "3-401": "Rp100.000",
        "jumlah_aset": "Rp7.500.000",
        "jumlah_liabilitas": "Rp0",
        "jumlah_ekuitas": "Rp7.500.000",
    }
    assert POSITION.grade(right).share == 1
    negative = POSITION.grade({**right, "1-202": "-Rp50.000"})
    assert negative.share == Fraction(5, 6)
    assert any("tidak dapat dibaca" in f for f in negative.feedback)
    # The total of assets deducts the contra account: the gross amount is wrong.
    gross = POSITION.grade({**right, "jumlah_aset": "Rp7.550.000"})
    assert gross.share == Fraction(5, 6)
    assert any(
        "Jumlah aset" in f and "Rp7.550.000" in f and "Rp7.500.000" in f for f in gross.feedback
    )
    # An empty box is 0: right for jumlah_liabilitas here.
    assert POSITION.grade({k: v for k, v in right.items() if k != "jumlah_liabilitas"}).share == 1


def test_hasil_usaha_lines_and_totals():
    right = {
        "4-101": "Rp150.000",
        "5-104": "Rp50.000",
        "jumlah_pendapatan": "Rp150.000",
        "jumlah_beban": "Rp50.000",
        "shu_sebelum_pajak": "Rp100.000",
    }
    assert INCOME.grade(right).share == 1
    assert INCOME.grade({**right, "shu_sebelum_pajak": "Rp150.000"}).share == Fraction(4, 5)


def test_statement_tolerance():
    text = quiz_of("hasil-usaha").replace(
        "    laporan: hasil_usaha\n    toleransi: Rp0",
        "    laporan: hasil_usaha\n    toleransi: Rp1.000",
    )
    income = load_quiz(text, FILE).question("hasil-usaha")
    assert isinstance(income, StatementQuestion) and income.tolerance == 1_000
    answer = {
        "4-101": "Rp151.000",
        "5-104": "Rp49.000",
        "jumlah_pendapatan": "Rp150.000",
        "jumlah_beban": "Rp50.000",
        "shu_sebelum_pajak": "Rp101.001",
    }
    assert income.grade(answer).share == Fraction(4, 5)


# ---------------------------------------------------------------------- SHU


PERCENT = {
    "Dana cadangan": 30,
    "Jasa modal anggota": 20,
    "Jasa usaha anggota": 25,
    "Dana pengurus dan pengawas": 10,
    "Dana pendidikan": 5,
    "Dana sosial": 5,
    "Dana pembangunan daerah kerja": 5,
}
MEMBERS = [
    Member("A-01", "Pak Slamet", 100_000, 3_000_000),
    Member("A-02", "Bu Aminah", 100_000, 1_000_000),
    Member("A-03", "Bu Tini", 100_000, 2_000_001),
]


def test_shu_values_are_the_engines():
    allocation = alokasi_shu(1_000_001, PERCENT)
    assert dict(SHU.allocation) == allocation
    assert allocation["Dana cadangan"] == 300_001  # the odd rupiah, by largest remainder
    shares = shu_anggota_dari_pool(
        MEMBERS, allocation["Jasa modal anggota"], allocation["Jasa usaha anggota"]
    )
    assert dict(SHU.member_shares) == {
        s.member.member_id: (s.jasa_modal, s.jasa_usaha) for s in shares.shares
    }
    assert sum(jm for jm, _ in SHU.member_shares.values()) == allocation["Jasa modal anggota"]
    assert sum(ju for _, ju in SHU.member_shares.values()) == allocation["Jasa usaha anggota"]


def test_shu_grading_counts_each_amount():
    allocation = alokasi_shu(1_000_001, PERCENT)
    shares = shu_anggota_dari_pool(
        MEMBERS, allocation["Jasa modal anggota"], allocation["Jasa usaha anggota"]
    )
    answer = {
        "alokasi": {k: format_rupiah(v) for k, v in allocation.items()},
        "anggota": {
            s.member.member_id: {"jasa_modal": s.jasa_modal, "jasa_usaha": s.jasa_usaha}
            for s in shares.shares
        },
    }
    assert SHU.grade(answer).share == 1
    boxes = len(PERCENT) + 2 * len(MEMBERS)
    # The naive 30% (Rp300.000) loses one box; a member's share off by a rupiah another.
    answer["alokasi"]["Dana cadangan"] = "Rp300.000"
    answer["anggota"]["A-03"]["jasa_modal"] = "Rp66.667"
    result = SHU.grade(answer)
    assert result.share == Fraction(boxes - 2, boxes)
    assert any(
        "Dana cadangan" in f and "Rp300.000" in f and "Rp300.001" in f for f in result.feedback
    )
    assert any("Bu Tini (A-03), jasa modal" in f and "Rp66.666" in f for f in result.feedback)


def test_shu_only_asks_what_tanya_says():
    text = quiz_of("shu-anggota").replace("tanya: [alokasi, anggota]", "tanya: anggota")
    members_only = load_quiz(text, FILE).question("shu-anggota")
    assert isinstance(members_only, ShuQuestion)
    assert set(members_only.key()) == {"anggota"}
    answer = {"anggota": members_only.key()["anggota"], "alokasi": {"Dana cadangan": "Rp1"}}
    assert members_only.grade(answer).share == 1


# ---------------------------------------------------------------------- empty answers


EMPTY = {
    "simpanan-pokok": [None, "", " ", []],
    "syarat-anggota": [None, "", []],
    "rat-wajib": [None, ""],
    "jasa-bulan-ini": [None, "", "  "],
    "simpanan-anggota-baru": [None, {}, {"1": [], "2": "", "3": [{"akun": "", "debit": ""}]}],
    "neraca-saldo": [None, {}, {"1-102": {"debit": "", "kredit": None}}],
    "posisi-keuangan": [None, {}, {"1-201": "  "}],
    "hasil-usaha": [None, {}],
    "shu-anggota": [None, {}, {"alokasi": {}, "anggota": {"A-01": {}}}],
}


@pytest.mark.parametrize(
    ("qid", "empty"), [(qid, empty) for qid, values in EMPTY.items() for empty in values]
)
def test_an_empty_answer_is_not_answered(qid, empty):
    q = question(qid)
    result = q.grade(empty)
    assert result.share == 0
    assert result.feedback == ("Belum dijawab.",)
    assert result.answered is False
    assert q.blank(empty)


def test_a_journal_left_empty_but_for_one_transaction_earns_the_no_entry_one():
    journal = question("simpanan-anggota-baru")
    answer = {
        "1": [{"akun": "1-103", "debit": "Rp100.000"}, {"akun": "3-101", "kredit": "Rp100.000"}]
    }
    result = journal.grade(answer)
    assert result.share == Fraction(2, 3)  # transaction 2 (no entry) left empty earns its point
    assert result.answered
    assert not journal.blank(answer)
    assert not journal.blank({"2": "tidak_perlu_jurnal"})
    assert journal.grade({"2": "tidak_perlu_jurnal"}).share == Fraction(1, 3)


# ---------------------------------------------------------------------- whole quiz


def test_grade_quiz_report():
    answers = {
        "simpanan-pokok": "a",
        "syarat-anggota": ["a", "c"],
        "rat-wajib": "salah",
        "jasa-bulan-ini": "Rp35.050",
        "tidak-ada": "b",
    }
    report = grade_quiz(QZ, answers)
    assert report["kuis"] == "simpanan"
    assert report["maksimum"] == 14
    # 0 + 3 * 2/3 + 1 + 1; the journal left wholly empty earns nothing.
    assert report["total"] == 4.0
    assert report["persen"] == round(400 / 14, 2)
    items = {item["id"]: item for item in report["soal"]}
    assert list(items) == [q.id for q in QZ.questions]
    assert items["simpanan-pokok"]["skor"] == 0
    assert items["simpanan-pokok"]["jenis"] == "pilihan_tunggal"
    assert items["syarat-anggota"]["skor"] == 2.0
    assert items["syarat-anggota"]["bobot"] == 3
    assert items["shu-anggota"]["umpan_balik"] == ["Belum dijawab."]
    assert items["simpanan-anggota-baru"]["skor"] == 0
    assert "akun_salah" not in items["simpanan-anggota-baru"]


def test_grading_its_own_key_gives_full_marks():
    report = grade_quiz(QZ, QZ.key())
    assert report["persen"] == 100
    assert report["total"] == report["maksimum"] == 14
    assert all(item["skor"] == item["bobot"] for item in report["soal"])


def test_an_empty_answers_file_gives_no_marks():
    report = grade_quiz(QZ, {})
    assert report["total"] == 0
    assert report["persen"] == 0
    assert all(item["umpan_balik"] == ["Belum dijawab."] for item in report["soal"])
