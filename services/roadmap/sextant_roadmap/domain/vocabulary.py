"""The roadmap's vocabulary: item types, the status lifecycle, audiences and trackers."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class ItemType(StrEnum):
    FEATURE = "feature"
    INITIATIVE = "initiative"
    EPIC = "epic"
    EXPERIMENT = "experiment"


class ItemStatus(StrEnum):
    PROPOSED = "proposed"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    RELEASED = "released"
    DROPPED = "dropped"


class Audience(StrEnum):
    EXECUTIVES = "executives"
    SALES = "sales"
    ENGINEERING = "engineering"
    CUSTOMERS = "customers"


class Tracker(StrEnum):
    JIRA = "jira"
    AZURE_DEVOPS = "azure_devops"
    OTHER = "other"


class DeliveryState(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


Scope = Literal["workspace", "portfolio"]
