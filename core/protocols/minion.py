"""Minion: the supervisor questions one worker that holds the whole documents, over a few rounds."""

from __future__ import annotations

from core.errors import ErrorKind
from core.protocols import prompts
from core.protocols.citations import cite_quotes, quotes_in
from core.protocols.context import (
    WORKER_ANSWER_TOKENS,
    RunContext,
    RunStopped,
    describe_documents,
    documents_text,
)
from core.protocols.events import Answer, RoundStarted, SupervisorMessage, WorkerMessage
from core.protocols.schemas import FinalAnswer, Question, SupervisorTurn
from core.protocols.streaming import StreamField

SUPERVISOR_TOKENS = 500
# What one worker reply may carry to the cloud. A document can tell an obedient worker to
# copy itself out; whatever it says, no more than this leaves per round.
WORKER_REPLY_CHARS = 1200


async def run_minion(ctx: RunContext, max_rounds: int) -> Answer:
    """Round r: the supervisor asks, the worker answers; after the last round it must answer."""
    worker_messages = prompts.minion_worker_start(documents_text(ctx.documents), ctx.worker_memory)
    await ensure_fits(ctx, worker_messages)
    description = describe_documents(
        ctx.documents, ctx.settings.share_file_names, private_count=ctx.private_count
    )
    if ctx.doc_metadata:
        description += f". About them: {ctx.doc_metadata}"
    supervisor_messages = prompts.minion_supervisor_start(
        ctx.task, description, ctx.supervisor_memory
    )
    quotes: list[str] = []
    for round_no in range(1, max_rounds + 1):
        ctx.emit(RoundStarted(ctx.run_id, round_no, max_rounds))
        if round_no == 1:
            first = await ctx.supervise(supervisor_messages, Question, max_tokens=SUPERVISOR_TOKENS)
            question = first.question
            supervisor_messages.append({"role": "assistant", "content": first.model_dump_json()})
        else:
            turn = await ctx.supervise(
                supervisor_messages,
                SupervisorTurn,
                max_tokens=SUPERVISOR_TOKENS,
                stream=StreamField("text", gate=("action", "answer")),
            )
            supervisor_messages.append({"role": "assistant", "content": turn.model_dump_json()})
            if turn.action == "answer":
                return _finish(ctx, turn.text, quotes, round_no)
            question = turn.text
        ctx.emit(SupervisorMessage(ctx.run_id, round_no, question))
        worker_messages.append({"role": "user", "content": question})
        reply = await ctx.work(worker_messages, max_tokens=WORKER_ANSWER_TOKENS)
        worker_messages.append({"role": "assistant", "content": reply.text})
        ctx.emit(WorkerMessage(ctx.run_id, round_no, reply.text))
        quotes.extend(quotes_in(reply.text))
        report = capped_reply(ctx, reply.text)
        supervisor_messages.append(prompts.minion_report(report, round_no == max_rounds))
    final = await ctx.supervise(
        supervisor_messages,
        FinalAnswer,
        max_tokens=SUPERVISOR_TOKENS,
        stream=StreamField("answer"),
    )
    return _finish(ctx, final.answer, quotes, max_rounds)


async def ensure_fits(ctx: RunContext, worker_messages: list[dict[str, str]]) -> None:
    """Refuse before any cloud call when the documents cannot fit the worker's context."""
    fits, need, limit = await ctx.fits_worker(worker_messages, WORKER_ANSWER_TOKENS * 2)
    if not fits:
        raise RunStopped(
            ErrorKind.CONTEXT_OVERFLOW,
            f"The documents need about {need:,} tokens but {ctx.worker.model} holds at most "
            f"{limit:,}, so Minion cannot give it the whole text",
            hint="use MinionS, which reads the documents in chunks",
        )


def capped_reply(ctx: RunContext, text: str) -> str:
    """The worker's reply as it may leave: at most ``WORKER_REPLY_CHARS`` characters."""
    text = text.strip()
    if not ctx.supervisor_remote or len(text) <= WORKER_REPLY_CHARS:
        return text
    cut = text[:WORKER_REPLY_CHARS].rsplit(" ", 1)[0]
    note = (
        f"A local reply of {len(text):,} characters was cut to {len(cut):,} before it was "
        "sent, so a document cannot have the local model copy it out"
    )
    if note not in ctx.notes:
        ctx.notes.append(note)
    return f"{cut} […]"


def _finish(ctx: RunContext, text: str, quotes: list[str], rounds: int) -> Answer:
    return ctx.answer(text, "minion", cite_quotes(ctx.documents, quotes), rounds)
