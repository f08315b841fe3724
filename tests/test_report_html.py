"""`cmplt report --format html`: one self-contained page, its charts drawn from the figures.

The page is read back with `html.parser`, never with string matching alone: what
counts is what a browser would see. The browser test at the end renders it in
headless Chromium and looks at the pixels (`-m browser`; `.ci/run` runs it).
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cmplt import i18n
from cmplt.catalogs import Entry, compile_mo
from cmplt.report import charts
from tests.conftest import Reg, example_registry

HOSTILE = "<script>alert(1)</script>"
CHARTS = ("volume", "sla", "satisfaction", "callbacks")
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "poster", "data"}


@dataclass
class Chart:
    key: str
    title: str = ""
    aria_label: str = ""
    desc: str = ""
    texts: list[tuple[str, str]] = field(default_factory=list)  # (class, text)
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def text(self, cls: str) -> list[str]:
        return [t for c, t in self.texts if c == cls]

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


class Page(HTMLParser):
    """What the report's HTML holds: tags, attributes, style text, and each chart."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self.charts: dict[str, Chart] = {}
        self.empty_tables: list[str] = []
        self.lang = ""
        self._chart: Chart | None = None
        self._stack: list[tuple[str, str]] = []  # (tag, class) open inside a chart
        self._in: str | None = None  # "style", "desc", "title", "text", "empty"
        self._text_class = ""
        self._empty_key = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "html":
            self.lang = values.get("lang", "")
        if tag == "style":
            self._in = "style"
        if tag == "p" and values.get("class") == "empty":
            self._in, self._empty_key = "empty", values.get("data-table", "")
        if tag == "svg" and "data-chart" in values:
            self._chart = Chart(values["data-chart"], aria_label=values.get("aria-label", ""))
            self.charts[self._chart.key] = self._chart
            self._stack = []
            return
        if self._chart is not None:
            self._chart.tags.append((tag, values))
            self._stack.append((tag, values.get("class", "")))
            if tag == "title" and len(self._stack) == 1:
                self._in = "title"
            elif tag == "desc":
                self._in = "desc"
            elif tag == "text":
                self._in, self._text_class = "text", values.get("class", "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._chart is not None and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._chart is not None and not self._stack:
            self._chart = None
        elif self._chart is not None and self._stack:
            self._stack.pop()
        if tag in {"style", "title", "desc", "text", "p"}:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "empty":
            self.empty_tables.append(self._empty_key)
        elif self._chart is not None:
            if self._in == "title":
                self._chart.title += data
            elif self._in == "desc":
                self._chart.desc += data
            elif self._in == "text":
                self._chart.texts.append((self._text_class, data))


@pytest.fixture
def example(tmp_path: Path) -> Reg:
    return example_registry(tmp_path)


def html_report(registry: Reg, *args: str, lang: str = "en") -> str:
    return registry.ok(
        "--lang", lang, "report", "--period", "2026-11", "--format", "html", *args
    ).out


def assert_self_contained(text: str) -> Page:
    page = Page(text)
    names = {tag for tag, _ in page.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "base", "image"}
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)  # no event handlers
            if name in URL_ATTRIBUTES:
                assert value.startswith("#"), (tag, name, value)
            for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", value):
                assert target.startswith(("#", "data:")), (tag, name, value)
    style = "".join(page.styles)
    assert "@import" not in style
    for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", style):
        assert target.startswith(("#", "data:")), target
    for needle in ("http://", "https://", "//cdn", "<script"):
        assert needle not in text.lower()
    assert text.startswith("<!DOCTYPE html>\n")
    assert ("meta", {"charset": "utf-8"}) in page.tags
    return page


# --- the page -------------------------------------------------------------------------------


def test_the_html_report_is_one_file_with_nothing_from_elsewhere(example: Reg) -> None:
    page = assert_self_contained(html_report(example))
    assert page.lang == "en"
    assert set(page.charts) == set(CHARTS)
    titles = [attrs.get("id") for tag, attrs in page.tags if tag == "section"]
    # the charts come right under the overview, then every section of the report
    assert titles[:3] == ["overview", "charts", "volume"]
    assert {"sla", "callbacks", "repeats", "declined", "measures", "trend"} <= set(titles)
    for chart in page.charts.values():
        svg = next(a for t, a in page.tags if t == "svg" and a.get("data-chart") == chart.key)
        assert svg["role"] == "img"
        assert chart.aria_label == chart.title != ""
        assert chart.text("title") == [chart.title]


