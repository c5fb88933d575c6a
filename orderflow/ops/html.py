"""The ageing report as one self-contained HTML page: a status funnel and an ageing chart, no scripts.

The page is the Jinja2 template `templates/report.html`, rendered with autoescape on: partner codes, reps and order
numbers reach it only as values the engine escapes, never as strings built into markup here. This module computes
what the page shows (chart geometry as numbers, dates as text); the desk's team page (web/team.py) draws the same
charts from `funnel_chart` and `ageing_chart` with its own words. The page's Content-Security-Policy lets it fetch and
run nothing, should a mistake ever let markup through.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from domain.ageing import LABELS, OrderAge, Report
from domain.fields import BUSINESS_TZ
from domain.order import OrderStatus

FUNNEL = [OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, OrderStatus.FIRST_REVIEW, OrderStatus.AWAITING_SCAN,
          OrderStatus.SECOND_REVIEW, OrderStatus.AWAITING_PAYMENT, OrderStatus.EFFECTIVE]
SIDE = [OrderStatus.RETURNED, OrderStatus.ESCALATED, OrderStatus.LOST, OrderStatus.VOID, OrderStatus.REISSUED,
        OrderStatus.EXPIRED]
COLOURS = ["#2e7d32", "#9ccc65", "#fdd835", "#fb8c00", "#c62828"]  # young to old
FUNNEL_COLOUR, SIDE_COLOUR = "#1565c0", "#8e24aa"
ROW, LEFT, WIDTH = 28, 190.0, 560  # a chart's row height, where its bars start, and the longest bar
SVG_WIDTH = 820  # room for the longest bar and its total after it


@dataclass
class Part:
    x: float
    width: float
    colour: str
    label: str = ""
    count: int = 0


@dataclass
class Bar:
    status: OrderStatus
    y: int
    total: int
    parts: list[Part] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The status's code, as this report names it (the desk shows its own words for `status`)."""
        return self.status.value

    @property
    def end(self) -> float:
        return LEFT + sum(p.width for p in self.parts)


@dataclass
class Chart:
    bars: list[Bar]

    width: int = SVG_WIDTH

    @property
    def height(self) -> int:
        return len(self.bars) * ROW + 4


@cache
def _template() -> Template:
    env = Environment(loader=PackageLoader("orderflow.ops", "templates"), autoescape=True, undefined=StrictUndefined,
                      keep_trailing_newline=True)
    return env.get_template("report.html")


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"


def funnel_chart(totals: Mapping[OrderStatus, int]) -> Chart:
    """One bar per status of the process, in its order, then each side status that has orders: how many orders
    are in it now. The widest bar is WIDTH long."""
    rows = FUNNEL + [s for s in SIDE if totals.get(s, 0)]
    widest = max([totals.get(s, 0) for s in rows] + [1])
    return Chart([Bar(s, i * ROW, totals.get(s, 0),
                      [Part(LEFT, WIDTH * totals.get(s, 0) / widest, FUNNEL_COLOUR if s in FUNNEL else SIDE_COLOUR)])
                  for i, s in enumerate(rows)])


def ageing_chart(ageing: Mapping[OrderStatus, Mapping[str, int]]) -> Chart:
    """One bar per open status, in the process's order, split by age (domain.ageing.LABELS, young to old, one
    colour each): the longest bar is WIDTH long."""
    statuses = [s for s in FUNNEL + SIDE if s in ageing]
    widest = max([sum(ageing[s].values()) for s in statuses] + [1])
    bars = []
    for i, status in enumerate(statuses):
        bar = Bar(status, i * ROW, sum(ageing[status].values()))
        for label, colour in zip(LABELS, COLOURS, strict=True):
            if n := ageing[status].get(label, 0):
                bar.parts.append(Part(bar.end, WIDTH * n / widest, colour, label, n))
        bars.append(bar)
    return Chart(bars)


def _order(o: OrderAge) -> dict[str, str]:
    return {"number": o.number, "partner": o.partner, "rep": o.rep, "status": o.status.value,
            "since": _local(o.since), "due": _local(o.due_at) if o.due_at else ""}


def render_html(report: Report, partner: str | None) -> str:
    totals: Counter[OrderStatus] = Counter()
    for (status, _), n in report.counts.items():
        totals[status] += n
    partners = sorted({p for _, p in report.counts})
    counts = [{"status": s.value, "cells": [report.counts[(s, p)] for p in partners], "total": totals[s]}
              for s in FUNNEL + SIDE if totals[s]]
    oldest = [(s.value, [_order(o) for o in report.oldest[s]]) for s in FUNNEL + SIDE if s in report.oldest]
    return _template().render(
        partner=partner, as_of=_local(report.as_of), total=sum(totals.values()), funnel=funnel_chart(totals),
        ageing=ageing_chart(report.ageing), legend=list(zip(LABELS, COLOURS, strict=True)), partners=partners,
        counts=counts, breaches=[_order(o) for o in report.breaches], oldest=oldest)
