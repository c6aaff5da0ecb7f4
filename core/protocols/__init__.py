"""The protocols: Minion, MinionS, local only, cloud only and auto, as event streams.

``Run`` / ``RunRequest`` (``core.protocols.run``) serve the app and the CLI;
``Minion`` / ``Minions`` (``core.protocols.api``) are the reference-style Python API.
They are imported on first use, so ``core.protocols.events`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.protocols.api import Minion, Minions, ProtocolError
    from core.protocols.run import Run, RunRequest

_HOME = {
    "Minion": "api",
    "Minions": "api",
    "ProtocolError": "api",
    "Run": "run",
    "RunRequest": "run",
}

__all__ = [
    "Minion",
    "Minions",
    "ProtocolError",
    "Run",
    "RunRequest",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
