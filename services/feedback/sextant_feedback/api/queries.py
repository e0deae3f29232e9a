"""Queries of the feedback read models: the inbox, one item, similar items, demand, audit."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from asyncpg import Record
from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sextant_kit import DomainError, InvalidCursor, NotFound
from sextant_kit.api import MOMENT, jsonable
from sextant_kit.exports import spreadsheet_safe, stream_rows
from sextant_kit.service import Runtime
from sextant_kit.storable import Moment
from sextant_kit.tenancy import TenantReads

from sextant_feedback.api.common import Reader, WorkspaceId
from sextant_feedback.domain import Channel, LinkTarget
from sextant_feedback.privacy import ERASED

ITEM_COLUMNS = (
    "i.feedback_id, i.workspace_id, i.text, i.source, i.external_id, i.customer_ref, i.author,"
    " i.attendees, i.tags, i.themes, i.sentiment, i.votes, i.links, i.merged_into,"
    " i.received_at, i.version"
)
"""An item's columns, of ``feedback_inbox i``."""
SENTIMENT = {
    "positive": "sentiment > 0.1::real",
    "negative": "sentiment < -0.1::real",
    "neutral": "sentiment BETWEEN -0.1::real AND 0.1::real",
}
"""Compared as the column is kept (``real``): 0.1 stored is 0.10000000149 as a double, which
``> 0.1`` would take for positive."""


def item_out(row: Any) -> dict[str, Any]:
    out = dict(row)
    out["feedback_id"] = str(out["feedback_id"])
    out["merged_into"] = str(out["merged_into"]) if out["merged_into"] else None
    out["received_at"] = out["received_at"].isoformat()
    out["sentiment"] = round(float(out["sentiment"]), 3)
    return out


NEWEST_FIRST = "ORDER BY i.received_at DESC, i.feedback_id DESC"
NEWEST_SEARCHED = 20_000
"""Items a search reads newest first before it asks the search index."""


async def _search(
    reads: TenantReads, filters: str, args: list[Any], q: str, count: int
) -> list[Record]:
    """The newest ``count`` items meeting ``filters`` (their values ``args``) that hold the
    words ``q`` (full text, English stemming).

    Walking the inbox newest first finds a common word's items at once; the search index
    finds a rare word's. Which one a search is, the planner can only guess from the whole
    table (a word common in one workspace may be in none of another's), and a guess of
    "common" for a rare word walked all of a 300,000-item inbox. So the newest
    ``NEWEST_SEARCHED`` are read first (about a microsecond each); a word too rare to fill
    the page among them is looked up in the index."""
    n = len(args)
    newest = (
        f"SELECT {ITEM_COLUMNS} FROM (SELECT i.* FROM feedback_inbox i"
        f" WHERE {filters} {NEWEST_FIRST} LIMIT {NEWEST_SEARCHED}) i"
        f" WHERE i.search_doc @@ websearch_to_tsquery('english', ${n + 1})"
        f" {NEWEST_FIRST} LIMIT ${n + 2}"
    )
    rows = await reads.fetch(newest, *args, q, count)
    if len(rows) == count:
        return rows
    # Through the index, which row-level security lets only its owner's function use ($2:
    # the workspace, as in every inbox read's filters).
    indexed = (
        f"WITH held AS MATERIALIZED (SELECT {ITEM_COLUMNS}"
        f" FROM feedback_matching($2, ${n + 1}) m JOIN feedback_inbox i"
        f" ON i.tenant_id = $1 AND i.feedback_id = m.feedback_id WHERE {filters})"
        f" SELECT * FROM held i {NEWEST_FIRST} LIMIT ${n + 2}"
    )
    return await reads.fetch(indexed, *args, q, count)


