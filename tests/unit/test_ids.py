import uuid

import pytest
from sextant_kit.ids import uuid7, uuid7_time_ns


def test_a_uuid7_is_an_rfc_9562_version_7_uuid() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_carries_its_time_to_a_quarter_of_a_microsecond() -> None:
    at = 1_795_000_000_123_456_789
    assert at - 245 < uuid7_time_ns(uuid7(at)) <= at


def test_ids_made_later_sort_later_as_uuids_and_as_text() -> None:
    ids = [uuid7(1_795_000_000_000_000_000 + step * 250) for step in range(2_000)]
    assert sorted(ids) == ids
    assert sorted(str(i) for i in ids) == [str(i) for i in ids]


def test_ids_made_in_the_same_instant_differ() -> None:
    at = 1_795_000_000_000_000_000
    assert len({uuid7(at) for _ in range(10_000)}) == 10_000


def test_a_uuid4_has_no_time_to_read() -> None:
    with pytest.raises(ValueError, match="version 4"):
        uuid7_time_ns(uuid.uuid4())
