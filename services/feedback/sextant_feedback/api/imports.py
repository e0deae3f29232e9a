"""Feedback files uploaded over HTTP: the CLI's import (``importer``), run beside the API.

The upload is answered at once (202) with where to follow it: the import runs in the
process that received it, and writes its progress and report to ``feedback_imports``, so
any replica answers how it is going. Rows are identified as the CLI identifies them (an
``external_id``, or the file's name, line and content), so uploading a file again, after an
interruption or on purpose, adds nothing twice. An import whose process stopped is told
apart by its progress going stale.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import math
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sextant_kit import NotFound
from sextant_kit.api import ID, MOMENT, Cursor, Limit, decode_cursor, jsonable, page
from sextant_kit.errors import DomainError, IdempotencyKeyReused
from sextant_kit.http import IdempotencyKey
from sextant_kit.progress import Progress
from sextant_kit.service import Runtime

from sextant_feedback.api.common import Reader, WorkspaceId, Writer
from sextant_feedback.domain.channels import Channel
from sextant_feedback.importer import ImportReport, UnreadableFile, run_import

log = logging.getLogger(__name__)

FileName = Annotated[str, Query(min_length=1, max_length=150, pattern=r"^\w[\w .()-]*$")]
"""The uploaded file's name: part of each row's identity when the file gives none."""

BATCH = 100
"""Rows read, prepared and written together. The API's event loop serves other requests
only between batches, and a batch of 1,000 (the CLI's) holds it for about 90 ms here:
while 20,000 rows were uploaded, ``GET /healthz`` beside them had p99 127-144 ms with
batches of 1,000 and 46-73 ms with 100, the import taking 6 s against 10-15 s."""
REJECTS_SHOWN = 100
"""Rejected rows whose line and reason the report keeps (the count covers them all)."""
EVERY = 1.0
"""Seconds between two progress writes."""
STALE = "interval '2 minutes'"
"""A running import whose progress is older than this has stopped with its process."""

_COLUMNS = (
    "import_id, workspace_id, file_name, format, actor, bytes_total, bytes_read, rows,"
    " created, duplicates, rejected, rejects, ignored_columns, error, started_at, finished_at,"
    f" CASE WHEN status = 'running' AND updated_at < now() - {STALE} THEN 'interrupted'"
    " ELSE status END AS status"
)


FILE_TYPES = ("text/csv", "application/x-ndjson")
_FILE_BODY = {
    "required": True,
    "description": "The file's content, as it was saved (up to the API's body limit).",
    "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in FILE_TYPES},
}


class NotAFile(DomainError):
    status = 415

    def __init__(self, sent: str) -> None:
        super().__init__(
            f"send the file as {' or '.join(FILE_TYPES)} (its format is told by its name or"
            f" the format parameter), not {sent or 'without a Content-Type'}",
            field="header.Content-Type",
            code="unsupported-media-type",
        )


def imports_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}/feedback/imports", tags=["feedback"])
    running: dict[asyncio.Task[None], _Job] = {}

    async def interrupt() -> None:
        """The process stops (a rollout, a scale-down): each import under way is reported
        interrupted now, not when its progress goes stale."""
        under_way = dict(running)
        for task in under_way:
            task.cancel()
        await asyncio.gather(*under_way, return_exceptions=True)
        for job in under_way.values():
            await job.interrupted()

    rt.closing.append(interrupt)

    @api.post("", status_code=202, openapi_extra={"requestBody": _FILE_BODY})
    async def start_import(
        workspace_id: WorkspaceId,
        request: Request,
        who: Writer,
        name: FileName,
        format: Literal["csv", "jsonl"] | None = None,
        source: Channel | None = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Import the request's body, a CSV (a ``text`` column at least) or JSON Lines file
        named ``name``, as the CLI does; ``source`` is the channel of rows that name none.
        Answers 202 with the import's address, which says how it is going and, once done,
        what was created, already there or rejected, and why."""
        sent = request.headers.get("content-type", "")
        if sent.partition(";")[0].strip().lower() not in FILE_TYPES:
            raise NotAFile(sent)
        fmt = format or ("jsonl" if name.endswith((".jsonl", ".ndjson")) else "csv")
        folder = Path(tempfile.mkdtemp(prefix="sextant-import-"))
        path = folder / name
        try:
            size, digest = await _receive(request, path)
            import_id = await rt.pool.fetchval(
                "INSERT INTO feedback_imports (tenant_id, import_id, workspace_id, file_name,"
                " format, actor, status, bytes_total, content_sha256, idempotency_key)"
                " VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9)"
                " ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL"
                " DO NOTHING RETURNING import_id",
                who.tenant_id,
                uuid.uuid4(),
                workspace_id,
                name,
                fmt,
                who.actor,
                size,
                digest,
                idempotency_key,
            )
            if import_id is None:  # a retry: the first import's answer, if it was this file
                shutil.rmtree(folder, ignore_errors=True)
                assert idempotency_key is not None
                return await _started_before(
                    rt, who.tenant_id, workspace_id, idempotency_key, digest
                )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = _Job(rt, who.tenant_id, import_id, folder)
        task = asyncio.create_task(
            job.run(path, workspace_id, who.actor, fmt, source.value if source else None)
        )
        running[task] = job
        task.add_done_callback(lambda done: running.pop(done, None))
        return _accepted(workspace_id, import_id, "running", size)

    @api.get("/{import_id}")
    async def import_status(
        workspace_id: WorkspaceId, import_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        """How an import is going (``running``, with bytes and rows read) or how it ended
        (``done``, ``failed`` with the error and what to do, or ``interrupted`` when its
        process stopped: upload the file again, nothing is imported twice)."""
        row = await rt.reads.fetchrow(
            f"SELECT {_COLUMNS} FROM feedback_imports"
            " WHERE tenant_id = $1 AND workspace_id = $2 AND import_id = $3",
            who.tenant_id,
            workspace_id,
            import_id,
        )
        if row is None:
            raise NotFound(f"import {import_id} not found in workspace {workspace_id}")
        return jsonable(row, {"rejects"})

    @api.get("")
    async def imports(
        workspace_id: WorkspaceId, who: Reader, cursor: Cursor = None, limit: Limit = 20
    ) -> dict[str, Any]:
        """The workspace's imports, the latest first, each as its address answers it."""
        after = decode_cursor(cursor, MOMENT, ID)
        rows = await rt.reads.fetch(
            f"SELECT {_COLUMNS} FROM feedback_imports WHERE tenant_id = $1 AND workspace_id = $2"
            " AND ($3::text IS NULL"
            "  OR (started_at, import_id) < ($3::text::timestamptz, $4::text::uuid))"
            " ORDER BY started_at DESC, import_id DESC LIMIT $5",
            who.tenant_id,
            workspace_id,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        return page([jsonable(r, {"rejects"}) for r in rows], limit, "started_at", "import_id")

    return api


def _accepted(workspace_id: str, import_id: uuid.UUID, status: str, size: int) -> JSONResponse:
    where = f"/v1/workspaces/{workspace_id}/feedback/imports/{import_id}"
    body = {"import_id": str(import_id), "status": status, "bytes_total": size}
    return JSONResponse(body, status_code=202, headers={"Location": where})


async def _started_before(
    rt: Runtime, tenant_id: str, workspace_id: str, key: str, digest: str
) -> JSONResponse:
    """The import a key started, when this is the same file for the same workspace."""
    row = await rt.pool.fetchrow(
        "SELECT import_id, workspace_id, status, bytes_total, content_sha256"
        " FROM feedback_imports WHERE tenant_id = $1 AND idempotency_key = $2",
        tenant_id,
        key,
    )
    if row is None or (row["workspace_id"], row["content_sha256"]) != (workspace_id, digest):
        raise IdempotencyKeyReused(key)
    return _accepted(workspace_id, row["import_id"], row["status"], row["bytes_total"])


async def _receive(request: Request, path: Path) -> tuple[int, str]:
    """The request's body into ``path`` as it arrives (the app's body limit holds): its size
    and SHA-256."""
    size, digest = 0, hashlib.sha256()
    with path.open("wb") as out:
        async for chunk in request.stream():
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    if size == 0:
        raise DomainError("the request body is empty: send the file's content", field="body")
    return size, digest.hexdigest()


class _Job:
    """One upload's import, its progress written to its row as it goes."""

    def __init__(self, rt: Runtime, tenant_id: str, import_id: uuid.UUID, folder: Path) -> None:
        self._rt = rt
        self._tenant = tenant_id
        self._id = import_id
        self._folder = folder
        # Never drawn (its figures go to the row): one line, at the end, to nowhere.
        self._progress = Progress("import", None, stream=io.StringIO(), every=math.inf)

    async def run(
        self, path: Path, workspace_id: str, actor: str, fmt: str, source: str | None
    ) -> None:
        reporting = asyncio.create_task(self._report_progress())
        report = ImportReport()
        try:
            await run_import(
                self._rt.store,
                path,
                workspace_id=workspace_id,
                tenant_id=self._tenant,
                actor=actor,
                fmt=fmt,
                default_source=source,
                batch_size=BATCH,
                progress=self._progress,
                report=report,
            )
        except UnreadableFile as unreadable:
            await self._end("failed", report=report, error=str(unreadable))
        except Exception:
            log.exception("import %s failed", self._id)
            await self._end(
                "failed",
                report=report,
                error="the import failed on the server (logged) after the rows counted here;"
                " upload the file again: nothing is imported twice",
            )
        else:
            await self._end("done", report=report)
        finally:
            reporting.cancel()
            shutil.rmtree(self._folder, ignore_errors=True)

    async def _report_progress(self) -> None:
        while True:
            await asyncio.sleep(EVERY)
            await self._write_progress()

    async def interrupted(self) -> None:
        """Its progress as far as it came, marked as long stale: read as ``interrupted``
        (its file is let go: one stopped before it began kept it)."""
        shutil.rmtree(self._folder, ignore_errors=True)
        await self._write_progress(stale=True)

    async def _write_progress(self, *, stale: bool = False) -> None:
        await self._rt.pool.execute(
            "UPDATE feedback_imports SET bytes_read = $3, rows = $4,"
            " updated_at = CASE WHEN $5 THEN '-infinity'::timestamptz ELSE now() END"
            " WHERE tenant_id = $1 AND import_id = $2 AND status = 'running'",
            self._tenant,
            self._id,
            self._progress.position or 0,
            self._progress.done,
            stale,
        )

    async def _end(
        self, status: str, *, report: ImportReport | None = None, error: str | None = None
    ) -> None:
        found = report or ImportReport()
        await self._rt.pool.execute(
            "UPDATE feedback_imports SET status = $3, bytes_read = bytes_total, rows = $4,"
            " created = $5, duplicates = $6, rejected = $7, rejects = $8::jsonb,"
            " ignored_columns = $9, error = $10, updated_at = now(), finished_at = now()"
            " WHERE tenant_id = $1 AND import_id = $2",
            self._tenant,
            self._id,
            status,
            found.rows,
            found.created,
            found.duplicates,
            found.rejected,
            json.dumps(_first_rejects(found.rejects_file)),
            found.ignored_columns,
            error,
        )


def _first_rejects(rejects_file: str | None) -> list[dict[str, Any]]:
    if rejects_file is None:
        return []
    with open(rejects_file, encoding="utf-8") as rejects:
        return [json.loads(line) for line, _ in zip(rejects, range(REJECTS_SHOWN), strict=False)]
