"""The ageing report as one self-contained HTML page: a status funnel and an ageing chart, no scripts."""

from __future__ import annotations

from collections import Counter
from html import escape

from domain.ageing import LABELS, OrderAge, Report
from domain.fields import BUSINESS_TZ
from domain.order import OrderStatus

FUNNEL = [OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, OrderStatus.FIRST_REVIEW, OrderStatus.AWAITING_SCAN,
          OrderStatus.SECOND_REVIEW, OrderStatus.AWAITING_PAYMENT, OrderStatus.EFFECTIVE]
SIDE = [OrderStatus.RETURNED, OrderStatus.ESCALATED, OrderStatus.LOST, OrderStatus.VOID, OrderStatus.REISSUED,
        OrderStatus.EXPIRED]
COLOURS = ["#2e7d32", "#9ccc65", "#fdd835", "#fb8c00", "#c62828"]  # young to old

STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4} .muted{color:#777} .breach{color:#c62828;font-weight:600}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
"""


def _local(moment: object) -> str:
    return f"{moment.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"  # type: ignore[attr-defined]


def _funnel(totals: Counter[OrderStatus]) -> str:
    rows = FUNNEL + [s for s in SIDE if totals[s]]
    widest = max([totals[s] for s in rows] + [1])
    bars = []
    for i, status in enumerate(rows):
        width = 560 * totals[status] / widest
        y = i * 28
        colour = "#1565c0" if status in FUNNEL else "#8e24aa"
        bars.append(
            f'<text x="0" y="{y + 18}" font-size="13">{status.value}</text>'
            f'<rect x="190" y="{y + 4}" width="{width:.1f}" height="20" fill="{colour}" rx="3"/>'
            f'<text x="{196 + width:.1f}" y="{y + 18}" font-size="13">{totals[status]}</text>'
        )
    return (f'<svg role="img" aria-label="status funnel" width="820" height="{len(rows) * 28 + 4}">'
            + "".join(bars) + "</svg>")


def _ageing(report: Report) -> str:
    statuses = [s for s in FUNNEL + SIDE if s in report.ageing]
    if not statuses:
        return '<p class="muted">No open orders.</p>'
    widest = max(sum(report.ageing[s].values()) for s in statuses)
    bars = []
    for i, status in enumerate(statuses):
        x, y = 190.0, i * 28
        bars.append(f'<text x="0" y="{y + 18}" font-size="13">{status.value}</text>')
        for label, colour in zip(LABELS, COLOURS, strict=True):
            n = report.ageing[status][label]
            if n:
                width = 560 * n / widest
                bars.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" height="20" fill="{colour}">'
                            f"<title>{status.value} {label}: {n}</title></rect>")
                x += width
        bars.append(f'<text x="{x + 6:.1f}" y="{y + 18}" font-size="13">{sum(report.ageing[status].values())}</text>')
    legend = "".join(f'<span style="background:{c}"></span>{label}' for label, c in zip(LABELS, COLOURS, strict=True))
    return (f'<div class="legend">{legend}</div><svg role="img" aria-label="ageing chart" width="820" '
            f'height="{len(statuses) * 28 + 4}">' + "".join(bars) + "</svg>")


def _orders(rows: list[OrderAge], breach: bool = False) -> str:
    if not rows:
        return '<p class="muted">None.</p>'
    body = "".join(
        f"<tr><td>{escape(o.number)}</td><td>{escape(o.partner)}</td><td>{escape(o.rep)}</td>"
        f"<td>{o.status.value}</td><td>{_local(o.since)}</td>"
        f"<td{' class=breach' if breach else ''}>{_local(o.due_at) if o.due_at else ''}</td></tr>"
        for o in rows
    )
    return ("<table><tr><th>order</th><th>partner</th><th>rep</th><th>status</th><th>since</th><th>due</th></tr>"
            f"{body}</table>")


def render_html(report: Report, partner: str | None) -> str:
    totals: Counter[OrderStatus] = Counter()
    for (status, _), n in report.counts.items():
        totals[status] += n
    partners = sorted({p for _, p in report.counts})
    counts = "".join(
        f"<tr><td>{s.value}</td>" + "".join(f"<td>{report.counts[(s, p)] or ''}</td>" for p in partners)
        + f"<td><b>{totals[s]}</b></td></tr>"
        for s in FUNNEL + SIDE if totals[s]
    )
    oldest = "".join(f"<h3>{s.value}</h3>{_orders(report.oldest[s])}" for s in FUNNEL + SIDE if s in report.oldest)
    scope = f"partner {escape(partner)}" if partner else "all partners"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>orderflow ageing report</title><style>{STYLE}</style></head>
<body>
<h1>Orders: status and ageing</h1>
<p class="muted">{scope}; as of {_local(report.as_of)} (Beijing time); {sum(totals.values())} orders</p>
<h2>Status funnel <span class="muted">(orders now in each status)</span></h2>{_funnel(totals)}
<h2>Ageing of open orders</h2>{_ageing(report)}
<h2>By status and partner</h2>
<table><tr><th>status</th>{"".join(f"<th>{escape(p)}</th>" for p in partners)}<th>total</th></tr>{counts}</table>
<h2>SLA breaches (past due)</h2>{_orders(report.breaches, breach=True)}
<h2>Oldest per status</h2>{oldest or '<p class="muted">No open orders.</p>'}
</body></html>
"""
