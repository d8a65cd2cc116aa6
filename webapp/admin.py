"""The admin pages: accounts (add with a one-time set-up link, role, remove) and the write log.

Every endpoint here needs an admin (webapp.auth.NEEDS_ROLE). Restoring taken-down
files is on the write side (webapp.write), which may call the indexer.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.users import ROLES, AccountError

bp = Blueprint("admin", __name__, url_prefix="/admin")
LOG_PAGE = 200


def _accounts():
    return current_app.extensions["morgue"]["accounts"]


@bp.route("/", methods=["GET", "POST"])
def accounts_page():
    store = _accounts()
    error = link = None
    if request.method == "POST":
        action, name = request.form.get("action", ""), request.form.get("name", "")
        try:
            if action == "add":
                token = store.add(name, request.form.get("role", ""))
                link = url_for("auth.setup", token=token, _external=True)
                store.log(current_user.name, "user-add", name=name.strip().lower(),
                          role=request.form.get("role"))
            elif action == "role":
                if name.lower() == current_user.name:
                    raise AccountError("you cannot change your own role")
                store.set_role(name, request.form.get("role", ""))
                store.log(current_user.name, "user-role", name=name, role=request.form["role"])
                flash(f"{name} is now a {request.form['role']}.")
            elif action == "remove":
                if name.lower() == current_user.name:
                    raise AccountError("you cannot remove your own account")
                store.remove(name)
                store.log(current_user.name, "user-remove", name=name)
                flash(f"The account {name} is removed.")
            elif action == "link":
                link = url_for("auth.setup", token=store.setup_link_token(name), _external=True)
                store.log(current_user.name, "user-link", name=name)
            else:
                raise AccountError("unknown action")
        except AccountError as exc:
            error = str(exc)
        if not error and not link:
            return redirect(url_for("admin.accounts_page"))
    return render_template("admin.html", users=store.list(), roles=ROLES, error=error,
                           link=link, link_for=request.form.get("name", "").strip().lower()), \
        400 if error else 200


def _entries():
    return list(_accounts().entries(limit=LOG_PAGE, user=request.args.get("user") or None,
                                    action=request.args.get("action") or None))


@bp.route("/log")
def log_page():
    return render_template("log.html", entries=_entries(), limit=LOG_PAGE)


@bp.route("/log.json")
def log_json():
    return jsonify([e.as_dict() for e in _entries()])
