"""Charts and the map of Brazil, drawn on the server as SVG (no script, no ``style``: the
Content-Security-Policy stays as it is, and WeasyPrint draws the same markup in the PDF).

Python lays a chart out here — every mark's position, size, colour and tooltip — into plain
frozen dataclasses, from numbers a feature's service computed; the markup is written once,
in ``templates/_macros/charts.html``. Colours are SVG presentation attributes
(``fill="#…"``), chosen here, so the screen and the PDF show the same thing.

Every chart carries the table it was drawn from (:class:`DataTable`): the page shows it a
click away (``<details>``), and tests compare the two.

Imports no feature: the caller names the categories, the series and the regions' numbers.
"""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

from portal.core.formatting import format_number, format_percent

# Sequential shades, light to dark (gov.br DS blue and red scales), for 5 classes at most.
BLUES = ("#dbe8fb", "#a8c6f0", "#5992ed", "#1351b4", "#0c326f")
REDS = ("#fde2de", "#f7a99e", "#ec6a5a", "#d0210f", "#7f1509")
NO_DATA = "#f3f3f3"
BORDER = "#6f6f6f"
GRID = "#d9d9d9"
TEXT = "#333333"
FONT = "Raleway, 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"


# Data tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataTable:
    """What a chart shows, as a table: ``rows`` are (row header, *cells), cells already
    written as people read them ("12", "66,7%")."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


# Colour classes (the map's shades) -----------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """One shade of a scale: values from ``low`` (inclusive) to ``high`` (inclusive for
    counts; exclusive for percentages, but for the last band)."""

    label: str
    colour: str
    low: float
    high: float


@dataclass(frozen=True)
class Scale:
    bands: tuple[Band, ...]
    empty_label: str = "Sem dados"
    empty_colour: str = NO_DATA

    def band(self, value: float | None) -> Band | None:
        """The band of ``value`` (None: no data)."""
        if value is None:
            return None
        for band in self.bands[:-1]:
            if value < band.high or (band.low == band.high and value == band.high):
                return band
        return self.bands[-1]

    def colour(self, value: float | None) -> str:
        band = self.band(value)
        return self.empty_colour if band is None else band.colour

    @property
    def legend(self) -> tuple[tuple[str, str], ...]:
        """(colour, label) of each band, then of "no data"."""
        return (*((b.colour, b.label) for b in self.bands),
                (self.empty_colour, self.empty_label))


def _spread(palette: Sequence[str], count: int) -> list[str]:
    """``count`` shades of the palette, as far apart as they can be (light to dark)."""
    if count <= 1:
        return [palette[len(palette) // 2]]
    last = len(palette) - 1
    return [palette[round(i * last / (count - 1))] for i in range(count)]


def count_scale(values: Sequence[int], palette: Sequence[str] = BLUES,
                empty_label: str = "Sem dados", *, zero: bool = True) -> Scale:
    """Up to 5 classes of whole numbers: 0 alone (when ``zero``: a value that can be 0), then
    equal ranges up to the largest value (each number alone when there are few)."""
    top = max((v for v in values if v is not None), default=0)
    first = 0 if zero else 1
    alone = 4 if zero else 5  # ranges after 0 (or from 1)
    if top - first < 5:
        ranges = [(v, v) for v in range(first, max(top, first) + 1)]
    else:
        step = math.ceil(top / alone)
        ranges = [(0, 0)] if zero else []
        ranges += [(1 + i * step, min((i + 1) * step, top)) for i in range(alone)
                   if 1 + i * step <= top]
    colours = _spread(palette, len(ranges))
    bands = []
    for (low, high), colour in zip(ranges, colours, strict=True):
        label = (format_number(low) if low == high
                 else f"{format_number(low)} a {format_number(high)}")
        # Counts are whole: a band holds low..high, i.e. values below high + 1.
        bands.append(Band(label, colour, low, high if low == high else high + 1))
    return Scale(tuple(bands), empty_label)


def percent_scale(palette: Sequence[str] = BLUES, empty_label: str = "Sem dados") -> Scale:
    """5 classes of 20 points (a value on a boundary goes to the upper class)."""
    labels = ("menos de 20%", "de 20% a menos de 40%", "de 40% a menos de 60%",
              "de 60% a menos de 80%", "80% ou mais")
    bands = tuple(Band(label, colour, 20 * i, 20 * (i + 1))
                  for i, (label, colour) in enumerate(zip(labels, palette, strict=True)))
    return Scale(bands, empty_label)


# Charts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class Mark:
    """A rectangle: a bar, or one series' part of a stacked bar; ``title`` is its tooltip."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str
    value: float
    series: str = ""
    category: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor
    size: int = 12
    bold: bool = False


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str = GRID
    width: float = 1
    dashed: bool = False


