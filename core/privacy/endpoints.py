"""Deciding whether a URL stays on this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """True only for loopback addresses and the name ``localhost``; anything else is egress."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    if "://" not in url:
        url = f"http://{url}"
    return is_loopback_host(urlsplit(url).hostname or "")
