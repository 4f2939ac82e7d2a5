"""`answerdesk sites ...`, `answerdesk users ...`, `answerdesk tokens ...`: who may use the chat service."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from web.access.accounts import (
    create_api_token,
    create_site,
    create_user,
    find_site_by_name,
    find_user_by_email,
    list_sites,
    list_users,
    password_problem,
    revoke_api_tokens,
    set_password,
    update_user,
)
from web.access.cors import normalise_origin as origin_of
from web.access.sessions import revoke_login_sessions
from web.audit.log import record
from web.db.engine import upgrade_database
from web.db.models import ROLES, User
from web.http.payloads import is_email
from web.wording import counted


def _upgrade() -> None:
    upgrade_database(current_app._get_current_object())  # type: ignore[attr-defined]


def normalise_origin(value: str) -> str:
    try:
        return origin_of(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--origin") from None


# -- sites -------------------------------------------------------------------------------------------------------
@click.group("sites")
def sites_group() -> None:
    """Websites that embed the widget, each with its own site key."""


@sites_group.command("create")
@click.argument("name")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    required=True,
    help="An origin allowed to call the API from a browser, e.g. https://www.example.com (repeat for several).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"name", "key", "origins"}.')
@with_appcontext
def sites_create(name: str, origins: tuple[str, ...], as_json: bool) -> None:
    """Create site NAME and print its key, for the widget's data-site-key attribute."""
    _upgrade()
    name = name.strip()
    if not name:
        raise click.BadParameter("the name is empty", param_hint="NAME")
    if find_site_by_name(name) is not None:
        raise click.ClickException(f"a site named {name!r} exists already (see `answerdesk sites list`)")
    site = create_site(name, list(dict.fromkeys(normalise_origin(o) for o in origins)))
    if as_json:
        click.echo(json.dumps({"name": site.name, "key": site.key, "origins": site.origins}))
    else:
        click.echo(site.key)


@sites_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sites_list(as_json: bool) -> None:
    _upgrade()
    sites = list_sites()
    if as_json:
        click.echo(json.dumps([{"name": s.name, "key": s.key, "origins": s.origins} for s in sites]))
        return
    for site in sites:
        click.echo(f"{site.name}\t{site.key}\t{' '.join(site.origins)}")
    click.echo(counted(len(sites), "site"), err=True)


# -- users -------------------------------------------------------------------------------------------------------
@click.group("users")
def users_group() -> None:
    """Employee accounts (login page, help page, editor)."""


COMMUNITY_HELP = (
    "A community (knowledge space) this editor triages and writes for; repeat for several. "
    "An editor without communities works on every community."
)


def _communities(values: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def _describe(user: User) -> str:
    scope = ", ".join(user.communities) if user.communities else "all communities"
    return f"{user.email} ({user.role}; {scope})" if user.role == "editor" else f"{user.email} ({user.role})"


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="employee", show_default=True)
@click.option("--community", "communities", multiple=True, help=COMMUNITY_HELP)
@with_appcontext
def users_create(email: str, role: str, communities: tuple[str, ...]) -> None:
    """Create an account. The password is read from standard input when it is not a terminal (one line),
    else prompted for twice; only its hash is stored."""
    _upgrade()
    email = email.strip()
    if not is_email(email):
        raise click.BadParameter(f"{email!r} is not an email address", param_hint="EMAIL")
    if find_user_by_email(email) is not None:
        raise click.ClickException(f"a user {email!r} exists already")
    password = _read_password()
    user = create_user(email, password, role, _communities(communities))
    click.echo(f"created {_describe(user)}")


@users_group.command("update")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default=None, help="The new role.")
@click.option("--community", "communities", multiple=True, help=COMMUNITY_HELP + " Replaces the current list.")
@click.option("--all-communities", is_flag=True, help="Clear the list: the editor works on every community.")
@with_appcontext
def users_update(email: str, role: str | None, communities: tuple[str, ...], all_communities: bool) -> None:
    """Change a user's role or communities. A new role signs them out of every browser (API tokens keep working)."""
    _upgrade()
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email!r}")
    if communities and all_communities:
        raise click.UsageError("--community and --all-communities exclude each other")
    new_communities = [] if all_communities else (_communities(communities) if communities else None)
    click.echo(f"updated {_describe(update_user(user, role=role, communities=new_communities))}")


@users_group.command("set-password")
@click.argument("email")
@with_appcontext
def users_set_password(email: str) -> None:
    """Give EMAIL a new password (the login page's "Forgot your password?" sends people to an admin). Read like
    `users create` reads it; every sign-in of theirs ends. Their API tokens keep working."""
    _upgrade()
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email!r}")
    ended = set_password(user, _read_password())
    click.echo(f"new password set for {user.email}; signed out everywhere ({counted(ended, 'sign-in')} ended)")


@users_group.command("sign-out")
@click.argument("email")
@with_appcontext
def users_sign_out(email: str) -> None:
    """Sign EMAIL out of every browser (a lost laptop, a copied cookie). Their API tokens keep working."""
    _upgrade()
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email!r}")
    ended = revoke_login_sessions(user.id)
    record("user.sign_out", f"user:{user.email}", {"ended": ended})
    click.echo(f"signed {user.email} out everywhere ({counted(ended, 'sign-in')} ended)")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help='Print [{"email", "role", "communities"}].')
@with_appcontext
def users_list(as_json: bool) -> None:
    _upgrade()
    users = list_users()
    if as_json:
        click.echo(json.dumps([{"email": u.email, "role": u.role, "communities": u.communities} for u in users]))
        return
    for user in users:
        click.echo(_describe(user))


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem is not None:
        raise click.ClickException(problem)
    return password


# -- tokens ------------------------------------------------------------------------------------------------------
@click.group("tokens")
def tokens_group() -> None:
    """Personal API tokens (Authorization: Bearer TOKEN) for employees' scripts."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help='Print {"email", "token"}.')
@with_appcontext
def tokens_create(email: str, as_json: bool) -> None:
    """Create a token for the user EMAIL. It is shown once: only its hash is stored."""
    _upgrade()
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email!r} (create one with `answerdesk users create`)")
    token = create_api_token(user)
    if as_json:
        click.echo(json.dumps({"email": user.email, "token": token}))
    else:
        click.echo(token)


@tokens_group.command("revoke")
@click.argument("email")
@with_appcontext
def tokens_revoke(email: str) -> None:
    """Revoke every API token of the user EMAIL: their scripts get 401 from the next request on."""
    _upgrade()
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email!r}")
    click.echo(f"revoked {counted(revoke_api_tokens(user), 'token')} of {user.email}")
