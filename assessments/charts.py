"""Server-rendered trend charts: plain coordinates for an inline SVG, no JavaScript.

The one chart builder of the app (``templates/assessments/_chart.html`` draws it): the patient
record's pain, sitting and VISA-H trends and a rehab plan's marker pain by review. Each series
has its own marker shape and a text label at every point, so the chart reads without colour;
the page also gives the same numbers as a table.
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 40, 24, 34


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str  # the date shown under the axis

    # SVG coordinates as text, formatted once here rather than by template filters.
    @property
    def sx(self) -> str:
        return f"{self.x:.1f}"

    @property
    def sy(self) -> str:
        return f"{self.y:.1f}"

    @property
    def shown(self) -> str:
        return f"{self.value:g}"


@dataclass(frozen=True)
class Series:
    name: str
    marker: str  # "circle" or "square"
    points: tuple[Point, ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str
    y_max: float
    series: tuple[Series, ...]
    ticks: tuple[tuple[str, str], ...]  # (y position as SVG text, label)
    dates: tuple[Point, ...]
    width: int = WIDTH
    height: int = HEIGHT
    limit: tuple[str, str] | None = None  # a dashed reference line: (y as SVG text, label)

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT


def line_chart(
    title: str,
    unit: str,
    dates: list,
    series: list[tuple[str, str, list]],
    y_max: float,
    *,
    limit: tuple[float, str] | None = None,
) -> Chart:
    """``dates``: the x values (dates, oldest first), evenly spaced so labels never collide;
    each series: (name, marker, values by date, None for gaps); ``limit``: (value, label) of a
    dashed reference line, such as the acceptable pain during loading."""
    n = len(dates)
    span = WIDTH - LEFT - RIGHT
    xs = [LEFT + (span * i / (n - 1) if n > 1 else span / 2) for i in range(n)]
    top = max(y_max, 1)

    def y_of(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - min(value, top) / top)

    built = []
    for name, marker, values in series:
        points = tuple(
            Point(xs[i], y_of(v), v, f"{dates[i]:%d %b %y}")
            for i, v in enumerate(values)
            if v is not None
        )
        built.append(Series(name, marker, points))
    ticks = tuple((f"{y_of(top * f):.1f}", f"{top * f:g}") for f in (0, 0.5, 1))
    date_points = tuple(Point(xs[i], HEIGHT - 12, 0, f"{d:%d %b}") for i, d in enumerate(dates))
    reference = (f"{y_of(limit[0]):.1f}", limit[1]) if limit else None
    return Chart(title, unit, top, tuple(built), ticks, date_points, limit=reference)
