"""Vocabulary shared by feedback items and customers: channels, link targets, field limits."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints


class Channel(StrEnum):
    """Where a piece of feedback came from."""

    SUPPORT_TICKET = "support_ticket"
    SALES_CALL = "sales_call"
    SURVEY = "survey"
    APP_STORE = "app_store"
    COMMUNITY = "community"
    CUSTOMER_MEETING = "customer_meeting"
    EMAIL = "email"
    CHAT = "chat"
    INTERNAL = "internal"
    API = "api"


class LinkTarget(StrEnum):
    """What feedback can be evidence for, in the other contexts."""

    PROBLEM = "problem"
    OPPORTUNITY = "opportunity"
    ROADMAP_ITEM = "roadmap_item"


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CustomerRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=50, pattern=r"^[\w .:/-]+$"
    ),
]


def distinct(tags: list[str]) -> list[str]:
    """Each once, in the order first given."""
    return list(dict.fromkeys(tags))


DistinctTags = Annotated[list[str], AfterValidator(distinct)]
"""An item's tags, each once however often it was given (``["sso", "sso"]`` is one tag):
also as received events read, so one recorded with a repeat counts once."""
Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
