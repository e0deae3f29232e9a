"""The base of every model that reads external input: a request's body, an inbound
message, a row of an imported file.

Such a model refuses fields it does not know, and its number fields take numbers only.
Pydantic's lax mode, which input needs for ids, days and amounts given as text, would also
take ``true`` and ``false`` as 1 and 0: a severity of ``true`` or a threshold of ``false``
is a mistake of the sender's, and is answered as one, naming the field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

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


def _numbers_only(schema: Any) -> Any:
    """``schema`` with each number in it refusing ``true`` and ``false`` first."""
    if isinstance(schema, list):
        return [_numbers_only(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if isinstance(kind, str) and kind in _NUMBERS:
        return core_schema.no_info_before_validator_function(_no_truth_value, schema)
    if (
        schema.get("type") == "function-before"
        and schema["function"].get("function") is _no_truth_value
    ):
        return schema  # a nested input model's number, refusing them already
    return {key: part if key in _NOT_READ else _numbers_only(part) for key, part in schema.items()}


class Body(BaseModel):
    """External input (see the module): unknown fields and truth values for numbers refused."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema: core_schema.CoreSchema = _numbers_only(handler(source))
        return schema
