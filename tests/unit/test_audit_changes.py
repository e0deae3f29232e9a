"""Field-level changes: what an event sets, against what the entity had before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sextant_kit.audit import _Entry, _with_changes, field_changes


def test_first_event_sets_every_field_from_nothing() -> None:
    assert field_changes({}, {"title": "SSO", "status": "open"}) == [
        {"field": "title", "before": None, "after": "SSO"},
        {"field": "status", "before": None, "after": "open"},
    ]


def test_only_fields_with_a_new_value_are_changes() -> None:
    before = {"title": "SSO", "status": "open", "owner": "ann"}
    changes = field_changes(before, {"title": "SSO", "status": "closed"})
    assert changes == [{"field": "status", "before": "open", "after": "closed"}]


def test_nested_values_compare_whole() -> None:
    before = {"scores": {"rice": 12}}
    assert field_changes(before, {"scores": {"rice": 12}}) == []
    assert field_changes(before, {"scores": {"rice": 13}})[0]["before"] == {"rice": 12}


def test_a_field_left_empty_where_there_was_none_is_no_change() -> None:
    # A restatement without a note, or a creation without a description: nothing to show.
    assert field_changes({"title": "SSO"}, {"title": "SSO", "note": None}) == []
    assert field_changes({}, {"description": None, "title": "SSO"}) == [
        {"field": "title", "before": None, "after": "SSO"}
    ]
    # Emptied, a field that had a value is a change.
    assert field_changes({"note": "why"}, {"note": None}) == [
        {"field": "note", "before": "why", "after": None}
    ]


def test_an_undoing_event_empties_what_it_undoes_and_its_own_reason_stands_alone() -> None:
    """A role revoked reads as the role gone, and granted again as the role back; a reason
    is the event's own, not a change of the one before."""
    at = datetime(2026, 11, 1, tzinfo=UTC)

    def entry(event_type: str, data: dict[str, Any], clears: tuple[str, ...] = ()) -> Any:
        return _Entry(
            uuid4(),
            "t",
            "ws",
            "s",
            "member",
            event_type,
            "src",
            "pia",
            None,
            None,
            at,
            data,
            part="member=bo",
            clears=clears,
        )

    granted = {"member": "bo", "role": "contributor", "granted_at": "1"}
    entries = [
        entry("Granted", granted),
        entry("Revoked", {"member": "bo", "revoked_at": "2"}, ("role", "granted_at")),
        entry("Granted", {**granted, "granted_at": "3"}),
        entry("Unmerged", {"reason": "oops"}, ("reason",)),
        entry("Closed", {"reason": "done"}, ("reason",)),
    ]
    changed = [
        {c["field"]: (c["before"], c["after"]) for c in e.changes or []}
        for e in _with_changes(entries, {})
    ]
    assert changed[1] == {
        "role": ("contributor", None),
        "granted_at": ("1", None),
        "revoked_at": (None, "2"),
    }
    assert changed[2]["role"] == (None, "contributor")
    assert changed[4] == {"reason": (None, "done")}  # not 'oops' -> 'done'
