"""What a workspace's feedback is about, week by week, and what is rising; and the same
across every team's feedback the user reads (from the query service)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

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


def _inbox_of(chosen: dict[str, str]) -> Callable[[str, str], str]:
    """A workspace's inbox with the page's source and segment and one filter more (a tag,
    a theme, or none yet), as a query string."""
    inbox = {k: chosen[k] for k in ("source", "segment") if chosen[k]}
    return lambda key, value: urlencode({**inbox, key: value})


async def _trends(page: Page, path: str, chosen: dict[str, str]) -> Any:
    asked = {k: v for k, v in chosen.items() if v}
    return await page.api.get(path, {**asked, "periods": LENGTHS[chosen["period"]]})


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
    )


@router.get("/feedback/trends", response_class=HTMLResponse)
async def across_teams(page: Page) -> Response:
    """Each tag and theme across the workspaces the user reads, or one (``workspace``)."""
    chosen = _chosen(page.request.query_params)
    chosen["workspace"] = page.request.query_params.get("workspace", "").strip()
    if chosen["workspace"] and not WORKSPACE.match(chosen["workspace"]):
        raise BadForm(f"No workspace is called {chosen['workspace'][:100]!r}")
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
    )
