"""Saving pages by URL: what must be fetched, and every request the server must refuse.

No test here sends a packet to a non-loopback address, even if the fetcher were wrong: name
resolution and the connect step are the fetch policy's seams; the tests' resolver knows a few
names (some resolving to private, link-local and metadata addresses), and the tests' connect
step records any other address and refuses it without touching the network. Real connections
go only to pages served by the test on 127.0.0.1 and 127.0.0.2.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from indexer.fetch import FetchPolicy, FetchRefused, check_url, fetch

PAGE = (b"<html><head><meta charset='utf-8'><title>Harbour strike ends</title></head><body>"
        b"<article><h1>Harbour strike ends</h1><p>" + b"Dock workers ended the strike. " * 40
        + b"</p></article></body></html>")
LOOPBACK = ("127.0.0.1", "127.0.0.2")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        path, _, query = self.path.partition("?")
        if path == "/page.html":
            self._send(200, PAGE)
        elif path == "/gz.html":
            self._send(200, gzip.compress(PAGE), Content_Encoding="gzip")
        elif path == "/note.txt":
            self._send(200, b"Title: A note\n\nPort workers went back.\n", "text/plain")
        elif path == "/image.png":
            self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png")
        elif path == "/big.html":
            self._send(200, PAGE * 400)
        elif path == "/endless.html":  # no length; more than any limit, in pieces
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(300):
                try:
                    self.wfile.write(b"<p>" + b"x" * 8192 + b"</p>")
                except OSError:
                    return
        elif path == "/slow.html":  # a byte at a time: never done within the time limit
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(40):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        elif path == "/redirect":
            self._send(302, b"", Location=query.split("to=", 1)[1])
        elif path == "/loop":
            self._send(302, b"", Location="/loop")
        else:
            self._send(404, b"not here")


class Served:
    """A page server on one loopback address, stopped by the fixture."""

    def __init__(self, host: str):
        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = host, self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def pages():
    servers = {host: Served(host) for host in LOOPBACK}
    yield servers
    for s in servers.values():
        s.stop()


NAMES = {"news.test": ["127.0.0.1"], "other.test": ["127.0.0.2"],
         "intranet.test": ["10.0.0.1"], "metadata.test": ["169.254.169.254"],
         "mixed.test": ["127.0.0.1", "10.0.0.1"], "v6private.test": ["fd12::1"],
         "mapped.test": ["::ffff:192.168.1.1"], "shared.test": ["100.64.0.1"]}


class Network:
    """The tests' resolver and connect step: only loopback is ever connected to."""

    def __init__(self):
        self.resolved: list[str] = []
        self.connected: list[str] = []
        self.forbidden: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.resolved.append(host)
        if host not in NAMES:
            raise FetchRefused(f"{host}: the name does not resolve (test resolver)")
        return NAMES[host]

    def connect(self, address: str, port: int, timeout: float) -> socket.socket:
        if address not in LOOPBACK:
            self.forbidden.append(address)
            raise ConnectionRefusedError(f"test network: {address} is not loopback")
        self.connected.append(address)
        return socket.create_connection((address, port), timeout=timeout)


@pytest.fixture
def net():
    network = Network()
    yield network
    assert network.forbidden == [], "the fetcher tried to connect to a forbidden address"


def policy(net: Network, *ranges: str, **options) -> FetchPolicy:
    return FetchPolicy.from_ranges(ranges, resolve=net.resolve, connect=net.connect, **options)


def test_a_page_is_saved_byte_for_byte_with_its_url_and_time(pages, net):
    url = pages["127.0.0.1"].url("/page.html", "news.test")
    page = fetch(url, policy(net, "127.0.0.1/32"))
    assert page.data == PAGE and page.final_url == url and page.suffix == ".html"
    assert page.fetched.endswith("+00:00") and page.content_type.startswith("text/html")
    assert page.file_name() == "news-test-page.html"
    assert net.connected == ["127.0.0.1"]


def test_gzip_is_kept_as_sent_and_text_is_accepted(pages, net):
    page = fetch(pages["127.0.0.1"].url("/gz.html"), policy(net, "127.0.0.1/32"))
    assert page.suffix == ".html.gz" and gzip.decompress(page.data) == PAGE
    note = fetch(pages["127.0.0.1"].url("/note.txt"), policy(net, "127.0.0.1/32"))
    assert note.suffix == ".txt"


