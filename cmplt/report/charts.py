"""Charts for the HTML report, drawn as inline SVG from numbers.

Pure functions: numbers and already translated texts in, SVG markup out, the
same bytes for the same input. No libraries, no script, no external reference:
the markup is meant to sit inside an HTML5 page (`html`), so it carries
no `xmlns` (the HTML parser puts `<svg>` in the SVG namespace by itself). Every
text is escaped; a chart with nothing to show draws its frame and a "no data"
label instead of failing or dividing by zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

# Fonts that have the Chinese glyphs on Linux, Windows and macOS, in that order.
FONT_FAMILY = (
    "'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif"
)

# Each chart has its own hue, dark enough to stand out from the gridlines in greyscale
# print; "below the quota" is light *and* hatched, so that it differs from "meets"
# without colour. The browser test finds each chart in a screenshot by these colours.
VOLUME = "#2f5d9e"
SLA = "#6a3d9a"
SATISFACTION = "#b35806"
MEETS = "#1b7837"
BELOW = "#f4a582"
BELOW_HATCH = "#b2182b"
NO_QUOTA = "#8c96a6"
INK = "#222222"
MUTED = "#555555"
GRID = "#d0d0d0"

WIDTH, HEIGHT = 640, 340
PERCENT_TICKS = (0, 20, 40, 60, 80, 100)


@dataclass(frozen=True)
class Texts:
    """What a chart says, in the reader's language."""

    title: str
    x_title: str
    y_title: str
    no_data: str
    gap_note: str = ""  # a line chart: what a month without a point means


@dataclass(frozen=True)
class QuotaBar:
    """One role's callback rate against its quota."""

    label: str  # the role as people read it
    detail: str  # under the label, e.g. "5/11"
    percent: float | None  # None: nothing handled, no rate
    required: float | None  # None: the policy sets no quota
    meets: bool | None
    quota_text: str  # by the dashed line, e.g. "quota 95%"


@dataclass(frozen=True)
class QuotaLegend:
    meets: str
    below: str
    no_quota: str
    quota: str


@dataclass(frozen=True)
class _Plot:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def y(self, value: float, axis_max: float) -> float:
        return self.bottom - self.height * value / axis_max


# --- small pieces -------------------------------------------------------------------------


def percent_text(value: float) -> str:
    """As the report's tables write a percentage."""
    return f"{value:.1f}%"


def quota_percent(value: float) -> str:
    return f"{value:g}%"


