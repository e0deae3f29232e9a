"""The timeline chart: dated items as bars on a calendar, drawn as inline SVG on the server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape
from typing import Any

from markupsafe import Markup

ROW = 26
LABEL = 220
WIDTH = 960
TOP = 34
COLOURS = {"now": "#1d5fa8", "next": "#6a3fa0", "later": "#4b5563"}
FLAGGED = "#b42318"


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def timeline_svg(items: Sequence[Mapping[str, Any]]) -> Markup:
    """Bars from each item's start to end date, a label per row and a line per month.

    Items without dates are left out here; the page lists them beside the chart."""
    dated = [
        (i, s, e)
        for i in items
        if (s := _date(i.get("start_date"))) and (e := _date(i.get("end_date")))
    ]
    if not dated:
        return Markup("")
    first = min(s for _, s, _ in dated).replace(day=1)
    last = max(e for _, _, e in dated)
    span = max((last - first).days, 1)
    scale = (WIDTH - LABEL - 10) / span
    height = TOP + ROW * len(dated) + 10

    def x(day: date) -> float:
        return LABEL + (day - first).days * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}"'
        f' width="{WIDTH}" height="{height}" role="img" aria-labelledby="timeline-title">',
        f'<title id="timeline-title">Timeline of {len(dated)} dated items,'
        f" {first.isoformat()} to {last.isoformat()}</title>",
    ]
    month = first
    while month <= last:
        left = x(month)
        parts.append(
            f'<line x1="{left:.1f}" y1="{TOP - 14}" x2="{left:.1f}" y2="{height - 6}"'
            ' stroke="#c9ced6" stroke-width="1"/>'
            f'<text x="{left + 3:.1f}" y="{TOP - 18}" font-size="11" fill="#374151">'
            f"{month.strftime('%b %Y')}</text>"
        )
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for row, (item, start, end) in enumerate(dated):
        y = TOP + row * ROW
        flagged = bool(item.get("flags"))
        colour = FLAGGED if flagged else COLOURS.get(str(item.get("horizon")), "#4b5563")
        title = str(item.get("title", ""))
        label = title if len(title) <= 30 else title[:29] + "…"
        note = " — scheduled before what it depends on" if flagged else ""
        bar = max((end - start).days * scale, 3)
        parts.append(
            f"<g><title>{escape(title)}: {start.isoformat()} to {end.isoformat()}"
            f" ({escape(str(item.get('horizon')))}){note}</title>"
            f'<text x="4" y="{y + 16}" font-size="12" fill="#111827">{escape(label)}</text>'
            f'<rect x="{x(start):.1f}" y="{y + 4}" width="{bar:.1f}" height="{ROW - 8}"'
            f' rx="3" fill="{colour}"/></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
