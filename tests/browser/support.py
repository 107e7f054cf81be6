"""Navigation helpers for the browser tests; every page they reach is checked with axe-core.

Use `visit(page, path)`, `submit(page, button)`, `follow(page, link)` and `reload(page)` to move
around: each one checks the page being left (when htmx changed it since its last check) and the
page reached. After an htmx swap a test waits for the new content and calls `check_a11y(page)`.

The check is axe-core with the WCAG 2.0/2.1 A and AA rules (serious and critical violations
fail; minor and moderate ones are listed in the terminal summary), plus WCAG 2.1 reflow: nothing
may be wider than the screen (ReflowError).

A safety net makes forgetting visible: every page of a test's browser context is tracked
(`instrument`). A document that was left without ever being checked, or whose htmx swaps were
never checked, fails the test at teardown; the document a test ends on is checked then. So do
JavaScript errors, console errors (CSP violations among them) and HTTP 5xx answers.

LMS_SCREENSHOTS=1 also saves a full-page screenshot of every checked page in
test-results/pages/, for looking at the layout at 360 px.
"""

from __future__ import annotations

import html
import os
import re
import weakref
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, Response
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
DEMO_PASSWORD = "bimtek2025"
RESULTS_DIR = ROOT / "test-results"
# LMS_SCREENSHOTS=1: also save a full-page screenshot of every checked page (for design review).
SCREENSHOT_EVERY_PAGE = os.environ.get("LMS_SCREENSHOTS", "") not in ("", "0")

# Runs in every document before the page's own scripts. Counts settled htmx swaps and tells the
# test process about them, so a page changed by htmx is known to need another check. Init scripts
# and bindings go through the DevTools protocol and are not subject to the page's CSP (below).
_SWAP_COUNTER = """
window.__lmsSwaps = 0;
document.addEventListener("htmx:afterSettle", function () {
  window.__lmsSwaps += 1;
  if (window.__lmsSwapped) window.__lmsSwapped(window.__lmsSwaps);
});
"""

# Loading axe-core under our CSP (script-src 'self', no 'unsafe-inline'), tried on Chromium 156:
# - page.add_script_tag(path=...) adds an inline <script>; Chromium blocks it ("Executing inline
#   script violates the following Content Security Policy directive 'script-src 'self''").
# - bypass_csp=True works, but it is a context option: CSP would be off for the whole test and a
#   real CSP regression (an inline script or style in a template) would go unnoticed.
# - Code sent through the DevTools protocol is not governed by the page's CSP, and the page keeps
#   its real policy. Two ways: page.evaluate(source), or context.add_init_script(path=...), which
#   runs axe.min.js in every new document of the context before the page's own scripts. We use
#   the init script: it crosses the pipe once per context instead of once per page (0.15-0.4 s
#   saved per checked page), and page.evaluate stays as the fallback in check_a11y. axe only
#   defines window.axe; it does nothing until axe.run is called.

# One round trip: wait until htmx is idle (no request in flight, no swap settling), then run axe.
_RUN_AXE = r"""
async (tags) => {
  const busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added";
  for (let waited = 0; document.querySelector(busy); waited += 25) {
    if (waited > 10000) return { busy: true };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (typeof window.axe !== "object") return { missing: true };
  const swaps = window.__lmsSwaps || 0;
  const result = await window.axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  // WCAG 2.1 1.4.10 Reflow (which axe does not test): nothing may be wider than the screen.
  const width = document.documentElement.clientWidth;
  const overflow = [];
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const sticksOut = (el) => el.getBoundingClientRect().right > width + 1;
  if (document.documentElement.scrollWidth > width + 1) {
    for (const el of document.body.querySelectorAll("*")) {
      if (!sticksOut(el) || [...el.children].some(sticksOut) || clipped(el)) continue;
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].map((c) => "." + c).join("");
      const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50);
      const right = Math.round(el.getBoundingClientRect().right);
      overflow.push(`${name} "${text}" ends at ${right} px`);
      if (overflow.length >= 5) break;
    }
    const wide = document.documentElement.scrollWidth;
    if (!overflow.length) overflow.push(`the page is ${wide} px wide`);
  }
  return {
    swaps,
    width,
    overflow,
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : t)).join(" "),
        summary: n.failureSummary || "",
      })),
    })),
  };
}
"""


@cache
def _axe_source() -> str:
    # The trailing expression makes Playwright evaluate the text, not call it as a function.
    return AXE_JS.read_text(encoding="utf-8") + "\n;typeof window.axe"


