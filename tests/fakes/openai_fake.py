"""A wire-faithful fake of the OpenAI chat completions API.

Routes (each also without the /v1 prefix, for clients whose base_url is the bare
host): POST /v1/chat/completions (JSON or SSE `data: {...}` chunks ending with
`data: [DONE]`), GET /v1/models. Every route requires `Authorization: Bearer <api_key>`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from aiohttp import web

from tests.fakes._content import (
    fake_token_count,
    last_user_text,
    messages_token_count,
    placeholder_for_schema,
    split_chunks,
)
from tests.fakes._server import (
    RECORD_KEY,
    FakeHTTPError,
    FakeServer,
)

DEFAULT_API_KEY = "sk-test-fake"
DEFAULT_MODELS: tuple[str, ...] = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini")


def openai_error(
    message: str, type_: str = "invalid_request_error", code: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def default_openai_responder(request_json: dict[str, Any]) -> str | dict[str, Any] | list[Any]:
    """Deterministic reply: schema placeholder for `response_format`, else an echo."""
    fmt = request_json.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return placeholder_for_schema((fmt.get("json_schema") or {}).get("schema") or {})
    if fmt.get("type") == "json_object":
        return {}
    question = last_user_text(request_json.get("messages") or [])
    return f"Fake answer to: {question[:80]}"


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


class OpenAIFake(FakeServer):
    """Fake OpenAI API. Configure `api_key`, `models`, `reject_unknown_models`, ..."""

    name = "openai-fake"

    def __init__(self, api_key: str = DEFAULT_API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self.models: list[str] = list(DEFAULT_MODELS)
        self.reject_unknown_models = False

    def _error_body(self, status: int) -> dict[str, Any]:
        if status == 429:
            return openai_error(
                "Rate limit reached for requests. Please try again in 1s.",
                "requests",
                "rate_limit_exceeded",
            )
        if status == 401:
            return openai_error("Incorrect API key provided.", code="invalid_api_key")
        if status >= 500:
            return openai_error(
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
            )
        return openai_error(f"fake error {status}")

    # ----------------------------------------------------------------- routes

    def _routes(self) -> list[web.RouteDef]:
        routes: list[web.RouteDef] = []
        for prefix in ("/v1", ""):
            routes.append(web.post(f"{prefix}/chat/completions", self._chat))
            routes.append(web.get(f"{prefix}/models", self._models))
        return routes

    def _check_auth(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            body = openai_error(
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                code="invalid_api_key",
            )
            return web.json_response(body, status=401)
        key = header[7:].strip()
        if key != self.api_key:
            shown = f"{key[:3]}*****{key[-4:]}" if len(key) > 8 else key
            body = openai_error(
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
            return web.json_response(body, status=401)
        return None

    async def _models(self, request: web.Request) -> web.Response:
        if (denied := self._check_auth(request)) is not None:
            return denied
        data = [
            {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "system"}
            for m in self.models
        ]
        return web.json_response({"object": "list", "data": data})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._check_auth(request)) is not None:
            return denied
        payload = request[RECORD_KEY].json
        if not isinstance(payload, dict):
            body = openai_error("We could not parse the JSON body of your request.")
            return web.json_response(body, status=400)
        model = str(payload.get("model") or "")
        if not model:
            return web.json_response(openai_error("you must provide a model parameter"), 400)
        if self.reject_unknown_models and model not in self.models:
            body = openai_error(
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
            return web.json_response(body, status=404)
        failure = await self._pre_chat()
        if failure is not None:
            return self._error_response(failure)

        async with self._slot():
            if self.latency:
                await asyncio.sleep(self.latency)
            try:
                content = self._respond(payload, default_openai_responder)
            except FakeHTTPError as err:
                return self._error_response(err)
            finish_reason = "stop"
            limit = payload.get("max_completion_tokens") or payload.get("max_tokens")
            if limit is not None and len(content) > int(limit) * 4:
                content, finish_reason = content[: int(limit) * 4], "length"
            prompt_tokens = messages_token_count(payload.get("messages") or [])
            usage = _usage(prompt_tokens, fake_token_count(content))
            completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
            headers = {"x-request-id": f"req_{uuid.uuid4().hex}", "openai-processing-ms": "1"}
            if payload.get("stream"):
                include_usage = bool((payload.get("stream_options") or {}).get("include_usage"))
                return await self._stream(
                    request,
                    headers,
                    completion_id,
                    model,
                    content,
                    finish_reason,
                    usage if include_usage else None,
                )
            body = {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": content,
                            "refusal": None,
                            "annotations": [],
                        },
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": usage,
                "service_tier": "default",
                "system_fingerprint": "fp_fake",
            }
            return web.json_response(body, headers=headers)

    async def _stream(
        self,
        request: web.Request,
        headers: dict[str, str],
        completion_id: str,
        model: str,
        content: str,
        finish_reason: str,
        usage: dict[str, Any] | None,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={**headers, "Content-Type": "text/event-stream; charset=utf-8"}
        )
        await response.prepare(request)
        created = int(time.time())

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            data = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "service_tier": "default",
                "system_fingerprint": "fp_fake",
                "choices": choices,
                **extra,
            }
            if usage is not None and "usage" not in extra:
                data["usage"] = None
            return f"data: {json.dumps(data)}\n\n".encode()

        def delta(d: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
            return [{"index": 0, "delta": d, "logprobs": None, "finish_reason": finish}]

        await response.write(chunk(delta({"role": "assistant", "content": "", "refusal": None})))
        for piece in split_chunks(content):
            await response.write(chunk(delta({"content": piece})))
            if self.stream_chunk_delay:
                await asyncio.sleep(self.stream_chunk_delay)
        await response.write(chunk(delta({}, finish_reason)))
        if usage is not None:
            await response.write(chunk([], usage=usage))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response
