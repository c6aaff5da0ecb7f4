"""The long-lived services, made once at start-up and closed at shutdown (app and CLI)."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from core.clients.base import ChatClient, ClientError, ErrorKind
from core.clients.factory import LocalChoice, make_local_client, make_remote_client
from core.privacy.audit import AuditStore
from core.privacy.gate import Confirm, EgressGate, EgressPolicy
from core.storage.paths import audit_db_path
from core.storage.secrets import ApiKeys, LazyKeyringStore
from core.storage.settings import Settings, load_settings, save_settings

if TYPE_CHECKING:
    from core.protocols.estimate import Estimate

ConfirmRun = Callable[["Estimate"], Awaitable[bool]]


class Services:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        keys: ApiKeys | None = None,
        confirm: Confirm | None = None,
    ) -> None:
        self._warnings: list[str] = []
        if settings is None:
            settings, warning = load_settings()
            if warning:
                self._warnings.append(warning)
        self.stored_settings = settings
        self.settings = settings.with_environment()
        # The keyring is looked for at the first record, not before the window is drawn.
        self.audit = AuditStore(audit_db_path(), keys.store if keys else LazyKeyringStore())
        self._confirm = confirm
        self.gate = EgressGate(self.audit, EgressPolicy())
        self._apply_policy()
        self.keys = keys or ApiKeys()  # the keyring is looked for on first use
        self._local: LocalChoice | None = None
        self._remote: ChatClient | None = None
        self._remote_lock = threading.Lock()  # remote_client runs on worker threads too
        self._generation = 0  # moves when the clients are closed: a client made before is stale
        self._closed = False
        # Who is asked before a long run starts (the app's dialog, the terminal); None: no one.
        self.confirm_long_run: ConfirmRun | None = None

    @property
    def warnings(self) -> list[str]:
        """What the user should know about the set-up (damaged settings, no keyring)."""
        return [*self._warnings, *([self.keys.warning] if self.keys.warning else [])]

    async def local_client(self) -> LocalChoice:
        while self._local is None:
            if self._closed:
                raise ClientError(ErrorKind.UNREACHABLE, "The app is closing")
            generation = self._generation
            made = await make_local_client(self.settings, self.gate)
            # Callers can ask at once (the app's health check and a document's indexing),
            # and the settings can change or the app close while a client is made: the
            # first client made for the current settings is kept, any other one closed.
            if self._local is None and generation == self._generation and not self._closed:
                self._local = made
            else:
                await made.client.aclose()
        return self._local

    def remote_client(self) -> ChatClient:
        with self._remote_lock:  # two threads asking at once get one client, not two
            if self._remote is None:
                if self._closed:
                    raise ClientError(ErrorKind.UNREACHABLE, "The app is closing")
                key = self.keys.current().key
                self._remote = make_remote_client(self.settings, self.gate, key)
            return self._remote

    async def update_settings(self, settings: Settings) -> None:
        """Store new settings; clients are rebuilt on next use."""
        save_settings(settings)
        self.stored_settings = settings
        self.settings = settings.with_environment()
        self._apply_policy()
        await self._close_clients()

    def set_confirm(self, confirm: Confirm | None) -> None:
        """Who asks the user before a request leaves (the app's dialog, the terminal)."""
        self._confirm = confirm
        self._apply_policy()

    def _apply_policy(self) -> None:
        self.gate.policy.local_only = self.settings.local_only
        # Asking first needs someone to ask: the app's dialog or the terminal.
        ask = self.settings.confirm_before_send and self._confirm is not None
        self.gate.policy.confirm = self._confirm if ask else None

    async def reset_remote(self) -> None:
        """Forget the cloud client, e.g. after the key changed."""
        with self._remote_lock:
            remote, self._remote = self._remote, None
        if remote is not None:
            await remote.aclose()

    async def _close_clients(self) -> None:
        self._generation += 1
        local, self._local = self._local, None
        if local is not None:
            await local.client.aclose()
        await self.reset_remote()

    async def aclose(self) -> None:
        self._closed = True
        await self._close_clients()
        self.audit.close()


_DEFAULT: Services | None = None


def default_services() -> Services:
    """One set of services for the Python API: settings, audit and key of the data folder."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Services()
    return _DEFAULT


def forget_default_services() -> None:
    """Drop the default services (their audit store is closed); the next use makes new ones."""
    global _DEFAULT
    if _DEFAULT is not None:
        _DEFAULT.audit.close()
        _DEFAULT = None
