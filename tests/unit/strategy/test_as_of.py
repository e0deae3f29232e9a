"""``as_of``: the moment a strategy or vision is read as it stood."""

from datetime import UTC, datetime, timedelta

import pytest
from sextant_kit import DomainError
from sextant_strategy.api.vision import parse_as_of

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_day_is_its_end_and_a_moment_is_read_in_utc() -> None:
    assert parse_as_of(None, NOW) == NOW
    assert parse_as_of("2026-03-31", NOW) == datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_as_of("9999-12-31", NOW).date().isoformat() == "9999-12-31"
    assert parse_as_of("2026-03-31T10:00:00+02:00", NOW) == datetime(2026, 3, 31, 8, tzinfo=UTC)
    assert parse_as_of("2026-03-31T10:00:00", NOW).tzinfo == UTC
    assert parse_as_of("2026-03-31T10:00:00-05:00", NOW).utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", ["garbage", "2026-02-30", "0001-01-01T00:00:00+05:00"])
def test_what_is_no_moment_in_utc_is_refused_naming_as_of(bad: str) -> None:
    with pytest.raises(DomainError) as raised:
        parse_as_of(bad, NOW)
    assert raised.value.field == "query.as_of"
