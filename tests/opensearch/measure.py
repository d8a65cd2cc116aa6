"""Start-up time, CPU and memory of the test nodes: `python -m tests.opensearch.measure`.

Starts one node, then a three-node cluster (and restarts one of its nodes after a SIGKILL), with
the tests' JVM options or those given by --java-opts ("" for the distribution's own), and
prints one line per figure. Wall times depend on what else the machine runs; CPU seconds less so.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.opensearch import install
from tests.opensearch.cluster import Cluster
from tests.opensearch.conftest import TEST_JAVA_OPTS
from tests.opensearch.sample import create_index


def megabytes(count: int) -> str:
    return f"{count / 2**20:.0f} MB"


def describe(cluster: Cluster, what: str) -> None:
    nodes = ", ".join(f"{n.name} {n.started_in:.1f} s to HTTP, {n.cpu_seconds():.1f} s CPU, "
                      f"RSS {megabytes(n.rss_bytes())}" for n in cluster.nodes)
    total = sum(n.rss_bytes() for n in cluster.nodes)
    print(f"{what}: green in {cluster.started_in:.1f} s; {nodes}; RSS total {megabytes(total)}",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--java-opts", default=TEST_JAVA_OPTS)
    parser.add_argument("--heap-mb", type=int, default=512)
    args = parser.parse_args(argv)
    try:
        setup = install.check()
    except install.Unavailable as error:
        print(error, file=sys.stderr)
        return 1
    print(f"OpenSearch {install.VERSION}, Java {setup.java_version}, heap {args.heap_mb} MB, "
          f"JVM options {args.java_opts!r}")
    for size in (1, 3):
        with Cluster(setup, size, heap_mb=args.heap_mb, java_opts=args.java_opts) as cluster:
            describe(cluster, f"{size} node{'s' if size > 1 else ''}")
            client = cluster.client()
            create_index(client, "measure", shards=size, replicas=min(1, size - 1))
            client.close()
            time.sleep(2)
            describe(cluster, f"{size} node{'s' if size > 1 else ''} with an index")
            if size > 1:
                node = cluster.nodes[-1]
                node.kill()
                cluster.wait_health("yellow", nodes=size - 1)
                began = time.monotonic()
                cluster.restart(node)
                cluster.wait_health("green", nodes=size)
                print(f"restart of {node.name} after SIGKILL: {node.started_in:.1f} s to HTTP, "
                      f"green after {time.monotonic() - began:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