@dataclass(frozen=True)
class Chart:
    """An SVG chart: ``title`` and ``description`` name it (SVG <title>/<desc>, and the
    figure's caption); ``table`` holds the numbers it was drawn from."""

    id: str
    title: str
    description: str
    width: int
    height: int
    table: DataTable
    marks: tuple[Mark, ...] = ()
    labels: tuple[Label, ...] = ()
    lines: tuple[Line, ...] = ()
    tracks: tuple[Mark, ...] = ()  # the background of horizontal bars (100%)
    series: tuple[Series, ...] = ()  # the legend (when there is more than one series)
    note: str = ""  # a line under the chart (e.g. the unit of its axis)

    @property
    def legend(self) -> tuple[tuple[str, str], ...]:
        """(colour, name) of each series."""
        return tuple((s.colour, s.name) for s in self.series)

    def values(self, series: str | None = None) -> dict[str, float]:
        """{category: value} of the marks (of one series): what the chart shows."""
        return {m.category: m.value for m in self.marks if series is None or m.series == series}


def nice_top(value: float, ticks: int = 4) -> tuple[float, float]:
    """An axis maximum at or above ``value`` and its step: 1, 2 or 5 times a power of ten,
    at most ``ticks`` steps (integers only: charts here count things)."""
    if value <= 0:
        return 1, 1
    raw = value / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        step = max(1, factor * power)
        if step * ticks >= value:
            return step * math.ceil(value / step), step
    return value, value  # pragma: no cover


def columns(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[int]],
    *,
    category_header: str,
    unit: tuple[str, str] = ("", ""),
    total: bool = True,
    running_total: bool = False,
    labels: Sequence[str] | None = None,
    width: int = 640,
    height: int = 260,
    note: str = "",
) -> Chart:
    """Vertical bars, one per category, stacked by series (``values[category][series]``).

    ``unit`` is the (singular, plural) noun of a tooltip ("1 entrega", "3 entregas");
    ``labels`` are shorter category names for the axis (the table keeps ``categories``).
    The table: one row per category, one column per series, and a total (and a running
    total) when asked.
    """
    left, right, top, bottom = 44, 8, 20, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    sums = [sum(row) for row in values]
    top_value, step = nice_top(max(sums, default=0))
    scale = plot_h / top_value
    lines, texts, marks = [], [], []
    tick = 0
    while tick <= top_value:
        y = top + plot_h - tick * scale
        lines.append(Line(left, y, width - right, y, GRID if tick else BORDER))
        texts.append(Label(left - 6, y + 4, format_number(tick), "end", 11))
        tick += step
    slot = plot_w / max(len(categories), 1)
    bar_w = min(slot * 0.7, 56)
    one, many = unit
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        base = top + plot_h
        for s, value in zip(series, row, strict=True):
            h = value * scale
            base -= h
            noun = one if value == 1 else many
            name = f"{s.name}: " if len(series) > 1 else ""
            tip = f"{category} — {name}{format_number(value)} {noun}".rstrip()
            marks.append(Mark(round(x, 2), round(base, 2), round(bar_w, 2), round(h, 2),
                              s.colour, tip, value, s.name, category))
        axis_label = (labels or categories)[i]
        texts.append(Label(round(x + bar_w / 2, 2), top + plot_h + 16, axis_label, "middle", 11))
        if sums[i]:
            texts.append(Label(round(x + bar_w / 2, 2), round(base - 4, 2),
                               format_number(sums[i]), "middle", 11, True))
    headers = [category_header, *(s.name for s in series)]
    if total and len(series) > 1:
        headers.append("Total")
    if running_total:
        headers.append("Acumulado")
    rows, running = [], 0
    for category, row, row_sum in zip(categories, values, sums, strict=True):
        cells = [category, *(format_number(v) for v in row)]
        if total and len(series) > 1:
            cells.append(format_number(row_sum))
        if running_total:
            running += row_sum
            cells.append(format_number(running))
        rows.append(tuple(cells))
    return Chart(
        id=chart_id, title=title, description=description, width=width, height=height,
        table=DataTable(title, tuple(headers), tuple(rows)),
        marks=tuple(marks), labels=tuple(texts), lines=tuple(lines),
        series=tuple(series) if len(series) > 1 else (), note=note,
    )


