"""What a client's Idempotency-Key names: the method, the path, the query and the body."""

from __future__ import annotations

import hashlib

from sextant_kit.api import request_idempotency, step_key
from starlette.requests import Request


def request(method: str, path: str, query: str = "") -> Request:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": [],
        "server": ("t", 80),
        "scheme": "http",
    }
    return Request(scope)


def test_a_request_on_behalf_of_another_customer_is_another_request() -> None:
    path = "/v1/workspaces/ws/feedback/f-1/votes"
    acme = request_idempotency("k", request("DELETE", path, "on_behalf_of=acme"), None)
    globex = request_idempotency("k", request("DELETE", path, "on_behalf_of=globex"), None)
    again = request_idempotency("k", request("DELETE", path, "on_behalf_of=acme"), None)
    assert acme is not None
    assert globex is not None
    assert acme.request_hash != globex.request_hash
    assert acme == again


def test_a_request_without_a_query_keeps_the_fingerprint_it_had() -> None:
    """Keys stored before the query counted still answer their repeats."""
    bare = request_idempotency("k", request("POST", "/v1/x"), None)
    assert bare is not None
    assert bare.request_hash == hashlib.sha256(b"POST\n/v1/x\n").hexdigest()


def test_a_steps_key_is_none_a_client_can_send() -> None:
    assert step_key("k", "absorb") == "k\nabsorb"
    assert step_key(None, "absorb") is None
