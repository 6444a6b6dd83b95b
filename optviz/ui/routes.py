"""Flask routes served beside the Dash app, the answer to malformed callback requests, and
start-up warming."""
from __future__ import annotations

import logging

import flask
from werkzeug.exceptions import HTTPException

import optviz

log = logging.getLogger(__name__)


def add_routes(server: flask.Flask) -> None:
    """Register ``/healthz`` (200 JSON ``{"status": "ok", "version": ...}``) and turn a callback
    request that Dash cannot even read (no such callback, wrong shape) into a 400, not a 500.
    The callbacks' own failures never get here: each catches its errors and answers 200 with a
    message in the page (see ``callbacks._safe``)."""

    @server.route("/healthz")
    def healthz():
        return flask.jsonify(status="ok", version=optviz.__version__)

    @server.errorhandler(Exception)
    def malformed(err):
        if isinstance(err, HTTPException):
            return err
        if flask.request.path.endswith("/_dash-update-component"):
            log.warning("malformed callback request: %s: %s", type(err).__name__, err)
            return flask.jsonify(error=f"malformed callback request ({type(err).__name__})"), 400
        log.exception("unhandled error on %s", flask.request.path)
        return flask.jsonify(error="internal error"), 500


def warm_up() -> None:
    """Draw the default view once at start-up, so the first visitor does not pay for loading the
    compiled kernels, computing the surface grid and importing Plotly's figure machinery."""
    from optviz.ui import callbacks, state

    callbacks.render_outputs(state.default_config(), 0, None)
