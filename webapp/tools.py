"""Reporter tools in the web app: full facet lists, exports, the Atom feed, article extras.

Every page here has a JSON twin (or is itself data) and calls the same core
function as the search page; nothing here knows about Whoosh.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import quote

from flask import (Blueprint, Response, current_app, jsonify, render_template, request,
                   stream_with_context, url_for)

from archive import ArticleNotFound, SearchRequest
from archive.export import citation, csv_chunks, json_chunks
from archive.records import Article, Facet
from webapp.urls import safe_url, search_request, search_url

bp = Blueprint("tools", __name__)

FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"


def _archive():
    return current_app.extensions["morgue"]["archive"]


def _today() -> dt.date:
    return current_app.config.get("TODAY") or dt.date.today()


def _search_request() -> SearchRequest:
    return search_request()


def search_params(req: SearchRequest, **changes) -> str:
    """The query string of a search (the search page's own URL rules), without the page."""
    url = search_url(req, page=1, **changes)
    return url.split("?", 1)[1] if "?" in url else ""


@bp.app_template_global()
def tool_url(endpoint: str, req: SearchRequest, **values) -> str:
    """The URL of a tool (export, feed, facet list) for the current search."""
    params = search_params(req)
    if endpoint == "tools.feed":  # feed readers cannot log in: the feed carries the reader's token
        from webapp.auth import feed_token

        token = feed_token()
        params = "&".join(p for p in (params, f"token={token}" if token else "") if p)
    return url_for(endpoint, **values) + ("?" + params if params else "")


@bp.app_template_global()
def filter_url(req: SearchRequest, name: str, value: str | None) -> str:
    """The search with every value of filter `name` replaced by `value` (None removes it)."""
    filters = tuple(f for f in req.filters if f[0] != name)
    if value is not None:
        filters += ((name, value),)
    return search_url(SearchRequest(req.query, filters, req.sort, 1, req.page_size, req.group))


@bp.app_template_global()
def query_url(req: SearchRequest, query: str) -> str:
    """The search with another query text (filters kept), e.g. a spelling suggestion."""
    return search_url(SearchRequest(query, req.filters, req.sort, 1, req.page_size, req.group))


@bp.app_template_global()
def group_url(req: SearchRequest, on: bool) -> str:
    return search_url(req, group=on, page=1)


# -- the full list of one facet ---------------------------------------------


def _facet(name: str) -> tuple[SearchRequest, Facet | None]:
    req = _search_request()
    page = _archive().search(SearchRequest(req.query, req.filters, req.sort, 1, 1, req.group),
                             today=current_app.config.get("TODAY"), facet_limit=None)
    return req, next((f for f in page.facets if f.name == name), None)


@bp.route("/facet/<name>")
def facet(name: str):
    req, found = _facet(name)
    if found is None:
        raise ArticleNotFound(f"no facet {name!r} for this search")
    return render_template("facet.html", req=req, facet=found, search_url=search_url)


@bp.route("/facet/<name>.json")
def facet_json(name: str):
    req, found = _facet(name)
    if found is None:
        raise ArticleNotFound(f"no facet {name!r} for this search")
    return jsonify(found.as_dict())


# -- exports and the feed -----------------------------------------------------


def _download(chunks, mimetype: str, filename: str) -> Response:
    # `mimetype` gets Werkzeug's "; charset=utf-8" for text types; only the type is given here.
    resp = Response(stream_with_context(chunks), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.route("/export.csv")
def export_csv():
    stream = _archive().export(_search_request(), today=current_app.config.get("TODAY"))
    return _download(csv_chunks(stream.rows), "text/csv", "morgue-export.csv")


@bp.route("/export.json")
def export_json():
    req = _search_request()
    stream = _archive().export(req, today=current_app.config.get("TODAY"))
    head = {"query": req.query, "filters": [{"name": k, "value": v} for k, v in req.filters],
            "sort": req.sort, "total": stream.total, "stories": stream.stories,
            "notes": list(stream.notes)}
    return _download(json_chunks(head, stream.rows), "application/json", "morgue-export.json")


def _plain(snippet_html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", snippet_html)).split())


# Atom ids are tag URIs (RFC 4151) that name the archived bytes, not the server: the same
# on every host and port, and across reindexes.
TAG = "tag:morgue,2026:"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(article: Article) -> str:
    """A permanent Atom id: the sha256 of the article's file, and its item inside the file."""
    item = f"/{quote(article.item, safe='')}" if article.item is not None else ""
    return f"{TAG}sha256:{article.sha256}{item}"


def entry_updated(article: Article) -> dt.datetime:
    """When the article entered the archive (older records: its publication day, else 1970)."""
    if article.added is not None:
        return article.added
    if article.published is not None:
        return dt.datetime.combine(article.published, dt.time(), dt.timezone.utc)
    return EPOCH


@bp.route("/feed.atom")
def feed():
    """An Atom 1.0 feed of any search, newest first."""
    req = _search_request()
    newest = SearchRequest(req.query, req.filters, "newest", 1, FEED_SIZE, req.group)
    page = _archive().search(newest, today=current_app.config.get("TODAY"), with_facets=False)
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    params = search_params(req)
    query = "?" + params if params else ""
    self_url = url_for("tools.feed", _external=True) + query
    page_url = url_for("search.index", _external=True) + query
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"{TAG}feed{query}"
    title = f"Morgue: {req.query}" if req.query else "Morgue: newest articles"
    ET.SubElement(root, f"{{{ATOM}}}title").text = title
    updated = max((entry_updated(h.article) for h in page.hits), default=EPOCH)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _stamp(updated)
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=self_url,
                  type="application/atom+xml")
    ET.SubElement(root, f"{{{ATOM}}}link", rel="alternate", href=page_url, type="text/html")
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Morgue archive"
    for hit in page.hits:
        a = hit.article
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        link = url_for("search.article", article_id=a.id, _external=True)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = entry_id(a)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = a.title or "Untitled"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(entry_updated(a))
        if a.published:
            ET.SubElement(entry, f"{{{ATOM}}}published").text = _stamp(
                dt.datetime.combine(a.published, dt.time(), dt.timezone.utc))
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=link, type="text/html")
        if a.authors or a.outlet:
            who = ET.SubElement(entry, f"{{{ATOM}}}author")
            ET.SubElement(who, f"{{{ATOM}}}name").text = ", ".join(a.authors) or a.outlet
        summary = " … ".join(_plain(s) for s in hit.snippets)
        if not a.published:
            summary = "(date unknown) " + summary
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = summary
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                    mimetype="application/atom+xml")


