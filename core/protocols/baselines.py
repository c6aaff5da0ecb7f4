"""Local only and cloud only: one model reads the whole documents and answers.

Local only keeps everything on the machine. Cloud only sends the documents to the
cloud model; it is the cost and quality baseline the other protocols are measured by.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from core.clients.base import ClientError, ErrorKind
from core.documents.model import Chunk
from core.protocols import prompts
from core.protocols.citations import cite_quotes, quotes_in
from core.protocols.context import RunContext, documents_text
from core.protocols.events import Answer, RoundStarted, RunUsage, WorkerMessage
from core.protocols.minions import run_minions
from core.protocols.schemas import QuotedAnswer
from core.protocols.streaming import StreamField

ANSWER_TOKENS = 1000
ANSWER = StreamField("answer")
LOCAL_ATTEMPTS = 2


def local_messages(ctx: RunContext) -> list[dict[str, str]]:
    return prompts.single_reader(ctx.task, documents_text(ctx.documents), ctx.worker_memory)


async def run_local_reader(ctx: RunContext) -> Answer:
    """The worker alone with the whole documents (the caller checked they fit)."""
    ctx.emit(RoundStarted(ctx.run_id, 1, 1))
    messages = local_messages(ctx)
    for attempt in range(1, LOCAL_ATTEMPTS + 1):
        try:
            result = await ctx.work(
                messages, schema=QuotedAnswer, max_tokens=ANSWER_TOKENS, stream=ANSWER
            )
            break
        except ClientError as exc:
            if exc.kind is not ErrorKind.INVALID_OUTPUT or attempt == LOCAL_ATTEMPTS:
                raise
    assert isinstance(result.parsed, QuotedAnswer)
    ctx.emit(WorkerMessage(ctx.run_id, 1, result.parsed.answer))
    return _finish(ctx, result.parsed, "local")


async def run_local(
    ctx: RunContext, chunks: list[Chunk], rounds: int, on_notice: Callable[[str], None]
) -> Answer:
    """Local only: the worker reads everything at once if it fits, else in chunks, in both seats."""
    fits, _, _ = await ctx.fits_worker(local_messages(ctx), ANSWER_TOKENS)
    if fits:
        return await run_local_reader(ctx)
    on_notice(
        "The documents do not fit the local model at once; it reads them in chunks, in both seats"
    )
    answer = await run_minions(ctx, chunks, rounds)
    return dataclasses.replace(answer, protocol="local")


def with_private_part(answer: Answer, private: Answer, names: list[str]) -> Answer:
    """The run's answer with what the worker alone read in the never-send documents.

    The private part is kept out of ``shared_text``, so a later question never carries it
    to the supervisor.
    """
    text = f"{answer.text.rstrip()}{private_heading(', '.join(names))}{private.text.strip()}"
    return dataclasses.replace(
        answer,
        text=text,
        citations=[*answer.citations, *private.citations],
        usage=add_usage(answer.usage, private.usage),
        notes=[
            *answer.notes,
            f"{len(names)} never-send document(s) were read by the local model only; the cloud "
            "model was told no more than that a private document was used",
        ],
    )


def private_heading(names: str) -> str:
    return f"\n\n**From your never-send documents** ({names}; read on this computer only): "


def add_usage(a: RunUsage, b: RunUsage) -> RunUsage:
    return RunUsage(
        **{f.name: getattr(a, f.name) + getattr(b, f.name) for f in dataclasses.fields(RunUsage)}
    )


async def run_cloud_only(ctx: RunContext) -> Answer:
    """The documents go to the cloud model, within the question's token budget."""
    ctx.emit(RoundStarted(ctx.run_id, 1, 1))
    text = documents_text(ctx.documents, names=ctx.settings.share_file_names)
    reply = await ctx.supervise(
        prompts.single_reader(ctx.task, text, ctx.supervisor_memory),
        QuotedAnswer,
        max_tokens=ANSWER_TOKENS,
        stream=ANSWER,
    )
    return _finish(ctx, reply, "cloud")


def _finish(ctx: RunContext, reply: QuotedAnswer, protocol: str) -> Answer:
    citations = cite_quotes(ctx.documents, [*reply.quotes, *quotes_in(reply.answer)])
    return ctx.answer(reply.answer, protocol, citations, 1)
