"""Every role against every endpoint of every service: allowed, or 403 — and never 5xx.

Each endpoint's required access is read from its route (the ``requires(access)``
dependency), so a new endpoint is in the matrix the day it is written; an endpoint without
one fails the test.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sextant_kit import Settings
from sextant_kit.authz import PERMISSIONS, Access, Role
from sextant_kit.service import Runtime, open_runtime, prepare
from sextant_platform import SERVICES

from tests.support import eventually

pytestmark = pytest.mark.integration

UNPROTECTED = {"/healthz", "/readyz", "/metrics"}


def required_access(route: APIRoute) -> Access | None:
    def walk(dependant: Any) -> Iterator[Access]:
        for dependency in dependant.dependencies:
            access = getattr(dependency.call, "sextant_access", None)
            if access is not None:
                yield access
            yield from walk(dependency)

    found = set(walk(route.dependant))
    assert len(found) <= 1, f"{route.path} requires several kinds of access: {found}"
    return found.pop() if found else None


def sample_path(route: APIRoute) -> str:
    params = {p.name: p for p in route.dependant.path_params}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        annotation = str(params[name].field_info.annotation) if name in params else ""
        if "UUID" in annotation or (name.endswith("_id") and name != "workspace_id"):
            return str(uuid.uuid4())
        if "int" in annotation:
            return "1"
        return "ws-matrix"

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, route.path)


Built = tuple[str, FastAPI, list[APIRoute]]
runtimes: dict[str, Runtime] = {}


@pytest.fixture(scope="module")
async def apps(settings: Settings) -> AsyncIterator[list[Built]]:
    async with AsyncExitStack() as stack:
        built = []
        for definition in SERVICES:
            await prepare(definition, settings)
            rt = await stack.enter_async_context(open_runtime(definition, settings))
            rt.subscribe_projections()
            await rt.broker.start()
            runtimes[definition.context] = rt
            routes = [
                r for router in rt.routers() for r in router.routes if isinstance(r, APIRoute)
            ]
            built.append((definition.context, rt.http_app(with_routes=True), routes))
        yield built


async def test_every_role_on_every_endpoint(apps: list[Built]) -> None:
    checked = 0
    problems: list[str] = []
    for context, app, routes in apps:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x", timeout=30) as http:
            for route in routes:
                if route.path in UNPROTECTED:
                    continue
                access = required_access(route)
                if access is None:
                    problems.append(f"{context} {route.path}: no requires(access) dependency")
                    continue
                path = sample_path(route)
                for method in sorted(route.methods or ()):
                    for role in Role:
                        response = await http.request(
                            method,
                            path,
                            json={} if method in {"POST", "PUT", "PATCH"} else None,
                            headers={"X-Sextant-Role": role.value, "X-Sextant-Tenant": "matrix"},
                        )
                        allowed = access in PERMISSIONS[role]
                        status = response.status_code
                        checked += 1
                        if not allowed and status != 403:
                            problems.append(f"{role} {method} {path}: {status}, expected 403")
                        if allowed and status in (401, 403):
                            problems.append(f"{role} {method} {path}: {status}, expected allowed")
                        if status >= 500:
                            problems.append(f"{role} {method} {path}: {status} {response.text}")
    assert not problems, "\n".join(problems)
    assert checked > 100


async def test_no_read_endpoint_leaks_across_tenants(apps: list[Built], unique: str) -> None:
    """Tenant A writes; tenant B (an admin of its own organisation) reads every GET endpoint
    of every service with A's workspace and A's ids, and finds nothing of A's."""
    marker = f"secret-{unique}"
    a = {"X-Sextant-Tenant": f"a-{unique}", "X-Sextant-Role": "admin"}
    b = {"X-Sextant-Tenant": f"b-{unique}", "X-Sextant-Role": "admin"}
    ws = f"ws-{unique}"
    feedback_app = next(app for context, app, _ in apps if context == "feedback")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=feedback_app), base_url="http://x"
    ) as http:
        await http.post(
            "/v1/customers",
            headers=a,
            json={"ref": marker, "name": marker, "segment": "enterprise"},
        )
        created = await http.post(
            f"/v1/workspaces/{ws}/feedback", headers=a, json={"text": marker, "source": "email"}
        )
        assert created.status_code == 201
        item = created.json()["id"]

        async def a_sees_its_data() -> None:  # the positive control: the data is there
            await runtimes["feedback"].relay().publish_batch()
            got = await http.get(f"/v1/workspaces/{ws}/feedback/{item}", headers=a)
            assert got.status_code == 200
            customer = await http.get(f"/v1/customers/{marker}", headers=a)
            assert customer.status_code == 200

        await eventually(a_sees_its_data, within=30)
    ids = {"workspace_id": ws, "feedback_id": item, "ref": marker}
    leaks: list[str] = []
    reads = 0
    for context, app, routes in apps:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
            for route in routes:
                if "GET" not in (route.methods or ()):
                    continue
                path = re.sub(
                    r"\{(\w+)\}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), route.path
                )
                params = {"subject": ids["feedback_id"]} if route.path.endswith("/audit") else {}
                response = await http.get(path, headers=b, params=params)
                reads += 1
                if response.status_code >= 500:
                    leaks.append(f"{context} GET {path}: {response.status_code}")
                secrets = (marker, ids["feedback_id"])
                sent = path + str(params)
                if any(secret in sent for secret in secrets):
                    # the request names A's ids itself: B must get nothing back for them
                    body = response.json() if response.status_code == 200 else {}
                    found = [v for v in body.values() if isinstance(v, list) and v]
                    if response.status_code not in (404, 422) and found:
                        leaks.append(f"{context} GET {path} returned A's rows to tenant B")
                elif any(secret in response.text for secret in secrets):
                    leaks.append(f"{context} GET {path} showed tenant A's data to tenant B")
    assert not leaks, "\n".join(leaks)
    assert reads > 10
