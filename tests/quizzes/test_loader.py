"""The quiz loader: a valid quiz of every question type, and problems reported with their line."""

from __future__ import annotations

import datetime as dt

import pytest

from quizzes.ledger.journal import Line
from quizzes.loader import QuizError, load_quiz, quiz_slug, read_answers
from quizzes.quiz import (
    ChoiceQuestion,
    JournalQuestion,
    NumericQuestion,
    ShuQuestion,
    StatementQuestion,
    TrueFalseQuestion,
)
from tests.quizzes.samples import (
    FILE,
    QUIZ,
    line_of,
    one_question,
    problems_of,
    quiz_of,
    replace_once,
)

# Smaller quizzes load faster; each keeps a question before the one under test, so that line
# numbers are not those of a lone question.
CHOICES = quiz_of("simpanan-pokok", "syarat-anggota", "rat-wajib", "jasa-bulan-ini")
JOURNAL = quiz_of("rat-wajib", "simpanan-anggota-baru")


def with_statement(qid: str) -> str:
    return quiz_of("rat-wajib", qid)


def test_a_quiz_with_every_question_type_loads():
    quiz = load_quiz(QUIZ, FILE)
    assert quiz.slug == "simpanan"
    assert quiz.title == "Kuis Uji: Simpanan dan Laporan"
    assert quiz.module == "simpanan-pinjaman"
    assert quiz.file == FILE
    assert (quiz.settings.time_limit, quiz.settings.attempts) == (30, 2)
    assert (quiz.settings.grading, quiz.settings.review) == ("terakhir", "setelah_tutup")
    assert quiz.settings.shuffle is False
    assert quiz.settings.pass_percent == 60
    assert [q.kind for q in quiz.questions] == [
        "pilihan_tunggal",
        "pilihan_ganda",
        "benar_salah",
        "angka",
        "jurnal",
        "jurnal",
        "laporan",
        "laporan",
        "laporan",
        "shu",
    ]
    # Each question remembers the line it starts on.
    for question in quiz.questions:
        assert question.line == line_of(QUIZ, f"- id: {question.id}")
    # bobot defaults to 1, to the number of transactions for a journal.
    assert [q.weight for q in quiz.questions] == [1, 3, 1, 1, 3, 1, 1, 1, 1, 1]
    assert quiz.max_points == 14


def test_loaded_questions_hold_what_was_written():
    quiz = load_quiz(QUIZ, FILE)
    single = quiz.question("simpanan-pokok")
    assert isinstance(single, ChoiceQuestion) and not single.multiple
    assert [(c.id, c.correct) for c in single.choices] == [("a", False), ("b", True), ("c", False)]
    assert single.choices[0].feedback == "Itu simpanan wajib."
    assert single.explanation == "Simpanan pokok dibayar sekali."
    multiple = quiz.question("syarat-anggota")
    assert isinstance(multiple, ChoiceQuestion) and multiple.multiple
    assert multiple.key() == ["a", "c", "d"]
    true_false = quiz.question("rat-wajib")
    assert isinstance(true_false, TrueFalseQuestion) and true_false.answer is False
    numeric = quiz.question("jasa-bulan-ini")
    assert isinstance(numeric, NumericQuestion)
    assert (numeric.answer, numeric.tolerance) == (35_000, 100)
    journal = quiz.question("simpanan-anggota-baru")
    assert isinstance(journal, JournalQuestion)
    assert (journal.period_start, journal.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert dict(journal.opening) == {"1-103": 10_000_000, "3-101": 10_000_000}
    assert [t.needs_entry for t in journal.transactions] == [True, False, True]
    assert journal.transactions[0].key == (
        Line("1-103", debit=100_000),
        Line("3-101", credit=100_000),
    )
    assert journal.transactions[1].explanation is not None
    assert journal.transactions[2].line == line_of(QUIZ, "tanggal: 2026-01-10")
    statement = quiz.question("posisi-keuangan")
    assert isinstance(statement, StatementQuestion)
    assert [r.key for r in statement.rows][:2] == ["1-201", "1-202"]
    assert statement.rows[1].contra and not statement.rows[0].contra
    shu = quiz.question("shu-anggota")
    assert isinstance(shu, ShuQuestion) and shu.ask_allocation and shu.ask_members
    assert [m.member_id for m in shu.members] == ["A-01", "A-02", "A-03"]


def test_quiz_slug_drops_the_number_prefix():
    assert quiz_slug("kuis/03-simpanan.yaml") == "simpanan"
    assert quiz_slug("courses/content/pembukuan/kuis/simpanan-pinjaman.yaml") == (
        "simpanan-pinjaman"
    )
    assert quiz_slug("07-tutup-buku-shu.yaml") == "tutup-buku-shu"
    assert quiz_slug("kuis/Simpanan.yaml") is None
    assert quiz_slug("kuis/simpanan.yml") is None
    assert quiz_slug("kuis/simpanan_pokok.yaml") is None


def test_a_bad_file_name_is_reported_on_line_1():
    assert any(line == 1 and "Nama berkas" in m for line, m in problems_of(CHOICES, "Kuis 3.yaml"))


# ---------------------------------------------------------------------- one problem, its line


def test_unknown_key_in_a_question_is_reported_on_its_line():
    text = replace_once(CHOICES, "    jawaban: salah\n", '    jawaban: salah\n    petunjuk: "?"\n')
    found = problems_of(text)
    assert len(found) == 1
    line, message = found[0]
    assert "petunjuk" in message and "tidak dikenal" in message
    assert line == line_of(text, "petunjuk:"), (
        f"the unknown key is on line {line_of(text, 'petunjuk:')}, reported on {line}"
    )


def test_unknown_jenis_is_reported_on_the_jenis_line():
    text = replace_once(CHOICES, "jenis: benar_salah", "jenis: esai")
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "jenis: esai")
    assert message.startswith("soal 3: jenis:") and "esai" in message


