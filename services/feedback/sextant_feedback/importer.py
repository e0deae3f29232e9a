"""Bulk import of CSV and JSON Lines files: streaming, validated row by row, resumable.

Each row becomes a feedback item whose identity is its ``external_id`` — or, when the file
has none, ``<file name>:<line>:<digest of the row's content>`` (keyed with the customer's
own key, which erasure destroys) — so running the same import
again (after an interruption or on purpose) creates no duplicates. Progress is saved to
``<file>.import-state.json`` after each committed batch, so a resumed import skips what is
done without re-reading it into the store. Rows that fail validation, or cannot be taken (a
customer erased on request), go to ``<file>.rejects.jsonl`` with the line and the reason; a
resumed run adds to that file.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import itertools
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sextant_kit import CommandContext, Conflict, EventMetadata, PostgresEventStore
from sextant_kit.progress import Progress

from sextant_feedback.domain.identity import customer_id_for, feedback_id_for
from sextant_feedback.ingest import MAX_BATCH, FeedbackIn, Ingestor, Prepared, first_event
from sextant_feedback.privacy import KeyRing

MAX_FILE_BYTES = 2 * 1024**3
MAX_LINE_BYTES = 64 * 1024
MAX_FIELD = 1024 * 1024
"""The longest CSV value read (text is refused past 20,000 characters anyway): a longer one
is a rejected row, not a failed import."""
csv.field_size_limit(MAX_FIELD)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: int = 0
    """Rows a previous, interrupted run of the same import had already committed."""
    rejected_before: int = 0
    """Of the ``skipped`` rows, those the previous run rejected (still in the rejects file)."""
    rejects_file: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    """A CSV's columns that name no field of a feedback item: not imported."""


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(handle.read(1024 * 1024))
    digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()


class UnreadableFile(ValueError):
    """The file cannot be imported as it is: the message says why, and what to do."""


def _rows(
    path: Path, fmt: str, report: ImportReport
) -> Iterator[tuple[int, int, dict[str, Any] | str]]:
    """``(line number, bytes read so far, row or parse error)`` without loading the file."""
    try:
        yield from _read(path, fmt, report)
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"{path.name} is not UTF-8 text: save it as UTF-8 (a spreadsheet's 'CSV UTF-8')"
            " and run the import again (nothing is imported twice)"
        ) from None


def _read(
    path: Path, fmt: str, report: ImportReport
) -> Iterator[tuple[int, int, dict[str, Any] | str]]:
    with path.open("rb") as raw:
        # utf-8-sig: spreadsheets save "CSV UTF-8" with a byte order mark before the header
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
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
            header = text.readline()
            reader = csv.DictReader(itertools.chain([header], text), dialect=_dialect(header))
            found = reader.fieldnames or []
            # "Text", "Customer Ref ": a spreadsheet's headings name the same fields
            columns = [name.strip().lower().replace(" ", "_") for name in found]
            if "text" not in columns:
                raise UnreadableFile(
                    f"{path.name}: the CSV header must name a 'text' column"
                    f" (its header is: {', '.join(found) or 'empty'})"
                )
            reader.fieldnames = columns
            known = set(FeedbackIn.model_fields)
            report.ignored_columns = [c for c in columns if c not in known]
            while True:
                starts = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:  # a quote left open, a value past MAX_FIELD
                    yield (
                        max(starts, reader.line_num),
                        raw.tell(),
                        f"not CSV from line {starts}: {error} (a value that opens a quote"
                        " must close it, and a quote inside one is written twice)",
                    )
                    continue
                if None in row:  # an unquoted separator in a value, say: nothing is guessed
                    yield (
                        reader.line_num,
                        raw.tell(),
                        f"{len(columns) + len(row[None])} fields where the header has"
                        f" {len(columns)}: quote values that hold the separator",
                    )
                    continue
                cleaned: dict[str, Any] = {
                    k: v for k, v in row.items() if k in known and v not in ("", None)
                }
                if "tags" in cleaned:
                    cleaned["tags"] = [t for t in cleaned["tags"].split(";") if t.strip()]
                if "attendees" in cleaned:
                    cleaned["attendees"] = [a for a in cleaned["attendees"].split(";") if a.strip()]
                yield reader.line_num, raw.tell(), cleaned


