"""Every channel in: HTTP batch, file import, the inbound Kafka topic, meeting notes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sextant_feedback.importer import ImportReport, _fingerprint, _Written, run_import
from sextant_feedback.inbound import SUBMITTED
from sextant_kit import Settings
from sextant_kit.progress import Progress
from sextant_kit.service import Runtime

from tests.integration.feedback.conftest import Check, ok
from tests.integration.kit_support import read_topic

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


async def count_items(rt: Runtime, workspace: str) -> int:
    n: int = await rt.pool.fetchval(
        "SELECT count(*) FROM events WHERE payload->>'workspace_id' = $1"
        " AND event_type = 'FeedbackReceived'",
        workspace,
    )
    return n


async def imported(rt: Runtime, path: Path, workspace: str, **options: Any) -> ImportReport:
    """``path`` imported into ``workspace`` by ana, without a progress bar."""
    return await run_import(
        rt.store,
        path,
        workspace_id=workspace,
        tenant_id="local",
        actor="ana",
        progress=Progress("t", None),
        **options,
    )


async def test_a_batch_reports_each_item_and_one_bad_item_blocks_nothing(
    rt: Runtime, http: httpx.AsyncClient, unique: str
) -> None:
    ws = f"ws-{unique}"
    first = await ok(
        await http.post(
            f"/v1/workspaces/{ws}/feedback",
            json={"text": "old", "source": "survey", "external_id": "s-1"},
        ),
        201,
    )
    body = await ok(
        await http.post(
            f"/v1/workspaces/{ws}/feedback/batch",
            json={
                "items": [
                    {"text": "Roadmap export", "source": "email", "external_id": "e-1"},
                    {"source": "email"},
                    {"text": "old", "source": "survey", "external_id": "s-1"},
                    {"text": "Dark mode", "source": "pigeon"},
                    {"text": "SSO please", "source": "sales_call", "customer_ref": "acme"},
                    {"text": "Later", "source": "email", "received_at": "2999-01-01T00:00:00Z"},
                    {"text": "Early", "source": "email", "received_at": "0001-01-01T01:00+02:00"},
                    {"text": "Roadmap export, again", "source": "email", "external_id": "e-1"},
                    [1, 2],
                    {"text": "a NUL \u0000 here", "source": "email", "tags": ["ok"]},
                ]
            },
        )
    )
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [
        *("created", "invalid", "duplicate", "invalid", "created", "invalid", "invalid"),
        "duplicate",  # the first item again, in the same batch
        *("invalid", "invalid"),  # not an item, and one PostgreSQL could not store: alone
    ]
    assert "dictionary" in body["results"][8]["errors"][0]["message"]
    assert body["results"][8]["errors"][0]["field"] == "items.8"  # the item itself
    assert body["results"][9]["errors"][0]["field"] == "text"
    assert body["results"][7]["id"] == body["results"][0]["id"]
    assert body["results"][1]["errors"][0]["field"] == "text"
    assert body["results"][3]["errors"][0]["field"] == "source"
    assert body["results"][5]["errors"][0]["field"] == "received_at"
    assert "has not come yet" in body["results"][5]["errors"][0]["message"]
    assert body["results"][6]["errors"][0]["field"] == "received_at"  # no time in UTC
    assert body["results"][2]["id"] == first["id"]
    assert body["summary"] == {"created": 2, "invalid": 6, "duplicate": 2}
    assert await count_items(rt, ws) == 3
    # outside the items, what could never be stored is the request's error, as anywhere
    odd = await http.post(f"/v1/workspaces/{ws}/feedback/batch", json={"items": [], "x\u0000": 1})
    assert (odd.status_code, odd.json()["errors"][0]["field"]) == (422, "body.x\u0000")


async def test_a_repeat_under_a_key_answers_as_the_first_and_an_empty_key_is_refused(
    http: httpx.AsyncClient, unique: str
) -> None:
    keyed = {"Idempotency-Key": f"first-{unique}"}
    sent = [
        await http.post(
            f"/v1/workspaces/ws-{unique}/feedback",
            json={"text": "Retried after a lost answer", "source": "chat"},
            headers=keyed,
        )
        for _ in range(2)
    ]
    assert [(s.status_code, s.json()["created"]) for s in sent] == [(201, True), (201, True)]
    assert sent[0].json() == sent[1].json()
    response = await http.post(
        "/v1/workspaces/ws/feedback",
        json={"text": "x", "source": "email"},
        headers={"Idempotency-Key": ""},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_a_batch_over_the_limit_is_refused_whole(http: httpx.AsyncClient) -> None:
    items = [{"text": "x", "source": "email"}] * 1001
    response = await http.post("/v1/workspaces/ws/feedback/batch", json={"items": items})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.items"


# Names as people write them: the read model stores lists through PostgreSQL's array text
# form, so quotes, backslashes, commas, braces and the word NULL must come back unchanged.
ATTENDEES = ["Ana Lima", 'Bo "BC" Chen', "O'Neil, Pat", "{braces} \\ back\\slash", "NULL"]


async def test_meeting_notes_keep_their_attendees(
    http: httpx.AsyncClient, settle: Callable[[Check], Awaitable[None]], unique: str
) -> None:
    ws = f"ws-{unique}"
    created = await ok(
        await http.post(
            f"/v1/workspaces/{ws}/meeting-notes",
            json={
                "notes": "They struggle with quarterly planning",
                "attendees": ATTENDEES,
                "customer_ref": f"acme-{unique}",
                "meeting_at": "2026-11-20T10:00:00Z",
            },
        ),
        201,
    )

    async def visible() -> None:
        item = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{created['id']}"))
        assert item["source"] == "customer_meeting"
        assert item["attendees"] == ATTENDEES
        assert item["text"] == "They struggle with quarterly planning"

    await settle(visible)
    later = {"notes": "n", "attendees": ["a"], "meeting_at": "2999-01-01T00:00:00Z"}
    ahead = await http.post(f"/v1/workspaces/{ws}/meeting-notes", json=later)
    assert ahead.status_code == 422, ahead.text
    assert ahead.json()["errors"][0]["field"] == "body.meeting_at"  # the field it came in


def write_csv(path: Path, rows: int, bad: set[int], of: dict[int, str] | None = None) -> None:
    """``rows`` tickets; those in ``bad`` have no text, those in ``of`` name that customer."""
    lines = ["text,source,customer_ref,tags"]
    for i in range(rows):
        text = "" if i in bad else f"Request number {i}: bulk edit is slow"
        customer = (of or {}).get(i, f"acct-{i % 7}")
        lines.append(f'"{text}",support_ticket,{customer},perf;bulk')
    path.write_text("\n".join(lines) + "\n")


async def test_a_file_import_is_validated_row_by_row_and_running_it_again_adds_nothing(
    rt: Runtime,
    tmp_path: Path,
    unique: str,
    settle: Callable[[Check], Awaitable[None]],
    http: httpx.AsyncClient,
) -> None:
    ws = f"ws-{unique}"
    gone = f"gone-{unique}"
    await ok(await http.post("/v1/customers", json={"ref": gone, "name": "Gone"}), 201)
    await ok(await http.post(f"/v1/customers/{gone}/erasure"), 200)
    path = tmp_path / "tickets.csv"
    write_csv(path, 2500, bad={10, 2000}, of={500: gone, 1500: gone})
    report = await imported(rt, path, ws, batch_size=400)
    assert (report.rows, report.created, report.rejected) == (2500, 2496, 4)

    def rejects() -> dict[int, str]:
        rejected = Path(report.rejects_file or "").read_text()
        return {r["line"]: r["error"] for r in map(json.loads, rejected.splitlines())}

    # every rejected row is in the file with its reason: invalid, or for an erased customer
    assert sorted(rejects()) == [12, 502, 1502, 2002]
    assert "text" in rejects()[12]
    assert f"customer {gone} was erased" in rejects()[502]
    again = await imported(rt, path, ws)
    assert (again.created, again.duplicates, again.rejected) == (0, 2496, 4)
    assert sorted(rejects()) == [12, 502, 1502, 2002]  # a new run writes them afresh
    assert await count_items(rt, ws) == 2496

    async def in_inbox() -> None:
        page = await ok(
            await http.get(f"/v1/workspaces/{ws}/feedback", params={"tag": "bulk", "limit": 1})
        )
        assert page["items"]
        count = await rt.pool.fetchval(
            "SELECT count(*) FROM feedback_inbox WHERE workspace_id = $1", ws
        )
        assert count == 2496

    await settle(in_inbox)


async def test_an_erased_customers_imported_rows_keep_no_digest_of_what_they_said(
    rt: Runtime, tmp_path: Path, unique: str, http: httpx.AsyncClient
) -> None:
    """A row's identity, when the file gives none, digests what was said: with the
    customer's key, so once the key is destroyed no guess can be checked against it."""
    ws, ref = f"ws-{unique}", f"jane-{unique}"
    said = "Jane Doe wants bulk edit"
    path = tmp_path / "call-notes.csv"
    path.write_text(f"text,customer_ref,author\n{said},{ref},Jane Doe\nNo customer,,\n")
    assert (await imported(rt, path, ws, default_source="sales_call")).created == 2
    rows = await rt.pool.fetch(
        "SELECT payload FROM events WHERE payload->>'workspace_id' = $1 ORDER BY position", ws
    )
    ids = [json.loads(r["payload"])["external_id"] for r in rows]

    def unkeyed(text: str, customer: str | None, author: str | None) -> str:
        return hashlib.sha256(json.dumps([text, customer, author, None]).encode()).hexdigest()[:12]

    assert ids[0].startswith("call-notes.csv:2:")
    assert ids[0] != f"call-notes.csv:2:{unkeyed(said, ref, 'Jane Doe')}"  # a guess fails
    assert ids[1] == f"call-notes.csv:3:{unkeyed('No customer', None, None)}"
    again = await imported(rt, path, ws, default_source="sales_call")
    assert (again.created, again.duplicates) == (0, 2)
    # a row imported before its digest had a key is found by the identity it had then
    legacy = tmp_path / "legacy.csv"
    legacy.write_text(f"text,customer_ref\nExports fail,{ref}\n")
    old_id = f"legacy.csv:2:{unkeyed('Exports fail', ref, None)}"
    item = {"text": "Exports fail", "customer_ref": ref, "external_id": old_id}
    await ok(
        await http.post(f"/v1/workspaces/{ws}/feedback", json={**item, "source": "email"}), 201
    )
    report = await imported(rt, legacy, ws, default_source="email")
    assert (report.created, report.duplicates) == (0, 1)


