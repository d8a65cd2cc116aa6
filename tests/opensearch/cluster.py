"""One OpenSearch node or an N-node cluster on 127.0.0.1, in one temporary folder, for the tests.

    with Cluster(install.check(), size=3) as cluster:   # started, and green
        client = cluster.client()                      # opensearch-py over the running nodes
        cluster.nodes[1].kill(); cluster.wait_health("yellow", nodes=2)
        cluster.restart(cluster.nodes[1]); cluster.wait_health("green")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.opensearch.install import Setup
from tests.opensearch.nodes import HEAP_MB, HOST, Node, NodeFailed, free_ports, http_json

PREFIX = "morgue-opensearch-"
# No disk watermarks: a full test disk must not leave shards unassigned.
BASE_SETTINGS = {"cluster.routing.allocation.disk.threshold_enabled": False}
STATUS_ORDER = {"red": 0, "yellow": 1, "green": 2}


def remove_stale_folders(parent: Path) -> None:
    """Remove node folders left by test runs whose process has died (killed before cleaning)."""
    for folder in parent.glob(PREFIX + "*"):
        pid = folder.name[len(PREFIX):].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def readable_home(setup: Setup, base: Path) -> Setup:
    """The setup, with the home copied under `base` when the node user cannot read it in place."""
    if setup.user is None:
        return setup
    probe = subprocess.run(["test", "-r", str(setup.home / "bin" / "opensearch"), "-a", "-r",
                            str(setup.home / "lib")], **setup.run_as())
    if probe.returncode == 0:
        return setup
    copy = base / "home"
    shutil.copytree(setup.home, copy, symlinks=True)
    return Setup(copy, setup.java_home, setup.java_version, setup.user)


def connect(urls: list[str], timeout: float = 60, **options):
    """An opensearch-py client; its timeout is long enough for a start on a loaded machine."""
    from opensearchpy import OpenSearch

    return OpenSearch(urls, timeout=timeout, **options)


class Cluster:
    """`size` nodes of one new cluster; started and waited for by `start()` (or `with`)."""

    def __init__(self, setup: Setup, size: int = 1, heap_mb: int = HEAP_MB,
                 settings: dict | None = None, java_opts: str = "", parent: Path | None = None):
        parent = Path(parent or tempfile.gettempdir())
        remove_stale_folders(parent)
        self.base = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
        os.chmod(self.base, 0o755)
        setup.give(self.base)
        self.name = f"morgue-test-{uuid.uuid4().hex[:8]}"  # never joins another test's cluster
        self.nodes: list[Node] = []
        try:
            self.setup = readable_home(setup, self.base)
            self._make_nodes(size, heap_mb, {**BASE_SETTINGS, **(settings or {})}, java_opts)
        except BaseException:
            shutil.rmtree(self.base, ignore_errors=True)
            raise
        self.started_in: float | None = None  # seconds from start() to the wanted health

    def _make_nodes(self, size: int, heap_mb: int, settings: dict, java_opts: str) -> None:
        ports = free_ports(2 * size)
        names = [f"node-{i}" for i in range(size)]
        seeds = [f"{HOST}:{ports[2 * i + 1]}" for i in range(size)]
        discovery = ({"discovery.type": "single-node"} if size == 1 else
                     {"discovery.seed_hosts": seeds, "cluster.initial_cluster_manager_nodes": names})
        for i, name in enumerate(names):
            folder = self.base / name
            folder.mkdir()
            node_settings = {"cluster.name": self.name, "http.port": ports[2 * i],
                             "transport.port": ports[2 * i + 1], **discovery, **settings}
            self.nodes.append(Node(self.setup, folder, name, node_settings, heap_mb, java_opts))

    @property
    def urls(self) -> list[str]:
        """The HTTP addresses of the nodes that are running."""
        return [node.url for node in self.nodes if node.alive()]

    @property
    def url(self) -> str:
        return self.urls[0]

    def client(self, **options):
        """An opensearch-py client over the nodes that are running."""
        return connect(self.urls, **options)

    def start(self, status: str = "green", timeout: float = 300) -> Cluster:
        """Start every node at once, wait until each answers and the cluster has `status`."""
        began = time.monotonic()
        for node in self.nodes:
            node.start()
        try:
            for node in self.nodes:
                node.wait_ready(timeout - (time.monotonic() - began))
            self.wait_health(status, timeout=timeout - (time.monotonic() - began))
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def restart(self, node: Node, timeout: float = 240) -> float:
        """Start a stopped or killed node again on its data folder; wait until it answers."""
        node.start()
        return node.wait_ready(timeout)

    def heal(self, timeout: float = 300) -> dict:
        """Restart every node that is not running, and wait until all of them form a green
        cluster."""
        for node in self.nodes:
            if not node.alive():
                self.restart(node, timeout)
        return self.wait_health("green", nodes=len(self.nodes), timeout=timeout)

    def node_named(self, name: str) -> Node:
        """The node OpenSearch knows by `name` (as `_cat` answers show it)."""
        return next(node for node in self.nodes if node.name == name)

    def health(self, wait_for: str = "", nodes: int | None = None, timeout: float = 5) -> dict:
        """The cluster health from the first running node, after waiting up to `timeout` s."""
        query = f"timeout={max(1, int(timeout))}s"
        if wait_for:
            query += f"&wait_for_status={wait_for}"
        if nodes is not None:
            query += f"&wait_for_nodes={nodes}"
        last: dict = {}
        for url in self.urls:
            status, body = http_json(f"{url}/_cluster/health?{query}", timeout=timeout + 10)
            if status in (200, 408) and "status" in body:
                return body
            last = body
        return {"status": "unreachable", "error": last}

    def wait_health(self, status: str = "green", nodes: int | None = None,
                    timeout: float = 120) -> dict:
        """Wait until the cluster has at least `status` with `nodes` nodes (default: running)."""
        nodes = len(self.urls) if nodes is None else nodes
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            left = max(1.0, min(30.0, deadline - time.monotonic()))
            body = self.health(status, nodes, timeout=left)
            good = STATUS_ORDER.get(body.get("status", ""), -1) >= STATUS_ORDER[status]
            if good and body.get("number_of_nodes") == nodes:
                return body
            if not body.get("timed_out"):  # an error, not a wait: don't spin
                time.sleep(0.5)
        tails = "\n".join(f"--- {n.name}\n{n.log_tail(15)}" for n in self.nodes)
        raise NodeFailed(f"cluster not {status} with {nodes} nodes in {timeout:.0f} s: {body}\n"
                         f"{tails}")

    def stop(self, grace: float = 30) -> None:
        """Stop every node (SIGTERM, then SIGKILL) and remove the folder."""
        for node in self.nodes:
            if node.alive():
                node.process.terminate()
        for node in self.nodes:
            node.stop(grace)
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
