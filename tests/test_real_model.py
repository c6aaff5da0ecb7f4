"""A real model answers structured requests: embedded llama.cpp and llama_cpp.server."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from core.clients.openai_client import OpenAIClient
from core.privacy.endpoints import Seat
from tests.helpers import make_gate

pytestmark = pytest.mark.realmodel

QUESTION = [
    {"role": "system", "content": "Answer in JSON with an explanation and the answer."},
    {
        "role": "user",
        "content": "Text: The invoice total is 420 euros.\nWhat is the invoice total?",
    },
]


class Finding(BaseModel):
    explanation: str
    answer: str | None


async def test_embedded_smollm_output_validates_against_the_schema(smollm_embedded):
    pieces: list[str] = []
    result = await smollm_embedded.chat(
        QUESTION, schema=Finding, max_tokens=300, temperature=0.0, on_token=pieces.append
    )
    assert isinstance(result.parsed, Finding)
    assert Finding.model_validate_json(result.text) == result.parsed
    assert "".join(pieces) == result.text
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0


async def test_llama_cpp_server_through_the_openai_client_validates(llama_server):
    client = OpenAIClient("smollm2", make_gate(), base_url=llama_server, seat=Seat.WORKER)
    assert not client.egress  # built for the worker seat on loopback: nothing is egress
    result = await client.chat(QUESTION, schema=Finding, max_tokens=300, temperature=0.0)
    assert isinstance(result.parsed, Finding)
    assert Finding.model_validate_json(result.text) == result.parsed
    assert result.usage.prompt_tokens > 0
    await client.aclose()
