"""The version diff: a pure function over two published snapshots, and its report."""

from __future__ import annotations

from typing import Any

from sextant_roadmap.domain import commands as c
from sextant_roadmap.domain.diff import diff, render_markdown
from sextant_roadmap.domain.events import RoadmapPublished
from sextant_roadmap.domain.schedule import quarter

from tests.unit.roadmap.builders import BASE, NOW, ROADMAP, A, B, C, added, command, spec, status


def published(events: list[Any], audience: str = "executives") -> RoadmapPublished:
    cmd = command(c.PublishVersion, audience=audience, title="plan")
    [event] = spec.given(events).when(cmd)._run()
    assert isinstance(event, RoadmapPublished)
    return event


def scored(item: Any, score: float) -> Any:
    from sextant_roadmap.domain.events import ItemScored

    return ItemScored(
        roadmap_id=ROADMAP,
        item_id=item,
        model="ice",
        formula="impact * confidence * ease",
        inputs={"impact": score, "confidence": 1, "ease": 1},
        score=score,
        scored_at=NOW,
    )


def moved(item: Any, horizon: str, q: str | None = None) -> Any:
    from sextant_roadmap.domain.events import ItemScheduled

    return ItemScheduled.model_validate(
        {
            "roadmap_id": ROADMAP,
            "item_id": item,
            "to_horizon": horizon,
            "to_timeframe": quarter(q) if q else None,
            "scheduled_at": NOW,
        }
    )


V1_EVENTS: list[Any] = [*BASE, moved(A, "now", "2026-Q3"), scored(A, 5), scored(B, 2)]


def test_identical_versions_have_no_changes() -> None:
    v1 = published(V1_EVENTS)
    result = diff(v1, v1)
    assert result.unchanged
    assert "No changes." in render_markdown(result)


def test_added_removed_moved_rescored_and_status_changes_are_found() -> None:
    v1 = published(V1_EVENTS)
    later = [
        *V1_EVENTS,
        v1,
        added(C, "Cards"),
        status(B, "proposed", "dropped"),
        moved(A, "next", "2026-Q4"),
        scored(A, 8),
    ]
    v2 = published(later)
    result = diff(v1, v2)
    assert (result.from_version, result.to_version) == (1, 2)
    assert [i.title for i in result.added] == ["Cards"]
    assert result.removed == []
    [move] = result.moved
    assert (move.before.horizon, move.before.timeframe) == ("now", "2026-Q3")
    assert (move.after.horizon, move.after.timeframe) == ("next", "2026-Q4")
    [rescore] = result.rescored
    assert (rescore.model, rescore.before, rescore.after) == ("ice", 5, 8)
    [changed] = result.status_changed
    assert (changed.title, changed.before, changed.after) == ("Ledger", "proposed", "dropped")


def test_an_item_hidden_from_the_audience_shows_as_removed() -> None:
    v1 = published(V1_EVENTS, "customers")
    v2 = published([*V1_EVENTS, v1, status(B, "proposed", "dropped")], "customers")
    assert [i.title for i in diff(v1, v2).removed] == ["Ledger"]


def test_fields_one_audience_cannot_see_are_not_compared() -> None:
    execs = published(V1_EVENTS, "executives")
    customers = published([*V1_EVENTS, execs, scored(A, 9)], "customers")
    result = diff(execs, customers)
    assert result.rescored == []  # customers see no scores
    assert result.moved == []  # nor dates; the horizon is the same


def details(item: Any, title: str, description: str = "") -> Any:
    from sextant_roadmap.domain.events import ItemDetailsChanged

    return ItemDetailsChanged(
        roadmap_id=ROADMAP,
        item_id=item,
        changed=["title", "description"],
        title=title,
        description=description,
        owner=None,
        team=None,
        objective_ids=[],
        opportunity_ids=[],
        changed_at=NOW,
    )


def test_renamed_and_redescribed_items_are_found() -> None:
    v1 = published(V1_EVENTS, "sales")
    v2 = published(
        [*V1_EVENTS, v1, details(A, "Wallet (EU)"), details(B, "Ledger", "Double entry.")],
        "sales",
    )
    result = diff(v1, v2)
    assert not result.unchanged
    [renamed] = result.renamed
    assert (renamed.title, renamed.before, renamed.after) == (
        "Wallet (EU)",
        "Wallet",
        "Wallet (EU)",
    )
    assert [i.title for i in result.redescribed] == ["Ledger"]
    report = render_markdown(result)
    assert "## Renamed (1)\n\n- Wallet → Wallet (EU)" in report
    assert "## Description changed (1)\n\n- Ledger" in report


def test_the_report_reads_as_markdown() -> None:
    v1 = published(V1_EVENTS)
    v2 = published([*V1_EVENTS, v1, added(C, "Cards"), moved(A, "later"), scored(B, 3)])
    report = render_markdown(diff(v1, v2), roadmap_name="Payments")
    assert report.startswith("# Roadmap Payments changes: v1 (executives) → v2 (executives)")
    assert "## Added (1)\n\n- Cards" in report
    assert "- Wallet: now (2026-Q3) → later" in report
    assert "- Ledger (ice): 2 → 3" in report
    assert "Removed" not in report


def test_line_breaks_typed_differently_are_no_change() -> None:
    v1 = published([*V1_EVENTS, details(B, "Ledger", "Double\nentry.")], "sales")
    v2 = published([*V1_EVENTS, details(B, "Ledger", "Double\r\nentry."), v1], "sales")
    assert diff(v1, v2).unchanged


def test_owner_team_links_dependencies_and_rank_changes_are_found() -> None:
    v1 = published(V1_EVENTS, "engineering")
    handed = details(A, "Wallet").model_copy(update={"owner": "zoe", "team": "mobile"})
    v2 = published([*V1_EVENTS, v1, handed], "engineering")
    result = diff(v1, v2)
    assert not result.unchanged
    assert {(c.field, c.before, c.after) for c in result.changed} >= {
        ("owner", None, "zoe"),
        ("team", None, "mobile"),
    }
    assert "- Wallet: owner none → zoe" in render_markdown(result)
    hidden = diff(published(V1_EVENTS, "customers"), published([*V1_EVENTS, handed], "customers"))
    assert [c.field for c in hidden.changed] == []  # customers see no owner or team
