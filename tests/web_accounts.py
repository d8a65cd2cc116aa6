"""Helpers for the tests of accounts and the write side: an app with accounts, logins, CSRF tokens."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import zlib
from pathlib import Path

import pytest

PASSWORDS = {"ada": "admin password 1", "eddie": "editor password 1", "rita": "reader password 1"}
ROLES = {"ada": "admin", "eddie": "editor", "rita": "reader"}
STORY = "Harbour workers in Rotterdam ended their strike on Thursday after long talks. " * 12


def page_html(title: str, extra: str = "") -> bytes:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{STORY}</p><p>{extra}</p></article></body></html>").encode()


def csrf_token(client, url: str = "/account") -> str:
    """The CSRF token of the client's session, read from a form of the site."""
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def login(client, name: str, password: str | None = None):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"name": name, "password": password or PASSWORDS[name],
                                       "csrf_token": token})


def make_accounts(instance: Path) -> None:
    from webapp.users import Accounts

    store = Accounts(instance)
    for name, role in ROLES.items():
        store.add(name, role, PASSWORDS[name])


@pytest.fixture
def instance(tmp_path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def staffed(built, corpus, index_dir, instance):
    """The app over the seed archive with an admin, an editor and a reader."""
    from webapp import create_app

    make_accounts(instance)
    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus),
                       "INSTANCE_DIR": str(instance), "WRITE_FILE_SECONDS": 60})


def client_as(app, name: str | None):
    client = app.test_client()
    if name:
        resp = login(client, name)
        assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


def snapshot(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file below `folder` (relative name -> sha256 and mode), links not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skip]
        for name in filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, folder)
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as fh:
                    out[rel] = hashlib.sha256(fh.read()).hexdigest()
            else:
                out[rel] = f"mode {st.st_mode:o}"
    return out


def gzip_bomb(mebibytes: int) -> bytes:
    """A valid gzip file of a few MB that unpacks to `mebibytes` MiB of zeros."""
    chunk = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)  # the same for every MiB
    end = comp.flush()[:-8]  # the last block, without the trailer for two MiB
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(chunk, crc)
    return (head + block * (mebibytes - 1) + end
            + struct.pack("<II", crc, (mebibytes << 20) & 0xFFFFFFFF))
