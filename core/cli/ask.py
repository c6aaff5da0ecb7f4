"""``minions ask``: one question about some files, answered by one protocol."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from core.cli import CliError
from core.cli.answer_output import answer_json, render
from core.cli.history import Thread, open_thread
from core.documents.loading import load_document_sync
from core.documents.model import Document
from core.privacy.gate import Decision, OutboundRequest
from core.privacy.redaction import Redactor
from core.protocols.estimate import Estimate
from core.protocols.events import (
    Answer,
    AnswerDelta,
    Cancelled,
    Done,
    Estimated,
    Failed,
    JobFailed,
    JobFinished,
    Notice,
    RoundStarted,
    RouteDecided,
)
from core.protocols.run import PROTOCOLS, Run, RunRequest
from core.services import Services
from core.storage.conversations import ConversationStore
from core.storage.settings import load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="ask a question about documents",
        description="Ask a question about documents; the answer cites their pages.",
    )
    parser.add_argument("question", metavar="QUESTION")
    parser.add_argument(
        "--doc",
        action="append",
        default=[],
        metavar="PATH",
        help="a file to ask about (repeatable)",
    )
    parser.add_argument(
        "--protocol", choices=PROTOCOLS, help="default: the app's setting (minions)"
    )
    parser.add_argument("--local-model", metavar="NAME", help="the worker model")
    parser.add_argument("--remote-model", metavar="NAME", help="the supervisor model")
    parser.add_argument("--rounds", type=int, metavar="N", help="most supervisor rounds")
    parser.add_argument("--local-only", action="store_true", help="send nothing to the cloud")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--redact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="replace names, addresses, emails, phone, card, account and ID numbers before "
        "anything leaves (default: on)",
    )
    parser.add_argument(
        "--never-send",
        action="append",
        default=[],
        metavar="PATH",
        help="a file to ask about whose text must never leave this machine (repeatable)",
    )
    parser.add_argument(
        "--confirm", action="store_true", help="show each cloud request and ask before sending it"
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="start a long run without asking (its estimate is still printed)",
    )
    parser.add_argument(
        "--conversation",
        metavar="ID",
        help="continue this conversation (see `minions history list`): the question sees "
        "its earlier turns, and its documents are used unless --doc is given",
    )
    parser.add_argument(
        "--supervisor-on-this-computer",
        action="store_true",
        help="the supervisor endpoint is a model running on this computer (not a proxy to a "
        "cloud): its requests are then not audited as leaving it",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.rounds is not None and args.rounds < 1:
        raise CliError("--rounds must be at least 1")
    if not args.doc and not args.never_send and not args.conversation:
        raise CliError("No documents to ask about", hint="add --doc PATH or --never-send PATH")
    settings, warning = load_settings()
    if warning:
        print(f"minions: {warning}", file=sys.stderr)
    updates = _setting_flags(args)
    settings = settings.model_copy(update=updates)
    store = ConversationStore()
    try:
        thread = open_thread(store, args.conversation, args.question)
        documents, never_send = _documents(args, thread)
        thread.attach(documents, never_send)
        redact = settings.redact if args.redact is None else args.redact
        redactor = _redactor(thread.redaction) if redact else None
        request = RunRequest(
            args.question,
            documents,
            protocol=args.protocol or ("local" if args.local_only else settings.protocol),
            conversation_id=thread.id,
            max_rounds=args.rounds,
            never_send=frozenset(never_send),
            redact=redact,
            redactor=redactor,
            history=thread.history,
        )
        services = Services(settings, confirm=confirm_on_terminal if args.confirm else None)
        if not args.yes and sys.stdin.isatty():
            services.confirm_long_run = confirm_long_run_on_terminal
        # The flags win over the environment (MINIONS_REMOTE_MODEL, ...), which Services applied.
        services.settings = services.settings.model_copy(update=updates)
        printer = _AnswerPrinter(enabled=not args.json)
        try:
            answer = asyncio.run(_ask(request, services, printer, thread))
        finally:
            if redactor is not None and redactor.mapping:
                store.set_redaction_mapping(thread.id, redactor.to_json())
    finally:
        store.close()
    if args.json:
        print(json.dumps(answer_json(answer, thread.id), indent=2))
    else:
        print(render(answer, printer.text))
        print(
            f"conversation {thread.id[:12]} (ask a follow-up with --conversation)", file=sys.stderr
        )
    return 0


def _setting_flags(args: argparse.Namespace) -> dict[str, Any]:
    updates: dict[str, Any] = {}
    if args.local_model:
        updates["local_model"] = args.local_model
    if args.remote_model:
        updates["remote_model"] = args.remote_model
    if args.local_only:
        updates["local_only"] = True
    if args.redact is not None:
        updates["redact"] = args.redact
    if args.confirm:
        updates["confirm_before_send"] = True
    if args.supervisor_on_this_computer:
        updates["supervisor_on_this_computer"] = True
    return updates


def _documents(args: argparse.Namespace, thread: Thread) -> tuple[list[Document], set[str]]:
    """The files named on the command line, else the conversation's own."""
    documents = [load_document_sync(path) for path in args.doc]
    private = [load_document_sync(path) for path in args.never_send]
    never_send = {d.id for d in private}
    if not documents and not private:
        return thread.documents, thread.never_send
    documents += [d for d in private if d.id not in {doc.id for doc in documents}]
    return documents, never_send


