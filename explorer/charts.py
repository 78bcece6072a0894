"""Charts as inline SVG, rendered on the server (they need no JavaScript).

Values are exact integers; only the pixel positions are floats.  A series of up to
``BAR_LIMIT`` points is drawn as bars, a longer one as a line (one ``<path>``), so a chart of
1,000 epochs stays a few kilobytes.
"""

from __future__ import annotations

from markupsafe import Markup, escape

BAR_LIMIT = 120
COLORS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1")


def human(n: int) -> str:
    """Exact integer with thousands separators."""
    return f"{int(n):,}"


def short(n: int) -> str:
    """An axis label: 1.2 M, 34 k; exact below 10,000."""
    n = int(n)
    for size, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**4, "k")):
        if abs(n) >= size:
            return f"{n / size:.3g} {suffix}"
    return f"{n:,}"


def series_chart(series: list[tuple[str, list[int]]], labels: list[str] | None = None, width: int = 760,
                 height: int = 220, title: str = "") -> Markup:
    """One chart of one or more integer series sharing an x axis (index order) and a y axis from 0."""
    pad_l, pad_r, pad_t, pad_b = 70, 10, 24, 28
    n = max((len(v) for _, v in series), default=0)
    top = max((max(v) for _, v in series if v), default=0)
    top = max(top, 1)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}"><title>{escape(title)}</title>'),
             f'<rect x="{pad_l}" y="{pad_t}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ddd"/>']
    for frac in (0, 0.5, 1):
        y = pad_t + plot_h * (1 - frac)
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e2e2"/>'
                     f'<text x="{pad_l - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
                     f'{escape(short(round(top * frac)))}</text>')
    if n:
        step = plot_w / n
        for s, (name, values) in enumerate(series):
            color = COLORS[s % len(COLORS)]
            if n <= BAR_LIMIT and len(series) == 1:
                bw = max(step * 0.8, 1)
                for i, v in enumerate(values):
                    h = plot_h * v / top
                    label = labels[i] if labels else str(i + 1)
                    parts.append(f'<rect x="{pad_l + i * step + step * 0.1:.1f}" y="{pad_t + plot_h - h:.1f}" '
                                 f'width="{bw:.1f}" height="{h:.1f}" fill="{color}"><title>{escape(label)}: '
                                 f'{escape(human(v))}</title></rect>')
            else:
                pts = " ".join(f"{'M' if i == 0 else 'L'}{pad_l + (i + 0.5) * step:.1f},"
                               f"{pad_t + plot_h * (1 - v / top):.1f}" for i, v in enumerate(values))
                dash = ' stroke-dasharray="6 4"' if s else ""
                parts.append(f'<path d="{pts}" fill="none" stroke="{color}" stroke-width="1.5"{dash}/>')
            parts.append(f'<rect x="{pad_l + 8 + 150 * s}" y="6" width="10" height="10" fill="{color}"/>'
                         f'<text x="{pad_l + 22 + 150 * s}" y="15" class="legend">{escape(name)}</text>')
        first = labels[0] if labels else "1"
        last = labels[-1] if labels else str(n)
        parts.append(f'<text x="{pad_l}" y="{height - 8}" class="axis">{escape(first)}</text>'
                     f'<text x="{pad_l + plot_w}" y="{height - 8}" text-anchor="end" class="axis">{escape(last)}</text>')
    else:
        parts.append(f'<text x="{pad_l + plot_w / 2}" y="{pad_t + plot_h / 2}" text-anchor="middle" '
                     'class="axis">no data yet</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