def test_numbers_are_right_aligned_and_notes_sit_under_their_table(example: Reg) -> None:
    text = html_report(example)
    overview = text.split('data-table="overview"')[1].split("</table>")[0]
    # every overview figure is a number (a count or a rate), right-aligned
    assert overview.count('<td class="num">') == overview.count("<tr>") - 1
    volume = text.split('data-table="volume_by_nature"')[1].split("</table>")[0]
    assert '<th class="num" scope="col">Count</th>' in volume
    assert re.search(r'<td class="num">\d+</td>', volume)
    sla = text.split('data-table="sla_by_severity"')[1]
    after = sla.split("</table>")[1].lstrip().removeprefix("</div>").lstrip()
    assert after.startswith('<p class="note">A clock counts')


def test_each_chart_draws_the_figures_of_the_json_report(example: Reg) -> None:
    data = json.loads(example.ok("report", "--period", "2026-11", "--format", "json").out)
    page = Page(html_report(example))
    trend = data["trend"]
    months = [m["month"] for m in trend]
    assert months[0] == "2025-12" and months[-1] == "2026-11"

    volume = page.charts["volume"]
    assert volume.title == "Complaints received per month"
    assert volume.text("x-title") == ["Month"] and volume.text("y-title") == ["Complaints"]
    assert volume.text("value") == [str(m["received"]) for m in trend]
    assert volume.text("x-tick") == [
        "Dec",
        "2025",
        "Jan",
        "2026",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
    ]
    assert volume.text("y-tick")[0] == "0" and int(volume.text("y-tick")[-1]) >= 31
    assert "2026-10: 19; 2026-11: 31" in volume.desc
    assert volume.count("rect") == sum(1 for m in trend if m["received"])

    for key, figure, y_title in (
        ("sla", "sla_percent", "Met in time (%)"),
        ("satisfaction", "satisfaction_percent", "Satisfied of called back (%)"),
    ):
        chart = page.charts[key]
        shown = [f"{m[figure]:.1f}%" for m in trend if m[figure] is not None]
        assert shown, key  # the example has data in October and November
        assert chart.text("value") == shown
        assert chart.text("y-tick") == ["0%", "20%", "40%", "60%", "80%", "100%"]
        assert chart.text("y-title") == [y_title] and chart.text("x-title") == ["Month"]
        assert chart.count("circle") == len(shown)
        assert f"2026-11: {shown[-1]}" in chart.desc
        # months with no data are gaps: no point, no zero, one line through the rest
        assert "0.0%" not in chart.text("value")
        assert chart.count("polyline") == 1
        assert "2026-09: No data" in chart.desc

    callbacks = page.charts["callbacks"]
    rates = data["callbacks"]["rates"]
    assert callbacks.title == "Callback rate by role against its quota, 2026-11"
    assert callbacks.text("value") == [f"{r['percent']:.1f}%" for r in rates if r["percent"]]
    assert callbacks.text("quota-label") == [f"quota {r['required']:g}%" for r in rates]
    assert callbacks.count("line") >= len(rates)
    dashed = [a for t, a in callbacks.tags if t == "line" and a.get("class") == "quota"]
    assert len(dashed) == len(rates) and all(a["stroke-dasharray"] for a in dashed)
    ticks = callbacks.text("x-tick")
    # in English the catalog's role names, with called back / handled under each
    assert "supervisor" in ticks and f"{rates[0]['called_back']}/{rates[0]['handled']}" in ticks
    assert callbacks.text("legend") == ["meets the quota", "below the quota", "quota"]
    # a role below its quota is hatched, one that meets it solid
    fills = [a["fill"] for t, a in callbacks.tags if t == "rect" and "height" in a]
    bars = fills[-len(rates) :]
    assert bars == [charts.MEETS if r["meets"] else "url(#callbacks-below)" for r in rates]


