"""What every discovery endpoint shares: the kit's endpoint plumbing, bound to this service."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.responses import JSONResponse
from sextant_kit import AppendResult, Command, Decider, Event
from sextant_kit import api as kit
from sextant_kit.api import (
    Accepted,
    Cursor,
    IfMatch,
    Limit,
    WorkspaceId,
    decode_cursor,
    encode_cursor,
    in_workspace,
    page,
)
from sextant_kit.service import Runtime

from sextant_discovery.events import registry

__all__ = [
    "Accepted",
    "Aggregate",
    "Cursor",
    "IfMatch",
    "Limit",
    "WorkspaceId",
    "answer",
    "decode_cursor",
    "encode_cursor",
    "in_workspace",
    "jsonable",
    "page",
]

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)
S = TypeVar("S")

JSON_COLUMNS = frozenset({"profile", "inputs", "breakdown", "problems"})
"""jsonb columns, which asyncpg hands over as text."""


def answer(
    result: AppendResult,
    *,
    create: bool,
    location: str | None = None,
    extra: dict[str, str] | None = None,
) -> JSONResponse:
    return kit.answer(result, context="discovery", create=create, location=location, extra=extra)


class Aggregate(kit.Aggregate[C, E, S]):
    def __init__(self, rt: Runtime, decider: Decider[C, E, S], stream_type: str) -> None:
        super().__init__(rt, registry, decider, stream_type)


def jsonable(row: Any) -> dict[str, Any]:
    return kit.jsonable(row, JSON_COLUMNS)


MERGED_FROM = (
    "ARRAY(WITH RECURSIVE merged AS ("
    "  SELECT d.problem_id FROM discovery_problems d"
    "  WHERE d.tenant_id = {row}.tenant_id AND d.merged_into = ANY({ids})"
    "  UNION SELECT d.problem_id FROM merged m JOIN discovery_problems d"
    "  ON d.tenant_id = {row}.tenant_id AND d.merged_into = m.problem_id)"
    " SELECT problem_id FROM merged ORDER BY problem_id)"
)
"""The problems merged into the problems ``{ids}`` of ``{row}``'s tenant, directly or in
turn (a duplicate of a duplicate): their evidence moved there."""
