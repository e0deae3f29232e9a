"""The HTTP kit answers 503 problem+json with Retry-After when the database is unreachable."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import APIRouter
from opentelemetry import trace
from sextant_kit.auth import authenticator_from
from sextant_kit.http import PROBLEM_JSON, create_http_app
from sextant_kit.metrics import Metrics
from sextant_kit.settings import Settings

UNREACHABLE: list[Exception] = [
    ConnectionRefusedError(111, "Connect call failed"),
    ConnectionResetError(104, "Connection reset by peer"),
    asyncpg.CannotConnectNowError("the database system is shutting down"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
    # seen when the server shut down in the middle of a command's statements
    asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
]


def _app(error: Exception) -> httpx.AsyncClient:
    router = APIRouter()

    @router.post("/boom")
    async def boom() -> None:
        raise error

    app = create_http_app(
        title="t",
        metrics=Metrics(),
        tracer=trace.get_tracer("test"),
        readiness={},
        authenticator=authenticator_from(Settings(auth_mode="dev")),
        routers=[router],
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.parametrize("error", UNREACHABLE, ids=lambda e: type(e).__name__)
async def test_an_unreachable_database_is_a_503_with_retry_after(error: Exception) -> None:
    async with _app(error) as client:
        response = await client.post("/boom")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"] == "https://sextant.dev/problems/unavailable"


async def test_other_client_errors_stay_500() -> None:
    misuse = asyncpg.InterfaceError("cannot perform operation: another operation is in progress")
    async with _app(misuse) as client:
        response = await client.post("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
