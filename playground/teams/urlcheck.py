"""Outbound URL checks: a provider URL must not reach this server's own machine or network.

Unless settings.ALLOW_PRIVATE_PROVIDER_URLS is on (the development default), a provider's host
must be a public address, and a host name must resolve only to public addresses. The check runs
when a credential is saved and again before every outbound call (access.ProviderChoice
.checked_config), because DNS can change after saving. A residual risk remains: the HTTP client
resolves the name again when it connects, so a DNS server answering with a public address to the
check and a private one a moment later (DNS rebinding) can still slip through; closing that needs
connecting to the checked address itself (a custom transport) or an egress firewall.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Shared address space for carrier-grade NAT; ipaddress does not count it as private.
CGNAT = ipaddress.ip_network("100.64.0.0/10")
# IETF protocol assignments (RFC 6890): dummy, NAT and anycast addresses of network plumbing, none of
# them a provider's. Python's ipaddress counts only parts of this block as non-global.
IETF_PROTOCOL = ipaddress.ip_network("192.0.0.0/24")
# Deprecated site-local IPv6 (RFC 3879): still routed inside some networks, never on the internet,
# though ipaddress calls it global.
SITE_LOCAL = ipaddress.ip_network("fec0::/10")
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


def check_provider_url(url: str) -> None:
    """Raise ValidationError when `url` points at a loopback, private or otherwise non-public address."""
    if getattr(settings, "ALLOW_PRIVATE_PROVIDER_URLS", False):
        return
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ValidationError("Enter a valid URL.", code="invalid") from None
    if not host:
        raise ValidationError("Enter a URL with a host name.", code="invalid")
    literal = _as_address(host)
    addresses = [literal] if literal is not None else _resolve(host, port or (443 if parts.scheme == "https" else 80))
    for address in addresses:
        reason = blocked_reason(address)
        if reason:
            where = f"{host}, {reason}" if literal is not None else f"{host}, which resolves to {address}, {reason}"
            raise ValidationError(
                f"This URL points to {where}. This server only connects to public addresses, "
                "so it cannot be used to reach its own network.",
                code="private_address",
            )


def blocked_reason(address: IPAddress) -> str:
    """Why connecting to `address` is refused ("" when it is a public address)."""
    # IPv6 forms that carry an IPv4 address reach that address: judge the address inside.
    for form, embedded in (("an IPv4-mapped", "ipv4_mapped"), ("a 6to4", "sixtofour")):
        inner_address = getattr(address, embedded, None)
        if inner_address is not None:
            inner = blocked_reason(inner_address)
            return f"{form} form of {inner_address} ({inner})" if inner else ""
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.version == 4 and address in CGNAT:
        return "a carrier-grade NAT address"
    if address.version == 4 and address in IETF_PROTOCOL:
        return "an IETF protocol assignment (192.0.0.0/24)"
    if address.version == 6 and address in UNIQUE_LOCAL:
        return "a unique-local IPv6 address"
    if address.version == 6 and address in SITE_LOCAL:
        return "a deprecated site-local IPv6 address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private network address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return ""


def _as_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the name resolves to. A name that does not resolve cannot be reached either:
    the check lets it pass, and the run-time check looks again."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    # Scope ids ("fe80::1%eth0") are dropped: the address itself decides.
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
