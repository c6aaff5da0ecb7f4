"""Minions Desktop: the Qt application over ``core`` (PySide6 + qasync)."""
