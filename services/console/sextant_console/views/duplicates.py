"""Likely duplicates among a workspace's newest feedback, each group merged from one page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.views.feedback import SOURCES, received_between
from sextant_console.web import Page, Workspace, offered

router = APIRouter()

LIKENESS = ("0.5", "0.6", "0.7", "0.8", "0.9")
SWEEPS = ("500", "1000")
SHOWN = 20
"""Duplicates shown a group (a form's text sent hundreds of times is one group)."""


@router.get("/w/{ws}/feedback/duplicates", response_class=HTMLResponse)
async def duplicates(ws: Workspace, page: Page) -> Response:
    params = page.request.query_params
    chosen = {
        "min_similarity": offered(params, "min_similarity", LIKENESS, "0.5"),
        "sweep": offered(params, "sweep", SWEEPS, "500"),
        "source": params.get("source", "").strip(),
        "received_from": params.get("received_from", "").strip(),
        "received_to": params.get("received_to", "").strip(),
    }
    asked = {k: v for k, v in chosen.items() if v and not k.startswith("received_")}
    # One week's items, say, or reaching further back than the newest.
    asked.update({k: v for k, v in received_between(chosen).items() if v})
    found = await page.api.get(f"/v1/workspaces/{ws}/feedback/duplicates", asked)
    return page.render(
        "duplicates.html",
        ws=ws,
        found=found,
        chosen=chosen,
        likeness=LIKENESS,
        sweeps=SWEEPS,
        sources=SOURCES,
        shown=SHOWN,
        here=str(page.request.url.path)
        + (f"?{page.request.url.query}" if page.request.url.query else ""),
        may_write=page.session.may(Access.WRITE, ws),
    )
