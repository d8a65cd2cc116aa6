"""Structured metadata of a parsed HTML page: JSON-LD, <meta> tags, canonical link, title."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "reviewnewsarticle", "backgroundnewsarticle", "blogposting", "liveblogposting", "report",
    "scholarlyarticle", "techarticle", "socialmediaposting", "webpage", "review", "creativework",
    "medicalwebpage", "posting", "discussionforumposting", "satiricalarticle", "advertisercontentarticle",
}


@dataclass
class PageMeta:
    """What a page says about itself, before cleaning."""

    meta: dict[str, list[str]] = field(default_factory=dict)  # lower-cased name/property -> contents
    ld: list[dict[str, Any]] = field(default_factory=list)  # JSON-LD objects, article types first
    title_tag: str = ""
    canonical: str | None = None
    h1: str = ""
    text: list[str] = field(default_factory=list)  # the body's text nodes (text_nodes below)

    def first(self, *names: str) -> str | None:
        """The first non-empty content among the given meta names."""
        for name in names:
            for value in self.meta.get(name, ()):
                if value and value.strip():
                    return value.strip()
        return None

    def ld_value(self, key: str) -> Any:
        """The first value of `key` among the article-like JSON-LD objects."""
        for obj in self.ld:
            if obj.get(key):
                return obj[key]
        return None


def _flatten(data: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(data, list):
        for item in data:
            _flatten(item, out)
    elif isinstance(data, dict):
        if "@graph" in data:
            _flatten(data["@graph"], out)
        if "@type" in data:
            out.append(data)
        main = data.get("mainEntity") or data.get("mainEntityOfPage")
        if isinstance(main, dict) and main.get("@type") and (main.get("headline") or main.get("datePublished")):
            out.append(main)


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    values = t if isinstance(t, list) else [t]
    return {str(v).lower() for v in values if v}


def _load_json(text: str) -> Any:
    text = text.strip().rstrip(";")
    if text.startswith("<!--"):
        text = text[4:].rsplit("-->", 1)[0]
    try:
        return json.loads(text, strict=False)
    except ValueError:
        try:  # stray control characters and trailing commas are common
            return json.loads(re.sub(r",\s*([}\]])", r"\1", re.sub(r"[\x00-\x1f]", " ", text)))
        except ValueError:
            return None


def read_meta(tree: Any) -> PageMeta:
    """Collect the metadata of a parsed page without changing the tree."""
    pm = PageMeta()
    for el in tree.iter("meta"):
        name = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "")
        content = el.get("content")
        if name and content is not None:
            pm.meta.setdefault(name.strip().lower(), []).append(" ".join(content.split()))
    objs: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            _flatten(_load_json(script.text), objs)
    articles = [o for o in objs if _types(o) & ARTICLE_TYPES and "webpage" not in _types(o)]
    pages = [o for o in objs if "webpage" in _types(o)]
    others = [o for o in objs if o not in articles and o not in pages]
    pm.ld = articles + pages + others
    title = tree.find(".//title")
    if title is not None:
        pm.title_tag = " ".join((title.text_content() or "").split())
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            pm.canonical = link.get("href").strip()
            break
    h1 = tree.find(".//h1")
    if h1 is not None:
        pm.h1 = " ".join(h1.text_content().split())
    pm.text = text_nodes(tree)
    return pm


def ld_names(value: Any) -> list[str]:
    """Person or organisation names from a JSON-LD author/publisher value."""
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for v in value for n in ld_names(v)]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = name[0] if name else None
        if isinstance(name, str) and name.strip():
            return [name.strip()]
        given, family = value.get("givenName"), value.get("familyName")
        if isinstance(given, str) and isinstance(family, str):
            return [f"{given} {family}".strip()]
    return []


_TEXT_NODES = "descendant::text()[not(parent::script or parent::style)]"


def text_nodes(tree: Any) -> list[str]:
    """The text of the page's body outside scripts and styles, node by node in document order.

    Selected by libxml2 (no Python object per element). Every element's text is a
    contiguous run of these nodes, so a phrase split by tags ("5 years <b>old</b>")
    is whole again when they are joined without separators.
    """
    body = tree.find(".//body")
    return (tree if body is None else body).xpath(_TEXT_NODES, smart_strings=False)

