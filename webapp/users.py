"""Accounts, sessions, failed logins and the write log, in one SQLite file in the instance folder.

The instance folder holds what belongs to this installation and cannot be
rebuilt from the corpus: accounts (passwords hashed with Werkzeug's scrypt),
the sessions that are logged in, and the log of every write. The index stays
rebuildable from the corpus alone. Nothing here needs Flask, so `manage.py
user` and `manage.py log` use it directly.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from werkzeug.security import check_password_hash, generate_password_hash

from archive import ArchiveError
from archive.config import default_instance  # noqa: F401  (part of this module's interface)

DB_FILE = "morgue.sqlite"
ROLES = ("reader", "editor", "admin")  # each can do everything the one before can
SETUP_HOURS = 72
MIN_PASSWORD = 10
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


@functools.cache
def _dummy_hash() -> str:
    """A hash to compare against when the name is unknown, so both cases take as long."""
    return generate_password_hash("not a password", method="scrypt")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password TEXT,
    created TEXT NOT NULL,
    feed_token TEXT NOT NULL UNIQUE,
    setup_token TEXT,
    setup_expires REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    last REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    article_id TEXT,
    path TEXT,
    sha256 TEXT,
    url TEXT,
    details TEXT NOT NULL
);
"""


class AccountError(ArchiveError):
    """An account cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created: str
    feed_token: str
    has_password: bool = True

    def can(self, role: str) -> bool:
        """True when this account's role includes `role` (admin > editor > reader)."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class LogEntry:
    id: int
    at: str
    user: str
    action: str
    article_id: str | None
    path: str | None
    sha256: str | None
    url: str | None
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "user": self.user, "action": self.action,
                "article_id": self.article_id, "path": self.path, "sha256": self.sha256,
                "url": self.url, "details": self.details}


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not name or len(name) > 64 or not set(name) <= NAME_CHARS:
        raise AccountError(f"{name!r} is not a usable account name: 1 to 64 characters, "
                           f"letters, digits and . _ - @")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"{role!r} is not a role; choose one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise AccountError("a password has at most 1024 characters")
    return password


