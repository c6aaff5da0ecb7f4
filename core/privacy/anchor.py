"""The audit chain's anchor: a secret key and the chain's head, kept outside the database.

The hash chain alone only stops honest code: whoever can edit the SQLite file can
delete its last records, or rebuild every hash from scratch, and the chain still
links. So each record also carries a keyed MAC (HMAC-SHA256 over its hash), and the
chain's head (record count, last id, last hash) is written, with its own MAC, to the
same secret store as the key.

Why the head lives in the keyring and not in a file beside the database: a file
there is within reach of the same attacker, who deletes it with the database, or
puts back an older copy after trimming the last records. The keyring is the one
place outside the data folder that the app already trusts with a secret. Keyring
writes are slow (tens of milliseconds over D-Bus), which is small next to a cloud
round trip, and records are written from a worker thread.

Where no keyring works, key and head are held in memory for the session only
(never on disk), and :func:`guarantee_note` says plainly what that can no longer show.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from core.storage.secrets import MemoryStore, SecretStore, SecretStoreUnavailable

KEY_NAME = "audit-anchor-key"
HEAD_PREFIX = "audit-anchor-head:"


T = TypeVar("T")


class AnchorMode(StrEnum):
    KEYRING = "keyring"  # key and head in the OS keyring: the full guarantees
    SESSION = "session"  # no keyring works: key and head in memory for this session
    NONE = "none"  # a store built without a secret store: hash links only


@dataclass(frozen=True, slots=True)
class Head:
    """The chain's head as last anchored: the records that must still be there."""

    count: int
    last_id: int
    last_hash: str
    signed_from: int  # the first record with a keyed MAC: none after it may lack one
    kid: str  # fingerprint of the key that signed it
    mac: str


def key_id(key: bytes) -> str:
    """A fingerprint of the key, stored with each MAC so a foreign key is told apart."""
    return hashlib.sha256(b"minions-audit-key-id|" + key).hexdigest()[:12]


def record_mac(key: bytes, record_id: int, digest: str) -> str:
    message = f"audit-record|{record_id}|{digest}".encode()
    return f"{key_id(key)}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"


def _head_mac(key: bytes, name: str, fields: tuple[int, int, str, int]) -> str:
    message = "|".join(("audit-head", name, *map(str, fields))).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Verifier:
    """What checking the chain needs of the anchor: plain values, so another process can
    check a large audit (passed through a pipe, in memory; never written anywhere)."""

    head: Head | None
    key: bytes | None
    head_name: str
    mode: AnchorMode
    warning: str

    @property
    def key_id(self) -> str | None:
        return key_id(self.key) if self.key is not None else None

    def head_is_genuine(self) -> bool | None:
        """True or False when this key can tell; None when another key signed the head."""
        head = self.head
        if head is None or not head.kid:
            return head is None or False
        if self.key is None or head.kid != key_id(self.key):
            return None
        fields = (head.count, head.last_id, head.last_hash, head.signed_from)
        return hmac.compare_digest(_head_mac(self.key, self.head_name, fields), head.mac)


class Anchor:
    """The key and the head of one audit database, read and written through a secret store."""

    def __init__(self, database: Path, store: SecretStore | None) -> None:
        # One head per database file; the key is shared by every data folder.
        resolved = str(database.resolve())
        self.head_name = HEAD_PREFIX + hashlib.sha256(resolved.encode()).hexdigest()[:24]
        self._store = store
        self._key: bytes | None = None
        self._lock = threading.Lock()
        self.warning = ""
        if store is None:
            self.mode = AnchorMode.NONE
        elif isinstance(store, MemoryStore):
            self.mode = AnchorMode.SESSION
        else:
            self.mode = AnchorMode.KEYRING

    def key(self, *, create: bool) -> bytes | None:
        """The anchor key; made (and stored) on first use when ``create`` is set."""
        if self._store is None:
            return None
        with self._lock:
            if self._key is None:
                stored = self._call(lambda s: s.get(KEY_NAME))
                if stored is None and create:
                    self._call(lambda s: s.set(KEY_NAME, secrets.token_hex(32)))
                    stored = self._call(lambda s: s.get(KEY_NAME))
                if stored:
                    self._key = bytes.fromhex(stored)
            return self._key

    def read_head(self) -> Head | None:
        if self._store is None:
            return None
        raw = self._call(lambda s: s.get(self.head_name))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return Head(
                int(data["count"]),
                int(data["last_id"]),
                str(data["last_hash"]),
                int(data["signed_from"]),
                str(data["kid"]),
                str(data["mac"]),
            )
        except (ValueError, KeyError, TypeError):
            return Head(0, 0, "", 0, "", "unreadable")

    def write_head(self, count: int, last_id: int, last_hash: str, signed_from: int) -> None:
        key = self.key(create=True)
        if key is None:
            return
        mac = _head_mac(key, self.head_name, (count, last_id, last_hash, signed_from))
        value = json.dumps(
            {
                "count": count,
                "last_id": last_id,
                "last_hash": last_hash,
                "signed_from": signed_from,
                "kid": key_id(key),
                "mac": mac,
            }
        )
        self._call(lambda s: s.set(self.head_name, value))

    def verifier(self) -> Verifier:
        """The head as anchored now, with the key to check it (the head first: see verify)."""
        head = self.read_head()
        return Verifier(head, self.key(create=False), self.head_name, self.mode, self.warning)

    def _call(self, action: Callable[[SecretStore], T]) -> T:
        """Run ``action`` on the store; if the keyring stops working, go on in memory."""
        assert self._store is not None
        try:
            return action(self._store)
        except SecretStoreUnavailable as exc:
            self.warning = (
                f"{exc.message}; the audit chain is anchored in memory for this session only"
            )
            self._store = MemoryStore()
            self.mode = AnchorMode.SESSION
            if self._key is not None:  # keep signing with the key already in hand
                self._store.set(KEY_NAME, self._key.hex())
            return action(self._store)


def guarantee_note(mode: AnchorMode) -> str:
    """What this mode cannot detect, in the user's words ("" when nothing is weaker)."""
    if mode is AnchorMode.SESSION:
        return (
            "No OS keyring: the audit's anchor key and the chain's head are kept in memory "
            "for this session only (never on disk). Records from earlier sessions are checked "
            "by their hash links only, and deleting the audit file or its last records, or "
            "rebuilding the chain, between sessions cannot be detected."
        )
    if mode is AnchorMode.NONE:
        return (
            "No anchor key: only the hash links are checked. Records deleted from the end, "
            "or a chain rebuilt from scratch with recomputed hashes, cannot be told from a "
            "real one."
        )
    return ""
