"""What a workspace's feedback is about, week by week, and what is rising; and the same
across every team's feedback the user reads (from the query service)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sextant_kit.authz import Access
from sextant_kit.exports import spreadsheet_safe

from sextant_console.views.feedback import SOURCES
from sextant_console.views.home import WORKSPACE
from sextant_console.web import BadForm, Page, Workspace, offered

router = APIRouter()

PERIODS = {"day": "days", "week": "weeks", "month": "months of 30 days"}
ORDERS = {"volume": "most items first", "rising": "largest rise first"}
LENGTHS = {"day": 14, "week": 8, "month": 6}
"""How many periods a page shows."""


def _chosen(params: Mapping[str, str]) -> dict[str, str]:
    """What a trends page shows, as a link asks: a choice the page does not offer is its
    default, not sent on."""
    return {
        "period": offered(params, "period", PERIODS, "week"),
        "order": offered(params, "order", ORDERS, "volume"),
        "source": offered(params, "source", SOURCES, ""),
        "segment": params.get("segment", "").strip(),
    }


def _across_chosen(page: Page) -> dict[str, str]:
    """What the feedback across teams shows: a trends page's choices and a workspace."""
    chosen = _chosen(page.request.query_params)
    chosen["workspace"] = page.request.query_params.get("workspace", "").strip()
    if chosen["workspace"] and not WORKSPACE.match(chosen["workspace"]):
        raise BadForm(f"No workspace is called {chosen['workspace'][:100]!r}")
    return chosen


def _inbox_of(chosen: dict[str, str]) -> Callable[[str, str], str]:
    """A workspace's inbox with the page's source and segment and one filter more (a tag,
    a theme, or none yet), as a query string."""
    inbox = {k: chosen[k] for k in ("source", "segment") if chosen[k]}
    return lambda key, value: urlencode({**inbox, key: value})


async def _trends(page: Page, path: str, chosen: dict[str, str]) -> Any:
    asked = {k: v for k, v in chosen.items() if v}
    return await page.api.get(path, {**asked, "periods": LENGTHS[chosen["period"]]})


def _csv(found: Mapping[str, Any], extra: Sequence[str], name: str) -> Response:
    """A trends page's counts as a spreadsheet: a column per period (by its first day),
    a row for every item and one for those untagged, then a row per tag or theme with
    its ``extra`` columns (lists joined by spaces)."""
    out = io.StringIO()
    rows = csv.writer(out)
    rows.writerow(
        ["kind", "name", *(p["start"][:10] for p in found["periods"]), "items", "change", *extra]
    )
    for label, key in (("items received", "total"), ("without a tag or theme", "untagged")):
        counts = found[key]
        rows.writerow(["all", label, *counts, sum(counts), counts[-1] - counts[-2]])
    for found_label in found["labels"]:
        values = [found_label[c] for c in extra]
        rows.writerow(
            [
                found_label["kind"],
                spreadsheet_safe(found_label["name"]),
                *found_label["counts"],
                found_label["items"],
                found_label["change"],
                *(spreadsheet_safe(" ".join(v)) if isinstance(v, list) else v for v in values),
            ]
        )
    return PlainTextResponse(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/w/{ws}/feedback/trends/export")
async def export(ws: Workspace, page: Page) -> Response:
    """The workspace's trends as the page shows them, as CSV."""
    chosen = _chosen(page.request.query_params)
    found = await _trends(page, f"/v1/workspaces/{ws}/feedback/trends", chosen)
    extra = ("customers", "revenue_weighted", "sentiment")
    return _csv(found, extra, f"{ws}-feedback-trends-by-{chosen['period']}")


@router.get("/feedback/trends/export")
async def export_across_teams(page: Page) -> Response:
    """The feedback across teams as the page shows it, as CSV."""
    chosen = _across_chosen(page)
    found = await _trends(page, "/v1/query/feedback/trends", chosen)
    extra = ("workspaces", "customers", "revenue_weighted")
    return _csv(found, extra, f"feedback-across-teams-by-{chosen['period']}")


@router.get("/w/{ws}/feedback/trends", response_class=HTMLResponse)
async def trends(ws: Workspace, page: Page) -> Response:
    chosen = _chosen(page.request.query_params)
    return page.render(
        "trends.html",
        ws=ws,
        found=await _trends(page, f"/v1/workspaces/{ws}/feedback/trends", chosen),
        chosen=chosen,
        periods=PERIODS,
        orders=ORDERS,
        sources=SOURCES,
        may_write=page.session.may(Access.WRITE, ws),
        inbox_of=_inbox_of(chosen),
        asked=urlencode({k: v for k, v in chosen.items() if v}),
    )


@router.get("/feedback/trends", response_class=HTMLResponse)
async def across_teams(page: Page) -> Response:
    """Each tag and theme across the workspaces the user reads, or one (``workspace``)."""
    chosen = _across_chosen(page)
    return page.render(
        "trends_across.html",
        ws=None,
        found=await _trends(page, "/v1/query/feedback/trends", chosen),
        chosen=chosen,
        periods=PERIODS,
        orders=ORDERS,
        sources=SOURCES,
        workspaces=page.session.workspaces,
        across=page.session.may(Access.READ),
        inbox_of=_inbox_of(chosen),
        asked=urlencode({k: v for k, v in chosen.items() if v}),
    )
