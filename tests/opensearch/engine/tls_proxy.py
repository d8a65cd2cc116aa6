"""A TLS reverse proxy with basic authentication in front of a test node, on 127.0.0.1.

The test nodes have no security plugin (docs/OPENSEARCH.md), so neither TLS nor users: this
proxy gives a node both, as a secured cluster presents them. Its certificate is signed by a
test CA made at test time with the `openssl` command; a request without the right user and
password gets 401, as from OpenSearch's security plugin. It can also answer the first N bulk
requests with 429 (a busy cluster), or pass the first N bulk requests to the node and close
the connection instead of giving its answer (a coordinating node lost after the write).
"""

from __future__ import annotations

import base64
import http.client
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "host", "authorization",
               "content-length"}


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for 127.0.0.1 and localhost: (ca, cert, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "server.key",
                                                       "server.csr", "server.pem"))
    ext = folder / "server.ext"
    ext.write_text("subjectAltName = IP:127.0.0.1, DNS:localhost\n"
                   "extendedKeyUsage = serverAuth\n")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca),
        "-days", "2", "-subj", "/CN=Morgue test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
        "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return ca, cert, key


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # refused handshakes are expected
        pass


class TLSProxy:
    """Forwards authenticated HTTPS requests to `target` (http://127.0.0.1:PORT)."""

    def __init__(self, target: str, folder: Path, user: str, password: str):
        self.target = urlsplit(target)
        self.ca, cert, key = make_certificates(folder)
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.refuse_bulk = 0  # answer this many bulk requests with 429
        self.drop_bulk_answers = 0  # write this many bulk requests, then close, answering nothing
        self.requests: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.requests.append(f"{self.command} {self.path}")
                if self.headers.get("Authorization") != proxy.expected:
                    self._answer(401, b"Unauthorized", {"WWW-Authenticate":
                                                        'Basic realm="OpenSearch Security"',
                                                        "Content-Type": "text/plain"})
                    return
                if "/_bulk" in self.path and proxy.refuse_bulk > 0:
                    proxy.refuse_bulk -= 1
                    self._answer(429, b'{"error":{"root_cause":[{"type":"rejected_execution_'
                                      b'exception","reason":"busy"}],"type":"rejected_execution'
                                      b'_exception","reason":"busy"},"status":429}',
                                 {"Content-Type": "application/json"})
                    return
                upstream = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port,
                                                      timeout=120)
                try:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in HOP_HEADERS}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    if "/_bulk" in self.path and proxy.drop_bulk_answers > 0:
                        proxy.drop_bulk_answers -= 1
                        self.close_connection = True
                        return
                    passed = {k: v for k, v in answer.getheaders()
                              if k.lower() not in HOP_HEADERS}
                    self._answer(answer.status, data if self.command != "HEAD" else b"", passed)
                finally:
                    upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TLSProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
