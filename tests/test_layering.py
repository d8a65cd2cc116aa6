"""The layers stay honest: no Flask below the web app, no Whoosh outside archive/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_archive_and_indexer_do_not_import_flask():
    code = ("import sys, archive, indexer, indexer.pipeline, indexer.text, archive.whoosh_engine\n"
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


def test_only_archive_imports_whoosh():
    offenders = [str(p.relative_to(REPO)) for folder in ("indexer", "webapp", "bench")
                 for p in (REPO / folder).rglob("*.py") if "whoosh" in _imports(p)]
    offenders += ["manage.py"] if "whoosh" in _imports(REPO / "manage.py") else []
    assert offenders == []


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
