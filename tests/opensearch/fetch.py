"""Assemble the OpenSearch test node: `python -m tests.opensearch.fetch [--offline]`.

Runs Maven on tests/opensearch/pom.xml (downloads from Maven Central once into ~/.m2, then
works offline), and as root creates the system user the nodes run as. Afterwards the tests
marked `opensearch` run instead of skipping.
"""

from __future__ import annotations

import argparse
import os
import sys

from tests.opensearch import install


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true",
                        help="use only what ~/.m2 holds (mvn -o)")
    args = parser.parse_args(argv)
    try:
        try:  # what ~/.m2 already holds needs no registry
            home = install.assemble(offline=True)
        except install.Unavailable:
            if args.offline:
                raise
            home = install.assemble(offline=False)
        if os.geteuid() == 0:
            install.create_node_user(os.environ.get("MORGUE_OPENSEARCH_USER", install.NODE_USER))
        setup = install.check()
    except install.Unavailable as error:
        print(f"OpenSearch test node: {error}", file=sys.stderr)
        return 1
    runs_as = f", run as user {setup.user}" if setup.user else ""
    print(f"OpenSearch {install.VERSION} test node ready in {home} "
          f"(Java {setup.java_version} at {setup.java_home}{runs_as})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
