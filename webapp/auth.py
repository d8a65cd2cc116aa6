"""Logging in and out, who may see what, and CSRF tokens on every form.

Roles: a reader searches and reads, an editor also adds, corrects and takes
down, an admin also manages accounts, restores and reads the write log.
With no account, reading is open (`manage.py serve` keeps such a server on
loopback unless `--public-read`) and nothing can be written from the browser.
With accounts, reading needs a login unless PUBLIC_READ is set, and every
write needs an editor. Sessions are kept in the instance database: a new
session token at every login, deleted at logout and after SESSION_IDLE_MINUTES
without a request. Failed logins are slowed down per name and per address.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, flash, g, redirect, render_template,
                   request, session, url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from webapp.errors import error_response, wants_json
from webapp.users import Accounts, AccountError, User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

# Endpoints anybody may reach, whatever the access rules.
OPEN_ENDPOINTS = {"static", "auth.login", "auth.logout", "auth.setup", "search.favicon"}
# Blueprints whose every endpoint writes or administers (checked before the view runs).
NEEDS_ROLE = {"write": "editor", "admin": "admin"}


class SessionUser(UserMixin):
    """The logged-in account, identified in the cookie by its session token only."""

    def __init__(self, user: User, token: str):
        self.user, self.token = user, token
        self.name, self.role = user.name, user.role

    def get_id(self) -> str:
        return self.token

    def can(self, role: str) -> bool:
        return self.user.can(role)


def accounts() -> Accounts:
    return current_app.extensions["morgue"]["accounts"]


def accounts_exist() -> bool:
    if "accounts_exist" not in g:
        g.accounts_exist = accounts().any()
    return g.accounts_exist


def reading_is_open() -> bool:
    return not accounts_exist() or bool(current_app.config.get("PUBLIC_READ"))


@login_manager.user_loader
def _load(token: str) -> SessionUser | None:
    idle = float(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    user = accounts().session_user(token, idle)
    return SessionUser(user, token) if user else None


def _refuse_login():
    if wants_json():
        return error_response(401, "Log in first", "This archive needs a login to read.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@login_manager.unauthorized_handler
def _unauthorized():
    return _refuse_login()


def check_access():
    """Before every request: reading rules, then the role a blueprint needs."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_ENDPOINTS:
        return None
    needed = NEEDS_ROLE.get(endpoint.split(".", 1)[0])
    if needed is not None or endpoint.startswith("auth."):
        if not accounts_exist():
            return error_response(403, "No accounts yet",
                                  "Adding, correcting and taking down from the browser needs "
                                  "accounts.", "Create one with `python manage.py user add NAME "
                                  "--role editor`, then log in.")
        if not current_user.is_authenticated:
            return _refuse_login() if request.method in ("GET", "HEAD") else error_response(
                403, "Log in first", "Only a logged-in editor can do this.")
        if needed and not current_user.can(needed):
            return error_response(403, "Not allowed",
                                  f"This needs an {needed}'s account; yours is a "
                                  f"{current_user.role}'s.")
        return None
    if reading_is_open() or current_user.is_authenticated:
        return None
    if endpoint == "tools.feed":
        user = accounts().user_for_feed(request.args.get("token", ""))
        if user is not None:
            return None
        return error_response(401, "This feed needs your feed link",
                              "Feed readers cannot log in: copy the feed link from a search "
                              "page while logged in (it carries your personal token).")
    return _refuse_login()