async def test_quoted_quotes_a_long_value_and_a_quote_left_open_lose_no_row(
    rt: Runtime, tmp_path: Path, unique: str
) -> None:
    """A quote inside a quoted value is written twice; a value past the longest text is a
    rejected row, not a failed import; a quote left open is reported where it opened."""
    ws = f"ws-{unique}"
    path = tmp_path / "quotes.csv"
    path.write_text(
        "text,source\n"
        '"He said ""yes, please"" twice",email\n'
        f'"{"x" * 140_000}",email\n'
        "after the long one,email\n"
        '"a quote left open,email\n'
        "swallowed,email\n"
    )
    report = await imported(rt, path, ws)
    assert (report.created, report.rejected) == (2, 2)
    written = Path(report.rejects_file or "").read_text()  # noqa: ASYNC240
    rejects = [json.loads(line) for line in written.splitlines()]
    assert rejects[0]["line"] == 3
    assert rejects[0]["error"].startswith("text: ")  # too long: its own row only
    assert rejects[1]["error"].startswith("not CSV from line 5: unexpected end of data")
    received = await rt.pool.fetch(
        "SELECT payload->>'text' AS text FROM events WHERE payload->>'workspace_id' = $1"
        " ORDER BY position",
        ws,
    )
    assert [r["text"] for r in received] == ['He said "yes, please" twice', "after the long one"]