def test_duplicate_id_is_reported_on_the_second_question():
    text = replace_once(CHOICES, "- id: rat-wajib", "- id: simpanan-pokok")
    [(line, message)] = problems_of(text)
    first = line_of(text, "- id: simpanan-pokok")
    second = line_of(text, "- id: simpanan-pokok", first + 1)
    assert line == second
    assert "simpanan-pokok" in message and f"baris {first}" in message


@pytest.mark.parametrize(("marked", "count"), [(0, "0"), (2, "2")])
def test_pilihan_tunggal_needs_exactly_one_right_choice(marked: int, count: str):
    text = CHOICES
    if marked == 0:
        text = replace_once(
            text, '{teks: "Sekali, saat masuk menjadi anggota", benar: true}', "{teks: x}"
        )
    else:
        text = replace_once(text, '{teks: "Kapan saja anggota mau"}', "{teks: y, benar: true}")
    [(line, message)] = problems_of(text)
    start = line_of(text, "- id: simpanan-pokok")
    assert line == line_of(text, "pilihan:", start)
    assert "tepat satu pilihan benar" in message and message.endswith(f"bukan {count}.")


def test_pilihan_ganda_needs_a_right_choice():
    text = CHOICES
    for right in ("Warga desa", "Membayar simpanan pokok", "Cakap hukum"):
        text = replace_once(text, f'{{teks: "{right}", benar: true}}', f'{{teks: "{right}"}}')
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "pilihan:", line_of(text, "- id: syarat-anggota"))
    assert "sedikitnya satu pilihan benar" in message


def test_an_unbalanced_journal_key_is_reported_on_its_jawaban_line():
    text = replace_once(
        JOURNAL, '{akun: "4-201", kredit: Rp75.000}', '{akun: "4-201", kredit: Rp70.000}'
    )
    [(line, message)] = problems_of(text)
    transaction = line_of(text, "tanggal: 2026-01-10")
    assert line == line_of(text, "jawaban:", transaction)
    assert "transaksi 3, jawaban" in message
    assert "tidak seimbang" in message and "Rp5.000" in message


def test_an_unknown_account_code_is_reported_on_its_line():
    text = replace_once(
        JOURNAL, '{akun: "1-121", kredit: Rp1.000.000}', '{akun: "1-199", kredit: Rp1.000.000}'
    )
    [(line, message)] = problems_of(text)
    assert line == line_of(text, '"1-199"')
    assert "transaksi 3" in message and "baris 2" in message and "1-199" in message


