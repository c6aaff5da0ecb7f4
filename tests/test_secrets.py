"""The cloud API key: OS keyring, environment or memory, and never in a file of ours."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest

from core.privacy.anchor import AnchorMode
from core.services import Services
from core.storage.secrets import ApiKeys, KeyringStore, LazyKeyringStore, MemoryStore, scrub
from core.storage.settings import Settings, save_settings
from tests.helpers import files_containing, real_keyring

KEY = "sk-test-keyring-9f3b2c7a1d4e5f60718293a4b5c6d7e8"


@pytest.mark.keyring
@real_keyring
def test_real_keyring_stores_reads_and_deletes_the_key(minions_home):
    store = KeyringStore()
    assert "SecretService" in type(keyring.get_keyring()).__module__ + store.name
    keys = ApiKeys(store)
    keys.save(KEY)
    assert ApiKeys(KeyringStore()).current().key == KEY  # a fresh store reads it back
    assert ApiKeys(KeyringStore()).current().where == "keyring"
    keys.remove()
    assert ApiKeys(KeyringStore()).current().key is None


@pytest.mark.keyring
@real_keyring
async def test_key_is_in_no_file_after_use(minions_home, fake_openai):
    keys = ApiKeys(KeyringStore())
    keys.save(KEY)
    fake_openai.api_key = KEY
    settings = Settings(remote_base_url=f"{fake_openai.url}/v1")
    save_settings(settings)
    services = Services(settings, keys=keys)
    result = await services.remote_client().chat([{"role": "user", "content": "hello"}])
    assert result.text  # the key from the keyring was accepted by the server
    assert fake_openai.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert len(services.audit.records()) == 2  # request and reply audited...
    await services.aclose()
    assert files_containing(minions_home, KEY) == []  # ...without the key
    assert files_containing(minions_home, KEY[-12:]) == []
    keys.remove()


def test_without_a_keyring_backend_the_key_lives_in_memory(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        keys = ApiKeys()
        assert "No OS keyring" in keys.warning and "memory" in keys.warning
        assert isinstance(keys.store, MemoryStore)
        keys.save(KEY)
        assert keys.current().key == KEY and keys.current().where == "memory"
    finally:
        keyring.set_keyring(previous)


def test_environment_key_wins_and_is_not_stored(monkeypatch):
    store = MemoryStore()
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    keys = ApiKeys(store)
    assert keys.current().key == KEY and keys.current().where == "environment"
    assert store.get("cloud-api-key") is None


def test_settings_file_never_holds_the_key(minions_home, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    save_settings(Settings().with_environment())
    assert files_containing(minions_home, KEY) == []


def test_scrub_hides_the_key_and_its_pieces():
    text = f"Incorrect API key provided: {KEY[:12]}...{KEY[-8:]} and {KEY}"
    cleaned = scrub(text, KEY)
    assert KEY not in cleaned and KEY[:12] not in cleaned and KEY[-8:] not in cleaned


def test_services_look_for_the_keyring_only_when_the_audit_first_needs_it(minions_home):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        services = Services(Settings())
        assert isinstance(services.audit.anchor._store, LazyKeyringStore)
        services.audit.append(kind="request", endpoint="https://x", body=b"{}", model="m")
        services.audit.flush_anchor()
        # No keyring works: at its first use the anchor fell back to this session's memory.
        assert services.audit.mode is AnchorMode.SESSION
        assert "anchored in memory for this session only" in services.audit.anchor.warning
        assert services.audit.verify().ok
        services.audit.close()
    finally:
        keyring.set_keyring(previous)