def test_hostile_text_in_records_and_measures_is_shown_escaped(reg: Reg) -> None:
    reg.new(unit=HOSTILE)
    reg.new(unit=HOSTILE)  # twice: the unit is listed among the repeat complaints
    reg.ok(
        "improve",
        "add",
        "--title",
        HOSTILE,
        "--category",
        "repair",
        "--owner",
        "李工",
        "--due",
        "2026-12-31",
        "--by",
        "张三",
    )
    text = html_report(reg)
    page = assert_self_contained(text)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert text.count(escaped) >= 2  # the repeat units table and the measures table
    assert not any(tag == "script" for tag, _ in page.tags)


def test_chart_texts_are_escaped() -> None:
    texts = charts.Texts(HOSTILE, "x & y", '"quoted"', "<none>")
    svg = charts.quota_chart(
        "hostile",
        texts,
        [charts.QuotaBar(HOSTILE, "1/2", 50.0, 60.0, False, "quota <60%>")],
        charts.QuotaLegend("<a>", "<b>", "<c>", "<d>"),
    )
    page = Page(svg)
    assert not any(tag in {"script", "a", "b"} for tag, _ in page.tags)
    assert page.charts["hostile"].title == HOSTILE
    assert page.charts["hostile"].aria_label == HOSTILE
    assert HOSTILE in page.charts["hostile"].text("x-tick")
    assert "&lt;script&gt;" in svg and 'aria-label="&lt;script&gt;' in svg


def test_a_new_registry_draws_empty_charts_saying_no_data(reg: Reg) -> None:
    text = html_report(reg)
    page = assert_self_contained(text)
    for key in CHARTS:
        chart = page.charts[key]
        assert chart.text("no-data") == ["No data"], key
        assert chart.text("value") == [], key
    assert page.charts["volume"].text("y-tick") == ["0", "1", "2", "3", "4", "5"]
    assert "volume_by_nature" in page.empty_tables and "dissatisfied" in page.empty_tables
    assert not re.search(r"\b(nan|inf)\b", text, re.IGNORECASE)


def test_the_same_registry_gives_the_same_bytes(example: Reg) -> None:
    first = html_report(example)  # fills the report cache
    assert html_report(example) == first
    assert html_report(example, lang="zh-CN") == html_report(example, lang="zh-CN")


# --- the charts in Chinese ------------------------------------------------------------------

# A stand-in for the zh-CN catalog while it is being filled: the charts' own messages.
CHART_MESSAGES = {
    "Charts": "图表",
    "Complaints received per month": "每月受理投诉量",
    "Clocks met in time per month (SLA)": "每月时限达标率（SLA）",
    "Satisfaction rate per month": "每月满意率",
    "Callback rate by role against its quota, {period}": "各岗位回访率与定额（{period}）",
    "Month": "月份",
    "Complaints": "投诉量",
    "Met in time (%)": "按时达标（%）",
    "Satisfied of called back (%)": "回访满意（%）",
    "Role (called back / handled)": "岗位（回访 / 处理）",
    "Called back of handled (%)": "回访占处理（%）",
    "No data": "暂无数据",
    "No point: no data that month": "无点：当月无数据",
    "meets the quota": "达到定额",
    "below the quota": "未达定额",
    "quota": "定额",
    "quota {percent}": "定额 {percent}",
    "Oct": "10月",
    "Nov": "11月",
    "Dec": "12月",
    "Jan": "1月",
}


def stand_in_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    header = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"
    entries = [Entry(msgid="", msgstr=[header])]
    entries += [Entry(msgid=k, msgstr=[v]) for k, v in CHART_MESSAGES.items()]
    import gettext
    import io

    translations = gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))
    monkeypatch.setitem(i18n._translations, "zh-CN", translations)