def test_an_account_in_saldo_awal_must_exist():
    text = replace_once(JOURNAL, '"3-101": Rp10.000.000', '"3-999": Rp10.000.000')
    [(line, message)] = problems_of(text)
    assert line == line_of(text, '"3-999"')
    assert "3-999" in message


def test_a_key_dated_outside_the_period_is_reported_on_its_jawaban_line():
    text = replace_once(JOURNAL, "tanggal: 2026-01-10", "tanggal: 2026-02-10")
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "jawaban:", line_of(text, "tanggal: 2026-02-10"))
    assert "transaksi 3" in message and "di luar periode" in message


def test_a_no_entry_transaction_dated_outside_the_period_is_reported_on_its_date():
    text = JOURNAL.replace("2026-01-10", "2026-02-10").replace("2026-01-06", "2026-02-06")
    found = problems_of(text)
    assert len(found) == 1
    line, message = found[0]
    assert "transaksi 2, tanggal" in message and "di luar periode" in message
    assert line == line_of(text, "tanggal: 2026-02-06"), (
        f"the message is about the date on line {line_of(text, 'tanggal: 2026-02-06')}, "
        f"reported on line {line} (the jawaban line)"
    )


def test_transaction_dates_may_not_go_back():
    text = replace_once(JOURNAL, "tanggal: 2026-01-10", "tanggal: 2026-01-04")
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "tanggal: 2026-01-04")
    assert "mundur" in message


def test_a_laporan_value_that_differs_from_the_engine_is_reported_on_its_line():
    text = replace_once(
        with_statement("posisi-keuangan"),
        'baris: ["1-201", "1-202", "3-401",',
        'baris: ["1-201", {baris: "1-202", nilai: Rp40.000}, "3-401",',
    )
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "nilai: Rp40.000")
    assert "Rp40.000" in message and "Rp50.000" in message and "1-202" in message


def test_a_laporan_value_that_agrees_with_the_engine_is_accepted():
    text = replace_once(
        with_statement("neraca-saldo"),
        'baris: ["1-102", "1-202", "4-101", jumlah]',
        'baris: ["1-102", {baris: "1-202", nilai: {kredit: Rp50.000}}, "4-101",'
        " {baris: jumlah, nilai: {debit: Rp7.600.000, kredit: Rp7.600.000}}]",
    )
    assert load_quiz(text, FILE).question("neraca-saldo") is not None
    wrong = text.replace("nilai: {kredit: Rp50.000}", "nilai: {debit: Rp50.000}")
    [(line, message)] = problems_of(wrong)
    assert line == line_of(wrong, "nilai: {debit: Rp50.000}")
    assert "debit" in message


def test_a_laporan_line_not_in_the_statement_is_refused():
    text = replace_once(with_statement("hasil-usaha"), "jumlah_pendapatan,", "jumlah_aset,")
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "jumlah_aset, jumlah_beban")
    assert "jumlah_aset" in message


def test_shu_percentages_must_total_100():
    text = replace_once(with_statement("shu-anggota"), "Dana sosial: 5,", "Dana sosial: 4,")
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "persen: {Dana cadangan")
    assert "100" in message and "99" in message


def test_a_shu_value_that_differs_from_the_engine_is_reported():
    text = replace_once(
        with_statement("shu-anggota"),
        "persen: {Dana cadangan: 30,",
        "persen: {Dana cadangan: {persen: 30, nilai: Rp300.000},",
    )
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "nilai: Rp300.000")
    assert "Rp300.000" in message and "Rp300.001" in message
    right = text.replace("nilai: Rp300.000", "nilai: Rp300.001")
    assert load_quiz(right, FILE).question("shu-anggota") is not None


@pytest.mark.parametrize(
    ("old", "new", "marker"),
    [
        ('teks: "RAT boleh', 'teks: "RAT <b>boleh</b>', "<b>boleh"),
        ("Sekali, saat masuk", "Sekali, <i>saat</i> masuk", "<i>saat"),
        ("Itu simpanan wajib.", "Itu <script>x</script>.", "<script>"),
    ],
)
def test_raw_html_in_text_is_refused_on_its_line(old: str, new: str, marker: str):
    text = replace_once(CHOICES, old, new)
    [(line, message)] = problems_of(text)
    assert line == line_of(text, marker)
    assert "HTML" in message


