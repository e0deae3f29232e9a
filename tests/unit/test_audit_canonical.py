"""The audit chain's hashed form: orjson where it writes the same text as ``json.dumps``,
which every stored hash was made from, and ``json.dumps`` itself elsewhere."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sextant_kit.audit import canonical_json


def reference(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=2000, deadline=None)
@given(json_values)
def test_the_text_is_json_dumps_text_for_any_json_value(value: Any) -> None:
    assert canonical_json(value) == reference(value)


def test_values_orjson_writes_otherwise_are_written_as_json_dumps_writes_them() -> None:
    cases: list[Any] = [
        {"score": 1e-05},  # orjson: 0.00001
        {"score": -3.9e-08},  # orjson: -3.9e-8
        [2**70, -(2**65)],  # orjson refuses integers past 64 bits
        {"note": "tiny: 0.00001 and 1e-5"},  # text that only looks like such a float
        {"b": 1, "a": [1.0, {"é": '\u2028\x00\x1f"\\', "Z": None}]},
    ]
    for value in cases:
        assert canonical_json(value) == reference(value)
