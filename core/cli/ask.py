"""``minions ask``: one question about some files, answered by one protocol."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from typing import TYPE_CHECKING, Any, get_args

from core.cli import CliError
from core.protocols.events import (
    Answer,
    Cancelled,
    Done,
    Failed,
    JobFailed,
    JobFinished,
    Notice,
    RoundStarted,
    RouteDecided,
)
from core.storage.settings import ProtocolName

if TYPE_CHECKING:  # the clients and loaders are imported when a question is asked
    from core.privacy.gate import Decision, OutboundRequest
    from core.protocols.run import RunRequest
    from core.services import Services

PROTOCOLS = get_args(ProtocolName)


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
        required=True,
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
        help="replace emails, phone, card and account numbers before anything leaves (default: on)",
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
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from core.documents.loading import load_document_sync
    from core.protocols.run import RunRequest
    from core.services import Services
    from core.storage.settings import load_settings

    if args.rounds is not None and args.rounds < 1:
        raise CliError("--rounds must be at least 1")
    documents = [load_document_sync(path) for path in args.doc]
    private = [load_document_sync(path) for path in args.never_send]
    documents += [d for d in private if d.id not in {doc.id for doc in documents}]
    settings, warning = load_settings()
    if warning:
        print(f"minions: {warning}", file=sys.stderr)
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
    settings = settings.model_copy(update=updates)
    protocol = args.protocol or ("local" if args.local_only else settings.protocol)
    request = RunRequest(
        args.question,
        documents,
        protocol=protocol,
        max_rounds=args.rounds,
        never_send=frozenset(d.id for d in private),
        redact=args.redact,
    )
    services = Services(settings, confirm=confirm_on_terminal if args.confirm else None)
    # The flags win over the environment (MINIONS_REMOTE_MODEL, ...), which Services applied.
    services.settings = services.settings.model_copy(update=updates)
    answer = asyncio.run(_ask(request, services, quiet=args.json))
    print(json.dumps(answer_json(answer), indent=2) if args.json else render(answer))
    return 0


async def _ask(request: RunRequest, services: Services, *, quiet: bool) -> Answer:
    from core.protocols.run import Run

    progress = not quiet and sys.stderr.isatty()
    try:
        run = Run(request, services)
        async for event in run.events():
            if isinstance(event, Done):
                return event.answer
            if isinstance(event, Failed):
                raise CliError(event.message, event.hint)
            if isinstance(event, Cancelled):
                raise CliError("The run was cancelled")
            if isinstance(event, Notice):
                print(f"minions: {event.message}", file=sys.stderr)
            elif progress:
                _progress(event)
        raise CliError("The run ended without an answer")
    finally:
        await services.aclose()


async def confirm_on_terminal(outbound: OutboundRequest) -> Decision:
    """Show the request exactly as it would leave, and ask on the terminal."""
    from core.privacy.gate import Decision

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


def _progress(event: object) -> None:
    if isinstance(event, RouteDecided):
        print(
            f"protocol {event.protocol} with {event.worker_model}: {event.reason}", file=sys.stderr
        )
    elif isinstance(event, RoundStarted):
        print(f"round {event.round}/{event.max_rounds}", file=sys.stderr)
    elif isinstance(event, JobFinished | JobFailed):
        end = "\n" if event.done == event.total else ""
        print(f"\r  jobs {event.done}/{event.total}", end=end, file=sys.stderr, flush=True)


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "answer": answer.text,
        "protocol": answer.protocol,
        "rounds": answer.rounds,
        "citations": [
            {
                "document": c.document_name,
                "document_id": c.document_id,
                "page": c.page,
                "quote": c.quote,
                "chunk_id": c.chunk_id,
            }
            for c in answer.citations
        ],
        "usage": dataclasses.asdict(answer.usage),
        "egress": {
            "requests": answer.egress_requests,
            "bytes": answer.egress_bytes,
            "record_ids": list(answer.egress_record_ids),
        },
        "notes": list(answer.notes),
        "route": answer.route,
    }


def render(answer: Answer) -> str:
    lines = [answer.text.strip(), ""]
    for i, c in enumerate(answer.citations, 1):
        quote = " ".join(c.quote.split())
        quote = quote if len(quote) <= 160 else quote[:157] + "..."
        lines.append(f'[{i}] {c.document_name}, page {c.page}: "{quote}"')
    u = answer.usage
    lines.append(
        f"local tokens {u.local_prompt_tokens + u.local_completion_tokens:,} · "
        f"cloud tokens {u.remote_prompt_tokens + u.remote_completion_tokens:,} · "
        f"cloud cost ${u.remote_cost_usd:.4f} (cloud only: ~${u.cloud_only_cost_usd:.4f}) · "
        f"sent {answer.egress_requests} requests, {answer.egress_bytes:,} bytes"
    )
    lines.extend(f"note: {note}" for note in answer.notes)
    return "\n".join(lines).strip()
