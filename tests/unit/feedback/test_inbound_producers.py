"""The inbound topic accepts a message only from a producer allowed for its tenant and
workspace; the producer's token names the actor."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sextant_feedback.inbound import SUBMITTED, InvalidSubmission, submission
from sextant_kit.auth import DevelopmentHeaders
from sextant_kit.authz import Access, Role
from sextant_kit.envelope import IncomingEvent, decode

from tests.unit.test_auth import EC_KEY, OTHER, VERIFIER, token


def service_token(key: object = EC_KEY, **overrides: Any) -> str:
    """A token an internal platform holds: writes to workspace ws-a of acme, nothing else."""
    scoped: dict[str, Any] = {
        "subject": "service:crm-bridge",
        "role": Role.CONTRIBUTOR,
        "scope_workspaces": ["ws-a"],
        "scope_actions": [Access.WRITE],
    }
    return token(key, **{**scoped, **overrides})


def message(*, tenant: str = "acme", workspace: str = "ws-a", **transport: str) -> IncomingEvent:
    headers = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid.uuid4()),
        "ce_source": "/crm/bridge",
        "ce_type": SUBMITTED,
        "ce_tenantid": tenant,
        "ce_actor": "claims-to-be-someone-else",
        **transport,
    }
    data = {"workspace_id": workspace, "text": "Please add SAML", "source": "support_ticket"}
    return decode([(k, v.encode()) for k, v in headers.items()], json.dumps(data).encode())


def test_a_scoped_service_token_submits_to_its_workspace_as_itself() -> None:
    event = message(authorization=f"Bearer {service_token()}")
    item, ctx = submission(event, VERIFIER)
    assert (item.workspace_id, ctx.tenant_id) == ("ws-a", "acme")
    assert ctx.actor == "service:crm-bridge"  # the token's subject, not ce_actor


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (message(), "not authenticated: a bearer token is required"),
        (
            message(authorization=f"Bearer {service_token(OTHER)}"),
            "not authenticated: the token is not valid",
        ),
        (
            message(tenant="globex", authorization=f"Bearer {service_token()}"),
            "may not submit for tenant globex",
        ),
        (
            message(workspace="ws-b", authorization=f"Bearer {service_token()}"),
            "may not submit to workspace ws-b",
        ),
        (
            message(authorization=f"Bearer {service_token(scope_actions=[Access.READ])}"),
            "may not submit to workspace ws-a",
        ),
    ],
    ids=["no-token", "foreign-key", "other-tenant", "other-workspace", "read-only-token"],
)
def test_producers_are_refused_outside_their_grant(event: IncomingEvent, reason: str) -> None:
    with pytest.raises(InvalidSubmission, match=reason):
        submission(event, VERIFIER)


def test_tokens_are_not_repeated_in_the_reason() -> None:
    token = service_token(tenant="globex")
    with pytest.raises(InvalidSubmission) as refused:
        submission(message(authorization=f"Bearer {token}"), VERIFIER)
    assert token not in str(refused.value)


def test_development_headers_name_the_tenant_locally() -> None:
    event = message(tenant="local", **{"x-sextant-actor": "service:dev"})
    assert submission(event, DevelopmentHeaders())[1].actor == "service:dev"
    with pytest.raises(InvalidSubmission, match="may not submit for tenant acme"):
        submission(message(**{"x-sextant-tenant": "local"}), DevelopmentHeaders())
