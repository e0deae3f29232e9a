"""The organisation's customer accounts, whose revenue and segment weigh the demand that
feedback shows: listed and filtered (by every workspace's members too, without whom to
contact), registered and updated, and a customer's personal data erased on request (GDPR),
which only an administrator may do."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import BadForm, Page, act, as_edited, form_of, optional, required

router = APIRouter()

MAX_REVENUE = Decimal("1e15")
Filter = Annotated[str, Query(max_length=100)]


@router.get("/customers", response_class=HTMLResponse)
async def customers(
    page: Page,
    segment: Filter = "",
    plan: Filter = "",
    erased: bool = False,
    cursor: str | None = Query(None, max_length=500),
) -> Response:
    chosen = {"segment": segment.strip(), "plan": plan.strip()}
    found = await page.api.get(
        "/v1/customers",
        {
            **chosen,
            "include_erased": "true" if erased else None,
            "cursor": cursor,
            "limit": page.page_size,
        },
    )
    return page.render(
        "customers.html",
        ws=None,
        customers=found["items"],
        next_cursor=found.get("next_cursor"),
        chosen=chosen,
        erased=erased,
        shows_contact=page.session.may(Access.READ),
        may_write=page.session.may(Access.WRITE),
        may_erase=page.session.may(Access.ADMINISTER),
    )


@router.get("/customers/asks", response_class=HTMLResponse)
async def asks(page: Page, ref: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
    """What one customer account asks for, up to the roadmap items that answer it (the query
    service's trace, narrowed to the workspaces the user reads)."""
    found = await page.api.get(
        f"/v1/query/customers/{quote(ref.strip(), safe='')}/trace", {"feedback_limit": 50}
    )
    return page.render("customer_asks.html", ws=None, ref=ref.strip(), trace=found)


@router.post("/customers")
async def register(page: Page) -> Response:
    form = await form_of(page.request)
    body = {"ref": required(form, "ref", "Reference"), **profile(form)}
    notice = f"Customer {body['ref']} registered."
    return await act(page, form, "POST", "/v1/customers", body, to="/customers", notice=notice)


@router.post("/customers/update")
async def update(page: Page) -> Response:
    form = await form_of(page.request)
    ref = required(form, "ref", "Reference")
    notice = f"Customer {ref} updated."
    path = f"/v1/customers/{quote(ref, safe='')}"
    body = await as_edited(page, form, profile(form), path)
    return await act(page, form, "PUT", path, body, to="/customers", notice=notice)


@router.post("/customers/erasure")
async def erase(page: Page) -> Response:
    """Erase a customer's personal data for good: the form asks for the reference typed
    again, as there is no undoing it."""
    form = await form_of(page.request)
    ref = required(form, "ref", "Reference")
    if form.get("confirm", "").strip() != ref:
        raise BadForm(f"Type the customer's reference, {ref}, to confirm the erasure")
    notice = (
        f"Customer {ref}'s personal data is erased: their key is destroyed, so no page, "
        "export or replay shows it again."
    )
    path = f"/v1/customers/{quote(ref, safe='')}/erasure"
    return await act(page, form, "POST", path, to="/customers", notice=notice)


def profile(form: dict[str, str]) -> dict[str, Any]:
    """A customer account's name, segment, plan, annual revenue and contact e-mail."""
    body: dict[str, Any] = {"name": required(form, "name", "Name")}
    optional(form, body, "segment", "plan", "contact")
    raw = form.get("annual_revenue", "").strip().replace(",", "") or "0"
    try:
        revenue = Decimal(raw)
    except InvalidOperation:
        raise BadForm(f"Annual revenue must be an amount like 120000.50, got {raw!r}") from None
    if not (revenue.is_finite() and 0 <= revenue <= MAX_REVENUE) or revenue != round(revenue, 2):
        raise BadForm(
            f"Annual revenue must be from 0 to {MAX_REVENUE:,.0f}, in cents at most, got {raw!r}"
        )
    body["annual_revenue"] = str(revenue)
    return body
