"""The platform's processes started as a user starts them, driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sextant_kit import Settings

from tests.e2e import processes


@dataclass(frozen=True)
class Platform:
    base_url: str
    settings: Settings


@pytest.fixture(scope="session")
def platform(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    mine = settings.model_copy(
        update={
            "database_prefix": f"{settings.database_prefix}_e2e",
            "topic_prefix": settings.topic_prefix.rstrip(".") + "-e2e.",
        }
    )
    with processes.platform(mine, tmp_path_factory.mktemp("platform")) as base_url:
        yield Platform(base_url, mine)
