"""Field-level changes: what an event sets, against what the entity had before."""

from __future__ import annotations

from sextant_kit.audit import field_changes


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
