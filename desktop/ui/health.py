"""What a failure means for the user, and the one thing to do about it."""

from __future__ import annotations

from dataclasses import dataclass

from core.services import Services


@dataclass(frozen=True, slots=True)
class Problem:
    key: str  # one banner per topic: "local", "cloud", "run"
    level: str  # "error", "warning" or "info"
    title: str
    detail: str = ""
    open_settings: bool = False


def local_problem(kind: str, message: str, hint: str) -> Problem:
    """The local runtime could not be used (at start-up or during a run)."""
    if kind == "model_missing":
        detail = f"{_sentence(hint).rstrip('.')} in a terminal, then try again." if hint else ""
        return Problem("local", "error", message, detail)
    if kind == "unreachable" and "Ollama" in message:
        return Problem(
            "local",
            "error",
            message,
            "Start it with `ollama serve` (or open the Ollama app), or choose another local "
            "runtime in Settings. When the built-in model is installed, Minions uses it instead.",
            open_settings=True,
        )
    return Problem("local", "error", message, _sentence(hint), open_settings=True)


def run_problem(kind: str, message: str, hint: str) -> Problem:
    """A run that failed: which banner, if any, should tell the user what to do."""
    if kind == "auth":
        return Problem(
            "cloud",
            "error",
            "The cloud provider rejected the API key",
            f"{message}. Local only still works; paste a new key in Settings.",
            open_settings=True,
        )
    if kind in ("model_missing",) or "Ollama" in message:
        return local_problem(kind, message, hint)
    if kind == "blocked":
        return Problem("run", "warning", message, _sentence(hint), open_settings=True)
    if kind in ("rate_limited", "timeout", "server"):
        return Problem("run", "warning", message, _sentence(hint) or "Try again in a moment.")
    return Problem("run", "error", message, _sentence(hint))


def no_key_problem(services: Services) -> Problem | None:
    """Without a cloud key only Local only works; say so once, kindly."""
    if services.settings.local_only or services.keys.current().key:
        return None
    return Problem(
        "cloud",
        "info",
        "No cloud API key yet",
        "Local only works without one. To let a cloud model plan (Minion, MinionS), add a key "
        "in Settings; it is kept in your system keyring.",
        open_settings=True,
    )


def _sentence(hint: str) -> str:
    hint = hint.strip()
    if not hint:
        return ""
    hint = hint[0].upper() + hint[1:]
    return hint if hint.endswith((".", "!", "?")) else hint + "."
