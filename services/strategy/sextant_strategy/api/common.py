"""What every strategy endpoint shares: the kit's endpoint plumbing, bound to this service."""

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

from sextant_strategy.events import registry

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

JSON_COLUMNS = frozenset({"options", "evidence", "snapshot"})
"""jsonb columns, which asyncpg hands over as text."""


def answer(
    result: AppendResult,
    *,
    create: bool,
    location: str | None = None,
    extra: dict[str, str] | None = None,
) -> JSONResponse:
    return kit.answer(result, context="strategy", create=create, location=location, extra=extra)


class Aggregate(kit.Aggregate[C, E, S]):
    def __init__(self, rt: Runtime, decider: Decider[C, E, S], stream_type: str) -> None:
        super().__init__(rt, registry, decider, stream_type)


def jsonable(row: Any) -> dict[str, Any]:
    return kit.jsonable(row, JSON_COLUMNS)
