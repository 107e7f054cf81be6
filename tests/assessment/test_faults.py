"""Faults against a real database (no test transaction around it): a killed server, two submits
at once, saves racing a submit. No answer the server acknowledged may be lost."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from lms.accounts.models import Jabatan, Role, User, UserSession
from lms.accounts.passwords import hash_password
from lms.app import create_app
from lms.assessment import services
from lms.assessment.models import Quiz, QuizAnswer, QuizAttempt
from lms.config import get_settings
from lms.db import Database
from lms.learning.models import Course
from tests.browser.conftest import SERVER_ENV, _free_port, _server_env, _wait_until_up
from tests.conftest import login

PASSWORD = "sandi-uji-123"


@pytest.fixture
def real(engine) -> Iterator[tuple[Database, User, Quiz]]:  # type: ignore[no-untyped-def]
    database = Database(engine)
    with database.session(write=True) as session:
        user = User(
            name="Peserta Gangguan",
            phone="+6281299990077",
            password_hash=hash_password(PASSWORD),
            role=Role.PESERTA,
            jabatan=Jabatan.BENDAHARA,
        )
        session.add(user)
        quiz = session.scalar(
            select(Quiz)
            .join(Course, Course.id == Quiz.course_id)
            .where(Course.slug == "tata-kelola", Quiz.slug == "tata-kelola")
        )
        session.commit()
        session.expunge_all()
    yield database, user, quiz
    with database.session(write=True) as session:
        ids = select(QuizAttempt.id).where(QuizAttempt.user_id == user.id)
        session.execute(delete(QuizAnswer).where(QuizAnswer.attempt_id.in_(ids)))
        session.execute(delete(QuizAttempt).where(QuizAttempt.user_id == user.id))
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        session.execute(delete(User).where(User.id == user.id))
        session.commit()


def choice_questions(database: Database, quiz: Quiz) -> list[tuple[str, str]]:
    with database.session() as session:
        questions = services.definition(session, quiz.version_id, quiz.path).questions
        return [(q.id, q.choices[0].id) for q in questions if hasattr(q, "choices")]


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_kill_9_during_an_attempt_loses_no_acknowledged_answer(real, database_url, tmp_path):
    database, _user, quiz = real
    env = _server_env(database_url)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    command = [sys.executable, "-m", "lms.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]

    def serve() -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=log)
        _wait_until_up(process, f"{url}/masuk", log_path)
        return process

    assert env["LMS_ENV"] == SERVER_ENV["LMS_ENV"]
    server = serve()
    client = httpx2.Client(base_url=url, follow_redirects=False, timeout=20)
    try:
        page = client.get("/masuk").text
        client.post(
            "/masuk",
            data={"csrf_token": csrf(page), "login": "0812-9999-0077", "password": PASSWORD},
        )
        page = client.get("/kuis/tata-kelola/tata-kelola").text
        started = client.post(
            "/kuis/tata-kelola/tata-kelola/mulai", data={"csrf_token": csrf(page)}
        )
        attempt_path = started.headers["location"]
        page = client.get(attempt_path).text
        token = csrf(page)
        acknowledged = {}
        for rev, (qid, choice) in enumerate(choice_questions(database, quiz)[:5], start=1):
            response = client.post(
                f"{attempt_path}/jawab",
                data={"csrf_token": token, "soal": qid, "rev": str(rev), "j": choice},
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 200
            trigger = json.loads(response.headers["HX-Trigger-After-Settle"])
            acknowledged[qid] = trigger["answerSaved"]["rev"]
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        server = serve()
        # The attempt resumes with every acknowledged answer, and they are graded.
        page = client.get(attempt_path).text
        for qid, choice in choice_questions(database, quiz)[:5]:
            assert re.search(rf'data-soal="{qid}"[\s\S]*?value="{choice}" checked', page), qid
        done = client.post(f"{attempt_path}/kirim", data={"csrf_token": csrf(page)})
        assert done.status_code == 303
        with database.session() as session:
            attempt_id = int(attempt_path.rsplit("/", 1)[1])
            graded = session.get(QuizAttempt, attempt_id)
            assert graded is not None and graded.result is not None
            for qid, rev in acknowledged.items():
                saved = session.get(QuizAnswer, (attempt_id, qid))
                assert saved is not None and saved.rev >= rev
                assert graded.result[qid]["dijawab"]
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


def _client(app, user: User) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    login(client, user, PASSWORD)
    return client


def test_two_submits_at_once_make_one_graded_attempt(real, monkeypatch):
    database, user, _quiz = real
    app = create_app(get_settings(), database)
    first, second = _client(app, user), _client(app, user)
    from tests.conftest import post

    attempt_path = post(first, "/kuis/tata-kelola/tata-kelola/mulai").headers["location"]
    graded: list[int] = []
    original = services.grade
    lock = threading.Lock()

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            graded.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "grade", counting)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def submit(client: TestClient) -> None:
        barrier.wait()
        results.append(post(client, f"{attempt_path}/kirim").status_code)

    threads = [threading.Thread(target=submit, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [303, 303]
    assert len(graded) == 1
    with database.session() as session:
        attempts = session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()
        assert len(attempts) == 1 and attempts[0].result is not None


def test_saves_racing_a_submit_are_either_refused_or_graded(real):
    database, user, quiz = real
    app = create_app(get_settings(), database)
    submitter = _client(app, user)
    from tests.conftest import csrf_for, post

    attempt_path = post(submitter, "/kuis/tata-kelola/tata-kelola/mulai").headers["location"]
    savers = [_client(app, user) for _ in range(3)]
    questions = choice_questions(database, quiz)
    acknowledged: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(savers) + 1)

    def save_all(client: TestClient, part: list[tuple[str, str]]) -> None:
        token = csrf_for(client)
        barrier.wait()
        for rev, (qid, choice) in enumerate(part, start=1):
            response = client.post(
                f"{attempt_path}/jawab",
                data={"csrf_token": token, "soal": qid, "rev": str(rev), "j": choice},
                headers={"HX-Request": "true"},
            )
            assert response.status_code in (200, 409), response.text
            if response.status_code == 200:
                with lock:
                    acknowledged[qid] = rev

    def submit() -> None:
        barrier.wait()
        post(submitter, f"{attempt_path}/kirim")

    parts = [questions[i :: len(savers)] for i in range(len(savers))]
    threads = [
        threading.Thread(target=save_all, args=(c, p)) for c, p in zip(savers, parts, strict=True)
    ]
    threads.append(threading.Thread(target=submit))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    attempt_id = int(attempt_path.rsplit("/", 1)[1])
    with database.session() as session:
        graded = session.get(QuizAttempt, attempt_id)
        assert graded is not None and graded.result is not None
        for qid in acknowledged:
            saved = session.get(QuizAnswer, (attempt_id, qid))
            assert saved is not None
            assert graded.result[qid]["dijawab"], qid  # acknowledged, so graded
