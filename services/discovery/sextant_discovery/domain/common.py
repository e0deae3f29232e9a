"""Field types that several discovery aggregates share."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=50, pattern=r"^[\w .-]+$"
    ),
]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S{1,2000}$")]
Items = Annotated[tuple[ShortText, ...], Field(max_length=50)]
"""A short list of statements (goals, pains, jobs to be done, strengths...)."""
Scale = Annotated[int, Field(ge=1, le=5)]
"""A 1 (lowest) to 5 (highest) rating."""


def fields_of(thing: object, names: tuple[str, ...]) -> dict[str, Any]:
    """``names`` of an event, a command or a state, and their values: what one says of a
    thing that another may change (a restatement compares and records them)."""
    return {name: getattr(thing, name) for name in names}
