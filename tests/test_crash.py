"""Crash harness: `reindex` and `add` killed (SIGKILL) at many points, and full or read-only disks.

After every kill: no process of the command lives on (extraction workers, index
writers), the archive serves the old or the new state (never a broken one), the
lock does not stop the next command (`--wait 0`), no corpus file is lost or
altered, and `check` passes after at most one rerun of the command.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.whoosh.store import die_with_parent
from tests.conftest import REPO, shared_path

SEED = 20260611
KILLS_PER_COMMAND = 25  # 50 kill points in all


def manage(corpus: Path, index: Path, *args: str) -> list[str]:
    return [sys.executable, "manage.py", "--corpus", str(corpus), "--index", str(index), *args]


def run(corpus, index, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(manage(corpus, index, *args), cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def killed_after(corpus, index, delay: float, *args) -> bool:
    """Start a command and SIGKILL it after `delay` s; False when it finished first."""
    proc = subprocess.Popen(manage(corpus, index, *args), cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        proc.wait(delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        left = survivors(index, within=10)
        assert not left, f"processes of the killed command live on: {left}"
        return True


def survivors(index: Path, within: float) -> list[str]:
    """Processes still running a command on `index` (its children inherit its command line),
    after waiting up to `within` s for them to end."""
    deadline = time.monotonic() + within
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                line = (entry / "cmdline").read_bytes().split(b"\0")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if str(index).encode() in line and state != "Z":
                found.append(f"{entry.name}: {b' '.join(line).decode(errors='replace')[:120]}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_child_started_by_a_parent_that_died_first_ends_at_once():
    """The window `die_with_parent` closes: a parent killed after the fork but before the
    child asked to die with it. The child, finding another parent, ends with 1."""
    ctx = mp.get_context("fork")
    gone = ctx.Process(target=os._exit, args=(0,))  # a parent pid that no longer runs
    gone.start()
    gone.join()
    child = ctx.Process(target=_orphan, args=(gone.pid,))
    child.start()
    child.join(30)
    assert child.exitcode == 1
    mine = ctx.Process(target=_orphan, args=(os.getpid(),), daemon=True)
    mine.start()  # started by its real parent: it stays
    mine.join(1)
    assert mine.is_alive()
    mine.kill()
    mine.join()


def _orphan(parent: int) -> None:
    die_with_parent(parent)
    time.sleep(30)


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def reuters_slice(records: int, tag: str = "") -> bytes:
    data = shared_path("data", "reuters21578", "reut2-000.sgm").read_bytes()
    ends = [m.end() for m in re.finditer(rb"</REUTERS>\n?", data)]
    part = data[: ends[records - 1]]
    if tag:  # different bytes (and words) for every copy
        part = part.replace(b"<BODY>", f"<BODY>{tag} ".encode())
    return part


def story(n: int, tag: str) -> str:
    return (f"Title: Harbour report {tag} {n}\nDate: 2020-01-{n % 28 + 1:02d}\n\n"
            f"ROTTERDAM (Reuters) - Dock workers {tag} number {n} met on Thursday.\n")


def state(index: Path, corpus: Path) -> tuple[int, str | None]:
    """(articles, serving generation) read by a fresh archive object; fails if broken."""
    from archive import Config, SearchRequest, open_archive

    archive = open_archive(Config(corpus, index))
    total = archive.search(SearchRequest("")).total
    assert archive.search(SearchRequest("dock workers")).total >= 0
    assert archive.stats().articles == total
    return total, archive.store.current_name()


def check_ok(index: Path, corpus: Path) -> bool:
    from archive import Config, open_archive
    from indexer.check import check

    return check(open_archive(Config(corpus, index)), corpus).ok


def fractions(rng: random.Random):
    """Kill points as fractions of a run, spread evenly in any prefix (golden-ratio steps)."""
    n = 0
    while True:
        n += 1
        yield min(1.0, ((n * 0.6180339887) % 1.0) * 1.02 + rng.uniform(-0.01, 0.01)) + 0.01


def timed(corpus, index, *args) -> float:
    started = time.monotonic()
    done = run(corpus, index, *args)
    assert done.returncode == 0, done.stderr  # also: no stale lock (callers pass --wait 0)
    return time.monotonic() - started


@pytest.mark.slow
def test_reindex_killed_at_many_points(tmp_path):
    rng = random.Random(SEED)
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "reut-200.sgm").write_bytes(reuters_slice(200))
    timed(corpus, index, "reindex", "--workers", "2")
    took = timed(corpus, index, "reindex", "--workers", "2", "--no-cache")
    served, _gen = state(index, corpus)
    outcomes = {"old": 0, "new": 0, "finished": 0, "reruns": 0}
    durations = []
    kills = 0
    for n, frac in enumerate(fractions(rng)):
        if kills >= KILLS_PER_COMMAND or n >= 2 * KILLS_PER_COMMAND:
            break
        delay = frac * took
        # The corpus changes before each run, so the old and new states differ.
        (corpus / f"story-{n:03d}.txt").write_text(story(n, "reindex"))
        before = digests(corpus)
        wanted = served + 1
        no_cache = ("--no-cache",) if n % 2 else ()
        if killed_after(corpus, index, delay, "reindex", "--workers", "2", *no_cache):
            kills += 1
        else:
            outcomes["finished"] += 1
        total, _gen = state(index, corpus)
        assert total in (served, wanted), (n, delay, total, served, wanted)
        outcomes["new" if total == wanted else "old"] += 1
        assert digests(corpus) == before
        if total == served:  # the new file is not in yet: one rerun must bring it
            took = timed(corpus, index, "reindex", "--workers", "2", *no_cache, "--wait", "0")
            durations.append(took)
            outcomes["reruns"] += 1
            assert check_ok(index, corpus)
        served, _gen = state(index, corpus)
        assert served == wanted
        gens = [p for p in index.glob("gen-*") if p.is_dir()]
        assert len(gens) <= 3, gens  # unfinished generations do not pile up
    assert kills >= KILLS_PER_COMMAND
    print(f"reindex: {kills} kill points over runs of "
          f"{min(durations):.1f}-{max(durations):.1f} s: {outcomes}")
    assert outcomes["old"] and outcomes["new"]  # kills landed before and after the swap
    assert run(corpus, index, "check").returncode == 0


@pytest.mark.slow
def test_add_killed_at_many_points(tmp_path):
    rng = random.Random(SEED + 1)
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "base.sgm").write_bytes(reuters_slice(60))
    assert run(corpus, index, "reindex").returncode == 0

    def incoming(n: int) -> tuple[Path, int]:
        folder = tmp_path / f"incoming-{n:03d}"
        folder.mkdir()
        (folder / "wire.sgm").write_bytes(reuters_slice(50, f"batch{n}"))
        for i in range(5):
            (folder / f"s{i}.txt").write_text(story(i, f"batch{n}"))
        return folder, 55

    folder, count = incoming(999)
    took = timed(corpus, index, "add", str(folder))
    served, _gen = state(index, corpus)
    outcomes = {"old": 0, "new": 0, "finished": 0, "reruns": 0, "temp_files": 0}
    durations = []
    kills = 0
    for n, frac in enumerate(fractions(rng)):
        if kills >= KILLS_PER_COMMAND or n >= 2 * KILLS_PER_COMMAND:
            break
        delay = frac * took
        folder, count = incoming(n)
        sources = digests(folder)
        before = digests(corpus)
        if killed_after(corpus, index, delay, "add", str(folder)):
            kills += 1
        else:
            outcomes["finished"] += 1
        total, _gen = state(index, corpus)
        assert total in (served, served + count), (n, delay, total, served)
        outcomes["new" if total == served + count else "old"] += 1
        after = digests(corpus)
        assert {k: after.get(k) for k in before} == before  # nothing lost or altered
        for rel, digest in after.items():  # what was copied is whole
            if rel not in before:
                assert digest == sources[Path(rel).name], rel
        outcomes["temp_files"] += len(list(corpus.rglob(".*.tmp")))
        if total == served:  # not committed: one rerun (which must not wait) brings it in
            took = timed(corpus, index, "add", str(folder), "--wait", "0")
            durations.append(took)
            outcomes["reruns"] += 1
        now, _gen = state(index, corpus)
        assert now == served + count, (n, now, served)  # nothing lost, nothing twice
        served = now
        assert check_ok(index, corpus)
        shutil.rmtree(folder)
    assert kills >= KILLS_PER_COMMAND
    print(f"add: {kills} kill points over runs of "
          f"{min(durations):.1f}-{max(durations):.1f} s: {outcomes}")
    assert outcomes["old"] and outcomes["new"]
    final = run(corpus, index, "check", "--json")
    assert final.returncode == 0, final.stdout


# -- full and read-only disks ----------------------------------------------------
def _mount(target: Path, *options: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                           str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    target = tmp_path / "disk"
    _mount(target, "size=3m")
    yield target
    _umount(target)


def test_disk_full_gives_a_clear_error_and_the_old_index_serves(small_disk, tmp_path):
    corpus, index = tmp_path / "corpus", small_disk / "index"
    corpus.mkdir()
    for i in range(5):
        (corpus / f"s{i}.txt").write_text(story(i, "small"))
    assert run(corpus, index, "reindex").returncode == 0
    served = state(index, corpus)
    (corpus / "wire.sgm").write_bytes(reuters_slice(1000 if shared_ok() else 1))
    for i in range(200):
        (corpus / f"big{i}.txt").write_text(story(i, "big") + os.urandom(8000).hex() + "\n")
    full = run(corpus, index, "reindex", "--no-cache")
    assert full.returncode == 1
    assert "Traceback" not in full.stderr, full.stderr
    assert "is full; the previous index still serves" in full.stderr, full.stderr
    assert state(index, corpus) == served
    added = run(corpus, index, "add", str(corpus / "big0.txt"))
    assert added.returncode != 0 or "indexed 1" in added.stdout
    assert "Traceback" not in added.stderr, added.stderr
    assert state(index, corpus)[0] in (served[0], served[0] + 1)


def shared_ok() -> bool:
    try:
        shared_path("data", "reuters21578", "reut2-000.sgm")
        return True
    except pytest.skip.Exception:
        return False


def test_read_only_index_gives_a_clear_error_and_keeps_serving(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "disk" / "index"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"s{i}.txt").write_text(story(i, "ro"))
    _mount(tmp_path / "disk", "size=20m")
    try:
        assert run(corpus, index, "reindex").returncode == 0
        served = state(index, corpus)
        remount = subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "disk")],
                                 capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
        (corpus / "new.txt").write_text(story(9, "ro"))
        for args in (("reindex",), ("add", str(corpus / "new.txt"))):
            done = run(corpus, index, *args)
            assert done.returncode == 1, done
            assert "Traceback" not in done.stderr, done.stderr
            assert "Read-only file system" in done.stderr or "cannot write" in done.stderr, \
                done.stderr
        assert state(index, corpus) == served
        checked = run(corpus, index, "check")
        assert checked.returncode == 1 and "missing new.txt" in checked.stdout
    finally:
        _umount(tmp_path / "disk")


def test_leftover_lock_files_and_half_written_generation_do_not_block(tmp_path, caplog):
    from archive import Config, SearchRequest, open_archive
    from indexer import adding, pipeline

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "a.txt").write_text(story(1, "left"))
    archive = open_archive(Config(corpus, index))
    assert pipeline.rebuild(archive, corpus, workers=1).ok
    serving = index / archive.store.current_name()
    # What a SIGKILL can leave: Whoosh's lock file, a lock file with a dead pid, a
    # generation without its PUBLISHED mark, a half-written CURRENT temp file.
    (serving / "MAIN_WRITELOCK").write_text("")
    (index / "archive.lock").write_text("999999\n")
    junk = index / "gen-19990101T000000-1-000001"
    junk.mkdir()
    (junk / "MAIN_1.toc").write_bytes(b"half")
    (index / ".CURRENT.999999.tmp").write_text("gen-19990101T000000-1-000001")
    new = tmp_path / "b.txt"
    new.write_text(story(2, "left"))
    report = adding.add(archive, corpus, [new], lock_wait=0)
    assert report.ok and report.indexed == 1
    assert archive.search(SearchRequest("left")).total == 2
    with caplog.at_level("WARNING", logger="morgue.store"):
        assert pipeline.rebuild(archive, corpus, workers=1, lock_wait=0).ok
    assert not junk.exists()
    assert "left unfinished by an interrupted rebuild" in caplog.text
    assert archive.search(SearchRequest("left")).total == 2