@dataclass
class Document:
    url: str
    swaps_seen: int = 0
    swaps_checked: int = -1  # -1: never checked

    @property
    def needs_check(self) -> bool:
        return self.swaps_checked < self.swaps_seen


@dataclass
class Tracker:
    """What one page of a test has shown, and what went wrong on it."""

    name: str
    documents: list[Document] = field(default_factory=list)
    left_unchecked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    screenshots: int = 0

    @property
    def current(self) -> Document | None:
        return self.documents[-1] if self.documents else None

    def new_document(self, url: str) -> None:
        previous = self.current
        if previous is not None and previous.needs_check:
            what = "never checked" if previous.swaps_checked < 0 else "htmx swap not checked"
            self.left_unchecked.append(f"{previous.url} ({what})")
        self.documents.append(Document(_path(url)))


# Non-blocking findings (impact minor/moderate), reported in the terminal summary.
MINOR_FINDINGS: dict[tuple[str, str], str] = {}
_trackers: weakref.WeakKeyDictionary[Page, Tracker] = weakref.WeakKeyDictionary()


def tracker(page: Page) -> Tracker:
    found = _trackers.get(page)
    if found is None:
        raise RuntimeError("this page was not made by the browser-test fixtures (instrument)")
    return found


def instrument(context: BrowserContext, name: str) -> None:
    """Track every page the context opens: documents, htmx swaps, JS errors, failed requests."""

    def swapped(source: dict[str, Any], count: int) -> None:
        page = source["page"]
        if source["frame"] != page.main_frame or page not in _trackers:
            return
        current = _trackers[page].current
        if current is not None:
            current.swaps_seen = max(current.swaps_seen, int(count))

    context.expose_binding("__lmsSwapped", swapped)
    context.add_init_script(script=_SWAP_COUNTER)
    context.add_init_script(path=AXE_JS)

    def on_page(page: Page) -> None:
        index = len(context.pages)
        track = Tracker(name if index <= 1 else f"{name}-{index}")
        _trackers[page] = track
        page.on("domcontentloaded", lambda p: track.new_document(p.url))
        page.on("pageerror", lambda exc: track.problems.append(f"JavaScript error: {exc}"))

        def on_console(message: ConsoleMessage) -> None:
            # "Failed to load resource" comes with every 4xx/5xx, which on_response judges.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                track.problems.append(f"console error on {_path(page.url)}: {message.text}")

        def on_response(response: Response) -> None:
            status = response.status
            path = _path(response.url)
            if status >= 500 and not response.from_service_worker:
                # (the service worker's own "no connection" page is a 503 on purpose)
                track.problems.append(f"HTTP {status} for {path}")
            elif (
                status >= 400
                and not response.request.is_navigation_request()
                and response.request.resource_type != "xhr"  # htmx handles its own 4xx
                and path != "/favicon.ico"
            ):
                track.problems.append(f"HTTP {status} for sub-resource {path}")

        page.on("console", on_console)
        page.on("response", on_response)

    context.on("page", on_page)


class ReflowError(AssertionError):
    """Content wider than the screen: sideways scrolling on a phone (WCAG 2.1 1.4.10 Reflow)."""