def _n(value: float) -> str:
    """A coordinate: one decimal at most, so that output is short and stable."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_width(text: str, size: float) -> float:
    """A rough width: CJK glyphs are square, Latin ones about half as wide."""
    return sum(size * (1.0 if ord(c) >= 0x2E80 else 0.58) for c in text)


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = 12,
    anchor: str = "middle",
    fill: str = INK,
    weight: str | None = None,
    cls: str | None = None,
    rotate: bool = False,
) -> str:
    attrs = [f'x="{_n(x)}"', f'y="{_n(y)}"', f'font-size="{_n(size)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if fill != INK:
        attrs.append(f'fill="{fill}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if cls:
        attrs.append(f'class="{cls}"')
    if rotate:
        attrs.append(f'transform="rotate(-90 {_n(x)} {_n(y)})"')
    return f"<text {' '.join(attrs)}>{escape(content)}</text>"


def count_axis(top: float) -> tuple[int, int]:
    """A step of 1, 2 or 5 times a power of ten giving at most six steps, and the axis
    maximum (a whole number of steps at or above `top`; 5 when there is nothing)."""
    if top <= 0:
        return 1, 5
    raw = top / 6
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step, step * math.ceil(top / step)


def _open(key: str, texts: Texts, desc: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", key):
        raise ValueError(f"chart key {key!r}: lowercase letters, digits and '-' only")
    return (
        f'<svg class="chart" data-chart="{key}" role="img" aria-label={quoteattr(texts.title)}'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f" font-family={quoteattr(FONT_FAMILY)}>"
        f"<title>{escape(texts.title)}</title><desc>{escape(desc)}</desc>"
    )


def _frame(
    plot: _Plot,
    texts: Texts,
    y_ticks: Sequence[tuple[float, str]],
    axis_max: float,
    x_ticks: Sequence[tuple[float, Sequence[str]]],
) -> list[str]:
    """Title, gridlines with their tick labels, the axes, x tick labels, axis titles."""
    parts = [_text(12, 24, texts.title, size=17, anchor="start", weight="bold", cls="title")]
    for value, label in y_ticks:
        y = plot.y(value, axis_max)
        if value:
            parts.append(
                f'<line x1="{_n(plot.left)}" y1="{_n(y)}" x2="{_n(plot.right)}" y2="{_n(y)}"'
                f' stroke="{GRID}" stroke-width="1"/>'
            )
        parts.append(
            _text(plot.left - 6, y + 4, label, size=13, anchor="end", fill=MUTED, cls="y-tick")
        )
    parts.append(
        f'<path d="M{_n(plot.left)} {_n(plot.top)}V{_n(plot.bottom)}H{_n(plot.right)}"'
        f' fill="none" stroke="{MUTED}" stroke-width="1"/>'
    )
    for x, lines in x_ticks:
        for i, line in enumerate(lines):
            if line:
                parts.append(
                    _text(
                        x,
                        plot.bottom + 19 + 15 * i,
                        line,
                        size=13 if i == 0 else 12,
                        fill=INK if i == 0 else MUTED,
                        cls="x-tick",
                    )
                )
    parts.append(
        _text(
            (plot.left + plot.right) / 2,
            HEIGHT - 10,
            texts.x_title,
            size=13,
            weight="bold",
            cls="x-title",
        )
    )
    parts.append(
        _text(
            18,
            (plot.top + plot.bottom) / 2,
            texts.y_title,
            size=13,
            weight="bold",
            cls="y-title",
            rotate=True,
        )
    )
    return parts


def _no_data(plot: _Plot, texts: Texts) -> str:
    x, y = (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2
    return _text(x, y, texts.no_data, size=16, fill=MUTED, cls="no-data")


def _pairs(names: Sequence[str], shown: Sequence[str], no_data: str) -> str:
    return "; ".join(
        f"{name}: {value or no_data}" for name, value in zip(names, shown, strict=True)
    )


# --- the charts ---------------------------------------------------------------------------


def bar_chart(
    key: str,
    texts: Texts,
    ticks: Sequence[Sequence[str]],
    names: Sequence[str],
    values: Sequence[int],
    colour: str = VOLUME,
) -> str:
    """One bar per category (a month), its count above it; "no data" when all are zero."""
    if not len(ticks) == len(names) == len(values):
        raise ValueError("bar_chart: ticks, names and values differ in length")
    plot = _Plot(64, 52, WIDTH - 16, 270)
    top = max(values, default=0)
    step, axis_max = count_axis(top)
    slot = plot.width / max(len(values), 1)
    centres = [plot.left + slot * (i + 0.5) for i in range(len(values))]
    y_ticks = [(float(v), str(v)) for v in range(0, axis_max + 1, step)]
    body = _frame(plot, texts, y_ticks, axis_max, list(zip(centres, ticks, strict=True)))
    bar = min(slot * 0.62, 48)
    for x, name, value in zip(centres, names, values, strict=True):
        if top <= 0:
            break
        y = plot.y(value, axis_max)
        if value > 0:
            body.append(
                f'<rect x="{_n(x - bar / 2)}" y="{_n(y)}" width="{_n(bar)}"'
                f' height="{_n(plot.bottom - y)}" fill="{colour}">'
                f"<title>{escape(f'{name}: {value}')}</title></rect>"
            )
        body.append(_text(x, y - 5, str(value), size=13, cls="value"))
    if top <= 0:
        body.append(_no_data(plot, texts))
    desc = _pairs(names, [str(v) for v in values], texts.no_data)
    return _open(key, texts, desc) + "".join(body) + "</svg>"


def percent_line_chart(
    key: str,
    texts: Texts,
    ticks: Sequence[Sequence[str]],
    names: Sequence[str],
    values: Sequence[float | None],
    colour: str,
) -> str:
    """A line over 0-100 %, each point labelled; a None (no data that month) is a gap."""
    if not len(ticks) == len(names) == len(values):
        raise ValueError("percent_line_chart: ticks, names and values differ in length")
    plot = _Plot(64, 52, WIDTH - 16, 270)
    slot = plot.width / max(len(values), 1)
    centres = [plot.left + slot * (i + 0.5) for i in range(len(values))]
    y_ticks = [(float(v), f"{v}%") for v in PERCENT_TICKS]
    body = _frame(plot, texts, y_ticks, 100, list(zip(centres, ticks, strict=True)))
    points = [
        None if v is None else (x, plot.y(min(max(v, 0.0), 100.0), 100))
        for x, v in zip(centres, values, strict=True)
    ]
    run: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is not None:
            run.append(point)
            continue
        if len(run) >= 2:
            body.append(
                '<polyline points="' + " ".join(f"{_n(x)},{_n(y)}" for x, y in run) + '"'
                f' fill="none" stroke="{colour}" stroke-width="3" stroke-linejoin="round"/>'
            )
        run = []
    for i, (point, name, value) in enumerate(zip(points, names, values, strict=True)):
        if point is None or value is None:
            continue
        x, y = point
        # under the point where a neighbour is higher and none lower: the line
        # rises from it on that side, and a label above would sit on the line
        around = [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]
        near = [v for v in around if v is not None]
        below = any(v > value for v in near) and not any(v < value for v in near)
        label_y = y + 20 if below and y + 20 < plot.bottom - 4 else y - 10
        body.append(
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{colour}" stroke="#ffffff"'
            f' stroke-width="1.5"><title>{escape(f"{name}: {percent_text(value)}")}</title>'
            "</circle>"
        )
        body.append(_text(x, label_y, percent_text(value), cls="value"))
    if all(v is None for v in values):
        body.append(_no_data(plot, texts))
    elif texts.gap_note and any(v is None for v in values):
        body.append(
            _text(plot.right, HEIGHT - 10, texts.gap_note, anchor="end", fill=MUTED, cls="note")
        )
    desc = _pairs(names, ["" if v is None else percent_text(v) for v in values], texts.no_data)
    return _open(key, texts, desc) + "".join(body) + "</svg>"


def _hatch_id(key: str) -> str:
    return f"{key}-below"


def _swatch(key: str, kind: str, x: float, y: float) -> str:
    if kind == "quota":
        return (
            f'<line x1="{_n(x)}" y1="{_n(y + 6)}" x2="{_n(x + 22)}" y2="{_n(y + 6)}"'
            f' stroke="{INK}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
    fill = {
        "meets": MEETS,
        "below": f"url(#{_hatch_id(key)})",
        "no_quota": NO_QUOTA,
    }[kind]
    outline = f' stroke="{BELOW_HATCH}" stroke-width="1"' if kind == "below" else ""
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="22" height="12" fill="{fill}"{outline}/>'


def quota_chart(key: str, texts: Texts, bars: Sequence[QuotaBar], legend: QuotaLegend) -> str:
    """A bar per role (its callback rate), its quota a dashed line across it, the bar
    solid when the rate meets the quota and hatched when it falls short."""
    plot = _Plot(64, 74, WIDTH - 16, 270)
    slot = plot.width / max(len(bars), 1)
    centres = [plot.left + slot * (i + 0.5) for i in range(len(bars))]
    y_ticks = [(float(v), f"{v}%") for v in PERCENT_TICKS]
    x_ticks = [(x, (b.label, b.detail)) for x, b in zip(centres, bars, strict=True)]
    body = [
        f'<defs><pattern id="{_hatch_id(key)}" patternUnits="userSpaceOnUse" width="8"'
        f' height="8" patternTransform="rotate(45)"><rect width="8" height="8" fill="{BELOW}"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{BELOW_HATCH}" stroke-width="3"/>'
        "</pattern></defs>",
        *_frame(plot, texts, y_ticks, 100, x_ticks),
    ]
    kinds = ["meets", "below"]
    if any(b.required is None and b.percent is not None for b in bars):
        kinds.append("no_quota")
    kinds.append("quota")
    x = 12.0
    for kind in kinds:
        caption = getattr(legend, kind)
        body.append(_swatch(key, kind, x, 38))
        body.append(_text(x + 28, 49, caption, anchor="start", cls="legend"))
        x += 28 + text_width(caption, 12) + 18
    bar = min(slot * 0.34, 64)
    empty = all(b.percent is None for b in bars)
    for centre, b in zip(centres, bars, strict=True):
        if b.percent is not None:
            value = min(max(b.percent, 0.0), 100.0)
            y = plot.y(value, 100)
            if b.meets is None:
                fill, outline = NO_QUOTA, ""
            elif b.meets:
                fill, outline = MEETS, ""
            else:
                fill = f"url(#{_hatch_id(key)})"
                outline = f' stroke="{BELOW_HATCH}" stroke-width="1.5"'
            tip = f"{b.label}: {percent_text(b.percent)} ({b.detail})"
            if b.required is not None:
                tip += f", {b.quota_text}"
            body.append(
                f'<rect x="{_n(centre - bar / 2)}" y="{_n(y)}" width="{_n(bar)}"'
                f' height="{_n(plot.bottom - y)}" fill="{fill}"{outline}>'
                f"<title>{escape(tip)}</title></rect>"
            )
            body.append(
                _text(centre, y - 6, percent_text(b.percent), size=14, weight="bold", cls="value")
            )
        elif not empty:
            body.append(_text(centre, plot.bottom - 8, texts.no_data, fill=MUTED, cls="no-value"))
        if b.required is not None:
            y = plot.y(min(max(b.required, 0.0), 100.0), 100)
            half = slot * 0.44
            body.append(
                f'<line class="quota" x1="{_n(centre - half)}" y1="{_n(y)}"'
                f' x2="{_n(centre + half)}" y2="{_n(y)}" stroke="{INK}" stroke-width="2"'
                ' stroke-dasharray="6 4"/>'
            )
            # right of the bar, so that it never sits on the bar's own value label; under
            # the line near the top, where the 100 % gridline runs just above it
            label_y = y + 15 if b.required >= 90 else y - 5
            body.append(
                _text(
                    centre + bar / 2 + 4, label_y, b.quota_text, anchor="start", cls="quota-label"
                )
            )
    if empty:
        body.append(_no_data(plot, texts))
    desc = "; ".join(
        f"{b.label}: {texts.no_data if b.percent is None else percent_text(b.percent)}"
        f" ({b.detail})" + (f", {b.quota_text}" if b.required is not None else "")
        for b in bars
    )
    return _open(key, texts, desc or texts.no_data) + "".join(body) + "</svg>"
