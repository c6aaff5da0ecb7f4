"""The ``minions`` command line: the same core the app uses, for scripts and benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

# Each module adds its sub-commands with ``register(subparsers)``; a handler returns
# the process exit code.
_COMMAND_MODULES = (
    "core.cli.ask",
    "core.cli.history",
    "core.cli.models",
    "core.cli.audit",
    "core.cli.docs",
)


class CliError(Exception):
    """An error the command line reports as one line on stderr, with what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minions",
        description="Ask questions about private documents with a local worker and a cloud supervisor.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that command is not built yet
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.handler(args)
    except KeyboardInterrupt:
        print("minions: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line, never a traceback
        print(f"minions: {describe_error(exc)}", file=sys.stderr)
        return 1
    return int(code or 0)


def describe_error(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    hint = getattr(exc, "hint", None)
    return f"{message} ({hint})" if hint else message
