"""Files people take away, streamed: CSV for a spreadsheet, JSON Lines for a program. Text a
spreadsheet would run as a formula stays text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from asyncpg import Record

from sextant_kit.tenancy import TenantReads

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000
"""Rows read from the server-side cursor, and sent, at a time."""


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet would read as a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``)
    behind an apostrophe, which spreadsheets show as text and do not display (the OWASP
    advice against CSV injection). Numbers are not text: write them as they are."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


async def stream_rows(
    reads: TenantReads,
    tenant_id: str,
    sql: str,
    args: Sequence[Any],
    *,
    form: str,
    columns: Sequence[str],
    item: Callable[[Record], dict[str, Any]],
    cell: Callable[[str, Any], Any],
) -> AsyncIterator[bytes]:
    """The rows of ``sql`` as CSV (a header of ``columns``, each value through ``cell``) or
    JSON Lines (each ``item`` as JSON), read through a server-side cursor and sent
    ``BATCH`` rows at a time: memory stays flat however many there are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if form == "csv":
        writer.writerow(columns)
    async with reads.connection(tenant_id) as conn:
        count = 0
        async for row in conn.cursor(sql, *args, prefetch=BATCH):
            entry = item(row)
            if form == "csv":
                writer.writerow([cell(c, entry[c]) for c in columns])
            else:
                buffer.write(json.dumps(entry, ensure_ascii=False) + "\n")
            count += 1
            if count % BATCH == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()
