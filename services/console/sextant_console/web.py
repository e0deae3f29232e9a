"""What every console page shares: the signed-in context, rendering, forms, notices and
redirects after a write (post/redirect/get)."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

import httpx
from fastapi import Depends, Request
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from sextant_console.client import Api
from sextant_console.session import COOKIE, Session, session_from_cookie

FLASH = "sextant_console_flash"
MAX_FORM_BYTES = 256 * 1024
"""Room for an edit form's fields twice: as typed and as its page showed them (``seen``)."""

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


def _short(value: Any, limit: int = 240) -> str:
    """A value as compact JSON, cut to ``limit`` characters (audit values can be whole
    published snapshots)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


templates.filters["short"] = _short


def _web_link(url: Any) -> str:
    """A link a page may carry: http(s) only, whatever an API sent (never ``javascript:``)."""
    text = str(url)
    return text if text.startswith(("https://", "http://")) else "#"


templates.filters["web_link"] = _web_link


def _counted(count: Any, noun: str) -> str:
    """``1 vote``, ``2 votes``: a count with its noun (``{{ n | counted('vote') }}``)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


templates.filters["counted"] = _counted


def exact(value: float) -> str:
    """A number as a form field holds it: every digit it has (``1234567``, ``0.1234567``),
    so a form sent back unchanged changes nothing."""
    text = repr(float(value))
    return text.removesuffix(".0")


def figure(value: float, places: int | None = None) -> str:
    """A number as people read it, with thousands separators and never in exponent form
    (``7,407,402``, ``0.1234567``); ``places`` rounds it first (a score's two)."""
    number = float(value) if places is None else round(float(value), places)
    return f"{Decimal(repr(number)).normalize():,f}"


def money(value: Any) -> str:
    """An amount as people read it, to the cent with thousands separators
    (``1,200,000.00``); ``—`` for none."""
    return "—" if value is None or value == "" else f"{Decimal(str(value)):,.2f}"


templates.filters["exact"] = exact
templates.filters["money"] = money
templates.filters["figure"] = figure

BARS = "▁▂▃▄▅▆▇█"


def _spark(counts: list[int]) -> str:
    """Counts as a row of bars, the tallest the largest count (``{{ counts | spark }}``)."""
    top = max(counts, default=0)
    return "".join(BARS[0] if not top else BARS[round(c * (len(BARS) - 1) / top)] for c in counts)


templates.filters["spark"] = _spark


