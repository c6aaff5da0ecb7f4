"""The one chat-client interface shared by the worker and supervisor seats."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from core.errors import ErrorKind as ErrorKind  # re-exported: the clients' callers use it
from core.errors import MinionsError

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
TokenCallback = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class ChatResult:
    text: str
    usage: Usage
    stop_reason: str  # "stop", "length", ...
    model: str
    parsed: BaseModel | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    context_length: int | None = None
    size_bytes: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


class ClientError(MinionsError):
    """Every failure of a chat client, with what kind it is and what the user can do."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        hint: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(kind, message, hint)
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait, if it said
        self.detail = ""  # the server's own words, secrets removed, for logs and fallbacks


RETRYABLE = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.TIMEOUT, ErrorKind.SERVER})
TIMEOUT_ATTEMPTS = 2  # a server that went quiet is given one more chance, not four


@dataclass(frozen=True, slots=True)
class Pace:
    """How long a streamed reply may keep us waiting: for its first piece, then between pieces.

    A long answer has all the time it needs as long as it keeps coming; a server that
    accepts a request and never answers is reported within ``first`` seconds.
    """

    first: float
    idle: float


async def paced(pieces: AsyncIterable[T], pace: Pace, where: str) -> AsyncIterator[T]:
    """``pieces``, failing with a TIMEOUT ``ClientError`` when the server goes quiet."""
    iterator = aiter(pieces)
    wait = pace.first
    while True:
        try:
            piece = await asyncio.wait_for(anext(iterator), wait)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise ClientError(
                ErrorKind.TIMEOUT,
                f"{where} sent nothing for {wait:.0f} s",
                hint="it may be overloaded or stuck; try again, or give it longer in Settings",
            ) from None
        wait = pace.idle
        yield piece


def restart_stream(on_token: TokenCallback | None) -> None:
    """Tell a token listener that a new attempt starts (it drops a half-streamed reply)."""
    restart = getattr(on_token, "restart", None)
    if callable(restart):
        restart()


@runtime_checkable
class ChatClient(Protocol):
    """A model behind some runtime.

    ``egress`` is decided once, when the client is built (see core.privacy.endpoints):
    True when its requests leave this machine. That one flag drives the gate,
    redaction, never-send, the cloud budget and every "sent off this computer" figure.
    """

    model: str
    endpoint: str
    egress: bool

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
    ) -> ChatResult: ...

    async def list_models(self) -> list[ModelInfo]: ...

    async def context_limit(self) -> int | None: ...

    async def aclose(self) -> None: ...


def parse_structured(text: str, schema: type[BaseModel]) -> BaseModel:
    """Validate a model's JSON reply; tolerate a Markdown fence around it."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`")
        body = body.split("\n", 1)[1] if "\n" in body else body
    try:
        return schema.model_validate_json(body)
    except ValidationError:
        start, end = body.find("{"), body.rfind("}")
        if start != -1 and end > start:
            try:
                return schema.model_validate(json.loads(body[start : end + 1]))
            except (ValidationError, ValueError):
                pass
        raise ClientError(
            ErrorKind.INVALID_OUTPUT,
            f"The model's reply is not valid {schema.__name__} JSON",
            hint=body[:120],
        ) from None


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = 4,
    base_delay: float = 0.5,
    max_delay: float = 8.0,
) -> T:
    """Run ``call``, retrying rate limits, timeouts and server errors with jittered backoff."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except ClientError as exc:
            if exc.kind not in RETRYABLE or attempt == attempts:
                raise
            if exc.kind is ErrorKind.TIMEOUT and attempt >= TIMEOUT_ATTEMPTS:
                raise
            backoff = base_delay * 2 ** (attempt - 1)
            delay = exc.retry_after if exc.retry_after is not None else backoff
            await asyncio.sleep(min(max_delay, delay) * (0.8 + 0.4 * random.random()))
    raise AssertionError("unreachable")
