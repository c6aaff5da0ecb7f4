"""The protocols: Minion, MinionS, local only, cloud only and auto, as event streams.

``Run`` / ``RunRequest`` (``core.protocols.run``) serve the app and the CLI;
``Minion`` / ``Minions`` (``core.protocols.api``) are the reference-style Python API.
"""

from core.protocols.api import Minion, Minions, ProtocolError
from core.protocols.run import Run, RunRequest

__all__ = ["Minion", "Minions", "ProtocolError", "Run", "RunRequest"]
