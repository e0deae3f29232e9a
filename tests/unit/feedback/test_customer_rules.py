from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from sextant_feedback.domain import (
    CustomerErased,
    CustomerProfileUpdated,
    CustomerRegistered,
    EraseCustomer,
    RegisterCustomer,
    UpdateCustomerProfile,
    customer_decider,
)
from sextant_kit import Conflict, NotFound
from sextant_kit.testing import DeciderSpecification

spec = DeciderSpecification(customer_decider)
NOW = datetime(2026, 11, 26, tzinfo=UTC)
ID = UUID("00000000-0000-4000-8000-00000000000a")
REGISTERED = CustomerRegistered(
    customer_id=ID,
    ref="acme",
    name="Acme",
    segment="enterprise",
    annual_revenue=Decimal("1200000"),
    registered_at=NOW,
)


def register() -> RegisterCustomer:
    return RegisterCustomer(
        customer_id=ID,
        ref="acme",
        name="Acme",
        segment="enterprise",
        annual_revenue=Decimal("1200000"),
        at=NOW,
    )


def test_register_then_not_again() -> None:
    spec.given([]).when(register()).then([REGISTERED])
    spec.given([REGISTERED]).when(register()).then_raises(Conflict, match="already registered")


def test_update_needs_a_registered_customer() -> None:
    update = UpdateCustomerProfile(name="Acme Inc", plan="scale", at=NOW)
    spec.given([]).when(update).then_raises(NotFound)
    spec.given([REGISTERED]).when(update).then(
        [CustomerProfileUpdated(customer_id=ID, name="Acme Inc", plan="scale", updated_at=NOW)]
    )


def test_erasure_is_possible_even_for_a_reference_only_seen_on_feedback() -> None:
    erase = EraseCustomer(customer_id=ID, at=NOW)
    erased = CustomerErased(customer_id=ID, erased_at=NOW)
    spec.given([]).when(erase).then([erased])
    spec.given([REGISTERED]).when(erase).then([erased])


def test_after_erasure_only_erasure_is_accepted() -> None:
    erased = CustomerErased(customer_id=ID, erased_at=NOW)
    spec.given([REGISTERED, erased]).when(EraseCustomer(customer_id=ID, at=NOW)).then([])
    spec.given([REGISTERED, erased]).when(UpdateCustomerProfile(name="x", at=NOW)).then_raises(
        Conflict, match="this customer was erased on request; register a new account"
    )
