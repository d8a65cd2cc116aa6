"""Saving a web page by its URL, refusing requests the server should never make.

Only http and https; a time limit for the whole fetch and a size limit; the
content type checked; at most five redirects. Every address a host name
resolves to must be a public one (not loopback, private, link-local, shared,
reserved or a cloud metadata address) unless the administrator allows its
range; the connection then goes to the address that was checked, so a second
DNS answer cannot point it elsewhere, and every redirect is checked again.
Resolving and connecting are two callables (`FetchPolicy.resolve`,
`FetchPolicy.connect`) so that tests control them.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import urljoin, urlsplit

from archive import ArchiveError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Addresses that `is_global` lets through but a server must not fetch from.
BLOCKED = tuple(ipaddress.ip_network(n) for n in (
    "169.254.169.254/32", "100.100.100.200/32", "192.0.0.192/32",  # cloud metadata
    "fd00:ec2::254/128", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16"))
HTML_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html"}
TEXT_TYPES = {"text/plain": ".txt"}
REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "Morgue-archive/0.1 (saving a page for a newsroom archive)"


class FetchRefused(ArchiveError):
    """The URL is not one the server may fetch, or the page cannot be saved; says why."""


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for a host name."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"{host}: the name does not resolve ({exc})") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def system_connect(address: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((address, port), timeout=timeout)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of a fetch, the address ranges allowed beyond public ones, and the network seam."""

    allowed: tuple = ()  # ip_network objects the administrator allows (e.g. an intranet)
    seconds: float = 20.0  # for the whole fetch, redirects included
    max_bytes: int = 16 * 1024 * 1024
    max_redirects: int = 5
    resolve: Callable[[str, int], list[str]] = system_resolve
    connect: Callable[[str, int, float], socket.socket] = system_connect

    @classmethod
    def from_ranges(cls, ranges: Iterable[str], **options) -> "FetchPolicy":
        """A policy allowing these CIDR ranges ("127.0.0.1/32"); raises ValueError on a bad one."""
        nets = tuple(ipaddress.ip_network(r.strip(), strict=False) for r in ranges if r.strip())
        return cls(allowed=nets, **options)


@dataclass(frozen=True)
class FetchedPage:
    """A page as the server received it: its bytes, where from, when, and what it is."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    fetched: str  # ISO 8601, UTC
    content_type: str
    data: bytes  # byte for byte as sent (gzip kept when the server sent gzip)
    suffix: str  # file name ending for its format: .html, .txt, maybe with .gz
    redirects: list[str] = field(default_factory=list)

    def file_name(self) -> str:
        """A corpus file name from the URL: host and path as words, and the format's ending."""
        parts = urlsplit(self.final_url)
        words = re.sub(r"[^A-Za-z0-9]+", "-", f"{parts.hostname or 'page'} {parts.path}")
        stem = words.strip("-")[:80].rstrip("-") or "page"
        stem = re.sub(r"-(html?|php|aspx?|txt)$", "", stem)
        return stem + self.suffix


def _address_problem(address: str, policy: FetchPolicy) -> str | None:
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in policy.allowed):
        return None
    if any(ip in net for net in BLOCKED):
        return f"{ip} is a cloud metadata or translated address"
    if not ip.is_global or ip.is_multicast:
        kind = ("loopback" if ip.is_loopback else "link-local" if ip.is_link_local
                else "private" if ip.is_private else "not a public address")
        return f"{ip} is {kind}"
    return None


def check_url(url: str, policy: FetchPolicy) -> tuple[str, int, str, str]:
    """(scheme, port, host, the checked address to connect to) or FetchRefused saying why."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(f"{url!r} is not a usable URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(f"only http and https URLs can be saved, not {scheme or 'this'!r}")
    host = parts.hostname
    if not host or parts.username or parts.password:
        raise FetchRefused(f"{url!r} has no usable host name")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = policy.resolve(host, port)
    if not addresses:
        raise FetchRefused(f"{host}: the name does not resolve")
    for address in addresses:  # every answer must be acceptable (no rebinding tricks)
        problem = _address_problem(address, policy)
        if problem:
            raise FetchRefused(f"{host} is refused: {problem}; the server does not fetch from "
                               f"its own network unless the administrator allows the range")
    return scheme, port, host, _plain(addresses[0])


def _plain(address: str) -> str:
    """The address to connect to: an IPv4 address written as IPv6 (::ffff:a.b.c.d) as IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped) if mapped is not None else address


