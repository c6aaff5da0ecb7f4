"""Shared machinery for the HTTP fakes.

`BackgroundServer` runs an aiohttp application on 127.0.0.1 (ephemeral port) in a
daemon thread with its own event loop, so a fake can be driven from sync tests,
async tests (any loop) and standalone scripts alike.

`FakeServer` is the base class of the Ollama and OpenAI fakes: request recording,
responder, latency, bounded parallelism, queued failures and hangs, go_down/come_back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from tests.fakes._content import render_reply

T = TypeVar("T")

Responder = Callable[[dict[str, Any]], "str | dict[str, Any] | list[Any]"]
OnReceive = Callable[["RecordedRequest"], None]

HOST = "127.0.0.1"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request exactly as the fake received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # keys lower-cased
    raw_headers: tuple[tuple[str, str], ...]  # order and case as sent
    body: bytes
    json: Any | None
    received_ns: int


class FakeHTTPError(Exception):
    """Raise from a responder (or queue with `fail_next`) to send an HTTP error."""

    def __init__(
        self,
        status: int,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"fake HTTP {status}")
        self.status = status
        self.body: dict[str, Any] | None = dict(body) if body is not None else None
        self.headers: dict[str, str] = dict(headers or {})


RECORD_KEY = web.RequestKey("record", RecordedRequest)
"""Where handlers find the RecordedRequest of the request they serve."""


# --------------------------------------------------------------------------- server


class BackgroundServer:
    """An aiohttp app on 127.0.0.1 served from a daemon thread with its own loop."""

    def __init__(self, app_factory: Callable[[], web.Application], name: str = "fake") -> None:
        self._app_factory = app_factory
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self.going_down = False

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def listening(self) -> bool:
        return self._runner is not None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("server not started")
        return self._loop

    def start(self) -> None:
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            # Handlers still running (a hung reply, a stream cut short) end here, on their
            # own loop, before it closes: none is left to wake up on a closed loop.
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=f"{self._name}-server", daemon=True)
        self._thread.start()
        ready.wait()
        try:
            self.call(self._listen(0))
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        with contextlib.suppress(Exception):
            self.call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._thread = None
        self._loop = None

    def go_down(self) -> None:
        """Stop listening and drop every open connection (clients then get refused).

        From `on_receive` (server thread) the shutdown is scheduled instead; the request
        being received is then dropped without a response, like a server dying mid-request.
        """
        self.going_down = True
        if threading.current_thread() is self._thread:
            self.loop.create_task(self._close())
            return
        self.call(self._close())

    def come_back(self) -> None:
        """Listen again on the same port."""
        if self._runner is None:
            self.call(self._listen(self.port))

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """Run a coroutine on the server loop from any other thread and wait for it."""
        fut: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout)

    async def _listen(self, port: int) -> None:
        runner = web.AppRunner(
            self._app_factory(), access_log=None, handle_signals=False, shutdown_timeout=0.05
        )
        await runner.setup()
        site = web.TCPSite(runner, HOST, port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = site.port
        self.going_down = False

    async def _close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


# --------------------------------------------------------------------------- base fake


@dataclass
class _Failure:
    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)


class _Slots:
    """Processing slots of one listening period (recreated by `come_back`)."""

    def __init__(self) -> None:
        self.cond = asyncio.Condition()
        self.active = 0


class FakeServer:
    """Behaviour common to the Ollama and OpenAI fakes. Subclasses add routes."""

    name = "fake"

    def __init__(self) -> None:
        self.responder: Responder | None = None
        self.on_receive: OnReceive | None = None
        self.latency: float = 0.0
        self.stream_chunk_delay: float = 0.0
        self.max_parallel: int | None = None
        self.max_concurrency_seen: int = 0
        self.callback_errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._failures: deque[_Failure] = deque()
        self._hangs: deque[float] = deque()
        self._slots: _Slots | None = None
        self._server = BackgroundServer(self._make_app, name=self.name)

    # ----------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.port}"

    @property
    def port(self) -> int:
        return self._server.port

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def go_down(self) -> None:
        """Close the listening socket and all connections: later requests are refused."""
        self._server.go_down()

    def come_back(self) -> None:
        """Listen again on the same port after `go_down`."""
        self._server.come_back()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- recording

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(path_suffix)]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def in_flight(self) -> int:
        """Chat requests currently holding a processing slot."""
        return self._slots.active if self._slots is not None else 0

    # ----------------------------------------------------------------- scripting

    def fail_next(
        self,
        status: int,
        body: Mapping[str, Any] | None = None,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next `times` chat requests with this HTTP error."""
        with self._lock:
            for _ in range(times):
                self._failures.append(
                    _Failure(status, dict(body) if body is not None else None, dict(headers or {}))
                )

    def hang_next(self, seconds: float, times: int = 1) -> None:
        """Delay the next `times` chat requests by `seconds` before answering."""
        with self._lock:
            self._hangs.extend([seconds] * times)

    def _pop_failure(self) -> _Failure | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def _pop_hang(self) -> float | None:
        with self._lock:
            return self._hangs.popleft() if self._hangs else None

    # ----------------------------------------------------------------- hooks for subclasses

    def _routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def _error_body(self, status: int) -> dict[str, Any]:
        raise NotImplementedError

    # ----------------------------------------------------------------- internals

    def _make_app(self) -> web.Application:
        self._slots = _Slots()
        app = web.Application(middlewares=[self._record_middleware], client_max_size=1 << 30)
        app.add_routes(self._routes())
        return app

    @web.middleware
    async def _record_middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]],
    ) -> web.StreamResponse:
        body = await request.read()
        parsed: Any | None = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.query_string,
            headers={k.lower(): v for k, v in request.headers.items()},
            raw_headers=tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers
            ),
            body=body,
            json=parsed,
            received_ns=time.time_ns(),
        )
        with self._lock:
            self._requests.append(record)
        request[RECORD_KEY] = record
        if self.on_receive is not None:
            try:
                self.on_receive(record)
            except Exception as exc:
                self.callback_errors.append(exc)
                return self._error_response(
                    FakeHTTPError(500, {"error": f"fake on_receive raised: {exc!r}"})
                )
            if self._server.going_down:
                await asyncio.sleep(60)  # cancelled by the scheduled shutdown: no response
        return await handler(request)

    def _error_response(self, err: FakeHTTPError | _Failure) -> web.Response:
        body = err.body if err.body is not None else self._error_body(err.status)
        return web.json_response(body, status=err.status, headers=err.headers)

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """Hold one processing slot (waits while `max_parallel` slots are busy)."""
        slots = self._slots
        assert slots is not None
        async with slots.cond:
            while self.max_parallel is not None and slots.active >= self.max_parallel:
                await slots.cond.wait()
            slots.active += 1
            self.max_concurrency_seen = max(self.max_concurrency_seen, slots.active)
        try:
            yield
        finally:
            async with slots.cond:
                slots.active -= 1
                slots.cond.notify_all()

    async def _pre_chat(self) -> FakeHTTPError | _Failure | None:
        """Queued hang then queued failure, both consumed by this request."""
        hang = self._pop_hang()
        if hang:
            await asyncio.sleep(hang)
        return self._pop_failure()

    def _respond(self, request_json: dict[str, Any], default: Responder) -> str:
        """Run the responder. FakeHTTPError propagates; other errors become a 500."""
        responder = self.responder or default
        try:
            return render_reply(responder(request_json))
        except FakeHTTPError:
            raise
        except Exception as exc:
            self.callback_errors.append(exc)
            raise FakeHTTPError(500, None) from exc
