"""Which addresses may be fetched: a feed or page must not make factdesk reach into its own network.

Checked twice: before each request (every redirect hop, all resolved addresses) for a clear
problem line, and again inside the connection itself, on the very addresses the socket connects
to, so a name that resolves differently the second time (DNS rebinding) still cannot get through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def address_kind(address: IPAddress) -> str | None:
    """Why `address` may not be fetched ('loopback', 'private', ...), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),  # e.g. shared address space 100.64.0.0/10
    )
    return next((name for name, hit in checks if hit), None)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal resolves to itself, with no DNS query)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def refusal(host: str, addresses: Iterable[IPAddress]) -> str | None:
    """The reason to refuse `host`, or None when all of its addresses are public."""
    for address in addresses:
        kind = address_kind(address)
        if kind is not None:
            article = "an" if kind[0] in "aeiou" else "a"
            return (
                f"refused: {host} resolves to {address}, {article} {kind} address (private addresses are not fetched)"
            )
    return None


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses that pass the check."""

    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[tuple] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve(host, port)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        if not self._allow_private:
            reason = refusal(host, addresses)
            if reason:
                raise httpcore.ConnectError(reason)
        last: Exception | None = None
        for address in addresses:  # the checked address itself, not the name again
            try:
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as error:
                last = error
        raise httpcore.ConnectError(f"cannot connect to {host}: {last}")


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection goes through the address check, and never through
    a proxy from the environment (a proxy would connect on our behalf, unchecked)."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__(trust_env=False, retries=0)
        # httpx has no public hook for the socket backend: the pool is built again with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(allow_private),
        )
