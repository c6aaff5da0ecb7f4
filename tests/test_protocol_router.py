"""Auto routing: a local call picks protocol and worker; size rules guard it; nothing leaves."""

from __future__ import annotations

from core.protocols.events import Done, RouteDecided
from core.protocols.run import Run, RunRequest
from tests.protocol_support import (
    collect,
    make_document,
    make_services,
    minions_supervisor,
    of_type,
)
from tests.test_protocol_run import local_model

MODELS = {"llama3.2:3b": 16384, "qwen2.5:7b": 32768}
REGISTERED = {"llama3.2:3b": "fast, general", "qwen2.5:7b": "tables, numbers and long reports"}


def routing_model(choice):
    def respond(payload):
        props = (payload.get("format") or {}).get("properties", {})
        if "protocol" in props:
            return choice
        return local_model(payload)

    return respond


async def test_router_picks_protocol_and_worker_and_says_why(fake_ollama, fake_openai):
    fake_ollama.models = MODELS
    fake_ollama.responder = routing_model(
        {"protocol": "minions", "worker": "qwen2.5:7b", "reason": "a long report full of numbers"}
    )
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai, worker_models=REGISTERED)
    doc = make_document(pages=3, page_chars=1000, fact_page=2)
    events = await collect(Run(RunRequest("Code?", [doc], protocol="auto"), services))
    [route] = of_type(events, RouteDecided)
    assert (route.protocol, route.worker_model) == ("minions", "qwen2.5:7b")
    assert "long report full of numbers" in route.reason
    answer = of_type(events, Done)[0].answer
    assert answer.protocol == "minions" and "qwen2.5:7b" in answer.route
    router_call, *jobs = fake_ollama.requests_to("/api/chat")
    assert "qwen2.5:7b: tables, numbers and long reports" in str(router_call.json["messages"])
    assert jobs and {r.json["model"] for r in jobs} == {"qwen2.5:7b"}
    await services.aclose()


async def test_minion_for_documents_too_long_for_the_worker_is_overridden(fake_ollama, fake_openai):
    fake_ollama.models = {"llama3.2:3b": 8192}
    fake_ollama.responder = routing_model({"protocol": "minion", "reason": "one conversation"})
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)
    long = make_document(pages=40, page_chars=1500)
    events = await collect(Run(RunRequest("Code?", [long], protocol="auto"), services))
    [route] = of_type(events, RouteDecided)
    assert route.protocol == "minions" and "too long" in route.reason
    await services.aclose()


async def test_an_unknown_worker_name_keeps_the_configured_model(fake_ollama, fake_openai):
    fake_ollama.responder = routing_model(
        {"protocol": "local", "worker": "made-up:70b", "reason": "simple lookup"}
    )
    services = make_services(fake_ollama, fake_openai)
    doc = make_document(pages=2, page_chars=800, fact_page=1)
    events = await collect(Run(RunRequest("Code?", [doc], protocol="auto"), services))
    [route] = of_type(events, RouteDecided)
    assert (route.protocol, route.worker_model) == ("local", "llama3.2:3b")
    assert fake_openai.requests == []  # the router chose local: nothing left
    await services.aclose()


async def test_unusable_router_reply_falls_back_to_the_size_rule(fake_ollama, fake_openai):
    fake_ollama.responder = routing_model("I would use minion I think")
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)
    doc = make_document(pages=2, page_chars=800)
    events = await collect(Run(RunRequest("Code?", [doc], protocol="auto"), services))
    [route] = of_type(events, RouteDecided)
    assert route.protocol == "minion" and "fit comfortably" in route.reason
    assert "router unavailable" in route.reason
    await services.aclose()
