"""Read models of the feedback context: the inbox, links, votes and customers.

Personal fields are unsealed here with the customers' keys, fetched once per batch; a
customer erased before or after an item arrived reads as ``[erased]`` either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never, cast
from uuid import UUID

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection
from sextant_kit.registry import parse_ce_type

from sextant_feedback.domain import (
    CustomerErased,
    CustomerProfileUpdated,
    CustomerRegistered,
    FeedbackAbsorbed,
    FeedbackClassified,
    FeedbackLinked,
    FeedbackMerged,
    FeedbackReceived,
    FeedbackReleased,
    FeedbackToldApart,
    FeedbackToldApartWithdrawn,
    FeedbackUnlinked,
    FeedbackUnmerged,
    FeedbackVoted,
    FeedbackVoteWithdrawn,
)
from sextant_feedback.events import registry
from sextant_feedback.privacy import ERASED, unseal

FeedbackFact = (
    FeedbackReceived
    | FeedbackClassified
    | FeedbackVoted
    | FeedbackVoteWithdrawn
    | FeedbackLinked
    | FeedbackUnlinked
    | FeedbackMerged
    | FeedbackAbsorbed
    | FeedbackUnmerged
    | FeedbackReleased
    | FeedbackToldApart
    | FeedbackToldApartWithdrawn
    | CustomerRegistered
    | CustomerProfileUpdated
    | CustomerErased
)


def decode(event: IncomingEvent) -> FeedbackFact:
    _, name, version = parse_ce_type(event.type)
    return cast(FeedbackFact, registry.decode(name, version, event.data))


def _sealed_subject(fact: FeedbackFact) -> UUID | None:
    if isinstance(fact, FeedbackReceived):
        return fact.customer_id if fact.sealed else None
    if isinstance(fact, CustomerRegistered | CustomerProfileUpdated) and fact.contact:
        return fact.customer_id
    return None


async def _keys(conn: Connection, tenant_id: str, subjects: set[UUID]) -> dict[UUID, bytes]:
    if not subjects:
        return {}
    rows = await conn.fetch(
        "SELECT subject_id, key FROM subject_keys"
        " WHERE tenant_id = $1 AND subject_id = ANY($2::uuid[])",
        tenant_id,
        list(subjects),
    )
    return {r["subject_id"]: bytes(r["key"]) for r in rows}


def _personal(keys: dict[UUID, bytes], value: str | None) -> str | None:
    """A personal field's plaintext; nothing at all once its subject was erased."""
    if value is None:
        return None
    plain = unseal(keys, value)
    return None if plain == ERASED else plain


def _people(keys: dict[UUID, bytes], names: list[str]) -> list[str]:
    """Attendees still known: an erased customer's meeting keeps none."""
    return [n for n in (_personal(keys, name) for name in names) if n is not None]


_INSERT_ITEM = """
INSERT INTO feedback_inbox (tenant_id, feedback_id, workspace_id, text, source, external_id,
    customer_ref, customer_id, author, attendees, tags, sentiment, received_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (tenant_id, feedback_id) DO NOTHING
"""


