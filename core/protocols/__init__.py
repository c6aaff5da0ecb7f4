"""The protocols: Minion, MinionS, local only, cloud only and auto, as event streams."""
