"""A node lost, nothing lost: SIGKILL of one node of a three-node cluster (the archive in 3
primaries and 1 replica, the engine given every node's address) during a 16-client search
load, during an `add` of hundreds of real articles, and during the bulk write itself, on the
node holding the primary of the shard being written. Searches see no error, the add completes
or fails with a clear message and a re-run completes, and once the node is back (restarted on
its data folder) the cluster is green and the archive matches the corpus file for file. A
scan of the whole index (what `check` reads) goes on in a new view when a node holding part
of its view dies."""

from __future__ import annotations

import re
import tarfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.errors import ArchiveError
from archive.opensearch.client import NODE_LOST
from archive.opensearch.engine import OpenSearchArchive
from archive.opensearch.reading import Reader
from archive.opensearch.settings import OpenSearchSettings
from archive.records import SearchRequest
from indexer import adding, pipeline
from indexer.check import check
from indexer.corpus import CorpusFile, iter_corpus, sha256_file
from tests.conftest import shared_path
from tests.opensearch.fixtures import drop_indexes, unique_index

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]
SHARDS, REPLICAS = 3, 1
CLIENTS = 16
BBC_FILES = 200  # one article a file
REUTERS_ARTICLES = 600  # in one SGML file
SEARCHES_AFTER = 8  # per client, once the cluster runs yellow without the node


# -- the cluster, the archive, the corpus -----------------------------------------------------

@pytest.fixture
def cluster(opensearch_cluster):
    """The module's three nodes, all running and green before and after each test."""
    opensearch_cluster.heal()
    yield opensearch_cluster
    opensearch_cluster.heal()


@pytest.fixture
def index_name(cluster):
    name = unique_index()
    yield name
    client = cluster.client()
    drop_indexes(client, name)
    client.close()


def settings_for(cluster, name: str, first=None) -> OpenSearchSettings:
    """The engine's settings: every node's address (`first`'s first), 3 primaries, 1 replica."""
    nodes = sorted(cluster.nodes, key=lambda node: node is not first)
    return OpenSearchSettings(urls=tuple(node.url for node in nodes), index=name,
                              shards=SHARDS, replicas=REPLICAS)


def manager(cluster):
    """The elected cluster manager: the node whose loss the cluster feels most."""
    client = cluster.client()
    try:
        return cluster.node_named(client.cat.cluster_manager(format="json")[0]["node"])
    finally:
        client.close()


