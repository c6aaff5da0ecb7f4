"""Streaming one field of a structured reply as the model writes it.

The final turns stay structured (JSON against a schema), so a reply is validated as a
whole; while it arrives, :class:`FieldStream` decodes the characters of one top-level
string field (the answer) and hands them on. A ``gate`` (key, value) holds the field
back until that key has the value, e.g. ``("decision", "answer")`` in a synthesis that
may instead ask for another round.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True, slots=True)
class StreamField:
    """Which field of a structured reply is the answer, and when it counts as one."""

    field: str
    gate: tuple[str, str] | None = None


class FieldStream:
    """Feed it the raw JSON text in pieces; it emits the decoded text of one field."""

    def __init__(self, spec: StreamField, emit: Callable[[str], None]) -> None:
        self._spec = spec
        self._emit = emit
        self._depth = 0
        self._in_string = False
        self._escape = ""  # a pending escape sequence ("\\", "\\u00")
        self._high = ""  # the first half of a surrogate pair ("\\ud83d"), until the second
        self._string: list[str] = []  # the string being read, when it is a key or value we track
        self._key: str | None = None  # the top-level key whose value comes next
        self._expect_key = False
        self._reading: str | None = None  # "key", "field", "gate" or None (skipped)
        self._gate_value: str | None = None
        self._held: list[str] = []  # field text written before the gate was known
        self._out: list[str] = []  # decoded this feed, handed on at its end
        self.emitted = 0  # characters handed on so far

    def feed(self, text: str) -> None:
        self._scan(text)
        if self._out:
            piece = "".join(self._out)
            self._out = []
            self.emitted += len(piece)
            self._emit(piece)

    def _scan(self, text: str) -> None:
        for ch in text:
            if self._in_string:
                self._string_char(ch)
            elif ch == '"':
                self._open_string()
            elif ch in "{[":
                self._depth += 1
                self._expect_key = ch == "{" and self._depth == 1
            elif ch in "}]":
                self._depth -= 1
            elif ch == "," and self._depth == 1:
                self._expect_key = True
                self._key = None
            elif ch == ":" and self._depth == 1:
                self._expect_key = False

    def _open_string(self) -> None:
        self._in_string = True
        self._string = []
        if self._depth != 1:
            self._reading = None
        elif self._expect_key:
            self._reading = "key"
        elif self._key == self._spec.field:
            self._reading = "field"
        elif self._spec.gate is not None and self._key == self._spec.gate[0]:
            self._reading = "gate"
        else:
            self._reading = None

    def _string_char(self, ch: str) -> None:
        if self._escape:
            self._escape += ch
            if self._escape[1] == "u" and len(self._escape) < 6:
                return
            sequence, self._escape = self._escape, ""
            if _is_high_surrogate(sequence):
                self._high = sequence
                return
            if self._high:
                sequence, self._high = self._high + sequence, ""
            self._char(_decode_escape(sequence))
        elif ch == "\\":
            self._escape = "\\"
        elif ch == '"':
            self._close_string()
        else:
            self._char(ch)

    def _char(self, ch: str) -> None:
        if self._reading == "field":
            self._field_text(ch)
        elif self._reading is not None:
            self._string.append(ch)

    def _close_string(self) -> None:
        self._in_string = False
        value = "".join(self._string)
        if self._reading == "key":
            self._key = value
        elif self._reading == "gate":
            self._gate_value = value
            if self._open() and self._held:
                self._send("".join(self._held))
            self._held = []
        self._reading = None

    def _field_text(self, ch: str) -> None:
        if self._spec.gate is None or self._open():
            self._send(ch)
        elif self._gate_value is None:
            self._held.append(ch)

    def _open(self) -> bool:
        return self._spec.gate is None or self._gate_value == self._spec.gate[1]

    def _send(self, text: str) -> None:
        self._out.append(text)


def _is_high_surrogate(seq: str) -> bool:
    return seq[1] == "u" and seq[2:4].lower() in ("d8", "d9", "da", "db")


def _decode_escape(seq: str) -> str:
    """The text of one complete escape sequence (a surrogate pair is two, together)."""
    if seq[1] != "u":
        return _ESCAPES.get(seq[1], seq[1])
    try:
        decoded: str = json.loads(f'"{seq}"')
    except ValueError:
        return "\ufffd"  # junk: show a replacement mark
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class TokenSink:
    """What a client calls with each streamed piece; ``restart`` before a retried attempt.

    Clients call ``restart`` at the start of every streaming attempt; only one that
    follows pieces already handed on tells the listener to drop them.
    """

    def __init__(
        self, stream: FieldStream | None, on_restart: Callable[[], None] | None = None
    ) -> None:
        self._stream = stream
        self._on_restart = on_restart
        self._spec = stream._spec if stream is not None else None
        self._emit = stream._emit if stream is not None else None
        self._fed = False

    def __call__(self, piece: str) -> None:
        self._fed = True
        if self._stream is not None:
            self._stream.feed(piece)

    def restart(self) -> None:
        if not self._fed:
            return
        self._fed = False
        if self._stream is not None and self._spec is not None and self._emit is not None:
            if self._stream.emitted and self._on_restart is not None:
                self._on_restart()
            self._stream = FieldStream(self._spec, self._emit)
