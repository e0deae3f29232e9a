"""Traceability both ways: objective -> roadmap items -> opportunities -> feedback, and
feedback, a customer's feedback or an opportunity -> roadmap items -> objectives.

Each answer is the chain as flat lists whose rows name each other by id (an item's
``objective_ids`` and ``opportunity_ids``, a feedback item's ``linked_to``), so a client
can draw the graph; a reference to something not yet seen on its topic stays a bare id.

Which items serve some objectives or pursue some opportunities, and which opportunities
some problems back, is asked of the owner's functions (``sql/004_overlaps_under_row_
security.sql``): row-level security keeps the reader's own array overlaps from their
indexes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sextant_feedback.domain.channels import CustomerRef
from sextant_feedback.domain.identity import customer_id_for
from sextant_kit import NotFound
from sextant_kit.database import Connection
from sextant_kit.service import Runtime
from sextant_strategy.domain.progress import status_today

from sextant_query.api.common import (
    ItemLimit,
    Reader,
    assessed_today,
    in_scope,
    jsonable,
    scope,
)
from sextant_query.api.evidence import evidence, linked_feedback, problem_targets
from sextant_query.api.sql import (
    ALIGNED_ABOVE,
    ALIGNED_BELOW,
    EXPERIMENT_COLUMNS,
    FEEDBACK_COLUMNS,
    ITEM_COLUMNS,
    ITEMS_FROM,
    MERGED_ABOVE,
    OBJECTIVE_COLUMNS,
    OPPORTUNITY_COLUMNS,
    PROBLEM_COLUMNS,
)

FeedbackLimit = Annotated[int, Query(ge=1, le=500)]


def _ids(rows: Sequence[dict[str, Any]], column: str) -> list[str]:
    return sorted({i for row in rows for i in row[column]})


async def _opportunities(
    conn: Connection, tenant: str, workspaces: list[str] | None, where: str, *args: Any
) -> list[dict[str, Any]]:
    """Opportunities matching ``where`` (parameters from $3), each with its evidence."""
    rows = await conn.fetch(
        f"SELECT {OPPORTUNITY_COLUMNS} FROM query_opportunities q WHERE q.tenant_id = $1"
        f" AND {in_scope('q', 2)} AND ({where}) ORDER BY q.opened_at, q.opportunity_id",
        tenant,
        workspaces,
        *args,
    )
    found = [jsonable(r) for r in rows]
    backing = await evidence(conn, tenant, workspaces, [o["opportunity_id"] for o in found])
    for opportunity in found:
        opportunity["evidence"] = backing[opportunity["opportunity_id"]]
    return found


async def _upward(
    conn: Connection,
    tenant: str,
    workspaces: list[str] | None,
    opportunity_ids: list[str],
    item_ids: list[str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The roadmap items named or serving ``opportunity_ids``, the objectives they serve, and
    the objectives those are aligned to (their parent's, and so on up)."""
    items = [
        jsonable(r)
        for r in await conn.fetch(
            f"SELECT {ITEM_COLUMNS} FROM {ITEMS_FROM} WHERE i.tenant_id = $1"
            f" AND {in_scope('i', 2)}"
            " AND (i.item_id = ANY($3::text[])"
            "  OR i.item_id IN (SELECT item_id FROM query_items_pursuing($4::text[])))"
            " ORDER BY i.added_at, i.item_id",
            tenant,
            workspaces,
            item_ids,
            opportunity_ids,
        )
    ]
    objectives = await conn.fetch(
        ALIGNED_ABOVE + f"SELECT DISTINCT {OBJECTIVE_COLUMNS} FROM tree t"
        " JOIN query_objectives o ON o.tenant_id = $1 AND o.objective_id = t.objective_id"
        f" WHERE {in_scope('o', 3)} ORDER BY o.set_at, o.objective_id",
        tenant,
        _ids(items, "objective_ids"),
        workspaces,
    )
    return items, await assessed_today(conn, tenant, objectives)


