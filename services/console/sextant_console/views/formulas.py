"""A team's scoring formulas: the built-in models and the team's own, which a product
manager defines (or revises) as an arithmetic expression over named inputs, to score the
roadmap's items with the team's own weighting."""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.views.roadmaps import MODELS
from sextant_console.web import BadForm, Page, Workspace, act, as_edited, form_of, required

router = APIRouter()

NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


@router.get("/w/{ws}/scoring-formulas", response_class=HTMLResponse)
async def formulas(ws: Workspace, page: Page) -> Response:
    found = await page.api.get(f"/v1/workspaces/{ws}/scoring-formulas")
    return page.render(
        "formulas.html",
        ws=ws,
        built_in=MODELS,
        formulas=found["items"],
        may_write=page.session.may(Access.WRITE, ws),
    )


@router.post("/w/{ws}/scoring-formulas")
async def define(ws: Workspace, page: Page) -> Response:
    """Define a formula, or revise the one of that name (items keep the scores they were
    given; scoring them again uses the new expression)."""
    form = await form_of(page.request)
    name = required(form, "name", "Name").lower()
    if not NAME.match(name):
        raise BadForm(
            "Name: a lower-case letter, then letters, digits or '_', at most 50 characters"
            f" (it is the model's name when scoring), got {name[:60]!r}"
        )
    body = {
        "expression": required(form, "expression", "Expression"),
        "description": form.get("description", "").strip(),
    }
    body = await as_edited(
        page,
        form,
        body,
        f"/v1/workspaces/{ws}/scoring-formulas",
        lambda found: next((f for f in found["items"] if f["name"] == name), None),
    )
    notice = f"Formula {name} saved: score items with it from the board."
    path = f"/v1/workspaces/{ws}/scoring-formulas/{name}"
    return await act(page, form, "PUT", path, body, to=f"/w/{ws}/scoring-formulas", notice=notice)
