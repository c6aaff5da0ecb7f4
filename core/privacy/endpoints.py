"""Deciding whether a client's requests leave this machine: by seat first, then by host.

Every request from the supervisor seat is egress, whatever its host: a ``localhost``
endpoint is often a proxy to a cloud (LiteLLM, an SSH tunnel, a company gateway) and
the app cannot see past it. Only the user can say otherwise ("this endpoint is a model
on this computer"). A worker is egress when its host is not loopback. The decision is
made once, when a client is built, and carried by the client's ``egress`` flag.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Seat(StrEnum):
    WORKER = "worker"  # reads the documents; meant to be on this machine
    SUPERVISOR = "supervisor"  # plans and reasons; meant to be in the cloud


def is_loopback_host(host: str) -> bool:
    """True only for loopback addresses and the name ``localhost``; anything else is egress."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback  # ::ffff:127.0.0.1
    return address.is_loopback


def host_of(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    return parts.hostname or "", parts.port


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(host_of(url)[0])


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a client sends, as the audit records it."""

    seat: Seat
    host: str
    port: int | None
    loopback: bool
    egress: bool
    on_this_computer: bool = False  # the user said the supervisor runs on this computer

    def as_meta(self) -> dict[str, object]:
        return {
            "seat": str(self.seat),
            "host": self.host,
            "port": self.port,
            "loopback": self.loopback,
        }


def destination(seat: Seat, url: str, *, on_this_computer: bool = False) -> Destination:
    """The one egress decision: made when a client is built, never per request."""
    host, port = host_of(url)
    loopback = is_loopback_host(host)
    if seat is Seat.SUPERVISOR:
        # The user's word counts only for an endpoint that is really on this machine.
        declared = on_this_computer and loopback
        return Destination(
            seat, host, port, loopback, egress=not declared, on_this_computer=declared
        )
    return Destination(seat, host, port, loopback, egress=not loopback)
