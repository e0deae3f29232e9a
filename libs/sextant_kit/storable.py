"""Text PostgreSQL can never store: NUL characters and lone UTF-16 surrogates (in text or
jsonb). HTTP refuses it at the door; channels that bring text in another way (files, Kafka)
refuse it field by field with the same words."""

from __future__ import annotations

UNSTORABLE = "text cannot contain NUL or unpaired surrogate characters"
UNSTORABLE_TYPE = "string_unstorable"


def unstorable(text: str) -> bool:
    """NUL and lone surrogates: PostgreSQL cannot store them in text or jsonb."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
