"""The console's composition root: ``create_app(settings)`` builds everything; nothing
connects at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sextant_console.client import ApiError
from sextant_console.session import COOKIE, NotSignedIn, session_from_cookie
from sextant_console.settings import ConsoleSettings
from sextant_console.views import PAGES
from sextant_console.web import BadForm, Flash, redirect, render, safe_path

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_MESSAGES = {
    401: "Your sign-in is no longer accepted; sign in again with a current token.",
    403: "Your role does not allow this. Ask a workspace admin if you need access.",
    404: "There is nothing here, or it belongs to a workspace you cannot see.",
}


def create_app(
    settings: ConsoleSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
        async with httpx.AsyncClient(
            base_url=settings.api_url,
            timeout=settings.api_timeout,
            limits=limits,
            transport=transport,
        ) as http:
            app.state.http = http
            yield

    app = FastAPI(
        title="Sextant console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for router in PAGES:
        app.include_router(router)

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method == "POST" and not _same_origin(request):
            return PlainTextResponse("cross-site form posts are refused", status_code=403)
        response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotSignedIn)
        target = "/login"
        if request.method == "GET" and request.url.path != "/":
            target += "?next=" + quote(request.url.path, safe="/")
        response = redirect(request, target, error=exc.reason)
        if exc.reason:  # a token that no longer opens a session is forgotten
            response.delete_cookie(COOKIE, path="/")
        return response

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.status == 401:
            response = redirect(request, "/login", error=f"{_MESSAGES[401]} ({exc.detail})")
            response.delete_cookie(COOKIE, path="/")
            return response
        return await _failed(request, exc.status, exc.title, exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        title = "Not found" if exc.status_code == 404 else "Request refused"
        return await _failed(request, exc.status_code, title, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_address(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        return await _failed(request, 422, "Check the address", f"invalid: {fields}")

    @app.exception_handler(BadForm)
    async def bad_form(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadForm)
        return await _failed(request, 422, "Check the form", exc.detail)

    return app


async def _failed(request: Request, status: int, title: str, detail: str) -> Response:
    """A write goes back to its page with the problem shown; a read shows it in place."""
    if request.method == "POST":
        back = request.query_params.get("back") or _referer_path(request) or "/"
        return redirect(request, back, error=f"{title}: {detail}")
    try:
        session = session_from_cookie(request.cookies.get(COOKIE))
    except NotSignedIn:
        session = None
    return render(
        request,
        "error.html",
        status,
        session=session,
        flash=Flash(),
        ws=request.path_params.get("ws"),
        code=status,
        title=title,
        detail=detail,
        explanation=_MESSAGES.get(status, ""),
    )


def _same_origin(request: Request) -> bool:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _referer_path(request: Request) -> str | None:
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc != request.headers.get("host", ""):
        return None
    return safe_path(parts.path + (f"?{parts.query}" if parts.query else ""))
