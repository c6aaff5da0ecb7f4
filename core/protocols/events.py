"""What a run reports as it goes: plain dataclasses the UI and the CLI render."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import ErrorKind


@dataclass(frozen=True, slots=True)
class Citation:
    document_id: str
    document_name: str
    page: int
    quote: str
    chunk_id: str = ""
    char_start: int | None = None  # offsets in the document's text, when the quote was found
    char_end: int | None = None
    place: str = ""  # where, when "page N" would not say it: "slide 3", "sheet Q1, A1:F40"

    @property
    def where(self) -> str:
        """The citation's place in the user's words: "page 4", "slide 3", "chapter 2: ..."."""
        return self.place or f"page {self.page}"


@dataclass(frozen=True, slots=True)
class RunUsage:
    local_prompt_tokens: int = 0
    local_completion_tokens: int = 0
    remote_prompt_tokens: int = 0
    remote_completion_tokens: int = 0
    remote_cost_usd: float = 0.0
    cloud_only_cost_usd: float = 0.0  # estimate: the same question with the documents sent

    @property
    def local_tokens(self) -> int:
        return self.local_prompt_tokens + self.local_completion_tokens

    @property
    def cloud_tokens(self) -> int:
        return self.remote_prompt_tokens + self.remote_completion_tokens


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    protocol: str
    citations: list[Citation] = field(default_factory=list)
    usage: RunUsage = field(default_factory=RunUsage)
    egress_record_ids: list[int] = field(default_factory=list)
    egress_bytes: int = 0  # bytes of the requests that left the machine
    rounds: int = 0
    notes: list[str] = field(default_factory=list)  # e.g. a never-send excerpt was held back
    egress_requests: int = 0  # requests that left the machine during the run
    route: str = ""  # why this protocol and worker were used (part of the run's record)
    # The supervisor's own answer, as it left the supervisor (empty when nothing left):
    # the only part of this turn a follow-up question may carry back to it.
    supervisor_text: str = ""


@dataclass(frozen=True, slots=True)
class RunEvent:
    run_id: str


@dataclass(frozen=True, slots=True)
class RouteDecided(RunEvent):
    protocol: str
    worker_model: str
    reason: str


@dataclass(frozen=True, slots=True)
class Estimated(RunEvent):
    """What the run will ask of this computer and the cloud, before it starts."""

    local_jobs: int
    local_seconds: float
    cloud_cost_usd: float
    text: str  # the estimate in one line, for a person
    measured: bool  # the time rests on the model's measured speed here, not a guess
    long: bool = False  # over the user's thresholds: put to them before it starts


@dataclass(frozen=True, slots=True)
class RoundStarted(RunEvent):
    round: int
    max_rounds: int


@dataclass(frozen=True, slots=True)
class SupervisorMessage(RunEvent):
    """The supervisor's question to the worker (Minion) or its job plan summary (MinionS)."""

    round: int
    text: str


@dataclass(frozen=True, slots=True)
class WorkerMessage(RunEvent):
    round: int
    text: str


@dataclass(frozen=True, slots=True)
class JobsPlanned(RunEvent):
    round: int
    total: int
    instructions: list[str]


@dataclass(frozen=True, slots=True)
class JobStarted(RunEvent):
    job_id: str
    instruction: str
    chunk_id: str
    document_name: str
    page_start: int
    page_end: int


@dataclass(frozen=True, slots=True)
class JobFinished(RunEvent):
    job_id: str
    chunk_id: str
    answer: str | None  # None: the chunk held nothing for this instruction
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class JobFailed(RunEvent):
    job_id: str
    chunk_id: str
    reason: str
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class TokensUsed(RunEvent):
    seat: str  # "local" or "remote"
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class EgressRecorded(RunEvent):
    record_id: int
    kind: str  # "request" or "response"
    endpoint: str
    byte_count: int


@dataclass(frozen=True, slots=True)
class Notice(RunEvent):
    """Something the user should know that does not stop the run."""

    message: str


@dataclass(frozen=True, slots=True)
class AnswerDelta(RunEvent):
    """More of the final answer as it is written; ``restart``: drop what came so far
    (a reply that failed half-way is asked for again)."""

    text: str
    restart: bool = False


@dataclass(frozen=True, slots=True)
class Done(RunEvent):
    answer: Answer


@dataclass(frozen=True, slots=True)
class Failed(RunEvent):
    message: str
    kind: ErrorKind = ErrorKind.INTERNAL
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Cancelled(RunEvent):
    partial: str = ""  # the answer as far as it was written when the run was stopped
