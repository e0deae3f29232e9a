"""Strategies in review, their comments, and the approved versions as immutable snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never, get_args

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_strategy.domain.review import (
    ReviewStatus,
    StrategyApproved,
    StrategyChangesRequested,
    StrategyCommented,
    StrategyDrafted,
    StrategyEvent,
    StrategyRevised,
    StrategySubmittedForReview,
)
from sextant_strategy.events import registry
from sextant_strategy.projections.decoding import decode

_MINE = get_args(StrategyEvent)
_SET_STATUS = (
    "UPDATE strategy_reviews SET status = $3, stream_version = greatest(stream_version, $4)"
    " WHERE tenant_id = $1 AND strategy_id = $2"
)
_COMMENT = (
    "INSERT INTO strategy_review_comments (tenant_id, event_id, strategy_id, version, kind,"
    " author, text, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"
)


class StrategyReviews:
    name = "strategy_reviews"
    tables: Sequence[str] = (
        "strategy_reviews",
        "strategy_review_comments",
        "strategy_approved_versions",
    )
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of(_MINE))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, _MINE):
            return  # another aggregate's event: other read models handle it
        tenant = event.tenant
        sv = event.stream_version or 0
        match fact:
            case StrategyDrafted():
                await conn.execute(
                    "INSERT INTO strategy_reviews (tenant_id, strategy_id, workspace_id, title,"
                    " period_label, period_start, period_end, objective_ids, concept_id,"
                    " current_version, status, drafted_at, stream_version)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12)"
                    " ON CONFLICT DO NOTHING",
                    tenant,
                    fact.strategy_id,
                    fact.workspace_id,
                    fact.title,
                    fact.period.label,
                    fact.period.start,
                    fact.period.end,
                    list(fact.objective_ids),
                    fact.concept_id,
                    ReviewStatus.DRAFT.value,
                    fact.drafted_at,
                    sv,
                )
            case StrategyRevised():
                await conn.execute(
                    "UPDATE strategy_reviews SET title = $3, period_label = $4, period_start = $5,"
                    " period_end = $6, objective_ids = $7, concept_id = $8, current_version = $9,"
                    " status = 'draft', stream_version = greatest(stream_version, $10)"
                    " WHERE tenant_id = $1 AND strategy_id = $2",
                    tenant,
                    fact.strategy_id,
                    fact.title,
                    fact.period.label,
                    fact.period.start,
                    fact.period.end,
                    list(fact.objective_ids),
                    fact.concept_id,
                    fact.version,
                    sv,
                )
            case StrategySubmittedForReview():
                await conn.execute(
                    "UPDATE strategy_reviews SET status = 'in_review', reviewers = $3,"
                    " stream_version = greatest(stream_version, $4)"
                    " WHERE tenant_id = $1 AND strategy_id = $2",
                    tenant,
                    fact.strategy_id,
                    list(fact.reviewers),
                    sv,
                )
            case StrategyCommented():
                await conn.execute(
                    _COMMENT,
                    *(tenant, event.id, fact.strategy_id, fact.version, "comment"),
                    *(fact.author, fact.text, fact.commented_at),
                )
                await conn.execute(
                    "UPDATE strategy_reviews SET stream_version = greatest(stream_version, $3)"
                    " WHERE tenant_id = $1 AND strategy_id = $2",
                    tenant,
                    fact.strategy_id,
                    sv,
                )
            case StrategyChangesRequested():
                await conn.execute(
                    _COMMENT,
                    *(tenant, event.id, fact.strategy_id, fact.version, "changes_requested"),
                    *(fact.reviewer, fact.comment, fact.requested_at),
                )
                await conn.execute(_SET_STATUS, tenant, fact.strategy_id, "changes_requested", sv)
            case StrategyApproved():
                await _approved(conn, tenant, event, fact, sv)
            case _:
                assert_never(fact)


async def _approved(
    conn: Connection, tenant: str, event: IncomingEvent, fact: StrategyApproved, sv: int
) -> None:
    await conn.execute(
        _COMMENT,
        *(tenant, event.id, fact.strategy_id, fact.version, "approval"),
        *(fact.approved_by, fact.comment, fact.approved_at),
    )
    await conn.execute(_SET_STATUS, tenant, fact.strategy_id, "approved", sv)
    await conn.execute(
        "INSERT INTO strategy_approved_versions (tenant_id, strategy_id, version, workspace_id,"
        " approved_by, approved_at, snapshot)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT DO NOTHING",
        tenant,
        fact.strategy_id,
        fact.version,
        event.metadata().workspace_id,
        fact.approved_by,
        fact.approved_at,
        fact.snapshot.model_dump_json(),
    )
