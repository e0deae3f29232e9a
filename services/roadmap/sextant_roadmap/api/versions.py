"""Published versions: what stakeholders may read, and the difference between two versions."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Any, Literal, NamedTuple
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sextant_kit import NotFound
from sextant_kit.api import LATEST_VERSION
from sextant_kit.authz import Access
from sextant_kit.http import Caller, requires
from sextant_kit.service import Runtime

from sextant_roadmap.api.common import Limit, WorkspaceId, audiences_of, row, spans
from sextant_roadmap.domain.diff import diff, render_markdown
from sextant_roadmap.domain.events import RoadmapPublished
from sextant_roadmap.domain.versions import csv_rows


class Published(NamedTuple):
    snapshot: RoadmapPublished
    by: str
    roadmap_name: str


ReadPublished = Annotated[Caller, Depends(requires(Access.READ_PUBLISHED))]


_VERSIONS = (
    " FROM roadmap_versions v JOIN roadmaps r"
    " ON r.tenant_id = v.tenant_id AND r.roadmap_id = v.roadmap_id"
    f" WHERE v.tenant_id = $1 AND {spans('$2', 'r')} AND v.roadmap_id = $3"
)
"""The versions of roadmap ``$3``, if it belongs to or spans the workspace ``$2``, beside
the roadmap's name: those who may read a version may read the name of what it versions."""


def router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}/roadmaps/{roadmap_id}", tags=["roadmap"])

    async def version(who: Caller, workspace_id: str, roadmap_id: UUID, n: int) -> Published:
        """Version ``n``, if it is the caller's to read (published for an audience of theirs)."""
        audiences = audiences_of(who, workspace_id)
        found = await rt.reads.fetchrow(
            "SELECT v.snapshot::text AS snapshot, v.published_by, r.name"
            f"{_VERSIONS} AND v.version = $4"
            " AND ($5::text[] IS NULL OR v.audience = ANY($5::text[]))",
            who.tenant_id,
            workspace_id,
            roadmap_id,
            n,
            audiences,
        )
        if found is None:
            raise NotFound(f"roadmap {roadmap_id} has no published version {n}")
        return Published(
            RoadmapPublished.model_validate_json(found["snapshot"]),
            found["published_by"],
            found["name"],
        )

    async def _a_roadmap_here(tenant: str, workspace_id: str, roadmap_id: UUID) -> None:
        """404 for a roadmap this workspace has not (none yet published is an empty list)."""
        known = await rt.reads.fetchval(
            f"SELECT 1 FROM roadmaps r WHERE r.tenant_id = $1 AND {spans('$2', 'r')}"
            " AND r.roadmap_id = $3",
            tenant,
            workspace_id,
            roadmap_id,
        )
        if known is None:
            raise NotFound(f"roadmap {roadmap_id} not found in workspace {workspace_id}")

    @api.get("/versions")
    async def list_versions(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        who: ReadPublished,
        limit: Limit = 50,
        cursor: Annotated[int | None, Query(ge=0, le=LATEST_VERSION)] = None,
    ) -> Any:
        """The published versions, oldest first, with the roadmap's name (null when none is
        the caller's to read): for a stakeholder whose token names audiences, those published
        for one of them."""
        audiences = audiences_of(who, workspace_id)
        rows = await rt.reads.fetch(
            "SELECT v.version, v.audience, v.title, v.notes, v.published_at, v.published_by,"
            f" v.item_count, r.name{_VERSIONS} AND v.version > $4"
            " AND ($6::text[] IS NULL OR v.audience = ANY($6::text[]))"
            " ORDER BY v.version LIMIT $5",
            who.tenant_id,
            workspace_id,
            roadmap_id,
            cursor or 0,
            limit + 1,
            audiences,
        )
        if not rows and not cursor:
            await _a_roadmap_here(who.tenant_id, workspace_id, roadmap_id)
        page = [{k: v for k, v in row(r).items() if k != "name"} for r in rows[:limit]]
        more = len(rows) > limit
        return {
            "roadmap_name": rows[0]["name"] if rows else None,
            "items": page,
            "next_cursor": str(page[-1]["version"]) if more else None,
        }

    @api.get("/versions/{version_number}", response_model=None)
    async def get_version(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        version_number: Annotated[int, Path(ge=1, le=1_000_000)],
        request: Request,
        who: ReadPublished,
        format: Literal["json", "csv"] | None = None,
    ) -> Any:
        """A published version as JSON, or as CSV for a spreadsheet (``format=csv`` or
        ``Accept: text/csv``): one row per item in the version's order, with the columns
        its audience was shown."""
        found = await version(who, workspace_id, roadmap_id, version_number)
        wants_csv = format == "csv" or (
            format is None and "text/csv" in request.headers.get("accept", "")
        )
        if wants_csv:
            buffer = io.StringIO()
            csv.writer(buffer).writerows(csv_rows(found.snapshot))
            name = re.sub(r"[^A-Za-z0-9._-]+", "-", found.roadmap_name).strip("-") or "roadmap"
            return Response(
                buffer.getvalue(),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="{name}-v{version_number}.csv"'
                },
            )
        return {
            **found.snapshot.model_dump(mode="json"),
            "published_by": found.by,
            "roadmap_name": found.roadmap_name,
        }

    @api.get("/diff", response_model=None)
    async def compare(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        request: Request,
        who: ReadPublished,
        from_version: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
        to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000)],
        format: Literal["json", "markdown"] | None = None,
    ) -> Any:
        """What changed between two published versions, as JSON or a Markdown report."""
        older = await version(who, workspace_id, roadmap_id, from_version)
        newer = await version(who, workspace_id, roadmap_id, to_version)
        result = diff(older.snapshot, newer.snapshot)
        wants_markdown = format == "markdown" or (
            format is None and "text/markdown" in request.headers.get("accept", "")
        )
        if wants_markdown:
            return PlainTextResponse(
                render_markdown(result, roadmap_name=newer.roadmap_name),
                media_type="text/markdown; charset=utf-8",
            )
        return {**result.model_dump(mode="json"), "roadmap_name": newer.roadmap_name}

    return api
