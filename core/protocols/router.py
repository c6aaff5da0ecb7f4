"""Auto: a quick local call picks the protocol and the worker model, with size rules as guard.

After the Octopus v4 idea of a small router model choosing the specialist: the local
model sees the question, the documents' size and the local models the user registered
(each with a one-line description) and answers with a choice and a reason. The rule
that the documents must fit the worker for Minion always holds; when the router's
reply is unusable, the size rule alone decides. Nothing here leaves the machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from core.clients.base import ChatClient, ClientError
from core.clients.ollama_client import PROMPT_SAFETY
from core.documents.model import Document
from core.protocols.context import WORKER_ANSWER_TOKENS, documents_text
from core.protocols.schemas import Compact
from core.tokens import estimate_tokens

# Minion only when the documents fill at most this share of the worker's context: a
# small model reads a nearly full window poorly.
COMFORTABLE_SHARE = 0.5
UNKNOWN_CONTEXT = 8192  # what we assume of a runtime that does not report its limit

ROUTER_PROMPT = (
    "Choose how to answer a question about private documents. protocol: "
    '"local" = the local model answers alone (a simple lookup in short documents); '
    '"minion" = a cloud model questions one local model that reads all the documents '
    "(they must fit it); "
    '"minions" = the cloud model plans many small extraction jobs over chunks (long '
    "documents, or questions needing many facts). worker: the best-suited local model "
    "by name. reason: one short sentence."
)


class RouteChoice(Compact):
    protocol: Literal["local", "minion", "minions"]
    worker: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    protocol: str
    worker: str  # the model to run as worker
    reason: str


async def decide(
    worker: ChatClient, task: str, documents: list[Document], models: dict[str, str]
) -> Route:
    need = (
        math.ceil(estimate_tokens(documents_text(documents)) * PROMPT_SAFETY)
        + 2 * WORKER_ANSWER_TOKENS
    )
    limit = await worker.context_limit() or UNKNOWN_CONTEXT
    fits = need <= limit * COMFORTABLE_SHARE
    rule = size_rule(worker.model, need, limit, fits)
    listed = "\n".join(f"- {name}: {about}" for name, about in models.items())
    facts = (
        f"Question: {task}\nDocuments: {len(documents)} file(s), ~{need:,} tokens; "
        f"the worker {worker.model} holds {limit:,} tokens, so they "
        f"{'fit' if fits else 'do not fit'} for minion."
    )
    if listed:
        facts += f"\nLocal models:\n{listed}"
    try:
        reply = await worker.chat(
            [{"role": "system", "content": ROUTER_PROMPT}, {"role": "user", "content": facts}],
            schema=RouteChoice,
            max_tokens=120,
            temperature=0.0,
        )
    except ClientError as exc:
        return Route(
            rule.protocol, rule.worker, f"{rule.reason} (router unavailable: {exc.message})"
        )
    choice = reply.parsed
    assert isinstance(choice, RouteChoice)
    chosen = choice.worker if choice.worker in models else worker.model
    reason = choice.reason.strip() or "the router gave no reason"
    if choice.protocol == "minion" and not fits:
        return Route("minions", chosen, f"{reason}; but {rule.reason}, so MinionS")
    return Route(choice.protocol, chosen, f"router: {reason}")


def size_rule(model: str, need: int, limit: int, fits: bool) -> Route:
    if fits:
        return Route(
            "minion",
            model,
            f"the documents (~{need:,} tokens) fit comfortably in {model}'s {limit:,}-token context",
        )
    return Route(
        "minions",
        model,
        f"the documents (~{need:,} tokens) are too long for {model} to read at once ({limit:,}-token context)",
    )
