"""CSV that people open in a spreadsheet: text it would run as a formula stays text."""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet would read as a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``)
    behind an apostrophe, which spreadsheets show as text and do not display (the OWASP
    advice against CSV injection). Numbers are not text: write them as they are."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text
