"""Files uploaded over HTTP: imported beside the API as the CLI imports them, followed at
the import's address until its report."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sextant_kit.service import Runtime

from tests.integration.feedback.conftest import ok
from tests.support import eventually

pytestmark = pytest.mark.integration


async def upload(
    http: httpx.AsyncClient, ws: str, content: bytes, name: str, **params: str
) -> httpx.Response:
    return await http.post(
        f"/v1/workspaces/{ws}/feedback/imports",
        params={"name": name, **params},
        content=content,
        headers={"content-type": "text/csv"},
    )


async def finished(http: httpx.AsyncClient, started: httpx.Response) -> dict[str, Any]:
    """The import's report, once it has ended."""
    assert started.status_code == 202, started.text
    where = started.headers["location"]
    report: dict[str, Any] = {}

    async def ended() -> None:
        report.update(await ok(await http.get(where)))
        assert report["status"] != "running"

    await eventually(ended, within=60)
    return report


async def test_an_uploaded_file_is_imported_and_reported_row_by_row(
    http: httpx.AsyncClient, rt: Runtime, unique: str
) -> None:
    ws = f"ws-{unique}"
    rows = ["Text;Source;Priority"] + [f"Export {n} to PDF;survey;high" for n in range(2500)]
    rows.insert(7, ";survey;low")  # no text: rejected, line 8
    content = ("\n".join(rows) + "\n").encode()
    report = await finished(http, await upload(http, ws, content, "Survey (May).csv"))
    assert report["status"] == "done"
    assert (report["rows"], report["created"], report["rejected"]) == (2501, 2500, 1)
    assert report["rejects"] == [{"line": 8, "error": "text: Field required"}]
    assert report["ignored_columns"] == ["priority"]
    assert report["bytes_read"] == report["bytes_total"] == len(content)
    # the same file again, as a person would after a doubt: nothing twice
    again = await finished(http, await upload(http, ws, content, "Survey (May).csv"))
    assert (again["created"], again["duplicates"]) == (0, 2500)
    events = await rt.pool.fetchval(
        "SELECT count(*) FROM events WHERE payload->>'workspace_id' = $1", ws
    )
    assert events == 2500
    # the workspace's imports, the latest first, a page at a time
    listed = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/imports", params={"limit": 1}))
    assert [i["import_id"] for i in listed["items"]] == [again["import_id"]]
    rest = await ok(
        await http.get(
            f"/v1/workspaces/{ws}/feedback/imports", params={"cursor": listed["next_cursor"]}
        )
    )
    assert [i["import_id"] for i in rest["items"]] == [report["import_id"]]
    assert rest["items"][0]["rejects"] == report["rejects"]


async def test_a_retried_upload_is_answered_with_the_import_it_started(
    http: httpx.AsyncClient, unique: str
) -> None:
    ws = f"ws-{unique}"
    key = {"Idempotency-Key": f"upload-{unique}"}
    content = b"text,source\nhello,email\n"

    async def send(body: bytes, workspace: str = ws) -> httpx.Response:
        return await http.post(
            f"/v1/workspaces/{workspace}/feedback/imports",
            params={"name": "a.csv"},
            content=body,
            headers={"content-type": "text/csv", **key},
        )

    first = await send(content)
    assert first.status_code == 202
    retried = await send(content)
    assert retried.status_code == 202
    assert retried.json()["import_id"] == first.json()["import_id"]
    assert retried.headers["location"] == first.headers["location"]
    for other in [await send(b"text,source\nbye,email\n"), await send(content, f"x-{ws}")]:
        assert other.status_code == 409
        assert other.json()["type"].endswith("/idempotency-key-reused")


async def test_an_import_that_fails_midway_reports_what_went_in(
    http: httpx.AsyncClient, rt: Runtime, unique: str
) -> None:
    ws = f"ws-{unique}"
    rows = "".join(f"Export {n} to PDF,survey\n" for n in range(3000))
    content = b"text,source\n" + rows.encode() + b"Caf\xe9 is slow,survey\n"  # Latin-1
    report = await finished(http, await upload(http, ws, content, "mixed.csv"))
    assert report["status"] == "failed"
    assert "is not UTF-8 text" in report["error"]
    events = await rt.pool.fetchval(
        "SELECT count(*) FROM events WHERE payload->>'workspace_id' = $1", ws
    )
    assert 0 < events < 3000  # the batches before the bad bytes went in...
    assert report["created"] == events  # ...and the report says so


async def test_an_upload_that_cannot_be_imported_says_why(
    http: httpx.AsyncClient, rt: Runtime, unique: str
) -> None:
    ws = f"ws-{unique}"
    unheaded = await finished(http, await upload(http, ws, b"Body,Source\nhi,email\n", "x.csv"))
    assert unheaded["status"] == "failed"
    assert "must name a 'text' column (its header is: Body, Source)" in unheaded["error"]
    for name, content, field in [
        ("../secrets.csv", b"text\nhi\n", "query.name"),
        ("a.csv", b"", "body"),
    ]:
        refused = await upload(http, ws, content, name)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == field
    latin = await http.post(  # a file's encoding is the import's to report, not the door's
        f"/v1/workspaces/{ws}/feedback/imports",
        params={"name": "l.jsonl"},
        content='{"text": "café", "source": "email"}\n'.encode("latin-1"),
        headers={"content-type": "application/x-ndjson"},
    )
    assert "is not UTF-8 text" in (await finished(http, latin))["error"]
    as_json = await http.post(
        f"/v1/workspaces/{ws}/feedback/imports",
        params={"name": "a.csv"},
        content=b"text\nhi\n",
        headers={"content-type": "application/json"},
    )
    assert (as_json.status_code, as_json.json()["errors"][0]["field"]) == (
        415,
        "header.Content-Type",
    )
    bad_source = await upload(http, ws, b"text\nhi\n", "a.csv", source="fax")
    assert bad_source.json()["errors"][0]["field"] == "query.source"
    # another organisation does not see it
    other = await http.get(
        f"/v1/workspaces/{ws}/feedback/imports/{unheaded['import_id']}",
        headers={"X-Sextant-Tenant": f"other-{unique}"},
    )
    assert other.status_code == 404
    # an import whose process stopped goes stale, and says what to do
    await rt.pool.execute(
        "UPDATE feedback_imports SET status = 'running', updated_at = now() - interval '1 hour'"
        " WHERE import_id = $1::uuid",
        unheaded["import_id"],
    )
    stale = await ok(
        await http.get(f"/v1/workspaces/{ws}/feedback/imports/{unheaded['import_id']}")
    )
    assert stale["status"] == "interrupted"


async def test_an_import_under_way_when_its_process_stops_is_reported_interrupted_at_once(
    http: httpx.AsyncClient, rt: Runtime, unique: str
) -> None:
    ws = f"ws-{unique}"
    rows = "".join(f"Item {n} of a long export,email\n" for n in range(100_000))
    started = await upload(http, ws, f"text,source\n{rows}".encode(), "long.csv")
    assert started.status_code == 202, started.text
    for stop in rt.closing:  # as the runtime does when its process stops, pool still open
        await stop()
    report = await ok(await http.get(started.headers["location"]))
    assert report["status"] == "interrupted", report
    assert report["rows"] < 100_000