def check_a11y(page: Page) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the page; fail on serious or critical violations.

    Also fails (ReflowError) when something is wider than the viewport: axe cannot test the
    WCAG 2.1 reflow criterion, and sideways scrolling on a 360 px phone is what users meet first.
    """
    __tracebackhide__ = True
    track = tracker(page)
    result = page.evaluate(_RUN_AXE, list(AXE_TAGS))
    if result.get("missing"):  # the init script did not reach this document
        page.evaluate(_axe_source())
        result = page.evaluate(_RUN_AXE, list(AXE_TAGS))
    if result.get("busy"):
        pytest.fail(f"htmx still busy after 10 s on {page.url}; cannot check it", pytrace=False)
    current = track.current
    if current is not None:
        current.swaps_checked = max(current.swaps_checked, int(result["swaps"]))
        current.swaps_seen = max(current.swaps_seen, current.swaps_checked)
    if SCREENSHOT_EVERY_PAGE:
        track.screenshots += 1
        RESULTS_DIR.joinpath("pages").mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=RESULTS_DIR / "pages" / f"{track.name}-{track.screenshots:02d}.png",
            full_page=True,
            caret="initial",  # hiding the caret injects a <style>, which our CSP refuses
        )
    path = _path(page.url)
    blocking = []
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            blocking.append(violation)
        else:
            MINOR_FINDINGS.setdefault(
                (violation["id"], path.split("?")[0]),
                f"{violation['impact']}: {violation['help']} "
                f"({', '.join(n['target'] for n in violation['nodes'][:3])})",
            )
    reflow = ""
    if result["overflow"]:
        reflow = f"content wider than the {result['width']} px screen on {path}:\n" + "\n".join(
            f"    {what}" for what in result["overflow"]
        )
    if blocking:
        pytest.fail("\n".join(filter(None, [_describe(path, blocking), reflow])), pytrace=False)
    if reflow:
        raise ReflowError(reflow)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _describe(path: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core: {len(violations)} serious/critical accessibility violation(s) on {path}"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}")
            for summary_line in node["summary"].splitlines():
                lines.append(f"       {summary_line}")
    return "\n".join(lines)


def _leave(page: Page) -> None:
    current = _trackers[page].current if page in _trackers else None
    if current is not None and current.needs_check:
        check_a11y(page)


def _expect_status(response: Response | None, status: int, what: str) -> Response:
    assert response is not None, f"{what}: no response"
    assert response.status == status, f"{what}: HTTP {response.status}, expected {status}"
    return response


def visit(page: Page, path: str, *, status: int = 200) -> Response:
    """Open `path` (relative to the live server), expect `status`, check the page."""
    __tracebackhide__ = True
    _leave(page)
    response = _expect_status(page.goto(path), status, f"GET {path}")
    check_a11y(page)
    return response


def reload(page: Page, *, status: int = 200) -> Response:
    __tracebackhide__ = True
    _leave(page)
    response = _expect_status(page.reload(), status, f"reload {page.url}")
    check_a11y(page)
    return response


def submit(page: Page, control: Locator, *, status: int = 200) -> Response:
    """Click a control that loads a new page (submit button, link), wait for it, check it."""
    __tracebackhide__ = True
    _leave(page)
    with page.expect_navigation() as navigation:
        control.click()
    return _arrived(page, navigation.value, status)


follow = submit


def _arrived(page: Page, response: Response | None, status: int) -> Response:
    __tracebackhide__ = True
    response = _expect_status(response, status, f"navigation to {page.url}")
    page.wait_for_load_state("load")
    check_a11y(page)
    return response


def login(page: Page, login: str, password: str = DEMO_PASSWORD, *, status: int = 200) -> Response:
    """Log in through the form (language-independent selectors); returns the final response."""
    __tracebackhide__ = True
    visit(page, "/masuk")
    page.locator("#f-login").fill(login)
    page.locator("#f-password").fill(password)
    return submit(page, page.locator("form[action='/masuk'] button[type=submit]"), status=status)


def sign_in(page: Page, login: str, password: str = DEMO_PASSWORD) -> None:
    """Log in without the form, for tests about other pages (test_login.py tests the form).

    The context's request API shares the browser's cookies: the session cookie it receives is the
    browser's. The next `visit` is the first page the test sees.
    """
    __tracebackhide__ = True
    form = page.context.request.get("/masuk")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text())
    assert found, "no CSRF token on /masuk"
    answer = page.context.request.post(
        "/masuk",
        form={"csrf_token": html.unescape(found[1]), "login": login, "password": password},
        max_redirects=0,
    )
    assert answer.status == 303, f"logging in as {login}: HTTP {answer.status}"


def logout(page: Page) -> Response:
    __tracebackhide__ = True
    return submit(page, page.locator("form.logout button"))


def expect_offline_errors(page: Page) -> None:
    """The htmx errors of requests sent while the test had switched the network off."""
    track = tracker(page)
    offline = ("htmx:sendError", "htmx:afterRequest")
    track.problems[:] = [p for p in track.problems if not any(o in p for o in offline)]


def finish(page: Page) -> list[str]:
    """At the end of a passed test: check the last page, report what was missed or went wrong."""
    track = _trackers.get(page)
    if track is None or page.is_closed():
        return []
    failures: list[str] = []
    if track.current is not None:
        try:
            # Always, even if checked before: scripts (app.js) may have changed it since.
            check_a11y(page)
        except (pytest.fail.Exception, ReflowError) as exc:
            failures.append(str(exc))
        except PlaywrightError as exc:
            failures.append(f"accessibility check of the last page failed: {exc}")
    if track.left_unchecked:
        failures.append(
            "pages left without an accessibility check (use visit/submit/follow/reload, "
            "or check_a11y after an htmx swap): " + ", ".join(track.left_unchecked)
        )
    failures.extend(track.problems)
    return failures


def summary_lines() -> list[str]:
    return [f"{rule} on {path}: {text}" for (rule, path), text in sorted(MINOR_FINDINGS.items())]