# -- article page extras --------------------------------------------------------


def article_tools(article: Article) -> dict:
    """Versions of the story, more like this and a citation, for the article page and its JSON."""
    archive = _archive()
    page_url = url_for("search.article", article_id=article.id, _external=True)
    return {
        "versions": archive.versions(article),
        "similar": archive.more_like_this(article),
        "citation": citation(article, safe_url(article.url) or page_url, _today()),
    }


def article_tools_dict(tools: dict) -> dict:
    return {"versions": [v.as_dict() for v in tools["versions"]],
            "more_like_this": [v.as_dict() for v in tools["similar"]],
            "citation": tools["citation"]}


__all__ = ["bp", "article_tools", "article_tools_dict", "search_params"]


# -- batch search: a list of names or phrases, one count each (as Datashare offers) ------
MAX_BATCH_LINES = 500


def _batch_lines() -> list[str]:
    """Lines pasted in the form (`lines`) or uploaded as a text file (`file`), tidied."""
    text = request.values.get("lines", "")
    upload = request.files.get("file")
    if upload and upload.filename:
        text += "\n" + upload.read(MAX_BATCH_LINES * 200).decode("utf-8", errors="replace")
    lines = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if line and line not in lines:
            lines.append(line[:200])
    return lines


@bp.route("/batch", methods=["GET", "POST"])
@bp.route("/batch.json", methods=["GET", "POST"])
def batch():
    """Counts for many searches at once: one line each, linked to its search."""
    from archive.batch import search_batch

    lines = _batch_lines()
    too_many = len(lines) > MAX_BATCH_LINES
    lines = lines[:MAX_BATCH_LINES]
    results = search_batch(_archive(), [(str(n), q) for n, q in enumerate(lines, 1)], limit=1) \
        if lines else []
    if request.args.get("format") == "json" or request.path.endswith(".json"):
        return jsonify([{"line": r.query, "total": r.total, "error": r.error} for r in results])
    return render_template("batch.html", results=results, text="\n".join(lines),
                           too_many=too_many, limit=MAX_BATCH_LINES)
