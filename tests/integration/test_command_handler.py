"""A handler keeps the states of streams it used, and still never decides on a stale one."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from sextant_feedback.domain.customer import (
    EraseCustomer,
    RegisterCustomer,
    UpdateCustomerProfile,
    customer_decider,
)
from sextant_feedback.events import registry
from sextant_kit import CommandHandler, DomainError, IdempotencyKeyReused, PostgresEventStore
from sextant_kit.application import Idempotency
from sextant_kit.errors import ConcurrencyError, Conflict
from sextant_kit.eventstore import AppendResult

from tests.integration.kit_support import META

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def handler(pool: asyncpg.Pool) -> CommandHandler:  # type: ignore[type-arg]
    return CommandHandler(
        PostgresEventStore(pool), registry, customer_decider, stream_type="customer"
    )


async def test_a_kept_state_catches_up_with_what_another_process_wrote(
    pool: asyncpg.Pool,
) -> None:
    stream, customer = "customer-kept", uuid.uuid4()
    here, elsewhere = handler(pool), handler(pool)  # two API processes, one store
    registered = RegisterCustomer(customer_id=customer, ref="kept", name="Kept Ltd", at=NOW)
    await here.handle(stream, registered, META)
    for n in range(50):
        update = UpdateCustomerProfile(name=f"Kept {n}", at=NOW)
        await here.handle(stream, update, META)
    assert (await here.load(stream))[1] == 51

    await elsewhere.handle(stream, EraseCustomer(customer_id=customer, at=NOW), META)

    state, version = await here.load(stream)
    assert version == 52
    assert state.erased
    with pytest.raises(DomainError):
        await here.handle(stream, UpdateCustomerProfile(name="Too late", at=NOW), META)


async def test_create_starts_a_new_stream_and_decides_on_an_existing_one_as_handle_does(
    pool: asyncpg.Pool,
) -> None:
    customers = handler(pool)
    customer = uuid.uuid4()
    stream = f"customer-{customer}"
    registered = RegisterCustomer(customer_id=customer, ref="new", name="New Ltd", at=NOW)

    first = await customers.create(stream, registered, META)
    assert first.stream_version == 1
    assert not first.replayed

    # Sent again, it meets the stream's real state: the decider refuses a second registration.
    with pytest.raises(Conflict, match="already registered"):
        await customers.create(stream, registered, META)
    assert (await customers.load(stream))[1] == 1


async def test_create_on_an_id_another_aggregate_holds_is_refused(pool: asyncpg.Pool) -> None:
    store = PostgresEventStore(pool)
    taken = f"taken-{uuid.uuid4()}"
    other = CommandHandler(store, registry, customer_decider, stream_type="other")
    await other.handle(
        taken, RegisterCustomer(customer_id=uuid.uuid4(), ref="o", name="O", at=NOW), META
    )

    with pytest.raises(Conflict):
        await handler(pool).create(
            taken, RegisterCustomer(customer_id=uuid.uuid4(), ref="n", name="N", at=NOW), META
        )


async def test_concurrent_commands_without_an_expected_version_are_decided_again(
    pool: asyncpg.Pool,
) -> None:
    """Writers that name no version (no If-Match) and meet on one stream all get their
    change in, each decided on the state with the others' events; one naming the version
    it read gets the conflict; and a command the others' events make wrong is refused by
    the rule, not appended."""
    customer = uuid.uuid4()
    stream = f"customer-{customer}"
    processes = [handler(pool) for _ in range(4)]  # four API processes, one store
    registered = RegisterCustomer(customer_id=customer, ref="busy", name="Busy Ltd", at=NOW)
    await processes[0].handle(stream, registered, META)

    async def update(n: int) -> int:
        here = processes[n % len(processes)]
        done = await here.handle(stream, UpdateCustomerProfile(name=f"Busy {n}", at=NOW), META)
        return done.stream_version

    versions = await asyncio.gather(*(update(n) for n in range(16)))
    assert sorted(versions) == list(range(2, 18))  # every one appended, none lost
    stale = processes[1]
    _, version = await stale.load(stream)
    await processes[2].handle(stream, UpdateCustomerProfile(name="Moved", at=NOW), META)
    with pytest.raises(ConcurrencyError):
        await stale.handle(
            stream, UpdateCustomerProfile(name="Stale", at=NOW), META, expected_version=version
        )
    erase = processes[3].handle(stream, EraseCustomer(customer_id=customer, at=NOW), META)
    late = stale.handle(stream, UpdateCustomerProfile(name="Too late", at=NOW), META)
    outcomes = await asyncio.gather(erase, late, return_exceptions=True)
    assert not isinstance(outcomes[0], BaseException)
    # The update came first (appended), or after the erasure (refused by its rule).
    assert isinstance(outcomes[1], AppendResult | DomainError), outcomes[1]


async def test_a_key_whose_command_decided_nothing_is_kept_for_that_command(
    pool: asyncpg.Pool,
) -> None:
    customers, customer = handler(pool), uuid.uuid4()
    stream = f"customer-{customer}"
    await customers.handle(stream, EraseCustomer(customer_id=customer, at=NOW), META)
    again = EraseCustomer(customer_id=customer, at=NOW)  # erased already: nothing to decide
    key = Idempotency.of(f"k-{customer}", "POST", "/erasure")
    first = await customers.handle(stream, again, META, idempotency=key)
    assert (first.stream_version, first.positions) == (1, ())
    # the same request again is answered as the first; another under its key is refused
    assert await customers.handle(stream, again, META, idempotency=key) == first
    other = Idempotency.of(f"k-{customer}", "PUT", "/profile")
    with pytest.raises(IdempotencyKeyReused):
        await customers.handle(stream, again, META, idempotency=other)
