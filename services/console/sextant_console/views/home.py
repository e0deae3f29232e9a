"""Signing in and out with a token, and the start pages."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sextant_kit.authz import Access

from sextant_console.client import ApiError
from sextant_console.session import COOKIE, NotSignedIn, cookie_of, session_from
from sextant_console.web import (
    FLASH,
    Flash,
    Page,
    form_of,
    redirect,
    render,
    safe_path,
    set_session_cookie,
)

router = APIRouter()
Search = Annotated[str, Query(max_length=100)]
WORKSPACE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    return render(
        request,
        "login.html",
        session=None,
        flash=Flash.decode(request.cookies.get(FLASH)),
        next=safe_path(next),
    )


@router.post("/login")
async def login(request: Request) -> Response:
    form = await form_of(request)
    try:
        session = session_from(form.get("token"))
        cookie = cookie_of(session.token)
    except NotSignedIn as error:
        reason = error.reason or "paste your token to sign in"
        return render(
            request,
            "login.html",
            422,
            session=None,
            flash=Flash("error", reason),
            next=safe_path(form.get("next", "/")),
        )
    response = redirect(
        request, safe_path(form.get("next", "/")), notice=f"Signed in as {session.actor}."
    )
    set_session_cookie(response, request, cookie, request.app.state.settings.secure_cookies)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = redirect(request, "/login", notice="Signed out.")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/", response_class=HTMLResponse)
async def start(page: Page, cursor: str | None = None, q: Search = "") -> Response:
    """The workspaces the token names; with an organisation-wide role, also the workspaces
    in the organisation's directory (the identity service's), a page at a time. ``q``
    keeps those whose id or name holds it."""
    q = q.strip()
    only = page.session.workspaces
    if page.session.principal.organisation_role is None:
        if len(only) == 1 and not q:
            return RedirectResponse(f"/w/{only[0]}", status_code=303)
        # Their names, from the directory (a member of hundreds: every page of it).
        names = _names(await page.api.every_readable("/v1/workspaces"))
        return page.render(
            "home.html",
            workspaces=_own(only, q, names),
            names=names,
            directory=[],
            unreadable=None,
            q=q,
        )
    # An administrator sets the organisation up (once) and adds its workspaces from here.
    administers = page.session.may(Access.ADMINISTER)
    try:
        found = await page.api.get(
            "/v1/workspaces", {"cursor": cursor, "limit": page.page_size, "q": q}
        )
        organisation = await page.api.get_if_readable("/v1/organisation") if administers else None
    except ApiError as error:  # the page still opens any workspace by its id
        return page.render(
            "home.html", workspaces=only, names={}, directory=[], unreadable=error.detail, q=q
        )
    directory = [w for w in found["items"] if w["workspace_id"] not in only]
    names = _names(found["items"])
    return page.render(
        "home.html",
        workspaces=_own(only, q, names),
        q=q,
        names=names,
        directory=directory,
        next_cursor=found.get("next_cursor"),
        unreadable=None,
        administers=administers,
        organisation=organisation,
    )


@router.get("/go")
async def open_workspace(page: Page, workspace: str = "") -> Response:
    workspace = workspace.strip()
    if not WORKSPACE.match(workspace):
        return redirect(
            page.request, "/", error="A workspace id is letters, digits, '.', '_' or '-'."
        )
    return RedirectResponse(f"/w/{workspace}", status_code=303)


def _holds(q: str, workspace: str, names: dict[str, str]) -> bool:
    """Whether the workspace's id or name holds ``q`` (any case), as the directory's
    search does."""
    return q.casefold() in f"{workspace}\n{names.get(workspace, '')}".casefold()


def _own(workspaces: list[str], q: str, names: dict[str, str]) -> list[str]:
    """The user's own workspaces that hold ``q``, in the order of their names as people
    read them: any case, and numbers by their value ("Team 2" before "Team 10")."""

    def key(workspace: str) -> list[tuple[int, int | str]]:
        parts = re.split(r"(\d+)", names.get(workspace, workspace).casefold())
        return [(1, int(p)) if p.isdigit() else (0, p) for p in parts if p]

    return sorted((w for w in workspaces if _holds(q, w, names)), key=key)


def _names(workspaces: list[dict[str, str]]) -> dict[str, str]:
    """Workspace names by id, from the organisation's directory."""
    return {w["workspace_id"]: w["name"] for w in workspaces}


@router.get("/w/{workspace}", response_class=HTMLResponse)
async def workspace_home(workspace: str, page: Page) -> Response:
    found = await page.api.get_if_readable(f"/v1/workspaces/{workspace}")
    return page.render(
        "workspace.html",
        ws=workspace,
        name=found["name"] if found else None,
        role=page.session.role(workspace),
    )
