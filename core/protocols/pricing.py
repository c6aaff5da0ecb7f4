"""What cloud tokens cost: a price table per model, in US dollars per million tokens."""

from __future__ import annotations

from dataclasses import dataclass

from core.tokens import estimate_tokens


@dataclass(frozen=True, slots=True)
class Price:
    input_per_m: float  # dollars per 1M prompt tokens
    output_per_m: float  # dollars per 1M completion tokens


# Standard (non-batch, uncached) list prices of OpenAI's API.
PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4-turbo": Price(10.00, 30.00),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "o1": Price(15.00, 60.00),
    "o3": Price(2.00, 8.00),
    "o3-mini": Price(1.10, 4.40),
    "o4-mini": Price(1.10, 4.40),
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


def cloud_only_cost_usd(model: str, task: str, document_texts: list[str]) -> float:
    """Estimated cost of asking the cloud model directly, with the documents sent along."""
    prompt = estimate_tokens(task) + sum(estimate_tokens(text) for text in document_texts)
    return cost_usd(model, prompt, BASELINE_ANSWER_TOKENS)
