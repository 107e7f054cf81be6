"""Server-rendered SVG charts for the dinas dashboard.

The same SVG is inlined in HTML pages and in WeasyPrint PDFs, so each chart is self-contained:
presentation attributes only (the CSP forbids style attributes), no classes, no web fonts, no
script. Each function returns one ``<svg>`` as Markup; reports/_charts.html wraps it in a figure
with a table fallback. Text is never measured, only estimated, so layouts keep a margin.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from markupsafe import Markup

from lms.i18n import format_number
from lms.i18n import gettext as _

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "DejaVu Sans, Arial, sans-serif"
# The site's palette (static/app.css --red, --ink, --muted, --line); both text colours are over
# 6:1 on white, above the 4.5:1 axe-core asks.
RED = "#b3141c"
INK = "#1c1c1f"
MUTED = "#5a5a63"
GRID = "#d9d9de"
AXIS = "#8e8e97"

# A 480-unit viewBox shown about 330 px wide on a 360 px phone is scaled by ~0.69: 16 units print
# at 11 px and 15 at ~10 px, the smallest still readable there (640 would give 8 px).
WIDTH = 480
SIZE = 16
SMALL = 15
GAP = 8
ELLIPSIS = "…"
# Bars: room above the first row for the 0/50/100 ticks, then one row per region.
BAR_TOP = 26
BAR_ROW = 28
BAR_HEIGHT = 18
# Room for "Nusa Tenggara Timur"; longer names are shortened, whole in the tooltip and table.
LABEL_CAP = 192.0
# Columns and histogram: room above the tallest column for its value label.
COL_TOP = 26
COL_PLOT = 200
HIST_LEFT = 10
HIST_RIGHT = 18
# Rotated labels hang below at 45 degrees: sin(45°).
SLANT = 0.71

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Advance widths in em, rounded up from DejaVu Sans (wider than Arial): digits are 0.64 em.
_NARROW = frozenset(" .,:;'!|ijl()[]")
_SEMI = frozenset("frt-/")
_WIDE = frozenset("mwMW%@…")


def bars(
    key: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, float | None]],
    *,
    max_value: float = 100.0,
    unit: str = "%",
) -> Markup:
    """Horizontal bars, one per (label, value) row; a None value prints "–" and draws no bar."""
    _check_key(key)
    if not rows or all(value is None for _label, value in rows) or max_value <= 0:
        return _empty(key, title, desc)
    texts = [None if value is None else _number(value, unit) for _label, value in rows]
    ticks = [(share, _number(max_value * share, unit)) for share in (0.0, 0.5, 1.0)]
    value_room = max(_width(t, SIZE) for t in [*(t for t in texts if t), *(t for _s, t in ticks)])
    label_room = min(max(_width(label, SIZE) for label, _value in rows), LABEL_CAP)
    left = label_room + GAP
    span = WIDTH - left - GAP - value_room
    bottom = BAR_TOP + len(rows) * BAR_ROW
    body = [
        _path(_verticals([left + span / 2, left + span], BAR_TOP - 4, bottom), GRID),
        _path(_verticals([left], BAR_TOP - 4, bottom), AXIS),
    ]
    body += [
        _text(left + span * share, BAR_TOP - 9, text, anchor="middle", size=SMALL, fill=MUTED)
        for share, text in ticks
    ]
    for index, ((label, value), text) in enumerate(zip(rows, texts, strict=True)):
        top = BAR_TOP + index * BAR_ROW
        baseline = top + BAR_ROW / 2 + SIZE * 0.35
        short = _shorten(label, label_room, SIZE)
        parts = [_tag("title", {}, label)] if short != label else []
        parts.append(_text(label_room, baseline, short, anchor="end"))
        if value is None or text is None:
            parts.append(_text(left + 6, baseline, "–", fill=MUTED))
        else:
            length = span * _clamp(value / max_value)
            parts.append(_rect(left, top + (BAR_ROW - BAR_HEIGHT) / 2, length, BAR_HEIGHT))
            parts.append(_text(left + length + 6, baseline, text))
        body.append(_group(parts))
    return _svg(key, title, desc, bottom + 4, body)


def columns(
    key: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, int, int]],
) -> Markup:
    """Vertical columns of present/total per (label, present, total) row, as a percentage."""
    _check_key(key)
    if not rows or all(total <= 0 for _label, _present, total in rows):
        return _empty(key, title, desc)
    shares = [None if total <= 0 else _clamp(present / total) for _l, present, total in rows]
    ticks = [(share, _number(share * 100, "%")) for share in (0.0, 0.5, 1.0)]
    left = max(_width(text, SMALL) for _s, text in ticks) + GAP + 4
    slot = (WIDTH - left - GAP) / len(rows)
    room = slot - 4
    # Twelve sesi leave ~35 units a column: a value label drops its decimal, then its "%" (the
    # axis says it), before it would overlap its neighbour.
    texts: list[str] = []
    for rounding, unit in ((1, "%"), (0, "%"), (0, "")):
        texts = ["–" if s is None else _number(round(s * 100, rounding), unit) for s in shares]
        if max(_width(text, SMALL) for text in texts) <= room:
            break
    value_size = _fit(texts, room, SMALL)
    flat = max(_width(label, SMALL) for label, _p, _t in rows) <= room
    # A slanted label hangs left of its column and must not run off the first one.
    label_room = room if flat else min(120.0, (left + slot / 2 - 2) / SLANT)
    shorts = [_shorten(label, label_room, SMALL) for label, _p, _t in rows]
    below = SMALL + 12 if flat else max(_width(t, SMALL) for t in shorts) * SLANT + SMALL + 10
    base = COL_TOP + COL_PLOT
    body = [
        _path(_horizontals([COL_TOP, base - COL_PLOT / 2], left, WIDTH - 4), GRID),
        _path(_horizontals([base], left, WIDTH - 4), AXIS),
    ]
    body += [
        _text(
            left - 6,
            base - COL_PLOT * share + SMALL * 0.35,
            text,
            anchor="end",
            size=SMALL,
            fill=MUTED,
        )
        for share, text in ticks
    ]
    width = min(slot * 0.62, 56.0)
    for index, ((label, present, total), share, text, short) in enumerate(
        zip(rows, shares, texts, shorts, strict=True)
    ):
        middle = left + slot * (index + 0.5)
        tip = f"{label}: {format_number(present)}/{format_number(total)}"
        if share is not None:
            tip += f" ({_number(share * 100, '%')})"
        parts = [_tag("title", {}, tip)]
        if share is None:
            parts.append(_text(middle, base - 6, "–", anchor="middle", size=value_size, fill=MUTED))
        else:
            length = COL_PLOT * share
            parts.append(_rect(middle - width / 2, base - length, width, length))
            parts.append(_text(middle, base - length - 6, text, anchor="middle", size=value_size))
        y = base + SMALL + 4
        if flat:
            parts.append(_text(middle, y, short, anchor="middle", size=SMALL))
        else:
            turn = f"rotate(-45 {_n(middle)} {_n(y)})"
            parts.append(_text(middle, y, short, anchor="end", size=SMALL, transform=turn))
        body.append(_group(parts))
    return _svg(key, title, desc, base + below, body)


def histogram(key: str, title: str, desc: str, buckets: Sequence[int]) -> Markup:
    """Score distribution: ten counts for 0–9, 10–19, …, 90–100, scaled to the largest."""
    _check_key(key)
    if len(buckets) != 10:
        raise ValueError(f"histogram needs 10 buckets (0–9 … 90–100), got {len(buckets)}")
    top = max(buckets)
    if top <= 0:
        return _empty(key, title, desc)
    slot = (WIDTH - HIST_LEFT - HIST_RIGHT) / 10
    texts = [format_number(count) for count in buckets]
    value_size = _fit(texts, slot - 4, SMALL)
    base = COL_TOP + COL_PLOT
    body = [_path(_horizontals([base], HIST_LEFT, WIDTH - HIST_RIGHT), AXIS)]
    for index, (count, text) in enumerate(zip(buckets, texts, strict=True)):
        low = index * 10
        span = f"{low}–{100 if index == 9 else low + 9}"
        length = COL_PLOT * max(count, 0) / top
        x = HIST_LEFT + slot * index
        parts = [
            _tag("title", {}, f"{span}: {text}"),
            _rect(x + 2, base - length, slot - 4, length),
            _text(x + slot / 2, base - length - 6, text, anchor="middle", size=value_size),
        ]
        body.append(_group(parts))
    # Scores are continuous, so the axis names the bucket edges rather than each bucket.
    body += [
        _text(
            HIST_LEFT + slot * index,
            base + SMALL + 4,
            format_number(index * 10),
            anchor="middle",
            size=SMALL,
            fill=MUTED,
        )
        for index in range(11)
    ]
    return _svg(key, title, desc, base + SMALL + 12, body)


def _empty(key: str, title: str, desc: str) -> Markup:
    text = _tag(
        "text",
        {"x": WIDTH / 2, "y": 34, "text-anchor": "middle", "fill": MUTED},
        _("Belum ada data"),
    )
    return _svg(key, title, desc, 56, [text])


def _svg(key: str, title: str, desc: str, height: float, body: Iterable[Markup]) -> Markup:
    # No height attribute: with width="100%" the viewBox ratio sets it, in browsers and WeasyPrint.
    attrs: dict[str, str | float] = {
        "xmlns": SVG_NS,
        "role": "img",
        "aria-labelledby": f"{key}-t {key}-d",
        "viewBox": f"0 0 {WIDTH} {_n(height)}",
        "width": "100%",
        "font-family": FONT,
        "font-size": SIZE,
        "fill": INK,
    }
    inner = [_tag("title", {"id": f"{key}-t"}, title), _tag("desc", {"id": f"{key}-d"}, desc)]
    return _tag("svg", attrs, Markup("").join([*inner, *body]))


def _tag(name: str, attrs: dict[str, str | float], content: str | None = None) -> Markup:
    """One element; Markup.format escapes every str value and text, so no label can break out."""
    pairs = Markup("").join(
        Markup(' {}="{}"').format(k, v if isinstance(v, str) else _n(v)) for k, v in attrs.items()
    )
    if content is None:
        return Markup("<{}{}/>").format(name, pairs)
    return Markup("<{}{}>{}</{}>").format(name, pairs, content, name)


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str | None = None,
    size: float = SIZE,
    fill: str | None = None,
    transform: str | None = None,
) -> Markup:
    attrs: dict[str, str | float] = {"x": x, "y": y}
    # The root sets the default size and the ink colour; only departures are written.
    if anchor:
        attrs["text-anchor"] = anchor
    if size != SIZE:
        attrs["font-size"] = size
    if fill:
        attrs["fill"] = fill
    if transform:
        attrs["transform"] = transform
    return _tag("text", attrs, content)


def _rect(x: float, y: float, width: float, height: float) -> Markup:
    return _tag("rect", {"x": x, "y": y, "width": width, "height": height, "fill": RED})


def _path(d: str, stroke: str) -> Markup:
    return _tag("path", {"d": d, "stroke": stroke, "fill": "none"})


def _group(parts: Iterable[Markup]) -> Markup:
    return _tag("g", {}, Markup("").join(parts))


def _verticals(xs: Iterable[float], top: float, bottom: float) -> str:
    return "".join(f"M{_n(x)} {_n(top)}V{_n(bottom)}" for x in xs)


def _horizontals(ys: Iterable[float], left: float, right: float) -> str:
    return "".join(f"M{_n(left)} {_n(y)}H{_n(right)}" for y in ys)


def _n(value: float) -> str:
    """A coordinate with at most one decimal: "12", "12.5" (SVG wants a dot in every locale)."""
    rounded = round(float(value), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:.1f}".removesuffix(".0")


def _number(value: float, unit: str) -> str:
    """'87,5%', '1.234': at most one decimal, Indonesian separators (English in English)."""
    rounded = round(float(value), 1)
    if rounded.is_integer():
        return format_number(int(rounded)) + unit
    return format_number(rounded) + unit


def _clamp(share: float) -> float:
    return min(max(share, 0.0), 1.0)


def _width(text: str, size: float) -> float:
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.32
        elif char in _SEMI:
            em += 0.44
        elif char in _WIDE:
            em += 0.98
        elif char.isupper():
            em += 0.74
        elif char.isdigit():
            em += 0.64
        else:
            em += 0.62
    return em * size


def _fit(texts: Iterable[str], room: float, size: float) -> float:
    """The largest font size up to `size` at which the widest text fits in `room`."""
    widest = max(_width(text, 1.0) for text in texts)
    return min(size, math.floor(room / widest * 10) / 10) if widest else size


def _shorten(label: str, room: float, size: float) -> str:
    if _width(label, size) <= room:
        return label
    cut = label
    while cut and _width(cut.rstrip() + ELLIPSIS, size) > room:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def _check_key(key: str) -> None:
    # The key becomes two ids that aria-labelledby lists, separated by a space.
    if not _KEY.fullmatch(key):
        raise ValueError(f"chart key must be a plain id prefix, got {key!r}")
