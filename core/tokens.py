"""The one token estimate used everywhere (tiktoken needs a download, so we count characters)."""

from __future__ import annotations

import math
from collections.abc import Iterable

# English prose averages about 4 characters per token for GPT- and Llama-family
# tokenizers; code and numbers run denser, so we lean a little conservative.
CHARS_PER_TOKEN = 3.6


def estimate_tokens(text: str) -> int:
    """Estimated token count of ``text``; never zero for non-empty text."""
    if not text:
        return 0
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def estimate_message_tokens(messages: Iterable[dict[str, str]]) -> int:
    """Estimated prompt tokens of a chat, counting a few tokens of framing per message."""
    return sum(estimate_tokens(m.get("content", "")) + 4 for m in messages) + 2
