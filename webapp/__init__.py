"""Morgue's web app: the search UI over the archive with JSON twins of every page, and, for
editors with accounts, adding, correcting and taking down articles."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from archive import Config, open_archive
from webapp.users import default_instance

# Settings with their defaults; an administrator overrides them in INSTANCE_DIR/config.py.
SETTINGS = {
    "PUBLIC_READ": False,  # with accounts: reading without a login
    "PROXY": False,  # behind an HTTPS reverse proxy (cookies Secure, X-Forwarded-* trusted)
    "SESSION_IDLE_MINUTES": 120,  # a session ends after this long without a request
    "LOGIN_FREE_ATTEMPTS": 5,  # failed logins (per name, per address) before the delays start
    "LOGIN_DELAY_SECONDS": 2,  # the first delay; it doubles with every further failure
    "FETCH_ALLOW": (),  # address ranges a page may be fetched from beyond public ones
    "FETCH_SECONDS": 20,  # for fetching one page, redirects included
    "FETCH_MAX_BYTES": 16 * 1024 * 1024,
    "FETCH_POLICY": None,  # an indexer.fetch.FetchPolicy object (tests); overrides the three above
    "UPLOAD_MAX_BYTES": 64 * 1024 * 1024,  # one Add request, every file together
    "WRITE_WAIT_SECONDS": 20,  # for another writer to finish before "busy"
    "WRITE_FILE_SECONDS": 60,  # extraction time budget of one added file
    # The search engine (None: the environment's, else Whoosh) and OpenSearch's address, alias
    # and CA bundle; its user and password come from the environment or INSTANCE/opensearch.toml.
    "ENGINE": None,
    "OPENSEARCH_URL": None,
    "OPENSEARCH_INDEX": None,
    "OPENSEARCH_CA": None,
}


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory; config keys INDEX_DIR, CORPUS_DIR and INSTANCE_DIR (defaults from
    the environment; the instance folder defaults to `instance/` next to the index folder)."""
    defaults = Config.load(engine="whoosh")  # the folders' defaults; the engine is read below
    index_dir = (test_config or {}).get("INDEX_DIR") or str(defaults.index_dir)
    instance = Path((test_config or {}).get("INSTANCE_DIR") or default_instance(index_dir))
    app = Flask(__name__, instance_path=str(instance.resolve()), instance_relative_config=True)
    app.config.from_mapping(
        INDEX_DIR=str(defaults.index_dir),
        CORPUS_DIR=str(defaults.corpus_dir),
        INSTANCE_DIR=str(instance.resolve()),
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        TODAY=None,  # tests may pin "today" (a datetime.date) for age computations
        **SETTINGS,
    )
    app.config.from_pyfile("config.py", silent=True)  # the administrator's settings
    if test_config:
        app.config.update(test_config)
    if app.config.get("PROXY"):  # behind one HTTPS reverse proxy: its scheme and address count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore
        app.config["HTTPS"] = True
    config = Config.load(app.config["CORPUS_DIR"], app.config["INDEX_DIR"], instance=instance,
                         engine=app.config["ENGINE"],
                         opensearch={key: app.config[f"OPENSEARCH_{key.upper()}"]
                                     for key in ("url", "index", "ca")})
    # The archive object opens nothing until asked; searchers are per thread and refreshed
    # when the index changes, so `add` and `reindex` are seen without a restart.
    app.extensions["morgue"] = {"archive": open_archive(config), "config": config}

    from webapp import admin, auth, errors, tools, views, write

    app.register_blueprint(views.bp)
    app.register_blueprint(tools.bp)
    write.init_app(app)  # before the CSRF check reads a request body: the upload limit
    auth.init_app(app, instance)
    auth.csrf.exempt("webapp.tools.batch")  # a search; it changes nothing
    app.register_blueprint(admin.bp)
    errors.register(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    return app
