"""`answerdesk serve`: the chat service and the demo on werkzeug's threaded server (development, demo).

Production runs the same app under gunicorn instead: ``gunicorn -c python:web.gunicorn_conf 'web:create_app()'``.
"""

from __future__ import annotations

import socket

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from web.access.accounts import list_users
from web.db.engine import upgrade_database
from web.http.headers import BannerlessRequestHandler
from web.http.links import SERVE_URL_CONFIG, WILDCARD_HOSTS, public_origin, serve_url
from web.pages.demo import demo_origins, ensure_demo_site
from web.services import warm_up


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the API, the widget and the demo page (upgrades the database first)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # An address that cannot be listened on ("not a host", a port in use) fails here, before the demo site is given
    # it as an allowed origin and before the model is loaded for nothing.
    _check_can_listen(host, port)
    upgrade_database(app)
    # Links sent elsewhere (gap alerts) need a trusted base when ANSWERDESK_PUBLIC_URL is not set: the address
    # typed here is one, the Host header of a request is not (web/http/links.py).
    app.config[SERVE_URL_CONFIG] = serve_url(host, port)
    origins = demo_origins(host, port)
    public = public_origin(app)
    if public and public not in origins:
        origins.append(public)  # the demo page reached through the public address (behind a proxy)
    ensure_demo_site(app, origins)
    click.echo("loading the model...", err=True)
    warm_up(app)
    shown_host = "127.0.0.1" if host in WILDCARD_HOSTS else host
    click.echo(f"answerdesk is serving on http://{shown_host}:{port}/  (Ctrl-C to stop)")
    if not list_users():
        # The first thing a new operator needs for /help and /editor; the widget demo works without it.
        click.echo(
            "no accounts yet: `answerdesk users create you@example.com --role admin`, then sign in at "
            f"http://{shown_host}:{port}/login (employees: /help, agents: /editor/inbox/, editors: /editor/)",
            err=True,
        )
    # Flask's app.run() refuses to run under a CLI command; run_simple is what it would call.
    run_simple(
        host,
        port,
        app,
        threaded=True,
        use_reloader=False,
        use_debugger=False,
        request_handler=BannerlessRequestHandler,  # no Werkzeug/Python versions in the Server header
    )


def _check_can_listen(host: str, port: int) -> None:
    """Bind a socket the way the server will (address reuse, as werkzeug's), and let it go again."""
    try:
        family, _type, _proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
