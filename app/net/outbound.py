"""The one gate for requests the service sends to other hosts: which URLs may be reached, and sending to them.

A URL is checked when it is given (a webhook is created): an absolute https:// URL without
user info, whose host is a public name or a public IP address written the usual way. It is
checked again when a request is sent, and then the name is resolved and every address it
resolves to must be public too; the request goes to the address that was checked (the TLS
name and the Host header stay the name), so a second lookup that answers differently (DNS
rebinding) never happens. Redirects are not followed, and nothing of an answer but its
status code is read, so what a target says never travels back to whoever named it.

Refused, in every spelling: private, loopback, link-local, unique-local, shared (CGNAT),
multicast, reserved, documentation and other special-purpose addresses; the legacy inet_aton
forms of IPv4 (2130706433, 0x7f000001, 0177.0.0.1, 127.1); IPv6 forms that carry an IPv4
address (::ffff:10.0.0.1, 64:ff9b::a00:1, 2002:a00:1::); IDNA spellings of digits and dots
(full-width, ideographic full stop); names that only a local network answers (no dot,
.internal, .local, .svc, ...) and names that spell a refused address (10.0.0.1.nip.io).
Loopback is allowed only when `CENTRICITY_OUTBOUND_ALLOW_LOOPBACK` is on (tests, local
development); the other local ranges never are.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urlsplit

import httpx
import idna

from app.settings import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (name, port) -> the addresses the name resolves to; raises OSError when it resolves to none.
Resolver = Callable[[str, int], Sequence[str]]

# The short, fixed reasons a log may keep: never anything the target said, never where a name pointed.
ADDRESS_NOT_ALLOWED = "address not allowed"
URL_NOT_ALLOWED = "URL not allowed"
NOT_RESOLVED = "name not resolved"
CONNECTION_REFUSED = "connection refused"
CONNECTION_FAILED = "connection failed"
TLS_FAILED = "TLS error"
TIMEOUT = "timeout"
# A name may resolve to several addresses; an unreachable one (no IPv6 route, a host down)
# moves on to the next, up to this many, so one send stays bounded.
MAX_ADDRESSES_TRIED = 3

LOOPBACK = "a loopback address"
# Checked in this order; the first that holds names what the address is. Written out rather
# than left to `ipaddress.is_global`, whose lists differ between Python releases and which
# calls multicast, 6to4, NAT64 and site-local addresses global.
REFUSED_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(network), kind)
    for network, kind in (
        ("127.0.0.0/8", LOOPBACK),
        ("::1/128", LOOPBACK),
        ("0.0.0.0/8", "the unspecified address or 'this network'"),
        ("::/128", "the unspecified address or 'this network'"),
        ("10.0.0.0/8", "a private address"),
        ("172.16.0.0/12", "a private address"),
        ("192.168.0.0/16", "a private address"),
        ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        ("169.254.0.0/16", "a link-local address (where cloud metadata services answer)"),
        ("fe80::/10", "a link-local address"),
        ("fc00::/7", "a unique-local (private) address"),
        ("fec0::/10", "a site-local (private) address"),
        ("224.0.0.0/4", "a multicast address"),
        ("ff00::/8", "a multicast address"),
        ("255.255.255.255/32", "the broadcast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("192.0.0.0/24", "a reserved (protocol assignment) address"),
        ("192.88.99.0/24", "a reserved (6to4 relay) address"),
        ("198.18.0.0/15", "a reserved (benchmarking) address"),
        ("192.0.2.0/24", "a documentation address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("2001:db8::/32", "a documentation address"),
        ("3fff::/20", "a documentation address"),
        ("::/96", "a deprecated IPv4-compatible address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
        ("100::/64", "a discard-only address"),
        ("2001::/23", "a reserved (protocol assignment) address"),
        ("5f00::/16", "a reserved (segment routing) address"),
    )
)
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

# Names only a local network answers: special-use (RFC 6761, 6762, 8375, 9476) and the
# suffixes clusters, clouds and home routers answer for.
LOCAL_SUFFIXES = frozenset(
    {"local", "internal", "intranet", "lan", "home", "corp", "private", "localdomain", "svc", "arpa"}
    | {"test", "invalid", "onion", "alt"}
)
PATH_SAFE = "/%?&=+:@!$'()*,;~-._[]"
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")
_DASHED_IPV4 = re.compile(r"(?:^|[^0-9])([0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3})$")


class Refused(Exception):
    """The guard does not send there. `message` says why, for whoever gave the URL; `reason` is the
    short fixed text a delivery log keeps."""

    def __init__(self, message: str, reason: str = ADDRESS_NOT_ALLOWED):
        super().__init__(message)
        self.message = message
        self.reason = reason


class SendFailed(Exception):
    """The request could not be made or answered; `reason` is one of the fixed texts above."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for there."""

    scheme: str
    host: str  # an ASCII name (IDNA A-labels, no trailing dot), or the address as text
    address: IPAddress | None  # set when the URL names an address rather than a name
    port: int
    path: str  # path and query, percent-encoded ASCII

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if isinstance(self.address, ipaddress.IPv6Address) else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """`text` read the way inet_aton (and so the system resolver) reads it, or None: one to four
    parts, each decimal, 0x hex or 0-led octal, the last filling the remaining bytes (127.1 is
    127.0.0.1, 2130706433 is 127.0.0.1)."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        if not _NUMBER.fullmatch(part):
            return None
        if part[:2].lower() == "0x":
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part[0] == "0":
            if not set(part) <= set("01234567"):
                return None
            numbers.append(int(part, 8))
        else:
            numbers.append(int(part))
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def address_problem(address: IPAddress, allow_loopback: bool = False) -> str | None:
    """What kind of address `address` is when requests must not go there, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_problem(address.ipv4_mapped, allow_loopback)
        carried = _carried_ipv4(address)
        if carried is not None:
            problem = address_problem(carried)
            if problem is not None:
                return f"an IPv6 form of {carried}, {problem}"
    for network, kind in REFUSED_NETWORKS:
        if address in network:
            return None if kind == LOOPBACK and allow_loopback else kind
    if not address.is_global:
        return "not a public address"
    return None


