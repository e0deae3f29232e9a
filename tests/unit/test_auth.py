"""Bearer tokens: RS256 and ES256 verified against configured keys; claims become roles."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sextant_kit.auth import BearerTokens, DevelopmentHeaders, Unauthenticated, jwks_of, mint
from sextant_kit.authz import Access, Role
from sextant_kit.errors import DomainError


def pem(key: Any) -> str:
    raw: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return raw.decode()


EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = ec.generate_private_key(ec.SECP256R1())
VERIFIER = BearerTokens(
    jwt.PyJWKSet.from_json(jwks_of({"ec": EC_KEY.public_key(), "rsa": RSA_KEY.public_key()})),
    issuer="https://idp.example",
    audience="sextant",
)


def token(key: Any = EC_KEY, kid: str = "ec", algorithm: str = "ES256", **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "kid": kid,
        "issuer": "https://idp.example",
        "audience": "sextant",
        "subject": "ana@acme.example",
        "tenant": "acme",
        "role": Role.PRODUCT_MANAGER,
        "algorithm": algorithm,
    }
    fields.update(overrides)
    return mint(pem(key), **fields)


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


@pytest.mark.parametrize(
    ("key", "kid", "alg"), [(EC_KEY, "ec", "ES256"), (RSA_KEY, "rsa", "RS256")]
)
def test_valid_tokens_of_both_algorithms_name_the_caller(key: Any, kid: str, alg: str) -> None:
    who = VERIFIER.authenticate(bearer(token(key, kid, alg)))
    assert (who.tenant_id, who.actor, who.organisation_role) == (
        "acme",
        "ana@acme.example",
        Role.PRODUCT_MANAGER,
    )
    assert who.may(Access.PUBLISH, "any-workspace")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (token(ttl=-120), "expired"),
        (token(audience="someone-else"), "audience"),
        (token(issuer="https://evil.example"), "issued by"),
        (token(key=OTHER), "not valid"),
        (token(kid="unknown"), "not valid"),
        ("not.a.token", "not valid"),
    ],
)
def test_bad_tokens_are_401_without_echoing_the_token(value: str, message: str) -> None:
    with pytest.raises(Unauthenticated, match=message) as raised:
        VERIFIER.authenticate(bearer(value))
    assert value not in str(raised.value)


def test_no_token_is_401() -> None:
    with pytest.raises(Unauthenticated, match="bearer token is required"):
        VERIFIER.authenticate({})
    with pytest.raises(Unauthenticated):
        VERIFIER.authenticate({"authorization": "Basic YWRtaW46YWRtaW4="})


def test_a_token_without_tenant_is_refused() -> None:
    now = int(time.time())
    raw = jwt.encode(
        {"iss": "https://idp.example", "aud": "sextant", "sub": "x", "exp": now + 60},
        pem(EC_KEY),
        algorithm="ES256",
        headers={"kid": "ec"},
    )
    with pytest.raises(Unauthenticated, match="sextant_tenant"):
        VERIFIER.authenticate(bearer(raw))


def test_service_tokens_are_scoped_to_workspaces_and_actions() -> None:
    raw = token(
        subject="service:crm-sync",
        role=Role.CONTRIBUTOR,
        scope_workspaces=["mobile"],
        scope_actions=[Access.WRITE],
    )
    who = VERIFIER.authenticate(bearer(raw))
    assert who.may(Access.WRITE, "mobile")
    assert not who.may(Access.READ, "mobile")
    assert not who.may(Access.WRITE, "web")


def test_workspace_roles_come_from_the_token() -> None:
    raw = token(role=Role.STAKEHOLDER, workspaces={"mobile": Role.PRODUCT_OWNER})
    who = VERIFIER.authenticate(bearer(raw))
    assert who.may(Access.PUBLISH, "mobile")
    assert not who.may(Access.READ, "web")


def test_a_stakeholders_token_may_name_the_audiences_they_read() -> None:
    raw = token(
        role=Role.STAKEHOLDER, workspaces={"mobile": Role.PRODUCT_OWNER}, audiences=["sales"]
    )
    who = VERIFIER.authenticate(bearer(raw))
    assert who.audiences_in("web") == frozenset({"sales"})
    assert who.audiences_in("mobile") is None  # the team reads every version it published
    assert VERIFIER.authenticate(bearer(token(role=Role.STAKEHOLDER))).audiences_in("web") is None
    odd = token(role=Role.STAKEHOLDER, audiences=[""])
    with pytest.raises(Unauthenticated, match="sextant_audiences must be a list"):
        VERIFIER.authenticate(bearer(odd))


def test_development_headers_validate_the_role() -> None:
    who = DevelopmentHeaders().authenticate({"x-sextant-role": "stakeholder"})
    assert who.organisation_role == Role.STAKEHOLDER
    with pytest.raises(DomainError, match="X-Sextant-Role"):
        DevelopmentHeaders().authenticate({"x-sextant-role": "overlord"})


def test_development_mode_reads_a_bearer_tokens_claims_without_verifying_them() -> None:
    unverifiable = token(role=Role.STAKEHOLDER, workspaces={"mobile": Role.PRODUCT_OWNER})
    who = DevelopmentHeaders().authenticate(
        {"authorization": f"Bearer {unverifiable[:-4]}AAAA", "x-sextant-actor": "ignored"}
    )
    assert (who.tenant_id, who.actor) == ("acme", "ana@acme.example")
    assert who.may(Access.PUBLISH, "mobile")
    assert not who.may(Access.WRITE, "web")
    # what is not a token falls back to the headers
    fallback = DevelopmentHeaders().authenticate(
        {"authorization": "Bearer s3cret", "x-sextant-tenant": "globex"}
    )
    assert (fallback.tenant_id, fallback.actor) == ("globex", "anonymous")


def test_a_token_verified_once_is_kept_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client sends the same token with every request: it is verified once, and a kept
    token is refused once expired, as a fresh check would refuse it."""
    now = [time.time()]
    verifier = BearerTokens(VERIFIER.keys, "https://idp.example", "sextant", clock=lambda: now[0])
    checked: list[str] = []
    verify = BearerTokens._verify

    def counting(self: BearerTokens, raw: str) -> Any:
        checked.append(raw)
        return verify(self, raw)

    monkeypatch.setattr(BearerTokens, "_verify", counting)
    valid = token(ttl=60)
    first = verifier.authenticate(bearer(valid))
    assert verifier.authenticate(bearer(valid)) == first
    assert len(checked) == 1
    with pytest.raises(Unauthenticated, match="not valid"):  # a bad one is never kept
        verifier.authenticate(bearer(token(OTHER)))
    with pytest.raises(Unauthenticated, match="not valid"):
        verifier.authenticate(bearer(token(OTHER)))
    assert len(checked) == 3
    now[0] += 60 + verifier.leeway + 1
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.authenticate(bearer(valid))
    assert valid not in verifier._verified  # the next request is checked afresh


def test_only_the_most_recent_tokens_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sextant_kit.auth.VERIFIED_TOKENS", 2)
    verifier = BearerTokens(VERIFIER.keys, "https://idp.example", "sextant")
    tokens = [token(subject=f"user-{i}") for i in range(3)]
    for raw in tokens:
        verifier.authenticate(bearer(raw))
    assert list(verifier._verified) == tokens[1:]
