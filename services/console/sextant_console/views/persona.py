"""One persona and how the team's picture of them changed: every version, newest first,
with what each changed from the one before."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import Id, Page, Workspace

router = APIRouter()

FIELDS = {
    "name": "Name",
    "segment": "Segment",
    "description": "Who they are",
    "goals": "Goals",
    "pains": "Pains",
    "jobs_to_be_done": "Jobs to be done",
}


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a version changed from the one before, field by field: a list's lines added
    and dropped, a text's old and new value."""
    found = []
    for name, label in FIELDS.items():
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if isinstance(old, list) or isinstance(new, list):
            added = [x for x in new or [] if x not in (old or [])]
            gone = [x for x in old or [] if x not in (new or [])]
            said = [
                f"{what} {'; '.join(xs)}"
                for what, xs in (("added", added), ("dropped", gone))
                if xs
            ]
            if said:  # a new order alone is no change worth naming
                found.append(f"{label}: {', '.join(said)}")
        else:
            found.append(f"{label}: {old or '(none)'} → {new or '(none)'}")
    return found


@router.get("/w/{ws}/personas/{pid}", response_class=HTMLResponse)
async def persona(ws: Workspace, pid: Id, page: Page) -> Response:
    path = f"/v1/workspaces/{ws}/personas/{pid}"
    found, current = await asyncio.gather(page.api.get(f"{path}/history"), page.api.get(path))
    versions = found["items"]
    earlier: list[dict[str, Any] | None] = [None, *versions[:-1]]
    history = [
        {**v, "changes": changes(e["profile"], v["profile"]) if e else []}
        for v, e in zip(versions, earlier, strict=True)
    ]
    return page.render(
        "persona.html",
        ws=ws,
        current=versions[-1],
        history=history[::-1],
        archived=current.get("archived", False),
        may_write=page.session.may(Access.WRITE, ws),
        may_audit=page.session.may(Access.READ, ws),
    )
