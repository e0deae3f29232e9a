"""Who is signed in: the bearer token kept in an HttpOnly cookie, and what its claims allow.

The console reads the claims only to decide which pages and actions to offer; every API
verifies the token and enforces the role table itself.
"""

from __future__ import annotations

import base64
import time
import zlib
from dataclasses import dataclass
from typing import Any

import jwt
from sextant_kit.auth import Unauthenticated, principal_from_claims
from sextant_kit.authz import Access, Principal, Role

COOKIE = "sextant_console_token"
MAX_TOKEN_LENGTH = 16_384
COOKIE_CHARACTERS = 3_900
"""The most of a token the session cookie holds as it is: browsers keep cookies of up to
4,096 bytes, name and attributes included, and drop longer ones without a word."""
PACKED = "z."
"""Starts a cookie holding a compressed token (a token, a JWT, starts with ``eyJ``)."""


class NotSignedIn(Exception):
    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Session:
    token: str
    principal: Principal
    expires_at: float

    @property
    def actor(self) -> str:
        return self.principal.actor

    @property
    def workspaces(self) -> list[str]:
        return sorted(self.principal.workspace_roles)

    def role(self, workspace_id: str | None) -> Role | None:
        return self.principal.role_in(workspace_id)

    def may(self, access: Access | str, workspace_id: str | None = None) -> bool:
        return self.principal.may(Access(access), workspace_id)

    def reads_somewhere(self) -> bool:
        """Whether the user reads the organisation or at least one workspace: the
        cross-workspace views show them their part."""
        return self.principal.workspaces_with(Access.READ) != frozenset()


def cookie_of(token: str) -> str:
    """The session cookie's value for ``token``: the token, or, when it is too long for a
    cookie (one naming a member's hundreds of workspaces), compressed. NotSignedIn when
    even that is too long."""
    if len(token) <= COOKIE_CHARACTERS:
        return token
    packed = PACKED + base64.urlsafe_b64encode(zlib.compress(token.encode(), 9)).decode()
    if len(packed) > COOKIE_CHARACTERS:
        raise NotSignedIn(
            f"that token is {len(token):,} characters, more than a browser keeps in a cookie"
            " even compressed; ask for a token that names fewer workspaces"
        )
    return packed.rstrip("=")


def session_from_cookie(value: str | None, *, now: float | None = None) -> Session:
    """The session the cookie holds (see ``cookie_of``)."""
    if value and value.startswith(PACKED):
        packed = value.removeprefix(PACKED)
        inflate = zlib.decompressobj()
        try:
            raw = inflate.decompress(
                base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)), MAX_TOKEN_LENGTH + 1
            )
            if not inflate.eof or inflate.unconsumed_tail:  # cut short, or too long
                raise ValueError(packed)
            value = raw.decode()
        except (ValueError, zlib.error, UnicodeDecodeError):
            raise NotSignedIn("the session cookie could not be read; sign in again") from None
    return session_from(value, now=now)


def session_from(token: str | None, *, now: float | None = None) -> Session:
    """The session a token opens, or NotSignedIn saying why not."""
    if not token:
        raise NotSignedIn()
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise NotSignedIn("that token is too long to be a Sextant token")
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise NotSignedIn(
            "that is not a token (expected a JWT: three dot-separated parts)"
        ) from None
    if not claims.get("sub"):
        raise NotSignedIn("the token names no user (sub claim)")
    expires = claims.get("exp")
    if not isinstance(expires, int | float):
        raise NotSignedIn("the token has no expiry (exp claim)")
    if expires <= (time.time() if now is None else now):
        raise NotSignedIn("the token has expired; get a new one")
    try:
        principal = principal_from_claims(claims)
    except Unauthenticated as error:
        raise NotSignedIn(str(error.detail)) from None
    return Session(token, principal, float(expires))
