"""The console's browser tests: the platform in JWT mode and the console, each in its own
process, driven by Debian's headless Chromium through Selenium."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from sextant_kit import Settings
from sextant_kit.authz import Role

from tests.e2e.console import stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@dataclass(frozen=True)
class Stack:
    api: str
    web: str
    settings: Settings
    issuer: stack.Issuer
    tenant: str
    workspace: str

    def token(self, subject: str, role: Role, *, organisation: bool = False) -> str:
        if organisation:
            return self.issuer.token(self.settings, subject, self.tenant, role=role)
        return self.issuer.token(
            self.settings, subject, self.tenant, workspaces={self.workspace: role}
        )

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.api}/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )


@pytest.fixture(scope="session")
def console_stack(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    issuer = stack.Issuer.new()
    mine = issuer.settings(
        settings.model_copy(
            update={
                "database_prefix": f"{settings.database_prefix}_console",
                "topic_prefix": settings.topic_prefix.rstrip(".") + "-console.",
            }
        )
    )
    logs = tmp_path_factory.mktemp("console-stack")
    with stack.platform(mine, logs) as api, stack.console(api, logs) as web:
        yield Stack(api, web, mine, issuer, f"acme-{uuid.uuid4().hex[:6]}", "mobile")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where each page's screenshot goes (git-ignored); printed so a CI log points to it."""
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    print(f"\nconsole screenshots: {SCREENSHOTS}")
    return SCREENSHOTS


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("headless Chromium is missing: run scripts/console/browser.sh (make test does)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
