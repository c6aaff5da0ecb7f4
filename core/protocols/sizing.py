"""Sizing up a run: its estimate said (and put to the user) before it starts, and the speed
it measured kept for the next estimate."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from core.documents.model import Chunk, Document
from core.errors import ErrorKind
from core.protocols.context import RunContext, RunStopped
from core.protocols.estimate import Estimate, estimate_run
from core.protocols.events import Estimated
from core.protocols.jobs import reads_everything
from core.protocols.reading import FIRST_BATCH
from core.storage.settings import Settings
from core.storage.speeds import record_speed, speed_of


async def estimate_and_ask(
    kind: str,
    ctx: RunContext,
    chunks: list[Chunk],
    private: list[Document],
    settings: Settings,
    ask: Callable[[Estimate], Awaitable[bool]] | None,
) -> Estimate:
    """Emit the run's estimate; over the thresholds, start only on the user's yes."""
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.document_id] = counts.get(chunk.document_id, 0) + 1
    speed = await asyncio.to_thread(speed_of, ctx.worker.model)
    reads_all = reads_everything(ctx.task)
    estimate = estimate_run(
        kind,
        ctx.documents,
        counts,
        model=ctx.worker.model,
        speed=speed,
        settings=settings,
        cloud=ctx.supervisor_remote,
        private=private,
        first_batch=None if reads_all else max(FIRST_BATCH, settings.parallelism),
    )
    ctx.emit(
        Estimated(
            ctx.run_id,
            estimate.local_jobs,
            estimate.local_seconds,
            estimate.cloud_cost_usd,
            estimate.describe(),
            estimate.measured,
            estimate.too_long(settings),
        )
    )
    if estimate.too_long(settings) and ask is not None and not await ask(estimate):
        raise RunStopped(
            ErrorKind.DECLINED,
            f"Not started: {estimate.describe()}",
            hint="; ".join(estimate.cheaper()),
        )
    return estimate


def record_speeds(contexts: list[RunContext]) -> None:
    """Fold what a run measured into each local model's running averages (blocking I/O)."""
    for ctx in contexts:
        jobs = sum(n for n, _ in ctx.job_phases)
        job_time = sum(t for _, t in ctx.job_phases)
        tokens = sum(n for n, _ in ctx.reads)
        read_time = sum(t for _, t in ctx.reads)
        jobs_per_s = jobs / job_time if jobs and job_time > 0 else None
        tokens_per_s = tokens / read_time if tokens and read_time > 0 else None
        if jobs_per_s or tokens_per_s:
            record_speed(ctx.worker.model, jobs_per_s=jobs_per_s, tokens_per_s=tokens_per_s)
