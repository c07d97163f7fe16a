"""Bar charts drawn on the server as SVG: no JavaScript, readable by screen readers (<title>, <desc>),
and always shown next to a table of the same numbers."""

from __future__ import annotations

from markupsafe import Markup, escape

BAR = "#1d4f91"  # 8.6:1 on white
TEXT = "#1a1a1a"
GRID = "#767676"  # 4.5:1 on white: the axis counts as graphics and text
HEIGHT, TOP, BOTTOM, LEFT, SLOT = 220, 24, 44, 44, 56


def bar_chart(chart_id: str, title: str, desc: str, labels: list[str], values: list[int],
              sublabels: list[str] | None = None) -> Markup:
    """One bar per label (a ``sublabel``, e.g. the year, below it where given); each value printed above
    its bar, so no reading off an axis is needed."""
    slot = SLOT if len(values) <= 24 else SLOT // 2
    width = LEFT + slot * max(len(values), 1) + 8
    top = max(values, default=0) or 1
    plot = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'viewBox="0 0 {width} {HEIGHT}" width="{width}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title><desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
        f'<line x1="{LEFT - 4}" y1="{HEIGHT - BOTTOM}" x2="{width - 4}" y2="{HEIGHT - BOTTOM}" stroke="{GRID}"/>',
        f'<text x="{LEFT - 8}" y="{HEIGHT - BOTTOM}" text-anchor="end" fill="{TEXT}" font-size="13">0</text>',
        f'<text x="{LEFT - 8}" y="{TOP + 4}" text-anchor="end" fill="{TEXT}" font-size="13">{top}</text>',
    ]
    bar = slot - (16 if slot == SLOT else 6)
    for i, (label, value) in enumerate(zip(labels, values)):
        h = round(plot * value / top)
        x = LEFT + slot * i + (slot - bar) / 2
        y = HEIGHT - BOTTOM - h
        middle = x + bar / 2
        parts.append(f'<rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="{BAR}"/>')
        parts.append(f'<text x="{middle}" y="{y - 6}" text-anchor="middle" fill="{TEXT}" font-size="13">{value}</text>')
        parts.append(f'<text x="{middle}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" fill="{TEXT}" '
                     f'font-size="13">{escape(label)}</text>')
        if sublabels and sublabels[i]:
            parts.append(f'<text x="{middle}" y="{HEIGHT - BOTTOM + 36}" text-anchor="middle" fill="{TEXT}" '
                         f'font-size="13">{escape(sublabels[i])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
