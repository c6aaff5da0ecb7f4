"""The supervisor's usual runtime: OpenAI or any OpenAI-compatible API (cloud or local server)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx2
import openai
from pydantic import BaseModel

from core.clients.base import (
    ChatResult,
    ClientError,
    ErrorKind,
    Message,
    ModelInfo,
    Pace,
    TokenCallback,
    Usage,
    paced,
    parse_structured,
    restart_stream,
    with_retries,
)
from core.privacy.endpoints import Seat, destination
from core.privacy.gate import EgressBlocked, EgressGate
from core.storage.secrets import scrub

DEFAULT_BASE_URL = "https://api.openai.com/v1"


T = TypeVar("T")


class OpenAIClient:
    """Chat through ``openai.AsyncOpenAI``; every egress request passes the gate.

    Built for the supervisor seat unless told otherwise: then every request is egress,
    even to 127.0.0.1, unless ``on_this_computer`` (the user's own word) says the
    endpoint is a model running here.
    """

    def __init__(
        self,
        model: str,
        gate: EgressGate,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        seat: Seat = Seat.SUPERVISOR,
        on_this_computer: bool = False,
        timeout: float = 120.0,
        wait: float = 60.0,
        attempts: int = 4,
        base_delay: float = 0.5,
    ) -> None:
        self.model = model
        self.endpoint = base_url
        self.destination = destination(seat, base_url, on_this_computer=on_this_computer)
        self.egress = self.destination.egress
        self._key = api_key
        # Used where a call leaves them open (the Python API's client-wide settings).
        self.temperature: float | None = None
        self.max_tokens: int | None = None
        # A streamed reply's first piece may take ``wait`` seconds, each next one half that.
        self.pace = Pace(first=wait, idle=max(5.0, wait / 2))
        self._attempts = attempts
        self._base_delay = base_delay
        self._schema_style = "json_schema"  # how this server wants structured output asked for
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            # Local servers ignore the key; the SDK insists on one being set.
            api_key=api_key or "no-key",
            max_retries=0,  # we retry ourselves so every attempt is visible and audited
            timeout=timeout,
            http_client=gate.http_client(httpx2, self.destination, timeout=timeout),
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def list_models(self) -> list[ModelInfo]:
        page = await self._call(self._client.models.list)
        return [ModelInfo(name=m.id) for m in page.data]

    async def context_limit(self) -> int | None:
        return None  # the API does not say; cloud models hold far more than we send

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
    ) -> ChatResult:
        max_tokens = self.max_tokens if max_tokens is None else max_tokens
        temperature = self.temperature if temperature is None else temperature
        # A proxy on this machine may hold the key itself; a remote host needs ours.
        if self.egress and not self.destination.loopback and not self._key:
            raise ClientError(
                ErrorKind.NO_KEY,
                "No cloud API key is set",
                hint="add one in Settings or set OPENAI_API_KEY; local-only still works",
            )
        kwargs: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        if max_tokens:
            kwargs["max_tokens"] = max_tokens
        if temperature is not None:
            kwargs["temperature"] = temperature

        async def attempt() -> ChatResult:
            if schema is None:
                return await send()
            kwargs["response_format"] = _response_format(schema, self._schema_style)
            try:
                return await send()
            except ClientError as exc:
                # llama.cpp's server and some others only know {"type": "json_object",
                # "schema": ...}; switch once and remember.
                if self._schema_style == "json_schema" and "json_schema" in exc.detail:
                    self._schema_style = "json_object"
                    kwargs["response_format"] = _response_format(schema, self._schema_style)
                    return await send()
                raise

        async def send() -> ChatResult:
            if on_token is None:
                reply = await self._call(lambda: self._client.chat.completions.create(**kwargs))
                choice = reply.choices[0]
                usage = reply.usage
                return ChatResult(
                    choice.message.content or "",
                    Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
                    choice.finish_reason or "stop",
                    reply.model or self.model,
                )
            return await self._call(lambda: self._stream(kwargs, on_token))

        result = await with_retries(attempt, attempts=self._attempts, base_delay=self._base_delay)
        if schema is not None:
            result.parsed = parse_structured(result.text, schema)
        return result

    async def _stream(self, kwargs: dict[str, Any], on_token: TokenCallback) -> ChatResult:
        restart_stream(on_token)
        started = asyncio.get_running_loop().time()
        try:
            stream = await asyncio.wait_for(
                self._client.chat.completions.create(
                    **kwargs, stream=True, stream_options={"include_usage": True}
                ),
                self.pace.first,
            )
        except TimeoutError:
            raise ClientError(
                ErrorKind.TIMEOUT,
                f"{self._where} sent nothing for {self.pace.first:.0f} s",
                hint="it may be overloaded or stuck; try again, or give it longer in Settings",
            ) from None
        left = max(1.0, self.pace.first - (asyncio.get_running_loop().time() - started))
        parts: list[str] = []
        usage, finish, model = Usage(), "stop", self.model
        try:
            async for chunk in paced(stream, Pace(left, self.pace.idle), self._where):
                model = chunk.model or model
                if chunk.usage:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    piece = choice.delta.content or ""
                    if piece:
                        parts.append(piece)
                        on_token(piece)
                    finish = choice.finish_reason or finish
        finally:
            await stream.close()  # a reply we gave up on must not hold its connection
        return ChatResult("".join(parts), usage, finish, model)

    async def _call(self, fn: Callable[[], Awaitable[T]]) -> T:
        try:
            return await fn()
        except EgressBlocked as exc:
            raise ClientError(ErrorKind.BLOCKED, exc.message, hint=exc.hint) from None
        except openai.APIStatusError as exc:
            raise self._status_error(exc) from None
        except openai.APITimeoutError:
            raise ClientError(ErrorKind.TIMEOUT, f"{self._where} did not answer in time") from None
        except openai.APIConnectionError as exc:
            blocked = _find_cause(exc, EgressBlocked)
            if blocked is not None:
                raise ClientError(ErrorKind.BLOCKED, blocked.message, hint=blocked.hint) from None
            raise ClientError(
                ErrorKind.UNREACHABLE,
                f"Cannot connect to {self._where}",
                hint="check the base URL in Settings and your network",
            ) from None

    @property
    def _where(self) -> str:
        return f"the model server at {self.endpoint}"

    def _status_error(self, exc: openai.APIStatusError) -> ClientError:
        error = self._classify(exc)
        error.detail = scrub(_error_message(exc), self._key)[:500]
        return error

    def _classify(self, exc: openai.APIStatusError) -> ClientError:
        status = exc.status_code
        detail = scrub(_error_message(exc), self._key)
        if status in (401, 403):
            return ClientError(
                ErrorKind.AUTH,
                f"{self._where} rejected the API key ({status})",
                status=status,
                hint="enter a valid key in Settings",
            )
        if status == 404:
            return ClientError(
                ErrorKind.MODEL_MISSING,
                f"{self._where} does not offer the model {self.model}",
                status=status,
                hint="pick another model in Settings",
            )
        if status == 429:
            return ClientError(
                ErrorKind.RATE_LIMITED,
                f"{self._where} is rate limiting requests",
                status=status,
                hint=detail,
                retry_after=_retry_after(exc),
            )
        if status >= 500:
            return ClientError(ErrorKind.SERVER, f"{self._where} failed ({status})", status=status)
        kind = ErrorKind.CONTEXT_OVERFLOW if "context" in detail.lower() else ErrorKind.BAD_REQUEST
        return ClientError(
            kind, f"{self._where} refused the request ({status}): {detail}", status=status
        )


def _response_format(schema: type[BaseModel], style: str) -> dict[str, Any]:
    if style == "json_object":
        return {"type": "json_object", "schema": schema.model_json_schema()}
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
    }


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else None
        if isinstance(message, str):
            return message
    return str(exc.message)


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        return min(30.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _find_cause(exc: BaseException, kind: type[EgressBlocked]) -> EgressBlocked | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
