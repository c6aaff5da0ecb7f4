"""A chat request body as the messages a person reads, tied back to the bytes that left.

Provenance spans are offsets into the body as sent (JSON, with its escapes). To
highlight them in a message's decoded text, each decoded character keeps the offset
in the body where its JSON form starts.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

_PLAIN = re.compile(r'[^"\\]+')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    text: str
    offsets: tuple[int, ...]  # offsets[i]: where character i starts in the body; one extra at end

    def to_text(self, start: int, end: int) -> tuple[int, int]:
        """A span of body offsets as a span of this message's text (empty when outside it)."""
        lo = bisect_left(self.offsets, start, hi=len(self.text))
        hi = bisect_left(self.offsets, end, hi=len(self.text))
        return lo, max(lo, hi)


@dataclass(frozen=True, slots=True)
class Highlight:
    start: int  # in the message's text
    end: int
    span: dict[str, Any]  # the provenance span as stored in the record's meta


class _Located(str):
    """A decoded JSON string that remembers where each of its characters came from."""

    offsets: tuple[int, ...]


def read_messages(body: str) -> list[Message] | None:
    """The request's messages (OpenAI or Ollama chat), or None when the body is not one."""
    try:
        value, _ = _Parser(body).value(_skip(body, 0))
    except (ValueError, IndexError, KeyError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("messages"), list):
        return None
    messages = []
    for item in value["messages"]:
        if not isinstance(item, dict):
            continue
        role = str(item.get("role", ""))
        content = item.get("content")
        parts = content if isinstance(content, list) else [content]
        for part in parts:
            if isinstance(part, dict):
                part = part.get("text")
            if isinstance(part, _Located):
                messages.append(Message(role, str(part), part.offsets))
    return messages


def highlights(message: Message, spans: list[dict[str, Any]]) -> list[Highlight]:
    """The record's provenance spans that fall in this message, in its own offsets."""
    found = []
    for span in spans:
        start, end = message.to_text(int(span["start"]), int(span["end"]))
        if end > start:
            found.append(Highlight(start, end, span))
    return sorted(found, key=lambda mark: mark.start)


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


class _Parser:
    """Just enough JSON to walk a request body; strings come back located."""

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self, at: int) -> tuple[Any, int]:
        text = self.text
        ch = text[at]
        if ch == "{":
            result: dict[str, Any] = {}
            at = _skip(text, at + 1)
            if text[at] == "}":
                return result, at + 1
            while True:
                key, at = self.string(at)
                at = _skip(text, at)
                if text[at] != ":":
                    raise ValueError("expected ':'")
                result[str(key)], at = self.value(_skip(text, at + 1))
                at = _skip(text, at)
                if text[at] == "}":
                    return result, at + 1
                if text[at] != ",":
                    raise ValueError("expected ','")
                at = _skip(text, at + 1)
        if ch == "[":
            items: list[Any] = []
            at = _skip(text, at + 1)
            if text[at] == "]":
                return items, at + 1
            while True:
                item, at = self.value(at)
                items.append(item)
                at = _skip(text, at)
                if text[at] == "]":
                    return items, at + 1
                if text[at] != ",":
                    raise ValueError("expected ','")
                at = _skip(text, at + 1)
        if ch == '"':
            return self.string(at)
        for word, meaning in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, at):
                return meaning, at + len(word)
        number = _NUMBER.match(text, at)
        if number is None:
            raise ValueError(f"unexpected {ch!r}")
        return float(number.group()), number.end()

    def string(self, at: int) -> tuple[_Located, int]:
        text = self.text
        if text[at] != '"':
            raise ValueError("expected a string")
        at += 1
        chars: list[str] = []
        offsets: list[int] = []
        while True:
            plain = _PLAIN.match(text, at)
            if plain is not None:
                chars.append(plain.group())
                offsets.extend(range(at, plain.end()))
                at = plain.end()
            ch = text[at]
            if ch == '"':
                break
            escape = text[at + 1]
            if escape == "u":
                code, size = int(text[at + 2 : at + 6], 16), 6
                if 0xD800 <= code < 0xDC00 and text.startswith("\\u", at + 6):
                    low = int(text[at + 8 : at + 12], 16)
                    code, size = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), 12
                chars.append(chr(code))
            else:
                chars.append(_ESCAPES[escape])
                size = 2
            offsets.append(at)
            at += size
        located = _Located("".join(chars))
        located.offsets = (*offsets, at)
        return located, at + 1