class Accounts:
    """The accounts database of one instance folder (opened per call; safe across threads)."""

    def __init__(self, instance_dir: str | os.PathLike):
        self.folder = Path(instance_dir)
        self.path = self.folder / DB_FILE

    # -- plumbing ---------------------------------------------------------------
    def _connect(self, create: bool = False) -> sqlite3.Connection:
        if create:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif not self.path.exists():
            raise FileNotFoundError(self.path)
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        if create:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)
            os.chmod(self.path, 0o600)
        return conn

    def _rows(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        try:
            with closing(self._connect()) as conn:
                return conn.execute(sql, args).fetchall()
        except FileNotFoundError:
            return []

    def _write(self, sql: str, args: tuple = ()) -> int:
        with closing(self._connect(create=True)) as conn:
            return conn.execute(sql, args).rowcount

    def any(self) -> bool:
        """True when at least one account exists (then reading needs a login)."""
        try:
            return bool(self._rows("SELECT 1 FROM users LIMIT 1"))
        except sqlite3.OperationalError:  # an empty file from another program
            return False

    # -- accounts ---------------------------------------------------------------
    def _user(self, row: sqlite3.Row) -> User:
        return User(row["name"], row["role"], row["created"], row["feed_token"],
                    row["password"] is not None)

    def get(self, name: str) -> User | None:
        rows = self._rows("SELECT * FROM users WHERE name = ?", ((name or "").lower(),))
        return self._user(rows[0]) if rows else None

    def list(self) -> list[User]:
        return [self._user(r) for r in self._rows("SELECT * FROM users ORDER BY name")]

    def add(self, name: str, role: str, password: str | None = None) -> str | None:
        """Create an account; with no password, returns a one-time set-up token instead."""
        name, role = check_name(name), check_role(role)
        setup = None if password else secrets.token_urlsafe(24)
        try:
            self._write("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)", (
                name, role,
                generate_password_hash(check_password(password), method="scrypt")
                if password else None,
                _now_iso(), secrets.token_urlsafe(24), _digest(setup) if setup else None,
                time.time() + SETUP_HOURS * 3600 if setup else None))
        except sqlite3.IntegrityError:
            raise AccountError(f"an account named {name!r} exists already") from None
        return setup

    def _need(self, name: str) -> str:
        user = self.get(name)
        if user is None:
            raise AccountError(f"no account named {name!r}")
        return user.name

    def remove(self, name: str) -> None:
        self._write("DELETE FROM users WHERE name = ?", (self._need(name),))

    def set_role(self, name: str, role: str) -> None:
        self._write("UPDATE users SET role = ? WHERE name = ?", (check_role(role), self._need(name)))

    def set_password(self, name: str, password: str) -> None:
        """A new password; every session of the account ends."""
        name = self._need(name)
        self._write("UPDATE users SET password = ?, setup_token = NULL, setup_expires = NULL "
                    "WHERE name = ?",
                    (generate_password_hash(check_password(password), method="scrypt"), name))
        self._write("DELETE FROM sessions WHERE name = ?", (name,))

    def setup_link_token(self, name: str) -> str:
        """A new one-time set-up token for an account (using it sets a new password)."""
        name, token = self._need(name), secrets.token_urlsafe(24)
        self._write("UPDATE users SET setup_token = ?, setup_expires = ? WHERE name = ?",
                    (_digest(token), time.time() + SETUP_HOURS * 3600, name))
        return token

    def user_for_setup(self, token: str) -> User | None:
        rows = self._rows("SELECT * FROM users WHERE setup_token = ? AND setup_expires > ?",
                          (_digest(token or ""), time.time()))
        return self._user(rows[0]) if rows else None

    def renew_feed_token(self, name: str) -> str:
        token = secrets.token_urlsafe(24)
        self._write("UPDATE users SET feed_token = ? WHERE name = ?", (token, self._need(name)))
        return token

    def user_for_feed(self, token: str) -> User | None:
        if not token or len(token) > 100:
            return None
        rows = self._rows("SELECT * FROM users WHERE feed_token = ?", (token,))
        return self._user(rows[0]) if rows else None

    def authenticate(self, name: str, password: str) -> User | None:
        """The account when the password is right; takes as long for an unknown name."""
        rows = self._rows("SELECT * FROM users WHERE name = ?", ((name or "").strip().lower(),))
        stored = rows[0]["password"] if rows else None
        ok = check_password_hash(stored or _dummy_hash(), (password or "")[:1024])
        return self._user(rows[0]) if rows and stored and ok else None

    # -- sessions ---------------------------------------------------------------
    def start_session(self, name: str) -> str:
        """A new session token (a new one at every login: a token known before it is useless)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        self._write("INSERT INTO sessions VALUES (?, ?, ?, ?)", (_digest(token), name, now, now))
        return token

    def session_user(self, token: str, idle_seconds: float) -> User | None:
        """The account of a live session, refreshing its last use; None when ended or idle."""
        if not token or len(token) > 100:
            return None
        key, now = _digest(token), time.time()
        rows = self._rows("SELECT users.*, sessions.last_seen FROM sessions JOIN users "
                          "ON users.name = sessions.name WHERE sessions.token = ?", (key,))
        if not rows:
            return None
        if now - rows[0]["last_seen"] > idle_seconds:
            self.end_session(token)
            return None
        if now - rows[0]["last_seen"] > 30:  # one write a half-minute per session at most
            self._write("UPDATE sessions SET last_seen = ? WHERE token = ?", (now, key))
        return self._user(rows[0])

    def end_session(self, token: str) -> None:
        self._write("DELETE FROM sessions WHERE token = ?", (_digest(token or ""),))

    # -- slowing down repeated failed logins -----------------------------------------
    def login_wait(self, keys: list[str], free: int, base: float) -> float:
        """Seconds to wait before the next attempt for these keys (name, address); 0 when none."""
        wait, now = 0.0, time.time()
        for row in self._rows(f"SELECT * FROM login_failures WHERE key IN "
                              f"({','.join('?' * len(keys))})", tuple(keys)):
            if row["count"] >= free:
                delay = min(base * 2 ** (row["count"] - free), 3600.0)
                wait = max(wait, row["last"] + delay - now)
        return max(0.0, wait)

    def login_failed(self, keys: list[str]) -> None:
        now = time.time()
        for key in keys:
            self._write("INSERT INTO login_failures VALUES (?, 1, ?) ON CONFLICT(key) DO UPDATE "
                        "SET count = count + 1, last = excluded.last", (key, now))

    def login_succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self._write("DELETE FROM login_failures WHERE key = ?", (key,))

    # -- the write log ------------------------------------------------------------
    def log(self, user: str, action: str, *, article_id: str | None = None,
            path: str | None = None, sha256: str | None = None, url: str | None = None,
            **details: Any) -> None:
        """Record one write: who, what (file, sha256, URL) and its details (old/new, reason)."""
        self._write("INSERT INTO log (at, user, action, article_id, path, sha256, url, details) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (_now_iso(), user, action, article_id, path, sha256, url,
                     json.dumps(details, ensure_ascii=False, default=str)))

    def entries(self, limit: int = 200, user: str | None = None,
                action: str | None = None) -> Iterator[LogEntry]:
        """The newest log entries first."""
        sql, args = "SELECT * FROM log WHERE 1", []
        if user:
            sql += " AND user = ?"
            args.append(user.lower())
        if action:
            sql += " AND action = ?"
            args.append(action)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        for r in self._rows(sql, tuple(args)):
            yield LogEntry(r["id"], r["at"], r["user"], r["action"], r["article_id"], r["path"],
                           r["sha256"], r["url"], json.loads(r["details"]))


__all__ = ["Accounts", "AccountError", "LogEntry", "ROLES", "User", "default_instance"]
