"""Read-your-writes: a query that passes a command's consistency token waits for it.

Every command answer carries ``consistency_token`` = ``<context>:<position>``, the store
position of the last event the command wrote. A read sent with the header
``X-Sextant-Consistency-Token`` waits (bounded, ``SEXTANT_CONSISTENCY_WAIT_SECONDS``, 2 s
by default) until every projection of the service that consumes that context's topic has
applied every event the command's transaction wrote that it consumes — a batch import's
thousand items as much as a single edit — and then answers. If the projections have not
caught up in time the answer is 503 with ``Retry-After``, never a stale page presented as
fresh.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import asyncpg
from fastapi import Header, Request

from sextant_kit.errors import DomainError
from sextant_kit.registry import EventRegistry

HEADER = "X-Sextant-Consistency-Token"
_TOKEN = re.compile(r"^(?P<context>[a-z][a-z0-9_-]{0,39}):(?P<position>[1-9][0-9]{0,18})$")
_POLL_SECONDS = 0.02

_PROGRESS = """
WITH written AS (
    SELECT event_id, event_type, schema_version, recorded_at FROM events
    WHERE transaction_id = (SELECT transaction_id FROM events WHERE position = $1)
)
SELECT w.event_type, w.schema_version, p.projection,
       count(*) AS events, count(a.event_id) AS applied,
       max(w.recorded_at) < now() - $3::interval AS forgotten
FROM written w
CROSS JOIN unnest($2::text[]) AS p(projection)
LEFT JOIN projection_applied_events a ON a.projection = p.projection AND a.event_id = w.event_id
GROUP BY w.event_type, w.schema_version, p.projection
"""
"""Per event type the transaction wrote and per projection: its events, how many of them
the projection applied, and whether they are older than the applied ids are kept."""


def token_for(context: str, positions: Sequence[int]) -> str | None:
    """The token of a command that wrote ``positions`` (None when it wrote nothing)."""
    return f"{context}:{max(positions)}" if positions else None


class ConsistencyTimeout(DomainError):
    status = 503
    retry_after = 1

    def __init__(self, token: str, waited: float) -> None:
        super().__init__(
            f"the read models have not yet applied {token} after {waited:.1f} s;"
            " retry the query with the same token",
            code="consistency-timeout",
        )


@dataclass(frozen=True)
class Token:
    context: str
    position: int

    @classmethod
    def parse(cls, raw: str) -> Token:
        found = _TOKEN.match(raw)
        if found is None or int(found["position"]) >= 2**63:  # positions are bigints
            raise DomainError(
                f"{HEADER} must be a command's consistency_token, <context>:<position>",
                field=f"header.{HEADER}",
            )
        return cls(found["context"], int(found["position"]))


@dataclass(frozen=True)
class StoreProjections:
    """One context's event store and the projections (in the same database) that read it."""

    pool: asyncpg.Pool
    registry: EventRegistry
    projections: Mapping[str, Callable[[str], bool] | None]
    """Each projection's ``consumes`` (None: every event type); a type it passes over is
    never claimed, so there is nothing of it to wait for."""
    retention: timedelta = timedelta(days=7)
    """Applied event ids are pruned after this; a token older than it counts as reached."""

    async def caught_up(self, position: int) -> bool | None:
        """Whether every projection applied the transaction at ``position`` (None: no such
        event)."""
        rows = await self.pool.fetch(_PROGRESS, position, list(self.projections), self.retention)
        if not rows:
            return None
        for row in rows:
            if row["forgotten"] or row["applied"] >= row["events"]:
                continue
            consumes = self.projections[row["projection"]]
            if consumes is None or consumes(
                self.registry.ce_type(row["event_type"], row["schema_version"])
            ):
                return False
        return True


@dataclass(frozen=True)
class ConsistencyGate:
    """Waits until the projections of a token's context have reached it."""

    sources: Mapping[str, StoreProjections]
    timeout: float = 2.0

    async def wait(self, raw: str) -> None:
        token = Token.parse(raw)
        source = self.sources.get(token.context)
        if source is None or not source.projections:
            served = ", ".join(sorted(c for c, s in self.sources.items() if s.projections))
            served = served or "none"
            raise DomainError(
                f"{HEADER} names the {token.context} context; this service answers for the "
                f"commands of: {served}",
                field=f"header.{HEADER}",
            )
        started = time.monotonic()
        while not (reached := await source.caught_up(token.position)):
            if reached is None:
                raise DomainError(
                    f"no event of {token.context} is at position {token.position}",
                    field=f"header.{HEADER}",
                )
            waited = time.monotonic() - started
            if waited >= self.timeout:
                raise ConsistencyTimeout(raw, waited)
            await asyncio.sleep(_POLL_SECONDS)

    def dependency(self) -> Callable[..., Awaitable[None]]:
        """A FastAPI dependency: reads (GET) carrying the header wait; commands ignore it."""

        async def consistent(
            request: Request,
            token: Annotated[
                str | None,
                Header(
                    alias=HEADER,
                    max_length=80,
                    description="A command's consistency_token: this read waits until the "
                    "read models include that command's effects (GET only).",
                ),
            ] = None,
        ) -> None:
            if token is not None and request.method == "GET":
                await self.wait(token)

        return consistent
