"""``sextant``: the operator's tool. Tail topics, see lag and dead letters, re-drive them,
rebuild projections, republish the event store, and mint tokens."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError
from sextant_kit import DomainError, Settings, envelope
from sextant_kit import lag as kit_lag
from sextant_kit.audit import verify_chain
from sextant_kit.auth import jwks_of, mint
from sextant_kit.authz import Access, Role
from sextant_kit.events import CommandContext
from sextant_kit.kafka import MAX_RECORD_BYTES, ensure_topics, topics_for
from sextant_kit.progress import Progress
from sextant_kit.relay import KafkaSink
from sextant_kit.runner import operator_errors, rebuild, rebuild_parser, run_event_loop
from sextant_kit.service import ServiceDefinition, open_runtime, prepare
from sextant_roadmap.domain.vocabulary import Audience

from sextant_platform import SERVICES

DLQ_HEADERS = (
    "sextant_dlq_reason",
    "sextant_dlq_error",
    "sextant_dlq_projection",
    "sextant_dlq_topic",
    "sextant_dlq_partition",
    "sextant_dlq_offset",
)


def service(name: str) -> ServiceDefinition:
    for s in SERVICES:
        if s.context == name:
            return s
    raise SystemExit(
        f"unknown service {name!r}; choose from {', '.join(s.context for s in SERVICES)}"
    )


async def _consume(
    settings: Settings, topic: str, *, from_beginning: bool, limit: int | None
) -> Any:
    """Records of ``topic``: up to ``limit`` of those there now, or follow it forever."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False, group_id=None
    )
    try:  # stopped however it ends, even when the broker never answered
        await consumer.start()
        partitions = await consumer._client.fetch_all_metadata()
        ids = partitions.partitions_for_topic(topic)
        if not ids:
            raise SystemExit(f"no topic {topic!r} on {settings.kafka_bootstrap}")
        tps = [TopicPartition(topic, p) for p in sorted(ids)]
        consumer.assign(tps)
        if from_beginning:
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        ends = await consumer.end_offsets(tps)
        seen = 0
        while limit is None or seen < limit:
            if limit is not None:
                positions = [await _at(consumer, tp) for tp in tps]
                if all(at >= ends[tp] for at, tp in zip(positions, tps, strict=True)):
                    return
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    yield record
                    seen += 1
    finally:
        await consumer.stop()