def test_charts_in_chinese_read_in_chinese(example: Reg, monkeypatch: pytest.MonkeyPatch) -> None:
    page = Page(html_report(example, lang="zh-CN"))
    assert page.lang == "zh-CN"
    # the policy's names of the roles, whatever the catalog holds
    assert {"物业主管", "物业部经理", "中心主任"} <= set(page.charts["callbacks"].text("x-tick"))

    stand_in_catalog(monkeypatch)
    page = Page(html_report(example, lang="zh-CN"))
    volume = page.charts["volume"]
    assert volume.title == "每月受理投诉量"
    assert volume.text("x-title") == ["月份"] and volume.text("y-title") == ["投诉量"]
    assert volume.text("x-tick")[:4] == ["12月", "2025", "1月", "2026"]
    assert volume.text("x-tick")[-2:] == ["10月", "11月"]
    assert page.charts["sla"].text("y-title") == ["按时达标（%）"]
    assert page.charts["satisfaction"].text("note") == ["无点：当月无数据"]
    callbacks = page.charts["callbacks"]
    assert callbacks.title == "各岗位回访率与定额（2026-11）"
    assert callbacks.text("legend") == ["达到定额", "未达定额", "定额"]
    assert callbacks.text("quota-label") == ["定额 95%", "定额 25%", "定额 10%"]


# --- the drawing functions ------------------------------------------------------------------


def test_axes_step_in_ones_twos_and_fives() -> None:
    assert charts.count_axis(0) == (1, 5)
    assert charts.count_axis(3) == (1, 3)
    assert charts.count_axis(27) == (5, 30)
    assert charts.count_axis(100) == (20, 100)
    assert charts.count_axis(1234) == (500, 1500)


def test_charts_of_nothing_do_not_fail() -> None:
    texts = charts.Texts("t", "x", "y", "none", "gap")
    for svg in (
        charts.bar_chart("a", texts, [], [], []),
        charts.percent_line_chart("b", texts, [], [], [], charts.SLA),
        charts.percent_line_chart("c", texts, [("Jan", "")], ["2026-01"], [None], charts.SLA),
        charts.quota_chart("d", texts, [], charts.QuotaLegend("m", "b", "n", "q")),
    ):
        page = Page(svg)
        (chart,) = page.charts.values()
        assert chart.text("no-data") == ["none"]
    with pytest.raises(ValueError):
        charts.bar_chart("Bad Key", texts, [], [], [])


def test_a_lone_month_between_gaps_is_a_point_without_a_line() -> None:
    texts = charts.Texts("t", "x", "y", "none", "gap")
    svg = charts.percent_line_chart(
        "lone", texts, [("a",), ("b",), ("c",)], ["a", "b", "c"], [None, 40.0, None], charts.SLA
    )
    chart = Page(svg).charts["lone"]
    assert chart.count("circle") == 1 and chart.count("polyline") == 0
    assert chart.text("value") == ["40.0%"] and chart.text("note") == ["gap"]


# --- in a browser ------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


def screenshot(html: Path, png: Path, size: str) -> None:
    # selected only by `-m browser` (.ci/run installs Chromium first): missing is a failure
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-zenhei")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={png.parent / 'chromium-profile'}",
            f"--window-size={size}",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert png.exists(), done.stderr[-2000:]


def colour_mask(image: object, colour: str, tolerance: int = 10) -> object:
    """A black-and-white image: white where the pixel is `colour` (within tolerance)."""
    from PIL import Image, ImageChops

    assert isinstance(image, Image.Image)
    target = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    bands = [
        band.point(lambda v, t=t: 255 if abs(v - t) <= tolerance else 0)
        for band, t in zip(image.convert("RGB").split(), target, strict=True)
    ]
    return ImageChops.multiply(ImageChops.multiply(bands[0], bands[1]), bands[2])


def column_runs(mask: object) -> list[tuple[int, int, int]]:
    """Runs of adjacent pixel columns holding the colour: (first x, last x, tallest)."""
    from PIL import Image

    assert isinstance(mask, Image.Image)
    box = mask.getbbox()
    assert box is not None
    heights = [
        mask.crop((x, box[1], x + 1, box[3])).histogram()[255] for x in range(box[0], box[2])
    ]
    runs: list[tuple[int, int, int]] = []
    start = None
    for offset, height in enumerate([*heights, 0]):
        if height and start is None:
            start = offset
        elif not height and start is not None:
            runs.append((box[0] + start, box[0] + offset - 1, max(heights[start:offset])))
            start = None
    return runs


