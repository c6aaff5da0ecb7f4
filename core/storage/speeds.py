"""How fast each local model has been on this computer, so a run can be estimated before it starts.

Two running averages per model: MinionS jobs finished per second (with the run's own
concurrency), and prompt tokens read per second by a single reader (Minion, Local
only). Kept in ``speeds.json`` in the data folder; a damaged file is simply forgotten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from core.storage.paths import minions_home

SMOOTHING = 0.3  # weight of the newest measurement in the running average
# Until a model has been measured here: a 3B model on an ordinary laptop CPU.
GUESS_JOBS_PER_S = 0.4
GUESS_TOKENS_PER_S = 150.0


@dataclass(frozen=True, slots=True)
class Speed:
    jobs_per_s: float
    tokens_per_s: float
    measured: bool  # False: a guess, until a run on this computer measured it


def _path() -> os.PathLike[str]:
    return minions_home() / "speeds.json"


def _load() -> dict[str, dict[str, float]]:
    try:
        with open(_path(), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def speed_of(model: str) -> Speed:
    known = _load().get(model, {})
    return Speed(
        float(known.get("jobs_per_s") or GUESS_JOBS_PER_S),
        float(known.get("tokens_per_s") or GUESS_TOKENS_PER_S),
        measured=bool(known),
    )


def record_speed(
    model: str, *, jobs_per_s: float | None = None, tokens_per_s: float | None = None
) -> None:
    """Fold one run's measurements into the model's running averages."""
    data = _load()
    entry = data.setdefault(model, {})
    for key, value in (("jobs_per_s", jobs_per_s), ("tokens_per_s", tokens_per_s)):
        if value is None or value <= 0:
            continue
        old = entry.get(key)
        entry[key] = value if not old else (1 - SMOOTHING) * float(old) + SMOOTHING * value
    path = minions_home() / "speeds.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), "utf-8")
    os.replace(tmp, path)
