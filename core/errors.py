"""One error vocabulary: every error that reaches the window or the command line.

Each carries a typed :class:`ErrorKind`, one sentence saying what happened, and a hint
saying what the user can do. The window and the CLI decide what to show by kind,
never by the words of a message.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    # A model server or the cloud
    UNREACHABLE = "unreachable"  # server not running / connection refused
    MODEL_MISSING = "model_missing"
    NO_KEY = "no_key"  # no cloud key is set (nothing was sent)
    AUTH = "auth"  # the server rejected the key
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    SERVER = "server"  # 5xx after retries
    BAD_REQUEST = "bad_request"
    CONTEXT_OVERFLOW = "context_overflow"  # prompt cannot fit the model's maximum context
    TRUNCATED = "truncated"  # the server cut the prompt anyway
    INVALID_OUTPUT = "invalid_output"  # structured output did not validate
    BLOCKED = "blocked"  # the egress gate (or the user) refused to let it leave
    # A run
    NO_DOCUMENTS = "no_documents"
    BUDGET = "budget"  # the next cloud call would pass the question's budget
    JOBS_FAILED = "jobs_failed"  # every local job failed
    DECLINED = "declined"  # the user chose not to start a long run
    CANCELLED = "cancelled"
    INTERNAL = "internal"  # a bug, reported as a failed run
    # A file
    EMPTY = "empty"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    BAD_PASSWORD = "bad_password"
    SCANNED = "scanned"
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"
    UNSUPPORTED = "unsupported"
    BINARY = "binary"
    # This computer
    KEYRING = "keyring"  # no OS keyring works
    USAGE = "usage"  # a command line that cannot be carried out as written


class MinionsError(Exception):
    """What went wrong (``kind``), in one sentence (``message``), and what to do (``hint``)."""

    def __init__(self, kind: ErrorKind | str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
