"""Flask routes served beside the Dash app (health check for load balancers and the deploy test)."""
from __future__ import annotations

import flask

import optviz


def add_routes(server: flask.Flask) -> None:
    """Register ``/healthz``: 200 JSON ``{"status": "ok", "version": ...}``."""

    @server.route("/healthz")
    def healthz():
        return flask.jsonify(status="ok", version=optviz.__version__)