@pytest.mark.browser
def test_a_manager_sees_the_charts_in_a_browser(tmp_path: Path) -> None:
    from PIL import Image, ImageChops

    registry = example_registry(tmp_path)
    data = json.loads(registry.ok("report", "--period", "2026-11", "--format", "json").out)
    page = tmp_path / "report.html"
    page.write_text(html_report(registry), encoding="utf-8")
    png = tmp_path / "report.png"
    screenshot(page, png, "1200,3000")
    image = Image.open(png).convert("RGB")

    # not blank: text, tables and charts cover a fair share of the page
    grey = image.convert("L")
    inked = sum(grey.point(lambda v: 255 if v < 200 else 0).histogram()[255:])
    assert inked > 0.01 * image.width * image.height

    boxes = {}
    for name, colour in (
        ("volume", charts.VOLUME),
        ("sla", charts.SLA),
        ("satisfaction", charts.SATISFACTION),
        ("meets", charts.MEETS),
        ("below", charts.BELOW),
        ("hatch", charts.BELOW_HATCH),
    ):
        mask = colour_mask(image, colour)
        count = mask.histogram()[255]  # type: ignore[attr-defined]
        assert count > 40, f"no {name} pixels ({colour}) in {png}"
        boxes[name] = mask.getbbox()  # type: ignore[attr-defined]
    # two charts a row at this width: volume | SLA over satisfaction | callbacks
    assert boxes["volume"][2] < boxes["sla"][0]
    assert boxes["volume"][3] < boxes["satisfaction"][1]
    assert boxes["sla"][3] < boxes["meets"][1]
    assert boxes["satisfaction"][0] < boxes["meets"][0]

    # the bars stand as tall as the figures say
    trend = [m["received"] for m in data["trend"] if m["received"]]
    runs = column_runs(colour_mask(image, charts.VOLUME))
    assert len(runs) == len(trend) == 2
    ratio = runs[0][2] / runs[1][2]
    assert abs(ratio - trend[0] / trend[1]) < 0.03, (runs, trend)
    rates = [r["percent"] for r in data["callbacks"]["rates"] if r["meets"]]
    bars = sorted(column_runs(colour_mask(image, charts.MEETS)), key=lambda r: r[0])
    bars = [b for b in bars if b[2] > 20]  # not the legend's swatch
    assert len(bars) == len(rates) == 2
    assert abs(bars[0][2] / bars[1][2] - rates[0] / rates[1]) < 0.03, (bars, rates)

    # Chinese renders as glyphs, not as boxes: two titles drawn with the charts' own
    # fonts (as many characters each, so that rows of boxes would be alike) must differ,
    # and each must have strokes in it
    texts = [charts.Texts(title, "x", "y", "-") for title in ("每月投诉量", "回访满意率")]
    drawn = "".join(
        f'<div style="width:{charts.WIDTH}px;height:{charts.HEIGHT}px">'
        f"{charts.bar_chart(f'c{i}', t, [], [], [])}</div>"
        for i, t in enumerate(texts)
    )
    glyphs = tmp_path / "glyphs.html"
    glyphs.write_text(
        f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8">'
        f'<body style="margin:0">{drawn}</body></html>',
        encoding="utf-8",
    )
    glyphs_png = tmp_path / "glyphs.png"
    screenshot(glyphs, glyphs_png, f"{charts.WIDTH},{2 * charts.HEIGHT}")
    shot = Image.open(glyphs_png).convert("L")
    crops = [shot.crop((8, 6 + i * charts.HEIGHT, 160, 32 + i * charts.HEIGHT)) for i in (0, 1)]
    dark = [sum(c.point(lambda v: 255 if v < 128 else 0).histogram()[255:]) for c in crops]
    assert all(d > 100 for d in dark), dark
    difference = ImageChops.difference(crops[0], crops[1])
    assert sum(difference.point(lambda v: 255 if v > 64 else 0).histogram()[255:]) > 100
