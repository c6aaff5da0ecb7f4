"""Follow-up questions: what each seat may remember of the earlier turns.

The worker is on this computer and gets the whole conversation. The supervisor gets
only what has already left the computer: the user's questions it received and its
own answers. A turn answered locally (Local only, a supervisor on this computer, the
never-send part of an answer) stays local, so memory never widens egress.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store imports this package's events; no cycle at run time
    from core.storage.conversations import StoredMessage

SUPERVISOR_TURNS = 4  # the cloud prompt stays small: the last few turns are enough
SUPERVISOR_ANSWER_CHARS = 600
WORKER_TURNS = 8
WORKER_ANSWER_CHARS = 1500


@dataclass(frozen=True, slots=True)
class Turn:
    question: str
    answer: str  # what the user was shown (local parts included)
    supervisor_answer: str = ""  # the supervisor's own words; empty when nothing left


def turns_of(messages: list[StoredMessage]) -> list[Turn]:
    """Each question with the answer that followed it (unanswered questions are skipped)."""
    turns: list[Turn] = []
    question: str | None = None
    for message in messages:
        if message.role == "user":
            question = message.text
        elif question is not None and message.role == "assistant":
            shared = message.answer.supervisor_text if message.answer is not None else ""
            turns.append(Turn(question, message.text, shared))
            question = None
    return turns


def supervisor_memory(history: list[Turn]) -> str:
    """The earlier turns the supervisor already saw, as a short block for its prompt."""
    shared = [t for t in history if t.supervisor_answer.strip()][-SUPERVISOR_TURNS:]
    return _block([(t.question, t.supervisor_answer) for t in shared], SUPERVISOR_ANSWER_CHARS)


def worker_memory(history: list[Turn]) -> str:
    """The whole conversation, for the model on this computer."""
    return _block([(t.question, t.answer) for t in history[-WORKER_TURNS:]], WORKER_ANSWER_CHARS)


def _block(pairs: list[tuple[str, str]], answer_chars: int) -> str:
    lines = []
    for question, answer in pairs:
        answer = " ".join(answer.split())
        if len(answer) > answer_chars:
            answer = answer[:answer_chars].rsplit(" ", 1)[0] + " …"
        lines.append(f"Q: {' '.join(question.split())}\nA: {answer}")
    return "\n".join(lines)
