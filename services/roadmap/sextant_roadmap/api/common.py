"""What every roadmap endpoint shares: path types, command responses and row encoding."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sextant_kit import AppendResult, CommandContext, DomainError, EventMetadata
from sextant_kit.api import LATEST_VERSION
from sextant_kit.authz import Principal
from sextant_kit.consistency import token_for
from sextant_kit.telemetry import current_traceparent

WorkspaceId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(min_length=1, max_length=100)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=20)]


def spans(workspace: str, table: str = "") -> str:
    """SQL: the ``roadmaps`` row (aliased ``table``) belongs to the workspace bound as
    ``workspace`` or, a portfolio roadmap, spans it; read from any of them alike."""
    t = f"{table}." if table else ""
    return f"({t}workspace_id = {workspace} OR {workspace} = ANY({t}workspaces))"


def audiences_of(who: Principal, workspace: str) -> list[str] | None:
    """The audiences whose published versions ``who`` reads in ``workspace``, to bind in
    SQL (``Principal.audiences_in``): None for every audience's."""
    audiences = who.audiences_in(workspace)
    return None if audiences is None else sorted(audiences)


class Accepted(BaseModel):
    id: str
    stream_version: int
    positions: list[int]
    consistency_token: str | None
    created: bool


def accepted(result: AppendResult, *, resource_id: str, status: int = 200) -> JSONResponse:
    """The command's result. ``status=201`` marks a command that creates ``resource_id``:
    it answers 201 and ``created: true`` when it did (a repeat under its idempotency key
    answers as it did, 201 and all), 200 when it decided nothing."""
    body = Accepted(
        id=resource_id,
        stream_version=result.stream_version,
        positions=list(result.positions),
        consistency_token=token_for("roadmap", result.positions),
        created=status == 201 and bool(result.positions),
    )
    return JSONResponse(body.model_dump(), status_code=201 if body.created else 200)


def metadata(ctx: CommandContext, workspace_id: str) -> EventMetadata:
    return EventMetadata.from_context(
        ctx, workspace_id=workspace_id, traceparent=current_traceparent()
    )


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().strip('"')
    if not (raw.isascii() and raw.isdigit()) or int(raw) > LATEST_VERSION:
        raise DomainError(
            f"If-Match must be the stream version you read (a number up to {LATEST_VERSION}),"
            f" got {if_match!r}",
            field="header.If-Match",
        )
    return int(raw)


def encode(value: Any) -> Any:
    """asyncpg values as JSON: ids and dates as strings."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def row(record: Any) -> dict[str, Any]:
    return {k: encode(v) for k, v in dict(record).items()}
