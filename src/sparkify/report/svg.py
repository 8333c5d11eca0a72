"""Small inline-SVG charts: horizontal bars, grouped columns and lines.

Written for the report so the HTML needs no library, no script and no network: each chart is
plain SVG markup with a <title> per mark (the browser shows it as a tooltip). Every text that
comes from the data is escaped.
"""

from __future__ import annotations

import math
from html import escape

PALETTE = ("#3b6fb6", "#e07b39", "#4a9d5b", "#c94c4c", "#8266b4", "#a0785a", "#6c9aa6")
FONT = 12


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def fmt(value: float) -> str:
    """1234 -> '1,234'; 0.5 -> '0.5'; large floats lose their decimals."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{int(value):,}"


def when(iso: str) -> str:
    """'2018-11-08T06:25:57.796000Z' -> '2018-11-08 06:25:57' (UTC, as everywhere here)."""
    return iso[:19].replace("T", " ")


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (1-2-5 steps, at least 1: data are counts)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg class="panel" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}">'
            f'<title>{_e(title)}</title>'
            f'<text class="panel-title" x="0" y="14">{_e(title)}</text>' + "".join(body) + "</svg>")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hbar(items: list[tuple[str, float]], title: str, notes: list[str] | None = None,
         width: int = 500, label_chars: int = 30) -> str:
    """One bar per (label, value), longest first as given; notes are shown after the value."""
    if not items:
        return _no_data(width, title)
    label_w = max(40, min(label_chars, max(len(label) for label, _ in items)) * 7.2 + 12)
    row_h, top = 22, 26
    note_chars = max((len(_clip(n, 40)) for n in notes or [] if n), default=0)
    plot_w = width - label_w - 60 - (note_chars + 3) * 6.6 * bool(note_chars)
    peak = max(value for _, value in items) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        w = max(1.0, plot_w * value / peak) if value else 0
        note = notes[i] if notes else ""
        tip = f"{label}: {fmt(value)}" + (f" ({note})" if note else "")
        body.append(
            f'<g class="bar"><title>{_e(tip)}</title>'
            f'<text class="label" x="{label_w - 6:.0f}" y="{y + 15}" text-anchor="end">'
            f"{_e(_clip(label, label_chars))}</text>"
            f'<rect x="{label_w:.0f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text class="value" x="{label_w + w + 4:.1f}" y="{y + 15}">{_e(fmt(value))}'
            f"{_e(' · ' + _clip(note, 40)) if note else ''}</text></g>")
    return _svg(width, top + len(items) * row_h + 6, title, body)


def _axes(ticks: list[float], x0: float, x1: float, y_of, body: list[str]) -> None:
    for tick in ticks:
        y = y_of(tick)
        body.append(f'<line class="grid" x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}"/>'
                    f'<text class="tick" x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end">'
                    f"{_e(fmt(tick))}</text>")


def _legend(names: list[str], x: float, body: list[str]) -> None:
    step = 110 if len(names) <= 4 else 74  # up to 7 series fit the default width
    for i, name in enumerate(names):
        lx = x + i * step
        body.append(f'<rect x="{lx}" y="22" width="10" height="10" fill="{PALETTE[i % 7]}"/>'
                    f'<text class="legend" x="{lx + 14}" y="31">'
                    f"{_e(_clip(name, 14 if step > 100 else 8))}</text>")


def _x_labels(labels: list[str], x_of, y: float, body: list[str], max_labels: int = 12) -> None:
    every = max(1, math.ceil(len(labels) / max_labels))
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(f'<text class="tick" x="{x_of(i):.1f}" y="{y}" text-anchor="middle">'
                        f"{_e(label)}</text>")


def _no_data(width: int, title: str) -> str:
    return _svg(width, 40, title, ['<text class="empty" x="0" y="34">no data</text>'])


def _series_frame(names: list[str], series: dict[str, list[float]], width: int,
                  height: int) -> tuple[int, int, int, int, float, list[str]]:
    """Margins, plot size, value scale and a body holding legend and axes, for charts of
    several series (columns, lines): (left, top, plot width, plot height, scale, body)."""
    left, right, top, bottom = 52, 8, 44, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((max(v) for v in series.values()), default=0))
    scale = plot_h / ticks[-1]
    body: list[str] = []
    _legend(names if len(names) > 1 else [], left, body)
    _axes(ticks, left, width - right, lambda v: top + plot_h - v * scale, body)
    return left, top, plot_w, plot_h, scale, body


def columns(labels: list[str], series: dict[str, list[float]], title: str,
            width: int = 500, height: int = 240) -> str:
    """Grouped vertical columns: one group per label, one column per series."""
    names = list(series)
    if not labels or not names:
        return _no_data(width, title)
    left, top, plot_w, plot_h, scale, body = _series_frame(names, series, width, height)
    group_w = plot_w / len(labels)
    bar_w = max(1.0, group_w * 0.8 / len(names))
    for i, label in enumerate(labels):
        for j, name in enumerate(names):
            value = series[name][i]
            h = value * scale
            x = left + i * group_w + group_w * 0.1 + j * bar_w
            body.append(f'<rect class="col" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
                        f'width="{bar_w:.1f}" height="{h:.1f}" fill="{PALETTE[j % 7]}">'
                        f"<title>{_e(f'{label} · {name}: {fmt(value)}')}</title></rect>")
    _x_labels(labels, lambda i: left + (i + 0.5) * group_w, height - 8, body)
    return _svg(width, height, title, body)


def lines(labels: list[str], series: dict[str, list[float]], title: str,
          width: int = 500, height: int = 220) -> str:
    """One line per series over evenly spaced labels (days, hours)."""
    names = list(series)
    if not labels or not names:
        return _no_data(width, title)
    left, top, plot_w, plot_h, scale, body = _series_frame(names, series, width, height)
    step = plot_w / max(1, len(labels) - 1)

    def x_of(i: int) -> float:
        return left + i * step if len(labels) > 1 else left + plot_w / 2

    for j, name in enumerate(names):
        points = " ".join(f"{x_of(i):.1f},{top + plot_h - v * scale:.1f}"
                          for i, v in enumerate(series[name]))
        body.append(f'<polyline class="line" points="{points}" fill="none" '
                    f'stroke="{PALETTE[j % 7]}" stroke-width="2">'
                    f"<title>{_e(name)}</title></polyline>")
        if len(labels) <= 60:
            for i, v in enumerate(series[name]):
                body.append(f'<circle cx="{x_of(i):.1f}" cy="{top + plot_h - v * scale:.1f}" '
                            f'r="2.5" fill="{PALETTE[j % 7]}">'
                            f"<title>{_e(f'{labels[i]} · {name}: {fmt(v)}')}</title></circle>")
    _x_labels(labels, x_of, height - 8, body, max_labels=10)
    return _svg(width, height, title, body)
