"""HTTP kit: app factory, RFC 9457 problem+json errors, health, metrics and tracing."""

from __future__ import annotations

import json
import logging
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sextant_kit import telemetry
from sextant_kit.auth import Authenticator
from sextant_kit.authz import Access, Principal
from sextant_kit.consistency import ConsistencyGate
from sextant_kit.database import UNAVAILABLE_ERRORS, database_unavailable
from sextant_kit.errors import DomainError, Forbidden
from sextant_kit.events import CommandContext
from sextant_kit.metrics import CONTENT_TYPE_LATEST, Metrics
from sextant_kit.storable import UNSTORABLE, UNSTORABLE_TYPE, unstorable

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 2
"""What a 503 asks the client to wait: about as long as a database restart takes."""

ReadinessCheck = Callable[[], Awaitable[None]]


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    retry_after: int | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def _reported(errors: Sequence[Any]) -> list[Any]:
    """Pydantic's errors, less the ``too_short`` it adds to a tuple whose items all failed
    (``problem_ids: at least 1 item after validation, not 0`` beside each bad id): the
    list was not short, its items were wrong, and their own errors say so."""
    failed_items = {tuple(e["loc"][:-1]) for e in errors if isinstance(e["loc"][-1], int)}
    return [e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in failed_items)]


def _unreadable_json(error: Any) -> dict[str, Any]:
    """A body that is not JSON: the body is the field, and where it broke is in the message
    (its location is a character's offset, not a field)."""
    offset = error["loc"][-1]
    why = (error.get("ctx") or {}).get("error", "")
    return {
        "field": "body",
        "message": f"{error['msg']}: {why} at character {offset}" if why else error["msg"],
        "type": error["type"],
    }


async def _validation_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        _unreadable_json(e)
        if e["type"] == "json_invalid"
        else {"field": _field_path(e["loc"]), "message": e["msg"], "type": e["type"]}
        for e in _reported(exc.errors())
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem(
        422,
        "Invalid request",
        f"invalid field(s): {fields}",
        type_="https://sextant.dev/problems/validation",
        errors=errors,
    )


async def _model_problem(request: Request, exc: Exception) -> JSONResponse:
    """A command built from accepted input still failed its own model: the input's fault,
    named where it came from (a path's member, a body's field)."""
    assert isinstance(exc, ValidationError)
    errors = [
        {"field": _located(_field_path(e["loc"]), request), "message": e["msg"], "type": e["type"]}
        for e in _reported(exc.errors())
    ]
    return problem(
        422,
        "Invalid request",
        f"invalid field(s): {', '.join(e['field'] for e in errors)}",
        type_="https://sextant.dev/problems/validation",
        errors=errors,
    )


_LOCATIONS = frozenset({"body", "query", "path", "header"})


def _located(field: str, request: Request) -> str:
    """A domain rule names the command's field (``period.end``); over HTTP it reads like a
    validation error, with where the value came from: ``path.opportunity_id`` when the
    route's path carries it, ``query.on_behalf_of`` when the query does, else
    ``body.period.end``, unless the rule named the place itself (``query.cursor``)."""
    if field.partition(".")[0] in _LOCATIONS:
        return field
    if field in request.path_params:
        return f"path.{field}"
    return f"query.{field}" if field in request.query_params else f"body.{field}"


async def _domain_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    extra: dict[str, Any] = {}
    if exc.field is not None:
        field = _located(exc.field, request)
        extra["errors"] = [{"field": field, "message": exc.detail, "type": exc.code}]
    return problem(
        exc.status,
        exc.code.replace("-", " ").capitalize(),
        exc.detail,
        type_=f"https://sextant.dev/problems/{exc.code}",
        retry_after=exc.retry_after,
        **extra,
    )


async def _http_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = "Request body too large" if exc.status_code == 413 else str(exc.detail)
    return problem(exc.status_code, title, str(exc.detail))


