"""Who is calling: bearer tokens (OIDC/JWT, RS256 or ES256) or, for local use only,
development headers.

Token claims Sextant reads (an organisation's identity provider adds them, or
``sextant-run token`` mints them for service accounts):

- ``sub``: the actor (a person, or ``service:<name>`` for an internal platform);
- ``sextant_tenant``: the organisation; every query and command is confined to it;
- ``sextant_role``: the organisation-wide role (see ``authz.PERMISSIONS``);
- ``sextant_workspaces``: ``{workspace id: role}`` for roles in single workspaces;
- ``sextant_scope``: service tokens only, ``{"workspaces": [...], "actions": [...]}``
  narrowing what the token may touch and do;
- ``sextant_audiences``: stakeholders, optionally: the audiences (``sales``, ...) whose
  published roadmap versions they read; without it, every audience's.

``exp``, ``iss`` and ``aud`` are required and checked. Tokens never appear in logs or in
error messages.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pydantic import ValidationError

from sextant_kit.authz import Access, Principal, Role
from sextant_kit.errors import ConfigurationError, DomainError
from sextant_kit.settings import Settings

ALGORITHMS = ("RS256", "ES256")


class Unauthenticated(DomainError):
    status = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="unauthenticated")


class Authenticator(Protocol):
    def authenticate(self, headers: Mapping[str, str]) -> Principal: ...


class DevelopmentHeaders:
    """``X-Sextant-Tenant``, ``X-Sextant-Actor``, ``X-Sextant-Role``: local use and tests only.

    A bearer token, when the caller sends one, is read for its claims and never verified:
    the web console, signed in with a token ``sextant token create`` made, then acts as that
    token's user, as it will where tokens are verified. Anything that is not a readable
    token falls back to the headers."""

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            try:
                claims = jwt.decode(token, options={"verify_signature": False})
            except jwt.InvalidTokenError:
                pass
            else:
                return principal_from_claims(claims)
        tenant = headers.get("x-sextant-tenant", "local")
        actor = headers.get("x-sextant-actor", "anonymous")
        raw_role = headers.get("x-sextant-role", Role.ADMIN.value)
        try:
            role = Role(raw_role)
        except ValueError:
            raise DomainError(
                f"X-Sextant-Role must be one of {', '.join(r.value for r in Role)}",
                field="header.X-Sextant-Role",
            ) from None
        for name, value in (("X-Sextant-Tenant", tenant), ("X-Sextant-Actor", actor)):
            if not 0 < len(value) <= 200:
                raise DomainError(f"{name} must be 1 to 200 characters", field=f"header.{name}")
        return Principal(tenant_id=tenant, actor=actor, organisation_role=role)


VERIFIED_TOKENS = 4096
"""Tokens a process keeps verified (see :class:`BearerTokens`): more than the people and
services that call one process within a token's life."""