def _carried_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a NAT64 or 6to4 address reaches, which is where the packets end up."""
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _plain(address: IPAddress) -> IPAddress:
    # ::ffff:a.b.c.d is a.b.c.d: connect to (and report) the IPv4 address itself.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _refusal(spelled: str, address: IPAddress, problem: str) -> Refused:
    said = spelled if spelled.strip("[]") == str(address) else f"{spelled} (that is {address})"
    return Refused(f"{said} is {problem}; requests go only to public internet addresses")


def _host(host: str, bracketed: bool, allow_loopback: bool) -> tuple[str, IPAddress | None]:
    """The host of a URL as an ASCII name or an address, refused when it is not a public one."""
    if bracketed:
        if "%" in host:
            raise Refused(f"[{host}]: an IPv6 zone (%) names a local interface and is not accepted", URL_NOT_ALLOWED)
        try:
            v6 = ipaddress.IPv6Address(host)
        except ValueError:
            raise Refused(f"[{host}] is not a valid IPv6 address", URL_NOT_ALLOWED) from None
        address = _plain(v6)
        problem = address_problem(address, allow_loopback)
        if problem is not None:
            raise _refusal(f"[{host}]", address, problem)
        return str(address), address
    try:
        # UTS 46 maps what a browser would: upper case, full-width digits, ideographic dots.
        name = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise Refused(f"{host} is not a valid host name ({exc})", URL_NOT_ALLOWED) from None
    name = name.removesuffix(".")  # the root's dot: example.com. is example.com
    if not name or name.endswith("."):
        raise Refused(f"{host} is not a valid host name", URL_NOT_ALLOWED)
    # As URL parsers do: a host whose last label is a number is an IPv4 address, whatever its form.
    if _NUMBER.fullmatch(name.rsplit(".", 1)[-1]):
        ipv4 = parse_ipv4(name)
        if ipv4 is None:
            raise Refused(f"{host} is not a valid IPv4 address", URL_NOT_ALLOWED)
        problem = address_problem(ipv4, allow_loopback)
        if problem is not None:
            raise _refusal(host, ipv4, problem)
        if str(ipv4) != name:
            raise Refused(f"{host} is an unusual way of writing {ipv4}: write {ipv4}", URL_NOT_ALLOWED)
        return name, ipv4
    problem = _name_problem(name, allow_loopback)
    if problem is not None:
        raise Refused(problem)
    return name, None


def _name_problem(name: str, allow_loopback: bool) -> str | None:
    if name == "localhost" or name.endswith(".localhost"):
        return None if allow_loopback else f"{name} is this machine ({LOOPBACK}); requests go only to public names"
    if "." not in name:
        return f"{name} has no dot: such names are answered by the local network; give the full public name"
    suffix = name.rsplit(".", 1)[1]
    if suffix in LOCAL_SUFFIXES:
        return f"{name} is a local name (.{suffix}), not one on the public internet"
    for spelled in _spelled_ipv4(name):
        problem = address_problem(spelled)
        if problem is not None:
            return f"{name} spells the address {spelled}, {problem}; requests go only to public names"
    return None


def _spelled_ipv4(name: str) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses written into a name, which wildcard DNS services answer with
    (10.0.0.1.nip.io, 10-0-0-1.sslip.io)."""
    labels = name.split(".")
    spelled = [labels[start : start + 4] for start in range(len(labels) - 3)]
    spelled += [dashed.group(1).split("-") for dashed in map(_DASHED_IPV4.search, labels) if dashed]
    return [
        ipaddress.IPv4Address(".".join(str(int(n)) for n in numbers))
        for numbers in spelled
        if all(n.isdigit() and len(n) <= 3 and int(n) <= 255 for n in numbers)
    ]