async def _at(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int:
    position: int = await consumer.position(tp)
    return position


async def tail(settings: Settings, args: argparse.Namespace) -> None:
    topic = settings.topic(args.topic)
    async for record in _consume(
        settings, topic, from_beginning=args.from_beginning, limit=args.limit
    ):
        try:
            event = envelope.decode(record.headers or (), record.value)
            line = {
                "offset": record.offset,
                "partition": record.partition,
                "type": event.type,
                "subject": event.subject,
                "time": event.time.isoformat() if event.time else None,
                **dict(event.extensions.items()),
                "data": event.data,
            }
        except envelope.EnvelopeError as error:
            line = {
                "offset": record.offset,
                "partition": record.partition,
                "undecodable": str(error),
            }
        print(json.dumps(line, default=str))


async def lag(settings: Settings, args: argparse.Namespace) -> None:
    """Per projection: events behind the topic's end, seconds behind, and the dead letters
    it sent that wait to be re-driven."""
    rows: list[dict[str, Any]] = []
    definitions = SERVICES if not args.service else [service(args.service)]
    async with kit_lag.probe(settings.kafka_bootstrap) as kafka:
        for definition in definitions:
            async with open_runtime(definition, settings) as rt:
                rows += [asdict(r) for r in await kit_lag.measure(rt, kafka)]
    width = max(len(r["projection"]) for r in rows) if rows else 10
    print(f"{'service':<10} {'projection':<{width}} {'behind':>9} {'seconds':>8} {'dlq':>6}")
    for r in rows:
        print(
            f"{r['service']:<10} {r['projection']:<{width}} {r['events_behind']:>9,} "
            f"{r['seconds_behind']:>8} {r['dead_letters']:>6,}"
        )


async def dlq_list(settings: Settings, args: argparse.Namespace) -> None:
    """The dead letters of a topic, oldest first; ``waiting`` is false for those already
    sent back by ``sextant dlq redrive``."""
    topic = settings.topic(args.topic)
    dlq = topic if topic.endswith(".dlq") else f"{topic}.dlq"
    async with kit_lag.probe(settings.kafka_bootstrap) as kafka:
        tps = await kafka.partitions(dlq)
        redriven = await kafka.redriven(tps, kit_lag.redrive_group(settings))
    listed = waiting = 0
    async for record in _consume(settings, dlq, from_beginning=True, limit=args.limit or 10_000):
        listed += 1
        headers = {k: v.decode(errors="replace") for k, v in record.headers or ()}
        is_waiting = record.offset >= redriven.get(TopicPartition(dlq, record.partition), 0)
        waiting += is_waiting
        print(
            json.dumps(
                {
                    "dlq_partition": record.partition,
                    "dlq_offset": record.offset,
                    "waiting": is_waiting,
                    "key": (record.key or b"").decode(errors="replace"),
                    **{k: headers.get(k) for k in DLQ_HEADERS},
                    "ce_type": headers.get("ce_type"),
                    "ce_id": headers.get("ce_id"),
                }
            )
        )
    print(f"{listed:,} dead letter(s) listed from {dlq}, {waiting:,} waiting", file=sys.stderr)


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    ids = (await consumer._client.fetch_all_metadata()).partitions_for_topic(topic)
    if not ids:
        raise SystemExit(f"error: no dead-letter topic {topic!r}")
    return [TopicPartition(topic, p) for p in sorted(ids)]


async def dlq_redrive(settings: Settings, args: argparse.Namespace) -> None:
    """Send dead letters back to their topic (once the cause is fixed), each only once:
    the offsets re-driven are committed for the group ``sextant.dlq-redrive``, and the dead
    letters before them no longer count as waiting (``sextant lag``). ``--offset`` sends
    one letter back, as ``sextant dlq list`` shows it; it stops counting as waiting when
    no letter before it waits.

    A dead letter keeps no token (``authorization``), so a topic whose consumer
    authenticates its producers (the inbound topic) needs one again: ``--token``, a service
    token of the producer (``sextant token create``), is sent with each letter re-driven."""
    topic = settings.topic(args.topic)
    token = args.token or os.environ.get("SEXTANT_REDRIVE_TOKEN")
    signed = [("authorization", f"Bearer {token}".encode())] if token else []
    dlq = topic if topic.endswith(".dlq") else f"{topic}.dlq"
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=kit_lag.redrive_group(settings),
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_idempotence=True,
        acks="all",
        max_request_size=MAX_RECORD_BYTES,
    )
    progress = Progress(f"redrive {dlq}", None, unit="messages")
    try:  # both stopped however it ends, even when the broker never answered
        await consumer.start()
        await producer.start()
        tps = await _partitions(consumer, dlq)
        one = None if args.offset is None else _partition_of(tps, args.partition)
        tps = tps if one is None else [one]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        done = {tp: await consumer.committed(tp) or starts[tp] for tp in tps}
        if one is not None:
            if not starts[one] <= args.offset < ends[one]:
                raise SystemExit(
                    f"error: no dead letter at offset {args.offset} of {dlq} partition"
                    f" {one.partition}: it holds offsets {starts[one]} to {ends[one] - 1}"
                    " (sextant dlq list shows them)"
                )
            consumer.seek(one, args.offset)
            ends = {one: args.offset + 1}
        else:
            for tp in tps:
                consumer.seek(tp, done[tp])
        while any([await _at(consumer, tp) < ends[tp] for tp in tps]):
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    if record.offset >= ends[TopicPartition(record.topic, record.partition)]:
                        continue
                    kept = [(k, v) for k, v in record.headers or () if k not in DLQ_HEADERS]
                    headers = kept + signed
                    origin = dict(record.headers or ()).get("sextant_dlq_topic", topic.encode())
                    await producer.send_and_wait(
                        origin.decode(), record.value, key=record.key, headers=headers
                    )
                    progress.advance()
        if one is None:
            await consumer.commit(dict(ends))
        elif done[one] == args.offset:  # the next waiting letter: it waits no longer
            await consumer.commit({one: args.offset + 1})
        elif done[one] < args.offset:
            print(
                f"the letters from offset {done[one]} to {args.offset - 1} still wait, so this"
                " one still counts as waiting; re-drive them too, or all without --offset",
                file=sys.stderr,
            )
        else:
            print(
                f"offset {args.offset} had been re-driven before; it is sent again (its"
                " subscribers apply each event id once)",
                file=sys.stderr,
            )
    finally:
        progress.finish()
        await producer.stop()
        await consumer.stop()