async def _unavailable_problem(request: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached: 503 with Retry-After. The command's transaction did
    not commit (or its answer was lost): retrying with the same Idempotency-Key is safe."""
    if not database_unavailable(exc):
        return await _unexpected_problem(request, exc)
    log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    return problem(
        503,
        "Service unavailable",
        "a server this service depends on (its database) cannot be reached right now; "
        "retry shortly (with the same Idempotency-Key for commands)",
        type_="https://sextant.dev/problems/unavailable",
        retry_after=RETRY_AFTER_SECONDS,
    )


async def _unexpected_problem(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal error", "the server failed; the error was logged")


class BodyLimitMiddleware:
    """Refuses request bodies over ``limit`` bytes with 413, whether announced by
    Content-Length or streamed, before any of it is parsed."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self._app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._limit:
            await self._refuse(send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._limit:
                    raise _BodyTooLarge(self._limit)
            return message

        try:
            await self._app(scope, counting_receive, send)
        except _BodyTooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = problem(
            413,
            "Request body too large",
            f"the request body exceeds the limit of {self._limit:,} bytes; split it "
            "(batches take at most 1,000 items)",
            type_="https://sextant.dev/problems/body-too-large",
            limit_bytes=self._limit,
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(response.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


class _NotANumber:
    """Where a body had ``NaN``, ``Infinity`` or ``-Infinity``: tokens JSON does not have
    (RFC 8259), which Python's parser would otherwise take as floats no rule expects (and a
    stored event would hold ``null`` for, leaving its aggregate unreadable). A number too
    large for a double (``1e400``), which the parser would make infinite, is one too."""

    def __init__(self, token: str) -> None:
        self.token = token


def _finite(token: str) -> float | _NotANumber:
    value = float(token)
    return value if math.isfinite(value) else _NotANumber(token)


def _whole(token: str) -> int | _NotANumber:
    try:
        return int(token)
    except ValueError:  # more digits than Python converts (4,300): far beyond any bound
        return _NotANumber(token)


_UNSTORABLE = (UNSTORABLE, UNSTORABLE_TYPE)
_TOO_DEEP = ("the JSON is nested too deeply to be read", "json_too_deep")
_NOT_UTF8 = ("the body is not UTF-8 text; send JSON encoded in UTF-8", "body_not_utf8")
_NOT_A_NUMBER = (
    "NaN, Infinity and numbers beyond a double's range cannot be stored; send a finite number",
    "finite_number",
)


def _first_unstorable(value: Any, path: str) -> tuple[str, tuple[str, str]] | None:
    """The first field that could never be stored, with why (a message and a type)."""
    if isinstance(value, str):
        return (path, _UNSTORABLE) if unstorable(value) else None
    if isinstance(value, _NotANumber):
        return path, _NOT_A_NUMBER
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if unstorable(str(key)):
                return where, _UNSTORABLE
            found = _first_unstorable(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_unstorable(item, f"{path}.{index}")
            if found:
                return found
    return None


ITEMS_ONE_BY_ONE = "x-sextant-items-one-by-one"
"""A route's ``openapi_extra`` key naming its body's list whose items the route validates
and answers one by one (a batch): what could never be stored in one of them is that item's
error, not the request's."""


class StorableTextMiddleware:
    """Refuses, with 422 naming the field, what could never be stored: NUL characters and
    lone UTF-16 surrogates in the path, the query or a JSON body, and a body's ``NaN`` or
    ``Infinity`` (outside the items of a route that takes them one by one)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        found = self._in_url(scope)
        body = b""
        if found is None and scope["method"] in ("POST", "PUT", "PATCH"):
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            found = self._in_body(body, scope)
        if found is not None:
            field, (reason, kind) = found
            response = problem(
                422,
                "Invalid request",
                f"invalid field(s): {field} ({reason})",
                type_="https://sextant.dev/problems/validation",
                errors=[{"field": field, "message": reason, "type": kind}],
            )
            await response(scope, receive, send)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self._app(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self._app(scope, replay, send)

    @staticmethod
    def _in_url(scope: Scope) -> tuple[str, tuple[str, str]] | None:
        if unstorable(scope["path"]):
            return "path", _UNSTORABLE
        query = scope.get("query_string", b"").decode("latin-1")
        for key, value in parse_qsl(query, keep_blank_values=True, errors="surrogateescape"):
            if unstorable(key) or unstorable(value):
                return f"query.{key.encode('utf-8', 'replace').decode()}", _UNSTORABLE
        return None

    @staticmethod
    def _in_body(body: bytes, scope: Scope) -> tuple[str, tuple[str, str]] | None:
        if not body:
            return None
        try:
            document = json.loads(
                body, parse_constant=_NotANumber, parse_float=_finite, parse_int=_whole
            )
        except UnicodeDecodeError:
            return ("body", _NOT_UTF8) if _declares_json(scope) else None
        except ValueError:
            return None  # not JSON: the route's own validation answers
        except RecursionError:  # which the route's parser would meet too, as a 500
            return "body", _TOO_DEEP
        found = _first_unstorable(document, "body")
        if found is None or not isinstance(document, dict):
            return found
        items = _items_one_by_one(scope)
        if items is None or not found[0].startswith(f"body.{items}."):
            return found
        return _first_unstorable({k: v for k, v in document.items() if k != items}, "body")


def _declares_json(scope: Scope) -> bool:
    """The request says its body is one JSON document (``application/json``, or a
    ``+json`` type); a file's upload, JSON Lines included, says otherwise."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media: bytes = value.partition(b";")[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


def _items_one_by_one(scope: Scope) -> str | None:
    """The list the operation ``scope`` reaches validates item by item (``ITEMS_ONE_BY_ONE``
    in its OpenAPI description, where every route's ``openapi_extra`` is): looked up only
    when such a list holds what could not be stored."""
    app = scope.get("app")
    if not isinstance(app, FastAPI):
        return None
    method, path = scope["method"].lower(), scope["path"]
    for template, operations in app.openapi().get("paths", {}).items():
        items = operations.get(method, {}).get(ITEMS_ONE_BY_ONE)
        if isinstance(items, str) and re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path):
            return items
    return None


class _BodyTooLarge(StarletteHTTPException):
    """Raised while a streamed body is read; an HTTP exception, so frameworks that wrap body
    errors (FastAPI turns them into 400) pass it through as the 413 it is."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body exceeds the limit of {limit:,} bytes; split it "
            "(batches take at most 1,000 items)",
        )


PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
"""The platform's own questions (Kubernetes' probes, Prometheus' scrapes): no user's request,
so neither traced nor counted (a not-ready 503 is no server error)."""


class TelemetryMiddleware:
    """One server span and one metrics sample per request (probes and scrapes aside);
    continues an incoming trace."""

    def __init__(self, app: ASGIApp, *, tracer: trace.Tracer, metrics: Metrics) -> None:
        self._app = app
        self._tracer = tracer
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBES:
            await self._app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        parent = telemetry.context_from(headers.get("traceparent"), headers.get("tracestate"))
        method = scope["method"]
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with self._tracer.start_as_current_span(
            f"{method} {scope['path']}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope["path"]},
        ) as span:
            try:
                await self._app(scope, receive, send_wrapper)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                self._metrics.http_requests.labels(method, route, str(status)).inc()
                self._metrics.http_latency.labels(method, route).observe(
                    time.perf_counter() - started
                )


def _single_valued(dependant: Dependant) -> set[str]:
    """The query parameters a route (and its dependencies) takes one value of: those
    FastAPI itself reads as one (a list, ``list[str] | None`` and the like, it reads as many)."""
    names = {
        p.alias
        for p in dependant.query_params
        if not field_annotation_is_sequence(p.field_info.annotation)
    }
    for inner in dependant.dependencies:
        names |= _single_valued(inner)
    return names


async def _each_once(request: Request) -> None:
    """A query parameter that takes one value, given twice (``?limit=999999&limit=1``), is
    refused naming it: the framework would take the last and say nothing."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or b"&" not in request.scope.get("query_string", b""):
        return  # one parameter at most
    single = _single_valued(route.dependant)
    keys = [key for key, _ in request.query_params.multi_items()]
    repeated = sorted(single.intersection(k for k in keys if keys.count(k) > 1))
    if repeated:
        raise RequestValidationError(
            [
                {
                    "type": "repeated",
                    "loc": ("query", key),
                    "msg": f"given {keys.count(key)} times; give it once",
                    "input": None,
                }
                for key in repeated
            ]
        )


def create_http_app(
    *,
    title: str,
    metrics: Metrics,
    tracer: trace.Tracer,
    readiness: dict[str, ReadinessCheck],
    authenticator: Authenticator,
    routers: Sequence[APIRouter] = (),
    version: str = "1",
    max_body_bytes: int = 8 * 1024 * 1024,
    consistency: ConsistencyGate | None = None,
) -> FastAPI:
    waits = [Depends(consistency.dependency())] if consistency is not None else []
    app = FastAPI(title=title, version=version, dependencies=[Depends(_each_once), *waits])
    app.state.authenticator = authenticator
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(DomainError, _domain_problem)
    app.add_exception_handler(ValidationError, _model_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    for unavailable in (*UNAVAILABLE_ERRORS, asyncpg.InterfaceError, asyncpg.InternalClientError):
        app.add_exception_handler(unavailable, _unavailable_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
    app.add_middleware(StorableTextMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=max_body_bytes)
    app.add_middleware(TelemetryMiddleware, tracer=tracer, metrics=metrics)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. Never depends on Kafka or PostgreSQL."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        failures: dict[str, str] = {}
        for name, check in readiness.items():
            try:
                await check()
            except Exception as error:
                failures[name] = f"{type(error).__name__}: {error}"
        if failures:
            return problem(
                503,
                "Not ready",
                "; ".join(f"{k}: {v}" for k, v in failures.items()),
                checks=failures,
            )
        return JSONResponse({"status": "ready", "checks": dict.fromkeys(readiness, "ok")})

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    _document_conventions(app)
    return app


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each invalid field.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
_PROBLEMS = {
    "401": "No valid bearer token",
    "403": "The caller's role does not allow this",
    "404": "Not found (or in another organisation)",
    "409": "Conflicts with the current state (e.g. a stale If-Match)",
    "413": "Request body over the limit",
    "422": "Invalid input; `errors` names each field",
    "503": "Briefly unavailable (the database is unreachable, or the read waited for a"
    " consistency token in vain); retry after `Retry-After` seconds",
}


def _document_conventions(app: FastAPI) -> None:
    """Say in the OpenAPI document what every route does: bearer tokens, and errors as
    RFC 9457 problem+json (FastAPI would otherwise describe its own 422 shape)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {})
            components["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
            components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            for name in ("HTTPValidationError", "ValidationError"):
                components["schemas"].pop(name, None)
            problem_content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            for path, operations in schema.get("paths", {}).items():
                if path in ("/healthz", "/readyz", "/metrics"):
                    continue
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    for status, description in _PROBLEMS.items():
                        responses[status] = {"description": description, "content": problem_content}
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


Caller = Principal
"""Who is calling, as the endpoints see them."""


# The dependencies below are coroutines although they never wait: FastAPI runs a plain
# function in a worker thread, a hand-off that cost more than the check itself.


async def caller(request: Request) -> Principal:
    """The authenticated caller (bearer token, or development headers where enabled)."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.authenticate(request.headers)


def requires(access: Access) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets the call through only with ``access`` in its workspace.

    The workspace is the route's ``workspace_id`` path parameter, when it has one.
    """

    async def check(request: Request, who: Annotated[Principal, Depends(caller)]) -> Principal:
        workspace_id = request.path_params.get("workspace_id")
        if not who.may(access, workspace_id):
            where = f"workspace {workspace_id}" if workspace_id else "this organisation"
            raise Forbidden(f"{who.actor} may not {access.value} in {where}")
        return who

    check.sextant_access = access  # type: ignore[attr-defined]
    return check


def requires_somewhere(access: Access) -> Callable[..., Awaitable[Principal]]:
    """``requires(access)`` on a workspace's routes; on an organisation-wide route, ``access``
    in the organisation or in at least one workspace, for what a team's members read across
    the organisation too (each route narrows its answer with ``Principal.workspaces_with``
    where rows belong to workspaces)."""

    async def check(request: Request, who: Annotated[Principal, Depends(caller)]) -> Principal:
        workspace_id = request.path_params.get("workspace_id")
        if workspace_id is not None:
            allowed = who.may(access, workspace_id)
        else:
            allowed = who.workspaces_with(access) != frozenset()
        if not allowed:
            where = f"workspace {workspace_id}" if workspace_id else "any workspace"
            raise Forbidden(f"{who.actor} may not {access.value} in {where}")
        return who

    check.sextant_access = access  # type: ignore[attr-defined]
    return check


async def command_context(
    who: Annotated[Principal, Depends(caller)],
    x_correlation_id: Annotated[str | None, Header(max_length=200)] = None,
) -> CommandContext:
    return CommandContext(
        tenant_id=who.tenant_id,
        actor=who.actor,
        now=datetime.now(UTC),
        correlation_id=x_correlation_id or str(uuid.uuid4()),
    )


IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]