def check_url(url: str, allow_loopback: bool = False) -> Target:
    """The target of `url`, or `Refused` saying what is wrong with it; no network traffic."""
    if any(c.isspace() or not c.isprintable() for c in url):
        raise Refused("a URL has no spaces or control characters", URL_NOT_ALLOWED)
    if "\\" in url:
        # Browsers read a backslash as a slash, Python's parser does not: one URL, two hosts.
        raise Refused("a URL has no backslashes", URL_NOT_ALLOWED)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number or out of range
    except ValueError as exc:
        raise Refused(f"not a valid URL ({exc})", URL_NOT_ALLOWED) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Refused("give an absolute https:// URL", URL_NOT_ALLOWED)
    if "@" in parts.netloc:
        # The URL is shown in listings and logs; credentials belong in the signature check instead.
        raise Refused(
            "a URL with a user name or password is not accepted; the signature authenticates each request",
            URL_NOT_ALLOWED,
        )
    if "#" in url:
        raise Refused("a URL with a #fragment is not accepted", URL_NOT_ALLOWED)
    if port == 0:
        raise Refused("port 0 cannot be reached", URL_NOT_ALLOWED)
    bracketed = parts.netloc.startswith("[")
    if parts.scheme == "http" and not _is_loopback_host(parts.hostname, bracketed):
        # Anything else would carry the signed payload in clear across networks.
        raise Refused("use https://; plain http:// is accepted only for a receiver on this machine", URL_NOT_ALLOWED)
    host, address = _host(parts.hostname, bracketed, allow_loopback)
    # As sent on the request line: ASCII, other characters percent-encoded, existing escapes kept.
    path = quote(parts.path or "/", safe=PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=PATH_SAFE)
    return Target(parts.scheme, host, address, port or (443 if parts.scheme == "https" else 80), path)