def _partition_of(tps: list[TopicPartition], partition: int | None) -> TopicPartition:
    if partition is None and len(tps) == 1:
        return tps[0]
    for tp in tps:
        if tp.partition == partition:
            return tp
    raise SystemExit(
        f"error: --partition must be one of {', '.join(str(tp.partition) for tp in tps)}"
        " with --offset"
    )


async def republish(settings: Settings, args: argparse.Namespace) -> None:
    """Publish events ``--from``..``--to`` (store positions) of a service to Kafka again,
    e.g. for a new subscriber or a lost topic. Subscribers deduplicate by event id."""
    definition = service(args.service)
    async with open_runtime(definition, settings) as rt:
        head = (await rt.store.head()).position
        last = head if args.to is None else min(args.to, head)
        if not head:
            raise SystemExit(f"error: {definition.context}'s event store holds no events")
        if not 1 <= args.first <= last:
            raise SystemExit(
                f"error: nothing to republish from {args.first:,} to {args.to or head:,}:"
                f" {definition.context}'s event store holds positions 1..{head:,}"
            )
        logical = args.topic or definition.registry.topic
        topic = settings.topic(logical)
        await ensure_topics(settings, topics_for(settings, [logical]))  # a lost topic, say
        sink = KafkaSink(settings.kafka_bootstrap, client_id="sextant-republish")
        progress = Progress(
            f"republish {definition.context} {args.first}..{last}",
            max(last - args.first + 1, 1),
            unit="events",
        )
        position = args.first
        try:
            while position <= last:
                events = await rt.store.read_positions(position, last, limit=1000)
                if not events:
                    break
                pending = [
                    await sink.send(topic, envelope.encode(e, definition.registry)) for e in events
                ]
                await asyncio.gather(*pending)
                position = events[-1].position + 1
                progress.advance(len(events), position=position - args.first)
        finally:
            progress.finish()
            await sink.stop()


async def audit_verify(settings: Settings, args: argparse.Namespace) -> None:
    """Recompute a workspace's audit hash chain; exit 1 naming the first broken link, 2 when
    there was nothing to verify (a scheduled check with a mistyped name must not pass)."""
    definition = service(args.service)
    async with open_runtime(definition, settings) as rt:
        progress = Progress(f"verify {definition.context} audit", None, unit="entries")
        report = await verify_chain(
            rt.reads,
            args.tenant,
            args.workspace,
            progress=lambda n: progress.advance(n - progress.done),
        )
        progress.finish()
    if not report.entries:  # a mistyped workspace or tenant, say: nothing was verified
        where = f"workspace {args.workspace!r}" if args.workspace else "the organisation"
        print(
            f"no {definition.context} audit entries for {where} of tenant {args.tenant!r}:"
            " nothing was verified; check the names",
            file=sys.stderr,
        )
    print(json.dumps(asdict(report)))
    if not report.intact:
        raise SystemExit(1)
    if not report.entries:
        raise SystemExit(2)


