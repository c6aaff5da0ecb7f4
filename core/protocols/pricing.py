"""What cloud tokens cost: a price and context-window table per model (US dollars per 1M tokens)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.tokens import estimate_tokens


@dataclass(frozen=True, slots=True)
class Price:
    input_per_m: float  # dollars per 1M prompt tokens
    output_per_m: float  # dollars per 1M completion tokens
    input_limit: int  # the most prompt tokens one request may carry (its context window)


# Standard (non-batch, uncached) list prices of OpenAI's API, and each model's context
# window (for the GPT-5 family, its input limit: 400k in all, of which 128k output).
PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00, 128_000),
    "gpt-4o-mini": Price(0.15, 0.60, 128_000),
    "gpt-4.1": Price(2.00, 8.00, 1_047_576),
    "gpt-4.1-mini": Price(0.40, 1.60, 1_047_576),
    "gpt-4.1-nano": Price(0.10, 0.40, 1_047_576),
    "gpt-4-turbo": Price(10.00, 30.00, 128_000),
    "gpt-3.5-turbo": Price(0.50, 1.50, 16_385),
    "gpt-5": Price(1.25, 10.00, 272_000),
    "gpt-5-mini": Price(0.25, 2.00, 272_000),
    "gpt-5-nano": Price(0.05, 0.40, 272_000),
    "o1": Price(15.00, 60.00, 200_000),
    "o3": Price(2.00, 8.00, 200_000),
    "o3-mini": Price(1.10, 4.40, 200_000),
    "o4-mini": Price(1.10, 4.40, 200_000),
}

# A baseline answer is rarely longer than this; used to estimate the cloud-only cost.
BASELINE_ANSWER_TOKENS = 300


def price_of(model: str) -> Price | None:
    """The price of ``model``; dated snapshots ("gpt-4o-2024-08-06") use their family's."""
    name = model.rsplit("/", 1)[-1].lower()
    best = ""
    for known in PRICES:
        if (name == known or name.startswith(known + "-")) and len(known) > len(best):
            best = known
    return PRICES.get(best)


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """Dollars for these tokens; 0.0 for a model not in the table (see ``unpriced_note``)."""
    price = price_of(model)
    if price is None:
        return 0.0
    return (prompt_tokens * price.input_per_m + completion_tokens * price.output_per_m) / 1e6


def unpriced_note(model: str) -> str:
    if price_of(model) is not None:
        return ""
    return f"No price is known for {model}; its cloud cost is shown as $0"


@dataclass(frozen=True, slots=True)
class CloudOnly:
    """What asking the cloud model directly, with the documents sent along, would cost."""

    cost_usd: float
    requests: int  # 1 when the documents fit one request
    note: str = ""  # said with the answer when the estimate is not one plain request


# Per request of a chunked cloud-only run: instructions and framing around the part it reads.
_CHUNKED_OVERHEAD_TOKENS = 200


def cloud_only(model: str, task: str, document_texts: list[str]) -> CloudOnly:
    """The cheapest cloud-only run that could happen: one request when the documents fit the
    model's context, else one request per part that fits plus one to combine the answers."""
    documents = sum(estimate_tokens(text) for text in document_texts)
    question = estimate_tokens(task)
    price = price_of(model)
    if price is None:
        return CloudOnly(0.0, 1)  # unpriced_note says so
    if question + documents + BASELINE_ANSWER_TOKENS <= price.input_limit:
        return CloudOnly(cost_usd(model, question + documents, BASELINE_ANSWER_TOKENS), 1)
    room = price.input_limit - question - BASELINE_ANSWER_TOKENS - _CHUNKED_OVERHEAD_TOKENS
    parts = math.ceil(documents / max(1, room))
    per_part = question + _CHUNKED_OVERHEAD_TOKENS
    prompt = documents + parts * per_part + (per_part + parts * BASELINE_ANSWER_TOKENS)
    cost = cost_usd(model, prompt, (parts + 1) * BASELINE_ANSWER_TOKENS)
    note = (
        f"Cloud only could not read this in one request: the documents are about "
        f"{documents:,} tokens and {model} reads at most {price.input_limit:,}, so its cost is "
        f"estimated for {parts} requests over parts of them and one to combine their answers"
    )
    return CloudOnly(cost, parts + 1, note)


def cloud_only_cost_usd(model: str, task: str, document_texts: list[str]) -> float:
    """Estimated cost of asking the cloud model directly (see ``cloud_only``)."""
    return cloud_only(model, task, document_texts).cost_usd
