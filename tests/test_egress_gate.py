"""The egress gate and the audit store: what leaves is written down first, exactly."""

from __future__ import annotations

import ast
import json
import sqlite3
from pathlib import Path

import pytest

from core.clients.base import ClientError, ErrorKind
from core.privacy.audit import AuditStore
from core.privacy.endpoints import Seat, destination, is_loopback_url
from core.privacy.gate import Decision, EgressPolicy, egress_context
from core.storage.paths import audit_db_path
from tests.helpers import cloud_client, make_gate, ollama_client

CORE = Path(__file__).resolve().parents[1] / "core"


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def test_audit_holds_every_request_byte_for_byte(fake_openai):
    gate = make_gate()
    client = cloud_client(fake_openai, gate)
    fake_openai.fail_next(429, headers={"retry-after": "0"})
    with egress_context(conversation_id="conv-1", run_id="run-1"):
        await client.chat(ask("First question about the lease"))
        await client.chat(ask('Second, with ünïcode and "quotes"'), on_token=lambda _: None)
    received = [r.body for r in fake_openai.requests_to("/chat/completions")]
    sent = [r for r in gate.audit.records(kind="request")]
    assert [r.body for r in sent] == received and len(received) == 3  # the 429 attempt too
    assert all(r.byte_count == len(r.body) for r in sent)
    assert {(r.conversation_id, r.run_id) for r in sent} == {("conv-1", "run-1")}
    assert {r.model for r in sent} == {"gpt-4o-mini"}
    assert all(r.endpoint.endswith("/v1/chat/completions") for r in sent)
    await client.aclose()


async def test_each_record_is_committed_before_the_cloud_receives_it(fake_openai):
    gate = make_gate()
    seen_on_disk: list[bool] = []

    def check_disk(request):
        # A separate connection sees only committed data.
        with sqlite3.connect(audit_db_path()) as db:
            bodies = [row[0] for row in db.execute("SELECT body FROM records WHERE kind='request'")]
        seen_on_disk.append(request.body in bodies)

    fake_openai.on_receive = check_disk
    client = cloud_client(fake_openai, gate)
    await client.chat(ask("one"))
    await client.chat(ask("two"))
    assert seen_on_disk == [True, True]
    await client.aclose()


async def test_replies_are_recorded_with_status_and_usage(fake_openai):
    gate = make_gate()
    client = cloud_client(fake_openai, gate)
    result = await client.chat(ask("How much?"))
    request, response = gate.audit.records()
    assert response.kind == "response" and response.request_id == request.id
    assert response.status == 200
    assert (response.prompt_tokens, response.completion_tokens) == (
        result.usage.prompt_tokens,
        result.usage.completion_tokens,
    )
    assert json.loads(response.body)["choices"][0]["message"]["content"] == result.text
    await client.aclose()


async def test_streamed_reply_usage_is_recorded(fake_openai):
    gate = make_gate()
    client = cloud_client(fake_openai, gate)
    result = await client.chat(ask("stream"), on_token=lambda _: None)
    response = gate.audit.records(kind="response")[0]
    assert response.prompt_tokens == result.usage.prompt_tokens > 0
    await client.aclose()


async def test_local_only_refuses_every_egress_and_sends_nothing(fake_openai):
    gate = make_gate(EgressPolicy(local_only=True))
    client = cloud_client(fake_openai, gate)
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("secret"))
    assert caught.value.kind is ErrorKind.BLOCKED
    assert "Local-only" in caught.value.message
    assert fake_openai.requests == [] and gate.audit.records() == []
    await client.aclose()


# A worker server on another machine: the decision made for such a host, carried by a
# client that (having no other machine here) still talks to the fake on 127.0.0.1.
ANOTHER_MACHINE = destination(Seat.WORKER, "http://192.168.1.20:11434")