def _dialect(header: str) -> type[csv.Dialect]:
    """A spreadsheet's CSV (quotes doubled inside quoted values, as every spreadsheet writes
    them), separated by commas or by what the header line is: semicolons (where the comma
    is the decimal mark), tabs or bars. Only the separator is guessed from the header: its
    quoting says nothing of the rows'. Strict, so a quote left open is an error, not the
    rest of the file read into one value."""
    try:
        delimiter = csv.Sniffer().sniff(header, delimiters=",;\t|").delimiter
    except csv.Error:  # one column only
        delimiter = ","
    return type("Spreadsheet", (csv.excel,), {"delimiter": delimiter, "strict": True})


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
    report: ImportReport | None = None,
) -> ImportReport:
    """Import ``path`` into ``workspace_id``, resuming where an interrupted run of the same
    file stopped. ``report``, when given, is filled as the import goes, so a caller whose
    import fails midway still knows what went in."""
    fmt = fmt or ("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv")
    # Local-file reads block only briefly; the CLI has no other work on its event loop.
    size = path.stat().st_size  # noqa: ASYNC240
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"{path} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}: split it")
    state_file = path.with_name(path.name + ".import-state.json")
    rejects_file = path.with_name(path.name + ".rejects.jsonl")
    fingerprint = _fingerprint(path)
    resume_after = _resume_point(state_file, fingerprint, tenant_id, workspace_id)
    ingestor = Ingestor(KeyRing(store.pool))
    report = report or ImportReport()
    report.rejects_file = str(rejects_file)
    progress = progress or Progress(f"import {path.name}", size, unit="rows")
    correlation = str(uuid.uuid4())
    ctx = CommandContext(
        tenant_id=tenant_id, actor=actor, now=datetime.now(UTC), correlation_id=correlation
    )
    metadata = EventMetadata.from_context(ctx, workspace_id=workspace_id)
    report.rejected_before = _keep_rejects(rejects_file, resume_after)
    with rejects_file.open("a", encoding="utf-8") as rejects:
        writer: asyncio.Task[None] | None = None
        try:
            async for position, lines, items in _batches(
                path, fmt, batch_size, resume_after, default_source, report, rejects
            ):
                rows = list(zip(lines, items, strict=True))
                keys = await ingestor.keys_of(items, tenant_id)
                items = await _identified(store, keys, ctx, workspace_id, rows, path.name)
                prepared = await ingestor.prepare(items, workspace_id, ctx, metadata, keys)
                if writer is not None:
                    await writer  # at most one batch in flight while the next one is parsed
                written = _Written(state_file, fingerprint, tenant_id, workspace_id, lines[-1])
                writer = asyncio.create_task(
                    _write(store, zip(lines, prepared, strict=True), report, rejects, written)
                )
                progress.advance(len(items), position=position)
        finally:  # when reading fails, the batch in flight is still written and counted
            if writer is not None:
                await writer
    progress.finish()
    if rejects_file.stat().st_size == 0:
        rejects_file.unlink()
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
) -> AsyncIterator[tuple[int, list[int], list[FeedbackIn]]]:
    """Valid rows in batches: the file position reached, each row's line, the rows."""
    lines: list[int] = []
    batch: list[FeedbackIn] = []
    position = 0
    for line, position, row in _rows(path, fmt, report):
        report.rows += 1
        if line <= resume_after:
            report.skipped += 1
            continue
        item = _validate(row, default_source)
        if isinstance(item, str):
            _reject(report, rejects, line, item)
            continue
        lines.append(line)
        batch.append(item)
        if len(batch) >= batch_size:
            yield position, lines, batch
            lines, batch = [], []
            await asyncio.sleep(0)
    if batch:
        yield position, lines, batch


def _reject(report: ImportReport, rejects: io.TextIOWrapper, line: int, error: str) -> None:
    report.rejected += 1
    rejects.write(json.dumps({"line": line, "error": error}) + "\n")


def _validate(row: dict[str, Any] | str, default_source: str | None) -> FeedbackIn | str:
    if isinstance(row, str):
        return row
    if default_source and "source" not in row:
        row = {**row, "source": default_source}
    try:
        item = FeedbackIn.model_validate(row)
    except ValidationError as error:
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
    return item


