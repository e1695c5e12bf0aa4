"""Inline SVG charts rendered on the server: no scripts, no network, printable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
LABEL_WIDTH = 190
BAR_WIDTH = 420


NO_DATA = "no data yet"


def no_data(title: str, message: str = NO_DATA) -> Markup:
    """What a chart shows before there is anything to draw: its title and why it is empty."""
    return Markup(
        f'<p class="empty no-data" data-no-data="{escape(title)}">'
        f"<strong>{escape(title)}</strong>: {escape(message)}.</p>"
    )


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, Decimal | int]],
    unit: str = "",
    empty: str = NO_DATA,
    show: Callable[[Decimal | int], str] | None = None,
) -> Markup:
    """A horizontal bar chart, one labelled bar per row scaled to the largest value;
    `show` writes a bar's value (default: the value and `unit`), e.g. as money.

    With no rows, or only zeros, there is nothing to compare: the chart says so (`empty`)
    instead of drawing an empty box."""
    top = max((Decimal(value) for _, value in rows), default=Decimal(0))
    if top <= 0:
        return no_data(title, empty)
    height = BAR_HEIGHT * len(rows) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 110
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(rows):
        y = index * BAR_HEIGHT + 4
        length = max(0, int(BAR_WIDTH * Decimal(value) / top))
        shown = show(value) if show is not None else f"{value} {unit}".strip()
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{max(length, 1)}" height="16" '
            f'class="bar"/><text x="{LABEL_WIDTH + length + 6}" y="{y + 15}">'
            f"{escape(shown)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
