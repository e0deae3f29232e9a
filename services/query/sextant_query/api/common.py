"""What every query endpoint shares: the reader, the caller's workspace scope, cursors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends
from pydantic import StringConstraints
from sextant_kit import InvalidCursor
from sextant_kit import api as kit
from sextant_kit.api import Cursor, Limit, WorkspaceId, page
from sextant_kit.authz import Access
from sextant_kit.database import Connection
from sextant_kit.http import Caller, requires_somewhere
from sextant_strategy.domain.progress import status_today

__all__ = [
    "Cursor",
    "Limit",
    "Reader",
    "WorkspaceId",
    "WorkspaceRef",
    "after",
    "assessed_today",
    "in_scope",
    "jsonable",
    "page",
    "scope",
]


Reader = Annotated[Caller, Depends(requires_somewhere(Access.READ))]
"""``read`` in the route's workspace; on the organisation-wide routes, ``read`` in the
organisation or in at least one workspace: a team's members read them too, narrowed to
their workspaces (``scope``)."""
WorkspaceRef = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
]

JSON_COLUMNS = frozenset({"linked_to"})
"""jsonb columns, which asyncpg hands over as text."""


def jsonable(row: Any) -> dict[str, Any]:
    return kit.jsonable(row, JSON_COLUMNS)


async def assessed_today(
    conn: Connection, tenant: str, rows: Sequence[Any]
) -> list[dict[str, Any]]:
    """Rows of ``OBJECTIVE_COLUMNS`` as JSON, each given ``status_today``.

    ``status`` is the worst key-result status recorded at the last check-ins;
    ``status_today`` assesses those check-ins against the share of the period gone now (at
    closing, once closed), by the strategy context's rule (``status_today``), so the
    portfolio agrees with its objective tree.
    """
    krs = await conn.fetch(
        "SELECT objective_id, progress, confidence FROM query_key_results"
        " WHERE tenant_id = $1 AND objective_id = ANY($2::text[])",
        tenant,
        [r["objective_id"] for r in rows],
    )
    of: dict[str, list[tuple[float, float | None]]] = defaultdict(list)
    for kr in krs:
        of[kr["objective_id"]].append((kr["progress"] or 0.0, kr["confidence"]))
    now = datetime.now(UTC)
    return [
        {
            **jsonable(r),
            "status_today": status_today(
                of[r["objective_id"]], r["period_start"], r["period_end"], now, r["closed_at"]
            )[1],
        }
        for r in rows
    ]


WITHHELD = "!"
"""Leads a scope that lists the workspaces left out, not those kept (no workspace id holds
a '!'): an organisation-wide reader's, less the workspaces a lesser role withholds."""
ORGANISATION = ""
"""In a scope, the organisation's own rows, which have no workspace (its objectives)."""


def scope(who: Caller, wanted: list[str] | None = None) -> list[str] | None:
    """The workspaces a query may show: those asked for, within those the caller reads
    (``Principal.workspaces_with``); ``None`` means every workspace of the organisation,
    and ``[WITHHELD, ...]`` every one but those named (``Principal.withheld``). Unless
    workspaces were asked for, the organisation's own rows (``ORGANISATION``) are in it:
    every reader reads the organisation's objectives, as a team aligns its own to them.
    Pass it to the SQL of :func:`in_scope`.

    Rows cross workspaces here (an objective's items, an opportunity's feedback), so every
    query narrows its rows with this: a team member sees their workspaces' part of a chain,
    a token confined to some workspaces those, and an organisation-wide reader with a lesser
    role in one workspace every part but that one's.
    """
    readable = who.workspaces_with(Access.READ)
    if readable is None:
        withheld = who.withheld(Access.READ)
        if wanted is not None:
            return [w for w in wanted if w not in withheld]
        return [WITHHELD, *sorted(withheld)] if withheld else None
    if wanted is None:
        return [ORGANISATION, *sorted(readable)]
    return [w for w in wanted if w in readable]


def in_scope(alias: str, param: int) -> str:
    """SQL keeping rows of ``alias`` in the scope that parameter ``param`` holds."""
    given, workspace = f"${param}::text[]", f"coalesce({alias}.workspace_id, '{ORGANISATION}')"
    return (
        f"({given} IS NULL OR CASE WHEN ({given})[1] = '{WITHHELD}'"
        f" THEN {workspace} <> ALL({given}) ELSE {workspace} = ANY({given}) END)"
    )


def after(cursor: str | None) -> tuple[datetime, str] | tuple[None, None]:
    """The ``(time, id)`` a page continues after; a cursor not made here is a 422."""
    values = kit.decode_cursor(cursor, 2)
    if values is None:
        return None, None
    at, key = values
    try:
        if not isinstance(at, str) or not isinstance(key, str) or "\x00" in key:
            raise ValueError(at)
        key.encode()  # a lone surrogate could never have come from the database
        when = datetime.fromisoformat(at)
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC), key
    except (ValueError, OverflowError):
        raise InvalidCursor from None