class FeedbackViews:
    """The inbox, links, votes and customers, in one consumer group."""

    name = "feedback_inbox"
    tables: Sequence[str] = ("feedback_inbox", "feedback_links", "feedback_votes", "customers")
    topics: Sequence[str] = (registry.topic,)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        await self.apply_many(conn, [event])

    async def apply_many(self, conn: Connection, events: Sequence[IncomingEvent]) -> None:
        by_tenant: dict[str, list[tuple[IncomingEvent, FeedbackFact]]] = {}
        for event in events:
            by_tenant.setdefault(event.tenant, []).append((event, decode(event)))
        for tenant_id, items in by_tenant.items():
            subjects = {_sealed_subject(f) for _, f in items} - {None}
            keys = await _keys(conn, tenant_id, cast(set[UUID], subjects))
            received: list[tuple[IncomingEvent, FeedbackReceived]] = []
            others: list[FeedbackFact] = []
            for event, fact in items:
                if isinstance(fact, FeedbackReceived):
                    received.append((event, fact))
                else:
                    others.append(fact)
            await self._insert_items(conn, tenant_id, received, keys)
            for fact in others:  # after the inserts: an item's other events follow its receipt
                await self._apply_fact(conn, tenant_id, fact, keys)

    async def _insert_items(
        self,
        conn: Connection,
        tenant_id: str,
        received: list[tuple[IncomingEvent, FeedbackReceived]],
        keys: dict[UUID, bytes],
    ) -> None:
        if not received:
            return
        rows = [
            (
                tenant_id,
                f.feedback_id,
                f.workspace_id,
                unseal(keys, f.text),
                f.source.value,
                f.external_id,
                f.customer_ref,
                f.customer_id,
                _personal(keys, f.author),
                _people(keys, f.attendees),
                f.tags,
                f.sentiment,
                f.received_at,
                e.stream_version or 1,
            )
            for e, f in received
        ]
        await conn.executemany(_INSERT_ITEM, rows)

    async def _apply_fact(
        self, conn: Connection, tenant: str, fact: FeedbackFact, keys: dict[UUID, bytes]
    ) -> None:
        match fact:
            case FeedbackReceived():
                raise AssertionError("inserted in bulk")
            case FeedbackClassified():
                await conn.execute(
                    "UPDATE feedback_inbox SET"
                    " tags = ARRAY(SELECT DISTINCT t FROM unnest(tags || $3::text[]) t"
                    "   WHERE t <> ALL($4::text[]) ORDER BY t),"
                    " themes = ARRAY(SELECT DISTINCT t FROM unnest(themes || $5::text[]) t"
                    "   WHERE t <> ALL($6::text[]) ORDER BY t), updated_at = now()"
                    " WHERE tenant_id = $1 AND feedback_id = $2",
                    tenant,
                    fact.feedback_id,
                    fact.tags_added,
                    fact.tags_removed,
                    fact.themes_added,
                    fact.themes_removed,
                )
            case FeedbackVoted():
                await self._vote(
                    conn, tenant, fact.feedback_id, [fact.vote.voter], [fact.vote.customer_id]
                )
            case FeedbackVoteWithdrawn():
                await conn.execute(
                    "DELETE FROM feedback_votes"
                    " WHERE tenant_id = $1 AND feedback_id = $2 AND voter = $3",
                    tenant,
                    fact.feedback_id,
                    fact.voter,
                )
                await self._count_votes(conn, tenant, fact.feedback_id)
            case FeedbackAbsorbed():
                await self._vote(
                    conn,
                    tenant,
                    fact.feedback_id,
                    [v.voter for v in fact.votes],
                    [v.customer_id for v in fact.votes],
                )
            case FeedbackLinked():
                await conn.execute(
                    "INSERT INTO feedback_links (tenant_id, feedback_id, workspace_id,"
                    " target_type, target_id, linked_at) VALUES ($1, $2, $3, $4, $5, $6)"
                    " ON CONFLICT DO NOTHING",
                    tenant,
                    fact.feedback_id,
                    fact.workspace_id,
                    fact.target_type.value,
                    fact.target_id,
                    fact.linked_at,
                )
                await self._count_links(conn, tenant, fact.feedback_id)
            case FeedbackUnlinked():
                await conn.execute(
                    "DELETE FROM feedback_links WHERE tenant_id = $1 AND feedback_id = $2"
                    " AND target_type = $3 AND target_id = $4",
                    tenant,
                    fact.feedback_id,
                    fact.target_type.value,
                    fact.target_id,
                )
                await self._count_links(conn, tenant, fact.feedback_id)
            case FeedbackMerged() | FeedbackUnmerged():
                await conn.execute(
                    "UPDATE feedback_inbox SET merged_into = $3, updated_at = now()"
                    " WHERE tenant_id = $1 AND feedback_id = $2",
                    tenant,
                    fact.feedback_id,
                    fact.into_id if isinstance(fact, FeedbackMerged) else None,
                )
            case FeedbackReleased():
                pass  # what it gave back left as the withdrawals and unlinks before it
            case FeedbackToldApart():
                await conn.execute(
                    "UPDATE feedback_inbox SET told_apart = array_append(told_apart, $3),"
                    " updated_at = now() WHERE tenant_id = $1 AND feedback_id = $2"
                    " AND NOT $3 = ANY(told_apart)",
                    tenant,
                    fact.feedback_id,
                    fact.other_id,
                )
            case FeedbackToldApartWithdrawn():
                await conn.execute(
                    "UPDATE feedback_inbox SET told_apart = array_remove(told_apart, $3),"
                    " updated_at = now() WHERE tenant_id = $1 AND feedback_id = $2",
                    tenant,
                    fact.feedback_id,
                    fact.other_id,
                )
            case CustomerRegistered() | CustomerProfileUpdated():
                ref = fact.ref if isinstance(fact, CustomerRegistered) else None
                await conn.execute(
                    "INSERT INTO customers (tenant_id, customer_id, ref, name, segment, plan,"
                    " annual_revenue, contact)"
                    " VALUES ($1, $2, coalesce($3, ''), $4, $5, $6, $7, $8)"
                    " ON CONFLICT (tenant_id, customer_id) DO UPDATE SET name = excluded.name,"
                    " segment = excluded.segment, plan = excluded.plan,"
                    " annual_revenue = excluded.annual_revenue, contact = excluded.contact,"
                    " ref = CASE WHEN $3 IS NULL THEN customers.ref ELSE excluded.ref END,"
                    " updated_at = now() WHERE NOT customers.erased",
                    tenant,
                    fact.customer_id,
                    ref,
                    fact.name,
                    fact.segment,
                    fact.plan,
                    fact.annual_revenue,
                    unseal(keys, fact.contact) if fact.contact else None,
                )
            case CustomerErased():
                await conn.execute(
                    "UPDATE customers SET contact = NULL, erased = true, updated_at = now()"
                    " WHERE tenant_id = $1 AND customer_id = $2",
                    tenant,
                    fact.customer_id,
                )
                await conn.execute(
                    "UPDATE feedback_inbox SET text = $3, author = NULL, attendees = '{}',"
                    " updated_at = now() WHERE tenant_id = $1 AND customer_id = $2",
                    tenant,
                    fact.customer_id,
                    ERASED,
                )
            case _:
                assert_never(fact)

    async def _vote(
        self,
        conn: Connection,
        tenant: str,
        item: UUID,
        voters: list[str],
        customers: list[UUID | None],
    ) -> None:
        await conn.execute(
            "INSERT INTO feedback_votes (tenant_id, feedback_id, voter, customer_id)"
            " SELECT $1, $2, v, c FROM unnest($3::text[], $4::uuid[]) AS x(v, c)"
            " ON CONFLICT DO NOTHING",
            tenant,
            item,
            voters,
            customers,
        )
        await self._count_votes(conn, tenant, item)

    async def _count_votes(self, conn: Connection, tenant: str, item: UUID) -> None:
        await conn.execute(
            "UPDATE feedback_inbox SET votes = (SELECT count(*) FROM feedback_votes"
            " WHERE tenant_id = $1 AND feedback_id = $2), updated_at = now()"
            " WHERE tenant_id = $1 AND feedback_id = $2",
            tenant,
            item,
        )

    async def _count_links(self, conn: Connection, tenant: str, item: UUID) -> None:
        await conn.execute(
            "UPDATE feedback_inbox SET links = (SELECT count(*) FROM feedback_links"
            " WHERE tenant_id = $1 AND feedback_id = $2), updated_at = now()"
            " WHERE tenant_id = $1 AND feedback_id = $2",
            tenant,
            item,
        )
