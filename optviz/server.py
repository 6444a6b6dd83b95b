"""The HTTP layer around the Dash app: what a public server answers, and how.

* Only the page (``/``), its assets and Dash's own routes, ``/healthz`` and the JSON API
  (:mod:`optviz.api`) answer; any other path gets 404, and so does a component-suite path that
  names no file Dash serves (Dash itself raises there).
* Request bodies over ``settings.MAX_BODY_BYTES`` (1 MB) get 413.
* Errors never show an exception's type or text: the answer is a short message with a request id
  (also in the ``X-Request-ID`` header), and the details go to the log under that id.  JSON
  routes (``/api/...``, ``/_dash-...``, ``/healthz``) answer ``{"error": ...}``; a malformed
  callback request is a 400, not a 500.
* Every answer carries ``X-Content-Type-Options: nosniff``, a ``Referrer-Policy`` and a
  Content-Security-Policy that allows the page's own scripts (Dash's inline ones by hash),
  Plotly's and nothing else.  Framing is allowed unless ``OPTVIZ_FRAME_ANCESTORS`` says
  otherwise (course pages embed the app).
* Answers are compressed (Flask-Compress, switched on by ``dash.Dash(compress=True)``).
"""
from __future__ import annotations

import logging
import re
import uuid

import dash
import flask
from dash.exceptions import DependencyException
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

import optviz
from optviz import api, settings
from optviz import export  # /export/data.csv, /export/data.json

log = logging.getLogger(__name__)

__all__ = ["harden", "content_security_policy", "warm_up"]

#: Routes that Dash or Flask register but a public server does not serve: Dash's catch-all
#: (every unknown path would answer with the page), Flask's empty static folder, Dash's
#: hot-reload hash.
_CLOSED_RULES = ("/<path:path>", "/static/<path:filename>", "/_reload-hash")
_JSON_PREFIXES = ("/api/", "/_dash-", "/healthz")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id() -> str:
    return getattr(flask.g, "request_id", "-")


def _is_json_route(path: str) -> bool:
    return path.startswith(_JSON_PREFIXES) and not path.startswith("/_dash-component-suites/")


def _answer(status: int, message: str) -> flask.Response:
    if _is_json_route(flask.request.path):
        if flask.request.path.startswith("/api/"):
            return api.error_response(status, message)
        response = flask.jsonify(error=message)
    else:
        response = flask.Response(f"{status}: {message}\n", mimetype="text/plain")
    response.status_code = status
    return response


def content_security_policy(app: dash.Dash) -> str:
    """The page's CSP: its own scripts and Dash's inline ones (by hash), no ``eval``; styles inline
    too (Plotly and React set them); images and fonts from the page or data URIs; WebGL's workers
    from blobs.  The browser tests load every view, the 3-D one and the typeset formulas included,
    under this policy with a clean console."""
    scripts = " ".join(app.csp_hashes())   # each already quoted: 'sha256-...'
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' {scripts}",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": settings.FRAME_ANCESTORS,
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def harden(app: dash.Dash) -> None:
    """Add ``/healthz``, the JSON API, the limits, the headers and the error answers to ``app``'s
    server.  Call it once every callback is registered (the CSP hashes Dash's inline scripts)."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = settings.MAX_BODY_BYTES
    server.config["COMPRESS_MIN_SIZE"] = 1000
    server.register_blueprint(api.blueprint)
    server.register_blueprint(export.blueprint)
    csp = content_security_policy(app)
    frame_options = {"'none'": "DENY", "'self'": "SAMEORIGIN"}.get(settings.FRAME_ANCESTORS)

    @server.route("/healthz")
    def healthz():
        return flask.jsonify(status="ok", version=optviz.__version__)

    @server.before_request
    def begin():
        given = flask.request.headers.get("X-Request-ID", "")
        flask.g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:12]
        # The methods of the routes on exactly this path (Dash's catch-all would add GET to all)
        allowed = sorted({m for r in server.url_map.iter_rules() if r.rule == flask.request.path and
                          r.rule not in _CLOSED_RULES for m in r.methods})
        rule = flask.request.url_rule
        if allowed and flask.request.method == "OPTIONS":
            return flask.Response(status=204, headers={"Allow": ", ".join(allowed)})
        if rule is not None and rule.rule in _CLOSED_RULES:
            if allowed:   # a route of ours, asked with another method
                raise MethodNotAllowed(valid_methods=allowed)
            raise NotFound()

    @server.after_request
    def headers(response: flask.Response) -> flask.Response:
        response.headers["X-Request-ID"] = _request_id()
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Content-Security-Policy"] = csp
        if frame_options:
            response.headers["X-Frame-Options"] = frame_options
        if flask.request.path.startswith("/api/"):   # a read-only computing service: any page may call it
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        return response

    @server.errorhandler(DependencyException)
    def no_such_file(err):
        return _answer(404, f"{flask.request.path} is not a file this server serves")

    @server.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        messages = {
            404: f"{flask.request.path} is not a page of optviz; the app is at /, the API at /api/openapi.json",
            405: f"{flask.request.method} is not allowed on {flask.request.path}",
            413: f"the request body is larger than the limit of {settings.MAX_BODY_BYTES:,} bytes",
        }
        response = _answer(err.code or 500, messages.get(err.code, err.description or err.name))
        if err.code == 405:
            allowed = err.get_response().headers.get("Allow")
            if allowed:
                response.headers["Allow"] = allowed
        return response

    @server.errorhandler(Exception)
    def unexpected(err: Exception):
        if flask.request.path == "/_dash-update-component":
            log.warning("request %s: malformed callback request: %s: %s", _request_id(), type(err).__name__, err)
            return _answer(400, f"malformed callback request (reference {_request_id()})")
        log.exception("request %s: unhandled error on %s", _request_id(), flask.request.path)
        return _answer(500, f"internal error (reference {_request_id()})")


def warm_up() -> None:
    """Draw the default view once at start-up, so the first visitor does not pay for loading the
    compiled kernels, computing the surface grid and importing Plotly's figure machinery."""
    from optviz.ui import callbacks, state

    callbacks.render_outputs(state.default_config(), 0, None)
