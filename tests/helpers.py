"""Small builders shared by the tests: services and clients wired to the fakes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.clients.ollama_client import OllamaClient
from core.clients.openai_client import OpenAIClient
from core.privacy.audit import AuditStore
from core.privacy.gate import EgressGate, EgressPolicy
from core.storage.paths import audit_db_path
from tests.fakes import OllamaFake, OpenAIFake


def make_gate(policy: EgressPolicy | None = None) -> EgressGate:
    """A gate on the test's audit store. Which requests are egress is the clients' seat's
    business: the fake cloud on 127.0.0.1 is egress like any supervisor endpoint."""
    return EgressGate(AuditStore(audit_db_path()), policy)


def cloud_client(fake: OpenAIFake, gate: EgressGate, **kwargs) -> OpenAIClient:
    kwargs.setdefault("base_delay", 0.01)
    kwargs.setdefault("api_key", fake.api_key)
    return OpenAIClient("gpt-4o-mini", gate, base_url=f"{fake.url}/v1", **kwargs)


def ollama_client(
    fake: OllamaFake, gate: EgressGate, model: str = "llama3.2:3b", **kwargs
) -> OllamaClient:
    return OllamaClient(model, gate, host=fake.url, **kwargs)


real_keyring = pytest.mark.skipif(
    not os.environ.get("MINIONS_REAL_KEYRING"),
    reason="needs the D-Bus session with gnome-keyring that `./dev test` provides",
)


def files_containing(root: Path, needle: str) -> list[Path]:
    """Every file under ``root`` holding ``needle``: where a secret must never be."""
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]
