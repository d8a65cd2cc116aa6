"""The write side in the browser: add (upload, paste, save by URL), correct, take down, restore.

This is the only module of the web app that imports `indexer` (tests/test_layering.py
keeps it so): every change goes through the same core functions as `manage.py`
(`indexer.adding.add`, `indexer.edits.correct`, `indexer.takedown`), holds the
archive's writer lock, and is written to the log. Only editors reach these
pages (admins for restoring; see webapp.auth).
"""

from __future__ import annotations

import datetime as dt
import re

from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user

from archive import ArchiveError, Article, ArticleNotFound, IndexLocked
from indexer.corpus import clean_file_name
from indexer.corrections import correction_of, current_values
from indexer.edits import correct
from indexer.fetch import FetchPolicy, FetchRefused, fetch
from indexer.adding import add, override_problem
from indexer.report import Upload
from indexer.takedown import REASONS, restore, take_down, taken_down

bp = Blueprint("write", __name__)
MAX_UPLOADS = 50
MAX_PASTE_CHARS = 2_000_000


def _archive():
    return current_app.extensions["morgue"]["archive"]


def _corpus():
    return current_app.extensions["morgue"]["config"].corpus_dir


def _log(action: str, **what) -> None:
    current_app.extensions["morgue"]["accounts"].log(current_user.name, action, **what)


def _wait() -> float:
    return float(current_app.config["WRITE_WAIT_SECONDS"])


def fetch_policy() -> FetchPolicy:
    """The configured fetch policy (tests hand one in as FETCH_POLICY)."""
    config = current_app.config
    if config.get("FETCH_POLICY") is not None:
        return config["FETCH_POLICY"]
    return FetchPolicy.from_ranges(config.get("FETCH_ALLOW") or (),
                                   seconds=float(config["FETCH_SECONDS"]),
                                   max_bytes=int(config["FETCH_MAX_BYTES"]))


def _one_line(value: str | None, limit: int = 500) -> str:
    return " ".join((value or "").split())[:limit]


def _overrides(form) -> dict[str, str]:
    """The optional outlet, date, URL and title, checked as `manage.py add` checks them."""
    meta = {k: _one_line(form.get(k)) for k in ("outlet", "date", "url", "title")}
    _check(meta)
    return {k: v for k, v in meta.items() if v}


def _check(meta: dict[str, str]) -> None:
    problem = override_problem(meta)
    if problem:
        raise ValueError(f"{problem[0]}: {problem[1]}")


def _pasted(form) -> Upload:
    """A pasted text as a text file with a header block (Title, Date, Outlet, Author, URL)."""
    title, text = _one_line(form.get("paste_title")), (form.get("paste_text") or "").strip()
    if not title or not text:
        raise ValueError("a pasted text needs a title and the text")
    if len(text) > MAX_PASTE_CHARS:
        raise ValueError(f"the pasted text is longer than {MAX_PASTE_CHARS:,} characters")
    header = {"Title": title, "Date": _one_line(form.get("paste_date")),
              "Outlet": _one_line(form.get("paste_outlet")),
              "Author": _one_line(form.get("paste_author")),
              "URL": _one_line(form.get("paste_url"))}
    _check({"date": header["Date"], "url": header["URL"]})
    lines = [f"{k}: {v}" for k, v in header.items() if v]
    body = "\n".join(lines) + "\n\n" + re.sub(r"\r\n?", "\n", text) + "\n"
    stem = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")[:60].rstrip("-") or "pasted"
    return Upload(f"{stem}.txt", body.encode("utf-8"), f"pasted text {title!r}")


def _uploads() -> list[Upload]:
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        raise ValueError("choose one or more files to upload")
    if len(files) > MAX_UPLOADS:
        raise ValueError(f"at most {MAX_UPLOADS} files at once")
    out = []
    for f in files:
        name = clean_file_name(f.filename)
        shown = _one_line(f.filename, 200).replace("\x00", "\\0")
        out.append(Upload(name or "unnamed", f.read(), f"upload {shown!r}"))
    return out


@bp.route("/add", methods=["GET", "POST"])
def add_page():
    """The Add page; a POST adds and shows what was extracted."""
    if request.method == "GET":
        return render_template("add.html", form=request.args, error=None, reasons=REASONS)
    mode = request.form.get("mode", "")
    try:
        meta = _overrides(request.form) if mode in ("upload", "url") else {}
        if mode == "upload":
            inputs = _uploads()
        elif mode == "paste":
            inputs = [_pasted(request.form)]
        elif mode == "url":
            url = (request.form.get("page_url") or "").strip()
            if not url:
                raise ValueError("give the address (URL) of the page to save")
            page = fetch(url[:4000], fetch_policy())
            meta = {"url": page.final_url, **meta, "fetched": page.fetched,
                    "content_type": page.content_type}
            if page.final_url != page.url:
                meta["fetched_from"] = page.url
            inputs = [Upload(page.file_name(), page.data, page.final_url)]
        else:
            raise ValueError("choose what to add: files, a pasted text or a page's URL")
    except (ValueError, FetchRefused) as exc:
        return render_template("add.html", form=request.form, error=str(exc), mode=mode,
                               reasons=REASONS), 400
    report = add(_archive(), _corpus(), inputs, meta, lock_wait=_wait(),
                 file_seconds=float(current_app.config["WRITE_FILE_SECONDS"]))
    for outcome in report.outcomes:
        if outcome.status != "added":
            continue
        first = outcome.articles[0] if outcome.articles else None
        _log("add", article_id=first.id if first else None, path=outcome.relpath,
             sha256=first.sha256 if first else None,
             url=meta.get("url") or (first.url if first else None),
             source=outcome.source, mode=mode, given={k: v for k, v in meta.items()},
             articles=[{"id": a.id, "title": a.title} for a in outcome.articles])
    versions = {a.id: _archive().versions(a) for o in report.outcomes for a in o.articles[:20]}
    status = 200 if any(o.status in ("added", "duplicate") for o in report.outcomes) else 422
    return render_template("added.html", report=report, versions=versions,
                           today=current_app.config.get("TODAY")), status


