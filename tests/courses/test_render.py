"""The renderer: Markdown features in, nothing dangerous out."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from courses.render import ALLOWED_TAGS, render_markdown

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](  javascript:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '![x](javascript:alert(1) "t")',
    '<a href="/x" hx-get="/hapus" hx-trigger="load">x</a>',
    '<div hx-post="/keluar" hx-trigger="revealed">x</div>',
    "<iframe src=//evil.example></iframe>",
    "<svg onload=alert(1)>",
    '<form action="/keluar"><button>x</button></form>',
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "[[<script>alert(1)</script>]]",
    "<<script>script>alert(1)<</script>/script>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    '<meta http-equiv="refresh" content="0;url=/keluar">',
    "<object data=x></object><embed src=x>",
    "```html\n<script>alert(1)</script>\n```",
]


SAFE_TAGS = set(ALLOWED_TAGS)


class Inspector(HTMLParser):
    """Collects every real tag and attribute of the output (escaped text is just text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.found.append((tag, attrs))


@pytest.mark.parametrize("source", XSS)
def test_nothing_executable_survives(source):
    html = render_markdown(f"## Judul\n\n{source}\n").html
    inspector = Inspector()
    inspector.feed(html)
    for tag, attrs in inspector.found:
        assert tag in SAFE_TAGS, (source, html)
        for name, value in attrs:
            assert not name.startswith(("on", "hx-", "data-")) and name != "style", (source, html)
            if name in ("href", "src"):
                scheme = (value or "").strip().lower().split(":", 1)
                assert len(scheme) == 1 or scheme[0] in ("http", "https", "mailto"), (source, html)


def test_headings_get_anchors_and_a_table_of_contents():
    rendered = render_markdown("## Tujuan belajar\n\nx\n\n### Simpanan Pokok & Wajib\n\ny\n")
    assert '<h2 id="tujuan-belajar">' in rendered.html
    assert [(h.level, h.id) for h in rendered.toc] == [
        (2, "tujuan-belajar"),
        (3, "simpanan-pokok-wajib"),
    ]


def test_tables_with_alignment_classes_not_styles():
    html = render_markdown("| Akun | Debit |\n|---|---:|\n| Kas | Rp1.000 |\n").html
    assert "<table>" in html and 'class="ta-right"' in html and "style" not in html


def test_footnotes_callouts_figures_and_glossary():
    source = (
        "Teks[^1] tentang [[SHU]].\n\n"
        "::: contoh\nJurnal.\n:::\n\n"
        '![Gerai](gerai.png "Gerai sembako desa")\n\n'
        "[^1]: UU No. 25 Tahun 1992 Pasal 45.\n"
    )
    rendered = render_markdown(
        source, image_url=lambda n: f"/media/uji/1/{n}", term_url=lambda t: "/istilah#shu"
    )
    html = rendered.html
    assert '<aside class="callout callout-contoh"><p class="callout-title">Contoh</p>' in html
    assert '<figure><img src="/media/uji/1/gerai.png" alt="Gerai"' in html
    assert "<figcaption>Gerai sembako desa</figcaption>" in html
    assert '<a class="istilah" href="/istilah#shu"' in html
    assert 'class="footnotes"' in html and "Pasal 45" in html
    assert rendered.terms_used == ("SHU",)


def test_unknown_callout_kind_is_plain_text():
    html = render_markdown("::: bahaya\nx\n:::\n").html
    assert "callout" not in html