def bbc_files(folder: Path, count: int) -> list[Path]:
    """`count` BBC articles (every section), one file each, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with tarfile.open(shared_path("data", "bbc", "bbc-fulltext.tar.gz")) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".txt")),
                         key=lambda m: m.name)
        for member in members[::max(1, len(members) // count)][:count]:
            path = folder / member.name.replace("/", "_")
            path.write_bytes(tar.extractfile(member).read())
            written.append(path)
    return written


def reuters_file(folder: Path, count: int) -> Path:
    """The first `count` articles of a Reuters-21578 file, as a file of its own."""
    text = shared_path("data", "reuters21578", "reut2-000.sgm").read_bytes().decode("latin-1")
    ends = [m.end() for m in re.finditer(r"</REUTERS>\n?", text)]
    path = folder / "reut2-000-part.sgm"
    path.write_bytes(text[:ends[min(count, len(ends)) - 1]].encode("latin-1"))
    return path


def incoming(tmp_path: Path) -> Path:
    """A folder of a few hundred real articles to `add`."""
    folder = tmp_path / "incoming"
    bbc_files(folder, BBC_FILES)
    reuters_file(folder, REUTERS_ARTICLES)
    return folder


# -- what must hold after the node is back ----------------------------------------------------

def assert_archive_matches_corpus(archive: OpenSearchArchive, corpus: Path) -> None:
    """Every corpus file indexed with its sha256, its articles and nothing else; check passes."""
    files = [e for e in iter_corpus(corpus) if isinstance(e, CorpusFile)]
    digests = {f.relpath: sha256_file(f.path) for f in files}
    assert archive.path_digests() == digests
    expected: set[str] = set()
    for result in adding.extract_paths([f.path for f in files], corpus):
        assert not result.failed, result.problems
        expected |= {article.id for article in result.articles}
    found: set[str] = set()
    for sha in set(digests.values()):
        ids = archive.ids_for_sha256(sha)
        assert ids, sha
        found |= set(ids)
    assert found == expected
    assert archive.stats().articles == len(expected)
    report = check(archive, corpus)
    assert report.ok, [str(d) for d in report.problems]
    assert report.files == len(files) == report.indexed_files
    from manage import cli

    result = CliRunner().invoke(cli, ["--corpus", str(corpus), "--index",
                                      str(corpus.parent / "index"), "--engine", "opensearch",
                                      "--opensearch-url", ",".join(archive.settings.urls),
                                      "--opensearch-index", archive.alias, "check"])
    assert result.exit_code == 0, result.output


# -- a node killed during a search load -------------------------------------------------------

def _one_search(archive: OpenSearchArchive, word: str) -> tuple[int, int | None, int, bool]:
    """One search as the search page makes it (without facets): its total, its stories, the
    hits on its first page, and whether it is partial."""
    page = archive.search(SearchRequest(query=word), with_facets=False)
    return page.total, page.stories, len(page.hits), page.partial


@dataclass
class SearchClient:
    """One of the load's clients: its own engine object (and so its own connections)."""

    archive: OpenSearchArchive
    expected: dict[str, tuple]  # word -> the answer with every node up
    done: list[float] = field(default_factory=list)  # when each search ended
    errors: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        words = sorted(self.expected)
        n = 0
        while not stop.is_set():
            word = words[n % len(words)]
            n += 1
            try:
                answer = _one_search(self.archive, word)
            except Exception as exc:  # noqa: BLE001  (every failure is a finding here)
                info = getattr(exc, "info", None)
                self.errors.append(f"{word}: {type(exc).__name__}: {exc}"
                                   + (f" {info}" if isinstance(info, dict) else ""))
                continue
            finally:
                self.done.append(time.monotonic())
            if answer != self.expected[word]:
                self.errors.append(f"{word}: {answer}, not {self.expected[word]}")

    def marked_dead(self, url: str) -> int:
        """How often this client's connection pool marked the address dead."""
        pool = self.archive.client.transport.connection_pool
        return sum(count for conn, count in getattr(pool, "dead_count", {}).items()
                   if conn.host == url)


def words_of(files: list[Path], count: int = 24) -> list[str]:
    """Words of the articles' titles (first lines), long enough to be rare."""
    words = []
    for path in files:
        for word in re.findall(r"[a-z]{7,}", path.read_text(encoding="latin-1").split("\n")[0]
                               .lower()):
            if word not in words:
                words.append(word)
    return words[:count]


def test_searches_see_no_error_when_a_node_is_killed(cluster, index_name, corpus, caplog):
    victim = manager(cluster)
    settings = settings_for(cluster, index_name, first=victim)
    files = bbc_files(corpus / "bbc", 120)
    archive = OpenSearchArchive(settings)
    assert pipeline.rebuild(archive, corpus, workers=1).ok
    expected = {word: _one_search(archive, word) for word in words_of(files)}
    assert not any(partial for _t, _s, _h, partial in expected.values())
    assert sum(total > 0 for total, _s, _h, _p in expected.values()) >= 12, expected

    clients = [SearchClient(OpenSearchArchive(settings), expected) for _ in range(CLIENTS)]
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: all(len(c.done) >= 3 for c in clients), 120, "searches before")
        assert not any(c.errors for c in clients), [c.errors[:3] for c in clients]
        victim.kill()
        killed = time.monotonic()
        cluster.wait_health("yellow", nodes=2)
        yellow = time.monotonic()
        wait_for(lambda: all(sum(t > yellow for t in c.done) >= SEARCHES_AFTER
                             for c in clients), 300, "searches after")
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)
    errors = [error for c in clients for error in c.errors]
    assert errors == [], f"{len(errors)} failed searches, e.g. {errors[:5]}"
    during = sum(killed < t <= yellow for c in clients for t in c.done)
    after = sum(t > yellow for c in clients for t in c.done)
    retried = [c.marked_dead(victim.url) for c in clients]
    resent = sum("sending it again" in r.getMessage() for r in caplog.records)
    print(f"\n{sum(len(c.done) for c in clients)} searches by {CLIENTS} clients, {during} "
          f"between the kill and yellow ({yellow - killed:.1f} s), {after} after; clients that "
          f"retried past the dead node: {sum(1 for r in retried if r)}; searches sent again "
          f"for shards lost with the node: {resent}")
    assert all(retried), retried  # every client met the dead node and went on to another

    cluster.restart(victim)
    cluster.wait_health("green", nodes=3)
    for node in cluster.nodes:  # the node is back: each address alone answers in full
        alone = OpenSearchArchive(replace(settings, urls=(node.url,)))
        for word, answer in expected.items():
            assert _one_search(alone, word) == answer


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not done in {timeout:.0f} s")
        time.sleep(0.1)


