"""Error pages and JSON errors: every failure is a clear message with the right status."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from archive import (ArchiveError, ArticleNotFound, BadQuery, IndexCorrupt, IndexLocked,
                     IndexMissing)
from archive.errors import EngineError, NotSupported

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                "script-src 'self'; form-action 'self'; base-uri 'none'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def wants_json() -> bool:
    return request.path.endswith(".json") or request.args.get("format") == "json"


def error_response(status: int, title: str, message: str, hint: str | None = None):
    if wants_json():
        body = {"error": {"status": status, "title": title, "message": message}}
        if hint:
            body["error"]["hint"] = hint
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message,
                           hint=hint), status


def register(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(ArticleNotFound)
    def not_found(exc):
        return error_response(404, "Article not found", str(exc))

    @app.errorhandler(BadQuery)
    def bad_query(exc):
        return error_response(400, "The search could not be understood", str(exc))

    @app.errorhandler(IndexMissing)
    def missing(exc):
        return error_response(503, "The archive has no index yet",
                              "Nothing has been indexed yet.",
                              "Add articles with `python manage.py add FILE...` or build the "
                              "index with `python manage.py reindex`.")

    @app.errorhandler(IndexLocked)
    def locked(exc):
        return error_response(503, "The archive is busy", str(exc), exc.hint)

    @app.errorhandler(IndexCorrupt)
    def corrupt(exc):
        app.logger.error("index problem: %s", exc)
        return error_response(503, "The index cannot be read",
                              "The search index is damaged or from another version.",
                              exc.hint)

    @app.errorhandler(EngineError)
    def engine_error(exc):  # the cluster: unreachable, red, full, refusing the user...
        app.logger.error("search engine: %s", exc)
        response = make_response(error_response(exc.status, "The search engine cannot answer",
                                                exc.public, exc.hint))
        if exc.status == 503:
            response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(NotSupported)
    def not_supported(exc):
        return error_response(exc.status, "Not available with this search engine", str(exc))

    @app.errorhandler(ArchiveError)
    def archive_error(exc):
        app.logger.error("archive error: %s", exc)
        return error_response(500, "Something went wrong", str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return error_response(exc.code or 500, exc.name, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unexpected error")
        return error_response(500, "Something went wrong",
                              "The archive hit an unexpected error; it has been logged.")
