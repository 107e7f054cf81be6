"""The locust user of bench.quiz_load: one participant of a cohort taking one quiz.

Not imported by any other bench module: `python -m bench.quiz_load` runs it in its own locust
process (gevent), configured by the JSON in BENCH_QUIZ_CONFIG. Each user, once:

1. opens /masuk, logs in (argon2 on the server), lands on /beranda and opens the quiz page;
2. at the common start moment (plus a few seconds of human jitter) presses Mulai and loads the
   attempt page, whose forms say which questions and which choices exist;
3. answers the questions in page order like quiz.js does (POST /percobaan/{id}/jawab with
   HX-Request, X-CSRF-Token, soal, rev in milliseconds and the picked j values), a think time
   before each, sometimes changing an earlier answer, until the next answer would not be in
   before the deadline;
4. at the deadline (the page's timer submits within its one-second tick) posts /kirim with what
   is still pending (nothing: every save was acknowledged first) and loads the result page.

Every acknowledged save (200 with HX-Trigger-After-Settle answerSaved of that revision) is
recorded with the value sent; the records and every request's timing are written to the output
file when locust quits, for bench.quiz_load to check against the database.

A phone that waited longer than the server's keep-alive (uvicorn: 5 s) finds its connection
closed; a browser then opens a new one without counting an error, so the user drops its pooled
connections after a long think time instead of posting on a socket the server already closed.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

CONFIG: dict[str, Any] = json.loads(os.environ.get("BENCH_QUIZ_CONFIG", "{}"))
KEEPALIVE_S = 3.0  # below uvicorn's 5 s: after a longer pause, start a new connection

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_RE = re.compile(r'<form class="qform"[^>]*data-soal="([^"]+)"(.*?)</form>', re.S)
INPUT_RE = re.compile(r'<input type="(radio|checkbox)" name="j" value="([^"]+)"')

_numbers = itertools.count()
_finished = itertools.count(1)
REQUESTS: list[tuple[str, float, str | None, float]] = []  # name, ms, error, started (epoch)
ACKS: list[dict[str, Any]] = []  # attempt, soal, rev, value
USERS: list[dict[str, Any]] = []  # per user: login, attempt, outcome


def _record(
    name: str,
    response_time: float,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_kwargs: Any,
) -> None:
    error = None if exception is None else f"{type(exception).__name__}: {exception}"[:200]
    REQUESTS.append((name, response_time, error, start_time or time.time()))


def _dump(**_kwargs: Any) -> None:
    out = CONFIG.get("out")
    if not out:
        return
    with open(out, "w") as handle:
        json.dump({"requests": REQUESTS, "acks": ACKS, "users": USERS}, handle)


events.request.add_listener(_record)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_dump)  # type: ignore[no-untyped-call]


def login_name(number: int) -> str:
    """The phone number participant `number` (0-based) logs in with: 0813-5000-0001, ..."""
    return f"0813{50_000_001 + number:08d}"


class Failed(Exception):
    """A step failed (already recorded as a failed request): this participant stops."""


class Participant(FastHttpUser):
    network_timeout = 120.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.info: dict[str, Any] = {"login": login_name(self.number), "outcome": "started"}
        USERS.append(self.info)
        self.rng = random.Random(CONFIG.get("seed", 1) * 100_003 + self.number)

    # ------------------------------------------------------------------ helpers

    def _pause_until(self, moment: float) -> None:
        delay = moment - time.time()
        if delay > 0:
            gevent.sleep(delay)
        if delay > KEEPALIVE_S:
            self.client.client.clientpool.close()  # the server closed the idle connection

    def _call(
        self,
        method: str,
        path: str,
        name: str,
        status: int,
        check: str | None = None,
        form: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One request; a wrong status (or a missing `check` text) is a failure and stops."""
        headers = dict(headers or {})
        data = None
        if form is not None:
            data = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(
            method,
            path,
            name=name,
            data=data,
            headers=headers,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != status:
                error = getattr(response, "error", None)
                response.failure(f"status {response.status_code}, wanted {status} {error or ''}")
                raise Failed(name)
            if check is not None and check not in (response.text or ""):
                response.failure(f"{check!r} missing from the page")
                raise Failed(name)
            response.success()
            return response

    @staticmethod
    def _csrf(text: str | None) -> str:
        found = CSRF_RE.search(text or "")
        if not found:
            raise Failed("csrf")
        return found.group(1)

    # ------------------------------------------------------------------ the participant

    @task
    def take_quiz(self) -> None:
        try:
            self._take_quiz()
            self.info["outcome"] = "done"
        except Failed as exc:
            self.info["outcome"] = f"failed at {exc}"
        finally:
            if next(_finished) == CONFIG.get("users"):
                gevent.spawn_later(1, self.environment.runner.quit)
        raise StopUser()

    def _take_quiz(self) -> None:
        course, quiz = CONFIG["course"], CONFIG["quiz"]
        page = self._call("GET", "/masuk", "login_form", 200)
        form = [("csrf_token", self._csrf(page.text)), ("login", self.info["login"])]
        form.append(("password", CONFIG["password"]))
        self._call("POST", "/masuk", "login", 303, form=form)
        self._call("GET", "/beranda", "home", 200)
        quiz_page = self._call("GET", f"/kuis/{course}/{quiz}", "quiz", 200)
        token = self._csrf(quiz_page.text)

        start_at = CONFIG["start_at"] + self.rng.uniform(0, CONFIG["start_jitter"])
        self._pause_until(start_at)
        started = self._call(
            "POST", f"/kuis/{course}/{quiz}/mulai", "start", 303, form=[("csrf_token", token)]
        )
        location = started.headers.get("location", "")
        match = re.fullmatch(r"/percobaan/(\d+)", location)
        if not match:
            raise Failed("start")
        attempt = int(match.group(1))
        self.info["attempt"] = attempt
        page = self._call("GET", location, "page", 200, check='id="quiz"')
        token = self._csrf(page.text)
        questions = [
            (qid, [(kind, value) for kind, value in INPUT_RE.findall(body)])
            for qid, body in FORM_RE.findall(page.text or "")
        ]
        if not questions or not all(inputs for _qid, inputs in questions):
            raise Failed("page")
        self._answer(attempt, token, questions)

        # The page's timer submits at the deadline (it ticks once a second).
        self._pause_until(CONFIG["closes_at"] + self.rng.uniform(0, CONFIG["submit_jitter"]))
        self._call(
            "POST",
            f"/percobaan/{attempt}/kirim",
            "submit",
            303,
            form=[("csrf_token", token), ("semua", "{}")],
        )
        self._call("GET", f"/percobaan/{attempt}/hasil", "result", 200)

    def _answer(
        self, attempt: int, token: str, questions: list[tuple[str, list[tuple[str, str]]]]
    ) -> None:
        low, high = CONFIG["think"]
        # The last save must be in before the deadline (the page's timer submits then).
        last_moment = CONFIG["closes_at"] - 2
        headers = {"HX-Request": "true", "X-CSRF-Token": token}
        answered: list[int] = []
        last_rev = 0
        while len(answered) < len(questions):
            think = self.rng.uniform(low, high)
            if time.time() + think > last_moment:
                break
            self._pause_until(time.time() + think)
            if answered and self.rng.random() < CONFIG["change_rate"]:
                index = self.rng.choice(answered)  # a second thought about an earlier one
            else:
                index = len(answered)
                answered.append(index)
            qid, inputs = questions[index]
            values = [value for _kind, value in inputs]
            if inputs[0][0] == "checkbox":
                picked = sorted(self.rng.sample(values, self.rng.randint(1, len(values))))
                stored: Any = picked
            else:
                picked = [self.rng.choice(values)]
                stored = picked[0]
            last_rev = max(int(time.time() * 1000), last_rev + 1)
            fields = [("soal", qid), ("rev", str(last_rev))] + [("j", v) for v in picked]
            response = self._call(
                "POST", f"/percobaan/{attempt}/jawab", "save", 200, form=fields, headers=headers
            )
            trigger = response.headers.get("HX-Trigger-After-Settle") or ""
            try:
                saved = json.loads(trigger)["answerSaved"]
            except (ValueError, KeyError, TypeError):
                saved = None
            if not saved or saved.get("soal") != qid or saved.get("rev") != last_rev:
                raise Failed("save (no acknowledgement of this revision)")
            ACKS.append({"attempt": attempt, "soal": qid, "rev": last_rev, "value": stored})
