"""The layers stay honest: no Flask below the web app, each engine's library in its own package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_archive_and_indexer_do_not_import_flask():
    code = ("import sys, archive, indexer, indexer.pipeline, indexer.text, archive.whoosh.engine\n"
            "print('flask' in sys.modules, 'click' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_whoosh_engine_imports_whoosh():
    engine = REPO / "archive" / "whoosh"
    offenders = [str(p.relative_to(REPO)) for folder in ("archive", "indexer", "webapp", "bench")
                 for p in (REPO / folder).rglob("*.py")
                 if "whoosh" in _imports(p) and not p.is_relative_to(engine)]
    offenders += [name for name in ("manage.py", "manage_accounts.py")
                  if "whoosh" in _imports(REPO / name)]
    assert offenders == []
    assert "whoosh" in _imports(engine / "engine.py")


NEUTRAL_CORE = ("archive", "archive.query", "archive.qtree", "archive.qtree_parse",
                "archive.qtree_simplify", "archive.explain", "archive.snippets", "archive.parts",
                "archive.marks", "archive.export", "archive.histogram", "archive.batch",
                "archive.dedup", "archive.age", "archive.words", "archive.config", "archive.ranking",
                "archive.addresses", "archive.analysis", "archive.requests", "archive.spelling")


def test_the_neutral_core_loads_no_engine_library():
    """Records, configuration, the query tree, the explainer, snippets, export formats: no engine."""
    code = (f"import sys, {', '.join(NEUTRAL_CORE)}\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'whoosh', 'opensearchpy'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_only_the_write_module_of_webapp_imports_indexer():
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "webapp").rglob("*.py")
                 if "indexer" in _imports(p) and p.name != "write.py"]
    assert offenders == []
    assert "indexer" in _imports(REPO / "webapp" / "write.py")


def test_only_the_opensearch_engine_imports_opensearch_py():
    """opensearch-py (and its urllib3 plumbing) only in archive/opensearch/; no Whoosh there."""
    code_folders = ("archive", "indexer", "webapp", "bench")
    files = [p for folder in code_folders for p in (REPO / folder).rglob("*.py")]
    files += [REPO / "manage.py", REPO / "manage_accounts.py"]
    engine = REPO / "archive" / "opensearch"
    offenders = [str(p.relative_to(REPO)) for p in files
                 if {"opensearchpy", "opensearch", "urllib3"} & _imports(p)
                 and not p.is_relative_to(engine)]
    assert offenders == []
    assert "opensearchpy" in _imports(engine / "client.py")
    assert [str(p.relative_to(REPO)) for p in engine.rglob("*.py") if "whoosh" in _imports(p)] == []


def test_the_whoosh_engine_runs_without_the_opensearch_client():
    code = ("import sys, archive, indexer.pipeline, webapp\n"
            "from archive import Config, open_archive\n"
            "open_archive(Config.load(environ={}))\n"
            "print('opensearchpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False"]


def _module_graph() -> dict[str, set[str]]:
    """Our modules (archive, indexer, webapp) and the modules of ours each imports."""
    paths = {}
    for folder in ("archive", "indexer", "webapp"):
        for p in (REPO / folder).rglob("*.py"):
            name = ".".join(p.relative_to(REPO).with_suffix("").parts)
            paths[name.removesuffix(".__init__")] = p
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            graph[name].update(t for t in targets if t in paths and t != name)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    """No two of our modules import each other, directly or round a longer circle.

    Imports inside functions count too: a circle hidden in a function is still a circle.
    """
    graph = _module_graph()
    assert len(graph) > 50 and "archive.whoosh.engine" in graph
    assert _circles(graph) == []


def test_the_circle_finder_finds_a_circle():
    graph = _module_graph()
    graph["archive.age"] = graph["archive.age"] | {"archive.records"}
    assert ["archive.age", "archive.records"] in _circles(graph) or any(
        {"archive.age", "archive.records"} <= set(c) for c in _circles(graph))
