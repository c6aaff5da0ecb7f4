"""What the fakes say: a fake tokenizer, message text, schema placeholders, reply rendering."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any


def fake_token_count(text: str) -> int:
    """The fakes' tokenizer: ceil(chars / 4)."""
    return math.ceil(len(text) / 4)


def content_text(content: Any) -> str:
    """Text of a chat message content: a string, or OpenAI-style content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
        )
    return str(content)


def messages_text_len(messages: Iterable[Mapping[str, Any]]) -> int:
    return sum(len(content_text(m.get("content"))) for m in messages)


def messages_token_count(messages: Iterable[Mapping[str, Any]]) -> int:
    """Fake token count of a conversation: ceil(total content chars / 4)."""
    return math.ceil(messages_text_len(messages) / 4)


def last_user_text(messages: Iterable[Mapping[str, Any]]) -> str:
    text = ""
    for m in messages:
        if m.get("role") == "user":
            text = content_text(m.get("content"))
    return text


def split_chunks(text: str, size: int = 8) -> list[str]:
    """Split a reply into streaming pieces (never empty: '' yields no pieces)."""
    return [text[i : i + size] for i in range(0, len(text), size)]


# --------------------------------------------------------------------------- schemas


def placeholder_for_schema(schema: Any, defs: Mapping[str, Any] | None = None) -> Any:
    """A minimal JSON value that satisfies a (simple) JSON schema. Used by default responders."""
    if not isinstance(schema, dict):
        return {}
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return placeholder_for_schema(defs.get(name, {}), defs)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = schema[key]
            chosen = next((o for o in options if o.get("type") != "null"), options[0])
            return placeholder_for_schema(chosen, defs)
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties", {})
        return {name: placeholder_for_schema(sub, defs) for name, sub in props.items()}
    if kind == "array":
        return []
    if kind == "string":
        return "fake"
    if kind == "integer":
        return 0
    if kind == "number":
        return 0.0
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return {}


def render_reply(value: str | dict[str, Any] | list[Any]) -> str:
    """Responder output to assistant content: dict/list are JSON-encoded."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


# --------------------------------------------------------------------------- embeddings

EMBED_DIMENSIONS = 64


def fake_embedding(text: str, dimensions: int = EMBED_DIMENSIONS) -> list[float]:
    """A deterministic, L2-normalised embedding: hashed character trigrams of each word.

    Texts sharing words (or most of a misspelled word) get close vectors, which is all a
    ranking test needs from a model.
    """
    vector = [0.0] * dimensions
    for word in text.lower().split():
        word = "".join(ch for ch in word if ch.isalnum())
        padded = f"#{word}#"
        for i in range(len(padded) - 2):
            digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % dimensions] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]
