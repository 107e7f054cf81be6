from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from lms.accounts.models import Jabatan, Role, User
from lms.assessment.models import QuizAttempt
from lms.demo import PILOT_SIZE, load_demo
from lms.regions.models import Koperasi


def test_demo_is_the_kab_tangerang_pilot_and_idempotent(db):
    first = load_demo(db, password="demo-uji-1")
    assert first.koperasi_added >= PILOT_SIZE
    tangerang = db.scalar(
        select(func.count()).select_from(Koperasi).where(Koperasi.regency_code == "36.03")
    )
    assert tangerang == PILOT_SIZE
    for jabatan in (Jabatan.KETUA, Jabatan.BENDAHARA):
        count = db.scalar(
            select(func.count())
            .select_from(User)
            .where(User.regency_code == "36.03", User.jabatan == jabatan)
        )
        assert count == PILOT_SIZE
    # Villages are real Kab. Tangerang villages, one koperasi each.
    villages = db.scalars(
        select(Koperasi.village_code).where(Koperasi.regency_code == "36.03")
    ).all()
    assert len(set(villages)) == PILOT_SIZE and all(v.startswith("36.03.") for v in villages)
    roles = dict(
        db.execute(
            select(User.role, func.count())
            .where(User.email.like("%@demo.test"))
            .group_by(User.role)
        ).all()
    )
    assert roles[Role.ADMIN] == 1 and roles[Role.NARASUMBER] == 1 and roles[Role.DINAS] == 3
    serang = db.scalar(select(User).where(User.email == "dinas.serang@demo.test"))
    assert serang.region_code == "36.73"
    # The Kota Serang officials took the tata kelola quiz: graded, with uneven scores.
    assert first.attempts_added == 12
    scores = db.scalars(select(QuizAttempt.percent)).all()
    assert len(scores) == 12 and len(set(scores)) > 3 and all(s is not None for s in scores)
    again = load_demo(db, password="demo-uji-1")
    assert again.koperasi_added == 0 and again.users_added == 0 and again.attempts_added == 0
    assert sorted(db.scalars(select(QuizAttempt.percent)).all()) == sorted(scores)


def run_cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LMS_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "lms.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_from_empty_database_to_users(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_cli("db", "upgrade", database_url=url).returncode == 0
    loaded = run_cli("regions", "load", database_url=url)
    assert loaded.returncode == 0 and "91,599 wilayah dimuat" in loaded.stdout
    assert "sudah lengkap" in run_cli("regions", "load", database_url=url).stdout
    created = run_cli(
        "users",
        "create",
        "--name",
        "Operator Kediri",
        "--role",
        "dinas",
        "--email",
        "op@kediri.test",
        "--region",
        "35.06",
        "--password",
        "sandi-kuat-9",
        database_url=url,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Akun dibuat" in created.stdout
    bad = run_cli(
        "users",
        "create",
        "--name",
        "X",
        "--role",
        "peserta",
        "--phone",
        "12",
        "--password",
        "sandi-kuat-9",
        database_url=url,
    )
    assert bad.returncode == 1 and "Nomor HP tidak dikenali" in bad.stdout
    demo = run_cli("demo", "--password", "sandi-demo-1", database_url=url)
    assert demo.returncode == 0 and "dinas.tangerang@demo.test" in demo.stdout
    # The demo leaves the dashboard up to date (no courses here, so no angkatan either).
    for args in (("laporan", "perbarui"), ("laporan", "perbarui", "--semua")):
        done = run_cli(*args, database_url=url)
        assert done.returncode == 0 and "0 angkatan dihitung ulang" in done.stdout, done.stderr
