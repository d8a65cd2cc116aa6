"""Search page, article page, original file, and their JSON twins (one core call each)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path, PurePosixPath

from flask import (Blueprint, Response, abort, current_app, jsonify, redirect, render_template,
                   request, send_file, url_for)
from markupsafe import Markup

from archive import (SORTS, ArticleNotFound, BadQuery, SearchPage)
from archive.marks import link_marks
from archive.parts import part_span
from webapp.tools import article_tools, article_tools_dict
from webapp.urls import _int_arg, safe_url, search_request, search_url

bp = Blueprint("search", __name__)
bp.add_app_template_filter(safe_url, "safe_url")

def _archive():
    return current_app.extensions["morgue"]["archive"]


def _today():
    return current_app.config.get("TODAY")


@bp.route("/")
def index():
    req = search_request()
    archive = _archive()
    if not archive.exists():
        building = archive.writing()
        resp = current_app.make_response((render_template("empty.html", building=building),
                                           503 if building else 200))
        if building:
            resp.headers["Retry-After"] = "60"
        return resp
    error = None
    try:
        page = archive.search(req, today=_today())
    except BadQuery as exc:
        error = str(exc)
        page = SearchPage(request=req, total=0, hits=(), facets=())
    snippets = {h.article.id: [Markup(s) for s in h.snippets] for h in page.hits}
    status = 400 if error else 200
    return render_template("search.html", page=page, req=req, error=error, snippets=snippets,
                           search_url=search_url, sorts=SORTS, today=_today()), status


@bp.route("/search", strict_slashes=False)
def search_address():
    """`/search?q=...`, the address people type: the search page, same query string."""
    query = request.query_string.decode("latin-1")
    return redirect(url_for("search.index") + ("?" + query if query else ""), 302)


@bp.route("/search.json")
def search_json():
    page = _archive().search(search_request(), today=_today())
    return jsonify(page.as_dict(_today()))


def _article(article_id: str):
    if not article_id.isalnum() or len(article_id) > 64:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    return _archive().get(article_id)


MAX_PART = 1_000_000  # the largest part number a URL may ask for (archive.parts checks the rest)


def _part_url(endpoint: str, art, number: int, **values) -> str:
    return url_for(endpoint, article_id=art.id, part=number if number > 1 else None, **values)


@bp.route("/article/<article_id>")
def article(article_id: str):
    """The article, one part of its body at a time, the query's words marked."""
    art = _article(article_id)
    q = request.args.get("q", "")[:1000]
    part = _archive().marked_part(art, q, _int_arg("part", 1, 1, MAX_PART))
    after_last = None
    if part.next_match:
        after_last = (_part_url("search.article", art, part.next_match, q=q or None) + "#m1",
                      f"Next match, in part {part.next_match} of {part.parts}")
    return render_template("article.html", article=art, q=q, part=part,
                           title_html=Markup(part.title), part_url=_part_url,
                           paragraphs=[Markup(p) for p in link_marks(list(part.paragraphs),
                                                                     part.marks, after_last)],
                           warning=art.age_warning(_today()),
                           back=request.args.get("back", ""), **article_tools(art))


@bp.route("/article/<article_id>.json")
def article_json(article_id: str):
    """The article's record; `body` holds one part of a long article (`?part=N`)."""
    from webapp.write import correction_for

    art = _article(article_id)
    number = _int_arg("part", 1, 1, MAX_PART)
    start, end, count = part_span(art.body, number)
    part = {"number": number, "parts": count, "start": start, "end": end,
            "body_chars": len(art.body),
            "previous": _part_url("search.article_json", art, number - 1) if number > 1 else None,
            "next": _part_url("search.article_json", art, number + 1) if number < count else None}
    return jsonify(art.as_dict(_today()) | {"body": art.body[start:end], "part": part}
                   | article_tools_dict(article_tools(art))
                   | {"correction": correction_for(art)})


def _corpus_file(rel: str) -> Path:
    """The corpus file for a stored path, refusing anything that leaves the corpus."""
    corpus = current_app.extensions["morgue"]["config"].corpus_dir
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("..", "") or "\x00" in p for p in parts) or rel.startswith("/"):
        abort(404)
    path = (corpus.joinpath(*parts)).resolve()
    if not path.is_relative_to(corpus) or not path.is_file():
        abort(404, description="The original file is no longer in the corpus.")
    return path


@bp.route("/article/<article_id>/original")
def original(article_id: str):
    """The archived file as a download, or as plain text; never rendered as a page."""
    art = _article(article_id)
    path = _corpus_file(art.path)
    if request.args.get("as") == "text":
        data = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error):
                abort(415, description="The original file is compressed and damaged; "
                                       "download it instead.")
        text = data.decode("utf-8", errors="replace")
        resp = Response(text, mimetype="text/plain")
        resp.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return resp
    resp = send_file(path, mimetype="application/octet-stream", as_attachment=True,
                     download_name=path.name)
    resp.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return resp


@bp.route("/favicon.ico")
def favicon():
    return current_app.send_static_file("favicon.svg")