# -- a node killed during an add --------------------------------------------------------------

# What may stop an add when a node dies: a point-in-time read (the add's duplicate and path
# lookups) whose shard contexts were on that node; they are not moved to another copy.
LOST_READ = (*NODE_LOST, "search_context_missing_exception")


def assert_lost_with_the_node(exc: ArchiveError) -> str:
    """The message of an add that failed because a node died: clear, and for that reason only
    (not for an unreachable cluster or unallocated shards, which replicas and every node's
    address prevent)."""
    message = str(exc)
    assert message.startswith("OpenSearch at ") and "Traceback" not in message, message
    assert any(kind in message for kind in LOST_READ), message
    return message


def add_or_rerun(archive: OpenSearchArchive, corpus: Path, folder: Path, cluster, victim,
                 progress=None) -> str:
    """Add the folder while the victim dies; bring the victim back; re-run a failed add. What
    the first add did ("completed" or its error)."""
    try:
        report = adding.add(archive, corpus, [folder], progress=progress)
    except ArchiveError as exc:  # a clear message, and the add can be run again
        first = f"failed: {assert_lost_with_the_node(exc)}"
    else:
        assert not report.failed, [str(p) for p in report.failed]
        assert report.indexed >= BBC_FILES + REUTERS_ARTICLES - 10
        first = "completed"
    cluster.restart(victim)
    cluster.wait_health("green", nodes=3)
    if first != "completed":
        report = adding.add(archive, corpus, [folder])
        assert not report.failed, [str(p) for p in report.failed]
    return first


def test_an_add_survives_the_loss_of_a_node(cluster, index_name, corpus, tmp_path):
    victim = manager(cluster)
    archive = OpenSearchArchive(settings_for(cluster, index_name, first=victim))
    assert pipeline.rebuild(archive, corpus, workers=1).ok
    folder = incoming(tmp_path)
    half = len(list(folder.iterdir())) // 2
    killer = threading.Timer(0.05, victim.kill)

    def progress(n: int, total: int) -> None:
        if n == half:  # halfway through the files: the kill lands amid the add's requests
            killer.start()

    first = add_or_rerun(archive, corpus, folder, cluster, victim, progress)
    print(f"\nthe add with {victim.name} (the cluster manager) killed halfway: {first}")
    assert killer.finished.is_set()  # the timer ran: the node was killed during the add
    assert_archive_matches_corpus(archive, corpus)


def shard_being_written(client, index: str) -> int | None:
    """The shard of a bulk write running now on its primary (None: no such write)."""
    tasks = client.tasks.list(actions="indices:data/write/bulk[s][p]", detailed=True)
    for node in tasks.get("nodes", {}).values():
        for task in node.get("tasks", {}).values():
            found = re.search(r"index\[" + re.escape(index) + r"\]\[(\d+)\]",
                              task.get("description", ""))
            if found:
                return int(found.group(1))
    return None


