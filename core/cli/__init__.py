"""The ``minions`` command line: the same core the app uses, for scripts and benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from core.errors import ErrorKind, MinionsError

# Each command's module adds its parser with ``register(subparsers)``; a handler returns the
# process exit code. The commands are named here so that ``minions --help`` lists them
# without importing them: a command's module, and the libraries it needs (the model
# clients, the file parsers), load only when that command runs.
COMMANDS: dict[str, tuple[str, str]] = {  # name -> (module, the one line --help shows)
    "ask": ("core.cli.ask", "ask a question about documents"),
    "history": ("core.cli.history", "conversations kept by the app and the CLI"),
    "models": ("core.cli.models", "list the local runtime's models"),
    "audit": ("core.cli.audit", "the record of every request sent off this machine"),
    "docs": ("core.cli.docs", "look at documents the way the app reads them"),
}


class CliError(MinionsError):
    """An error the command line reports as one line on stderr, with what to do about it."""

    def __init__(self, message: str, hint: str = "", kind: ErrorKind = ErrorKind.USAGE) -> None:
        super().__init__(kind, message, hint)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: the full options of the command it names, one line for the rest."""
    parser = argparse.ArgumentParser(
        prog="minions",
        description="Ask questions about private documents with a local worker and a cloud supervisor.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    words = sys.argv[1:] if argv is None else list(argv)
    chosen = next((word for word in words if not word.startswith("-")), None)
    for name, (module, help_text) in COMMANDS.items():
        if name == chosen:
            import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
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
    """One line: what happened and, for our own errors, what to do about it."""
    return str(exc) or type(exc).__name__