def _article(article_id: str) -> Article:
    if not article_id.isalnum() or len(article_id) > 64:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    return _archive().get(article_id)


@bp.route("/article/<article_id>/correct", methods=["GET", "POST"])
def correct_page(article_id: str):
    article = _article(article_id)
    values = current_values(article)
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("title", "date", "outlet", "authors")}
        try:
            change, article = correct(_archive(), _corpus(), article, values,
                                      current_user.name, lock_wait=_wait())
        except IndexLocked:
            raise
        except ArchiveError as exc:
            return render_template("correct.html", article=article, values=values,
                                   error=str(exc)), 400
        if change is None:
            flash("Nothing changed: the values are the ones the article has.")
        else:
            _log("correct", article_id=article.id, path=article.path, sha256=article.sha256,
                 url=article.url, old=change.old, new=change.new, item=article.item)
            flash("The correction is saved; the article is indexed with it.")
        return redirect(url_for("search.article", article_id=article.id))
    values = dict(values, authors="\n".join(values["authors"]))
    return render_template("correct.html", article=article, values=values, error=None)


@bp.route("/article/<article_id>/takedown", methods=["GET", "POST"])
def takedown_page(article_id: str):
    article = _article(article_id)
    siblings = len(_archive().ids_for_sha256(article.sha256))
    if request.method == "POST":
        reason, note = request.form.get("reason", ""), request.form.get("note", "")
        try:
            record = take_down(_archive(), _corpus(), article, reason, note, current_user.name,
                               lock_wait=_wait())
        except IndexLocked:
            raise
        except ArchiveError as exc:
            return render_template("takedown.html", article=article, reasons=REASONS,
                                   siblings=siblings, error=str(exc)), 400
        _log("takedown", article_id=article.id, path=article.path, sha256=record.sha256,
             url=article.url, reason=record.reason, note=record.note, kept=record.kept,
             title=article.title)
        return render_template("taken_down.html", record=record, article=article)
    return render_template("takedown.html", article=article, reasons=REASONS,
                           siblings=siblings, error=None)


@bp.route("/admin/taken-down", methods=["GET", "POST"])
def taken_down_page():
    """Every taken-down file with its reason; an admin restores one."""
    if not current_user.can("admin"):
        abort(403, description="Restoring needs an admin's account.")
    error = None
    if request.method == "POST":
        kept = request.form.get("kept", "")
        try:
            record, articles = restore(_archive(), _corpus(), kept, lock_wait=_wait())
        except IndexLocked:
            raise
        except ArchiveError as exc:
            error = str(exc)
        else:
            _log("restore", article_id=articles[0].id if articles else None, path=record.path,
                 sha256=record.sha256, kept=kept, reason=record.reason,
                 articles=[{"id": a.id, "title": a.title} for a in articles])
            flash(f"Restored {record.path} ({len(articles)} article"
                  f"{'' if len(articles) == 1 else 's'} searchable again).")
            return redirect(url_for("write.taken_down_page"))
    return render_template("taken_down_list.html", items=list(taken_down(_corpus())),
                           error=error), 400 if error else 200


@bp.app_template_global()
def correction_for(article: Article) -> dict | None:
    """The editor's correction of an article (by, at, fields), for its page."""
    fix = correction_of(_corpus(), article.path, article.item)
    if fix and fix.get("at"):
        try:
            fix = dict(fix, day=dt.datetime.fromisoformat(fix["at"]).date().isoformat())
        except ValueError:
            fix = dict(fix, day=str(fix["at"])[:10])
    return fix


def raise_upload_limit() -> None:
    """Before CSRF checks read the body: the Add page takes files up to UPLOAD_MAX_BYTES."""
    if request.endpoint == "write.add_page" and request.method == "POST":
        request.max_content_length = int(current_app.config["UPLOAD_MAX_BYTES"])
        request.max_form_memory_size = MAX_PASTE_CHARS * 4 + 65536


def init_app(app: Flask) -> None:
    app.before_request(raise_upload_limit)
    app.register_blueprint(bp)


__all__ = ["bp", "correction_for", "fetch_policy", "init_app"]
