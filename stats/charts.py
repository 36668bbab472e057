"""Server-drawn SVG charts: geometry computed here, markup in templates/stats/_charts.html."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
#: The phone drawing: about as wide as a 360 px screen shows it, so 12 px labels stay 12 px.
NARROW_WIDTH = 320
HEIGHT = 220
PAD_LEFT = 40
PAD_BOTTOM = 24
PAD_TOP = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str  # the value as shown (for the tooltip-like <title>)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    baseline: float


def nice_max(value: int) -> int:
    """A round upper bound for an axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


def column_chart(
    labels: list[str],
    series: list[list[int | None]],
    every: int = 1,
    hidden_label: str = "",
    width: int = WIDTH,
) -> Chart:
    """Grouped columns: one group per label, one column per series; None draws a stub."""
    plot_w = width - PAD_LEFT - 4
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = nice_max(max((v or 0 for values in series for v in values), default=0))
    groups = max(1, len(labels))
    group_w = plot_w / groups
    bar_w = max(1.0, group_w * 0.8 / max(1, len(series)))
    baseline = PAD_TOP + plot_h
    bars = []
    for s, values in enumerate(series):
        for i, value in enumerate(values):
            x = PAD_LEFT + i * group_w + group_w * 0.1 + s * bar_w
            height = plot_h * (value or 0) / top
            if value is None:
                height = 2.0  # a stub: something was there, too few to show
            bars.append(
                Bar(
                    round(x, 1),
                    round(baseline - height, 1),
                    round(bar_w, 1),
                    round(height, 1),
                    s,
                    hidden_label if value is None else str(value),
                )
            )
    x_ticks = [
        Tick(round(PAD_LEFT + i * group_w + group_w / 2, 1), label)
        for i, label in enumerate(labels)
        if i % max(1, every) == 0
    ]
    y_ticks = [Tick(round(baseline - plot_h * f, 1), str(round(top * f))) for f in (0, 0.5, 1)]
    return Chart(width, HEIGHT, bars, x_ticks, y_ticks, baseline)


def bar_list(values: list[int | None]) -> list[float]:
    """Widths in percent of the largest value, for horizontal funnel bars."""
    top = max((v or 0 for v in values), default=0) or 1
    return [round(100 * (v or 0) / top, 1) for v in values]