def _encode_cursor(received_at: datetime, feedback_id: str) -> str:
    return base64.urlsafe_b64encode(f"{received_at.isoformat()}|{feedback_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, item = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        MOMENT(at)
        return datetime.fromisoformat(at), uuid.UUID(item)
    except (ValueError, OverflowError):  # a bad base64, UTF-8, moment or id
        raise InvalidCursor from None


class InboxFilter:
    """Which items of a workspace's inbox: by channel, customer segment, tag, theme,
    customer, whether linked, whether tagged (a tag or a theme: ``tagged=false`` is what is
    still to triage), sentiment and when received; merged duplicates left out unless asked
    for."""

    def __init__(
        self,
        source: Channel | None = None,
        segment: Annotated[str | None, Query(max_length=100)] = None,
        tag: Annotated[str | None, Query(max_length=50)] = None,
        theme: Annotated[str | None, Query(max_length=50)] = None,
        customer_ref: Annotated[str | None, Query(max_length=200)] = None,
        linked: bool | None = None,
        tagged: bool | None = None,
        sentiment: Literal["positive", "negative", "neutral"] | None = None,
        since: Moment | None = None,
        until: Moment | None = None,
        include_merged: bool = False,
    ) -> None:
        if since is not None and until is not None and since >= until:
            raise DomainError("since must be before until", field="query.since")
        self.source, self.segment, self.tag, self.theme = source, segment, tag, theme
        self.customer_ref, self.linked, self.sentiment = customer_ref, linked, sentiment
        self.tagged = tagged
        self.since, self.until, self.include_merged = since, until, include_merged

    def where(self, tenant_id: str, workspace_id: str) -> tuple[list[str], list[Any]]:
        """The clauses over ``feedback_inbox i`` and their values, the tenant ``$1`` and the
        workspace ``$2``."""
        where = ["i.tenant_id = $1", "i.workspace_id = $2"]
        args: list[Any] = [tenant_id, workspace_id]

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if self.source is not None:
            where.append(f"i.source = {arg(self.source.value)}")
        if self.segment is not None:
            where.append(
                f"i.customer_id IN (SELECT customer_id FROM customers WHERE tenant_id = $1"
                f" AND segment = {arg(self.segment)})"
            )
        if self.tag is not None:
            where.append(f"{arg(self.tag.lower())} = ANY(i.tags)")
        if self.theme is not None:
            where.append(f"{arg(self.theme.lower())} = ANY(i.themes)")
        if self.customer_ref is not None:
            where.append(f"i.customer_ref = {arg(self.customer_ref)}")
        if self.linked is not None:
            where.append("i.links > 0" if self.linked else "i.links = 0")
        if self.tagged is not None:
            where.append(
                ("" if self.tagged else "NOT ")
                + "(cardinality(i.tags) > 0 OR cardinality(i.themes) > 0)"
            )
        if self.sentiment is not None:
            where.append("i." + SENTIMENT[self.sentiment])
        if self.since is not None:
            where.append(f"i.received_at >= {arg(self.since)}")
        if self.until is not None:
            where.append(f"i.received_at < {arg(self.until)}")
        if not self.include_merged:
            where.append("i.merged_into IS NULL")
        return where, args


EXPORT_COLUMNS = (
    "feedback_id",
    "received_at",
    "source",
    "text",
    "customer_ref",
    "author",
    "attendees",
    "tags",
    "themes",
    "sentiment",
    "votes",
    "links",
    "merged_into",
    "external_id",
)


def _csv_cell(_: str, value: Any) -> Any:
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    return spreadsheet_safe(value) if isinstance(value, str) else value


def queries_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["feedback queries"])

    @api.get("/workspaces/{workspace_id}/feedback")
    async def inbox(
        workspace_id: WorkspaceId,
        who: Reader,
        which: Annotated[InboxFilter, Depends()],
        q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """The inbox, newest first. ``q`` is full-text search (English stemming)."""
        where, args = which.where(who.tenant_id, workspace_id)

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if cursor is not None:
            at, item = _decode_cursor(cursor)
            where.append(f"(i.received_at, i.feedback_id) < ({arg(at)}, {arg(item)})")
        filters = " AND ".join(where)
        if q is None:
            rows = await rt.reads.fetch(
                f"SELECT {ITEM_COLUMNS} FROM feedback_inbox i WHERE {filters} {NEWEST_FIRST}"
                f" LIMIT {arg(limit + 1)}",
                *args,
            )
        else:
            rows = await _search(rt.reads, filters, args, q, limit + 1)
        page = rows[:limit]
        more = len(rows) > limit
        return {
            "items": [item_out(r) for r in page],
            "next_cursor": _encode_cursor(page[-1]["received_at"], str(page[-1]["feedback_id"]))
            if more
            else None,
        }

    # Before the item's route: "export" is not an item's id.
    @api.get("/workspaces/{workspace_id}/feedback/export")
    async def export(
        workspace_id: WorkspaceId,
        who: Reader,
        which: Annotated[InboxFilter, Depends()],
        q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        format: Literal["csv", "jsonl"] = "csv",
    ) -> StreamingResponse:
        """Every item the inbox shows with these filters (and ``q``), newest first, as CSV
        for a spreadsheet or JSON Lines, streamed: memory stays flat however many there are.
        In the CSV, lists are joined with ``;`` and text a spreadsheet would run as a
        formula starts with an apostrophe. What a customer's erasure removed is not there:
        this reads the inbox."""
        where, args = which.where(who.tenant_id, workspace_id)
        if q is not None:
            args.append(q)
            where.append(f"i.search_doc @@ websearch_to_tsquery('english', ${len(args)})")
        sql = f"SELECT {ITEM_COLUMNS} FROM feedback_inbox i WHERE {' AND '.join(where)}"
        lines = stream_rows(
            rt.reads,
            who.tenant_id,
            f"{sql} {NEWEST_FIRST}",
            args,
            form=format,
            columns=EXPORT_COLUMNS,
            item=item_out,
            cell=_csv_cell,
        )
        return StreamingResponse(
            lines,
            media_type="text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson",
            headers={
                "Content-Disposition": f'attachment; filename="{workspace_id}-feedback.{format}"'
            },
        )

    @api.get("/workspaces/{workspace_id}/feedback/{feedback_id}")
    async def get_feedback(
        workspace_id: WorkspaceId, feedback_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        """One item, with what it is linked to (problems, opportunities, roadmap items), who
        voted for it (``voters``: people by name, customers as ``customer:<ref>``) and the
        items a team told apart from it, either way round (``told_apart``, newest first)."""
        row = await rt.reads.fetchrow(
            f"SELECT {ITEM_COLUMNS}, i.told_apart FROM feedback_inbox i"
            " WHERE tenant_id = $1 AND workspace_id = $2 AND feedback_id = $3",
            who.tenant_id,
            workspace_id,
            feedback_id,
        )
        if row is None:
            raise NotFound(f"feedback {feedback_id} not found in workspace {workspace_id}")
        links = await rt.reads.fetch(
            "SELECT target_type, target_id, linked_at FROM feedback_links"
            " WHERE tenant_id = $1 AND feedback_id = $2 ORDER BY linked_at, target_id",
            who.tenant_id,
            feedback_id,
        )
        voters = await rt.reads.fetch(
            "SELECT voter FROM feedback_votes WHERE tenant_id = $1 AND feedback_id = $2"
            " ORDER BY voter",
            who.tenant_id,
            feedback_id,
        )
        apart = await rt.reads.fetch(
            f"SELECT {ITEM_COLUMNS} FROM feedback_inbox i"
            " WHERE i.tenant_id = $1 AND i.workspace_id = $2 AND (i.feedback_id = ANY($4)"
            "  OR (i.told_apart <> '{}' AND i.told_apart @> ARRAY[$3::uuid]))"
            f" {NEWEST_FIRST}",
            who.tenant_id,
            workspace_id,
            feedback_id,
            row["told_apart"],
        )
        return {
            **item_out(row),
            "linked_to": [jsonable(r) for r in links],
            "voters": [r["voter"] for r in voters],
            "told_apart": [item_out(r) for r in apart],
        }

    @api.get("/workspaces/{workspace_id}/feedback/{feedback_id}/similar")
    async def similar(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        who: Reader,
        min_similarity: Annotated[float, Query(ge=0.1, le=1.0)] = 0.5,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> dict[str, Any]:
        """Likely duplicates: trigram similarity of the texts (pg_trgm, computed in the
        database, no model), highest first. Merge the ones that are the same request; those
        told apart from it (either way round) are not listed.

        Below 0.5 texts are alike mostly in their common words, and finding them reads far
        more of the inbox: among 300,000 one- or two-sentence items, 97,000 candidates and
        3.7 s at 0.3, 3,600 and 0.5 s at 0.5. An erased customer's items, whose text is
        gone, are alike to nothing."""
        row = await rt.reads.fetchrow(
            "SELECT text, told_apart FROM feedback_inbox"
            " WHERE tenant_id = $1 AND workspace_id = $2 AND feedback_id = $3",
            who.tenant_id,
            workspace_id,
            feedback_id,
        )
        if row is None:
            raise NotFound(f"feedback {feedback_id} not found in workspace {workspace_id}")
        rows: list[Record] = []
        if row["text"] != ERASED:  # else an erased customer's item: its text is gone
            async with rt.reads.connection(who.tenant_id) as conn:
                await conn.execute(
                    f"SET LOCAL pg_trgm.similarity_threshold = {float(min_similarity)}"
                )
                # Through the trigram index, which row-level security lets only its owner's
                # function use.
                rows = await conn.fetch(
                    f"SELECT {ITEM_COLUMNS}, r.similarity FROM feedback_resembling($2, $4) r"
                    " JOIN feedback_inbox i ON i.tenant_id = $1 AND i.feedback_id = r.feedback_id"
                    " WHERE i.feedback_id <> $3 AND i.merged_into IS NULL AND i.text <> $7"
                    # told apart from it, either way round: not the same request
                    " AND i.feedback_id <> ALL($6::uuid[]) AND $3 <> ALL(i.told_apart)"
                    " ORDER BY r.similarity DESC, i.feedback_id LIMIT $5",
                    who.tenant_id,
                    workspace_id,
                    feedback_id,
                    row["text"],
                    limit,
                    row["told_apart"],
                    ERASED,
                )
        return {
            "feedback_id": str(feedback_id),
            "method": "trigram similarity (pg_trgm)",
            "suggestions": [
                {**item_out(r), "similarity": round(float(r["similarity"]), 3)} for r in rows
            ],
        }

    @api.get("/workspaces/{workspace_id}/demand")
    async def demand(
        workspace_id: WorkspaceId,
        who: Reader,
        target_type: LinkTarget | None = None,
        target_id: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Demand per linked problem, opportunity or roadmap item: linked items, votes,
        distinct customers, and revenue-weighted demand (the summed annual revenue of the
        distinct customers behind it), with a breakdown by segment; amounts are exact decimal
        text, as ``revenue_weighted`` is. The customers behind an
        item are its own and those voted for on its items' behalf (a merged duplicate's
        customer among them)."""
        rows = await rt.reads.fetch(
            "WITH linked AS ("
            "  SELECT l.target_type, l.target_id, i.feedback_id, i.customer_id, i.votes"
            "  FROM feedback_links l JOIN feedback_inbox i"
            "    ON i.tenant_id = l.tenant_id AND i.feedback_id = l.feedback_id"
            "  WHERE l.tenant_id = $1 AND l.workspace_id = $2"
            "    AND ($3::text IS NULL OR l.target_type = $3)"
            "    AND ($4::text IS NULL OR l.target_id = $4)),"
            " accounts AS ("
            "  SELECT target_type, target_id, customer_id FROM linked"
            "  WHERE customer_id IS NOT NULL"
            "  UNION SELECT k.target_type, k.target_id, v.customer_id FROM linked k"
            "  JOIN feedback_votes v ON v.tenant_id = $1 AND v.feedback_id = k.feedback_id"
            "  WHERE v.customer_id IS NOT NULL),"
            " segments AS ("
            "  SELECT a.target_type, a.target_id, coalesce(c.segment, 'unknown') AS segment,"
            "    count(*) AS customers, coalesce(sum(c.annual_revenue), 0) AS revenue"
            "  FROM accounts a"
            "  LEFT JOIN customers c ON c.tenant_id = $1 AND c.customer_id = a.customer_id"
            "  GROUP BY 1, 2, 3)"
            " SELECT t.target_type, t.target_id, t.items, t.votes,"
            "   coalesce(sum(s.customers), 0)::bigint AS customers,"
            "   coalesce(sum(s.revenue), 0) AS revenue,"
            "   coalesce(jsonb_object_agg(s.segment, s.revenue::text)"
            "     FILTER (WHERE s.segment IS NOT NULL), '{}') AS by_segment"
            " FROM (SELECT target_type, target_id, count(*) AS items, sum(votes) AS votes"
            "       FROM linked GROUP BY target_type, target_id) t"
            " LEFT JOIN segments s USING (target_type, target_id)"
            " GROUP BY t.target_type, t.target_id, t.items, t.votes"
            " ORDER BY revenue DESC, t.items DESC LIMIT $5",
            who.tenant_id,
            workspace_id,
            target_type.value if target_type else None,
            target_id,
            limit,
        )
        return {
            "targets": [
                {
                    "target_type": r["target_type"],
                    "target_id": r["target_id"],
                    "items": r["items"],
                    "votes": int(r["votes"] or 0),
                    "customers": r["customers"],
                    "revenue_weighted": str(r["revenue"]),
                    "by_segment": json.loads(r["by_segment"]),
                }
                for r in rows
            ]
        }

    return api
