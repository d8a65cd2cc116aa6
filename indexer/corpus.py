"""The corpus folder: finding article files, and adding new ones without ever overwriting."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

from archive.errors import CorpusError
from indexer.formats import detect_format

SIDECAR = ".meta.json"  # per-file metadata given with `add` (outlet, date, url, title)
STRUCTURED_KEYS = ("corrections",)  # sidecar values kept as JSON objects (indexer.corrections)
IGNORED_NAMES = {"README.md", "README.txt", "README", "LICENSE", "SOURCE.md"}
MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class CorpusFile:
    path: Path  # absolute
    relpath: str  # corpus-relative, POSIX
    format: str


@dataclass(frozen=True)
class Skipped:
    relpath: str
    reason: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def relative_name(path: Path, root: Path) -> str:
    """The corpus-relative POSIX name of a path inside the corpus (no `..`)."""
    rel = path.relative_to(root)
    return PurePosixPath(*rel.parts).as_posix()


def is_inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _is_candidate(name: str) -> bool:
    return not (name.startswith(".") or name.endswith(SIDECAR) or name in IGNORED_NAMES)


def iter_corpus(root: Path) -> Iterator[CorpusFile | Skipped]:
    """Every article file below `root` in a stable order, and what was passed over and why.

    Hidden files, READMEs and `*.meta.json` sidecars are not articles and are
    passed over silently; symbolic links that leave the corpus, unreadable
    folders and files of unknown types are reported.
    """
    root = root.resolve()
    if not root.is_dir():
        raise CorpusError(f"the corpus folder {root} does not exist")
    stack = [root]
    seen_dirs: set[tuple[int, int]] = set()
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen_dirs:
                yield Skipped(relative_name(folder, root) if folder != root else ".",
                              "folder link loop")
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield Skipped(str(folder), f"cannot read folder ({exc.strerror})")
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            if not _is_candidate(name):
                continue
            path = Path(entry.path)
            try:
                rel = relative_name(path, root)
            except ValueError:
                continue
            if entry.is_symlink():
                try:
                    path.resolve(strict=True)
                except (RuntimeError, OSError) as exc:
                    loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
                    yield Skipped(rel, "symbolic link loop" if loop else "broken symbolic link")
                    continue
                if not is_inside(path, root):
                    yield Skipped(rel, "symbolic link pointing outside the corpus")
                    continue
            try:
                if entry.is_dir():
                    subdirs.append(path)
                    continue
                if not entry.is_file():
                    yield Skipped(rel, "not a regular file")
                    continue
            except OSError as exc:
                yield Skipped(rel, f"cannot read ({exc.strerror})")
                continue
            fmt = detect_format(name)
            if fmt is None:
                yield Skipped(rel, "not an article file type (.html, .htm, .txt, .sgm, .jsonl, "
                                   ".warc, optionally .gz)")
                continue
            yield CorpusFile(path, rel, fmt)
        stack.extend(reversed(subdirs))


def read_sidecar(path: Path) -> dict[str, str]:
    """Metadata given with `add` for a corpus file (empty when there is none)."""
    side = path.with_name(path.name + SIDECAR)
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{side.name}: unreadable metadata file ({exc})") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{side.name}: metadata must be a JSON object")
    return {k: v if k in STRUCTURED_KEYS and isinstance(v, dict) else str(v)
            for k, v in data.items() if v is not None}


_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$|^.+\.meta\.json\.tmp$")


def remove_temp_files(corpus: Path) -> list[str]:
    """Remove copies a killed `add` left half-written (call only while holding the lock)."""
    removed = []
    for folder, _dirs, names in os.walk(corpus):
        for name in names:
            if _TEMP_NAME.match(name):
                path = Path(folder) / name
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(relative_name(path, corpus.resolve()))
    return removed


def _exclusive_copy(data: bytes, dest: Path) -> bool:
    """Write `data` to `dest` only if nothing is there (atomic: temp file + link)."""
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, dest)
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


def store_in_corpus(data: bytes, name: str, corpus: Path, folder: str = "") -> str:
    """Copy new bytes into the corpus under `folder/name`, never replacing another file.

    If the name is taken by a different file, `-2`, `-3`... is added before the
    extension. Returns the corpus-relative path where the bytes now are.
    """
    safe = PurePosixPath(name).name
    if not safe or safe.startswith(".") or safe in ("..",):
        raise CorpusError(f"{name!r} is not a usable file name")
    target_dir = corpus.joinpath(*PurePosixPath(folder).parts) if folder else corpus
    if not is_inside(target_dir, corpus):
        raise CorpusError(f"{folder!r} is outside the corpus")
    target_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    stem, dot, ext = safe.partition(".")
    for n in range(1, 10_000):
        candidate = target_dir / (safe if n == 1 else f"{stem}-{n}{dot}{ext}")
        if candidate.exists():
            if candidate.is_file() and sha256_file(candidate) == digest:
                return relative_name(candidate, corpus.resolve())
            continue
        if _exclusive_copy(data, candidate):
            return relative_name(candidate, corpus.resolve())
    raise CorpusError(f"no free file name for {safe} in {target_dir}")


def write_sidecar(corpus: Path, relpath: str, meta: dict[str, str]) -> None:
    """Record `add` options next to the file so a reindex gives the same metadata."""
    path = corpus.joinpath(*PurePosixPath(relpath).parts)
    side = path.with_name(path.name + SIDECAR)
    record = {k: v for k, v in meta.items() if v}
    with contextlib.suppress(CorpusError):  # editors' corrections outlive a new `add`
        kept = read_sidecar(path)
        record.update({k: kept[k] for k in STRUCTURED_KEYS if k in kept})
    record["added"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    replace_json(side, record)


def replace_json(path: Path, record: dict) -> None:
    """Write a JSON file atomically (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
MAX_NAME_CHARS = 120


def clean_file_name(name: str) -> str:
    """A file name from an untrusted source (an upload): its last part, without folders,
    control characters, NUL bytes or leading dots, at most 120 characters ('' if none is left)."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = _UNSAFE_NAME_CHARS.sub("-", name).strip(" .-")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.partition(".")
        ext = ext[-20:] if dot else ""
        name = stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip(" .-") + (dot + ext if ext else "")
    return name


def entered_archive(path: Path) -> dt.datetime | None:
    """When a corpus file entered the archive: its modification time (UTC, whole seconds).

    Morgue never changes a corpus file, so this is when `add` copied it in (or
    when it was put in the folder), and every reindex gives the same value.
    """
    try:
        return dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.timezone.utc)
    except (OSError, OverflowError, ValueError):
        return None


def read_corpus_bytes(path: Path, relpath: str) -> bytes:
    """The bytes of a corpus file, refusing files over the size budget."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(f"file is {size // 2**20} MB; the limit is "
                              f"{MAX_FILE_BYTES // 2**20} MB")
        with open(path, "rb") as fh:
            return fh.read()
    except PermissionError:
        raise CorpusError("permission denied") from None
    except IsADirectoryError:
        raise CorpusError("is a folder") from None
    except OSError as exc:
        raise CorpusError(f"cannot read ({exc.strerror or exc})") from None
