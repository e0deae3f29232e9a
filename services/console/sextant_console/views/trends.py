"""What a workspace's feedback is about, week by week, and what is rising; and the same
across every team's feedback the user reads (from the query service)."""

from __future__ import annotations

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


@router.get("/w/{ws}/feedback/trends", response_class=HTMLResponse)
async def trends(ws: Workspace, page: Page) -> Response:
    params = page.request.query_params
    chosen = {
        "period": offered(params, "period", PERIODS, "week"),
        "order": offered(params, "order", ORDERS, "volume"),
        "source": params.get("source", "").strip(),
        "segment": params.get("segment", "").strip(),
    }
    found = await page.api.get(
        f"/v1/workspaces/{ws}/feedback/trends",
        {
            **{k: v for k, v in chosen.items() if v},
            "periods": LENGTHS[chosen["period"]],
        },
    )
    inbox = {k: chosen[k] for k in ("source", "segment") if chosen[k]}
    return page.render(
        "trends.html",
        ws=ws,
        found=found,
        chosen=chosen,
        periods=PERIODS,
        orders=ORDERS,
        sources=SOURCES,
        may_write=page.session.may(Access.WRITE, ws),
        # The inbox with the same filters and one more (a tag, a theme, or none yet).
        inbox_of=lambda key, value: urlencode({**inbox, key: value}),
    )


@router.get("/feedback/trends", response_class=HTMLResponse)
async def across_teams(page: Page) -> Response:
    """Each tag and theme across the workspaces the user reads, or one (``workspace``)."""
    params = page.request.query_params
    chosen = {
        "period": offered(params, "period", PERIODS, "week"),
        "order": offered(params, "order", ORDERS, "volume"),
        "workspace": params.get("workspace", "").strip(),
        "source": offered(params, "source", SOURCES, ""),
        "segment": params.get("segment", "").strip(),
    }
    if chosen["workspace"] and not WORKSPACE.match(chosen["workspace"]):
        raise BadForm(f"No workspace is called {chosen['workspace'][:100]!r}")
    found = await page.api.get(
        "/v1/query/feedback/trends",
        {
            **{k: v for k, v in chosen.items() if v},
            "periods": LENGTHS[chosen["period"]],
        },
    )
    return page.render(
        "trends_across.html",
        ws=None,
        found=found,
        chosen=chosen,
        periods=PERIODS,
        orders=ORDERS,
        sources=SOURCES,
        workspaces=page.session.workspaces,
        across=page.session.may(Access.READ),
    )
