"""The structured messages of the protocols, validated with pydantic.

Their JSON schemas go out with every structured call (Ollama ``format``, OpenAI
``response_format``), so they are kept compact: no titles, no descriptions; the
prompts say what each field means.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _strip_titles(value)
            for key, value in node.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_strip_titles(item) for item in node]
    return node


class Compact(BaseModel):
    """A model whose JSON schema carries no titles: every schema token is paid for."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            stripped: dict[str, Any] = _strip_titles(super().model_json_schema(*args, **kwargs))
            return stripped
        if cls not in _SCHEMAS:  # built once: a MinionS run sends it with every job
            _SCHEMAS[cls] = _strip_titles(super().model_json_schema())
        return _SCHEMAS[cls]


_SCHEMAS: dict[type[BaseModel], dict[str, Any]] = {}


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # the prompt says what leaving the field out means


def _none_if_empty(value: Any) -> Any:
    """Small models write "null", "None" or "" where they mean null."""
    if isinstance(value, str) and value.strip().lower() in {"", "null", "none", "n/a", "unknown"}:
        return None
    return value


# --- Minion: the supervisor's turns ---


# (No class docstrings here: pydantic would send them as schema descriptions.)


class Question(Compact):  # the supervisor's first turn: one question for the worker
    question: str


class SupervisorTurn(Compact):  # a later turn: ask again, or answer
    action: Literal["ask", "answer"]
    text: str


class FinalAnswer(Compact):  # the last allowed turn: only an answer fits this schema
    answer: str


# --- MinionS: the plan, the jobs, the synthesis ---


class JobInstruction(Compact):
    task: str
    docs: list[str] = []  # labels ("D1") or file names; empty: every document
    page_from: int = 0  # 0: no limit
    page_to: int = 0
    keywords: list[str] = []  # "all": a chunk matches when it holds any; "best": ranked first
    # "best": the most relevant chunks first, stop once found; "all": every chunk in range.
    # Left out, the task's wording decides (core.protocols.jobs.read_mode).
    read: Literal["best", "all"] = Field("best", json_schema_extra=_no_default)

    @field_validator("docs", "keywords", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("page_from", "page_to", mode="before")
    @classmethod
    def _page(cls, value: Any) -> Any:
        return 0 if value is None else value

    @field_validator("read", mode="before")
    @classmethod
    def _read(cls, value: Any) -> Any:
        word = str(value or "").strip().lower()
        return "all" if word in ("all", "every", "everything", "whole", "full") else "best"


class JobPlan(Compact):
    jobs: list[JobInstruction]


_Text200 = Annotated[str, WithJsonSchema({"type": "string", "maxLength": 200})]
_Text300 = Annotated[str, WithJsonSchema({"type": "string", "maxLength": 300})]


class JobOutput(Compact):
    # maxLength turns into the grammar of Ollama's `format` and llama.cpp, so a small model
    # cannot ramble past max_tokens into JSON that never closes; longer text is cut, not refused.
    explanation: _Text200
    citation: _Text300 | None  # words copied from the chunk
    answer: _Text300 | None  # None: the chunk does not hold it

    @field_validator("citation", "answer", mode="before")
    @classmethod
    def _empty_is_null(cls, value: Any) -> Any:
        value = _none_if_empty(value)
        return value[:300] if isinstance(value, str) else value

    @field_validator("explanation", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value[:200] if isinstance(value, str) else value


class Synthesis(Compact):
    decision: Literal["answer", "more"]
    answer: str = ""
    cite: list[str] = []
    notes: str = ""


class FinalSynthesis(Compact):
    answer: str
    cite: list[str] = []


# --- Local-only and cloud-only: one reader with the whole documents ---


MAX_QUOTES, QUOTE_CHARS = 6, 300
_Quotes = Annotated[
    list[str],
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string", "maxLength": QUOTE_CHARS},
            "maxItems": MAX_QUOTES,
        }
    ),
]


class QuotedAnswer(Compact):
    answer: str
    # Bounded, so that a small model that keeps adding quotes under a JSON grammar still
    # closes the object within max_tokens; more or longer ones are cut, not refused.
    quotes: _Quotes = []

    @field_validator("quotes", mode="before")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [q[:QUOTE_CHARS] if isinstance(q, str) else q for q in value[:MAX_QUOTES]]
