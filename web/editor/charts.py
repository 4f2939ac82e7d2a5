"""The analytics page's charts as inline SVG geometry (no JavaScript chart library, nothing from a CDN).

Each chart has a <title> and <desc> for screen readers; the page shows the same figures as a table.

An SVG scales as a whole, its labels too: the wide drawing shrunk into a phone's card would have ~7 px labels.
So each chart is drawn in two frames, a wide one and a compact one (narrower, taller, fewer date labels), and the
page shows the one that fits its card (a CSS container query in the analytics template).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from web.analytics.report import Day


@dataclass(frozen=True)
class Frame:
    """A chart's drawing area in SVG user units, with the margins that hold the axis labels."""

    name: str  # also the CSS class that the page's container query shows or hides
    width: int
    height: int
    left: int  # room for the y-axis labels ("100 %")
    right: int
    top: int
    bottom: int  # room for the date labels
    max_date_labels: int  # more would overlap at this frame's label size

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom


# The label size (the template's CSS) is in these units: 16 of 720 is ~11 px or more in a card of 30rem and up,
# 14 of 360 ~11 to 19 px in the cards below that (a phone's is ~340 px wide).
WIDE = Frame("wide", width=720, height=200, left=60, right=8, top=10, bottom=30, max_date_labels=8)
COMPACT = Frame("compact", width=360, height=220, left=48, right=8, top=10, bottom=32, max_date_labels=4)
FRAMES = (WIDE, COMPACT)


@dataclass(frozen=True)
class Series:
    label: str
    css: str  # a class of the page's stylesheet, which sets the colour
    values: list[float | None]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    tooltip: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    tooltip: str


@dataclass(frozen=True)
class Line:
    css: str
    segments: list[str]  # polyline points; a day without data breaks the line
    dots: list[Dot]


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    id: str
    title: str
    description: str
    legend: list[tuple[str, str]]  # (css, label)
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    frame: Frame = WIDE
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


def daily_charts(days: list[Day]) -> list[list[Chart]]:
    """Each chart of the page, in every frame (:data:`FRAMES` order)."""
    return [list(drawings) for drawings in zip(*(_daily_charts(days, frame) for frame in FRAMES), strict=True)]


def _daily_charts(days: list[Day], frame: Frame) -> list[Chart]:
    labels = [day.day.isoformat() for day in days]
    return [
        stacked_bars(
            "chart-questions",
            "Questions per day",
            "Questions answered and abstained (the bot said it does not know) per day.",
            labels,
            [
                Series("answered", "answered", [d.answered for d in days]),
                Series("abstained", "abstained", [d.abstained for d in days]),
            ],
            frame,
        ),
        rate_lines(
            "chart-rates",
            "Rates per day",
            "Answer rate, abstain rate and helpful rate (thumbs up over rated answers) per day, 0 to 100 %; "
            "days without questions or ratings have no point.",
            labels,
            [
                Series("answer rate", "answered", [_rate(d.answered, d.questions) for d in days]),
                Series("abstain rate", "abstained", [_rate(d.abstained, d.questions) for d in days]),
                Series("helpful rate", "helpful", [_rate(d.helpful, d.rated) for d in days]),
            ],
            frame,
        ),
        stacked_bars(
            "chart-conversations",
            "Conversations per day",
            "Conversations started per day: those that ended without a hand-off request (deflected) and those "
            "handed off to a human.",
            labels,
            [
                Series("deflected", "deflected", [d.conversations - d.handoffs for d in days]),
                Series("handed off", "handoff", [d.handoffs for d in days]),
            ],
            frame,
        ),
        stacked_bars(
            "chart-feedback",
            "Feedback per day",
            "Thumbs up and thumbs down on the answers of each day (the latest click of each answer).",
            labels,
            [
                Series("👍 helpful", "helpful", [d.helpful for d in days]),
                Series("👎 not helpful", "not-helpful", [d.not_helpful for d in days]),
            ],
            frame,
        ),
    ]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above ``value`` (at least 1): round numbers on the axis."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def stacked_bars(
    chart_id: str, title: str, description: str, labels: list[str], series: list[Series], frame: Frame = WIDE
) -> Chart:
    count = max(len(labels), 1)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    band = frame.plot_width / count
    rects = []
    for i, label in enumerate(labels):
        base: float = frame.top + frame.plot_height
        for s in series:
            value = s.values[i] or 0
            height = value / top * frame.plot_height
            if value:
                rects.append(
                    Rect(
                        x=_round(frame.left + i * band + band * 0.15),
                        y=_round(base - height),
                        width=_round(max(band * 0.7, 0.5)),
                        height=_round(height),
                        css=s.css,
                        tooltip=f"{label}: {value:g} {s.label}",
                    )
                )
            base -= height
    y_ticks = [_y_tick(frame, f, f"{top * f:g}") for f in (0.0, 0.5, 1.0)]
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        legend=[(s.css, s.label) for s in series],
        y_ticks=y_ticks,
        x_ticks=_date_ticks(frame, labels, band),
        frame=frame,
        rects=rects,
    )


def rate_lines(
    chart_id: str, title: str, description: str, labels: list[str], series: list[Series], frame: Frame = WIDE
) -> Chart:
    band = frame.plot_width / max(len(labels), 1)
    lines = []
    for s in series:
        segments: list[list[str]] = []
        dots = []
        previous = None
        for i, value in enumerate(s.values):
            if value is None:
                previous = None
                continue
            x, y = _round(frame.left + (i + 0.5) * band), _round(frame.top + frame.plot_height * (1 - value))
            if previous is None:
                segments.append([])
            segments[-1].append(f"{x},{y}")
            dots.append(Dot(x, y, f"{labels[i]}: {s.label} {value * 100:.1f} %"))
            previous = value
        lines.append(Line(css=s.css, segments=[" ".join(points) for points in segments], dots=dots))
    y_ticks = [_y_tick(frame, f, f"{f * 100:.0f} %") for f in (0.0, 0.5, 1.0)]
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        legend=[(s.css, s.label) for s in series],
        y_ticks=y_ticks,
        x_ticks=_date_ticks(frame, labels, band),
        frame=frame,
        lines=lines,
    )


def _y_tick(frame: Frame, fraction: float, label: str) -> Tick:
    return Tick(_round(frame.top + frame.plot_height * (1 - fraction)), label)


def _date_ticks(frame: Frame, labels: list[str], band: float) -> list[Tick]:
    step = max(1, math.ceil(len(labels) / frame.max_date_labels))
    return [Tick(_round(frame.left + (i + 0.5) * band), labels[i][5:]) for i in range(0, len(labels), step)]


def _round(value: float) -> float:
    return round(value, 1)
