"""The main flows of the console in a real browser: sign in with a token, prioritise and
move a roadmap item, publish versions and see the diff, link feedback to a problem, merge
duplicates, the objective tree, the audit history; a stakeholder sees only what was
published. Each page's screenshot is saved under ``screenshots/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait
from sextant_kit.authz import Role

from tests.e2e.console.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


@dataclass
class World:
    """What the API set up before the browser arrives, and what the flows add."""

    roadmap: str
    draft: str
    items: dict[str, str]
    problem: str
    feedback: dict[str, str]
    objective: str
    notes: dict[str, Any] = field(default_factory=dict)


def _ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


@pytest.fixture(scope="module")
def world(console_stack: Stack) -> World:
    admin = console_stack.token("admin.ada", Role.ADMIN, organisation=True)
    pm = console_stack.token("pm.ana", Role.PRODUCT_MANAGER)
    ws = console_stack.workspace
    with console_stack.client(pm) as api, console_stack.client(admin) as org:
        roadmap = _ok(api.post(f"/workspaces/{ws}/roadmaps", json={"name": "Checkout"}))["id"]
        draft = _ok(api.post(f"/workspaces/{ws}/roadmaps", json={"name": "Secret draft"}))["id"]
        items = {}
        for title, horizon, quarter in (
            ("One-click pay", "now", "2026-Q3"),
            ("Saved carts", "next", "2026-Q4"),
            ("Fraud checks", "later", None),
        ):
            path = f"/workspaces/{ws}/roadmaps/{roadmap}/items"
            item = _ok(api.post(path, json={"title": title, "type": "feature"}))["id"]
            body: dict[str, Any] = {"horizon": horizon}
            if quarter:
                body["timeframe"] = {"kind": "quarter", "value": quarter}
            _ok(api.post(f"{path}/{item}/schedule", json=body))
            items[title] = item
        problem = _ok(
            api.post(
                f"/workspaces/{ws}/problems",
                json={
                    "title": "Exporting data is painful",
                    "statement": "Teams copy roadmaps into spreadsheets by hand",
                    "severity": 4,
                    "frequency": 4,
                },
            )
        )["id"]
        _ok(
            api.post(
                f"/workspaces/{ws}/opportunities",
                json={"title": "Self-serve exports", "problem_ids": [problem]},
            )
        )
        texts = {
            "csv": "Please let me export the roadmap to CSV for our steering meeting",
            "csv-again": "Please let me export the roadmap to CSV for the steering meeting",
            "slow": "The board is slow to load on my phone",
        }
        batch = _ok(
            api.post(
                f"/workspaces/{ws}/feedback/batch",
                json={"items": [{"text": t, "source": "email"} for t in texts.values()]},
            )
        )
        feedback = {k: r["id"] for k, r in zip(texts, batch["results"], strict=True)}
        parent = _ok(
            org.post(
                "/organisation/objectives",
                json={"title": "Grow net revenue", "period": {"quarter": "2026-Q3"}},
            )
        )["id"]
        objective = _ok(
            api.post(
                f"/workspaces/{ws}/objectives",
                json={
                    "title": "Convert more buyers",
                    "period": {"quarter": "2026-Q3"},
                    "parent_id": parent,
                },
            )
        )["id"]
        kr = _ok(
            api.post(
                f"/workspaces/{ws}/objectives/{objective}/key-results",
                json={
                    "title": "Checkout conversion",
                    "baseline": 40,
                    "target": 50,
                    "unit": "%",
                    "direction": "increase",
                },
            )
        )["key_result_id"]
        _ok(
            api.post(
                f"/workspaces/{ws}/objectives/{objective}/key-results/{kr}/check-ins",
                json={"value": 45, "confidence": 0.8},
            )
        )
        # One-click pay serves the objective: the objective's page shows it (query service).
        _ok(
            api.patch(
                f"/workspaces/{ws}/roadmaps/{roadmap}/items/{items['One-click pay']}",
                json={"objective_ids": [objective]},
            )
        )
        _ok(
            api.post(
                f"/workspaces/{ws}/milestones",
                json={"title": "Public beta", "target_date": "2026-01-15"},
            )
        )
        _ok(api.post(f"/workspaces/{ws}/personas", json={"name": "Ops lead", "pains": ["CSV"]}))
    return World(roadmap, draft, items, problem, feedback, objective)


def wait(browser: Chrome, within: float = 30) -> WebDriverWait[Chrome]:
    return WebDriverWait(browser, within)


def shot(browser: Chrome, screenshots: Path, name: str) -> None:
    browser.save_screenshot(str(screenshots / f"{name}.png"))


def notice(browser: Chrome, text: str) -> WebElement:
    """The one-time notice a write leaves on the next page."""
    return wait(browser).until(
        ec.visibility_of_element_located(
            (By.XPATH, f"//*[@role='status' and contains(., {_literal(text)})]")
        )
    )


def _literal(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"


def sign_in(browser: Chrome, stack: Stack, token: str, screenshots: Path | None = None) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.web}/login")
    field_ = wait(browser).until(ec.element_to_be_clickable((By.ID, "token")))
    field_.send_keys(token)
    if screenshots is not None:
        shot(browser, screenshots, "01-login")
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    notice(browser, "Signed in as")


def card(browser: Chrome, item_id: str) -> WebElement:
    return browser.find_element(By.ID, f"item-{item_id}")


def in_column(browser: Chrome, column: str, item_id: str) -> bool:
    found = browser.find_elements(By.CSS_SELECTOR, f"section.column-{column} #item-{item_id}")
    return bool(found)


def test_sign_in_with_a_token_and_see_the_board(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    pm = console_stack.token("pm.ana", Role.PRODUCT_MANAGER)
    sign_in(browser, console_stack, pm, screenshots)
    # A token for one workspace opens that workspace.
    assert browser.current_url.endswith(f"/w/{console_stack.workspace}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    shot(browser, screenshots, "02-workspace")
    browser.find_element(By.LINK_TEXT, "Roadmaps").click()
    wait(browser).until(ec.element_to_be_clickable((By.LINK_TEXT, "Checkout"))).click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "col-now")))
    assert in_column(browser, "now", world.items["One-click pay"])
    assert in_column(browser, "next", world.items["Saved carts"])
    assert in_column(browser, "later", world.items["Fraud checks"])
    # The token never reaches the page: it lives in an HttpOnly cookie.
    assert pm not in browser.page_source
    assert browser.execute_script("return document.cookie") == ""
    world.notes["board"] = browser.current_url
    shot(browser, screenshots, "03-board")


def test_prioritise_and_move_an_item(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    browser.get(world.notes["board"])
    pay = world.items["One-click pay"]
    card(browser, pay).find_element(By.TAG_NAME, "summary").click()
    Select(browser.find_element(By.ID, f"model-{pay}")).select_by_value("rice")
    browser.find_element(By.ID, f"inputs-{pay}").send_keys(
        "reach=2000 impact=2 confidence=80 effort=4"
    )
    shot(browser, screenshots, "04-prioritise-form")
    card(browser, pay).find_element(By.XPATH, ".//button[normalize-space()='Score']").click()
    notice(browser, "scored with rice")
    assert "rice 800" in card(browser, pay).text

    # A bad input comes back as the API's problem detail, not a stack trace.
    card(browser, pay).find_element(By.TAG_NAME, "summary").click()
    browser.find_element(By.ID, f"inputs-{pay}").send_keys("reach=2000 impact=9")
    card(browser, pay).find_element(By.XPATH, ".//button[normalize-space()='Score']").click()
    error = wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    assert "impact" in error.text
    shot(browser, screenshots, "05-problem-shown")

    carts = world.items["Saved carts"]
    Select(browser.find_element(By.ID, f"move-{carts}")).select_by_value("now")
    card(browser, carts).find_element(By.XPATH, ".//button[starts-with(., 'Move')]").click()
    notice(browser, "Saved carts moved to now")
    assert in_column(browser, "now", carts)
    assert not in_column(browser, "next", carts)

    fraud = world.items["Fraud checks"]
    card(browser, fraud).find_element(By.TAG_NAME, "summary").click()
    card(browser, fraud).find_element(By.XPATH, ".//button[starts-with(., 'Rank first')]").click()
    notice(browser, "now first in the manual order")
    shot(browser, screenshots, "06-board-after-moves")

    # ranked by the score just given, and laid out by status
    browser.find_element(By.LINK_TEXT, "Ranking").click()
    Select(browser.find_element(By.ID, "model")).select_by_value("rice")
    browser.find_element(By.XPATH, "//button[normalize-space()='Rank']").click()
    wait(browser).until(ec.url_contains("model=rice"))  # not the manual order's table
    first = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "table tbody tr")))
    assert first.text.startswith("1 One-click pay")
    assert "800" in first.text
    assert "Not scored with rice" in browser.page_source
    browser.find_element(By.LINK_TEXT, "Lanes").click()
    lanes = wait(browser).until(ec.presence_of_element_located((By.CLASS_NAME, "board"))).text
    assert "proposed" in lanes
    assert "One-click pay" in lanes


def test_timeline_chart(browser: Chrome, world: World, screenshots: Path) -> None:
    browser.get(world.notes["board"])
    browser.find_element(By.LINK_TEXT, "Timeline").click()
    chart = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "svg.timeline")))
    assert "One-click pay" in (chart.get_attribute("innerHTML") or "")
    shot(browser, screenshots, "07-timeline")


def test_publish_two_versions_and_see_the_diff(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    versions = f"{world.notes['board']}/versions"

    def publish(title: str) -> None:
        browser.get(versions)
        Select(browser.find_element(By.ID, "audience")).select_by_value("executives")
        browser.find_element(By.ID, "version-title").send_keys(title)
        browser.find_element(By.XPATH, "//button[normalize-space()='Publish version']").click()
        notice(browser, f"Published “{title}”")

    publish("Q3 plan")
    browser.get(world.notes["board"])
    pay = world.items["One-click pay"]
    Select(browser.find_element(By.ID, f"move-{pay}")).select_by_value("later")
    card(browser, pay).find_element(By.XPATH, ".//button[starts-with(., 'Move')]").click()
    notice(browser, "One-click pay moved to later")
    publish("Q3 plan, revised")
    shot(browser, screenshots, "08-versions")

    Select(browser.find_element(By.ID, "from")).select_by_value("1")
    Select(browser.find_element(By.ID, "to")).select_by_value("2")
    browser.find_element(By.XPATH, "//button[normalize-space()='Show differences']").click()
    moved = wait(browser).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "li.item.mark-moved"))
    )
    assert "One-click pay" in moved.text
    assert "from now" in moved.text
    assert moved.find_element(By.XPATH, "ancestor::section//h2").text.startswith("Later")
    shot(browser, screenshots, "09-diff")
    browser.get(f"{versions}/2")
    wait(browser).until(ec.presence_of_element_located((By.ID, "col-later")))
    shot(browser, screenshots, "10-version")


def test_an_item_waits_for_another_and_is_handed_off_to_delivery(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    carts, pay = world.items["Saved carts"], world.items["One-click pay"]
    page = f"{world.notes['board']}/items/{carts}"
    browser.get(page)
    Select(browser.find_element(By.ID, "depends-on")).select_by_visible_text("One-click pay")
    browser.find_element(By.XPATH, "//button[normalize-space()='Add dependency']").click()
    notice(browser, "Dependency added.")
    assert "One-click pay" in browser.find_element(By.ID, "item-depends-on").text
    # One-click pay's page names what waits for it, and does not offer it as a dependency
    browser.get(f"{world.notes['board']}/items/{pay}")
    assert "Saved carts" in browser.find_element(By.ID, "item-waited-for").text
    offered = Select(browser.find_element(By.ID, "depends-on")).options
    assert "Saved carts" not in [o.text for o in offered]

    browser.get(page)
    Select(browser.find_element(By.ID, "status-to")).select_by_value("planned")
    browser.find_element(By.XPATH, "//button[normalize-space()='Change']").click()
    notice(browser, "Now planned.")
    Select(browser.find_element(By.ID, "commit-tracker")).select_by_visible_text("Jira")
    browser.find_element(By.ID, "commit-project").send_keys("PAY")
    browser.find_element(By.XPATH, "//button[normalize-space()='Hand off']").click()
    notice(browser, "Handed off to Jira, project PAY.")
    delivery = browser.find_element(By.ID, "item-delivery").text
    assert delivery == "handed off to Jira, project PAY; its ticket is not reported yet"
    assert not browser.find_elements(By.ID, "commit-tracker")  # handed off once
    shot(browser, screenshots, "10b-item-handed-off")


def test_link_feedback_to_a_problem_and_merge_a_duplicate(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    ws = console_stack.workspace
    browser.get(f"{console_stack.web}/w/{ws}/feedback")
    browser.find_element(By.ID, "q").send_keys("export CSV")
    browser.find_element(By.XPATH, "//button[normalize-space()='Apply']").click()
    wait(browser).until(ec.url_contains("q=export"))
    texts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".feedback-item .text")]
    assert len(texts) == 2
    assert all("export" in t for t in texts)
    shot(browser, screenshots, "11-inbox-filtered")

    browser.get(f"{console_stack.web}/w/{ws}/feedback/{world.feedback['csv']}")
    Select(browser.find_element(By.ID, "target")).select_by_value(f"problem:{world.problem}")
    browser.find_element(By.XPATH, "//button[normalize-space()='Link']").click()
    notice(browser, "Linked to the problem")
    assert browser.find_element(By.ID, "link-count").text == "1"

    duplicate = world.feedback["csv-again"]
    merge = wait(browser).until(
        ec.element_to_be_clickable(
            (By.XPATH, f"//input[@value='{duplicate}']/following-sibling::button")
        )
    )
    shot(browser, screenshots, "12-feedback-item")
    merge.click()
    wait(browser).until(ec.alert_is_present()).accept()
    notice(browser, "Merged the duplicate")
    assert not browser.find_elements(By.XPATH, f"//input[@value='{duplicate}']")

    # Discovery counts the link once it has read the feedback event from Kafka.
    scoreboard = f"{console_stack.web}/w/{ws}/opportunities"

    def counted(driver: Chrome) -> bool:
        driver.get(scoreboard)
        cell = driver.find_elements(By.CSS_SELECTOR, f"#problem-{world.problem} .feedback-count")
        return bool(cell) and cell[0].text == "1"

    WebDriverWait(browser, 30, poll_frequency=0.5).until(counted)
    assert "Self-serve exports" in browser.find_element(By.CSS_SELECTOR, "table.scoreboard").text
    shot(browser, screenshots, "13-scoreboard")

    # The opportunity's own page: propose a solution, evaluate, and the decision opens.
    browser.find_element(By.LINK_TEXT, "Self-serve exports").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "opportunity-status")))
    assert not browser.find_elements(By.ID, "verdict")  # not evaluated yet
    browser.find_element(By.XPATH, "//summary[normalize-space()='Propose a solution']").click()
    browser.find_element(By.ID, "solution-title").send_keys("CSV export button")
    browser.find_element(By.XPATH, "//button[normalize-space()='Propose']").click()
    notice(browser, "Solution proposed: CSV export button.")
    solutions = browser.find_elements(By.XPATH, "//tr[starts-with(@id, 'solution-')]")
    assert [s.find_element(By.TAG_NAME, "th").text for s in solutions] == ["CSV export button"]
    browser.find_element(By.XPATH, "//summary[normalize-space()='Evaluate']").click()
    browser.find_element(By.ID, "eval-reach").send_keys("300")
    browser.find_element(By.XPATH, "//button[normalize-space()='Evaluate']").click()
    notice(browser, "Evaluated.")
    wait(browser).until(ec.presence_of_element_located((By.ID, "verdict")))
    shot(browser, screenshots, "13b-opportunity")


def test_triage_ticked_feedback_at_once_and_unmerge_a_duplicate(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    pm = console_stack.token("pm.ana", Role.PRODUCT_MANAGER)
    sign_in(browser, console_stack, pm)
    ws = console_stack.workspace
    duplicate, kept = world.feedback["csv-again"], world.feedback["csv"]
    with console_stack.client(pm) as api:  # merged already, if the flow above ran first
        _ok(api.post(f"/workspaces/{ws}/feedback/{duplicate}/merge", json={"into_id": kept}))
    browser.get(f"{console_stack.web}/w/{ws}/feedback")
    summary = "Triage: tick items below, then tag or link them all at once"
    browser.find_element(By.XPATH, f"//summary[normalize-space()='{summary}']").click()
    for key in ("csv", "slow"):
        browser.find_element(By.ID, f"pick-{world.feedback[key]}").click()
    browser.find_element(By.ID, "triage-add").send_keys("roadmap, Exports")
    shot(browser, screenshots, "14a-inbox-triage")
    browser.find_element(
        By.XPATH, "//button[normalize-space()='Apply to the ticked items']"
    ).click()
    notice(browser, "Triaged 2 items: 2 changed.")
    tagged = browser.find_elements(By.XPATH, "//li[.//span[normalize-space()='#exports']]")
    assert len(tagged) == 2
    # what the inbox is about: the new tag counted this week, linked to its items
    browser.find_element(By.LINK_TEXT, "Trends").click()
    row = browser.find_element(By.XPATH, "//table[@id='trends']//tr[.//a[.='#exports']]")
    assert [cell.text for cell in row.find_elements(By.TAG_NAME, "td")][2:4] == ["2", "+2"]
    shot(browser, screenshots, "14b-feedback-trends")
    row.find_element(By.LINK_TEXT, "#exports").click()
    assert len(browser.find_elements(By.XPATH, "//li[.//span[normalize-space()='#exports']]")) == 2

    browser.get(f"{console_stack.web}/w/{ws}/feedback/{duplicate}")
    browser.find_element(
        By.XPATH, "//summary[normalize-space()='Not the same? Unmerge it']"
    ).click()
    wait(browser).until(ec.element_to_be_clickable((By.ID, "unmerge-reason"))).send_keys(
        "asks for the board, not the roadmap"
    )
    browser.find_element(By.XPATH, "//button[normalize-space()='Unmerge']").click()
    notice(browser, "Unmerged: it stands on its own again, with its links.")
    assert not browser.find_elements(By.ID, "unmerge-reason")
    assert browser.find_elements(By.ID, "add-tags")  # it takes changes again

    # among the likely duplicates again, and merged from there into the one kept (linked)
    browser.get(f"{console_stack.web}/w/{ws}/feedback/duplicates")
    group = browser.find_element(By.XPATH, f"//section[.//input[@value='{duplicate}']]")
    assert group.find_element(By.TAG_NAME, "h2").text.endswith("CSV for our steering meeting")
    shot(browser, screenshots, "14c-likely-duplicates")
    group.find_element(By.XPATH, ".//button[starts-with(normalize-space(), 'Merge')]").click()
    wait(browser).until(ec.alert_is_present()).accept()
    notice(browser, "Merged the duplicate")
    assert browser.current_url.endswith("/feedback/duplicates")
    assert not browser.find_elements(By.XPATH, f"//input[@value='{duplicate}']")

    # unmerged again, told apart on the kept item's page, and that taken back
    with console_stack.client(pm) as api:
        _ok(api.post(f"/workspaces/{ws}/feedback/{duplicate}/unmerge", json={"reason": "again"}))
    kept_page = f"{console_stack.web}/w/{ws}/feedback/{kept}"
    not_the_same = f"//form[contains(@action, '/tell-apart')][.//input[@value='{duplicate}']]"

    def shown(xpath: str) -> Callable[[Chrome], bool]:
        def found(driver: Chrome) -> bool:
            driver.get(kept_page)
            return bool(driver.find_elements(By.XPATH, xpath))

        return found

    WebDriverWait(browser, 30, poll_frequency=0.5).until(shown(not_the_same))
    browser.find_element(By.XPATH, f"{not_the_same}//button").click()
    notice(browser, "Told apart: the two are no longer offered as duplicates.")
    same_after_all = f"//form[contains(@action, '/told-apart/{duplicate}/withdraw')]"
    WebDriverWait(browser, 30, poll_frequency=0.5).until(shown(same_after_all))
    assert not browser.find_elements(By.XPATH, not_the_same)
    told = browser.find_element(By.XPATH, "//h2[@id='told-apart']/following-sibling::ul")
    assert "steering meeting" in told.text
    shot(browser, screenshots, "14d-told-apart")
    browser.find_element(By.XPATH, f"{same_after_all}//button").click()
    notice(browser, "No longer told apart")
    WebDriverWait(browser, 30, poll_frequency=0.5).until(shown(not_the_same))
    assert not browser.find_elements(By.ID, "told-apart")


def test_restate_a_problem_from_its_page(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    ws = console_stack.workspace
    browser.get(f"{console_stack.web}/w/{ws}/problems/{world.problem}")
    summary = "As the team now understands it: wording, whom it hurts, severity and frequency"
    browser.find_element(By.XPATH, f"//summary[normalize-space()={_literal(summary)}]").click()
    statement = wait(browser).until(ec.element_to_be_clickable((By.ID, "restate-statement")))
    statement.send_keys(", every month end")
    Select(browser.find_element(By.ID, "restate-severity")).select_by_value("5")
    browser.find_element(By.ID, "restate-note").send_keys("the March interviews")
    shot(browser, screenshots, "13c-problem-restate")
    browser.find_element(By.XPATH, "//button[normalize-space()='Restate the problem']").click()
    notice(browser, "Problem restated: Exporting data is painful.")
    said = browser.find_element(By.TAG_NAME, "main").text
    assert "Teams copy roadmaps into spreadsheets by hand, every month end" in said
    assert "5/5, 4/5" in said


def test_import_a_file_of_feedback_and_follow_it_to_its_report(
    browser: Chrome, console_stack: Stack, tmp_path: Path, screenshots: Path
) -> None:
    export = tmp_path / "Support export.csv"
    export.write_text(
        "Text;Source;Agent\n"
        "Dark mode for the board;support_ticket;jo\n"
        ";support_ticket;jo\n"
        "Keyboard shortcuts;support_ticket;al\n"
    )
    sign_in(browser, console_stack, console_stack.token("pm.ana", Role.PRODUCT_MANAGER))
    browser.get(f"{console_stack.web}/w/{console_stack.workspace}/feedback")
    browser.find_element(By.LINK_TEXT, "Import a file").click()
    browser.find_element(By.ID, "import-file").send_keys(str(export))
    browser.find_element(By.XPATH, "//button[normalize-space()='Import']").click()
    notice(browser, "Importing Support export.csv.")
    # the page follows the import until it ends
    wait(browser, 60).until(ec.text_to_be_present_in_element((By.ID, "import-status"), "done"))
    counts = browser.find_element(By.ID, "import-counts").text
    assert counts == "3 read: 2 created, 0 already there, 1 rejected"
    assert "Field required" in browser.find_element(By.ID, "import-rejects").text
    shot(browser, screenshots, "13b-import-report")


def test_objective_tree_and_audit_history(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    ws = console_stack.workspace
    browser.get(f"{console_stack.web}/w/{ws}/objectives")
    row = wait(browser).until(
        ec.presence_of_element_located(
            (By.XPATH, "//*[@class='objective-row' and contains(., 'Convert more buyers')]")
        )
    )
    assert row.find_element(By.TAG_NAME, "meter").get_attribute("value") == "0.5"
    shot(browser, screenshots, "14-objectives")

    # The workspace's strategy page: a milestone whose date passed stands overdue.
    browser.get(f"{console_stack.web}/w/{ws}/strategy")
    standing = wait(browser).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".milestones .standing"))
    )
    assert standing.text == "overdue"
    shot(browser, screenshots, "14b-strategy")
    browser.get(f"{console_stack.web}/w/{ws}/research")
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".personas")))
    assert "Pains: CSV" in browser.find_element(By.CSS_SELECTOR, ".personas").text

    browser.get(world.notes["board"])
    browser.find_element(By.LINK_TEXT, "History").click()
    moved = wait(browser).until(
        ec.presence_of_element_located(
            (
                By.XPATH,
                "//li[@class='audit-entry' and .//td[@class='after' and contains(., 'later')]]",
            )
        )
    )
    assert "pm.ana" in moved.text
    shot(browser, screenshots, "15-audit")

    admin = console_stack.token("admin.ada", Role.ADMIN, organisation=True)
    sign_in(browser, console_stack, admin)
    browser.get(f"{console_stack.web}/objectives")
    wait(browser).until(
        ec.presence_of_element_located(
            (By.XPATH, "//li[.//span[.='Grow net revenue']]//span[.='Convert more buyers']")
        )
    )
    shot(browser, screenshots, "16-objective-tree")
    # An objective's page, for one who reads across the organisation's workspaces: the
    # roadmap item serving it, from the query service's traceability.
    objective_page = f"{console_stack.web}/w/{ws}/objectives/{world.objective}"

    def served(driver: Chrome) -> bool:
        driver.get(objective_page)
        return bool(driver.find_elements(By.CSS_SELECTOR, "ul.serving a"))

    WebDriverWait(browser, 30, poll_frequency=0.5).until(served)
    assert browser.find_element(By.CSS_SELECTOR, "ul.serving a").text == "One-click pay"


def test_an_administrator_registers_a_customer_and_erases_their_personal_data(
    browser: Chrome, console_stack: Stack, screenshots: Path
) -> None:
    sign_in(browser, console_stack, console_stack.token("admin.ada", Role.ADMIN, organisation=True))
    browser.get(f"{console_stack.web}/customers")
    browser.find_element(By.XPATH, "//summary[normalize-space()='Register a customer']").click()
    browser.find_element(By.ID, "new-ref").send_keys("initech/us")
    browser.find_element(By.ID, "new-name").send_keys("Initech")
    browser.find_element(By.ID, "new-revenue").send_keys("75000")
    browser.find_element(By.ID, "new-contact").send_keys("bill@initech.example")
    browser.find_element(By.XPATH, "//button[normalize-space()='Register']").click()
    notice(browser, "Customer initech/us registered.")
    row = browser.find_element(By.XPATH, "//tr[th[normalize-space()='initech/us']]")
    assert "bill@initech.example" in row.text
    browser.find_element(By.XPATH, "//summary[contains(., 'Update or erase')]").click()
    browser.find_element(By.ID, "erase-1").send_keys("initech/us")
    browser.find_element(By.XPATH, "//button[normalize-space()='Erase']").click()
    wait(browser).until(ec.alert_is_present()).accept()
    notice(browser, "personal data is erased")
    shot(browser, screenshots, "17-customers")
    browser.get(f"{console_stack.web}/customers?erased=true")
    row = browser.find_element(By.XPATH, "//tr[th[starts-with(normalize-space(), 'initech/us')]]")
    assert "bill@initech.example" not in row.text
    assert "personal data erased" in row.text


def test_a_refused_form_comes_back_with_what_was_typed(
    browser: Chrome, console_stack: Stack, screenshots: Path
) -> None:
    """The page says why, and the form holds what was typed (open, where it was folded),
    so only the wrong field is typed again; sent right, nothing is kept for the next page."""
    ws = console_stack.workspace
    sign_in(browser, console_stack, console_stack.token("pm.ana", Role.PRODUCT_MANAGER))
    browser.get(f"{console_stack.web}/w/{ws}/research")
    browser.find_element(By.XPATH, "//summary[normalize-space()='Record an insight']").click()
    typed = {
        "insight-title": "Carts are dropped at the payment step",
        "insight-market": "EU e-commerce",
        "insight-source": "Checkout study 2026",
        "insight-summary": "Seven in ten carts end at the card form.",
        "insight-evidence": "not a link",
    }
    for field_id, text in typed.items():
        browser.find_element(By.ID, field_id).send_keys(text)
    browser.find_element(By.XPATH, "//button[normalize-space()='Record']").click()
    refusal = wait(browser).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".flash-error"))
    )
    assert "Evidence links" in refusal.text
    for field_id, text in typed.items():
        assert browser.find_element(By.ID, field_id).get_attribute("value") == text
    shot(browser, screenshots, "16b-refused-form-kept")
    evidence = browser.find_element(By.ID, "insight-evidence")
    evidence.clear()
    evidence.send_keys("https://research.example/checkout-2026")
    browser.find_element(By.XPATH, "//button[normalize-space()='Record']").click()
    notice(browser, "Insight recorded")
    assert "Carts are dropped at the payment step" in browser.page_source
    browser.find_element(By.XPATH, "//summary[normalize-space()='Record an insight']").click()
    assert browser.find_element(By.ID, "insight-title").get_attribute("value") == ""


def test_an_administrator_adds_a_workspace_and_grants_its_members_their_roles(
    browser: Chrome, console_stack: Stack, screenshots: Path
) -> None:
    sign_in(browser, console_stack, console_stack.token("admin.ada", Role.ADMIN, organisation=True))
    browser.get(f"{console_stack.web}/")
    if browser.find_elements(By.ID, "org-name"):  # the organisation's first administrator
        browser.find_element(By.ID, "org-name").send_keys("Acme")
        browser.find_element(By.XPATH, "//button[normalize-space()='Set up']").click()
        notice(browser, "The organisation Acme is set up")
    browser.find_element(By.XPATH, "//summary[normalize-space()='Add a workspace']").click()
    browser.find_element(By.ID, "new-workspace").send_keys("search")
    browser.find_element(By.ID, "new-workspace-name").send_keys("Search team")
    browser.find_element(By.XPATH, "//button[normalize-space()='Add']").click()
    notice(browser, "Workspace search created")
    assert browser.current_url.endswith("/w/search/members")
    browser.find_element(By.ID, "member").send_keys("okta|eu/ana")
    Select(browser.find_element(By.ID, "role")).select_by_value("product_manager")
    browser.find_element(By.XPATH, "//button[normalize-space()='Grant']").click()
    notice(browser, "okta|eu/ana is product manager in search")
    row = browser.find_element(By.XPATH, "//tr[th[normalize-space()='okta|eu/ana']]")
    assert "product manager" in row.text
    shot(browser, screenshots, "21-members")
    take_back = row.find_element(By.XPATH, ".//button[contains(., 'Take back')]")
    # readable on the page's white (it had the header's white text, as had 'Unlink')
    assert take_back.value_of_css_property("color") != "rgba(255, 255, 255, 1)"
    take_back.click()
    wait(browser).until(ec.alert_is_present()).accept()
    notice(browser, "okta|eu/ana no longer holds a role in search")
    assert "No one holds a role in this workspace yet" in browser.page_source


def test_state_the_vision_and_take_a_strategy_through_review(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    ws = console_stack.workspace
    sign_in(browser, console_stack, console_stack.token("pm.ana", Role.PRODUCT_MANAGER))
    direction = f"{console_stack.web}/w/{ws}/strategy"
    browser.get(direction)
    browser.find_element(By.XPATH, "//summary[normalize-space()='State the vision']").click()
    browser.find_element(By.ID, "vision-vision").send_keys("Every team decides with evidence")
    browser.find_element(By.ID, "vision-mission").send_keys("Make discovery routine")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save the vision']").click()
    notice(browser, "Vision revised.")

    browser.find_element(By.XPATH, "//summary[normalize-space()='Draft a strategy']").click()
    browser.find_element(By.ID, "draft-title").send_keys("Checkout first")
    browser.find_element(By.ID, "draft-quarter").send_keys("2026-Q3")
    browser.find_element(By.NAME, f"objective:{world.objective}").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Draft']").click()
    notice(browser, "Strategy drafted: Checkout first.")
    assert "Convert more buyers" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    browser.find_element(By.ID, "submit-reviewers").send_keys("cpo.bo")
    browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Submit')]").click()
    notice(browser, "Submitted for review to cpo.bo.")
    page = browser.current_url

    # The reviewer it names answers the review on the same page.
    sign_in(browser, console_stack, console_stack.token("cpo.bo", Role.PRODUCT_MANAGER))
    browser.get(page)
    browser.find_element(By.ID, "approve-comment").send_keys("Go")
    browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Approve')]").click()
    notice(browser, "Approved")
    assert browser.find_element(By.ID, "strategy-status").text == "approved"
    shot(browser, screenshots, "14c-strategy-review")
    browser.get(direction)
    approved = browser.find_element(By.CSS_SELECTOR, ".approved-strategy")
    assert "Checkout first" in approved.text
    assert "Convert more buyers" in approved.text


def test_a_stakeholder_sees_only_published_roadmaps(
    browser: Chrome, console_stack: Stack, world: World, screenshots: Path
) -> None:
    ws = console_stack.workspace
    sign_in(browser, console_stack, console_stack.token("sam.stake", Role.STAKEHOLDER))
    browser.get(f"{console_stack.web}/w/{ws}/roadmaps")
    listed = wait(browser).until(ec.presence_of_element_located((By.TAG_NAME, "table"))).text
    assert "Checkout" in listed
    assert "Secret draft" not in listed
    nav = browser.find_element(By.CSS_SELECTOR, "nav[aria-label=Main]").text
    assert "Feedback" not in nav
    assert "Audit" not in nav
    shot(browser, screenshots, "17-stakeholder-roadmaps")

    browser.find_element(By.LINK_TEXT, "Checkout").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "from")))
    assert not browser.find_elements(By.ID, "audience")  # no publishing offered
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == "Checkout: published versions"  # the roadmap's name, though not its board
    shot(browser, screenshots, "18-stakeholder-versions")

    browser.get(world.notes["board"])  # the board is the team's: the published versions instead
    wait(browser).until(ec.url_contains("/versions"))

    browser.get(f"{console_stack.web}/w/{ws}/feedback")
    problem = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".problem")))
    assert "403" in problem.text
    assert "Your role does not allow this" in problem.text
    assert "Traceback" not in browser.page_source
    shot(browser, screenshots, "19-stakeholder-forbidden")

    browser.get(f"{console_stack.web}/w/{ws}/roadmaps/{world.draft}/versions/1")
    problem = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".problem")))
    assert "404" in problem.text


def test_archive_a_roadmap_whose_time_is_over_and_restore_it(
    browser: Chrome, console_stack: Stack, screenshots: Path
) -> None:
    sign_in(browser, console_stack, console_stack.token("pm.ana", Role.PRODUCT_MANAGER))
    roadmaps = f"{console_stack.web}/w/{console_stack.workspace}/roadmaps"
    browser.get(roadmaps)
    browser.find_element(By.ID, "roadmap-name").send_keys("Payments FY26")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create roadmap']").click()
    notice(browser, "Roadmap “Payments FY26” created.")
    board = browser.current_url
    browser.find_element(By.XPATH, "//summary[normalize-space()='Archive it']").click()
    wait(browser).until(ec.element_to_be_clickable((By.ID, "archive-note"))).send_keys(
        "FY26 is over"
    )
    browser.find_element(By.XPATH, "//button[normalize-space()='Archive']").click()
    notice(browser, "Archived: it takes no changes until it is restored.")
    assert "FY26 is over" in browser.find_element(By.ID, "archived").text
    assert not browser.find_elements(By.ID, "new-title")  # no item is added to it
    shot(browser, screenshots, "22-roadmap-archived")
    browser.get(roadmaps)
    assert "Payments FY26" not in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.LINK_TEXT, "Archived").click()
    put_away = browser.find_element(By.TAG_NAME, "main").text
    assert "Payments FY26 archived" in put_away
    assert "FY26 is over" in put_away
    browser.get(board)
    browser.find_element(By.XPATH, "//button[normalize-space()='Restore it']").click()
    notice(browser, "Restored.")
    assert browser.find_elements(By.ID, "new-title")


def test_signing_out_forgets_the_token(browser: Chrome, console_stack: Stack) -> None:
    sign_in(browser, console_stack, console_stack.token("pm.ana", Role.PRODUCT_MANAGER))
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    notice(browser, "Signed out")
    browser.get(f"{console_stack.web}/w/{console_stack.workspace}/roadmaps")
    wait(browser).until(ec.url_contains("/login"))
