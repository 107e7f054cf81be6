"""`lms quizzes check`, `lms quizzes key` and `lms grade`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from lms import cli
from tests.quizzes.samples import QUIZ, line_of, replace_once

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Problems on one line each, whatever the width of the terminal; paths relative."""
    monkeypatch.setattr(cli, "console", Console(width=500, no_color=True, highlight=False))
    monkeypatch.chdir(tmp_path)


def invoke(*args: str):
    return runner.invoke(cli.app, list(args))


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_check_a_good_file():
    write("03-simpanan.yaml", QUIZ)
    result = invoke("quizzes", "check", "03-simpanan.yaml")
    assert result.exit_code == 0, result.output
    assert "03-simpanan.yaml: 10 soal, 14 poin." in result.output


def test_check_a_bad_file_prints_file_line_message():
    text = replace_once(QUIZ, "Dana sosial: 5,", "Dana sosial: 4,")
    text = replace_once(text, "jenis: benar_salah", "jenis: esai")
    write("03-simpanan.yaml", text)
    result = invoke("quizzes", "check", "03-simpanan.yaml")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 2, result.output
    assert lines[0].startswith(f"03-simpanan.yaml:{line_of(text, 'jenis: esai')}: soal 3: jenis:")
    assert "esai" in lines[0]
    assert lines[1].startswith(
        f"03-simpanan.yaml:{line_of(text, 'persen: {Dana')}: soal 10: persen:"
    )
    assert "100" in lines[1] and "99" in lines[1]


def test_check_a_folder_checks_every_kuis_file():
    write("pembukuan/kuis/01-baik.yaml", QUIZ)
    bad = replace_once(QUIZ, "jawaban: Rp35.000", "jawaban: 150.000")
    write("pembukuan/kuis/02-buruk.yaml", bad)
    write("pembukuan/course.yaml", "bukan: kuis\n")  # not in kuis/: not a quiz
    result = invoke("quizzes", "check", ".")
    assert result.exit_code == 1
    assert "01-baik.yaml: 10 soal, 14 poin." in result.output
    assert f"02-buruk.yaml:{line_of(bad, 'jawaban: 150.000')}: soal 4: jawaban:" in result.output
    assert "course.yaml" not in result.output
    Path("kosong").mkdir()
    assert invoke("quizzes", "check", "kosong").exit_code == 1


def test_the_key_graded_gives_full_marks():
    write("03-simpanan.yaml", QUIZ)
    key = invoke("quizzes", "key", "03-simpanan.yaml")
    assert key.exit_code == 0, key.output
    write("kunci.yaml", key.stdout)
    result = invoke("grade", "03-simpanan.yaml", "kunci.yaml")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["persen"] == 100
    assert report["total"] == report["maksimum"] == 14
    assert report["kuis"] == "simpanan"
    assert "tidak_dikenal" not in report


def test_the_key_of_a_bad_file_is_refused():
    write("03-simpanan.yaml", replace_once(QUIZ, "jenis: benar_salah", "jenis: esai"))
    result = invoke("quizzes", "key", "03-simpanan.yaml")
    assert result.exit_code == 1
    assert "03-simpanan.yaml:" in result.output and "esai" in result.output


def test_grade_a_wrong_answers_file():
    write("03-simpanan.yaml", QUIZ)
    write(
        "jawaban.yaml",
        """\
simpanan-pokok: a
syarat-anggota: [a, c]
rat-wajib: salah
jasa-bulan-ini: Rp36.000
simpanan-anggota-baru:
  1:
    - {akun: "1-103", debit: Rp100.000}
    - {akun: "3-101", kredit: Rp90.000}
  2: tidak_perlu_jurnal
  3:
    - {akun: "1-103 Kas Unit Simpan Pinjam", debit: Rp1.075.000}
    - {akun: "Pinjaman Anggota", kredit: 1000000}
    - {akun: "4-201", kredit: Rp75.000}
    - {akun: "1-101", kredit: Rp1}
neraca-saldo:
  "1-102": {debit: Rp150.000}
  jumlah: {debit: Rp7.600.000, kredit: Rp7.600.000}
soal-lain: b
""",
    )
    result = invoke("grade", "03-simpanan.yaml", "jawaban.yaml")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    items = {item["id"]: item for item in report["soal"]}
    scores = {qid: item["skor"] for qid, item in items.items()}
    assert scores == {
        "simpanan-pokok": 0,
        "syarat-anggota": 2.0,
        "rat-wajib": 1,
        "jasa-bulan-ini": 0,
        # (3/4 + 1 + 5/6) / 3 * 3
        "simpanan-anggota-baru": round(3 / 4 + 1 + 5 / 6, 2),
        "penjualan-dibulatkan": 0,
        "neraca-saldo": 0.5,  # 1-102 and jumlah of four lines
        "posisi-keuangan": 0,
        "hasil-usaha": 0,
        "shu-anggota": 0,
    }
    assert report["maksimum"] == 14
    assert report["total"] == round(0 + 2 + 1 + 0 + (3 / 4 + 1 + 5 / 6) + 0.5, 2)
    assert report["persen"] == round((2 + 1 + 3 / 4 + 1 + 5 / 6 + 0.5) * 100 / 14, 2)
    assert report["tidak_dikenal"] == ["soal-lain"]
    assert items["rat-wajib"]["umpan_balik"] == ["Benar."]
    assert any("Rp36.000" in f and "Rp35.000" in f for f in items["jasa-bulan-ini"]["umpan_balik"])
    journal = items["simpanan-anggota-baru"]
    assert journal["jenis"] == "jurnal" and journal["bobot"] == 3
    assert journal["akun_salah"] == ["3:1-101:kredit"]
    assert any(
        f.startswith("Transaksi 1") and "3-101 Simpanan Pokok" in f and "Rp90.000" in f
        for f in journal["umpan_balik"]
    )
    assert any(f.startswith("Transaksi 3") and "1-101" in f for f in journal["umpan_balik"])
    assert items["shu-anggota"]["umpan_balik"] == ["Belum dijawab."]


def test_grade_an_unreadable_answers_file():
    write("03-simpanan.yaml", QUIZ)
    write("jawaban.yaml", "- a\n- b\n")
    result = invoke("grade", "03-simpanan.yaml", "jawaban.yaml")
    assert result.exit_code == 1
    assert "jawaban.yaml:1:" in result.output
    missing = invoke("grade", "03-simpanan.yaml", "tidak-ada.yaml")
    assert missing.exit_code == 1
