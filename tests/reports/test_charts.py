"""The dashboard's SVG charts: parseable, labelled for screen readers, proportional, escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from gettext import NullTranslations

import pytest

from lms import i18n
from lms.reports import charts
from lms.templating import environment

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    i18n.set_locale("id")
    yield
    i18n.set_locale("id")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, not untrusted input


def groups(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{NS}g")


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{NS}text")]


def rect(group: ET.Element) -> ET.Element:
    found = group.find(f"{NS}rect")
    assert found is not None, "no bar drawn"
    return found


def has_rect(group: ET.Element) -> bool:
    return group.find(f"{NS}rect") is not None


def tooltip(element: ET.Element) -> str | None:
    found = element.find(f"{NS}title")
    return None if found is None else found.text


def number(element: ET.Element, name: str) -> float:
    return float(element.attrib[name])


def test_title_and_desc_come_first_and_name_the_image():
    root = parse(charts.bars("reg", "Penyelesaian", "Per provinsi", [("Aceh", 50.0)]))
    assert root.tag == f"{NS}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["width"] == "100%"
    title, desc = list(root)[:2]
    assert (title.tag, title.attrib["id"], title.text) == (f"{NS}title", "reg-t", "Penyelesaian")
    assert (desc.tag, desc.attrib["id"], desc.text) == (f"{NS}desc", "reg-d", "Per provinsi")
    assert root.attrib["aria-labelledby"].split() == ["reg-t", "reg-d"]


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.bars("a", "t", "d", [("Aceh", 50.0)]),
        lambda: charts.columns("b", "t", "d", [("Sesi 1", 3, 4)]),
        lambda: charts.columns("b", "t", "d", [(f"Sesi {i}", i, 13) for i in range(1, 13)]),
        lambda: charts.histogram("c", "t", "d", [1] * 10),
        lambda: charts.bars("e", "t", "d", []),
    ],
)
def test_no_css_and_compact(draw: Callable[[], str]):
    """The CSP forbids style attributes, WeasyPrint has no stylesheet for classes, and every
    byte goes over mobile data."""
    text = str(draw())
    assert "style=" not in text and "class=" not in text
    assert "\n" not in text and "> <" not in text
    root = parse(text)
    for element in root.iter():
        if element is root:
            continue
        for name in ("x", "y", "width", "height"):
            if name in element.attrib:
                assert re.fullmatch(r"-?\d+(\.\d)?", element.attrib[name]), element.attrib
    # Path data, rotations and the viewBox too: no coordinate has two decimals.
    assert not re.search(r"\d\.\d\d", text)


def test_one_bar_per_row_and_widths_proportional():
    rows = [("Aceh", 100.0), ("Bali", 50.0), ("Riau", 25.0), ("Jambi", 0.0)]
    root = parse(charts.bars("reg", "t", "d", rows))
    rows_drawn = groups(root)
    assert len(rows_drawn) == 4
    widths = []
    for group in rows_drawn:
        widths.append(number(rect(group), "width"))
    assert widths[0] > 100
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1)
    assert widths[2] == pytest.approx(widths[0] / 4, abs=0.1)
    assert widths[3] == 0
    # Every bar starts at the same 0 % line.
    assert len({rect(g).attrib["x"] for g in rows_drawn}) == 1
    assert texts(rows_drawn[0]) == ["Aceh", "100%"]


def test_bar_rows_grow_the_height_and_values_beyond_the_maximum_are_clamped():
    few = parse(charts.bars("a", "t", "d", [("Aceh", 10.0)]))
    many = parse(charts.bars("b", "t", "d", [(f"Kab {i}", float(i)) for i in range(38)]))
    few_box, many_box = few.attrib["viewBox"].split(), many.attrib["viewBox"].split()
    assert float(many_box[3]) - float(few_box[3]) == 37 * charts.BAR_ROW
    assert many_box[2] == few_box[2]
    over = groups(parse(charts.bars("c", "t", "d", [("A", 150.0), ("B", 100.0)])))
    assert rect(over[0]).attrib["width"] == rect(over[1]).attrib["width"]
    assert "150%" in texts(over[0])


def test_bars_with_another_scale_and_unit():
    root = parse(charts.bars("a", "t", "d", [("A", 3.0), ("B", 6.0)], max_value=6, unit=" jam"))
    a, b = groups(root)
    assert number(rect(a), "width") * 2 == pytest.approx(number(rect(b), "width"), abs=0.2)
    assert "3 jam" in texts(a)
    assert {"0 jam", "3 jam", "6 jam"} <= set(texts(root))


def test_none_value_draws_no_bar_and_a_dash():
    root = parse(charts.bars("reg", "t", "d", [("Aceh", 40.0), ("Papua", None)]))
    aceh, papua = groups(root)
    assert has_rect(aceh)
    assert not has_rect(papua)
    assert texts(papua) == ["Papua", "–"]


def test_labels_are_escaped_and_survive_parsing():
    svg = charts.bars("reg", "A & <B>", 'd "x"', [("<Kab> & Kota", 10.0)])
    assert "<Kab>" not in str(svg)
    root = parse(svg)
    assert tooltip(root) == "A & <B>"
    assert root.find(f"{NS}desc").text == 'd "x"'
    assert "<Kab> & Kota" in texts(root)
    tip = parse(charts.columns("att", "t", "d", [("Sesi <1> & 2", 1, 2)]))
    assert tooltip(groups(tip)[0]).startswith("Sesi <1> & 2")


def test_key_must_be_an_id_prefix():
    with pytest.raises(ValueError, match="id prefix"):
        charts.bars('x" onload="', "t", "d", [("A", 1.0)])


def test_long_label_is_shortened_with_the_full_text_as_tooltip():
    name = "Kepulauan Bangka Belitung Daerah Istimewa Yogyakarta"
    root = parse(charts.bars("reg", "t", "d", [(name, 60.0), ("Bali", 20.0)]))
    long, short = groups(root)
    shown = texts(long)[0]
    assert shown.endswith("…") and len(shown) < len(name)
    assert name.startswith(shown.removesuffix("…"))
    assert tooltip(long) == name
    # A label that fits is shown whole and needs no tooltip.
    assert texts(short)[0] == "Bali"
    assert tooltip(short) is None


def test_histogram_has_ten_columns_scaled_to_the_largest():
    counts = [0, 1, 2, 4, 8, 16, 40, 20, 10, 5]
    root = parse(charts.histogram("hist", "Skor", "d", counts))
    columns = groups(root)
    assert len(columns) == 10
    heights = [number(rect(g), "height") for g in columns]
    assert max(heights) == heights[6] == charts.COL_PLOT
    assert heights[0] == 0
    assert heights[7] == pytest.approx(heights[6] / 2, abs=0.1)
    assert [texts(g)[0] for g in columns] == [str(c) for c in counts]
    assert tooltip(columns[9]) == "90–100: 5"
    axis = texts(root)[-11:]
    assert axis[0] == "0" and axis[-1] == "100"


def test_histogram_wants_ten_buckets():
    with pytest.raises(ValueError, match="10 buckets"):
        charts.histogram("h", "t", "d", [1, 2, 3])


def test_columns_height_is_the_attendance_percentage():
    rows = [("Sesi 1", 45, 60), ("Sesi 2", 60, 60), ("Sesi 3", 7, 8), ("Sesi 4", 0, 0)]
    root = parse(charts.columns("att", "Kehadiran", "d", rows))
    drawn = groups(root)
    assert len(drawn) == 4
    first, full, third, none = drawn
    assert number(rect(full), "height") == charts.COL_PLOT
    assert number(rect(first), "height") == pytest.approx(0.75 * charts.COL_PLOT, abs=0.1)
    assert texts(first) == ["75%", "Sesi 1"]
    assert texts(third) == ["87,5%", "Sesi 3"]
    assert tooltip(first) == "Sesi 1: 45/60 (75%)"
    # A sesi with nobody enrolled has no percentage, not a division by zero.
    assert not has_rect(none)
    assert texts(none) == ["–", "Sesi 4"]


def test_twelve_columns_keep_labels_apart():
    rows = [(f"Sesi {i}", 7 * i, 90) for i in range(1, 13)]
    root = parse(charts.columns("att", "t", "d", rows))
    drawn = groups(root)
    assert len(drawn) == 12
    middles = [number(rect(g), "x") + number(rect(g), "width") / 2 for g in drawn]
    slot = middles[1] - middles[0]
    for group in drawn:
        value = texts(group)[0]
        assert charts._width(value, charts.SMALL) <= slot
    # Labels too wide for a column are slanted instead of overlapping.
    label = [t for t in drawn[0].iter(f"{NS}text")][-1]
    assert label.attrib["transform"].startswith("rotate(-45")
    assert label.text == "Sesi 1"
    assert all(number(r, "x") >= 0 for r in root.iter(f"{NS}rect"))


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.bars("a", "t", "d", []),
        lambda: charts.bars("a", "t", "d", [("Aceh", None), ("Bali", None)]),
        lambda: charts.columns("a", "t", "d", []),
        lambda: charts.columns("a", "t", "d", [("Sesi 1", 0, 0)]),
        lambda: charts.histogram("a", "t", "d", [0] * 10),
    ],
)
def test_empty_data_says_so(draw: Callable[[], str]):
    root = parse(draw())
    assert texts(root) == ["Belum ada data"]
    assert tooltip(root) == "t"
    assert root.find(f"{NS}rect") is None


def test_empty_text_goes_through_gettext(monkeypatch):
    class English(NullTranslations):
        def gettext(self, message: str) -> str:
            return {"Belum ada data": "No data yet"}.get(message, message)

    monkeypatch.setattr(i18n, "translations", lambda locale: English())
    assert texts(parse(charts.bars("a", "t", "d", []))) == ["No data yet"]


def test_numbers_are_written_the_indonesian_way():
    root = parse(charts.bars("a", "t", "d", [("A", 87.54), ("B", 33.333), ("C", 12.0)]))
    assert [texts(g)[1] for g in groups(root)] == ["87,5%", "33,3%", "12%"]
    counts = [1234, 5, 0, 0, 0, 0, 0, 0, 0, 12]
    hist = parse(charts.histogram("h", "t", "d", counts))
    assert texts(groups(hist)[0])[0] == "1.234"
    attendance = parse(charts.columns("c", "t", "d", [("Sesi 1", 1234, 2000)]))
    assert tooltip(groups(attendance)[0]) == "Sesi 1: 1.234/2.000 (61,7%)"


def test_numbers_follow_the_english_locale():
    i18n.set_locale("en")
    root = parse(charts.bars("a", "t", "d", [("A", 87.5)]))
    assert texts(groups(root)[0])[1] == "87.5%"


def test_text_colours_are_the_readable_palette():
    """axe-core wants 4.5:1 on white for text; the bars use the site's red."""
    root = parse(charts.bars("a", "t", "d", [("A", 40.0), ("B", None)]))
    fills = {root.attrib["fill"]} | {t.attrib.get("fill", "") for t in root.iter(f"{NS}text")}
    assert fills - {""} <= {charts.INK, charts.MUTED}
    for colour in (charts.INK, charts.MUTED):
        assert contrast(colour, "#ffffff") >= 4.5
    assert {r.attrib["fill"] for r in root.iter(f"{NS}rect")} == {charts.RED}


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_macro_renders_figure_svg_and_table():
    svg = charts.bars("reg", "Penyelesaian", "d", [("Jawa <Barat>", 87.5)])
    template = environment().from_string(
        '{% from "reports/_charts.html" import chart %}{{ chart(svg, caption, headers, rows) }}'
    )
    html = template.render(
        svg=svg,
        caption="Penyelesaian per provinsi",
        headers=["Provinsi", "Selesai"],
        rows=[["Jawa <Barat>", "87,5%"], ["Bali", "–"]],
    )
    # The SVG goes in as markup, once; the cells are escaped.
    assert html.count("<svg ") == 1 and str(svg) in html
    assert '<td data-label="Provinsi">Jawa &lt;Barat&gt;</td>' in html
    assert "<summary>Lihat sebagai tabel</summary>" in html
    assert "<figcaption>Penyelesaian per provinsi</figcaption>" in html
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert re.findall(r"<tr>(.*?)</tr>", body, re.S) == [
        '<td data-label="Provinsi">Jawa &lt;Barat&gt;</td><td data-label="Selesai">87,5%</td>',
        '<td data-label="Provinsi">Bali</td><td data-label="Selesai">–</td>',
    ]
    assert re.findall(r'<th scope="col">(.*?)</th>', html) == ["Provinsi", "Selesai"]


def test_macro_does_not_trust_a_plain_string_as_svg():
    template = environment().from_string(
        '{% from "reports/_charts.html" import chart %}{{ chart(svg, "c", [], []) }}'
    )
    assert "&lt;script&gt;" in template.render(svg="<script>alert(1)</script>")