def _is_loopback_host(host: str, bracketed: bool) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.IPv6Address(host) if bracketed else ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return _plain(address).is_loopback


def system_resolver(name: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)]


@lru_cache(maxsize=1)
def _default_ssl_context() -> ssl.SSLContext:
    # Built once: loading the trust store for every request would cost more than the request.
    return httpx.create_ssl_context()


def _reason(exc: BaseException) -> str:
    """The fixed reason for a failed connection, from the OS or TLS error at the root of httpx's."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return TLS_FAILED
        if isinstance(cause, ConnectionRefusedError):
            return CONNECTION_REFUSED
        cause = cause.__cause__ or cause.__context__
    return CONNECTION_FAILED


@dataclass(frozen=True)
class OutboundGuard:
    """Checks URLs and sends to them. `resolve` answers names (tests give a table instead of DNS);
    `ssl_context` verifies servers (tests give one that trusts their own certificate)."""

    allow_loopback: bool = False
    resolve: Resolver = system_resolver
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)

    def check(self, url: str) -> Target:
        return check_url(url, self.allow_loopback)

    def addresses(self, target: Target) -> list[IPAddress]:
        """Where `target` may be reached: its own address, or every address its name resolves to, each allowed."""
        if target.address is not None:
            return [target.address]
        try:
            answers = self.resolve(target.host, target.port)
        except (OSError, UnicodeError):
            raise SendFailed(NOT_RESOLVED) from None
        checked: list[IPAddress] = []
        for answer in answers:
            try:
                address = _plain(ipaddress.ip_address(answer))
            except ValueError:
                raise Refused(f"{target.host} resolves to something that is not an address") from None
            # One refused address refuses the name: which one a connection would use is not ours to choose.
            problem = address_problem(address, self.allow_loopback)
            if problem is not None or (target.scheme == "http" and not address.is_loopback):
                raise Refused(f"{target.host} resolves to an address that is not allowed")
            if address not in checked:
                checked.append(address)
        if not checked:
            raise SendFailed(NOT_RESOLVED)
        return checked

    def post(self, url: str, content: bytes, headers: Mapping[str, str], timeout: float) -> int:
        """POST `content` to `url` and return the answer's status code; its body is never read.
        Raises `Refused` when the URL or an address of its name is not allowed, `SendFailed` otherwise."""
        target = self.check(url)
        addresses = self.addresses(target)
        transport = httpx.HTTPTransport(verify=self.ssl_context or _default_ssl_context(), retries=0, trust_env=False)
        # trust_env=False: no proxy from the environment, which would resolve the name itself.
        with httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False) as client:
            extensions = {"sni_hostname": target.host} if target.address is None else {}
            reason = CONNECTION_FAILED
            for address in addresses[:MAX_ADDRESSES_TRIED]:
                request = client.build_request(
                    "POST",
                    httpx.URL(scheme=target.scheme, host=str(address), port=target.port, raw_path=target.path.encode()),
                    content=content,
                    headers={**headers, "Host": target.host_header},
                    extensions=extensions,
                )
                try:
                    response = client.send(request, stream=True)
                except httpx.TimeoutException:
                    raise SendFailed(TIMEOUT) from None
                except httpx.ConnectError as exc:
                    reason = _reason(exc)
                    if reason == TLS_FAILED:
                        raise SendFailed(reason) from None
                    continue  # this address is unreachable; the name may have another
                except httpx.HTTPError as exc:
                    raise SendFailed(_reason(exc)) from None
                response.close()  # unread: the status is all that is kept
                return response.status_code
        raise SendFailed(reason)


def guard_from_settings() -> OutboundGuard:
    """The guard as configured: loopback allowed only with `CENTRICITY_OUTBOUND_ALLOW_LOOPBACK`."""
    return OutboundGuard(allow_loopback=get_settings().outbound_allow_loopback)
