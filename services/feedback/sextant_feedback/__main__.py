"""``python -m sextant_feedback {api|relay|projector|all|migrate|rebuild NAME|import FILE}``."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sextant_kit import Settings
from sextant_kit.runner import main_for, operator_errors, run_event_loop
from sextant_kit.service import open_runtime, prepare

from sextant_feedback.importer import ImportReport, UnreadableFile, run_import
from sextant_feedback.service import definition


def _workspace(value: str) -> str:
    """A workspace id as the API takes it in its paths (else the items are out of reach)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a workspace id: 1 to 100 letters, digits, '_', '.' or '-'"
        )
    return value


def _tenant(value: str) -> str:
    if not value.strip() or value != value.strip():
        raise argparse.ArgumentTypeError(f"{value!r} is not an organisation id")
    return value


def import_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sextant_feedback import",
        description="Import feedback from a CSV or JSON Lines file (resumable, no duplicates).",
    )
    parser.add_argument(
        "file",
        type=Path,
        help="CSV with a header row (a `text` column at least) or JSON Lines, one item a line",
    )
    parser.add_argument(
        "--workspace", required=True, type=_workspace, help="the workspace the items belong to"
    )
    parser.add_argument(
        "--tenant", default="local", type=_tenant, help="the organisation (default: local)"
    )
    parser.add_argument(
        "--actor", default="import", help="who the audit history names (default: import)"
    )
    parser.add_argument(
        "--format", choices=["csv", "jsonl"], default=None, help="default: by the file's suffix"
    )
    parser.add_argument("--source", default=None, help="channel for rows that name none")
    parser.add_argument(
        "--batch-size", type=int, default=1000, help="rows committed together (default: 1000)"
    )
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"{args.file} is not a file")
    if not 1 <= args.batch_size <= 10_000:
        parser.error("--batch-size must be between 1 and 10000")
    settings = Settings.from_environment()

    async def go() -> None:
        await prepare(definition, settings)
        report = ImportReport()
        async with open_runtime(definition, settings) as rt:
            try:
                await run_import(
                    rt.store,
                    args.file,
                    workspace_id=args.workspace,
                    tenant_id=args.tenant,
                    actor=args.actor,
                    fmt=args.format,
                    default_source=args.source,
                    batch_size=args.batch_size,
                    report=report,
                )
            except UnreadableFile as unreadable:  # not UTF-8, no 'text' column, too large
                made = report.created
                went_in = f"; the rows read before it made {made:,} items" if made else ""
                raise SystemExit(f"error: {unreadable}{went_in}") from None
        if report.ignored_columns:
            print(f"columns not imported (no such field): {', '.join(report.ignored_columns)}")
        before = report.rejected_before
        print(
            f"{report.rows:,} rows: {report.created:,} created, {report.duplicates:,} already "
            f"there, {report.rejected:,} rejected, {report.skipped:,} skipped (done before"
            + (f", {before:,} of them rejected then" if before else "")
            + ")"
        )
        if report.rejects_file:
            print(f"rejected rows and their reasons: {report.rejects_file}")

    resume = "run the same command again: it goes on after the last row it committed"
    with operator_errors(settings, interrupted=resume):
        run_event_loop(go())


if __name__ == "__main__":
    if sys.argv[1:2] == ["import"]:
        import_main(sys.argv[2:])
    else:
        main_for(
            [definition],
            prog="python -m sextant_feedback",
            epilog="python -m sextant_feedback import FILE --workspace WS: import a CSV or JSON"
            " Lines file, resumable (import --help)",
        )
