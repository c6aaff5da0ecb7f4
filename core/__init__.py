"""Minions Desktop core: documents, model clients, protocols and privacy, with no Qt."""

__version__ = "0.1.0"