def test_an_unquoted_dotted_amount_is_refused_on_its_line():
    text = replace_once(CHOICES, "jawaban: Rp35.000", "jawaban: 150.000")
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "jawaban: 150.000")
    assert "desimal" in message and "Rp150.000" in message


@pytest.mark.parametrize("amount", ['"150.000"', "Rp150.000", "150000", "Rp 150.000"])
def test_amount_forms_that_are_accepted(amount: str):
    text = replace_once(CHOICES, "jawaban: Rp35.000", f"jawaban: {amount}")
    question = load_quiz(text, FILE).question("jasa-bulan-ini")
    assert isinstance(question, NumericQuestion) and question.answer == 150_000


def test_problems_in_several_questions_are_all_reported_at_once():
    text = replace_once(QUIZ, "jenis: benar_salah", "jenis: esai")
    text = replace_once(
        text, '{akun: "3-101", kredit: Rp100.000}', '{akun: "3-101", kredit: 150.000}'
    )
    text = replace_once(text, "Dana sosial: 5,", "Dana sosial: 6,")
    text = replace_once(text, "- id: hasil-usaha", "- id: neraca-saldo")
    found = problems_of(text)
    expected_lines = [
        line_of(text, "jenis: esai"),
        line_of(text, "kredit: 150.000"),
        line_of(text, "- id: neraca-saldo", line_of(text, "- id: posisi-keuangan")),
        line_of(text, "persen: {Dana cadangan"),
    ]
    assert [line for line, _ in found] == expected_lines
    assert [m.split(":", 1)[0] for _, m in found] == ["soal 3", "soal 5", "soal 9", "soal 10"]


def test_error_text_has_file_and_line():
    text = replace_once(CHOICES, "jenis: benar_salah", "jenis: esai")
    with pytest.raises(QuizError) as info:
        load_quiz(text, FILE)
    assert str(info.value).startswith(f"{FILE}:{line_of(text, 'jenis: esai')}: soal 3: jenis")


def test_unreadable_yaml_is_reported_with_its_line():
    text = replace_once(CHOICES, 'teks: "Berapa jasa pinjaman bulan ini?"', 'teks: "Berapa jasa')
    found = problems_of(text)
    assert len(found) == 1 and "YAML" in found[0][1]
    assert found[0][0] > line_of(text, "- id: rat-wajib")


def test_a_key_written_twice_is_reported():
    text = replace_once(CHOICES, "    jawaban: salah\n", "    jawaban: salah\n    jawaban: benar\n")
    [(line, message)] = problems_of(text)
    assert line == line_of(text, "jawaban: benar")
    assert "dua kali" in message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('  - id: Satu\n    jenis: benar_salah\n    teks: "x"\n    jawaban: benar\n', "id:"),
        ('  - id: a\n    jenis: benar_salah\n    teks: "x"\n    jawaban: mungkin\n', "jawaban"),
        (
            '  - id: a\n    jenis: benar_salah\n    teks: "x"\n    jawaban: benar\n    bobot: 0\n',
            "bobot",
        ),
        ('  - id: a\n    jenis: angka\n    teks: "x"\n    jawaban: Rp5\n', "- id"),
    ],
)
def test_other_question_problems(body: str, fragment: str):
    text = one_question(body)
    [(line, _message)] = problems_of(text)
    assert line == line_of(text, fragment)


def test_read_answers_makes_keys_text():
    answers = read_answers(
        b"jurnal:\n  1: tidak_perlu_jurnal\n  2:\n    - {akun: '1-103', debit: 100000}\npilih: b\n"
    )
    assert answers == {
        "jurnal": {"1": "tidak_perlu_jurnal", "2": [{"akun": "1-103", "debit": 100000}]},
        "pilih": "b",
    }
    assert read_answers('{"pilih": ["a", "c"]}') == {"pilih": ["a", "c"]}
    assert read_answers("") == {}
    with pytest.raises(QuizError) as info:
        read_answers("- a\n- b\n", "jawaban.yaml")
    assert info.value.problems[0].line == 1
