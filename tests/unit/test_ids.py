import uuid

from sextant_kit.ids import uuid7


def test_a_uuid7_is_an_rfc_9562_version_7_uuid() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_carries_its_time_to_a_quarter_of_a_microsecond() -> None:
    at = 1_795_000_000_123_456_789
    value = uuid7(at).int
    milliseconds, sub_millisecond = value >> 80, (value >> 64) & 0xFFF
    assert milliseconds == at // 1_000_000
    assert at - 245 < milliseconds * 1_000_000 + sub_millisecond * 1_000_000 // 4096 <= at


def test_ids_made_later_sort_later_as_uuids_and_as_text() -> None:
    ids = [uuid7(1_795_000_000_000_000_000 + step * 250) for step in range(2_000)]
    assert sorted(ids) == ids
    assert sorted(str(i) for i in ids) == [str(i) for i in ids]


def test_ids_made_in_the_same_instant_differ() -> None:
    at = 1_795_000_000_000_000_000
    assert len({uuid7(at) for _ in range(10_000)}) == 10_000
