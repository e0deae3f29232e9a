"""Who holds which role, in a workspace or across the organisation, and the workspaces
themselves: the organisation's directory, which its identity provider (or ``sextant token
create``) reads to put roles into tokens. Anyone who reads a workspace sees its members;
administrators grant and take back roles, set the organisation up and add workspaces."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import PERMISSIONS, Access, Role

from sextant_console.client import ApiError
from sextant_console.views.home import WORKSPACE
from sextant_console.web import (
    BadForm,
    Page,
    Workspace,
    act,
    as_edited,
    choice,
    form_of,
    lines,
    redirect,
    required,
)

router = APIRouter()

ROLES = tuple(role.value for role in Role)
# What each role may do, in the words of the role table (sextant_kit.authz).
MAY = {role.value: ", ".join(sorted(a.value for a in PERMISSIONS[role])) for role in Role}
Cursor = Annotated[str | None, Query(max_length=500)]
Search = Annotated[str, Query(max_length=200)]
MAX_GRANTS = 100
"""Members one form grants a role to."""


def _where(ws: str | None) -> tuple[str, str, str]:
    """The API's members resource, the console's page and where a role applies, in words,
    for a workspace or for the organisation-wide roles (``ws`` None)."""
    if ws is None:
        return "/v1/organisation/members", "/members", "across the organisation"
    return f"/v1/workspaces/{ws}/members", f"/w/{ws}/members", f"in {ws}"


async def _members(page: Page, ws: str | None, q: str, cursor: str | None) -> Response:
    """A page of the members, or of those whose name holds ``q``."""
    resource, here, _ = _where(ws)
    q = q.strip()
    found = await page.api.get(resource, {"q": q, "cursor": cursor, "limit": page.page_size})
    may_administer = page.session.may(Access.ADMINISTER, ws)
    # Its name, for the administrator's renaming form.
    named = await page.api.get_if_readable(_named(ws)) if may_administer else None
    return page.render(
        "members.html",
        ws=ws,
        here=here,
        q=q,
        members=found["items"],
        next_cursor=found.get("next_cursor"),
        roles=ROLES,
        may=MAY,
        may_administer=may_administer,
        named=named,
    )


@router.get("/members", response_class=HTMLResponse)
async def organisation_members(page: Page, q: Search = "", cursor: Cursor = None) -> Response:
    return await _members(page, None, q, cursor)


@router.get("/w/{ws}/members", response_class=HTMLResponse)
async def workspace_members(
    ws: Workspace, page: Page, q: Search = "", cursor: Cursor = None
) -> Response:
    return await _members(page, ws, q, cursor)


async def _grant(page: Page, ws: str | None) -> Response:
    """One role for the members named, one per line (a team joining at once). Granting is
    the same whether sent once or again, so a form sent twice, or again after a refusal
    half-way, grants each member once."""
    form = await form_of(page.request)
    members = lines(form, "member", "Members", most=MAX_GRANTS, longest=200)
    if not members:
        raise BadForm("Member is required (the name their token's sub claim gives)")
    role = choice(form, "role", "Role", ROLES)
    resource, here, where = _where(ws)
    if len(members) == 1:
        notice = f"{members[0]} is {role.replace('_', ' ')} {where}; their next token carries it."
        body = {"member": members[0], "role": role}
        return await act(page, form, "POST", resource, body, to=here, notice=notice)
    token = None
    for done, member in enumerate(members):
        try:
            sent = await page.api.send("POST", resource, {"member": member, "role": role})
        except ApiError as error:
            granted = f"granted to {', '.join(members[:done])}; " if done else ""
            return redirect(
                page.request,
                here,
                error=f"Not granted to {member}: {error.detail} ({granted}send the form again"
                " once mended: those granted stay as they are)",
                token=token,
            )
        token = sent.get("consistency_token") or token
    notice = (
        f"{len(members)} members are {role.replace('_', ' ')} {where}: {', '.join(members)};"
        " their next tokens carry it."
    )
    return redirect(page.request, here, notice=notice, token=token)


async def _revoke(page: Page, ws: str | None) -> Response:
    form = await form_of(page.request)
    member = required(form, "member", "Member")
    resource, here, where = _where(ws)
    notice = f"{member} no longer holds a role {where}; their next token leaves it out."
    path = f"{resource}/{quote(member, safe='')}"
    return await act(page, form, "DELETE", path, to=here, notice=notice)


@router.post("/members")
async def grant_organisation_role(page: Page) -> Response:
    return await _grant(page, None)


@router.post("/members/revoke")
async def revoke_organisation_role(page: Page) -> Response:
    return await _revoke(page, None)


@router.post("/w/{ws}/members")
async def grant(ws: Workspace, page: Page) -> Response:
    return await _grant(page, ws)


@router.post("/w/{ws}/members/revoke")
async def revoke(ws: Workspace, page: Page) -> Response:
    return await _revoke(page, ws)


def _named(ws: str | None) -> str:
    """The API's resource for the workspace ``ws``, or the organisation (None)."""
    return "/v1/organisation" if ws is None else f"/v1/workspaces/{ws}"


async def _rename(page: Page, ws: str | None) -> Response:
    """The workspace's name (its id stays), or the organisation's; what another
    administrator set since the page was opened is refused naming it, not overwritten."""
    form = await form_of(page.request)
    typed = {"name": required(form, "name", "Name")}
    body = await as_edited(page, form, typed, _named(ws))
    _, here, _ = _where(ws)
    notice = f"Renamed {body['name']}." + (f" Its id stays {ws}." if ws else "")
    return await act(page, form, "PATCH", _named(ws), body, to=here, notice=notice)


@router.post("/members/name")
async def rename_organisation(page: Page) -> Response:
    return await _rename(page, None)


@router.post("/w/{ws}/members/name")
async def rename_workspace(ws: Workspace, page: Page) -> Response:
    return await _rename(page, ws)


@router.post("/organisation")
async def set_up_organisation(page: Page) -> Response:
    form = await form_of(page.request)
    name = required(form, "name", "Organisation name")
    notice = f"The organisation {name} is set up: add its workspaces."
    return await act(page, form, "POST", "/v1/organisation", {"name": name}, to="/", notice=notice)


@router.post("/workspaces")
async def create_workspace(page: Page) -> Response:
    form = await form_of(page.request)
    workspace = required(form, "workspace_id", "Workspace id")
    if not WORKSPACE.match(workspace):
        raise BadForm(
            "Workspace id: letters, digits, '.', '_' or '-', at most 100 characters,"
            f" got {workspace[:40]!r}"
        )
    body = {"workspace_id": workspace, "name": required(form, "name", "Name")}
    notice = f"Workspace {workspace} created: grant its members their roles."
    to = f"/w/{workspace}/members"
    return await act(page, form, "POST", "/v1/workspaces", body, to=to, notice=notice)
