"""Browser tests: one live `lms serve` and one headless Chromium for the whole session.

The live server runs on a database of its own (never the unit tests' one): a new SQLite file in a
temporary directory, or a new PostgreSQL database with LMS_TEST_BACKEND=postgresql. It is filled
by the commands an operator runs: `lms db upgrade`, `lms regions load`, `lms demo`.

Each test gets a new browser context (cookies, storage) with a 360x800 viewport, the phones our
participants use. On failure a full-page screenshot goes to test-results/<test-name>.png.
Accessibility: see support.py; every page the helpers reach is checked with axe-core.

Playwright never downloads a browser here: Debian's /usr/bin/chromium is launched. Without it or
without node_modules/axe-core (`make node-deps`) the tests are skipped, unless CI is set: then
they fail.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine

from tests.conftest import create_test_database

if TYPE_CHECKING:  # playwright is imported lazily: without it the tests are skipped, not broken
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE_VIEWPORT = {"width": 360, "height": 800}
SERVER_ENV = {
    "LMS_ENV": "test",
    "LMS_SECRET_KEY": "browser-tests-secret-key-0123456789abcdefghij",
    "LMS_ARGON2_MEMORY_KIB": "1024",
    "LMS_ARGON2_TIME_COST": "1",
}
START_TIMEOUT = 30.0
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def _missing_prerequisites() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not AXE_JS.exists():
        missing.append(f"{AXE_JS.relative_to(ROOT)} is missing (make node-deps)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package is missing (pip install -e '.[dev]')")
    return missing


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


def _is_browser_test(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Called with every collected item of the session, so pick ours by path.
    mine = [item for item in items if _is_browser_test(item)]
    missing = _missing_prerequisites() if mine else []
    for item in mine:
        item.add_marker(pytest.mark.browser)
        if missing and not _in_ci():
            item.add_marker(pytest.mark.skip(reason="browser tests: " + "; ".join(missing)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if "tests.browser.support" not in sys.modules:
        return
    from tests.browser import support

    lines = support.summary_lines()
    if lines:
        terminalreporter.section("axe-core: minor/moderate findings (not failing)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def browser_prerequisites() -> None:
    missing = _missing_prerequisites()
    if missing:
        # Only reached with CI set (otherwise the tests were skipped at collection).
        pytest.fail("browser tests cannot run in CI: " + "; ".join(missing), pytrace=False)


# --- live server ------------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    database_url: str
    log_path: Path

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(database_url: str) -> dict[str, str]:
    # Nothing from the developer's own LMS_* settings (LMS_HTTPS would break cookies over http).
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(SERVER_ENV, LMS_DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _lms(args: list[str], env: dict[str, str], cwd: Path) -> None:
    command = [sys.executable, "-m", "lms.cli", *args]
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        pytest.fail(
            f"`lms {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}",
            pytrace=False,
        )


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"the live server exited ({process.returncode}):\n{log_path.read_text()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local http)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"the live server did not answer {url} in {START_TIMEOUT:.0f} s:\n"
                f"{log_path.read_text()}",
                pytrace=False,
            )
        time.sleep(0.1)


@pytest.fixture(scope="session")
def live_server(
    browser_prerequisites: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`lms serve` on a fresh database with the regions, the course library and the demo data."""
    workdir = tmp_path_factory.mktemp("live-server")
    database_url, drop = create_test_database(workdir)
    try:
        env = _server_env(database_url)
        # Run from the temporary directory, so a developer's .env does not apply.
        _lms(["db", "upgrade"], env, workdir)
        _lms(["regions", "load"], env, workdir)
        _lms(["courses", "sync"], env, workdir)
        _lms(["demo"], env, workdir)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = workdir / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "lms.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_up(process, f"{url}/masuk", log_path)
            yield LiveServer(url=url, database_url=database_url, log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        drop()


@pytest.fixture(scope="session")
def live_db(live_server: LiveServer) -> Iterator[Engine]:
    """An engine on the live server's database, for looking things up (and cleaning up)."""
    from lms.db import make_engine

    engine = make_engine(live_server.database_url)
    yield engine
    engine.dispose()


# --- browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(browser_prerequisites: None) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """Override in a module (or parametrize indirectly) for other screen sizes."""
    return dict(PHONE_VIEWPORT)


def _screenshot_name(item: pytest.Item) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name).strip("_")


@pytest.fixture
def new_page(
    browser: Browser,
    live_server: LiveServer,
    viewport: dict[str, int],
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., Page]]:
    """Make a page in a new browser context (a new device: no cookies, no storage).

    The first page of a test is `page`; call this for a second person or device.
    """
    from tests.browser import support

    name = _screenshot_name(request.node)
    support.RESULTS_DIR.joinpath(f"{name}.png").unlink(missing_ok=True)
    contexts: list[Any] = []
    log_offset = live_server.log_size()

    def make(**options: Any) -> Page:
        settings: dict[str, Any] = {
            "base_url": live_server.url,
            "viewport": viewport,
            "locale": "id-ID",
            "timezone_id": "Asia/Jakarta",
        }
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        suffix = f"-{len(contexts) + 1}" if contexts else ""
        support.instrument(context, name + suffix)
        contexts.append(context)
        return context.new_page()

    yield make

    call = request.node.stash.get(_REPORTS, {}).get("call")
    passed = call is not None and call.passed
    failed = call is not None and call.failed  # not for an expected failure (xfail)
    failures: list[str] = []
    pages = [p for context in contexts for p in context.pages]
    if passed:
        for page in pages:
            failures.extend(support.finish(page))
        server_log = live_server.log_since(log_offset)
        if "Traceback" in server_log:
            failures.append("the live server logged an error:\n" + server_log[-4000:])
    if failed or failures:
        support.RESULTS_DIR.mkdir(exist_ok=True)
        for index, page in enumerate(pages):
            suffix = f"-{index + 1}" if index else ""
            try:
                page.screenshot(
                    path=support.RESULTS_DIR / f"{name}{suffix}.png",
                    full_page=True,
                    caret="initial",
                )
            except Exception as exc:  # a screenshot must not hide the real failure
                print(f"screenshot of {name}{suffix} failed: {exc}")
    for context in contexts:
        context.close()
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()