async def test_a_spreadsheets_csv_is_read_as_it_is_saved(
    rt: Runtime, tmp_path: Path, unique: str
) -> None:
    """A byte order mark, CRLF line ends, semicolons, headings as a person writes them, and
    columns that are not feedback fields (named in the report, not imported)."""
    ws = f"ws-{unique}"
    path = tmp_path / "export.csv"
    path.write_bytes(
        "\ufeffTicket ID;Text;Source;Priority;Customer Ref;Tags\r\n"
        'Z-1;Facturación lenta;email;high;;"billing;slow"\r\n'
        'Z-2;"Export to CSV; then PDF";survey;low;;\r\n'
        "Z-3;Unquoted;email;low;;billing;slow\r\n".encode()
    )
    report = await imported(rt, path, ws)
    assert (report.rows, report.created, report.rejected) == (3, 2, 1)
    (reject,) = map(json.loads, Path(report.rejects_file or "").read_text().splitlines())  # noqa: ASYNC240
    assert reject == {
        "line": 4,
        "error": "7 fields where the header has 6: quote values that hold the separator",
    }
    assert report.ignored_columns == ["ticket_id", "priority"]
    received = await rt.pool.fetch(
        "SELECT payload FROM events WHERE payload->>'workspace_id' = $1 ORDER BY position", ws
    )
    items = [json.loads(r["payload"]) for r in received]
    assert [(i["text"], i["tags"]) for i in items] == [
        ("Facturación lenta", ["billing", "slow"]),
        ("Export to CSV; then PDF", []),
    ]
    # rows without an id are named by the file, the line and what they say
    assert [re.sub(r"[0-9a-f]{12}$", "<digest>", i["external_id"]) for i in items] == [
        "export.csv:2:<digest>",
        "export.csv:3:<digest>",
    ]
    # next week's export under the same name is new feedback, not last week's again
    path.write_bytes("Text;Source\r\nFacturación lenta;email\r\nNew: dark mode;email\r\n".encode())
    next_week = await imported(rt, path, ws)
    assert (next_week.created, next_week.duplicates) == (1, 1)

    unheaded = tmp_path / "no-text.csv"
    unheaded.write_text("Body,Source\nhello,email\n")
    with pytest.raises(
        ValueError, match=r"must name a 'text' column \(its header is: Body, Source\)"
    ):
        await imported(rt, unheaded, ws)