async def identity_command(settings: Settings, args: argparse.Namespace) -> None:
    """Set up organisations, workspaces and memberships as an operator."""
    from sextant_identity.app import Identity
    from sextant_identity.service import definition

    await prepare(definition, settings)
    async with open_runtime(definition, settings) as rt:
        identity = Identity(rt)
        ctx = CommandContext(
            tenant_id=args.tenant,
            actor=args.actor,
            now=datetime.now(UTC),
            correlation_id=str(uuid.uuid4()),
        )
        try:
            if args.command == "org" and args.org_command == "rename":
                result = await identity.rename(ctx, None, args.name)
            elif args.command == "org":
                result = await identity.create_organisation(ctx, args.name)
            elif args.command == "workspace" and args.workspace_command == "rename":
                result = await identity.rename(ctx, args.workspace, args.name)
            elif args.command == "workspace":
                result = await identity.create_workspace(ctx, args.workspace, args.name)
            elif args.revoke:
                result = await identity.revoke(ctx, args.workspace, args.member)
            else:
                result = await identity.grant(ctx, args.workspace, args.member, Role(args.role))
        except DomainError as refused:  # no such workspace, say: the operator can fix that
            raise SystemExit(f"error: {refused.detail}") from None
        except ValidationError as invalid:
            raise SystemExit(f"error: {_options_named(invalid)}") from None
    print(
        json.dumps(
            {
                "id": result.stream_id,
                "stream_version": result.stream_version,
                "changed": bool(result.positions) and not result.replayed,
            }
        )
    )


def _options_named(invalid: ValidationError) -> str:
    """A command's validation errors, each named by the option that set the field."""
    option = {"workspace_id": "workspace", "tenant_id": "tenant"}
    return "; ".join(
        f"--{option.get(str(e['loc'][0]), str(e['loc'][0])).replace('_', '-')}: {e['msg']}"
        for e in invalid.errors(include_url=False)
    )


