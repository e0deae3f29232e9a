"""Product concepts: what a team proposes to build, for whom and why it wins, and the
opportunities it pursues."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from sextant_console.web import (
    BadForm,
    Id,
    Page,
    Workspace,
    act,
    an_id,
    as_edited,
    form_of,
    lines,
    required,
)

router = APIRouter()


@router.post("/w/{ws}/concepts")
async def draft_concept(ws: Workspace, page: Page) -> Response:
    """A product concept: the problem it solves, for whom, its value proposition and what
    sets it apart."""
    form = await form_of(page.request)
    body = concept_body(form)
    notice = f"Concept drafted: {body['name']}. A strategy can now build on it."
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/concepts",
        body,
        to=f"/w/{ws}/strategy#concepts",
        notice=notice,
    )


@router.post("/w/{ws}/concepts/{cid}")
async def revise_concept(ws: Workspace, cid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    path = f"/v1/workspaces/{ws}/concepts/{cid}"
    body = await as_edited(page, form, concept_body(form), path)
    to, notice = f"/w/{ws}/strategy#concept-{cid}", f"Concept revised: {body['name']}."
    return await act(page, form, "PUT", path, body, to=to, notice=notice)


def concept_body(form: dict[str, str]) -> dict[str, Any]:
    personas = lines(form, "personas", "Personas", most=20)
    if not personas:
        raise BadForm("Personas: name at least one it is for, one per line")
    return {
        "name": required(form, "name", "Name"),
        "problem": required(form, "problem", "Problem"),
        "personas": personas,
        "value_proposition": required(form, "value_proposition", "Value proposition"),
        "differentiators": lines(form, "differentiators", "Differentiators", most=20),
    }


@router.post("/w/{ws}/concepts/{cid}/opportunities")
async def link_opportunity(ws: Workspace, cid: Id, page: Page) -> Response:
    """The concept pursues one more of the workspace's opportunities."""
    form = await form_of(page.request)
    body = {"opportunity_id": an_id(form, "opportunity_id", "Opportunity")}
    path = f"/v1/workspaces/{ws}/concepts/{cid}/opportunities"
    to = f"/w/{ws}/strategy#concept-{cid}"
    return await act(page, form, "POST", path, body, to=to, notice="Opportunity linked.")


@router.post("/w/{ws}/concepts/{cid}/opportunities/remove")
async def unlink_opportunity(ws: Workspace, cid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    oid = an_id(form, "opportunity_id", "Opportunity")
    path = f"/v1/workspaces/{ws}/concepts/{cid}/opportunities/{oid}"
    to = f"/w/{ws}/strategy#concept-{cid}"
    return await act(page, form, "DELETE", path, to=to, notice="Opportunity unlinked.")
