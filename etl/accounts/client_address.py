"""Which address a request comes from, for login throttling and the audit log (no Streamlit here:
the page passes the peer's address and the X-Forwarded-For header in).

The address is the peer's (the other end of the TCP connection), unless the peer is one of the
configured trusted proxies (settings.trusted_proxies, DVK_TRUSTED_PROXIES): then it is the
left-most X-Forwarded-For entry, which such a proxy must set (not append to). Anyone else can
write any X-Forwarded-For they like, so it is ignored for them.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache

LOOPBACK = "127.0.0.1"  # Streamlit reports a loopback peer as None
UNKNOWN = "unknown"
MAX_ADDRESS = 64


@lru_cache(maxsize=32)
def trusted_networks(spec: str) -> tuple:
    """'10.0.0.5, 192.168.1.0/24' -> networks; entries that are not addresses are ignored."""
    networks = []
    for item in (spec or "").replace(";", ",").split(","):
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


def parse_address(text: str | None) -> str | None:
    """A normalised IP address from '203.0.113.9', '203.0.113.9:5123', '[2001:db8::1]:443', or None."""
    text = (text or "").strip()[:MAX_ADDRESS + 16]
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def from_trusted_proxy(peer: str | None, trusted: str) -> bool:
    """Whether the peer (None = loopback) is one of the trusted proxies."""
    address = parse_address(peer or LOOPBACK)
    return address is not None and any(ipaddress.ip_address(address) in net
                                       for net in trusted_networks(trusted))


def client_address(peer: str | None, forwarded_for: str | None, trusted: str) -> str:
    """The client's address: the peer's, or the left-most X-Forwarded-For entry when the peer is
    a trusted proxy. `peer` None means loopback (as Streamlit reports it)."""
    if forwarded_for and from_trusted_proxy(peer, trusted):
        first = parse_address(forwarded_for.split(",", 1)[0])
        if first:
            return first
    return parse_address(peer or LOOPBACK) or UNKNOWN


def is_https(scheme: str, peer: str | None, forwarded_proto: str | None, trusted: str) -> bool:
    """Whether the browser talks https: the request's own scheme, or X-Forwarded-Proto from a
    trusted proxy (a TLS proxy in front of the dashboard)."""
    if (scheme or "").lower() in ("https", "wss"):
        return True
    proto = (forwarded_proto or "").split(",", 1)[0].strip().lower()
    return proto == "https" and from_trusted_proxy(peer, trusted)