def _new_signing_key() -> tuple[ec.EllipticCurvePrivateKey, str]:
    """An ES256 key pair: the private key and its PEM (PKCS #8, unencrypted)."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key, pem.decode()


def token_keys(args: argparse.Namespace) -> None:
    path = Path(args.private_key)
    if path.exists() and not args.force:
        raise SystemExit(
            f"error: {path} exists: it may be the key that signs every token in use; choose"
            " another file, or give --force to replace it"
        )
    key, pem = _new_signing_key()
    try:
        path.write_text(pem)
    except OSError as error:
        raise SystemExit(f"error: cannot write {path}: {error.strerror}") from None
    path.chmod(0o600)
    print(jwks_of({args.kid: key.public_key()}))


async def directory_roles(
    settings: Settings, tenant: str, member: str
) -> tuple[Role | None, dict[str, Role]]:
    """The roles the organisation's directory (the identity service's) records for
    ``member``: organisation-wide, and by workspace."""
    async with open_runtime(service("identity"), settings) as rt:
        rows = await rt.reads.fetch(
            "SELECT workspace_key, role FROM memberships WHERE tenant_id = $1 AND member = $2",
            tenant,
            member,
        )
    organisation = next((Role(r["role"]) for r in rows if r["workspace_key"] == ""), None)
    return organisation, {r["workspace_key"]: Role(r["role"]) for r in rows if r["workspace_key"]}


def token_create(settings: Settings, args: argparse.Namespace) -> None:
    role = Role(args.role) if args.role else None
    workspaces = dict(args.workspace_role)
    if args.from_directory:
        if role or workspaces:
            raise SystemExit("error: --from-directory takes the roles from the directory alone")
        role, workspaces = run_event_loop(directory_roles(settings, args.tenant, args.subject))
        if role is None and not workspaces:
            raise SystemExit(
                f"error: {args.subject} holds no role in {args.tenant}'s directory; grant one"
                " (sextant member grant, or a workspace's members page in the console)"
            )
    if args.private_key:
        try:
            pem = Path(args.private_key).read_text()
            serialization.load_pem_private_key(pem.encode(), password=None)
        except OSError as error:
            raise SystemExit(f"error: cannot read {args.private_key}: {error.strerror}") from None
        except (ValueError, TypeError):
            raise SystemExit(
                f"error: {args.private_key} is not an unencrypted PEM private key (as"
                " sextant token keys makes)"
            ) from None
    else:
        pem = _new_signing_key()[1]
        print(
            "signed with a throwaway key: only development mode (SEXTANT_AUTH_MODE=dev,"
            " as make run) accepts this token",
            file=sys.stderr,
        )
    print(
        mint(
            pem,
            kid=args.kid,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            subject=args.subject,
            tenant=args.tenant,
            role=role,
            workspaces=workspaces,
            scope_workspaces=args.scope_workspace or None,
            scope_actions=[Access(a) for a in args.scope_action] or None,
            audiences=args.audience or None,
            ttl=args.ttl,
        )
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="sextant", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    p = sub.add_parser("tail", help="print a topic's events decoded, one JSON line each")
    p.add_argument("topic")
    p.add_argument("--from-beginning", action="store_true")
    p.add_argument("--limit", type=int)
    p = sub.add_parser("lag", help="projection lag and dead-letter counts")
    p.add_argument("--service")
    dlq = sub.add_parser("dlq", help="inspect or re-drive dead letters").add_subparsers(
        dest="dlq_command", required=True
    )
    p = dlq.add_parser("list")
    p.add_argument("topic")
    p.add_argument("--limit", type=int)
    p = dlq.add_parser("redrive")
    p.add_argument("topic")
    p.add_argument("--offset", type=int, help="only this dead letter (its dlq_offset)")
    p.add_argument("--partition", type=int, help="its dlq_partition, if the topic has more")
    p.add_argument(
        "--token",
        help="a service token of the producer to send with each letter (a dead letter keeps"
        " none, and the inbound topic authenticates its producers); or SEXTANT_REDRIVE_TOKEN",
    )
    p = rebuild_parser(sub)
    p.add_argument("service")
    p.add_argument("projection")
    p = sub.add_parser("republish", help="publish a range of a service's event store again")
    p.add_argument("service")
    p.add_argument("--from", dest="first", type=int, default=1, help="first position (1)")
    p.add_argument("--to", type=int, help="last position (default: the store's last)")
    p.add_argument("--topic", help="another topic than the service's own")
    audit = sub.add_parser("audit", help="the tamper-evident audit log").add_subparsers(
        dest="audit_command", required=True
    )
    p = audit.add_parser(
        "verify",
        help="recompute a workspace's hash chain (exit 1: broken; 2: no entries to verify)",
    )
    p.add_argument("service")
    p.add_argument("--tenant", required=True)
    p.add_argument("--workspace", help="omit for organisation-level entries")
    org = sub.add_parser("org", help="create or rename the organisation (tenant)")
    orgs = org.add_subparsers(dest="org_command", required=True)
    for verb in ("create", "rename"):
        p = orgs.add_parser(verb)
        p.add_argument("--tenant", required=True)
        p.add_argument("--name", required=True)
        p.add_argument("--actor", default="operator:cli")
    workspace = sub.add_parser("workspace", help="create or rename a workspace (product team)")
    workspaces = workspace.add_subparsers(dest="workspace_command", required=True)
    for verb, help_ in (("create", None), ("rename", "a new name; its id stays")):
        p = workspaces.add_parser(verb, help=help_)
        p.add_argument("--tenant", required=True)
        p.add_argument("--workspace", required=True)
        p.add_argument("--name", required=True)
        p.add_argument("--actor", default="operator:cli")
    p = (
        sub.add_parser("member", help="grant a role (revoke one through the API or console)")
        .add_subparsers(dest="member_command", required=True)
        .add_parser("grant")
    )
    p.add_argument("--tenant", required=True)
    p.add_argument("--workspace", help="omit for an organisation-wide role")
    p.add_argument("--member", required=True)
    p.add_argument("--role", choices=[r.value for r in Role], default=Role.CONTRIBUTOR.value)
    p.add_argument("--revoke", action="store_true")
    p.add_argument("--actor", default="operator:cli")
    tokens = sub.add_parser("token", help="signing keys and tokens").add_subparsers(
        dest="token_command", required=True
    )
    p = tokens.add_parser("keys", help="make an ES256 key pair; prints the JWKS to configure")
    p.add_argument("--private-key", required=True)
    p.add_argument("--kid", default="sextant-1")
    p.add_argument("--force", action="store_true", help="replace the key file if it exists")
    p = tokens.add_parser("create", help="mint a token (people or service accounts)")
    p.add_argument(
        "--private-key",
        help="the signing key (`token keys`); without it, a throwaway key signs a token only"
        " development mode accepts",
    )
    p.add_argument("--kid", default="sextant-1")
    p.add_argument("--tenant", required=True)
    p.add_argument("--subject", required=True, help="a person, or service:<name>")
    p.add_argument("--role", choices=[r.value for r in Role])
    p.add_argument(
        "--workspace-role", action="append", default=[], metavar="WS=ROLE", type=_workspace_role
    )
    p.add_argument(
        "--from-directory",
        action="store_true",
        help="the roles the organisation's directory records for the subject (sextant member"
        " grant, or the console's members pages), instead of --role and --workspace-role",
    )
    p.add_argument("--scope-workspace", action="append", default=[])
    p.add_argument("--scope-action", action="append", default=[], choices=[a.value for a in Access])
    p.add_argument(
        "--audience",
        action="append",
        default=[],
        choices=[a.value for a in Audience],
        help="a stakeholder reads the versions published for these audiences only",
    )
    p.add_argument(
        "--ttl", type=_lifetime, default=3600, help="seconds it is valid (3600; a year at most)"
    )
    return root


def _workspace_role(value: str) -> tuple[str, Role]:
    workspace, _, role = value.partition("=")
    roles = ", ".join(r.value for r in Role)
    if not workspace or role not in {r.value for r in Role}:
        raise argparse.ArgumentTypeError(f"{value!r} is not WS=ROLE with a role of: {roles}")
    return workspace, Role(role)


LONGEST_TOKEN = 366 * 24 * 3600


def _lifetime(value: str) -> int:
    """A token's lifetime: it cannot be revoked before it expires, so a year at most."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds above 0")
    if int(value) > LONGEST_TOKEN:
        raise argparse.ArgumentTypeError(
            f"{value} seconds is longer than a year ({LONGEST_TOKEN}): a token cannot be"
            " revoked before it expires; mint a new one when it does"
        )
    return int(value)


INTERRUPTED = {
    "rebuild": "the serving version is as it was; run the rebuild again (it starts over)",
    "dlq": "the letters sent back so far are marked so; run it again for the rest",
    "republish": "run it again from the first position not yet published (republishing"
    " twice is harmless: consumers apply each event once)",
}


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    settings = Settings.from_environment()
    interrupted = INTERRUPTED.get(args.command, "nothing was left half-done")
    with operator_errors(settings, interrupted=interrupted):
        _dispatch(settings, args)


def _dispatch(settings: Settings, args: argparse.Namespace) -> None:
    if args.command == "token":
        token_keys(args) if args.token_command == "keys" else token_create(settings, args)
        return
    if args.command == "rebuild":
        run_event_loop(rebuild(service(args.service), args.projection, settings, args.workers))
        return
    commands = {
        "tail": tail,
        "lag": lag,
        "republish": republish,
        "audit": audit_verify,
        "org": identity_command,
        "workspace": identity_command,
        "member": identity_command,
    }
    if args.command == "dlq":
        run = dlq_list if args.dlq_command == "list" else dlq_redrive
    else:
        run = commands[args.command]
    run_event_loop(run(settings, args))


if __name__ == "__main__":
    main()
