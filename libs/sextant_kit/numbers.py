"""Numbers as text for people and files: every digit a number has, never an exponent."""

from __future__ import annotations

from decimal import Decimal


def plain(value: float) -> str:
    """``123456789``, ``0.00001``, ``2.5``: a float as written in full, where ``:g`` keeps
    six digits (``1.23457e+08``) and two different values can read the same."""
    return f"{Decimal(repr(float(value))).normalize():f}"
