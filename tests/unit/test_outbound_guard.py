"""The outbound guard without a network: the URLs, spellings and resolved addresses it refuses or lets through."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

import pytest

from app.net.outbound import (
    ADDRESS_NOT_ALLOWED,
    NOT_RESOLVED,
    URL_NOT_ALLOWED,
    OutboundGuard,
    Refused,
    SendFailed,
    Target,
    address_problem,
    check_url,
    parse_ipv4,
)
from app.settings import Settings


def table_resolver(table: Mapping[str, Sequence[str]]) -> OutboundGuard:
    """A guard whose DNS is `table` (with loopback allowed, as in tests): no lookup leaves the process."""

    def resolve(name: str, port: int) -> Sequence[str]:
        if name not in table:
            raise OSError(f"{name} does not resolve")
        return table[name]

    return OutboundGuard(allow_loopback=True, resolve=resolve)


# Every spelling of a refused address the issue reported, and more of each kind; each with a word
# the message must contain so that a refusal for the wrong reason fails too.
REFUSED = [
    # the reported ones
    ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://10.0.0.1", "private"),
    ("https://192.168.0.1", "private"),
    ("https://[fd00:ec2::254]", "unique-local"),
    ("https://metadata.google.internal", "local name"),
    ("https://2130706433", "loopback"),
    ("https://0x7f000001", "loopback"),
    ("https://127.0.0.1.nip.io", "loopback"),
    ("https://kubernetes.default.svc", "local name"),
    ("http://127.0.0.1:6379/", "loopback"),
    ("http://localhost:8080/", "loopback"),
    # legacy inet_aton spellings: decimal, hex, octal, partial, mixed
    ("https://127.1", "loopback"),
    ("https://127.0.1", "loopback"),
    ("https://0177.0.0.1", "loopback"),
    ("https://0x7f.0.0.1", "loopback"),
    ("https://0x7f.1", "loopback"),
    ("https://017700000001", "loopback"),
    ("https://127.000.000.001", "loopback"),
    ("https://3232235521", "private"),  # 192.168.0.1
    ("https://0xa9fea9fe", "link-local"),  # 169.254.169.254
    ("https://0251.0376.0251.0376", "link-local"),
    ("https://169.254.43518", "link-local"),
    ("https://0", "unspecified"),
    ("https://0.0.0.0", "unspecified"),
    ("https://127.0.0.1.", "loopback"),  # the root's trailing dot
    ("https://１２７．０．０．１/", "loopback"),  # full-width digits and dots (IDNA maps them)
    ("https://127。0。0。1/", "loopback"),  # ideographic full stops
    # every kind of range
    ("https://172.16.5.4", "private"),
    ("https://172.31.255.255", "private"),
    ("https://100.64.0.1", "carrier-grade"),
    ("https://100.127.255.254", "carrier-grade"),
    ("https://169.254.0.1", "link-local"),
    ("https://224.0.0.1", "multicast"),
    ("https://239.255.255.250", "multicast"),
    ("https://255.255.255.255", "broadcast"),
    ("https://240.0.0.1", "reserved"),
    ("https://192.0.0.170", "reserved"),
    ("https://198.18.0.1", "benchmarking"),
    ("https://192.0.2.1", "documentation"),
    ("https://203.0.113.7", "documentation"),
    # IPv6, and IPv6 forms that carry an IPv4 address
    ("https://[::1]", "loopback"),
    ("https://[0:0:0:0:0:0:0:1]", "loopback"),
    ("https://[::]", "unspecified"),
    ("https://[fe80::1]", "link-local"),
    ("https://[fc00::1]", "unique-local"),
    ("https://[fec0::1]", "site-local"),
    ("https://[ff02::1]", "multicast"),
    ("https://[2001:db8::1]", "documentation"),
    ("https://[::ffff:127.0.0.1]", "loopback"),
    ("https://[::ffff:7f00:1]", "loopback"),
    ("https://[::ffff:169.254.169.254]", "link-local"),
    ("https://[0:0:0:0:0:ffff:a00:1]", "private"),
    ("https://[::127.0.0.1]", "IPv4-compatible"),
    ("https://[64:ff9b::a9fe:a9fe]", "169.254.169.254"),  # NAT64
    ("https://[64:ff9b::10.0.0.1]", "10.0.0.1"),
    ("https://[2002:7f00:1::]", "127.0.0.1"),  # 6to4
    # names a local network answers, and names that spell a refused address
    ("https://localhost", "loopback"),
    ("https://LOCALHOST.", "loopback"),
    ("https://app.localhost", "loopback"),
    ("https://metadata", "no dot"),
    ("https://kubernetes", "no dot"),
    ("https://printer.local", "local name"),
    ("https://db.cluster.local", "local name"),
    ("https://router.home.arpa", "local name"),
    ("https://nas.lan", "local name"),
    ("https://hooks.corp", "local name"),
    ("https://hidden.onion", "local name"),
    ("https://10.0.0.1.nip.io", "private"),
    ("https://app.192.168.1.1.nip.io", "private"),
    ("https://10-0-0-1.sslip.io", "private"),
    ("https://app-169-254-169-254.nip.io", "link-local"),
    ("https://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/", "local name"),
]


@pytest.mark.parametrize(("url", "kind"), REFUSED)
def test_refused_in_every_spelling(url: str, kind: str) -> None:
    with pytest.raises(Refused) as refused:
        check_url(url)
    assert kind in refused.value.message
    assert refused.value.reason == ADDRESS_NOT_ALLOWED


@pytest.mark.parametrize(
    ("url", "kind"),
    [(url, kind) for url, kind in REFUSED if kind not in ("loopback",)],
)
def test_the_loopback_setting_allows_nothing_else(url: str, kind: str) -> None:
    with pytest.raises(Refused) as refused:
        check_url(url, allow_loopback=True)
    assert kind in refused.value.message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://crm.example.com/hook", "https"),
        ("http://8.8.8.8/hook", "https"),
        ("ftp://example.com/hook", "https"),
        ("file:///etc/passwd", "https"),
        ("gopher://127.0.0.1:6379/_", "https"),
        ("crm.example.com/hook", "https"),
        ("//example.com/h", "https"),
        ("https://", "https"),
        ("https:///h", "https"),
        ("https://user:pw@example.com/hook", "password"),
        ("https://user@example.com/hook", "password"),
        ("https://example.com@127.0.0.1/", "password"),
        ("https://example.com\\@127.0.0.1/", "backslash"),
        ("https://example.com/hook#part", "fragment"),
        ("https://example.com/hook#", "fragment"),
        ("https://example.com:99999/hook", "valid"),
        ("https://example.com:port/h", "valid"),
        ("https://example.com:0/h", "port 0"),
        ("https://exa mple.com/hook", "spaces"),
        ("https://example.com/\nh", "spaces"),
        ("https://[::1/", "valid"),
        ("https://[not-an-address]/", "IPv6"),
        ("https://[fe80::1%25eth0]/", "zone"),
        ("https://[2606:4700::1%25eth0]/", "zone"),
        ("https://1.2.3.4.5/", "IPv4"),
        ("https://256.0.0.1/", "IPv4"),
        ("https://1.2.3.0x100/", "IPv4"),
        ("https://08.0.0.1/", "IPv4"),  # 8 is no octal digit
        ("https://a_b.example.com/", "host name"),
        ("https://example..com/", "host name"),
        ("https://-bad.example.com/", "host name"),
        ("https://%31%32%37.0.0.1/", "host name"),
        ("https://134744072/", "write 8.8.8.8"),  # a public address, but only in its usual form
        ("https://010.010.010.010/", "write 8.8.8.8"),
    ],
)
def test_urls_that_are_not_accepted_say_why(url: str, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        check_url(url, allow_loopback=True)
    assert reason in refused.value.message
    assert refused.value.reason in (URL_NOT_ALLOWED, ADDRESS_NOT_ALLOWED)


PUBLIC = ipaddress.ip_address("93.184.216.34")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://crm.example.com/hooks", Target("https", "crm.example.com", None, 443, "/hooks")),
        ("https://CRM.Example.com:8443/h?x=1&y=2", Target("https", "crm.example.com", None, 8443, "/h?x=1&y=2")),
        ("https://example.com./", Target("https", "example.com", None, 443, "/")),
        ("https://example.com/h/é?q=é&r=%20", Target("https", "example.com", None, 443, "/h/%C3%A9?q=%C3%A9&r=%20")),
        ("https://example.com", Target("https", "example.com", None, 443, "/")),
        ("https://bücher.example/in", Target("https", "xn--bcher-kva.example", None, 443, "/in")),
        ("https://8.8.8.8/x", Target("https", "8.8.8.8", ipaddress.ip_address("8.8.8.8"), 443, "/x")),
        ("https://93.184.216.34:444/", Target("https", "93.184.216.34", PUBLIC, 444, "/")),
        (
            "https://[2606:4700:4700::1111]/",
            Target("https", "2606:4700:4700::1111", ipaddress.ip_address("2606:4700:4700::1111"), 443, "/"),
        ),
        ("https://8.8.8.8.nip.io/", Target("https", "8.8.8.8.nip.io", None, 443, "/")),  # spells a public address
        ("https://172.32.0.1/", Target("https", "172.32.0.1", ipaddress.ip_address("172.32.0.1"), 443, "/")),
        ("https://100.128.0.1/", Target("https", "100.128.0.1", ipaddress.ip_address("100.128.0.1"), 443, "/")),
    ],
)
def test_public_urls_are_accepted(url: str, expected: Target) -> None:
    assert check_url(url) == expected
    assert check_url(url, allow_loopback=True) == expected


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8080/hook", "http://127.0.0.1/hook", "http://127.0.0.2:9000/", "http://[::1]:9000/hook"],
)
def test_loopback_only_with_the_setting(url: str) -> None:
    with pytest.raises(Refused):
        check_url(url)
    assert check_url(url, allow_loopback=True).scheme == "http"


def test_host_header_keeps_the_name_and_a_port_that_is_not_the_default() -> None:
    assert check_url("https://Example.com/").host_header == "example.com"
    assert check_url("https://example.com:8443/").host_header == "example.com:8443"
    assert check_url("https://[2606:4700::1]:8443/").host_header == "[2606:4700::1]:8443"
    assert check_url("http://127.0.0.1:80/", allow_loopback=True).host_header == "127.0.0.1"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("10.0x10.0020.4", "10.16.16.4"),
        ("169.254.43518", "169.254.169.254"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("4294967295", "255.255.255.255"),
        ("4294967296", None),
        ("1.2.3.4.5", None),
        ("256.1", None),
        ("1.2.65536", None),
        ("09", None),
        ("1_0.0.0.1", None),
        ("+1.0.0.1", None),
        (" 1.0.0.1", None),
        ("", None),
        ("1..1", None),
    ],
)
def test_ipv4_is_read_as_inet_aton_reads_it(text: str, address: str | None) -> None:
    assert parse_ipv4(text) == (ipaddress.IPv4Address(address) if address else None)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e", "2002:808:808::"],
)
def test_public_addresses_have_no_problem(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


# ---- at send time, the addresses a name resolves to


def test_a_name_that_resolves_to_a_refused_address_is_refused() -> None:
    guard = table_resolver(
        {
            "rebind.example.com": ["10.0.0.1"],
            "meta.example.com": ["169.254.169.254"],
            "mapped.example.com": ["::ffff:169.254.169.254"],
            "mixed.example.com": ["93.184.216.34", "192.168.1.1"],
            "ula.example.com": ["fd00:ec2::254"],
            "public.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "93.184.216.34"],
            "local.example.com": ["127.0.0.1"],
            "junk.example.com": ["not-an-address"],
            "empty.example.com": [],
        }
    )
    for name in ("rebind", "meta", "mapped", "mixed", "ula", "junk"):
        with pytest.raises(Refused) as refused:
            guard.addresses(guard.check(f"https://{name}.example.com/h"))
        assert refused.value.reason == ADDRESS_NOT_ALLOWED
        assert "resolves" in refused.value.message
    assert guard.addresses(guard.check("https://public.example.com/h")) == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946"),
    ]
    # Loopback only with the setting: the same table without it refuses the loopback name.
    assert guard.addresses(guard.check("https://local.example.com/h")) == [ipaddress.ip_address("127.0.0.1")]
    strict = OutboundGuard(allow_loopback=False, resolve=guard.resolve)
    with pytest.raises(Refused):
        strict.addresses(strict.check("https://local.example.com/h"))
    for name in ("missing", "empty"):
        with pytest.raises(SendFailed) as failed:
            guard.addresses(guard.check(f"https://{name}.example.com/h"))
        assert failed.value.reason == NOT_RESOLVED


def test_plain_http_goes_only_to_loopback_after_resolution() -> None:
    guard = table_resolver({"localhost": ["8.8.8.8"]})
    with pytest.raises(Refused):
        guard.addresses(guard.check("http://localhost:8080/h"))


def test_an_address_is_not_resolved_again() -> None:
    def no_lookup(name: str, port: int) -> Sequence[str]:
        raise AssertionError(f"looked up {name}")

    guard = OutboundGuard(resolve=no_lookup)
    assert guard.addresses(guard.check("https://8.8.8.8/h")) == [ipaddress.ip_address("8.8.8.8")]


def test_the_setting_is_off_by_default_and_refused_in_production() -> None:
    assert Settings().outbound_allow_loopback is False
    assert Settings(outbound_allow_loopback=True).outbound_allow_loopback is True
    with pytest.raises(ValueError, match="CENTRICITY_OUTBOUND_ALLOW_LOOPBACK"):
        Settings(
            environment="production",
            secret_key="k" * 40,
            base_url="https://centricity.example.com",
            outbound_allow_loopback=True,
        )
