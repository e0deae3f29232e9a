"""HTTP kit: app factory, RFC 9457 problem+json errors, health, metrics and tracing."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sextant_kit import telemetry
from sextant_kit.auth import Authenticator
from sextant_kit.authz import Access, Principal
from sextant_kit.errors import DomainError, Forbidden
from sextant_kit.events import CommandContext
from sextant_kit.metrics import CONTENT_TYPE_LATEST, Metrics

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

ReadinessCheck = Callable[[], Awaitable[None]]


def problem(
    status: int, title: str, detail: str, *, type_: str = "about:blank", **extra: Any
) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_path(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_path(e["loc"]), "message": e["msg"], "type": e["type"]}
        for e in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem(
        422,
        "Invalid request",
        f"invalid field(s): {fields}",
        type_="https://sextant.dev/problems/validation",
        errors=errors,
    )


async def _domain_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    extra: dict[str, Any] = {}
    if exc.field is not None:
        extra["errors"] = [{"field": exc.field, "message": exc.detail, "type": exc.code}]
    return problem(
        exc.status,
        exc.code.replace("-", " ").capitalize(),
        exc.detail,
        type_=f"https://sextant.dev/problems/{exc.code}",
        **extra,
    )


async def _http_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = "Request body too large" if exc.status_code == 413 else str(exc.detail)
    return problem(exc.status_code, title, str(exc.detail))


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


class _BodyTooLarge(StarletteHTTPException):
    """Raised while a streamed body is read; an HTTP exception, so frameworks that wrap body
    errors (FastAPI turns them into 400) pass it through as the 413 it is."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body exceeds the limit of {limit:,} bytes; split it "
            "(batches take at most 1,000 items)",
        )


class TelemetryMiddleware:
    """One server span and one metrics sample per request; continues an incoming trace."""

    def __init__(self, app: ASGIApp, *, tracer: trace.Tracer, metrics: Metrics) -> None:
        self._app = app
        self._tracer = tracer
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
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
) -> FastAPI:
    app = FastAPI(title=title, version=version)
    app.state.authenticator = authenticator
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(DomainError, _domain_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
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
    _document_bearer_auth(app)
    return app


def _document_bearer_auth(app: FastAPI) -> None:
    """Every route takes a bearer token; say so in the OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


Caller = Principal
"""Who is calling, as the endpoints see them."""


def caller(request: Request) -> Principal:
    """The authenticated caller (bearer token, or development headers where enabled)."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.authenticate(request.headers)


def requires(access: Access) -> Callable[..., Principal]:
    """A dependency that lets the call through only with ``access`` in its workspace.

    The workspace is the route's ``workspace_id`` path parameter, when it has one.
    """

    def check(request: Request, who: Annotated[Principal, Depends(caller)]) -> Principal:
        workspace_id = request.path_params.get("workspace_id")
        if not who.may(access, workspace_id):
            where = f"workspace {workspace_id}" if workspace_id else "this organisation"
            raise Forbidden(f"{who.actor} may not {access.value} in {where}")
        return who

    check.sextant_access = access  # type: ignore[attr-defined]
    return check


def command_context(
    who: Annotated[Principal, Depends(caller)],
    x_correlation_id: Annotated[str | None, Header(max_length=200)] = None,
) -> CommandContext:
    return CommandContext(
        tenant_id=who.tenant_id,
        actor=who.actor,
        now=datetime.now(UTC),
        correlation_id=x_correlation_id or str(uuid.uuid4()),
    )


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