async def _backed_by(
    conn: Connection, tenant: str, workspaces: list[str] | None, feedback_ids: list[str]
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Up from some feedback items: their links, and what they back: the problems they are
    linked to, the opportunities they back (directly or through a problem, or a problem
    it was merged into), the roadmap items pursuing those or linked to them, and the
    objectives those serve."""
    links = [
        jsonable(r)
        for r in await conn.fetch(
            "SELECT feedback_id, target_type, target_id, linked_at FROM query_feedback_links"
            " WHERE tenant_id = $1 AND feedback_id = ANY($2::text[])"
            " ORDER BY linked_at, target_id",
            tenant,
            feedback_ids,
        )
    ]

    def linked(kind: str) -> list[str]:
        return sorted({link["target_id"] for link in links if link["target_type"] == kind})

    problems = [
        jsonable(r)
        for r in await conn.fetch(
            f"SELECT {PROBLEM_COLUMNS} FROM query_problems p WHERE p.tenant_id = $1"
            f" AND {in_scope('p', 2)} AND p.problem_id = ANY($3::text[])"
            " ORDER BY p.identified_at, p.problem_id",
            tenant,
            workspaces,
            linked("problem"),
        )
    ]
    # A merged problem's evidence counts for the problem it was merged into, and so on
    kept = await conn.fetch(MERGED_ABOVE + "SELECT problem_id FROM kept", tenant, linked("problem"))
    backed = sorted(r["problem_id"] for r in kept)
    opportunities = await _opportunities(
        conn,
        tenant,
        workspaces,
        "q.opportunity_id = ANY($3::text[]) OR q.opportunity_id IN"
        " (SELECT opportunity_id FROM query_opportunities_backed_by($4::text[]))",
        linked("opportunity"),
        backed,
    )
    items, objectives = await _upward(
        conn,
        tenant,
        workspaces,
        sorted({*linked("opportunity"), *(o["opportunity_id"] for o in opportunities)}),
        linked("roadmap_item"),
    )
    return links, {
        "problems": problems,
        "opportunities": opportunities,
        "roadmap_items": items,
        "objectives": objectives,
    }


def trace_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/query", tags=["traceability"])

    @api.get("/objectives/{objective_id}/trace")
    async def objective_trace(
        objective_id: uuid.UUID,
        who: Reader,
        feedback_limit: FeedbackLimit = 100,
        item_limit: ItemLimit = 100,
    ) -> dict[str, Any]:
        """Down from an objective: the objectives aligned below it (its cascade), the
        roadmap items serving any of them (the first ``item_limit``; ``roadmap_items_total``
        counts them all), the opportunities they pursue (with evidence), and the feedback
        behind the items and opportunities."""
        tenant, workspaces, oid = who.tenant_id, scope(who), str(objective_id)
        async with rt.reads.connection(tenant) as conn:
            row = await conn.fetchrow(
                f"SELECT {OBJECTIVE_COLUMNS} FROM query_objectives o WHERE o.tenant_id = $1"
                f" AND o.objective_id = $2 AND {in_scope('o', 3)}",
                tenant,
                oid,
                workspaces,
            )
            if row is None:
                raise NotFound(f"objective {oid} not found")
            key_results = await conn.fetch(
                "SELECT key_result_id, title, progress, status, confidence, checked_in_at"
                " FROM query_key_results WHERE tenant_id = $1 AND objective_id = $2"
                " ORDER BY key_result_id",
                tenant,
                oid,
            )
            krs_today, objective_today = status_today(
                [(k["progress"] or 0.0, k["confidence"]) for k in key_results],
                row["period_start"],
                row["period_end"],
                datetime.now(UTC),
                row["closed_at"],
            )
            below = await conn.fetch(
                ALIGNED_BELOW + f"SELECT DISTINCT {OBJECTIVE_COLUMNS} FROM tree t"
                " JOIN query_objectives o"
                "   ON o.tenant_id = $1 AND o.objective_id = t.objective_id"
                " WHERE t.objective_id <> ALL($2::text[])"
                " ORDER BY o.set_at, o.objective_id",
                tenant,
                [oid],
                workspaces,
            )
            aligned = await assessed_today(conn, tenant, below)
            served = [oid, *(o["objective_id"] for o in aligned)]
            items = [
                jsonable(r)
                for r in await conn.fetch(
                    f"SELECT {ITEM_COLUMNS} FROM {ITEMS_FROM} WHERE i.tenant_id = $1"
                    " AND i.item_id IN (SELECT item_id FROM query_items_serving($2::text[]))"
                    f" AND {in_scope('i', 3)}"
                    " ORDER BY i.added_at, i.item_id",
                    tenant,
                    served,
                    workspaces,
                )
            ]
            opportunities = await _opportunities(
                conn,
                tenant,
                workspaces,
                "q.opportunity_id = ANY($3::text[])",
                _ids(items, "opportunity_ids"),
            )
            problems = await problem_targets(conn, tenant, _ids(opportunities, "problem_ids"))
            targets = [
                *(("roadmap_item", i["item_id"]) for i in items),
                *(("opportunity", o) for o in _ids(items, "opportunity_ids")),
                *(("problem", p) for p in problems),
            ]
            feedback = await linked_feedback(conn, tenant, workspaces, targets, feedback_limit)
        return {
            "objective": {
                **jsonable(row),
                "status_today": objective_today,
                "key_results": [
                    {**jsonable(k), "status_today": today}
                    for k, today in zip(key_results, krs_today, strict=True)
                ],
            },
            "aligned_objectives": aligned,
            "roadmap_items": items[:item_limit],
            "roadmap_items_total": len(items),
            "opportunities": opportunities,
            "feedback": feedback,
        }

    @api.get("/opportunities/{opportunity_id}/trace")
    async def opportunity_trace(
        opportunity_id: uuid.UUID, who: Reader, feedback_limit: FeedbackLimit = 100
    ) -> dict[str, Any]:
        """Both ways from an opportunity: down to its problems, experiments and feedback,
        up to the roadmap items pursuing it and the objectives those serve."""
        tenant, workspaces, oid = who.tenant_id, scope(who), str(opportunity_id)
        async with rt.reads.connection(tenant) as conn:
            found = await _opportunities(conn, tenant, workspaces, "q.opportunity_id = $3", oid)
            if not found:
                raise NotFound(f"opportunity {oid} not found")
            problem_ids = await problem_targets(conn, tenant, found[0]["problem_ids"])
            problems = await conn.fetch(
                f"SELECT {PROBLEM_COLUMNS} FROM query_problems p WHERE p.tenant_id = $1"
                " AND p.problem_id = ANY($2::text[]) ORDER BY p.identified_at, p.problem_id",
                tenant,
                problem_ids,
            )
            experiments = await conn.fetch(
                f"SELECT {EXPERIMENT_COLUMNS} FROM query_experiments e"
                " WHERE e.tenant_id = $1 AND e.opportunity_id = $2"
                " ORDER BY e.designed_at, e.experiment_id",
                tenant,
                oid,
            )
            targets = [("opportunity", oid), *(("problem", p) for p in problem_ids)]
            feedback = await linked_feedback(conn, tenant, workspaces, targets, feedback_limit)
            items, objectives = await _upward(conn, tenant, workspaces, [oid], [])
        return {
            "opportunity": found[0],
            "problems": [jsonable(p) for p in problems],
            "experiments": [jsonable(e) for e in experiments],
            "feedback": feedback,
            "roadmap_items": items,
            "objectives": objectives,
        }

    @api.get("/feedback/{feedback_id}/trace")
    async def feedback_trace(feedback_id: uuid.UUID, who: Reader) -> dict[str, Any]:
        """Up from a feedback item: what it is linked to, the opportunities it backs
        (directly or through a problem), the roadmap items pursuing them or linked to it,
        and the objectives those serve."""
        tenant, workspaces, fid = who.tenant_id, scope(who), str(feedback_id)
        async with rt.reads.connection(tenant) as conn:
            row = await conn.fetchrow(
                f"SELECT {FEEDBACK_COLUMNS} FROM query_feedback f WHERE f.tenant_id = $1"
                f" AND f.feedback_id = $2 AND {in_scope('f', 3)}",
                tenant,
                fid,
                workspaces,
            )
            if row is None:
                raise NotFound(f"feedback {fid} not found")
            links, found = await _backed_by(conn, tenant, workspaces, [fid])
        for link in links:
            del link["feedback_id"]  # this one's
        return {"feedback": {**jsonable(row), "links": links}, **found}

    @api.get("/customers/{ref:path}/trace")
    async def customer_trace(
        ref: CustomerRef, who: Reader, feedback_limit: FeedbackLimit = 100
    ) -> dict[str, Any]:
        """What a customer account asks for, as sales and account teams ask it: the feedback
        it gave and that voted for on its behalf (newest first, ``feedback_limit`` of them;
        ``feedback_total`` counts them all; a duplicate merged away counts where it went),
        what that feedback is linked to, the opportunities it backs, the roadmap items
        pursuing them or linked to it (with their status and timing), and the objectives
        those serve. Narrowed to the workspaces the caller reads."""
        tenant, workspaces = who.tenant_id, scope(who)
        customer = str(customer_id_for(tenant, ref))
        async with rt.reads.connection(tenant) as conn:
            account = await conn.fetchrow(
                "SELECT segment, annual_revenue FROM query_customers"
                " WHERE tenant_id = $1 AND customer_id = $2",
                tenant,
                customer,
            )
            asked = (
                f"SELECT {FEEDBACK_COLUMNS}, f.customer_id = $2 AS own FROM query_feedback f"
                f" WHERE f.tenant_id = $1 AND f.merged_into IS NULL AND {in_scope('f', 3)}"
                # a union, not an OR, so each side is found by its customer index (an OR
                # read all 1.2 million items of the development inbox: 192 against 1.5 ms)
                " AND f.feedback_id IN (SELECT feedback_id FROM query_feedback"
                "  WHERE tenant_id = $1 AND customer_id = $2 UNION SELECT feedback_id"
                "  FROM query_feedback_votes WHERE tenant_id = $1 AND customer_id = $2)"
            )
            rows = await conn.fetch(asked, tenant, customer, workspaces)
            if account is None and not rows:
                raise NotFound(f"no customer {ref!r} has given feedback here")
            rows = sorted(rows, key=lambda r: (r["received_at"], r["feedback_id"]), reverse=True)
            ids = [r["feedback_id"] for r in rows]
            links, found = await _backed_by(conn, tenant, workspaces, ids)
        linked_to: dict[str, list[dict[str, Any]]] = {}
        for link in links:
            linked_to.setdefault(link.pop("feedback_id"), []).append(link)
        return {
            "customer": {
                "ref": ref,
                "customer_id": customer,
                "segment": account["segment"] if account else None,
                "annual_revenue": str(account["annual_revenue"]) if account else None,
            },
            "feedback_total": len(rows),
            "feedback": [
                {**jsonable(r), "links": linked_to.get(r["feedback_id"], [])}
                for r in rows[:feedback_limit]
            ],
            **found,
        }

    return api
