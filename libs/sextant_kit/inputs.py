"""The base of every model that reads external input: a request's body, an inbound
message, a row of an imported file.

Such a model refuses fields it does not know, and its number fields take numbers only.
Pydantic's lax mode, which input needs for ids, days and amounts given as text, would also
take ``true`` and ``false`` as 1 and 0: a severity of ``true`` or a threshold of ``false``
is a mistake of the sender's, and is answered as one, naming the field. So is a day or a
moment given as a number, which pydantic would read as seconds since 1970."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from sextant_kit.storable import DAY_WRITTEN_OUT, MOMENT_WRITTEN_OUT

_NUMBERS = frozenset({"int", "float", "decimal"})
_NOT_READ = frozenset({"metadata", "serialization"})  # parts of a schema that read no input


def _no_truth_value(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError(
            "number_not_boolean",
            "Input should be a number, not {value}",
            {"value": str(value).lower()},
        )
    return value


_CHECKS = {
    **dict.fromkeys(_NUMBERS, _no_truth_value),
    "date": DAY_WRITTEN_OUT,
    "datetime": MOMENT_WRITTEN_OUT,
}
"""What each kind of value is checked for before pydantic reads it."""
_OURS = frozenset(_CHECKS.values())


def _checked(schema: Any) -> Any:
    """``schema`` with each number in it refusing ``true`` and ``false`` first, and each
    day or moment refusing a number."""
    if isinstance(schema, list):
        return [_checked(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if isinstance(kind, str) and kind in _CHECKS:
        return core_schema.no_info_before_validator_function(_CHECKS[kind], schema)
    if kind == "function-before" and schema["function"].get("function") in _OURS:
        return schema  # a nested input model's, checked already
    return {key: part if key in _NOT_READ else _checked(part) for key, part in schema.items()}


class Body(BaseModel):
    """External input (see the module): unknown fields, truth values for numbers and
    numbers for times refused."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema: core_schema.CoreSchema = _checked(handler(source))
        return schema