async def _identified(
    store: PostgresEventStore,
    keys: Mapping[uuid.UUID, bytes],
    ctx: CommandContext,
    workspace_id: str,
    rows: list[tuple[int, FeedbackIn]],
    file_name: str,
) -> list[FeedbackIn]:
    """Each row with the identity the file gives it, or when it gives none: the file's name,
    the line, and a digest of what was said, by whom and when. The same file imported again
    (or resumed) names the same items; next week's export under the same name names new
    ones, where the name and line alone would have taken its rows for last week's.

    A customer's row is digested with that customer's key, so that once they are erased no
    one can confirm a guess of what they said against it. A row imported before, when the
    digest had no key, keeps the identity it was given then (its item is found by it)."""
    out: list[FeedbackIn] = []
    earlier: dict[str, tuple[int, str]] = {}  # a keyed row's stream, had it no key
    for line, item in rows:
        if item.external_id is None:
            ref = item.customer_ref
            key = keys.get(customer_id_for(ctx.tenant_id, ref)) if ref else None
            given = _row_identity(item, line, file_name, key)
            if key is not None:
                before = _row_identity(item, line, file_name, None)
                unkeyed = feedback_id_for(ctx.tenant_id, workspace_id, item.source, before)
                earlier[str(unkeyed)] = (len(out), before)
            item = item.model_copy(update={"external_id": given})
        out.append(item)
    for found in await store.existing(list(earlier)) if earlier else ():
        at, before = earlier[found]
        out[at] = out[at].model_copy(update={"external_id": before})
    return out


def _row_identity(item: FeedbackIn, line: int, file_name: str, key: bytes | None) -> str:
    said = json.dumps([item.text, item.customer_ref, item.author, item.received_at], default=str)
    if key is None:
        digest = hashlib.sha256(said.encode()).hexdigest()[:12]
    else:
        digest = hmac.new(key, said.encode(), hashlib.sha256).hexdigest()[:12]
    return f"{file_name[:150]}:{line}:{digest}"


@dataclass(frozen=True, slots=True)
class _Written:
    """Where a resumed import starts: after ``line`` of this file, into this organisation's
    workspace."""

    state_file: Path
    fingerprint: str
    tenant_id: str
    workspace_id: str
    line: int

    def record(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        state = {
            "fingerprint": self.fingerprint,
            "tenant_id": self.tenant_id,
            "workspace_id": self.workspace_id,
        }
        tmp.write_text(json.dumps({**state, "line": self.line}))
        os.replace(tmp, self.state_file)


async def _write(
    store: PostgresEventStore,
    prepared: Iterable[tuple[int, Prepared | Conflict]],
    report: ImportReport,
    rejects: io.TextIOWrapper,
    written: _Written,
) -> None:
    streams = []
    for line, item in prepared:
        if isinstance(item, Conflict):  # a row for an erased customer, say
            _reject(report, rejects, line, item.detail)
        else:
            streams.append(first_event(item))
    created = await store.create_streams(streams)
    report.created += len(created)
    report.duplicates += len(streams) - len(created)
    rejects.flush()  # the rows it names are done: a resumed run will not read them again
    written.record()


def _keep_rejects(rejects_file: Path, resume_after: int) -> int:
    """A resumed run keeps the rejects of the rows done before (returns how many); it reads
    the rest anew."""
    if not resume_after or not rejects_file.exists():
        rejects_file.write_text("")
        return 0
    done = []
    for entry in rejects_file.read_text(encoding="utf-8").splitlines(keepends=True):
        try:
            if json.loads(entry)["line"] <= resume_after:
                done.append(entry)
        except ValueError:
            continue  # cut off when the run stopped, after the last row it finished
    rejects_file.write_text("".join(done), encoding="utf-8")
    return len(done)


def _resume_point(state_file: Path, fingerprint: str, tenant_id: str, workspace_id: str) -> int:
    if not state_file.exists():
        return 0
    try:
        state = json.loads(state_file.read_text())
    except ValueError:
        return 0
    given = (state.get("fingerprint"), state.get("tenant_id"), state.get("workspace_id"))
    if given != (fingerprint, tenant_id, workspace_id):
        return 0
    return int(state.get("line", 0))
