"""``minions docs inspect PATH``: what the app sees in a file, before any model reads it."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
from pathlib import Path
from typing import Any

from core.documents.chunking import DEFAULT_TARGET_CHARS, chunk_document
from core.documents.loading import DEFAULT_MAX_BYTES, load_document_sync
from core.documents.model import DocumentError
from core.documents.summary import inspect_document


def register(subparsers: Any) -> None:
    docs = subparsers.add_parser("docs", help="look at documents the way the app reads them")
    actions = docs.add_subparsers(dest="docs_command", required=True, metavar="ACTION")
    inspect = actions.add_parser(
        "inspect",
        help="show a file's type, pages, characters, estimated tokens, chunks and warnings",
    )
    inspect.add_argument("path", help="the file to read")
    inspect.add_argument("--json", action="store_true", help="print the result as JSON")
    inspect.add_argument(
        "--password",
        help="password of an encrypted PDF; '-' asks for it without echoing "
        "(a password on the command line is visible to other local users)",
    )
    inspect.add_argument(
        "--target-chars",
        type=int,
        default=DEFAULT_TARGET_CHARS,
        help=f"chunk size in characters (default {DEFAULT_TARGET_CHARS})",
    )
    inspect.add_argument(
        "--max-mb",
        type=float,
        default=DEFAULT_MAX_BYTES / (1024 * 1024),
        help="refuse files larger than this many megabytes (default 200)",
    )
    inspect.add_argument("--no-cache", action="store_true", help="parse again, ignore the cache")
    inspect.set_defaults(handler=run_inspect)


def run_inspect(args: argparse.Namespace) -> int:
    from core.cli import CliError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its parser notes would bury our line
    password = getpass.getpass("PDF password: ") if args.password == "-" else args.password
    if args.target_chars < 1:
        raise CliError("--target-chars must be at least 1")
    try:
        doc = load_document_sync(
            args.path,
            password=password,
            max_bytes=int(args.max_mb * 1024 * 1024),
            use_cache=not args.no_cache,
        )
    except DocumentError as exc:
        if exc.kind == "encrypted" and password is None:
            raise CliError(
                f"{Path(args.path).name} is encrypted; give its password with --password "
                "(or '--password -' to be asked for it)."
            ) from exc
        if exc.kind == "too_large":
            raise CliError(f"{exc.message} Raise the limit with --max-mb.") from exc
        raise
    info = inspect_document(doc, chunk_document(doc, target_chars=args.target_chars))
    print(json.dumps(info, indent=2, ensure_ascii=False) if args.json else render(info))
    return 0


def render(info: dict[str, Any]) -> str:
    pages_label = "pages" if info["paged"] else "sections"
    rows = [
        ("type", f"{info['kind_label']} ({info['kind']})"),
        ("size", f"{info['size_bytes']:,} bytes"),
        (pages_label, f"{info['pages']:,}"),
        ("characters", f"{info['characters']:,}"),
        ("estimated tokens", f"{info['estimated_tokens']:,}"),
        ("chunks", f"{info['chunks']:,}"),
        ("id", info["id"]),
    ]
    lines = [info["name"]] + [f"  {label:<17}{value}" for label, value in rows]
    lines += [f"  warning: {warning}" for warning in info["warnings"]]
    return "\n".join(lines)
