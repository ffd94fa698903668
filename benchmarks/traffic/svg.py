"""Inline SVG charts for the HTML report: lines over time, a log-scale histogram, horizontal bars.

No dependency, no network: each function returns an `<svg>` element as text.
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT, PAD = 640, 240, 44
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd")


def _text(
    x: float, y: float, content: str, size: int = 11, anchor: str = "start", *, fill: str = "#000"
) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
            f"{escape(content)}</text>")  # fmt: skip


def _frame(body: str, title: str, height: int = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<rect width="100%" height="100%" fill="#fff"/>{body}</svg>')  # fmt: skip


def _axes(x_label: str, y_label: str, y_max: float) -> str:
    bottom, right = HEIGHT - PAD, WIDTH - 10
    parts = [f'<line x1="{PAD}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#444"/>',
             f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{bottom}" stroke="#444"/>',
             _text(WIDTH // 2, HEIGHT - 8, x_label, anchor="middle"), _text(4, 12, y_label)]  # fmt: skip
    for step in range(5):
        value, y = y_max * step / 4, bottom - (bottom - 10) * step / 4
        parts.append(f'<text x="{PAD - 4}" y="{y:.0f}" font-size="10" text-anchor="end">{value:.4g}</text>')
    return "".join(parts)


def line_chart(title: str, x_label: str, y_label: str, series: dict[str, list[tuple[float, float]]]) -> str:
    """One polyline per series of (x, y) points, on shared linear axes from 0."""
    points = [p for values in series.values() for p in values]
    if not points:
        return _frame('<text x="50%" y="50%" text-anchor="middle">no data</text>', title)
    x_max = max(x for x, _ in points) or 1.0
    y_max = max(y for _, y in points) or 1.0
    body = [_axes(x_label, y_label, y_max)]
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        coords = " ".join(f"{_x(x, x_max):.1f},{_y(y, y_max):.1f}" for x, y in values)
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/>')
        body.append(
            f'<text x="{WIDTH - 150}" y="{20 + 14 * n}" font-size="11" fill="{colour}">{escape(name)}</text>'
        )
    body.append(
        f'<text x="{WIDTH - 10}" y="{HEIGHT - PAD + 14}" font-size="10" text-anchor="end">{x_max:.4g}</text>'
    )
    return _frame("".join(body), title)


def _x(value: float, top: float) -> float:
    return PAD + (WIDTH - PAD - 10) * value / top


def _y(value: float, top: float) -> float:
    return HEIGHT - PAD - (HEIGHT - PAD - 10) * value / top


def histogram(title: str, buckets: list[tuple[float, int]], markers: dict[str, float]) -> str:
    """Bars of (upper bound ms, count) on a log-scale x axis, with a vertical line per marker (ms)."""
    if not buckets:
        return _frame('<text x="50%" y="50%" text-anchor="middle">no data</text>', title)
    low, high = math.log10(max(buckets[0][0] / 1.2, 1e-3)), math.log10(max(buckets[-1][0], 1e-3) * 1.1)
    span, top = max(high - low, 1e-9), max(count for _, count in buckets)

    def at(ms: float) -> float:
        return PAD + (WIDTH - PAD - 10) * (math.log10(max(ms, 1e-3)) - low) / span

    body = [_axes("latency, ms (log scale)", "count", top)]
    for upper, count in buckets:
        x0, x1 = at(upper / 10 ** (1 / 20)), at(upper)
        y = _y(count, top)
        body.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1):.1f}" '
                    f'height="{HEIGHT - PAD - y:.1f}" fill="#1f77b4"/>')  # fmt: skip
    for n, (name, ms) in enumerate(markers.items()):
        x = at(ms)
        body.append(f'<line x1="{x:.1f}" y1="10" x2="{x:.1f}" y2="{HEIGHT - PAD}" stroke="#d62728"/>')
        body.append(
            f'<text x="{x + 2:.1f}" y="{20 + 12 * n}" font-size="10" fill="#d62728">{name} {ms:g}</text>'
        )
    for decade in range(math.ceil(low), math.floor(high) + 1):
        x = at(10**decade)
        body.append(_text(x, HEIGHT - PAD + 14, f"{10**decade:g}", 10, "middle"))
    return _frame("".join(body), title)


def bars(title: str, values: list[tuple[str, int]]) -> str:
    """Horizontal bars, one per (label, count), in the given order."""
    if not values:
        return _frame('<text x="50%" y="50%" text-anchor="middle">none</text>', title, 60)
    height, top = 30 + 22 * len(values), max(count for _, count in values) or 1
    body = []
    for n, (label, count) in enumerate(values):
        y, width = 16 + 22 * n, (WIDTH - 260) * count / top
        body.append(f'<text x="150" y="{y + 12}" font-size="11" text-anchor="end">{escape(label)}</text>')
        body.append(f'<rect x="156" y="{y}" width="{width:.1f}" height="16" fill="#2ca02c"/>')
        body.append(f'<text x="{160 + width:.1f}" y="{y + 12}" font-size="11">{count}</text>')
    return _frame("".join(body), title, height)
