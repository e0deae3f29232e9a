"""What PostgreSQL can never store, refused before it is written.

Text with NUL characters or lone UTF-16 surrogates (in text or jsonb): HTTP refuses it at
the door; channels that bring text in another way (files, Kafka) refuse it field by field
with the same words. A moment that has no UTC time in years 1 to 9999 (the first hours of
year 1 in a zone east of UTC, the last of 9999 west of it): the driver sends every moment
in UTC, so it would fail the write, or the projection of an event already stored."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

UNSTORABLE = "text cannot contain NUL or unpaired surrogate characters"
UNSTORABLE_TYPE = "string_unstorable"


def unstorable(text: str) -> bool:
    """NUL and lone surrogates: PostgreSQL cannot store them in text or jsonb."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def in_utc(moment: datetime) -> datetime:
    """``moment`` in UTC (one without a zone is in UTC already); an ``OverflowError`` when
    it has no time in UTC in the years 1 to 9999, as the driver would meet writing it."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _in_utc(value: datetime) -> datetime:
    """``value`` with its zone (UTC when it has none), if it has a time in UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        in_utc(value)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_unstorable",
            "{when} has no time in UTC in the years 1 to 9999; give one within them",
            {"when": value.isoformat()},
        ) from None
    return value


def _written_out(asked: str, kind: str) -> Callable[[object], object]:
    """A check that a time is written out: given as a number (``1700000000``, ``"+1.7e9"``)
    it would be read as seconds since 1970, a guess at what the sender meant, so it is
    refused asking for ``asked``."""

    def check(value: object) -> object:
        if isinstance(value, int | float) or (isinstance(value, str) and _a_number(value)):
            raise PydanticCustomError(
                kind,
                "give {asked}, not {value}",
                {
                    "asked": asked,
                    "value": str(value).lower() if isinstance(value, bool) else "a number",
                },
            )
        return value

    return check


MOMENT_WRITTEN_OUT = _written_out(
    "a date and time as RFC 3339 text (2026-11-02T09:00:00Z)", "datetime_type"
)
DAY_WRITTEN_OUT = _written_out("a day as ISO 8601 text (2026-11-02)", "date_type")


_A_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
"""A number as text (``1700000000``, ``+1.7e9``): a written-out time fails it at once."""


def _a_number(text: str) -> bool:
    return _A_NUMBER.fullmatch(text) is not None


Moment = Annotated[datetime, BeforeValidator(MOMENT_WRITTEN_OUT), AfterValidator(_in_utc)]
"""A moment from outside (a body's field, a query parameter, a file's column): one that can
be stored, and compared with any other, in UTC. A moment given without a zone is in UTC."""

SentMoment = Annotated[AwareDatetime, BeforeValidator(MOMENT_WRITTEN_OUT), AfterValidator(_in_utc)]
"""A moment another platform's message gives: with its offset, as RFC 3339 asks (one
without is refused, rather than read as UTC and shifted by the sender's zone)."""


def not_ahead(grace: timedelta, hint: str) -> AfterValidator:
    """A moment's check that it is not still to come, allowing ``grace`` (for clocks or zones
    set wrong): a later one is a sender's mistake, refused saying ``hint``."""

    def check(value: datetime) -> datetime:
        if value > datetime.now(UTC) + grace:  # in UTC when it came without a zone
            raise PydanticCustomError(
                "date_in_future", "{when} has not come yet; " + hint, {"when": value.isoformat()}
            )
        return value

    return AfterValidator(check)