def feed_token() -> str | None:
    """The logged-in account's feed token when reading needs a login (feeds carry it)."""
    if current_user.is_authenticated and not reading_is_open():
        return current_user.user.feed_token
    return None


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything else (another host, //host, a scheme) goes home."""
    if not target:
        return url_for("search.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("search.index")
    return target


def _login_keys(name: str) -> list[str]:
    return [f"name:{name.strip().lower()[:64]}", f"address:{request.remote_addr or '?'}"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if not accounts_exist():
        return error_response(404, "No accounts", "This archive has no accounts; reading is "
                              "open.", "Create one with `python manage.py user add NAME "
                              "--role reader`.")
    next_url = request.values.get("next", "")
    if request.method == "GET":
        return render_template("login.html", next_url=next_url, error=None)
    name = request.form.get("name", "")[:200]
    password = request.form.get("password", "")
    keys = _login_keys(name)
    store = accounts()
    config = current_app.config
    wait = store.login_wait(keys, config["LOGIN_FREE_ATTEMPTS"], config["LOGIN_DELAY_SECONDS"])
    if wait > 0:
        resp = current_app.make_response((render_template(
            "login.html", next_url=next_url, name=name,
            error=f"Too many failed logins. Try again in {int(wait) + 1} seconds."), 429))
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    user = store.authenticate(name, password)
    if user is None:
        store.login_failed(keys)
        return render_template("login.html", next_url=next_url, name=name,
                               error="Wrong name or password."), 401
    store.login_succeeded(keys)
    session.clear()  # nothing from before the login carries over
    login_user(SessionUser(user, store.start_session(user.name)))
    return redirect(_safe_next(next_url))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("search.index"))
        return render_template("logout.html")
    if current_user.is_authenticated:
        accounts().end_session(current_user.token)
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login") if accounts_exist() else url_for("search.index"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str):
    """The one-time set-up link of a new account: choose a password."""
    user = accounts().user_for_setup(token)
    if user is None:
        abort(404, description="This set-up link is unknown, used or expired; ask an admin "
                               "for a new one.")
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            error = "The two passwords differ."
        else:
            try:
                accounts().set_password(user.name, password)
            except AccountError as exc:
                error = str(exc)
            else:
                flash("Your password is set; log in with it.")
                return redirect(url_for("auth.login"))
    return render_template("setup.html", user=user, error=error), 400 if error else 200


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Your account: role, personal feed token, a new password."""
    message = error = None
    if request.method == "POST":
        store = accounts()
        if request.form.get("action") == "renew-feed":
            store.renew_feed_token(current_user.name)
            message = "A new feed token is set; feed links with the old one stop working."
        elif request.form.get("action") == "password":
            if store.authenticate(current_user.name, request.form.get("current", "")) is None:
                error = "The current password is wrong."
            elif request.form.get("password") != request.form.get("confirm"):
                error = "The two new passwords differ."
            else:
                try:
                    store.set_password(current_user.name, request.form.get("password", ""))
                except AccountError as exc:
                    error = str(exc)
                else:
                    logout_user()
                    session.clear()
                    flash("Your password is changed; log in again.")
                    return redirect(url_for("auth.login"))
    user = accounts().get(current_user.name)
    feed = url_for("tools.feed", token=user.feed_token, _external=True)
    return render_template("account.html", user=user, feed=feed, message=message,
                           error=error), 400 if error else 200


def _secret_key(instance: Path) -> str:
    """The instance's secret key (created once the instance folder exists), else a random one."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        if not instance.is_dir():
            return secrets.token_hex(32)  # no accounts: nothing to keep across restarts
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def init_app(app: Flask, instance: Path) -> None:
    """Sessions, CSRF protection and the access rules for an app whose instance folder is given."""
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=bool(app.config.get("HTTPS")),
                      WTF_CSRF_TIME_LIMIT=None,
                      # The token decides; Referer checks would fail (Referrer-Policy: no-referrer).
                      WTF_CSRF_SSL_STRICT=False)
    app.extensions["morgue"]["accounts"] = Accounts(instance)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.before_request(check_access)
    app.register_blueprint(bp)

    @app.context_processor
    def who():
        return {"auth_user": current_user if current_user.is_authenticated else None,
                "accounts_on": accounts_exist()}


__all__ = ["bp", "csrf", "feed_token", "init_app"]
