"""`manage.py user ...` and `manage.py log`: accounts and the write log in the instance folder.

The commands get manage.py's context object (its `accounts` and `instance`);
`webapp.users` holds the accounts database and needs no running server.
"""

from __future__ import annotations

import functools
import json
import sys

import click


@click.group()
def user() -> None:
    """Accounts: reader (search, read), editor (also add, correct, take down), admin (also
    accounts, restore, the log). Kept in the instance folder, not in the index."""


def _account_errors(func):
    """An account error becomes `Error: message` and exit status 1."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from webapp.users import AccountError

        try:
            return func(*args, **kwargs)
        except AccountError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
    return wrapper


def _new_password(name: str) -> str:
    return click.prompt(f"Password for {name} (at least 10 characters)", hide_input=True,
                        confirmation_prompt=True)


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "editor", "admin"]), required=True)
@click.option("--link", is_flag=True,
              help="Print a one-time set-up link (72 hours) instead of asking for a password.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="The server's address, for the set-up link.")
@click.pass_obj
@_account_errors
def user_add(obj, name: str, role: str, link: bool, base_url: str) -> None:
    """Create an account (the password is asked on the terminal, or --link)."""
    from webapp.users import check_name

    name = check_name(name)
    if obj.accounts.get(name) is not None:
        raise click.UsageError(f"an account named {name!r} exists already")
    token = obj.accounts.add(name, role, None if link else _new_password(name))
    obj.accounts.log(_cli_user(), "user-add", name=name, role=role)
    if token:
        click.echo(f"{base_url.rstrip('/')}/setup/{token}")
        click.echo(f"Send this link to {name}: it sets the password once, within 72 hours.",
                   err=True)
    click.echo(f"account {name} ({role}) created in {obj.instance}", err=True)


@user.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def user_list(obj, as_json: bool) -> None:
    """List the accounts and their roles."""
    users = obj.accounts.list()
    if as_json:
        click.echo(json.dumps([{"name": u.name, "role": u.role, "created": u.created,
                                "has_password": u.has_password} for u in users]))
        return
    for u in users:
        click.echo(f"{u.name}\t{u.role}\t{u.created[:10]}"
                   + ("" if u.has_password else "\t(no password yet)"))
    if not users:
        click.echo("no accounts: reading is open on loopback, nothing can be written from the "
                   "browser", err=True)


@user.command("remove")
@click.argument("name")
@click.pass_obj
@_account_errors
def user_remove(obj, name: str) -> None:
    """Remove an account (its sessions end)."""
    obj.accounts.remove(name)
    obj.accounts.log(_cli_user(), "user-remove", name=name)
    click.echo(f"account {name} removed", err=True)


@user.command("passwd")
@click.argument("name")
@click.option("--link", is_flag=True, help="Print a new one-time set-up link instead.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@click.pass_obj
@_account_errors
def user_passwd(obj, name: str, link: bool, base_url: str) -> None:
    """Set a new password (every session of the account ends)."""
    if obj.accounts.get(name) is None:
        raise click.UsageError(f"no account named {name!r}")
    if link:
        click.echo(f"{base_url.rstrip('/')}/setup/{obj.accounts.setup_link_token(name)}")
    else:
        obj.accounts.set_password(name, _new_password(name))
        click.echo(f"password of {name} changed; its sessions ended", err=True)
    obj.accounts.log(_cli_user(), "user-passwd", name=name)


@user.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["reader", "editor", "admin"]))
@click.pass_obj
@_account_errors
def user_role(obj, name: str, role: str) -> None:
    """Change an account's role (it applies from the account's next request)."""
    obj.accounts.set_role(name, role)
    obj.accounts.log(_cli_user(), "user-role", name=name, role=role)
    click.echo(f"{name} is now a {role}", err=True)


def log_adds(accounts, report, meta: dict) -> None:
    """Write what `add` added to the write log (a log that cannot be written is a warning)."""
    import sqlite3

    added = [o for o in report.outcomes if o.status == "added"]
    try:
        for o in added:
            first = o.articles[0] if o.articles else None
            accounts.log(_cli_user(), "add", article_id=first.id if first else None,
                         path=o.relpath, sha256=first.sha256 if first else None,
                         url=meta.get("url") or (first.url if first else None), source=o.source,
                         mode="command line", given={k: v for k, v in meta.items() if v},
                         articles=[{"id": a.id, "title": a.title} for a in o.articles])
    except (sqlite3.Error, OSError) as exc:
        click.echo(f"warning: the write log in {accounts.folder} could not be written ({exc})",
                   err=True)


def _cli_user() -> str:
    import getpass

    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


@click.command()
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=50, show_default=True)
@click.option("--user", "who", help="Only this account's writes.")
@click.option("--action", help="Only this kind: add, correct, takedown, restore, user-add...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry per line.")
@click.pass_obj
def log(obj, limit: int, who: str | None, action: str | None, as_json: bool) -> None:
    """The log of every write (who, when, what), newest first."""
    for e in obj.accounts.entries(limit=limit, user=who, action=action):
        if as_json:
            click.echo(json.dumps(e.as_dict(), ensure_ascii=False))
            continue
        what = " ".join(x for x in (e.article_id, e.path, e.url) if x)
        details = "; ".join(f"{k}={v}" for k, v in e.details.items() if k != "articles")
        click.echo(f"{e.at}  {e.user}  {e.action}  {what}  {details}".rstrip())