async def test_local_only_also_covers_an_ollama_server_on_another_host(fake_ollama):
    gate = make_gate(EgressPolicy(local_only=True))
    client = ollama_client(fake_ollama, gate, where=ANOTHER_MACHINE)
    assert client.egress is True
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("secret"))
    assert caught.value.kind is ErrorKind.BLOCKED
    assert fake_ollama.requests == []
    await client.aclose()


async def test_remote_ollama_is_audited_like_the_cloud(fake_ollama):
    gate = make_gate()
    client = ollama_client(fake_ollama, gate, where=ANOTHER_MACHINE)
    await client.chat(ask("over the network"))
    audited = {r.body for r in gate.audit.records(kind="request")}
    assert {r.body for r in fake_ollama.requests} == audited  # /api/show and /api/chat
    assert all(
        r.meta["destination"]["seat"] == "worker" for r in gate.audit.records(kind="request")
    )
    await client.aclose()


async def test_a_local_ollama_worker_is_not_egress(fake_ollama):
    gate = make_gate()
    client = ollama_client(fake_ollama, gate)
    assert client.egress is False
    await client.chat(ask("on this machine"))
    assert fake_ollama.requests and gate.audit.records() == []
    await client.aclose()


async def test_the_supervisor_on_loopback_is_egress_and_says_where_it_went(fake_openai):
    """A proxy on 127.0.0.1 (LiteLLM, an SSH tunnel) is the cloud as far as we can tell."""
    gate = make_gate()
    client = cloud_client(fake_openai, gate)
    assert client.egress is True
    await client.chat(ask("through a proxy"))
    sent = gate.audit.records(kind="request")
    assert [r.body for r in sent] == [r.body for r in fake_openai.requests]
    where = sent[0].meta["destination"]
    assert where == {
        "seat": "supervisor",
        "host": "127.0.0.1",
        "port": fake_openai.port,
        "loopback": True,
    }
    await client.aclose()


async def test_only_the_users_word_makes_a_loopback_supervisor_local(fake_openai):
    gate = make_gate()
    client = cloud_client(fake_openai, gate, on_this_computer=True)
    assert client.egress is False
    await client.chat(ask("a llama.cpp server on this computer"))
    assert fake_openai.requests and gate.audit.records() == []
    await client.aclose()


@pytest.mark.parametrize(
    ("seat", "url", "declared", "egress"),
    [
        (Seat.SUPERVISOR, "https://api.openai.com/v1", False, True),
        (Seat.SUPERVISOR, "http://127.0.0.1:4000/v1", False, True),  # a proxy
        (Seat.SUPERVISOR, "http://localhost:8080/v1", True, False),  # the user said so
        (Seat.SUPERVISOR, "https://api.openai.com/v1", True, True),  # not this computer
        (Seat.WORKER, "http://127.0.0.1:11434", False, False),
        (Seat.WORKER, "http://[::ffff:127.0.0.1]:11434", False, False),
        (Seat.WORKER, "http://192.168.1.20:11434", False, True),
        (Seat.WORKER, "http://gpu-box.lan:11434", False, True),
    ],
)
def test_egress_is_decided_by_seat_then_by_host(seat, url, declared, egress):
    assert destination(seat, url, on_this_computer=declared).egress is egress


async def test_a_request_to_another_host_is_egress_whatever_was_decided(fake_ollama):
    """A redirect or a changed URL cannot slip past: a non-loopback host is always egress."""
    assert make_gate().leaves(destination(Seat.WORKER, "http://127.0.0.1:1"), "10.1.2.3")


async def test_confirmation_can_deny_or_allow_a_whole_run(fake_openai):
    asked = []

    async def confirm(outbound):
        asked.append(outbound)
        return Decision.DENY if len(asked) == 1 else Decision.ALLOW_RUN

    gate = make_gate(EgressPolicy(confirm=confirm))
    client = cloud_client(fake_openai, gate)
    with egress_context(run_id="r1"):
        with pytest.raises(ClientError) as caught:
            await client.chat(ask("first"))
        assert caught.value.kind is ErrorKind.BLOCKED and fake_openai.requests == []
        await client.chat(ask("second"))
        await client.chat(ask("third"))
    assert len(asked) == 2  # the run was allowed on the second ask
    assert asked[1].body == fake_openai.requests[0].body  # the user saw exactly what left
    await client.aclose()


