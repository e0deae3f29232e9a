"""Cursors: what a page continues after, checked before any of it reaches the database."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from sextant_kit.api import COUNT, ID, MOMENT, NUMBER, TEXT, decode_cursor, encode_cursor
from sextant_kit.errors import InvalidCursor

AN_ID = str(uuid.uuid4())


def made(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def test_a_cursor_made_by_a_page_reads_back_as_it_was() -> None:
    cursor = encode_cursor("2026-03-01T10:00:00+00:00", uuid.UUID(AN_ID))
    assert decode_cursor(cursor, MOMENT, ID) == ["2026-03-01T10:00:00+00:00", AN_ID]
    assert decode_cursor(encode_cursor(52.5, AN_ID), NUMBER, ID) == [52.5, AN_ID]
    assert decode_cursor(encode_cursor(-1, AN_ID), NUMBER, ID) == [-1, AN_ID]
    assert decode_cursor(encode_cursor("Acme", 7), TEXT, COUNT) == ["Acme", 7]
    assert decode_cursor(encode_cursor("2026-07-01"), MOMENT) == ["2026-07-01"]  # a day
    assert decode_cursor(None, MOMENT, ID) is None


@pytest.mark.parametrize(
    ("cursor", "kinds"),
    [
        ("nope", (MOMENT, ID)),
        (made("abc", "def"), (MOMENT, ID)),  # altered by hand
        (made("Acme", AN_ID), (MOMENT, ID)),  # made by another list
        (made("2026-03-01T10:00:00Z", "urn:uuid:" + AN_ID), (MOMENT, ID)),
        (made("0001-01-01T00:00:00+05:00", AN_ID), (MOMENT, ID)),  # no time in UTC
        (made("50.0", AN_ID), (NUMBER, ID)),
        (made(True, AN_ID), (NUMBER, ID)),
        (made(2**40), (COUNT,)),
        (made("a\u0000b"), (TEXT,)),
        (made(["x"]), (TEXT,)),
        (made("x", "y"), (TEXT,)),
    ],
)
def test_a_cursor_not_made_by_the_list_is_refused(cursor: str, kinds: tuple[Any, ...]) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, *kinds)