async def test_text_postgresql_cannot_store_is_a_rejected_row_not_a_failed_batch(
    rt: Runtime, tmp_path: Path, unique: str
) -> None:
    ws = f"ws-{unique}"
    path = tmp_path / "odd.jsonl"
    rows = [
        {"text": "before", "source": "email"},
        {"text": "a NUL \u0000 here", "source": "email"},
        {"text": "fine", "source": "email", "author": "lone \ud800 surrogate"},
        {"text": "after", "source": "email", "tags": ["ok", "bad\u0000"]},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = await imported(rt, path, ws)
    assert (report.created, report.rejected) == (1, 3)
    rejected = Path(report.rejects_file or "").read_text().splitlines()  # noqa: ASYNC240
    reasons = {r["line"]: r["error"] for r in map(json.loads, rejected)}
    # each names its field: the NUL by the rule that keeps the batch whole, the others by
    # pydantic's own (a lone surrogate is not a string; a tag has its pattern)
    assert reasons[2] == "text: text cannot contain NUL or unpaired surrogate characters"
    assert reasons[3].startswith("author: Input should be a valid string")
    assert reasons[4].startswith("tags.1: String should match pattern")
    assert await count_items(rt, ws) == 1


async def test_an_interrupted_import_resumes_without_duplicates(
    rt: Runtime, settings: Settings, tmp_path: Path, unique: str
) -> None:
    ws = f"ws-{unique}"
    path = tmp_path / "big.jsonl"
    items = [{"text": f"item {i}", "source": "survey"} for i in range(20_000)]
    del items[2]["text"]  # rejected by the first run, before it is interrupted
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    env = {**os.environ, **settings.as_environment()}
    command = [
        sys.executable,
        "-m",
        "sextant_feedback",
        "import",
        str(path),
        "--workspace",
        ws,
        "--batch-size",
        "500",
    ]
    first = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    state = path.with_name(path.name + ".import-state.json")
    for _ in range(600):
        if state.exists() and json.loads(state.read_text())["line"] >= 2000:
            break
        await asyncio.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert state.exists(), "the import finished before it could be interrupted"
    assert 0 < await count_items(rt, ws) < 19_999

    second = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(second.communicate(), 120)
    assert second.returncode == 0, err.decode()[-2000:]
    summary = out.decode()
    assert re.search(
        r" 0 rejected, [\d,]+ skipped \(done before, 1 of them rejected then\)", summary
    )
    assert await count_items(rt, ws) == 19_999
    # the resumed run rejected nothing more, and kept what the first one rejected
    rejects = path.with_name(path.name + ".rejects.jsonl").read_text().splitlines()
    assert [json.loads(r)["line"] for r in rejects] == [3]
    assert b"import big.jsonl" in err  # progress was shown


async def test_the_inbound_topic_ingests_once_and_dead_letters_the_invalid(
    rt: Runtime,
    settings: Settings,
    http: httpx.AsyncClient,
    unique: str,
    settle: Callable[[Check], Awaitable[None]],
) -> None:
    ws = f"ws-{unique}"
    topic = settings.topic("sextant.feedback.inbound.v1")

    def message(
        data: dict[str, object],
        *,
        ce_type: str = SUBMITTED,
        ce_id: str | None = None,
        ce_time: str | None = None,
        **transport: str,
    ) -> tuple[bytes, list[tuple[str, bytes]]]:
        headers = {
            **transport,
            "ce_specversion": "1.0",
            "ce_id": ce_id or str(uuid.uuid4()),
            "ce_source": "/crm/zendesk-bridge",
            "ce_type": ce_type,
            "content-type": "application/json",
            "ce_tenantid": "local",
            "ce_actor": "service:zendesk-bridge",
            "ce_time": ce_time or datetime.now(UTC).isoformat(),
        }
        return json.dumps(data).encode(), [(k, v.encode()) for k, v in headers.items()]

    good: dict[str, object] = {
        "workspace_id": ws,
        "text": "Please add SAML",
        "source": "support_ticket",
    }
    same_id, null_id = str(uuid.uuid4()), str(uuid.uuid4())
    value, headers = message(good)  # another platform's producer sends a header not UTF-8
    not_utf8 = (value, [(k, b"\xff" if k == "ce_actor" else v) for k, v in headers])
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        for value, headers in [
            message(good, ce_id=same_id),
            message(good, ce_id=same_id),  # delivered twice
            message({**good, "external_id": "Z-9", "text": "Audit log export"}),
            # an external id given as null: the message's own id, as when none is given
            message({**good, "external_id": None, "text": "Null id"}, ce_id=null_id),
            message({"text": "no workspace", "source": "email"}),
            message(good, ce_type="io.sextant.feedback.Unknown.v1"),
            # A producer of another tenant, with a credential the dead letter must not keep.
            message(good, **{"x-sextant-tenant": "globex", "authorization": "Bearer s3cret"}),
            (b"garbage", [("ce_specversion", b"1.0")]),
            # Text PostgreSQL cannot store: it would fail the batch it is written in.
            message({**good, "text": "nul \u0000 inside"}),
            not_utf8,
            message(good, ce_time="2026-11-29T10:00:00"),  # no offset: not RFC 3339
            message(good, ce_time="9999-12-31T23:59:59+00:00"),  # received when?
            message({**good, "received_at": "2026-11-02T09:00:00"}),  # in which zone?
            message(good, ce_id=str(uuid.uuid4())),  # and what follows still flows
        ]:
            await producer.send_and_wait(topic, value, key=b"k", headers=headers)
    finally:
        await producer.stop()

    async def ingested() -> None:
        page = await ok(await http.get(f"/v1/workspaces/{ws}/feedback"))
        texts = sorted(i["text"] for i in page["items"])
        assert texts == ["Audit log export", "Null id", "Please add SAML", "Please add SAML"]
        null = next(i for i in page["items"] if i["text"] == "Null id")
        assert null["external_id"] == null_id

    await settle(ingested)
    dead = await read_topic(settings.kafka_bootstrap, f"{topic}.dlq", 9)
    errors = sorted(dict(r.headers)["sextant_dlq_error"].decode() for r in dead)
    assert len(errors) == 9
    assert "received_at: Input should have timezone info" in "".join(errors)
    assert any("a header is not UTF-8" in e for e in errors)
    assert any("ce_time '2026-11-29T10:00:00' is not an RFC 3339 timestamp" in e for e in errors)
    assert any("ce_time 9999-12-31T23:59:59+00:00 has not come yet" in e for e in errors)
    assert any("text: text cannot contain NUL" in e for e in errors)
    assert any("may not submit for tenant local" in e for e in errors)
    assert not any("authorization" in dict(r.headers) for r in dead)
    assert any("workspace_id" in e for e in errors)
    assert any("Unknown" in e for e in errors)
    assert any("missing CloudEvents header" in e for e in errors)


async def test_an_import_resumes_only_into_the_organisation_it_began_in(
    rt: Runtime, tmp_path: Path, unique: str
) -> None:
    path = tmp_path / "shared.jsonl"
    path.write_text(
        "".join(json.dumps({"text": f"row {i}", "source": "email"}) + "\n" for i in range(5))
    )
    ws = f"ws-{unique}"
    # an earlier run of the same file into the same workspace of another organisation stopped
    # after line 3
    _Written(
        path.with_name(path.name + ".import-state.json"), _fingerprint(path), "other", ws, 3
    ).record()
    report = await imported(rt, path, ws)  # into "local": none of it was done here
    assert (report.skipped, report.created) == (0, 5)


def test_the_import_command_refuses_a_workspace_the_api_could_not_reach(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("text\nhi\n")
    for bad in (["--workspace", "bad ws!"], ["--workspace", "ws", "--tenant", ""]):
        done = subprocess.run(
            [sys.executable, "-m", "sextant_feedback", "import", str(path), *bad],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "is not a" in done.stderr


async def test_a_batch_sent_again_under_its_key_records_nothing_more(
    http: httpx.AsyncClient, rt: Runtime, unique: str
) -> None:
    ws = f"ws-{unique}"
    path = f"/v1/workspaces/{ws}/feedback/batch"
    items = {"items": [{"text": "SSO please", "source": "email"}, {"text": "x", "source": "fax"}]}
    key = {"Idempotency-Key": f"batch-{unique}"}
    first = await ok(await http.post(path, json=items, headers=key))
    assert [r["status"] for r in first["results"]] == ["created", "invalid"]
    events = "SELECT count(*) FROM events WHERE metadata->>'workspace_id' = $1"
    recorded = await rt.pool.fetchval(events, ws)
    again = await ok(await http.post(path, json=items, headers=key))  # a retry, say
    assert [r["status"] for r in again["results"]] == ["duplicate", "invalid"]
    assert again["results"][0]["id"] == first["results"][0]["id"]
    other = {"items": [{"text": "Dark mode", "source": "email"}]}
    reused = await http.post(path, json=other, headers=key)
    assert reused.status_code == 409, reused.text
    assert await rt.pool.fetchval(events, ws) == recorded
