"""``minions docs inspect PATH``: what the app sees in a file, before any model reads it."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from core.documents import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TARGET_CHARS,
    DocumentError,
    chunk_document,
    inspect_document,
    load_document_sync,
)
from core.documents.names import display_name, visible_json


def register(subparsers: Any) -> None:
    docs = subparsers.add_parser("docs", help="look at documents the way the app reads them")
    actions = docs.add_subparsers(dest="docs_command", required=True, metavar="ACTION")
    inspect = actions.add_parser(
        "inspect",
        help="show a file's type, pages, characters, estimated tokens, chunks and warnings "
        "(scanned pages and images are read by OCR)",
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

    password = getpass.getpass("PDF password: ") if args.password == "-" else args.password
    if args.target_chars < 1:
        raise CliError("--target-chars must be at least 1")
    max_bytes = int(args.max_mb * 1024 * 1024)
    try:
        doc = load_document_sync(
            args.path,
            password=password,
            max_bytes=max_bytes,
            use_cache=not args.no_cache,
            status=_show_status if sys.stderr.isatty() else None,
        )
    except DocumentError as exc:
        if exc.kind == "encrypted" and password is None and "enter its password" in exc.message:
            raise CliError(
                f"{display_name(Path(args.path).name)} is encrypted; give its password with "
                "--password (or '--password -' to be asked for it)."
            ) from exc
        if exc.kind == "too_large" and _size(args.path) > max_bytes:
            raise CliError(f"{exc.message} Raise the limit with --max-mb.") from exc
        raise
    finally:
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    info = inspect_document(doc, chunk_document(doc, target_chars=args.target_chars))
    shown = json.dumps(info, indent=2, ensure_ascii=False) if args.json else render(info)
    print(visible_json(shown))
    return 0


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _show_status(line: str) -> None:
    print(f"\r\033[K  {line}", end="", file=sys.stderr, flush=True)


def render(info: dict[str, Any]) -> str:
    rows = [
        ("type", f"{info['kind_label']} ({info['kind']})"),
        ("size", f"{info['size_bytes']:,} bytes"),
        (info["page_unit"], f"{info['pages']:,}"),
        ("characters", f"{info['characters']:,}"),
        ("estimated tokens", f"{info['estimated_tokens']:,}"),
        ("chunks", f"{info['chunks']:,}"),
        ("id", info["id"]),
    ]
    places = info["places"]
    if places:
        shown = places if len(places) <= 3 else [places[0], places[1], "…", places[-1]]
        rows.append(("places", " · ".join(shown)))
    lines = [info["name"]] + [f"  {label:<17}{value}" for label, value in rows]
    lines += [f"  warning: {warning}" for warning in info["warnings"]]
    return "\n".join(lines)
