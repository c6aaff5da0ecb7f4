"""Pytest fixtures: a fresh, started fake per test, stopped afterwards.

Use with `pytest_plugins = ["tests.fakes.fixtures"]`. At teardown, an exception
raised by a responder or `on_receive` callback (other than FakeHTTPError) is
re-raised so a broken callback cannot hide behind a 500 response.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes._server import FakeServer
from tests.fakes.ollama_fake import OllamaFake
from tests.fakes.openai_fake import OpenAIFake


def _check_callbacks(fake: FakeServer) -> None:
    if fake.callback_errors:
        raise fake.callback_errors[0]


@pytest.fixture
def fake_ollama() -> Iterator[OllamaFake]:
    fake = OllamaFake().start()
    try:
        yield fake
    finally:
        fake.stop()
    _check_callbacks(fake)


@pytest.fixture
def fake_openai() -> Iterator[OpenAIFake]:
    fake = OpenAIFake().start()
    try:
        yield fake
    finally:
        fake.stop()
    _check_callbacks(fake)