def test_chain_verifies_and_pinpoints_an_edited_record(tmp_path):
    store = AuditStore(tmp_path / "audit.sqlite3")
    for i in range(5):
        store.append(kind="request", endpoint="https://api.example/v1", body=f"body {i}".encode())
    assert store.verify().ok and store.verify().records == 5
    store.close()
    with sqlite3.connect(tmp_path / "audit.sqlite3") as db:
        db.execute("DROP TRIGGER records_no_update")
        db.execute("UPDATE records SET body = ? WHERE id = 3", (b"body X",))
    state = AuditStore(tmp_path / "audit.sqlite3").verify()
    assert not state.ok and state.broken_at == 3 and "changed" in state.reason


def test_chain_detects_a_deleted_record(tmp_path):
    store = AuditStore(tmp_path / "audit.sqlite3")
    for i in range(4):
        store.append(kind="request", endpoint="https://api.example/v1", body=f"b{i}".encode())
    store.close()
    with sqlite3.connect(tmp_path / "audit.sqlite3") as db:
        db.execute("DROP TRIGGER records_no_delete")
        db.execute("DELETE FROM records WHERE id = 2")
    state = AuditStore(tmp_path / "audit.sqlite3").verify()
    assert not state.ok and state.broken_at == 2 and "missing" in state.reason


def test_records_cannot_be_updated_or_deleted_through_sqlite(tmp_path):
    store = AuditStore(tmp_path / "audit.sqlite3")
    store.append(kind="request", endpoint="https://api.example/v1", body=b"x")
    with sqlite3.connect(tmp_path / "audit.sqlite3") as db:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE records SET body = 'y'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM records")


def test_audit_survives_reopening(tmp_path):
    store = AuditStore(tmp_path / "audit.sqlite3")
    store.append(kind="request", endpoint="https://api.example/v1", body=b"kept")
    store.close()
    reopened = AuditStore(tmp_path / "audit.sqlite3")
    assert [r.body for r in reopened.records()] == [b"kept"] and reopened.verify().ok


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:11434", True),
        ("http://localhost:8080/v1", True),
        ("http://[::1]:11434", True),
        ("127.0.0.5:11434", True),
        ("https://api.openai.com/v1", False),
        ("http://192.168.1.20:11434", False),
        ("http://localhost.evil.com", False),
    ],
)
def test_only_loopback_counts_as_local(url, local):
    assert is_loopback_url(url) is local


NETWORK_CONSTRUCTORS = {
    "AsyncClient",
    "Client",
    "AsyncHTTPTransport",
    "HTTPTransport",
    "AsyncOpenAI",
    "OpenAI",
}
ALLOWED = {
    "privacy/gate.py": {"AsyncClient", "AsyncHTTPTransport"},
    "clients/ollama_client.py": {"AsyncClient"},  # given the gate's transport
    "clients/openai_client.py": {"AsyncOpenAI"},  # given the gate's http client
}
FORBIDDEN_MODULES = {"socket", "urllib.request", "http.client", "requests", "aiohttp"}


def test_no_code_in_core_reaches_the_network_except_through_the_gate():
    offenders = []
    for path in CORE.rglob("*.py"):
        rel = path.relative_to(CORE).as_posix()
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                offenders += [f"{rel} imports {n}" for n in names if n in FORBIDDEN_MODULES]
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in NETWORK_CONSTRUCTORS and name not in ALLOWED.get(rel, set()):
                    offenders.append(f"{rel} builds {name}")
                if name in {"AsyncClient", "AsyncOpenAI"} and rel.startswith("clients/"):
                    keywords = {k.arg for k in node.keywords}
                    if not keywords & {"transport", "http_client"}:
                        offenders.append(f"{rel} builds {name} without the gate")
    assert offenders == []
