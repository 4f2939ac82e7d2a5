"""The customer side: the embeddable widget script at /widget.js and the demo product page at / that hosts it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory

bp = Blueprint("widget", __name__)

# /widget.js has a fixed address that sites embed, so it cannot be cached forever: browsers and CDNs keep it for
# five minutes and then revalidate it cheaply with its ETag (a 304 when it has not changed).
WIDGET_MAX_AGE = 300
DEMO_LANGUAGES = ("en", "zh")


@bp.get("/widget.js")
def widget_js() -> Response:
    assert current_app.static_folder is not None  # the app's web/static (create_app)
    response = send_from_directory(
        current_app.static_folder, "widget.js", mimetype="text/javascript", max_age=WIDGET_MAX_AGE, conditional=True
    )
    response.cache_control.public = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Sites that isolate themselves (Cross-Origin-Embedder-Policy) may still load the script from here.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/")
def demo() -> str:
    """A fictional product's home page ("Lumo") with the widget and the demo site key created by `serve`."""
    lang = request.args.get("lang", "")
    return render_template(
        "demo.html",
        site_key=current_app.config.get("ANSWERDESK_DEMO_SITE_KEY"),
        lang=lang if lang in DEMO_LANGUAGES else None,
    )
