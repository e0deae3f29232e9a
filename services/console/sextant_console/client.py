"""The services' HTTP APIs, called with the signed-in user's token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

CONSISTENCY_HEADER = "X-Sextant-Consistency-Token"


class ApiError(Exception):
    """An API answered with a problem (RFC 9457) or could not be reached."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail


@dataclass(frozen=True)
class Api:
    """One user's view of the APIs: their token, and the last write they are waiting for."""

    http: httpx.AsyncClient
    token: str
    consistency: str | None = None

    def _headers(self, *, reading: bool) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if reading and self.consistency:
            headers[CONSISTENCY_HEADER] = self.consistency
        return headers

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return await self._send("GET", path, params=_given(params or {}))

    async def every_readable(self, path: str) -> list[Any]:
        """Every item of a cursor-paged list, 200 a page (a team's members, a member's
        workspaces); none when the user may not read it."""
        items: list[Any] = []
        cursor = None
        while True:
            found = await self.get_if_readable(path, {"limit": 200, "cursor": cursor})
            items += (found or {}).get("items", [])
            if not (cursor := (found or {}).get("next_cursor")):
                return items

    async def get_if_readable(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """``get``, or None when the user may not read it or it is not there (403, 404):
        for what a page shows beside its subject, not the subject itself."""
        try:
            return await self.get(path, params)
        except ApiError as error:
            if error.status in (403, 404):
                return None
            raise

    async def send(
        self, method: str, path: str, body: Any = None, *, key: str | None = None
    ) -> Any:
        """A command: ``body`` as JSON (none if None); ``key`` makes a retry of the same
        command act once (``Idempotency-Key``)."""
        if body is None:
            return await self._send(method, path, key=key)
        return await self._send(method, path, key=key, json=body)

    async def send_file(
        self,
        path: str,
        params: Mapping[str, Any],
        content: bytes,
        media_type: str,
        *,
        key: str | None = None,
    ) -> Any:
        """``POST`` a file as the request's body (an import); ``key`` as for ``send``."""
        return await self._send(
            "POST", path, key=key, media_type=media_type, params=_given(params), content=content
        )

    async def stream(self, path: str, params: Mapping[str, Any]) -> httpx.Response:
        """A ``GET`` whose body is read as it arrives (an export): the caller closes it. A
        refusal is raised before any of it is passed on."""
        request = self.http.build_request(
            "GET", path, params=_given(params), headers=self._headers(reading=False)
        )
        try:
            response = await self.http.send(request, stream=True)
        except httpx.HTTPError as error:
            raise _unreachable(error) from None
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            raise _problem(response)
        return response

    async def _send(
        self,
        method: str,
        path: str,
        key: str | None = None,
        media_type: str | None = None,
        **kwargs: Any,
    ) -> Any:
        reading = method == "GET"
        headers = self._headers(reading=reading)
        if key:
            headers["Idempotency-Key"] = key
        if media_type:
            headers["Content-Type"] = media_type
        try:
            response = await self.http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise _unreachable(error) from None
        if response.status_code == 503 and reading and self.consistency:
            # The projections are still applying the user's last write: show the page as it
            # is rather than an error; the notice says the change is on its way.
            retry = {**headers}
            retry.pop(CONSISTENCY_HEADER, None)
            response = await self.http.request(method, path, headers=retry, **kwargs)
        if response.status_code >= 400:
            raise _problem(response)
        if not response.content:
            return {}
        return response.json()


def _unreachable(error: httpx.HTTPError) -> ApiError:
    return ApiError(
        502, "Service unavailable", f"the API could not be reached ({type(error).__name__})"
    )


def _given(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a form or page filled in (an empty one is left out, not sent empty)."""
    return {k: v for k, v in params.items() if v is not None and v != ""}


def _problem(response: httpx.Response) -> ApiError:
    title, detail = response.reason_phrase or "Error", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        title = str(body.get("title") or title)
        detail = str(body.get("detail") or "")
        errors = body.get("errors")
        if isinstance(errors, list):
            # Each field's error, unless the detail already says it (one error often is
            # the whole detail).
            named = [
                f"{_as_labelled(str(e.get('field')))}: {e.get('message')}"
                for e in errors
                if isinstance(e, dict) and str(e.get("message")) not in detail
            ]
            if named and detail.startswith("invalid field(s):"):
                detail = "; ".join(named)  # the detail only lists the fields named here
            elif named:
                detail += " — " + "; ".join(named)
    return ApiError(response.status_code, title, detail or title)


def _as_labelled(field: str) -> str:
    """An API's field as the console's forms label it (``body.target_date``: ``target
    date``): a user reads the form, not the request the console made of it."""
    for where in ("body.", "query."):
        field = field.removeprefix(where)
    return field.replace("_", " ")
