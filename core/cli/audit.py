"""``minions audit``: read, check and export the record of everything sent to the cloud."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from core.cli import CliError
from core.privacy.audit import AuditStore, EgressRecord
from core.privacy.export import destination, export_text, summary
from core.privacy.leaks import document_leaks
from core.storage.paths import audit_db_path
from core.storage.secrets import default_store


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="the record of every request sent off this machine",
        description="List, show, verify and export the egress audit log.",
    )
    commands = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    listing = commands.add_parser("list", help="one line per record")
    listing.add_argument("--json", action="store_true", help="print one JSON list")
    listing.set_defaults(handler=handle_list)
    show = commands.add_parser("show", help="one record with its full body")
    show.add_argument("id", type=int, metavar="ID")
    show.set_defaults(handler=handle_show)
    verify = commands.add_parser(
        "verify", help="check the chain and its anchor (exit 0 only if nothing is wrong)"
    )
    verify.set_defaults(handler=handle_verify)
    leaks = commands.add_parser("leaks", help="how much of each document has ever left")
    leaks.add_argument("--json", action="store_true", help="print one JSON list")
    leaks.set_defaults(handler=handle_leaks)
    export = commands.add_parser(
        "export", help="what left: every body as sent, with time, destination, model and tokens"
    )
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    export.set_defaults(handler=handle_export)


def _store() -> AuditStore:
    return AuditStore(audit_db_path(), default_store())


def handle_list(args: argparse.Namespace) -> int:
    store = _store()
    try:
        records = store.records()
    finally:
        store.close()
    if args.json:
        print(json.dumps([summary(r) for r in records], indent=2))
        return 0
    if not records:
        print("Nothing has been sent off this machine.")
    for r in records:
        status = "" if r.status is None else f" {r.status}"
        local = " (this computer)" if destination(r.endpoint, r.meta).loopback else ""
        print(
            f"{r.id}\t{r.created_at}\t{r.kind}{status}\t{r.byte_count:,} B\t{r.model or '-'}\t"
            f"{r.endpoint}{local}\trun {r.run_id or '-'}"
        )
    return 0


def handle_show(args: argparse.Namespace) -> int:
    store = _store()
    try:
        record = store.get(args.id)
    finally:
        store.close()
    if record is None:
        raise CliError(f"No audit record {args.id}", hint="see `minions audit list`")
    for key, value in summary(record).items():
        print(f"{key}: {value}")
    print(f"destination: {destination(record.endpoint, record.meta).describe()}")
    seat = (record.meta.get("destination") or {}).get("seat")
    if seat:
        print(f"seat: {seat}")
    print()
    print(_pretty_body(record))
    spans = record.meta.get("spans") or []
    if record.kind == "request":
        print()
        print(describe_spans(record) if spans else "Provenance: no document text, no typed text.")
    return 0


def describe_spans(record: EgressRecord) -> str:
    """Where each flagged stretch of the payload came from; the rest is model-written."""
    names = {k: v.get("name", k) for k, v in (record.meta.get("documents") or {}).items()}
    body = record.body_text
    lines = ["Provenance (offsets in the body as sent):"]
    for span in record.meta.get("spans") or []:
        text = " ".join(body[span["start"] : span["end"]].split())
        text = text if len(text) <= 70 else text[:67] + "..."
        if span["source"] == "document":
            name = names.get(span["document_id"], span["document_id"])
            where = (
                f"document {name}, page {span['page']}" if span.get("page") else f"document {name}"
            )
        else:
            where = "your own text"
        lines.append(f'  {span["start"]}-{span["end"]}  {where}: "{text}"')
    return "\n".join(lines)


def handle_leaks(args: argparse.Namespace) -> int:
    store = _store()
    try:
        leaks = document_leaks(store.records(kind="request"))
    finally:
        store.close()
    if args.json:
        print(json.dumps([dataclasses.asdict(leak) for leak in leaks], indent=2))
        return 0
    if not leaks:
        print("No document text has ever left this machine.")
    for leak in leaks:
        pages = ", ".join(map(str, leak.pages)) or "-"
        print(
            f"{leak.share:7.2%}  {leak.sent_characters:,} of {leak.characters:,} characters  "
            f"{leak.name}  (pages {pages}; {leak.requests} requests)"
        )
    return 0


def handle_verify(args: argparse.Namespace) -> int:
    store = _store()
    try:
        state = store.verify()
    finally:
        store.close()
    for note in state.notes:
        print(f"Note: {note}")
    if state.ok:
        print(f"Audit chain verified: {state.records} records, none missing or changed.")
        return 0
    for problem in state.problems:
        print(f"BROKEN: {problem}", file=sys.stderr)
    return 1


def handle_export(args: argparse.Namespace) -> int:
    store = _store()
    try:
        records = store.records()
    finally:
        store.close()
    text = export_text(records, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, "utf-8")
        except OSError as exc:
            raise CliError(f"Cannot write {args.output}: {exc.strerror}") from None
        print(f"Exported {len(records)} records to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _pretty_body(r: EgressRecord) -> str:
    try:
        return json.dumps(json.loads(r.body), indent=2, ensure_ascii=False)
    except ValueError:
        return r.body_text
