"""A wire-faithful fake of the Ollama REST API (the subset Minions Desktop uses).

Routes: GET /api/version, GET /api/tags, POST /api/show, GET /api/ps, POST /api/chat
(NDJSON streaming or a single JSON object), POST /api/embed (deterministic vectors, see
``fake_embedding``; only for a model whose name says it embeds, as a chat model would
be refused by the real server). Context handling follows the real server:
the effective context is `options.num_ctx` (clamped to the model's trained length) or
the server default; a longer prompt is truncated from the start and reported with
`prompt_eval_count == effective context`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.fakes._content import (
    content_text,
    fake_embedding,
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

DEFAULT_MODELS: dict[str, int] = {"llama3.2:3b": 131072}

_ARCH_PREFIXES: tuple[tuple[str, str], ...] = (
    ("llama", "llama"),
    ("mistral", "llama"),
    ("qwen3", "qwen3"),
    ("qwen", "qwen2"),
    ("gemma3", "gemma3"),
    ("gemma", "gemma2"),
    ("phi", "phi3"),
    ("smollm", "llama"),
)


def architecture_for(model: str) -> str:
    base = model.rsplit("/", 1)[-1].lower()
    for prefix, arch in _ARCH_PREFIXES:
        if base.startswith(prefix):
            return arch
    return "llama"


def _now_rfc3339(dt: datetime | None = None) -> str:
    return (dt or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(model: str) -> str:
    return hashlib.sha256(model.encode()).hexdigest()


def default_ollama_responder(request_json: dict[str, Any]) -> str | dict[str, Any] | list[Any]:
    """Deterministic reply: schema placeholder for `format`, else an echo of the question."""
    fmt = request_json.get("format")
    if isinstance(fmt, dict):
        return placeholder_for_schema(fmt)
    if fmt == "json":
        return {}
    question = last_user_text(request_json.get("messages") or [])
    return f"Fake answer to: {question[:80]}"


def truncate_messages(messages: list[dict[str, Any]], max_tokens: int) -> list[dict[str, Any]]:
    """Keep the last `max_tokens * 4` characters of content, dropping the start."""
    budget = max_tokens * 4
    kept: list[dict[str, Any]] = []
    for message in reversed(messages):
        text = content_text(message.get("content"))
        if budget <= 0:
            break
        if len(text) > budget:
            kept.append({**message, "content": text[-budget:]})
            budget = 0
        else:
            kept.append(message)
            budget -= len(text)
    kept.reverse()
    return kept


class OllamaFake(FakeServer):
    """Fake Ollama server. Configure `models`, `default_num_ctx`, `responder`, ..."""

    name = "ollama-fake"

    def __init__(
        self,
        models: dict[str, int] | None = None,
        default_num_ctx: int = 4096,
        version: str = "0.12.6",
    ) -> None:
        super().__init__()
        self.models: dict[str, int] = dict(models if models is not None else DEFAULT_MODELS)
        self.default_num_ctx = default_num_ctx
        self.version = version
        self.truncated_requests = 0
        self.loaded: dict[str, int] = {}  # model -> context length it was last run with

    # ----------------------------------------------------------------- helpers

    def resolve_model(self, name: str) -> str | None:
        """Exact name, or `name:latest` like Ollama does for an untagged name."""
        if name in self.models:
            return name
        if ":" not in name and f"{name}:latest" in self.models:
            return f"{name}:latest"
        return None

    def effective_num_ctx(self, model: str, options: dict[str, Any] | None) -> int:
        requested = (options or {}).get("num_ctx")
        ctx = int(requested) if requested else self.default_num_ctx
        trained = self.models.get(model)
        return min(ctx, trained) if trained else ctx

    def _error_body(self, status: int) -> dict[str, Any]:
        messages = {
            400: "bad request",
            404: "not found",
            429: "server busy, please try again.  maximum pending requests exceeded",
            500: "llama runner process has terminated: exit status 2",
            503: "server overloaded, please try again later",
        }
        return {"error": messages.get(status, f"fake error {status}")}

    def _details(self, model: str) -> dict[str, Any]:
        arch = architecture_for(model)
        return {
            "parent_model": "",
            "format": "gguf",
            "family": arch,
            "families": [arch],
            "parameter_size": "3.2B",
            "quantization_level": "Q4_K_M",
        }

    # ----------------------------------------------------------------- routes

    def _routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self._root),
            web.get("/api/version", self._version),
            web.get("/api/tags", self._tags),
            web.post("/api/show", self._show),
            web.get("/api/ps", self._ps),
            web.post("/api/chat", self._chat),
            web.post("/api/embed", self._embed),
        ]

    async def _root(self, request: web.Request) -> web.Response:
        return web.Response(text="Ollama is running")

    async def _version(self, request: web.Request) -> web.Response:
        return web.json_response({"version": self.version})

    async def _tags(self, request: web.Request) -> web.Response:
        models = [
            {
                "name": name,
                "model": name,
                "modified_at": "2025-01-01T00:00:00.000000000Z",
                "size": 2_019_393_189,
                "digest": _digest(name),
                "details": self._details(name),
            }
            for name in self.models
        ]
        return web.json_response({"models": models})

    async def _show(self, request: web.Request) -> web.Response:
        payload = request[RECORD_KEY].json or {}
        name = str(payload.get("model") or payload.get("name") or "")
        model = self.resolve_model(name)
        if model is None:
            return web.json_response({"error": f"model '{name}' not found"}, status=404)
        arch = architecture_for(model)
        return web.json_response(
            {
                "license": "FAKE LICENSE",
                "modelfile": f"# Modelfile generated by the fake\nFROM {model}\n",
                "parameters": 'stop                           "<|eot_id|>"',
                "template": "{{ .System }}\n{{ .Prompt }}",
                "details": self._details(model),
                "model_info": {
                    "general.architecture": arch,
                    "general.basename": model.split(":", 1)[0],
                    "general.parameter_count": 3_212_749_888,
                    f"{arch}.context_length": self.models[model],
                    f"{arch}.embedding_length": 3072,
                    f"{arch}.block_count": 28,
                },
                "capabilities": ["completion", "tools"],
                "modified_at": "2025-01-01T00:00:00.000000000Z",
            }
        )

    async def _ps(self, request: web.Request) -> web.Response:
        expires = _now_rfc3339(datetime.now(UTC) + timedelta(minutes=5))
        models = [
            {
                "name": name,
                "model": name,
                "size": 3_000_000_000,
                "digest": _digest(name),
                "details": self._details(name),
                "expires_at": expires,
                "size_vram": 3_000_000_000,
                "context_length": ctx,
            }
            for name, ctx in self.loaded.items()
        ]
        return web.json_response({"models": models})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter_ns()
        payload = request[RECORD_KEY].json
        if not isinstance(payload, dict):
            return web.json_response({"error": "invalid JSON request body"}, status=400)
        name = str(payload.get("model") or "")
        if not name:
            return web.json_response({"error": "model is required"}, status=400)
        model = self.resolve_model(name)
        if model is None:
            return web.json_response(
                {"error": f'model "{name}" not found, try pulling it first'}, status=404
            )
        failure = await self._pre_chat()
        if failure is not None:
            return self._error_response(failure)

        async with self._slot():
            if self.latency:
                await asyncio.sleep(self.latency)
            messages = list(payload.get("messages") or [])
            num_ctx = self.effective_num_ctx(model, payload.get("options"))
            self.loaded[model] = num_ctx
            prompt_tokens = messages_token_count(messages)
            seen = payload
            if prompt_tokens > num_ctx:
                self.truncated_requests += 1
                prompt_tokens = num_ctx
                seen = {**payload, "messages": truncate_messages(messages, num_ctx)}
            try:
                content = self._respond(seen, default_ollama_responder)
            except FakeHTTPError as err:
                return self._error_response(err)

            done_reason = "stop"
            num_predict = (payload.get("options") or {}).get("num_predict")
            if num_predict is not None and int(num_predict) >= 0:
                limit = int(num_predict) * 4
                if len(content) > limit:
                    content, done_reason = content[:limit], "length"
            eval_count = fake_token_count(content)

            def final(**extra: Any) -> dict[str, Any]:
                load, prompt_ns, eval_ns = (
                    1_000_000,
                    prompt_tokens * 100_000,
                    eval_count * 1_000_000,
                )
                total = max(time.perf_counter_ns() - started, load + prompt_ns + eval_ns)
                return {
                    "model": name,
                    "created_at": _now_rfc3339(),
                    **extra,
                    "done": True,
                    "done_reason": done_reason,
                    "total_duration": total,
                    "load_duration": load,
                    "prompt_eval_count": prompt_tokens,
                    "prompt_eval_duration": prompt_ns,
                    "eval_count": eval_count,
                    "eval_duration": eval_ns,
                }

            if payload.get("stream", True) is False:
                message = {"role": "assistant", "content": content}
                return web.json_response(final(message=message))
            return await self._stream(request, name, content, final)

    async def _embed(self, request: web.Request) -> web.Response:
        started = time.perf_counter_ns()
        payload = request[RECORD_KEY].json
        if not isinstance(payload, dict):
            return web.json_response({"error": "invalid JSON request body"}, status=400)
        name = str(payload.get("model") or "")
        model = self.resolve_model(name)
        if model is None:
            return web.json_response(
                {"error": f'model "{name}" not found, try pulling it first'}, status=404
            )
        if "embed" not in model and "minilm" not in model:
            return web.json_response({"error": f'"{name}" does not support embeddings'}, status=400)
        failure = await self._pre_chat()
        if failure is not None:
            return self._error_response(failure)
        raw = payload.get("input", "")
        texts = [raw] if isinstance(raw, str) else [str(t) for t in raw]
        async with self._slot():
            if self.latency:
                await asyncio.sleep(self.latency)
            return web.json_response(
                {
                    "model": name,
                    "embeddings": [fake_embedding(text) for text in texts],
                    "total_duration": time.perf_counter_ns() - started,
                    "load_duration": 1_000_000,
                    "prompt_eval_count": sum(fake_token_count(text) for text in texts),
                }
            )

    async def _stream(
        self,
        request: web.Request,
        model: str,
        content: str,
        final: Any,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        for piece in split_chunks(content):
            line = {
                "model": model,
                "created_at": _now_rfc3339(),
                "message": {"role": "assistant", "content": piece},
                "done": False,
            }
            await response.write(json.dumps(line).encode() + b"\n")
            if self.stream_chunk_delay:
                await asyncio.sleep(self.stream_chunk_delay)
        last = final(message={"role": "assistant", "content": ""})
        await response.write(json.dumps(last).encode() + b"\n")
        await response.write_eof()
        return response
