"""Opportunities with their evidence: problems, experiments, and the feedback behind them."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from sextant_discovery.domain.opportunity import OpportunityStatus
from sextant_kit import NotFound
from sextant_kit.service import Runtime

from sextant_query.api.common import Cursor, Limit, Reader, WorkspaceId, after, jsonable, page
from sextant_query.api.common import scope as scope_of
from sextant_query.api.evidence import evidence, problem_targets
from sextant_query.api.sql import EXPERIMENT_COLUMNS, OPPORTUNITY_COLUMNS, PROBLEM_COLUMNS


def opportunities_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/query/workspaces/{workspace_id}", tags=["opportunities"])

    @api.get("/opportunities")
    async def opportunities(
        workspace_id: WorkspaceId,
        who: Reader,
        status: OpportunityStatus | None = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The workspace's opportunities by when they were opened, each with its evidence
        (see ``evidence``) and how many problems and experiments it has."""
        at, key = after(cursor)
        tenant = who.tenant_id
        async with rt.reads.connection(tenant) as conn:
            rows = await conn.fetch(
                f"SELECT {OPPORTUNITY_COLUMNS},"
                " (SELECT count(*) FROM query_experiments e WHERE e.tenant_id = q.tenant_id"
                "   AND e.opportunity_id = q.opportunity_id) AS experiments"
                " FROM query_opportunities q WHERE q.tenant_id = $1 AND q.workspace_id = $2"
                " AND ($3::text IS NULL OR q.status = $3)"
                " AND ($4::timestamptz IS NULL OR (q.opened_at, q.opportunity_id) > ($4, $5))"
                " ORDER BY q.opened_at, q.opportunity_id LIMIT $6",
                who.tenant_id,
                workspace_id,
                status.value if status else None,
                at,
                key,
                limit + 1,
            )
            found = [jsonable(r) for r in rows]
            backing = await evidence(
                conn, tenant, scope_of(who), [o["opportunity_id"] for o in found[:limit]]
            )
        for opportunity in found:
            opportunity["evidence"] = backing.get(opportunity["opportunity_id"])
        return page(found, limit, "opened_at", "opportunity_id")

    @api.get("/opportunities/{opportunity_id}")
    async def opportunity(
        workspace_id: WorkspaceId, opportunity_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        """One opportunity with its problems, its experiments and their outcomes, and the
        feedback behind it: items, votes, customers and revenue-weighted demand."""
        tenant, oid = who.tenant_id, str(opportunity_id)
        async with rt.reads.connection(tenant) as conn:
            row = await conn.fetchrow(
                f"SELECT {OPPORTUNITY_COLUMNS} FROM query_opportunities q"
                " WHERE q.tenant_id = $1 AND q.workspace_id = $2 AND q.opportunity_id = $3",
                tenant,
                workspace_id,
                oid,
            )
            if row is None:
                raise NotFound(f"opportunity {oid} not found in workspace {workspace_id}")
            found = jsonable(row)
            problems = await conn.fetch(
                f"SELECT {PROBLEM_COLUMNS} FROM query_problems p WHERE p.tenant_id = $1"
                " AND p.problem_id = ANY($2::text[]) ORDER BY p.identified_at, p.problem_id",
                tenant,
                await problem_targets(conn, tenant, found["problem_ids"]),
            )
            experiments = await conn.fetch(
                f"SELECT {EXPERIMENT_COLUMNS} FROM query_experiments e"
                " WHERE e.tenant_id = $1 AND e.opportunity_id = $2"
                " ORDER BY e.designed_at, e.experiment_id",
                tenant,
                oid,
            )
            backing = await evidence(conn, tenant, scope_of(who), [oid])
        return {
            **found,
            "problems": [jsonable(p) for p in problems],
            "experiments": [jsonable(e) for e in experiments],
            "evidence": backing[oid],
        }

    return api
