"""The cloud API key: in the OS keyring, in the environment, or in memory; never on disk."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Protocol

from core.errors import ErrorKind, MinionsError

SERVICE = "minions-desktop"
API_KEY_NAME = "cloud-api-key"


class SecretStoreUnavailable(MinionsError):
    """No keyring backend works on this system."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorKind.KEYRING, message)


class SecretStore(Protocol):
    name: str

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


class KeyringStore:
    """The OS keyring (Secret Service, macOS Keychain, Windows Credential Locker)."""

    def __init__(self, service: str = SERVICE) -> None:
        import keyring
        import keyring.backends.fail

        self._keyring = keyring
        self.service = service
        backend = keyring.get_keyring()
        self.name = getattr(backend, "name", type(backend).__name__)
        if isinstance(backend, keyring.backends.fail.Keyring):
            raise SecretStoreUnavailable("No OS keyring is available on this system")

    def _call(self, action: str, fn, *args):  # type: ignore[no-untyped-def]
        try:
            return fn(*args)
        except self._keyring.errors.PasswordDeleteError:
            return None
        except self._keyring.errors.KeyringError as exc:
            # The message of a keyring error never contains the secret itself.
            raise SecretStoreUnavailable(
                f"The OS keyring ({self.name}) could not {action}: {type(exc).__name__}"
            ) from None

    def get(self, key: str) -> str | None:
        value = self._call("read the key", self._keyring.get_password, self.service, key)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> None:
        self._call("store the key", self._keyring.set_password, self.service, key, value)

    def delete(self, key: str) -> None:
        self._call("remove the key", self._keyring.delete_password, self.service, key)


class MemoryStore:
    """Holds secrets for this session only, when no keyring works (and in tests)."""

    name = "memory (this session only)"

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        self._values[key] = value

    def delete(self, key: str) -> None:
        self._values.pop(key, None)


class LazyKeyringStore:
    """The OS keyring, found on its first use rather than when this is made.

    For a holder that needs secrets only later (the audit's anchor, at the first record):
    finding the keyring imports its backends, which a window's first paint should not
    wait for. Where no keyring works, each call raises ``SecretStoreUnavailable``, as a
    keyring that stops working does, and the holder falls back as it would then.
    """

    name = "OS keyring"

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._store: KeyringStore | None = None
        self._lock = threading.Lock()

    def _keyring(self) -> KeyringStore:
        with self._lock:
            if self._store is None:
                self._store = KeyringStore(self.service)
                self.name = self._store.name
            return self._store

    def get(self, key: str) -> str | None:
        return self._keyring().get(key)

    def set(self, key: str, value: str) -> None:
        self._keyring().set(key, value)

    def delete(self, key: str) -> None:
        self._keyring().delete(key)


def default_store() -> SecretStore:
    """The OS keyring, or a store that keeps secrets in memory for this session only."""
    try:
        return KeyringStore()
    except SecretStoreUnavailable:
        return MemoryStore()


@dataclass(frozen=True, slots=True)
class KeySource:
    key: str | None
    where: str  # "environment", "keyring", "memory", or "none"


class ApiKeys:
    """Finds the cloud API key: ``OPENAI_API_KEY`` first (never stored), then the store.

    The OS keyring is found on first use, not here: finding it imports its backends and
    takes a few hundred milliseconds that a window's first paint should not wait for.
    """

    def __init__(self, store: SecretStore | None = None) -> None:
        self._warning = ""
        self._store = store
        self._lock = threading.Lock()  # the app may first touch it from a thread

    @property
    def store(self) -> SecretStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    try:
                        self._store = KeyringStore()
                    except SecretStoreUnavailable as exc:
                        self._fall_back(exc)
        assert self._store is not None
        return self._store

    @store.setter
    def store(self, store: SecretStore) -> None:
        self._store = store

    @property
    def warning(self) -> str:
        """Why the key is kept in memory only; empty when the keyring works."""
        self.store  # noqa: B018 - finding the keyring is what sets the warning
        return self._warning

    @warning.setter
    def warning(self, text: str) -> None:
        self._warning = text

    @property
    def backend_name(self) -> str:
        return self.store.name

    def current(self) -> KeySource:
        env = os.environ.get("OPENAI_API_KEY")
        if env:
            return KeySource(env, "environment")
        try:
            stored = self.store.get(API_KEY_NAME)
        except SecretStoreUnavailable as exc:
            self._fall_back(exc)
            stored = None
        where = "memory" if isinstance(self.store, MemoryStore) else "keyring"
        return KeySource(stored, where) if stored else KeySource(None, "none")

    def save(self, key: str) -> str:
        """Store the key; returns where it went (the keyring, or memory if that failed)."""
        try:
            self.store.set(API_KEY_NAME, key.strip())
        except SecretStoreUnavailable as exc:
            self._fall_back(exc)
            self.store.set(API_KEY_NAME, key.strip())
        return self.store.name

    def remove(self) -> None:
        try:
            self.store.delete(API_KEY_NAME)
        except SecretStoreUnavailable as exc:
            self._fall_back(exc)

    def _fall_back(self, exc: SecretStoreUnavailable) -> None:
        self._warning = f"{exc.message}; the API key will be kept in memory for this session"
        self._store = MemoryStore()


def scrub(text: str, *secrets: str | None) -> str:
    """Remove any secret (or a long piece of one) from text meant for a message or log."""
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[redacted key]")
            for piece in (secret[:12], secret[-8:]):
                text = text.replace(piece, "[redacted]")
    return text
