"""What a failure or a missing piece means for the user, and the one thing to do about it.

Every decision here is made on the error's kind (``ErrorKind`` values, or the run's own
kinds such as "no_documents"), never on the words of its message.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.clients.base import ErrorKind


@dataclass(frozen=True, slots=True)
class Problem:
    key: str  # one banner per topic: "local" (the local runtime) or "run" (the last question)
    kind: str  # what went wrong: an ErrorKind value, or "no_documents"
    level: str  # "error", "warning" or "info"
    title: str
    detail: str = ""
    open_settings: bool = False
    offer_local_only: bool = False  # the question can be answered again with Local only


@dataclass(frozen=True, slots=True)
class SetupNotice:
    """Something a new user should know once; dismissing it is remembered by ``id``."""

    id: str
    text: str


def local_problem(kind: str, message: str, hint: str, runtime: str) -> Problem:
    """The local runtime (``runtime``: the setting) could not be used at start-up."""
    if kind == ErrorKind.MODEL_MISSING:
        detail = f"{_sentence(hint).rstrip('.')} in a terminal, then try again." if hint else ""
        return Problem("local", kind, "error", message, detail)
    if kind == ErrorKind.UNREACHABLE and runtime in ("auto", "ollama"):
        return Problem(
            "local",
            kind,
            "error",
            message,
            "Start it with `ollama serve` (or open the Ollama app), or choose another local "
            "runtime in Settings. When the built-in model is installed, Minions uses it instead.",
            open_settings=True,
        )
    return Problem("local", kind, "error", message, _sentence(hint), open_settings=True)


def run_problem(kind: str, message: str, hint: str) -> Problem:
    """A question that got no answer: what the banner says and offers."""
    if kind == ErrorKind.NO_KEY:
        return Problem(
            "run",
            kind,
            "warning",
            "No cloud API key is set",
            "Minion and MinionS need a key for the cloud model that plans. Answer with Local "
            "only, or add a key in Settings (it is kept in your system keyring).",
            open_settings=True,
            offer_local_only=True,
        )
    if kind == ErrorKind.AUTH:
        return Problem(
            "run",
            kind,
            "error",
            "The cloud provider rejected the API key",
            f"{_sentence(message)} Answer with Local only, or paste a new key in Settings.",
            open_settings=True,
            offer_local_only=True,
        )
    if kind == "no_documents":
        return Problem(
            "run",
            kind,
            "info",
            "Add a document first",
            "Drop files or a folder on the window, or press Ctrl+O, then ask again.",
        )
    if kind == ErrorKind.INVALID_OUTPUT:  # its message and hint are the model's raw reply
        return Problem(
            "run",
            kind,
            "warning",
            "A model's reply could not be read",
            "It did not answer in the form it was asked for. Asking again often works; a "
            "larger local model makes it rarer.",
        )
    if kind == "internal":
        return Problem(
            "run",
            kind,
            "error",
            "Something went wrong inside Minions",
            "Your conversations are saved. The details are in the log file.",
        )
    if kind in (ErrorKind.UNREACHABLE, ErrorKind.MODEL_MISSING, ErrorKind.BLOCKED):
        return Problem("run", kind, "error", message, _sentence(hint), open_settings=True)
    if kind in (ErrorKind.RATE_LIMITED, ErrorKind.TIMEOUT, ErrorKind.SERVER):
        return Problem("run", kind, "warning", message, _sentence(hint) or "Try again in a moment.")
    return Problem("run", kind, "error", message, _sentence(hint))


def setup_notices(
    *,
    key_missing: bool,
    builtin_model_notice: str,
    warnings: list[str],
) -> list[SetupNotice]:
    """The notices that apply now; one that no longer applies is simply not in the list."""
    notices = []
    if builtin_model_notice:
        notices.append(SetupNotice("builtin_model", _sentence(builtin_model_notice)))
    if key_missing:
        notices.append(
            SetupNotice(
                "no_key",
                "No cloud API key yet, so questions are answered with Local only. Add a key "
                "in Settings to let a cloud model plan with MinionS; it never sees your files.",
            )
        )
    notices += [SetupNotice(f"warning:{text}", _sentence(text)) for text in warnings]
    return notices


def _sentence(hint: str) -> str:
    hint = hint.strip()
    if not hint:
        return ""
    hint = hint[0].upper() + hint[1:]
    return hint if hint.endswith((".", "!", "?")) else hint + "."
