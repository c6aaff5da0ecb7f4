"""A run estimated before it starts: local jobs, time on this computer, cloud cost.

The time comes from the measured speed of the chosen local model (see
``core.storage.speeds``); until a model has been measured it is a stated guess. A run
over the user's thresholds is put to them first, with cheaper ways to ask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from core.documents.model import Document
from core.protocols import pricing
from core.storage.settings import Settings
from core.storage.speeds import Speed
from core.tokens import estimate_tokens

EXPECTED_TASKS = 2  # a MinionS plan has one to four tasks; most have one or two
WRITE_SECONDS = 15.0  # a local model writing a short answer
PLAN_CALL = (450, 250)  # (prompt, completion) tokens of a plan call, as measured
SYNTHESIS_CALL = (2500, 300)
MINION_ROUND = (700, 150)


@dataclass(frozen=True, slots=True)
class Estimate:
    protocol: str
    model: str
    local_jobs: int
    local_seconds: float
    cloud_cost_usd: float
    measured: bool  # the time rests on this model's measured speed here
    documents: list[tuple[str, int]] = field(default_factory=list)  # (name, jobs), biggest first

    def too_long(self, settings: Settings) -> bool:
        return (
            self.local_seconds > settings.confirm_run_seconds
            or self.local_jobs > settings.confirm_run_jobs
        )

    def describe(self) -> str:
        """One line for a person: "about 420 local jobs, about 7 min here, cloud about $0.01"."""
        parts = []
        if self.local_jobs > 1:
            parts.append(f"about {self.local_jobs:,} local jobs")
        basis = (
            f"at the measured speed of {self.model}"
            if self.measured
            else f"a first guess for {self.model}, not yet measured here"
        )
        parts.append(f"about {duration(self.local_seconds)} on this computer ({basis})")
        if self.cloud_cost_usd:
            parts.append(f"cloud about ${self.cloud_cost_usd:.3f}")
        return ", ".join(parts)

    def cheaper(self) -> list[str]:
        """Ways to ask that cost less, in the user's words."""
        tips = []
        if len(self.documents) > 1:
            name, jobs = self.documents[0]
            tips.append(f"leave out {name}, which makes {jobs:,} of the jobs")
        tips.append('name the pages or sections in the question ("in pages 10-20 …")')
        tips.append("choose a faster local model in Settings")
        return tips


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def estimate_run(
    protocol: str,
    documents: list[Document],
    chunk_counts: dict[str, int],
    *,
    model: str,
    speed: Speed,
    settings: Settings,
    cloud: bool,
    private: list[Document] | None = None,
    first_batch: int | None = None,
) -> Estimate:
    """What a run of ``protocol`` over ``documents`` will ask of this computer and the cloud.

    With ``first_batch`` a MinionS task that looks for a fact reads that many of the
    best-ranked chunks first, and is counted as widening once; without it (a question
    that must see everything: list, count, summarise) every chunk is read.
    """
    tokens = sum(estimate_tokens(d.text) for d in documents)
    chunks = sum(chunk_counts.get(d.id, 0) for d in documents)
    jobs, seconds, calls = 0, 0.0, []
    rounds_minion = settings.minion_rounds
    if protocol in ("minions", "local-chunks"):
        per_task = chunks if first_batch is None else min(chunks, 3 * first_batch)
        jobs = EXPECTED_TASKS * per_task
        seconds = jobs / speed.jobs_per_s
        calls = [PLAN_CALL, SYNTHESIS_CALL]
    elif protocol == "minion":
        jobs = rounds_minion
        seconds = tokens / speed.tokens_per_s + rounds_minion * WRITE_SECONDS
        calls = [MINION_ROUND] * (rounds_minion + 1)
    elif protocol == "local":
        jobs = 1
        seconds = tokens / speed.tokens_per_s + WRITE_SECONDS
    elif protocol == "cloud":
        calls = [(tokens + 200, 300)]
    for doc in private or []:  # read on this computer only, after the cloud part
        jobs += 1
        seconds += estimate_tokens(doc.text) / speed.tokens_per_s + WRITE_SECONDS
    cost = 0.0
    if cloud:
        cost = sum(pricing.cost_usd(settings.remote_model, p, c) for p, c in calls)
    per_document = sorted(
        ((d.name, EXPECTED_TASKS * chunk_counts.get(d.id, 0)) for d in documents),
        key=lambda item: -item[1],
    )
    return Estimate(
        protocol,
        model,
        jobs,
        math.ceil(seconds),
        cost,
        speed.measured,
        per_document if protocol == "minions" and first_batch is None else [],
    )
