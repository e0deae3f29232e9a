"""What every query endpoint shares: the reader, the caller's workspace scope, cursors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import StringConstraints
from sextant_kit import api as kit
from sextant_kit.api import Cursor, Limit, WorkspaceId, page
from sextant_kit.authz import Access
from sextant_kit.database import Connection
from sextant_kit.http import Caller, requires_somewhere
from sextant_kit.scope import in_scope
from sextant_kit.scope import workspace_scope as scope
from sextant_kit.storable import in_utc
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
ItemLimit = Annotated[int, Query(ge=1, le=1000)]
"""How many of the roadmap items serving an objective an answer lists
(``roadmap_items_total`` counts them all): a company objective may be served by thousands."""
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


def after(cursor: str | None) -> tuple[datetime, str] | tuple[None, None]:
    """The ``(time, id)`` a page continues after; a cursor not made here is a 422."""
    values = kit.decode_cursor(cursor, kit.MOMENT, kit.TEXT)
    if values is None:
        return None, None
    at, key = values
    return in_utc(datetime.fromisoformat(at)), key
