"""Server-rendered SVG charts (issue 12): the geometry in Python, the markup in
templates/treatments/charts/_chart.html. No JavaScript, no inline style (CSP): colours are SVG
presentation attributes, and each series also differs by marker shape and dash, so colour is never
the only signal. Every chart carries a title, a description and a table of the same numbers.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 640
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 56, 32, 16, 44
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM
MAX_X_LABELS = 6  # on a time axis; a bar chart labels up to MAX_BAR_LABELS bars
MAX_BAR_LABELS = 12

# Bootstrap's primary and a dark orange: both pass 3:1 against white for graphics (WCAG 1.4.11).
COLOURS = ("#0d6efd", "#b35900", "#198754", "#6f42c1")
DASHES = ("", "6 4", "2 3", "8 3 2 3")
SHAPES = ("circle", "square", "diamond", "triangle")


@dataclass
class Point:
    day: datetime.date
    value: float | int | Decimal | None
    note: str = ""


@dataclass
class Series:
    name: str
    points: list[Point]


@dataclass
class Chart:
    """A line (values over dates) or bar (one value per labelled date, e.g. a week) chart."""

    slug: str  # unique on the page: ids of the title, description and table
    title: str
    description: str
    y_label: str
    y_min: float
    y_max: float
    series: list[Series] = field(default_factory=list)
    kind: str = "line"
    empty_message: str = "No data yet."
    better: str = ""  # "lower" / "higher": the measure's direction, said in words
    unit: str = ""
    x_format: str = "%b %-d"

    @property
    def points(self) -> list[Point]:
        return [p for s in self.series for p in s.points if p.value is not None]

    @property
    def is_empty(self) -> bool:
        return not self.points

    @property
    def better_text(self) -> str:
        return {"lower": "Lower is better", "higher": "Higher is better"}.get(self.better, "")

    @property
    def table_days(self) -> list[datetime.date]:
        return sorted({p.day for s in self.series for p in s.points})

    @property
    def table_rows(self) -> list[tuple[datetime.date, list[str]]]:
        """One row per day, one cell per series (empty where a series has no value that day)."""
        by_series = [{p.day: p for p in s.points} for s in self.series]
        rows = []
        for day in self.table_days:
            cells = []
            for values in by_series:
                p = values.get(day)
                cells.append("" if p is None or p.value is None else number(p.value) + p.note)
            rows.append((day, cells))
        return rows

    # --- geometry ------------------------------------------------------------------------------

    def _days(self) -> tuple[datetime.date, datetime.date]:
        days = self.table_days
        return days[0], days[-1]

    def x(self, day: datetime.date) -> float:
        first, last = self._days()
        if self.kind == "bar":
            days = self.table_days
            slot = PLOT_W / len(days)
            return round(LEFT + slot * (days.index(day) + 0.5), 1)
        if first == last:
            return LEFT + PLOT_W / 2
        return round(LEFT + PLOT_W * (day - first).days / (last - first).days, 1)

    def y(self, value) -> float:
        span = float(self.y_max - self.y_min) or 1.0
        clamped = min(max(float(value), float(self.y_min)), float(self.y_max))
        return round(TOP + PLOT_H * (1 - (clamped - float(self.y_min)) / span), 1)

    @property
    def y_ticks(self) -> list[dict]:
        step = _nice_step(float(self.y_max - self.y_min))
        ticks, value = [], float(self.y_min)
        while value <= float(self.y_max) + 1e-9:
            ticks.append({"y": self.y(value), "label": number(value)})
            value += step
        return ticks

    @property
    def x_ticks(self) -> list[dict]:
        days = self.table_days
        most = MAX_BAR_LABELS if self.kind == "bar" else MAX_X_LABELS
        if len(days) > most:
            stride = (len(days) - 1) / (most - 1)
            days = [days[round(i * stride)] for i in range(most)]
        return [{"x": self.x(d), "label": d.strftime(self.x_format)} for d in days]

    @property
    def drawn_series(self) -> list[dict]:
        """Each series with its colour, dash, marker shape, polyline and markers."""
        drawn = []
        bar_count = max(len(self.series), 1)
        slot = PLOT_W / max(len(self.table_days), 1)
        bar_w = round(min(slot * 0.7 / bar_count, 48), 1)
        for i, s in enumerate(self.series):
            valued = [p for p in s.points if p.value is not None]
            markers = []
            for p in valued:
                x, y = self.x(p.day), self.y(p.value)
                marker = {"x": x, "y": y, "label": f"{p.day:%Y-%m-%d}: {number(p.value)}"}
                if self.kind == "bar":
                    marker["bar_x"] = round(x - bar_w * bar_count / 2 + bar_w * i, 1)
                    marker["bar_w"] = bar_w
                    # A 0% week stays visible as a sliver; a week without data has no bar.
                    marker["bar_h"] = max(round(TOP + PLOT_H - y, 1), 2)
                    marker["y"] = TOP + PLOT_H - marker["bar_h"]
                marker["shape"] = _shape(SHAPES[i % len(SHAPES)], x, y)
                markers.append(marker)
            drawn.append(
                {
                    "name": s.name,
                    "colour": COLOURS[i % len(COLOURS)],
                    "dash": DASHES[i % len(DASHES)],
                    "shape": SHAPES[i % len(SHAPES)],
                    "legend_shape": _shape(SHAPES[i % len(SHAPES)], 0, 0),
                    "polyline": " ".join(f"{m['x']},{m['y']}" for m in markers),
                    "markers": markers,
                    "count": len(markers),
                }
            )
        return drawn

    @property
    def frame(self) -> dict:
        return {
            "width": WIDTH,
            "height": HEIGHT,
            "left": LEFT,
            "right": WIDTH - RIGHT,
            "top": TOP,
            "bottom": TOP + PLOT_H,
            "middle_y": TOP + PLOT_H / 2,
            "label_y": HEIGHT - 8,
            "tick_label_y": TOP + PLOT_H + 18,
        }


def number(value) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _nice_step(span: float) -> float:
    """A round tick step giving about five ticks: 2 for 0-10, 20 for 0-100, 10 for 0-80."""
    if span <= 0:
        return 1.0
    raw = span / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _shape(shape: str, x: float, y: float) -> str:
    """The ``points`` of a polygon marker (a circle is drawn as <circle>)."""
    r = 4.5
    corners = {
        "square": [(-r, -r), (r, -r), (r, r), (-r, r)],
        "diamond": [(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)],
        "triangle": [(0, -r - 1), (r + 1, r), (-r - 1, r)],
    }.get(shape, [])
    return " ".join(f"{round(x + dx, 1)},{round(y + dy, 1)}" for dx, dy in corners)
