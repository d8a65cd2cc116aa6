"""The web app's addresses of a search: reading a search from the URL and writing one back."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request, url_for

from archive import FILTER_NAMES, SORTS, BadQuery, SearchRequest

MAX_PAGE_SIZE = 100
SAFE_SCHEMES = ("http://", "https://")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name}: {raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise BadQuery(f"{name}: must be between {low} and {high}")
    return value


def search_request() -> SearchRequest:
    """The search described by the URL (query, filters, sort, page)."""
    filters = tuple((name, value) for name in FILTER_NAMES
                    for value in request.args.getlist(name) if value.strip())
    sort = request.args.get("sort") or "relevance"
    if sort not in SORTS:
        raise BadQuery(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
    return SearchRequest(query=request.args.get("q", "").strip(), filters=filters, sort=sort,
                         page=_int_arg("page", 1, 1, 1000),
                         page_size=_int_arg("size", 10, 1, MAX_PAGE_SIZE),
                         group=request.args.get("group", "on") != "off")


def search_url(req: SearchRequest, **changes) -> str:
    """The URL of `req` with changes: toggle=(name, value), sort=..., page=..."""
    filters = list(req.filters)
    toggle = changes.pop("toggle", None)
    if toggle:
        filters = [f for f in filters if f != toggle] if toggle in filters else filters + [toggle]
        changes.setdefault("page", 1)
    params: list[tuple[str, str | int]] = []
    if req.query:
        params.append(("q", req.query))
    params.extend(filters)
    sort = changes.get("sort", req.sort)
    if sort != "relevance":
        params.append(("sort", sort))
    page = changes.get("page", req.page)
    if page != 1:
        params.append(("page", page))
    if req.page_size != 10:
        params.append(("size", req.page_size))
    if not changes.get("group", req.group):
        params.append(("group", "off"))
    return url_for("search.index") + ("?" + urlencode(params) if params else "")


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:) is shown as text."""
    if url and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None


__all__ = ["MAX_PAGE_SIZE", "safe_url", "search_request", "search_url"]
