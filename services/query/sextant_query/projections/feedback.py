"""Feedback as evidence: items, their tags and themes, what they are linked to, votes,
and customers' revenue.

Only what the evidence views and the organisation's trends count is kept: no text, author
or contact (see the SQL). ``CustomerErased`` is passed over for that reason: an erased
customer's revenue is an account figure, not personal data.
``FeedbackReleased`` is too: what an item gave back with a duplicate left as the vote
withdrawals and unlinks just before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from sextant_feedback.domain import (
    CustomerProfileUpdated,
    CustomerRegistered,
    FeedbackAbsorbed,
    FeedbackClassified,
    FeedbackLinked,
    FeedbackMerged,
    FeedbackReceived,
    FeedbackUnlinked,
    FeedbackUnmerged,
    FeedbackVoted,
    FeedbackVoteWithdrawn,
    Vote,
)
from sextant_feedback.events import registry
from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_query.projections.selection import Consumes

FeedbackFact = (
    FeedbackReceived
    | FeedbackClassified
    | FeedbackVoted
    | FeedbackVoteWithdrawn
    | FeedbackAbsorbed
    | FeedbackLinked
    | FeedbackUnlinked
    | FeedbackMerged
    | FeedbackUnmerged
    | CustomerRegistered
    | CustomerProfileUpdated
)
FEEDBACK = Consumes[FeedbackFact](
    registry,
    (
        FeedbackReceived,
        FeedbackClassified,
        FeedbackVoted,
        FeedbackVoteWithdrawn,
        FeedbackAbsorbed,
        FeedbackLinked,
        FeedbackUnlinked,
        FeedbackMerged,
        FeedbackUnmerged,
        CustomerRegistered,
        CustomerProfileUpdated,
    ),
)


class FeedbackEvidence:
    name = "query_feedback"
    tables: Sequence[str] = (
        "query_feedback",
        "query_feedback_links",
        "query_feedback_votes",
        "query_customers",
    )
    topics: Sequence[str] = (FEEDBACK.topic,)

    consumes = staticmethod(FEEDBACK.consumes)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        await self.apply_many(conn, [event])

    async def apply_many(self, conn: Connection, events: Sequence[IncomingEvent]) -> None:
        """Items received are written in one statement, then the batch's other facts in
        order (an item's other events follow its receipt)."""
        received: list[tuple[str, FeedbackReceived]] = []
        others: list[tuple[str, FeedbackFact]] = []
        for event in events:
            fact = FEEDBACK.decode(event)
            if isinstance(fact, FeedbackReceived):
                received.append((event.tenant, fact))
            elif fact is not None:
                others.append((event.tenant, fact))
        if received:
            await conn.executemany(
                "INSERT INTO query_feedback (tenant_id, feedback_id, workspace_id, source,"
                " customer_id, received_at, tags) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (tenant_id, feedback_id) DO UPDATE SET"
                " workspace_id = excluded.workspace_id, source = excluded.source,"
                # the tags of a receipt met again stay as classified since
                " customer_id = excluded.customer_id, received_at = excluded.received_at",
                [
                    (
                        tenant,
                        str(f.feedback_id),
                        f.workspace_id,
                        f.source.value,
                        str(f.customer_id) if f.customer_id else None,
                        f.received_at,
                        f.tags,
                    )
                    for tenant, f in received
                ],
            )
        for tenant, fact in others:
            await _apply_fact(conn, tenant, fact)


async def _apply_fact(conn: Connection, tenant: str, fact: FeedbackFact) -> None:
    match fact:
        case FeedbackReceived():
            raise AssertionError("inserted in bulk")
        case FeedbackClassified():
            await conn.execute(
                "UPDATE query_feedback SET"
                " tags = ARRAY(SELECT DISTINCT t FROM unnest(tags || $3::text[]) t"
                "   WHERE t <> ALL($4::text[]) ORDER BY t),"
                " themes = ARRAY(SELECT DISTINCT t FROM unnest(themes || $5::text[]) t"
                "   WHERE t <> ALL($6::text[]) ORDER BY t)"
                " WHERE tenant_id = $1 AND feedback_id = $2",
                tenant,
                str(fact.feedback_id),
                fact.tags_added,
                fact.tags_removed,
                fact.themes_added,
                fact.themes_removed,
            )
        case FeedbackVoted():
            await _vote(conn, tenant, str(fact.feedback_id), [fact.vote])
        case FeedbackVoteWithdrawn():
            await conn.execute(
                "DELETE FROM query_feedback_votes"
                " WHERE tenant_id = $1 AND feedback_id = $2 AND voter = $3",
                tenant,
                str(fact.feedback_id),
                fact.voter,
            )
            await _count_votes(conn, tenant, str(fact.feedback_id))
        case FeedbackAbsorbed():
            await _vote(conn, tenant, str(fact.feedback_id), fact.votes)
        case FeedbackLinked():
            await conn.execute(
                "INSERT INTO query_feedback_links (tenant_id, feedback_id, workspace_id,"
                " target_type, target_id, linked_at) VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT DO NOTHING",
                tenant,
                str(fact.feedback_id),
                fact.workspace_id,
                fact.target_type.value,
                fact.target_id,
                fact.linked_at,
            )
        case FeedbackUnlinked():
            await conn.execute(
                "DELETE FROM query_feedback_links WHERE tenant_id = $1 AND feedback_id = $2"
                " AND target_type = $3 AND target_id = $4",
                tenant,
                str(fact.feedback_id),
                fact.target_type.value,
                fact.target_id,
            )
        case FeedbackMerged() | FeedbackUnmerged():
            await conn.execute(
                "UPDATE query_feedback SET merged_into = $3"
                " WHERE tenant_id = $1 AND feedback_id = $2",
                tenant,
                str(fact.feedback_id),
                str(fact.into_id) if isinstance(fact, FeedbackMerged) else None,
            )
        case CustomerRegistered() | CustomerProfileUpdated():
            await conn.execute(
                "INSERT INTO query_customers (tenant_id, customer_id, segment, annual_revenue)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, customer_id) DO UPDATE SET"
                " segment = excluded.segment, annual_revenue = excluded.annual_revenue",
                tenant,
                str(fact.customer_id),
                fact.segment,
                fact.annual_revenue,
            )
        case _:
            assert_never(fact)


async def _vote(conn: Connection, tenant: str, feedback_id: str, votes: Sequence[Vote]) -> None:
    await conn.execute(
        "INSERT INTO query_feedback_votes (tenant_id, feedback_id, voter, customer_id)"
        " SELECT $1, $2, v, c FROM unnest($3::text[], $4::text[]) AS x(v, c)"
        " ON CONFLICT DO NOTHING",
        tenant,
        feedback_id,
        [v.voter for v in votes],
        [str(v.customer_id) if v.customer_id else None for v in votes],
    )
    await _count_votes(conn, tenant, feedback_id)


async def _count_votes(conn: Connection, tenant: str, feedback_id: str) -> None:
    await conn.execute(
        "UPDATE query_feedback SET votes = (SELECT count(*) FROM query_feedback_votes"
        " WHERE tenant_id = $1 AND feedback_id = $2) WHERE tenant_id = $1 AND feedback_id = $2",
        tenant,
        feedback_id,
    )