def _request(url: str, scheme: str, port: int, host: str, address: str, policy: FetchPolicy,
             deadline: float) -> http.client.HTTPResponse:
    remaining = max(0.1, deadline - time.monotonic())
    try:
        sock = policy.connect(address, port, remaining)
    except OSError as exc:
        raise FetchRefused(f"{host}: cannot connect ({exc})") from None
    if scheme == "https":
        context = ssl.create_default_context()
        try:
            sock = context.wrap_socket(sock, server_hostname=host)
        except (ssl.SSLError, OSError) as exc:
            sock.close()
            raise FetchRefused(f"{host}: the secure connection failed ({exc})") from None
    conn = http.client.HTTPConnection(host, port, timeout=remaining)
    conn.sock = sock  # connected to the checked address; no second lookup
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", target, headers={
            "Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.8",
            "Accept-Encoding": "gzip, identity", "Connection": "close"})
        return conn.getresponse()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        raise FetchRefused(f"{host}: no answer ({type(exc).__name__}: {exc})") from None


def _read_body(resp: http.client.HTTPResponse, policy: FetchPolicy, deadline: float) -> bytes:
    length = resp.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > policy.max_bytes:
        raise FetchRefused(f"the page is {int(length) // 2**20} MB; the limit is "
                           f"{policy.max_bytes // 2**20} MB")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchRefused(f"the page took longer than {policy.seconds:g} s to arrive")
        try:
            chunk = resp.read1(65536)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchRefused(f"the page could not be read ({type(exc).__name__}: {exc})") \
                from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchRefused(f"the page is larger than {policy.max_bytes // 2**20} MB")
        chunks.append(chunk)


def fetch(url: str, policy: FetchPolicy) -> FetchedPage:
    """Fetch a page for the archive, or raise FetchRefused with the reason."""
    started = time.monotonic()
    deadline = started + policy.seconds
    fetched = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    current, redirects = url.strip(), []
    for _hop in range(policy.max_redirects + 1):
        scheme, port, host, address = check_url(current, policy)
        resp = _request(current, scheme, port, host, address, policy, deadline)
        try:
            if resp.status in REDIRECTS:
                location = resp.getheader("Location")
                if not location:
                    raise FetchRefused(f"{current}: a redirect without a Location")
                redirects.append(current)
                current = urljoin(current, location.strip())
                continue
            if resp.status != 200:
                raise FetchRefused(f"{current}: the server answered {resp.status} "
                                   f"{resp.reason}")
            content_type = resp.getheader("Content-Type") or ""
            kind = content_type.split(";")[0].strip().lower()
            suffix = HTML_TYPES.get(kind) or TEXT_TYPES.get(kind)
            if suffix is None:
                raise FetchRefused(f"{current}: the page is {kind or 'of no stated type'}, not "
                                   f"an HTML page or plain text")
            encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
            if encoding not in ("identity", "gzip", "x-gzip"):
                raise FetchRefused(f"{current}: the page is sent as {encoding!r}, which cannot "
                                   f"be saved")
            data = _read_body(resp, policy, deadline)
        finally:
            resp.close()
        if not data:
            raise FetchRefused(f"{current}: the page is empty")
        return FetchedPage(url=url.strip(), final_url=current, fetched=fetched,
                           content_type=content_type, data=data,
                           suffix=suffix + (".gz" if encoding != "identity" else ""),
                           redirects=redirects)
    raise FetchRefused(f"{url}: more than {policy.max_redirects} redirects")


__all__ = ["FetchPolicy", "FetchRefused", "FetchedPage", "check_url", "fetch"]
