"""``/v1/<context>/audit``: the audit history over HTTP — filtered pages, streaming exports
(CSV and JSON Lines, constant memory for any number of entries) and chain verification."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from sextant_kit.api import ID, MOMENT, Limit, decode_cursor, encode_cursor
from sextant_kit.audit import verify_chain
from sextant_kit.authz import Access, Principal
from sextant_kit.errors import DomainError, Forbidden
from sextant_kit.exports import spreadsheet_safe, stream_rows
from sextant_kit.http import caller
from sextant_kit.scope import in_scope, workspace_scope
from sextant_kit.storable import Moment
from sextant_kit.tenancy import TenantReads


async def _reader(request: Request, who: Annotated[Principal, Depends(caller)]) -> Principal:
    """``read`` in the organisation, or in the one workspace the query is confined to
    (``workspace_id``): a team's product manager reads their own workspace's history."""
    workspace_id = request.query_params.get("workspace_id")
    if not who.may(Access.READ, workspace_id):
        where = f"workspace {workspace_id}" if workspace_id else "this organisation"
        raise Forbidden(f"{who.actor} may not read the audit history of {where}")
    return who


_reader.sextant_access = Access.READ  # type: ignore[attr-defined]
Reader = Annotated[Principal, Depends(_reader)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]

COLUMNS = (
    "event_id",
    "occurred_at",
    "workspace_id",
    "entity_type",
    "subject",
    "event_type",
    "source",
    "actor",
    "correlation_id",
    "causation_id",
    "changes",
    "data",
)
_SELECT = (
    "SELECT event_id, occurred_at, workspace_id, entity_type, subject, event_type, source,"
    " actor, correlation_id, causation_id, changes::text AS changes, data::text AS data"
    " FROM audit_log"
)


PART = r"^[a-z_]+(\.[a-z_]+)?=.{1,200}$"
"""``part``: a field of the events' data (or one inside it) and its value."""


class AuditFilter:
    """Which entries: by entity, actor, workspace, event type and time range."""

    def __init__(
        self,
        subject: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        actor: Text = None,
        workspace_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        event_type: Text = None,
        since: Annotated[Moment | None, Query(description="At or after this time")] = None,
        until: Annotated[Moment | None, Query(description="Before this time")] = None,
        part: Annotated[
            str | None,
            Query(
                max_length=300,
                pattern=PART,
                description="One part of the entity, as ``field=value`` (``item_id=<id>``"
                " of a roadmap): the events that name it",
            ),
        ] = None,
    ) -> None:
        self.subject = subject
        self.part = part
        self.actor = actor
        self.workspace_id = workspace_id
        self.event_type = event_type
        self.since = since
        self.until = until
        self.scope: list[str] | None = None
        """The workspaces an organisation-wide query shows (``workspace_scope``)."""

    def seen_by(self, who: Principal) -> AuditFilter:
        """The filter narrowed to what ``who`` reads across the organisation: a token
        confined to some workspaces, theirs (and the organisation's own entries); an
        organisation-wide reader, every workspace but those a lesser role withholds."""
        self.scope = workspace_scope(who)
        return self

    def where(self, tenant_id: str) -> tuple[str, list[Any]]:
        """The WHERE clause, with the tenant as ``$1``."""
        if self.since and self.until and self.since >= self.until:
            raise DomainError("since must be before until", field="query.since")
        clauses, args = ["tenant_id = $1"], list[Any]([tenant_id])
        for column, value in (
            ("subject", self.subject),
            ("actor", self.actor),
            ("workspace_id", self.workspace_id),
            ("event_type", self.event_type),
        ):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        if self.scope is not None and self.workspace_id is None:
            args.append(self.scope)
            clauses.append(in_scope("audit_log", len(args)))
        if self.part is not None:
            if self.subject is None:
                raise DomainError(
                    "part narrows one entity's history: give the entity as subject too",
                    field="query.part",
                )
            path, value = self.part.split("=", 1)
            args += [path.split("."), value]
            clauses.append(f"data #>> ${len(args) - 1}::text[] = ${len(args)}")
        if self.since is not None:
            args.append(self.since)
            clauses.append(f"occurred_at >= ${len(args)}")
        if self.until is not None:
            args.append(self.until)
            clauses.append(f"occurred_at < ${len(args)}")
        return " WHERE " + " AND ".join(clauses), args


