"""Morgue's web app: a read-only search UI over the archive, with JSON twins of every page."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from archive import Config, open_archive


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory; config keys INDEX_DIR and CORPUS_DIR (defaults from the environment)."""
    app = Flask(__name__, instance_relative_config=False)
    defaults = Config.load()
    app.config.from_mapping(
        INDEX_DIR=str(defaults.index_dir),
        CORPUS_DIR=str(defaults.corpus_dir),
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        TODAY=None,  # tests may pin "today" (a datetime.date) for age computations
    )
    if test_config:
        app.config.update(test_config)
    config = Config(Path(app.config["CORPUS_DIR"]).resolve(), Path(app.config["INDEX_DIR"]).resolve())
    # The archive object opens nothing until asked; searchers are per thread and refreshed
    # when the index changes, so `add` and `reindex` are seen without a restart.
    app.extensions["morgue"] = {"archive": open_archive(config), "config": config}

    from webapp import errors, tools, views

    app.register_blueprint(views.bp)
    app.register_blueprint(tools.bp)
    errors.register(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    return app