def _redactor(stored: str | None) -> Redactor:
    if stored:
        try:
            return Redactor.from_json(stored)
        except (ValueError, KeyError):
            print(
                "minions: this conversation's placeholders were unreadable; new ones are used",
                file=sys.stderr,
            )
    return Redactor()


class _AnswerPrinter:
    """Prints the answer on stdout as it is written (plain output only)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.text = ""

    def delta(self, event: AnswerDelta) -> None:
        if not self.enabled:
            return
        if event.restart and self.text:
            print("\n[the answer is being written again]", flush=True)
            self.text = ""
        self.text += event.text
        print(event.text, end="", flush=True)

    def end(self) -> None:
        if self.enabled and self.text:
            print(flush=True)


async def _ask(
    request: RunRequest, services: Services, printer: _AnswerPrinter, thread: Thread
) -> Answer:
    progress = printer.enabled and sys.stderr.isatty()
    clock = _Clock()
    run = Run(request, services)
    try:
        async for event in run.events():
            if isinstance(event, AnswerDelta):
                printer.delta(event)
            elif isinstance(event, Done):
                printer.end()
                thread.save(request.task, event.answer)
                return event.answer
            elif isinstance(event, Failed):
                thread.save(request.task, None, f"No answer: {event.message}")
                raise CliError(event.message, event.hint)
            elif isinstance(event, Cancelled):
                raise CliError("The run was cancelled")
            elif isinstance(event, Notice):
                print(f"minions: {event.message}", file=sys.stderr)
            elif isinstance(event, Estimated):
                if progress or event.long:
                    print(f"minions: this run: {event.text}", file=sys.stderr)
                clock.expect(event.local_seconds)
            elif progress:
                _progress(event, clock)
        raise CliError("The run ended without an answer")
    except asyncio.CancelledError:  # Ctrl+C: what was written stays, marked as stopped
        printer.end()
        thread.save_stopped(request.task, printer.text)
        raise
    finally:
        await services.aclose()


async def confirm_on_terminal(outbound: OutboundRequest) -> Decision:
    """Show the request exactly as it would leave, and ask on the terminal."""
    print(
        f"\nAbout to send {len(outbound.body):,} bytes to {outbound.endpoint} "
        f"({outbound.model or 'unknown model'}):",
        file=sys.stderr,
    )
    try:
        for message in json.loads(outbound.body).get("messages", []):
            print(f"--- {message.get('role')} ---\n{message.get('content')}", file=sys.stderr)
    except (ValueError, AttributeError):
        print(outbound.body.decode("utf-8", "replace"), file=sys.stderr)
    prompt = "Send it? [y]es / [a]ll of this run / [N]o: "
    try:
        reply = await asyncio.to_thread(input, prompt)
    except EOFError:  # no terminal to ask: the safe answer is no
        reply = ""
    choice = reply.strip().lower()[:1]
    return {"y": Decision.ALLOW, "a": Decision.ALLOW_RUN}.get(choice, Decision.DENY)


async def confirm_long_run_on_terminal(estimate: Estimate) -> bool:
    """A long run is put to the user, with cheaper ways to ask."""
    print(f"This run is long: {estimate.describe()}.", file=sys.stderr)
    for tip in estimate.cheaper():
        print(f"  cheaper: {tip}", file=sys.stderr)
    try:
        reply = await asyncio.to_thread(input, "Start it? [y/N]: ")
    except EOFError:
        reply = ""
    return reply.strip().lower().startswith("y")


class _Clock:
    """Elapsed time, and what is left from the jobs' own pace."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.expected = 0.0

    def expect(self, seconds: float) -> None:
        self.expected = seconds

    def line(self, done: int, total: int) -> str:
        elapsed = time.monotonic() - self.started
        text = f"{_clock(elapsed)} elapsed"
        if 0 < done < total:
            text += f" · about {_clock(elapsed / done * (total - done))} left"
        return text


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return (
        f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"
        if minutes >= 60
        else f"{minutes}:{secs:02d}"
    )


def _progress(event: object, clock: _Clock) -> None:
    if isinstance(event, RouteDecided):
        print(
            f"protocol {event.protocol} with {event.worker_model}: {event.reason}", file=sys.stderr
        )
    elif isinstance(event, RoundStarted):
        print(f"round {event.round}/{event.max_rounds}", file=sys.stderr)
    elif isinstance(event, JobFinished | JobFailed):
        end = "\n" if event.done == event.total else ""
        line = f"\r  jobs {event.done}/{event.total} · {clock.line(event.done, event.total)}  "
        print(line, end=end, file=sys.stderr, flush=True)
