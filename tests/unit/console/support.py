"""What the console's page tests share: a fake API, tokens, ids, sending a form."""

from __future__ import annotations

import html
import json
import re
import time
from typing import Any

import httpx
import jwt
from sextant_console.session import COOKIE

SECRET = "unit-tests-only-not-a-real-signing-key-0123456789"
# Ids the fake API's answers use, in the roles each module gives them.
RID = "5af25768-21e2-40a5-aa48-65ed010e8c12"
IID = "dcf1dd81-0d2d-4ed6-a8b5-e71b1727432b"
OID = "4aee18f9-8301-4dfb-a11b-a2f0640ae45f"
KID = "a3922b8e-6263-46b7-ad85-09aa73790ad4"
SID = "0b6f41f6-5b43-4c5e-9a64-7e33c5a3a1c1"
EID = "6c0e4a57-3a57-4d0e-b0c4-5bb40e0d3c2e"
PID = "d135062e-dbf5-422a-94a0-2ac6c7028f98"


def token(role: str = "product_manager", *, expires_in: int = 3600, **claims: Any) -> str:
    body = {
        "sub": "pm.ana",
        "exp": int(time.time()) + expires_in,
        "sextant_tenant": "acme",
        "sextant_workspaces": {"mobile": role},
        **claims,
    }
    return jwt.encode(body, SECRET, algorithm="HS256")


class FakeApi:
    """Answers by (method, path); records every request."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], httpx.Response] = {}
        self.seen: list[httpx.Request] = []
        self.particular: dict[tuple[str, str, str], httpx.Response] = {}

    def on(self, method: str, path: str, status: int = 200, body: Any = None) -> None:
        self.answers[(method, path)] = self._answer(status, body)

    @staticmethod
    def _answer(status: int, body: Any) -> httpx.Response:
        headers = {
            "content-type": "application/problem+json" if status >= 400 else "application/json"
        }
        return httpx.Response(status, json=body or {}, headers=headers)

    def on_file(
        self, path: str, content: bytes, media_type: str, headers: dict[str, str] | None = None
    ) -> None:
        """``GET path`` answers ``content`` as a file (an export), with ``headers``."""
        headers = {"content-type": media_type, **(headers or {})}
        self.answers[("GET", path)] = httpx.Response(200, content=content, headers=headers)

    def when(self, method: str, path: str, naming: str, status: int, body: Any) -> None:
        """``method path`` answers ``status`` with ``body`` when its body or its query
        names ``naming`` (one member of a team refused, a list's second page)."""
        self.particular[(method, path, naming)] = self._answer(status, body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        for (method, path, naming), answer in self.particular.items():
            if (method, path) == (request.method, request.url.path) and (
                naming.encode() in request.content + request.url.query
            ):
                return answer
        found = self.answers.get((request.method, request.url.path))
        if found is None:
            return httpx.Response(404, json={"title": "Not Found", "detail": "no such thing"})
        return found


def sign_in(client: httpx.AsyncClient, raw: str) -> None:
    client.cookies.set(COOKIE, raw)


async def post_form(
    client: httpx.AsyncClient, api: FakeApi, action: str, form: dict[str, str], command: str
) -> tuple[httpx.Response, Any]:
    """Send a console form; the command it sent the API, or None if it sent none."""
    before = len(api.seen)
    page = "http://console.test/w/mobile/strategy"  # where the forms are, errors go back to
    headers = {"origin": "http://console.test", "referer": page}
    sent = await client.post(action, data=form, headers=headers)
    assert sent.status_code == 303, sent.text
    posted = [r for r in api.seen[before:] if r.url.path == command and r.method != "GET"]
    return sent, json.loads(posted[-1].content or b"{}") if posted else None


def words(markup: str) -> str:
    """Markup as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def seen_in(page: str, action: str) -> str:
    """What the form posting to ``action`` on a page records it showed (``seen``)."""
    form = page.split(f'action="{action}"')[1].split("</form>")[0]
    found = re.search(r'name="seen" value="([^"]*)"', form)
    assert found, f"the form posting to {action} records nothing it showed"
    return html.unescape(found.group(1))
