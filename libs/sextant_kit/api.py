"""What service endpoints share: path and query types, the command answer, tenant-safe
loading and running of aggregates, cursor paging and JSON-friendly rows."""

from __future__ import annotations

import base64
import json
import math
import uuid
from collections.abc import Callable, Collection
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from fastapi import Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sextant_kit.application import CommandHandler, Idempotency
from sextant_kit.consistency import token_for
from sextant_kit.decider import Decider
from sextant_kit.errors import InvalidCursor, NotFound
from sextant_kit.events import Command, CommandContext, Event, EventMetadata
from sextant_kit.eventstore import AppendResult
from sextant_kit.registry import EventRegistry
from sextant_kit.storable import in_utc, unstorable
from sextant_kit.telemetry import current_traceparent

if TYPE_CHECKING:
    from sextant_kit.service import Runtime

WorkspaceId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
LATEST_VERSION = 2**31 - 1
"""The highest version a stream can reach (the store's column is an int)."""
IfMatch = Annotated[int | None, Header(alias="If-Match", ge=0, le=LATEST_VERSION)]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500)]

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)
S = TypeVar("S")


class Accepted(BaseModel):
    id: str
    stream_version: int
    positions: list[int]
    consistency_token: str | None
    created: bool


def answer(
    result: AppendResult,
    *,
    context: str,
    create: bool,
    location: str | None = None,
    extra: dict[str, str] | None = None,
) -> JSONResponse:
    """The command's result; 201 with a Location when it created something (a repeat
    under the same idempotency key answers as the first did, with its positions)."""
    out = Accepted(
        id=result.stream_id,
        stream_version=result.stream_version,
        positions=list(result.positions),
        consistency_token=token_for(context, result.positions),
        created=create and bool(result.positions),
    )
    headers = {"Location": location} if location and create else {}
    body = {**out.model_dump(), **(extra or {})}
    return JSONResponse(body, status_code=201 if out.created else 200, headers=headers)


class Aggregate(Generic[C, E, S]):
    """One aggregate type's streams, loaded only for the tenant that owns them."""

    def __init__(
        self, rt: Runtime, registry: EventRegistry, decider: Decider[C, E, S], stream_type: str
    ) -> None:
        self.rt = rt
        self.registry = registry
        self.decider = decider
        self.stream_type = stream_type
        self.handler = CommandHandler(rt.store, registry, decider, stream_type=stream_type)

    async def load(self, stream_id: str, tenant_id: str) -> tuple[S, int]:
        """The stream's state; another tenant's stream looks exactly like a missing one."""
        return await self.handler.load_for(stream_id, tenant_id)

    async def run(
        self,
        stream_id: str,
        command: C,
        ctx: CommandContext,
        request: Request,
        *,
        workspace_id: str | None,
        body: BaseModel | None = None,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        metadata = EventMetadata.from_context(
            ctx, workspace_id=workspace_id, traceparent=current_traceparent()
        )
        return await self.handler.handle(
            stream_id,
            command,
            metadata,
            expected_version=expected_version,
            idempotency=request_idempotency(idempotency_key, request, body),
        )


def step_key(key: str | None, step: str) -> str | None:
    """The key of one step of a command that makes several, under the client's ``key``: a
    line break, which no header holds, keeps it apart from every key a client may send."""
    return None if key is None else f"{key}\n{step}"


def request_idempotency(
    key: str | None, request: Request, body: BaseModel | None
) -> Idempotency | None:
    """A client's ``Idempotency-Key`` with what it names: the same key again with the same
    method, path, query and body is a repeat (answered from the first), with another a 409
    (a vote taken back on behalf of another customer is another request)."""
    payload = body.model_dump_json() if body is not None else ""
    query = (request.url.query,) if request.url.query else ()  # fingerprints before kept
    return Idempotency.of(key, request.method, request.url.path, payload, *query)


def in_workspace(exists: bool, owner: str | None, workspace_id: str | None, what: str) -> None:
    """404 unless the aggregate exists in the caller's tenant and in this workspace."""
    if not exists or owner != workspace_id:
        where = f"workspace {workspace_id}" if workspace_id else "the organisation"
        raise NotFound(f"{what} not found in {where}")


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def TEXT(value: Any) -> None:
    """A cursor's text: a name, a reference."""
    if not isinstance(value, str) or unstorable(value):
        raise ValueError(value)


def ID(value: Any) -> None:
    """A cursor's id, as the database writes one."""
    TEXT(value)
    if str(uuid.UUID(value)) != value.lower():
        raise ValueError(value)


def MOMENT(value: Any) -> None:
    """A cursor's moment (or day), one that has a time in UTC."""
    TEXT(value)
    in_utc(datetime.fromisoformat(value))


def NUMBER(value: Any) -> None:
    """A cursor's score."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(value)


def COUNT(value: Any) -> None:
    """A cursor's revision or version: an integer as PostgreSQL's are."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ValueError(value)


def decode_cursor(cursor: str | None, *kinds: Callable[[Any], None]) -> list[Any] | None:
    """The values a page continues after, each checked by its kind (:func:`TEXT`,
    :func:`ID`, :func:`MOMENT`, :func:`NUMBER`, :func:`COUNT`): a cursor altered, or made
    by another list, is a 422 naming ``query.cursor``, never a database error."""
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError(values)
        for value, kind in zip(values, kinds, strict=True):
            kind(value)
    except (ValueError, OverflowError):  # a bad base64, JSON, id or moment
        raise InvalidCursor from None
    return values


def page(rows: list[dict[str, Any]], limit: int, *key: str) -> dict[str, Any]:
    """``{"items", "next_cursor"}`` from ``limit + 1`` rows, the cursor made of ``key``."""
    items = rows[:limit]
    more = len(rows) > limit
    cursor = encode_cursor(*(items[-1][k] for k in key)) if more and items else None
    return {"items": items, "next_cursor": cursor}


def jsonable(row: Any, json_columns: Collection[str] = ()) -> dict[str, Any]:
    """A database row as JSON-friendly values; ``json_columns`` are jsonb (asyncpg gives text)."""
    out: dict[str, Any] = {}
    for key, value in dict(row).items():
        if key in json_columns and isinstance(value, str):
            out[key] = json.loads(value)
        elif isinstance(value, list):
            out[key] = [v if isinstance(v, str | int | float) else str(v) for v in value]
        elif value is None or isinstance(value, str | int | float | bool | dict):
            out[key] = value
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    return out
