"""Flask routes served beside the Dash app, and start-up warming."""
from __future__ import annotations

import flask

import optviz


def add_routes(server: flask.Flask) -> None:
    """Register ``/healthz``: 200 JSON ``{"status": "ok", "version": ...}``."""

    @server.route("/healthz")
    def healthz():
        return flask.jsonify(status="ok", version=optviz.__version__)


def warm_up() -> None:
    """Draw the default view once at start-up, so the first visitor does not pay for loading the
    compiled kernels, computing the surface grid and importing Plotly's figure machinery."""
    from optviz.ui import callbacks, state

    callbacks.render_outputs(state.default_config(), 0, None)
