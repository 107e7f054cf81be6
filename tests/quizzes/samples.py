"""Quiz texts shared by the quiz tests, and small helpers to read them."""

from __future__ import annotations

import pytest

from quizzes.loader import QuizError, load_quiz

FILE = "03-simpanan.yaml"

# One question of every type. The journal key of transaction 3 has three accounts; the ledger
# book below gives: neraca saldo total Rp7.600.000 each side, aset Rp7.500.000 (with the contra
# account 1-202 deducting Rp50.000), SHU Rp100.000.
QUIZ = """\
judul: "Kuis Uji: Simpanan dan Laporan"
ringkasan: "Kuis kecil untuk pengujian."
modul: simpanan-pinjaman
pengaturan:
  batas_waktu: 30
  percobaan: 2
  penilaian: terakhir
  acak: tidak
  tinjauan: setelah_tutup
  lulus: 60
soal:
  - id: simpanan-pokok
    jenis: pilihan_tunggal
    teks: "Kapan simpanan pokok dibayar?"
    pembahasan: "Simpanan pokok dibayar sekali."
    pilihan:
      - {teks: "Setiap bulan", umpan_balik: "Itu simpanan wajib."}
      - {teks: "Sekali, saat masuk menjadi anggota", benar: true}
      - {teks: "Kapan saja anggota mau"}
  - id: syarat-anggota
    jenis: pilihan_ganda
    bobot: 3
    teks: "Manakah syarat menjadi anggota? Pilih semua yang benar."
    pilihan:
      - {teks: "Warga desa", benar: true}
      - {teks: "Pegawai negeri", umpan_balik: "Bukan syarat."}
      - {teks: "Membayar simpanan pokok", benar: true}
      - {teks: "Cakap hukum", benar: true}
      - {teks: "Punya mobil"}
  - id: rat-wajib
    jenis: benar_salah
    teks: "RAT boleh dilewati bila pengurus sibuk."
    jawaban: salah
  - id: jasa-bulan-ini
    jenis: angka
    teks: "Berapa jasa pinjaman bulan ini?"
    jawaban: Rp35.000
    toleransi: Rp100
  - id: simpanan-anggota-baru
    jenis: jurnal
    teks: "Koperasi Desa Merah Putih Sukamaju, Januari 2026."
    toleransi: Rp0
    periode: {mulai: 2026-01-01, sampai: 2026-01-31}
    saldo_awal:
      "1-103": Rp10.000.000
      "3-101": Rp10.000.000
    transaksi:
      - tanggal: 2026-01-05
        teks: "Bu Tini membayar simpanan pokok Rp100.000 tunai."
        jawaban:
          - {akun: "1-103", debit: Rp100.000}
          - {akun: "3-101", kredit: Rp100.000}
      - tanggal: 2026-01-06
        teks: "Pengurus menerima surat penawaran harga beras."
        jawaban: tidak_perlu_jurnal
        pembahasan: "Penawaran belum mengubah harta, utang atau modal."
      - tanggal: 2026-01-10
        teks: "Pak Slamet membayar angsuran Rp1.000.000 dan jasa Rp75.000."
        jawaban:
          - {akun: "1-103", debit: Rp1.075.000}
          - {akun: "1-121", kredit: Rp1.000.000}
          - {akun: "4-201", kredit: Rp75.000}
  - id: penjualan-dibulatkan
    jenis: jurnal
    teks: "Penjualan tunai gerai; selisih pembulatan sampai Rp500 diterima."
    toleransi: Rp500
    periode: {mulai: 2026-01-01, sampai: 2026-01-31}
    transaksi:
      - tanggal: 2026-01-07
        teks: "Gerai menjual beras tunai Rp150.000."
        jawaban:
          - {akun: "1-102", debit: Rp150.000}
          - {akun: "4-101", kredit: Rp150.000}
  - id: neraca-saldo
    jenis: laporan
    teks: "Isilah neraca saldo per 31 Desember 2025."
    laporan: neraca_saldo
    toleransi: Rp0
    buku:
      periode: {mulai: 2025-12-01, sampai: 2025-12-31}
      saldo_awal: {"1-101": Rp5.000.000, "1-201": Rp2.400.000, "3-101": Rp7.400.000}
      transaksi:
        - tanggal: 2025-12-02
          keterangan: Penjualan tunai
          baris: [{akun: "1-102", debit: Rp150.000}, {akun: "4-101", kredit: Rp150.000}]
        - tanggal: 2025-12-31
          keterangan: Penyusutan peralatan gerai
          baris: [{akun: "5-104", debit: Rp50.000}, {akun: "1-202", kredit: Rp50.000}]
    baris: ["1-102", "1-202", "4-101", jumlah]
  - id: posisi-keuangan
    jenis: laporan
    teks: "Isilah laporan posisi keuangan per 31 Desember 2025."
    laporan: posisi_keuangan
    toleransi: Rp0
    buku:
      periode: {mulai: 2025-12-01, sampai: 2025-12-31}
      saldo_awal: {"1-101": Rp5.000.000, "1-201": Rp2.400.000, "3-101": Rp7.400.000}
      transaksi:
        - tanggal: 2025-12-02
          keterangan: Penjualan tunai
          baris: [{akun: "1-102", debit: Rp150.000}, {akun: "4-101", kredit: Rp150.000}]
        - tanggal: 2025-12-31
          keterangan: Penyusutan peralatan gerai
          baris: [{akun: "5-104", debit: Rp50.000}, {akun: "1-202", kredit: Rp50.000}]
    baris: ["1-201", "1-202", "3-401", jumlah_aset, jumlah_liabilitas, jumlah_ekuitas]
  - id: hasil-usaha
    jenis: laporan
    teks: "Isilah laporan hasil usaha Desember 2025."
    laporan: hasil_usaha
    toleransi: Rp0
    buku:
      periode: {mulai: 2025-12-01, sampai: 2025-12-31}
      saldo_awal: {"1-101": Rp5.000.000, "1-201": Rp2.400.000, "3-101": Rp7.400.000}
      transaksi:
        - tanggal: 2025-12-02
          keterangan: Penjualan tunai
          baris: [{akun: "1-102", debit: Rp150.000}, {akun: "4-101", kredit: Rp150.000}]
        - tanggal: 2025-12-31
          keterangan: Penyusutan peralatan gerai
          baris: [{akun: "5-104", debit: Rp50.000}, {akun: "1-202", kredit: Rp50.000}]
    baris: ["4-101", "5-104", jumlah_pendapatan, jumlah_beban, shu_sebelum_pajak]
  - id: shu-anggota
    jenis: shu
    teks: "SHU 2025 sebesar Rp1.000.001 dibagi menurut AD/ART."
    toleransi: Rp0
    shu: Rp1.000.001
    persen: {Dana cadangan: 30, Jasa modal anggota: 20, Jasa usaha anggota: 25,
             Dana pengurus dan pengawas: 10, Dana pendidikan: 5, Dana sosial: 5,
             Dana pembangunan daerah kerja: 5}
    jasa_modal: Jasa modal anggota
    jasa_usaha: Jasa usaha anggota
    anggota:
      - {nomor: A-01, nama: Pak Slamet, simpanan: Rp100.000, transaksi: Rp3.000.000}
      - {nomor: A-02, nama: Bu Aminah, simpanan: Rp100.000, transaksi: Rp1.000.000}
      - {nomor: A-03, nama: Bu Tini, simpanan: Rp100.000, transaksi: Rp2.000.001}
    tanya: [alokasi, anggota]
"""


HEADER, _, _rest = QUIZ.partition("soal:\n")
HEADER += "soal:\n"
BLOCKS = {block.split("\n", 1)[0]: "  - id: " + block for block in _rest.split("  - id: ")[1:]}
assert "".join(BLOCKS.values()) == _rest


def quiz_of(*ids: str) -> str:
    """The sample quiz with only the questions named (quicker to load than all of them)."""
    return HEADER + "".join(BLOCKS[i] for i in ids)


def line_of(text: str, fragment: str, start: int = 1) -> int:
    """The 1-based number of the first line at or after ``start`` that contains ``fragment``."""
    for number, line in enumerate(text.splitlines(), 1):
        if number >= start and fragment in line:
            return number
    raise AssertionError(f"{fragment!r} is not in the text")


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def problems_of(text: str, file: str = FILE) -> list[tuple[int, str]]:
    with pytest.raises(QuizError) as info:
        load_quiz(text, file)
    assert all(p.file == file for p in info.value.problems)
    return [(p.line, p.message) for p in info.value.problems]


def one_question(body: str) -> str:
    """A quiz holding one question written at the indentation of ``soal`` items."""
    return 'judul: "Kuis"\nsoal:\n' + body