def entry(row: Any) -> dict[str, Any]:
    return {
        "event_id": str(row["event_id"]),
        "occurred_at": row["occurred_at"].isoformat(),
        "workspace_id": row["workspace_id"],
        "entity_type": row["entity_type"],
        "subject": row["subject"],
        "event_type": row["event_type"],
        "source": row["source"],
        "actor": row["actor"],
        "correlation_id": row["correlation_id"],
        "causation_id": row["causation_id"],
        "changes": json.loads(row["changes"]) if row["changes"] is not None else None,
        "data": json.loads(row["data"]),
    }


async def audit_page(
    reads: TenantReads,
    tenant_id: str,
    which: AuditFilter,
    *,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Entries oldest first, ``limit`` at a time."""
    where, args = which.where(tenant_id)
    after = decode_cursor(cursor, MOMENT, ID)
    if after is not None:
        args += [datetime.fromisoformat(after[0]), UUID(after[1])]
        where += f" AND (occurred_at, event_id) > (${len(args) - 1}, ${len(args)})"
    args.append(limit + 1)
    rows = await reads.fetch(
        f"{_SELECT}{where} ORDER BY occurred_at, event_id LIMIT ${len(args)}", *args
    )
    items = [entry(r) for r in rows[:limit]]
    more = len(rows) > limit
    last = items[-1] if more and items else None
    return {
        "items": items,
        "next_cursor": encode_cursor(last["occurred_at"], last["event_id"]) if last else None,
    }


async def export_lines(
    reads: TenantReads, tenant_id: str, which: AuditFilter, form: Literal["csv", "jsonl"]
) -> AsyncIterator[bytes]:
    """Every matching entry as CSV or JSON Lines, read through a server-side cursor.

    The filter is checked before the first byte, so a bad one is still a clear 422.
    """
    where, args = which.where(tenant_id)
    sql = f"{_SELECT}{where} ORDER BY occurred_at, event_id"
    return stream_rows(
        reads, tenant_id, sql, args, form=form, columns=COLUMNS, item=entry, cell=_csv_cell
    )


def _csv_cell(column: str, value: Any) -> Any:
    """JSON for an entry's data and changes; names and ids a spreadsheet shows, not runs."""
    if column in ("changes", "data"):
        return json.dumps(value)
    return spreadsheet_safe(value) if isinstance(value, str) else value


def audit_router(context: str, reads: TenantReads) -> APIRouter:
    """A service's audit history: query, export, and verify its hash chains."""
    api = APIRouter(prefix=f"/v1/{context}/audit", tags=["audit"])

    @api.get("")
    async def entries(
        who: Reader,
        which: Annotated[AuditFilter, Depends()],
        limit: Limit = 100,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
    ) -> dict[str, Any]:
        """Audit entries, oldest first: who did what to which entity, with field-level
        before and after values."""
        return await audit_page(
            reads, who.tenant_id, which.seen_by(who), limit=limit, cursor=cursor
        )

    @api.get("/export")
    async def export(
        who: Reader,
        which: Annotated[AuditFilter, Depends()],
        format: Literal["csv", "jsonl"] = "jsonl",
    ) -> StreamingResponse:
        """Every matching entry, streamed (CSV or JSON Lines)."""
        media = "text/csv" if format == "csv" else "application/x-ndjson"
        return StreamingResponse(
            await export_lines(reads, who.tenant_id, which.seen_by(who), format),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{context}-audit.{format}"'},
        )

    @api.get("/verify")
    async def verify(who: Reader, workspace_id: Text = None) -> dict[str, Any]:
        """Recompute the hash chain of a workspace (or of organisation-level entries)."""
        report = await verify_chain(reads, who.tenant_id, workspace_id)
        return asdict(report)

    return api
