"""What the window checks at start-up and after Settings change: the local runtime, the
cloud key, and the notices a new user needs, shown as banners that clear once they no
longer apply."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from core.clients.base import ErrorKind
from core.services import Services
from desktop.ui.banners import BannerArea
from desktop.ui.conversation_controller import NEEDS_KEY, ConversationController
from desktop.ui.health import Problem, local_problem, setup_notices
from desktop.ui.top_bar import TopBar
from desktop.ui.ui_state import UiState
from desktop.warmup import preload_clients, warm_up


class Window(Protocol):
    """What the check needs of the main window (which imports this module)."""

    services: Services
    top_bar: TopBar
    banners: BannerArea
    controller: ConversationController
    ui_state: UiState

    def open_settings(self) -> None: ...

    def answer_locally(self, question: str) -> None: ...


class SetupCheck:
    def __init__(self, window: Window) -> None:
        self.window = window
        self._running: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Check the set-up. A check still running for older settings gives way to this one."""
        self.stop()
        task = self._running = asyncio.ensure_future(self._check())
        try:
            await task
        except asyncio.CancelledError:
            caller = asyncio.current_task()
            if task.cancelled() and caller is not None and not caller.cancelling():
                return  # replaced by a newer check, or stopped as the window closed
            raise
        finally:
            if self._running is task:
                self._running = None

    def stop(self) -> None:
        """Stop the running check, if any (the window closes, or a newer one starts)."""
        if self._running is not None:
            self._running.cancel()

    async def _check(self) -> None:
        w = self.window
        services, s = w.services, w.services.settings
        await asyncio.to_thread(preload_clients)  # off the loop: the window paints meanwhile
        error = await w.top_bar.refresh(services)
        w.banners.clear("local")
        notice = ""
        if error is not None:
            self.show_problem(
                local_problem(str(error.kind), error.message, error.hint, s.local_runtime)
            )
        else:
            notice = (await services.local_client()).notice
        key_missing = await w.controller.key_missing()
        if key_missing and s.protocol in NEEDS_KEY:
            w.top_bar.set_protocol("local")  # until a key is added (the setting stays)
        if not key_missing:
            w.banners.clear_if("run", {ErrorKind.NO_KEY})  # no longer true
        if not key_missing and not s.local_only:
            # Build the cloud client now, off the loop (keyring, TLS set-up), not mid-run.
            await asyncio.to_thread(services.remote_client)
        warnings = sorted(w for w in {*services.warnings, services.keys.warning} if w)
        notices = setup_notices(
            key_missing=key_missing, builtin_model_notice=notice, warnings=warnings
        )
        w.banners.show_setup(notices, w.ui_state, ("Open Settings", w.open_settings))
        await asyncio.to_thread(warm_up)

    def show_problem(self, problem: Problem, question: str = "") -> None:
        """A problem banner with its buttons: Local only for this question, Settings."""
        w = self.window
        actions: list[tuple[str, Callable[[], object]]] = []
        if problem.offer_local_only and question:
            actions.append(("Answer with Local only", lambda: w.answer_locally(question)))
        if problem.open_settings:
            actions.append(("Open Settings", w.open_settings))
        w.banners.show_problem(problem, actions)