def test_redirects_within_allowed_addresses_are_followed(pages, net):
    target = pages["127.0.0.1"].url("/page.html", "news.test")
    page = fetch(pages["127.0.0.1"].url(f"/redirect?to={target}"), policy(net, "127.0.0.1/32"))
    assert page.final_url == target and page.redirects == [pages["127.0.0.1"].url(
        f"/redirect?to={target}")]


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://news.test/x", "only http and https"),
    ("gopher://127.0.0.1:70/", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("http://10.0.0.1/", "10.0.0.1 is private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is"),
    ("http://intranet.test/", "10.0.0.1 is private"),
    ("http://metadata.test/latest/meta-data/", "169.254.169.254"),
    ("http://mixed.test/", "10.0.0.1 is private"),
    ("http://v6private.test/", "fd12::1"),
    ("http://mapped.test/", "192.168.1.1 is private"),
    ("http://shared.test/", "100.64.0.1"),
    ("http://[::1]/", "::1 is loopback"),
    ("http://[::ffff:10.0.0.1]/", "10.0.0.1 is private"),
    ("http://[::ffff:127.0.0.2]/", "127.0.0.2 is loopback"),
    ("http://0.0.0.0/", "0.0.0.0"),
    ("http://127.0.0.2/", "127.0.0.2 is loopback"),
    ("http://other.test/", "127.0.0.2 is loopback"),
    ("http://user:pw@news.test/", "no usable host"),
    ("http://no-such-name.test/", "does not resolve"),
    ("http://news.test:99999/", "not a usable URL"),
])
def test_urls_that_must_be_refused(net, url, reason):
    with pytest.raises(FetchRefused, match=None) as caught:
        fetch(url, policy(net, "127.0.0.1/32"))
    assert reason in str(caught.value), caught.value
    assert net.connected == []


def test_a_redirect_to_a_forbidden_address_is_refused(pages, net):
    first = pages["127.0.0.1"]
    for target in (pages["127.0.0.2"].url("/page.html"), "http://10.0.0.1/",
                   "http://metadata.test/latest", "http://169.254.169.254/",
                   "file:///etc/passwd", pages["127.0.0.2"].url("/page.html", "other.test")):
        net.connected.clear()
        with pytest.raises(FetchRefused) as caught:
            fetch(first.url(f"/redirect?to={target}"), policy(net, "127.0.0.1/32"))
        assert "refused" in str(caught.value) or "only http" in str(caught.value), target
        assert net.connected == ["127.0.0.1"], target  # the first hop only


def test_allowing_a_range_lets_its_addresses_through(pages, net):
    page = fetch(pages["127.0.0.2"].url("/page.html", "other.test"), policy(net, "127.0.0.2/32"))
    assert page.data == PAGE and net.connected == ["127.0.0.2"]
    with pytest.raises(FetchRefused):
        fetch(pages["127.0.0.1"].url("/page.html"), policy(net, "127.0.0.2/32"))


def test_limits_of_type_size_time_and_redirects(pages, net):
    served = pages["127.0.0.1"]
    allowed = policy(net, "127.0.0.1/32")
    with pytest.raises(FetchRefused, match="image/png, not an HTML page"):
        fetch(served.url("/image.png"), allowed)
    small = policy(net, "127.0.0.1/32", max_bytes=100_000)
    with pytest.raises(FetchRefused, match="limit is 0 MB|larger than"):
        fetch(served.url("/big.html"), small)
    with pytest.raises(FetchRefused, match="larger than"):
        fetch(served.url("/endless.html"), small)
    started = time.monotonic()
    with pytest.raises(FetchRefused, match="longer than 1 s|could not be read|no answer"):
        fetch(served.url("/slow.html"), policy(net, "127.0.0.1/32", seconds=1))
    assert time.monotonic() - started < 3
    with pytest.raises(FetchRefused, match="more than 5 redirects"):
        fetch(served.url("/loop"), allowed)
    with pytest.raises(FetchRefused, match="answered 404"):
        fetch(served.url("/missing"), allowed)


def test_the_default_policy_refuses_loopback_and_private_literals():
    for url in ("http://127.0.0.1/", "http://10.1.2.3/", "http://192.168.0.1/",
                "http://172.16.5.4/", "http://169.254.169.254/", "http://[fe80::1]/",
                "http://[fc00::1]/", "http://100.100.100.200/", "http://[::ffff:127.0.0.1]/"):
        with pytest.raises(FetchRefused):
            check_url(url, FetchPolicy())
    assert check_url("http://93.184.216.34/", FetchPolicy())[3] == "93.184.216.34"  # no request
    # An allowed IPv4 address written as IPv6 is connected to as IPv4.
    allowed = FetchPolicy.from_ranges(["127.0.0.1/32"])
    assert check_url("http://[::ffff:127.0.0.1]:8/", allowed)[3] == "127.0.0.1"


def test_bad_allowed_ranges_are_reported():
    with pytest.raises(ValueError):
        FetchPolicy.from_ranges(["not-a-range"])
    assert FetchPolicy.from_ranges(["10.0.0.0/8"]).allowed == (ipaddress.ip_network("10.0.0.0/8"),)
