"""Bulk import of CSV and JSON Lines files: streaming, validated row by row, resumable.

Each row becomes a feedback item whose identity is its ``external_id`` — or, when the file
has none, ``<file name>:<line>`` — so running the same import again (after an interruption
or on purpose) creates no duplicates. Progress is saved to ``<file>.import-state.json`` after
each committed batch, so a resumed import skips what is done without re-reading it into the
store. Rows that fail validation go to ``<file>.rejects.jsonl`` with the line and the reason.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sextant_kit import CommandContext, Conflict, EventMetadata, PostgresEventStore
from sextant_kit.progress import Progress

from sextant_feedback.ingest import MAX_BATCH, FeedbackIn, Ingestor, Prepared, first_event
from sextant_feedback.privacy import KeyRing

MAX_FILE_BYTES = 2 * 1024**3
MAX_LINE_BYTES = 64 * 1024


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: int = 0
    """Rows a previous, interrupted run of the same import had already committed."""
    rejects_file: str | None = None
    errors: list[str] = field(default_factory=list)


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(handle.read(1024 * 1024))
    digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()


def _rows(path: Path, fmt: str) -> Iterator[tuple[int, int, dict[str, Any] | str]]:
    """``(line number, bytes read so far, row or parse error)`` without loading the file."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        if fmt == "jsonl":
            for number, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                if len(line) > MAX_LINE_BYTES:
                    yield number, raw.tell(), f"line longer than {MAX_LINE_BYTES} bytes"
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    yield number, raw.tell(), f"not JSON: {error.msg} at column {error.colno}"
                    continue
                yield number, raw.tell(), row if isinstance(row, dict) else "not a JSON object"
        else:
            reader = csv.DictReader(text)
            if not reader.fieldnames or "text" not in reader.fieldnames:
                raise ValueError(f"{path}: the CSV header must name a 'text' column")
            for row in reader:
                cleaned: dict[str, Any] = {
                    k: v for k, v in row.items() if k and v not in ("", None)
                }
                if "tags" in cleaned:
                    cleaned["tags"] = [t for t in cleaned["tags"].split(";") if t.strip()]
                if "attendees" in cleaned:
                    cleaned["attendees"] = [a for a in cleaned["attendees"].split(";") if a.strip()]
                yield reader.line_num, raw.tell(), cleaned


async def run_import(
    store: PostgresEventStore,
    path: Path,
    *,
    workspace_id: str,
    tenant_id: str,
    actor: str,
    fmt: str | None = None,
    default_source: str | None = None,
    batch_size: int = MAX_BATCH,
    progress: Progress | None = None,
) -> ImportReport:
    fmt = fmt or ("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv")
    # Local-file reads block only briefly; the CLI has no other work on its event loop.
    size = path.stat().st_size  # noqa: ASYNC240
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{path} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}: split it")
    state_file = path.with_name(path.name + ".import-state.json")
    rejects_file = path.with_name(path.name + ".rejects.jsonl")
    fingerprint = _fingerprint(path)
    resume_after = _resume_point(state_file, fingerprint, workspace_id)
    ingestor = Ingestor(KeyRing(store.pool))
    report = ImportReport(rejects_file=str(rejects_file))
    progress = progress or Progress(f"import {path.name}", size, unit="rows")
    correlation = str(uuid.uuid4())
    ctx = CommandContext(
        tenant_id=tenant_id, actor=actor, now=datetime.now(UTC), correlation_id=correlation
    )
    metadata = EventMetadata.from_context(ctx, workspace_id=workspace_id)
    with rejects_file.open("a", encoding="utf-8") as rejects:
        writer: asyncio.Task[None] | None = None
        async for last_line, position, items in _batches(
            path, fmt, batch_size, resume_after, default_source, report, rejects
        ):
            prepared = await ingestor.prepare(items, workspace_id, ctx, metadata)
            if writer is not None:
                await writer  # at most one batch in flight while the next one is parsed
            writer = asyncio.create_task(
                _write(store, prepared, report, state_file, fingerprint, workspace_id, last_line)
            )
            progress.advance(len(items), position=position)
        if writer is not None:
            await writer
    progress.finish()
    if report.rejected == 0:
        rejects_file.unlink(missing_ok=True)
        report.rejects_file = None
    state_file.unlink(missing_ok=True)
    return report


async def _batches(
    path: Path,
    fmt: str,
    batch_size: int,
    resume_after: int,
    default_source: str | None,
    report: ImportReport,
    rejects: io.TextIOWrapper,
) -> AsyncIterator[tuple[int, int, list[FeedbackIn]]]:
    batch: list[FeedbackIn] = []
    line = position = 0
    for line, position, row in _rows(path, fmt):
        report.rows += 1
        if line <= resume_after:
            report.skipped += 1
            continue
        item = _validate(row, line, path.name, default_source)
        if isinstance(item, str):
            report.rejected += 1
            rejects.write(json.dumps({"line": line, "error": item}) + "\n")
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            yield line, position, batch
            batch = []
            await asyncio.sleep(0)
    if batch:
        yield line, position, batch


def _validate(
    row: dict[str, Any] | str, line: int, file_name: str, default_source: str | None
) -> FeedbackIn | str:
    if isinstance(row, str):
        return row
    if default_source and "source" not in row:
        row = {**row, "source": default_source}
    row.setdefault("external_id", f"{file_name}:{line}")
    try:
        return FeedbackIn.model_validate(row)
    except ValidationError as error:
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )


async def _write(
    store: PostgresEventStore,
    prepared: list[Prepared | Conflict],
    report: ImportReport,
    state_file: Path,
    fingerprint: str,
    workspace_id: str,
    last_line: int,
) -> None:
    streams = [first_event(p) for p in prepared if isinstance(p, Prepared)]
    report.rejected += sum(isinstance(p, Conflict) for p in prepared)
    created = await store.create_streams(streams)
    report.created += len(created)
    report.duplicates += len(streams) - len(created)
    tmp = state_file.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"fingerprint": fingerprint, "workspace_id": workspace_id, "line": last_line})
    )
    os.replace(tmp, state_file)


def _resume_point(state_file: Path, fingerprint: str, workspace_id: str) -> int:
    if not state_file.exists():
        return 0
    try:
        state = json.loads(state_file.read_text())
    except ValueError:
        return 0
    if state.get("fingerprint") != fingerprint or state.get("workspace_id") != workspace_id:
        return 0
    return int(state.get("line", 0))