@dataclass(frozen=True)
class Bar:
    """A horizontal bar: ``part`` of ``whole`` (e.g. approved of due)."""

    label: str
    part: int
    whole: int
    extra: tuple[str, ...] = ()  # more cells for the table row

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.whole, 1) if self.whole else None


def progress_bars(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    *,
    headers: Sequence[str],
    of: str = "de",
    colour: str = BLUES[3],
    width: int = 640,
    row_height: int = 34,
) -> Chart:
    """Horizontal bars of a share (0 to 100%), one per row: the label and "part de whole
    (percent)" above a bar whose length is the percentage. The table: label, part, whole,
    percent, then each bar's ``extra`` cells (``headers`` names them all)."""
    marks, tracks, texts = [], [], []
    for i, bar in enumerate(bars):
        y = i * row_height
        percent = bar.percent
        shown = f"{format_number(bar.part)} {of} {format_number(bar.whole)}"
        shown += f" ({format_percent(percent)})" if percent is not None else " (—)"
        texts.append(Label(0, y + 13, bar.label, "start", 12, True))
        texts.append(Label(width, y + 13, shown, "end", 12))
        tracks.append(Mark(0, y + 18, width, 10, "#e6e6e6", "", 100, category=bar.label))
        marks.append(Mark(0, y + 18, round(width * (percent or 0) / 100, 2), 10, colour,
                          f"{bar.label}: {shown}", percent or 0, category=bar.label))
    rows = tuple(
        (bar.label, format_number(bar.part), format_number(bar.whole),
         format_percent(bar.percent) if bar.percent is not None else "—", *bar.extra)
        for bar in bars
    )
    return Chart(
        id=chart_id, title=title, description=description, width=width,
        height=max(row_height * len(bars), row_height),
        table=DataTable(title, tuple(headers), rows),
        marks=tuple(marks), tracks=tuple(tracks), labels=tuple(texts),
    )


# The map of Brazil ---------------------------------------------------------------------------

# The vendored map (static/vendor/svg-maps-brazil-2.0.0, CC BY 4.0): one <path> per UF.
MAP_FOLDER = "vendor/svg-maps-brazil-2.0.0"
MAP_CREDIT = ("Mapa: @svg-maps/brazil (Victor Cazanave, a partir de MapSVG), "
              "licença CC BY 4.0")
_PATH = re.compile(r'<path\s+id="(?P<id>[a-z]{2})"\s+aria-label="[^"]*"\s+d="(?P<d>[^"]+)"')
_VIEW_BOX = re.compile(r'viewBox="(?P<box>[\d. ]+)"')


@lru_cache(maxsize=2)
def _read_map(path: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    text = Path(path).read_text(encoding="utf-8")
    box = _VIEW_BOX.search(text)
    paths = tuple((m["id"].upper(), m["d"]) for m in _PATH.finditer(text))
    if box is None or len(paths) != 27:
        raise RuntimeError(f"{path}: esperado um mapa com as 27 UFs")
    return box["box"], paths


def brazil_outlines() -> tuple[str, tuple[tuple[str, str], ...]]:
    """The map's viewBox and (UF, path data) of the 26 states and the Distrito Federal."""
    return _read_map(str(Path(current_app.static_folder) / MAP_FOLDER / "brazil.svg"))


@dataclass(frozen=True)
class Region:
    """A state on the map: its outline, its shade, and its numbers (tooltip, link name)."""

    code: str
    name: str
    path: str
    colour: str
    summary: str
    value: float | None
    selected: bool = False


@dataclass(frozen=True)
class Map:
    id: str
    title: str
    description: str
    view_box: str
    regions: tuple[Region, ...]
    scale: Scale
    table: DataTable
    width: int
    height: int
    credit: str = MAP_CREDIT

    def values(self) -> dict[str, float | None]:
        return {r.code: r.value for r in self.regions}


def brazil_map(
    map_id: str,
    title: str,
    description: str,
    names: dict[str, str],
    value: Callable[[str], float | None],
    summary: Callable[[str], str],
    scale: Scale,
    table: DataTable,
    selected: str | None = None,
) -> Map:
    """The 27 UFs shaded by ``scale`` of ``value(uf)`` (None: no data), each summarised by
    ``summary(uf)`` (its tooltip and its link's name)."""
    view_box, outlines = brazil_outlines()
    regions = tuple(
        Region(code, names.get(code, code), path, scale.colour(value(code)), summary(code),
               value(code), code == selected)
        for code, path in outlines
    )
    _, _, width, height = (float(n) for n in view_box.split())
    return Map(map_id, title, description, view_box, regions, scale, table, int(width),
               int(height))
