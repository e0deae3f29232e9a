"""A roadmap's If-Match: the version read, as a number or an ETag's quoted one."""

from __future__ import annotations

import pytest
from sextant_kit import DomainError
from sextant_roadmap.api.common import expected_version


def test_the_version_read_is_taken_bare_or_quoted() -> None:
    assert (expected_version(None), expected_version("7"), expected_version('"7"')) == (None, 7, 7)


@pytest.mark.parametrize("sent", ["seven", "²", "2147483648", "99999999999999999999", ""])
def test_anything_else_is_refused_naming_the_header(sent: str) -> None:
    with pytest.raises(DomainError) as refused:
        expected_version(sent)
    assert refused.value.field == "header.If-Match"
