"""Which workspaces' rows a read that crosses workspaces may show a caller, as one SQL
parameter: the query service's views, the objective tree and the audit history share it.

A scope is ``None`` (every workspace of the organisation), the workspaces kept, or
``[WITHHELD, ...]``, every workspace but those named. ``ORGANISATION`` in a list of those
kept stands for the organisation's own rows, which have no workspace (its objectives).
Workspace ids hold neither marker, so the markers cannot be mistaken for one.
"""

from __future__ import annotations

from sextant_kit.authz import Access, Principal

WITHHELD = "!"
"""Leads a scope that lists the workspaces left out, not those kept: an organisation-wide
reader's, less the workspaces a lesser role withholds."""
ORGANISATION = ""
"""In a scope, the organisation's own rows, which have no workspace."""


def workspace_scope(who: Principal, wanted: list[str] | None = None) -> list[str] | None:
    """The workspaces a read may show ``who``: those asked for, within those they read
    (``Principal.workspaces_with``); unless workspaces were asked for, the organisation's
    own rows too, which every reader reads (a team aligns its objectives to them).

    A team member sees their workspaces' part of what crosses workspaces, a token confined
    to some workspaces those, and an organisation-wide reader with a lesser role in one
    workspace every part but that one's (``Principal.withheld``).
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


def in_scope(alias: str, param: int, *, column: str = "workspace_id") -> str:
    """SQL keeping rows of ``alias`` in the scope that parameter ``param`` holds, by their
    workspace (``column``: an SQL expression over ``alias``'s columns, if not its own)."""
    own = f"{alias}.{column}" if column.isidentifier() else column
    given, workspace = f"${param}::text[]", f"coalesce({own}, '{ORGANISATION}')"
    return (
        f"({given} IS NULL OR CASE WHEN ({given})[1] = '{WITHHELD}'"
        f" THEN {workspace} <> ALL({given}) ELSE {workspace} = ANY({given}) END)"
    )