class BadForm(Exception):
    """Input the console itself refuses before calling an API (shown like an API error)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Flash:
    kind: str = ""
    text: str = ""
    token: str | None = None
    """A write's consistency token: the next page's reads wait until it is applied."""

    def encode(self) -> str:
        raw = json.dumps({"k": self.kind, "t": self.text, "c": self.token})
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @classmethod
    def decode(cls, value: str | None) -> Flash:
        if not value:
            return cls()
        try:
            data = json.loads(base64.urlsafe_b64decode(value.encode()))
            return cls(str(data["k"])[:20], str(data["t"])[:2000], data.get("c") or None)
        except (ValueError, KeyError, TypeError):
            return cls()


@dataclass
class Ctx:
    request: Request
    session: Session
    api: Api
    flash: Flash
    page_size: int

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        return render(
            self.request, template, status, session=self.session, flash=self.flash, **values
        )


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = templates.get_template(template).render(request=request, **values)
    response = HTMLResponse(html, status_code=status)
    if FLASH in request.cookies:
        response.delete_cookie(FLASH, path="/", httponly=True, samesite="strict")
    return response


def redirect(
    request: Request, to: str, *, notice: str = "", error: str = "", token: str | None = None
) -> RedirectResponse:
    """303 to a page of the console, carrying a one-time notice (and the write's token)."""
    response = RedirectResponse(safe_path(to), status_code=303)
    if notice or error or token:
        flash = Flash("error" if error else "notice", error or notice, token)
        response.set_cookie(
            FLASH,
            flash.encode(),
            max_age=60,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response


async def act(
    page: Ctx,
    form: dict[str, str],
    method: str,
    path: str,
    body: Any = None,
    *,
    to: str | Callable[[Any], str],
    notice: str,
) -> RedirectResponse:
    """Send a form's command to the API, the submission as its idempotency key (so sending
    the form twice acts once), and go ``to`` the next page (given the API's answer, when it
    is the new thing's page) with ``notice``. That page's reads wait until the projections
    applied the write (its consistency token)."""
    done = await page.api.send(method, path, body, key=submission_key(form))
    target = to if isinstance(to, str) else to(done)
    return redirect(page.request, target, notice=notice, token=done.get("consistency_token"))


def safe_path(to: str) -> str:
    """Only paths of this console: never an open redirect."""
    if not to.startswith("/") or to.startswith("//") or "\\" in to:
        return "/"
    return to


async def form_of(request: Request) -> dict[str, str]:
    """An urlencoded form body (the console's forms post nothing else), its line breaks
    as the platform keeps them: a browser sends a text area's as CRLF, and saving a text
    unchanged must not change it."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise BadForm("the form is too large")
    try:
        fields = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        raise BadForm("the form could not be read") from None
    return {name: value.replace("\r\n", "\n") for name, value in fields}


FORM_NONCE = "form_nonce"
templates.globals["form_nonce"] = lambda: uuid.uuid4().hex


def submission_key(form: dict[str, str]) -> str | None:
    """The idempotency key of one submission of a rendered form: its page's nonce and what
    was filled in. Sending the same form again (a double click, a reload after a slow answer)
    repeats the key, so the API acts once; a form changed before sending is a new command."""
    nonce = form.get(FORM_NONCE, "")
    if not nonce:
        return None
    filled = sorted(form.items())
    return "console:" + hashlib.sha256(json.dumps(filled).encode()).hexdigest()[:40]


SEEN = "seen"


def _seen_field(values: dict[str, Any] | None, *names: str) -> Markup:
    """An edit form's record of the values of ``names`` its page showed (``values`` is the
    thing edited), so that saving it changes what this user changed and no more."""
    shown = {name: (values or {}).get(name) for name in names}
    return Markup('<input type="hidden" name="{}" value="{}">').format(SEEN, json.dumps(shown))


templates.globals["seen"] = _seen_field


def _plain(value: Any) -> Any:
    """A value as a form gives it back: text trimmed, with the browser's line breaks (CRLF)
    as the API keeps them; nothing is empty text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


def merge_edit(
    body: dict[str, Any], seen: dict[str, Any], current: dict[str, Any]
) -> dict[str, Any]:
    """What an edit form sends, given what its page showed (``seen``) and what is there now
    (``current``, which others may have changed since): each field the user left as shown
    takes its current value; a list takes the user's additions and removals into the current
    one. A field changed both by the user and by someone else, differently, is refused
    naming it, its value now and the user's (the page, read again, shows the value now and
    records it as seen: the user's, sent again, replaces it). A field the form leaves out
    when empty is empty as typed."""
    merged = dict(body)
    clashes = []
    for name in seen:
        mine = body.get(name, [] if isinstance(seen[name], list) else "")
        was, now = _plain(seen[name]), _plain(current.get(name))
        if now == was or now == _plain(mine):
            continue
        if _plain(mine) == was:
            merged[name] = now
        elif isinstance(mine, list) and isinstance(now, list) and isinstance(was, list):
            gone = set(was) - set(mine)
            kept = [x for x in now if x not in gone]
            merged[name] = kept + [x for x in mine if x not in was and x not in kept]
        else:
            shown, yours = (" ".join(_short(v, 80).split()) for v in (now, mine))
            clashes.append(f"{name.replace('_', ' ')} is now '{shown}' (you wrote '{yours}')")
    if clashes:
        raise BadForm(
            "since this page was opened, someone else changed what you changed: "
            + "; ".join(sorted(clashes))
            + ". The form shows theirs now: write yours again to replace it."
        )
    # Empty is sent only as the user's own value (to clear a field), never as another's.
    return {name: v for name, v in merged.items() if v != "" or body.get(name) == ""}


async def as_edited(
    page: Ctx,
    form: dict[str, str],
    body: dict[str, Any],
    path: str,
    part: Callable[[Any], dict[str, Any] | None] = lambda found: found,
    *,
    params: dict[str, str] | None = None,
    kept_when_blank: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``body`` merged (``merge_edit``) with the thing as ``GET path`` (with ``params``)
    reads it now (its ``part`` the form edits; None when not there), when the form carries
    what its page showed. A field of ``kept_when_blank`` left blank is no edit: the API keeps
    its value, whoever set it since."""
    try:
        seen = json.loads(form.get(SEEN, ""))
    except ValueError:
        return body
    if not isinstance(seen, dict):
        return body
    for name in kept_when_blank:
        if not form.get(name, "").strip():
            seen.pop(name, None)
    current = part(await page.api.get(path, params))
    return body if current is None else merge_edit(body, seen, current)


def required(form: dict[str, str], name: str, label: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise BadForm(f"{label} is required")
    return value


def choice(form: dict[str, str], name: str, label: str, allowed: tuple[str, ...]) -> str:
    raw = required(form, name, label)
    if raw not in allowed:
        raise BadForm(f"{label} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def offered(params: Mapping[str, str], name: str, allowed: Collection[str], default: str) -> str:
    """A page's choice among those it offers (a period, an order...): anything else a link
    brings is the default, not sent on."""
    value = params.get(name, "")
    return value if value in allowed else default


def lines(
    form: dict[str, str], name: str, label: str, *, most: int = 50, longest: int = 500
) -> list[str]:
    """A list a form takes one per line (goals, pains, options...): blank lines and repeats
    dropped; at most ``most`` lines of at most ``longest`` characters."""
    found = list(dict.fromkeys(x.strip() for x in form.get(name, "").splitlines() if x.strip()))
    if len(found) > most:
        raise BadForm(f"{label}: at most {most} lines, got {len(found)}")
    if too_long := next((x for x in found if len(x) > longest), None):
        raise BadForm(f"{label}: each line is at most {longest} characters: {too_long[:40]!r}…")
    return found


def ticked(form: dict[str, str], kind: str, *, ids: bool = True) -> list[str]:
    """What was ticked on a form among checkboxes named ``kind:<value>``: ids (checked as
    ids, since they go into API paths) unless ``ids`` is false (tags, which go in a body)."""
    found = [name.split(":", 1)[1] for name in form if name.startswith(f"{kind}:")]
    odd = next((x for x in found if not is_id(x)), None) if ids else None
    if odd is not None:
        raise BadForm(f"a ticked {kind} must be an id, got {odd[:40]!r}")
    return found


def optional(form: dict[str, str], body: dict[str, Any], *names: str) -> None:
    """Each of ``names`` filled in on the form goes into ``body``; left empty, it is not sent
    (the API's default applies)."""
    for name in names:
        if value := form.get(name, "").strip():
            body[name] = value


def tags(form: dict[str, str], name: str = "tags") -> list[str]:
    """Tags as a form takes them: separated by commas, lower case (a tag may hold spaces)."""
    return [t.strip() for t in form.get(name, "").lower().split(",") if t.strip()]


def number(form: dict[str, str], name: str, label: str) -> float:
    return finite(required(form, name, label), label)


def finite(raw: str, label: str) -> float:
    """A number a form gave, one the API takes (not nan, inf or 1e400)."""
    try:
        value = float(raw)
    except ValueError:
        raise BadForm(f"{label} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise BadForm(f"{label} must be a finite number, got {raw!r}")
    return value


def day_start(value: str, label: str, *, days_later: int = 0) -> str | None:
    """The start (in UTC) of a day a form names (``2026-07-01``), or of ``days_later`` days
    after it; None when the field is empty."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value) + timedelta(days=days_later)
    except (ValueError, OverflowError):  # 9999-12-31 has no next day
        raise BadForm(f"{label} is a day, such as 2026-07-01, got {value!r}") from None
    return f"{day.isoformat()}T00:00:00Z"


async def trace_of(page: Ctx, path: str) -> Any:
    """The query service's traceability from ``path`` (``/v1/query/<what>/<id>/trace``),
    which it narrows to the workspaces the user reads; None if the user may not read it."""
    return await page.api.get_if_readable(path, {"feedback_limit": 1})


def signed_in(request: Request) -> Ctx:
    session = session_from_cookie(request.cookies.get(COOKIE))
    flash = Flash.decode(request.cookies.get(FLASH))
    http: httpx.AsyncClient = request.app.state.http
    api = Api(http, session.token, flash.token)
    return Ctx(request, session, api, flash, request.app.state.settings.page_size)


Page = Annotated[Ctx, Depends(signed_in)]


def set_session_cookie(response: Response, request: Request, cookie: str, secure: bool) -> None:
    """``cookie``: the session's (``cookie_of`` its token)."""
    response.set_cookie(
        COOKIE,
        cookie,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure or request.url.scheme == "https",
    )


ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
Workspace = Annotated[str, FastPath(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
Id = Annotated[str, FastPath(pattern=ID_PATTERN)]


def is_id(value: str) -> bool:
    """Whether a form's value may stand in an API path as an id: the path's characters,
    and not a dot segment (``..`` would climb the path)."""
    return bool(re.match(ID_PATTERN, value)) and bool(value.strip("."))


def an_id(form: dict[str, str], name: str, label: str) -> str:
    """An id a form chose (from a list the page offered)."""
    raw = required(form, name, label)
    if not is_id(raw):
        raise BadForm(f"{label} must be an id, got {raw[:40]!r}")
    return raw