@dataclass(frozen=True)
class BearerTokens:
    """Verifies bearer tokens against the identity provider's keys.

    A client sends the same token with every request until it expires, and verifying one
    costs 0.3 ms (an ES256 signature) to 1.4 ms (a token naming 300 workspaces, whose every
    character PyJWT checks) of CPU. So a token verified once is kept, with the principal
    it names and its expiry, for the most recent :data:`VERIFIED_TOKENS`: the same bytes
    verify the same way against the same keys (which a process loads once), and a kept
    token is refused once it expires, as a fresh check would refuse it.
    """

    keys: jwt.PyJWKSet
    issuer: str
    audience: str
    leeway: int = 30
    clock: Callable[[], float] = time.time
    _verified: OrderedDict[str, tuple[Principal, float]] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        header = headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("a bearer token is required (Authorization: Bearer <token>)")
        kept = self._verified.get(token)
        if kept is not None:
            principal, expires = kept
            if self.clock() <= expires + self.leeway:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
            raise Unauthenticated("the token has expired; get a new one")
        principal, expires = self._verify(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._key(kid)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=list(ALGORITHMS),
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired; get a new one") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(f"the token is not for this audience ({self.audience})") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(f"the token was not issued by {self.issuer}") from None
        except (jwt.InvalidTokenError, jwt.PyJWKError) as error:
            raise Unauthenticated(f"the token is not valid: {type(error).__name__}") from None
        return principal_from_claims(claims), float(claims["exp"])

    def _key(self, kid: str | None) -> jwt.PyJWK:
        if kid is None:
            if len(self.keys.keys) == 1:
                return self.keys.keys[0]
            raise jwt.InvalidTokenError("token has no kid and several keys are configured")
        try:
            return self.keys[kid]
        except KeyError:
            raise jwt.InvalidTokenError(f"unknown key id {kid}") from None


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    tenant = claims.get("sextant_tenant")
    if not isinstance(tenant, str) or not tenant:
        raise Unauthenticated("the token carries no sextant_tenant claim")
    try:
        org_role = Role(claims["sextant_role"]) if claims.get("sextant_role") else None
        workspaces = {
            str(k): Role(v) for k, v in dict(claims.get("sextant_workspaces") or {}).items()
        }
        scope = dict(claims.get("sextant_scope") or {})
        scoped_ws = frozenset(map(str, scope["workspaces"])) if "workspaces" in scope else None
        actions = frozenset(Access(a) for a in scope["actions"]) if "actions" in scope else None
        audiences = _audiences(claims.get("sextant_audiences"))
    except (ValueError, TypeError, ValidationError) as error:
        raise Unauthenticated(f"the token's Sextant claims are malformed: {error}") from None
    return Principal(
        tenant_id=tenant,
        actor=str(claims["sub"]),
        organisation_role=org_role,
        workspace_roles=workspaces,
        workspaces=scoped_ws,
        actions=actions,
        audiences=audiences,
    )


def _audiences(claim: Any) -> frozenset[str] | None:
    """``sextant_audiences``: the audiences a stakeholder reads published versions for."""
    if claim is None:
        return None
    if not isinstance(claim, list) or not all(isinstance(a, str) and a for a in claim):
        raise ValueError("sextant_audiences must be a list of audience names")
    return frozenset(claim)


def load_jwks(settings: Settings) -> jwt.PyJWKSet:
    if settings.jwt_jwks:
        return jwt.PyJWKSet.from_json(settings.jwt_jwks)
    if settings.jwt_jwks_file:
        return jwt.PyJWKSet.from_json(Path(settings.jwt_jwks_file).read_text())
    raise ConfigurationError(
        "SEXTANT_AUTH_MODE=jwt needs SEXTANT_JWT_JWKS or SEXTANT_JWT_JWKS_FILE (the identity "
        "provider's public keys); use SEXTANT_AUTH_MODE=dev only on a developer's machine"
    )


def authenticator_from(settings: Settings) -> Authenticator:
    if settings.auth_mode == "dev":
        return DevelopmentHeaders()
    return BearerTokens(load_jwks(settings), settings.jwt_issuer, settings.jwt_audience)


def mint(
    private_key_pem: str,
    *,
    kid: str,
    issuer: str,
    audience: str,
    subject: str,
    tenant: str,
    role: Role | None = None,
    workspaces: Mapping[str, Role] | None = None,
    scope_workspaces: Sequence[str] | None = None,
    scope_actions: Sequence[Access] | None = None,
    audiences: Sequence[str] | None = None,
    ttl: int = 3600,
    algorithm: str = "ES256",
) -> str:
    """A signed token with Sextant's claims (service accounts, local development, tests)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "exp": now + ttl,
        "sextant_tenant": tenant,
    }
    if role is not None:
        claims["sextant_role"] = role.value
    if workspaces:
        claims["sextant_workspaces"] = {k: v.value for k, v in workspaces.items()}
    scope: dict[str, list[str]] = {}
    if scope_workspaces is not None:
        scope["workspaces"] = list(scope_workspaces)
    if scope_actions is not None:
        scope["actions"] = [a.value for a in scope_actions]
    if scope:
        claims["sextant_scope"] = scope
    if audiences is not None:
        claims["sextant_audiences"] = list(audiences)
    return jwt.encode(claims, private_key_pem, algorithm=algorithm, headers={"kid": kid})


def jwks_of(public_keys: Mapping[str, RSAPublicKey | EllipticCurvePublicKey]) -> str:
    """A JWKS document for ``{kid: public key}`` (RSA for RS256, P-256 for ES256)."""
    keys = []
    for kid, key in public_keys.items():
        if isinstance(key, RSAPublicKey):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
            jwk["alg"] = "RS256"
        else:
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key))
            jwk["alg"] = "ES256"
        jwk["kid"] = kid
        keys.append(jwk)
    return json.dumps({"keys": keys})