def test_an_add_survives_the_loss_of_the_primary_being_written(cluster, index_name, corpus,
                                                               tmp_path):
    archive = OpenSearchArchive(settings_for(cluster, index_name))
    assert pipeline.rebuild(archive, corpus, workers=1).ok
    name = archive.stats().generation
    folder = incoming(tmp_path)
    files = len(list(folder.iterdir()))
    committing, finished = threading.Event(), threading.Event()
    killed: list = []
    watcher = cluster.client(timeout=10)

    def kill_the_primary() -> None:  # watches the bulk writes of the add's commit
        committing.wait()
        while not finished.is_set():
            shard = shard_being_written(watcher, name)
            if shard is not None:
                copies = watcher.cat.shards(index=name, format="json")
                primary = next(c["node"] for c in copies
                               if int(c["shard"]) == shard and c["prirep"] == "p")
                node = cluster.node_named(primary)
                node.kill()
                killed.append((shard, node))
                return
            time.sleep(0.02)

    def progress(n: int, total: int) -> None:
        if n == files:
            committing.set()

    thread = threading.Thread(target=kill_the_primary, daemon=True)
    thread.start()
    try:
        victim = None
        try:
            adding.add(archive, corpus, [folder], progress=progress)
            first = "completed"
        except ArchiveError as exc:
            first = f"failed: {assert_lost_with_the_node(exc)}"
        finished.set()
        thread.join(60)
        assert killed, "no bulk write was seen on a primary: nothing was killed"
        shard, victim = killed[0]
        print(f"\nthe add with {victim.name} (primary of shard {shard}) killed during the "
              f"bulk write: {first}")
        cluster.restart(victim)
        cluster.wait_health("green", nodes=3)
        if first != "completed":
            assert not adding.add(archive, corpus, [folder]).failed
    finally:
        finished.set()
        watcher.close()
    assert_archive_matches_corpus(archive, corpus)


# -- a node killed under a scan (what `check` and `path_digests` read) ------------------------

def open_views(cluster) -> dict[str, int]:
    """Open search contexts (a point-in-time view holds one a shard) per node name."""
    client = cluster.client()
    try:
        stats = client.nodes.stats(metric="indices", index_metric="search")
    finally:
        client.close()
    return {node["name"]: node["indices"]["search"]["open_contexts"]
            for node in stats["nodes"].values()}


def test_a_scan_goes_on_in_a_new_view_when_a_node_of_its_view_dies(cluster, index_name, corpus,
                                                                     tmp_path, caplog):
    archive = OpenSearchArchive(settings_for(cluster, index_name))
    assert pipeline.rebuild(archive, corpus, workers=1).ok
    report = adding.add(archive, corpus, [incoming(tmp_path)])
    assert not report.failed, [str(p) for p in report.failed]
    reader = Reader(archive.client, archive.alias, archive.settings.where)
    every = [hit["_id"] for hit in reader.scan(archive.alias, {"match_all": {}}, False)]
    assert len(every) > 500 and every == sorted(every)
    scan = reader.scan(archive.alias, {"match_all": {}}, False, page=100)
    first = [next(scan)["_id"] for _ in range(100)]  # one page read: the view is open
    views = open_views(cluster)
    holding = [name for name, n in views.items() if n > 0]
    assert holding, views
    # The cluster manager when it holds part of the view (the loss the cluster feels most:
    # a new election before anything moves), else the node holding most of it.
    chief = manager(cluster)
    victim = chief if chief.name in holding else cluster.node_named(max(views, key=views.get))
    victim.kill()
    rest = [hit["_id"] for hit in scan]
    print(f"\nthe scan's view had {views} contexts; {victim.name} (cluster manager: "
          f"{victim is chief}) killed after its first page")
    assert first + rest == every  # each document once, in order, none lost with the node
    assert "going on in a new view" in caplog.text
    cluster.restart(victim)
    cluster.wait_health("green", nodes=3)
    assert_archive_matches_corpus(archive, corpus)
