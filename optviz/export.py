"""Data export: every run of a share link as CSV or JSON, for spreadsheets, notebooks and papers.

==============================  ==============================================================
path                            answer
==============================  ==============================================================
``/export/data.csv?<link>``     one row per run and step (a download:
                                ``optviz-<surface>-<n>runs.csv``)
``/export/data.json?<link>``    the link, its configuration, its problems and every run's
                                arrays (``optviz-<surface>-<n>runs.json``)
==============================  ==============================================================

``<link>`` is a share link's query string (:mod:`optviz.links`), read as the page reads it: a
part that cannot be used takes its default, and the JSON lists the problems.  The runs are
simulated as the page simulates them (:func:`optviz.runner.simulate_config`), within one
request's work and time limits, so the numbers are exactly the ones the page draws, and a run
stopped on a limit stops at the same step.

The CSV is "long": the columns ``run`` (the run's id, ``r0``, ``r1``, ... as in the link's order),
``optimizer``, ``label`` (the legend's), ``step``, ``x``, ``y``, ``f``, ``grad_x``, ``grad_y`` (the
exact gradient at the iterate, not the noisy or clipped one the optimizer may have seen),
``f_evals``, ``g_evals``, ``h_evals`` (cumulative evaluation counts), ``cost`` (in gradients, a
Hessian counting :data:`optviz.spec.HESSIAN_COST`), then the optimizers' state, one column per
optimizer and variable named ``optimizer.variable`` (``adam.m_x``, ``momentum.velocity_x``),
filled in the rows of that optimizer's runs and empty elsewhere.  The optimizer is in the name
because one name means different things to different optimizers (AdaMax's ``u`` is an infinity
norm, Adadelta's ``u`` an average of squared updates), while two runs of one optimizer share
their columns.  Numbers are written in their shortest exact form (``float(text)`` gives back the
engine's number); a number that is not finite is an empty cell in the CSV and ``null`` in the
JSON.

Both answers are written a slice of rows at a time (the gradient of a slice is computed at once,
vectorised), so 8 runs of 100,000 steps never hold more than a slice of their text in memory.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Iterator

import flask
import numpy as np

from optviz import links, runner
from optviz.api import SLICE, json_array, json_sliced
from optviz.config import Config, Run
from optviz.spec import Trajectory
from optviz.ui.state import run_label

__all__ = ["blueprint", "csv_columns", "csv_text", "json_text", "filename"]

blueprint = flask.Blueprint("export", __name__, url_prefix="/export")

#: The CSV's columns before the state columns.
BASE_COLUMNS = ("run", "optimizer", "label", "step", "x", "y", "f", "grad_x", "grad_y", "f_evals", "g_evals",
                "h_evals", "cost")


def filename(config: Config, ext: str) -> str:
    """``optviz-<surface>-<n>runs.<ext>`` (surface ids are identifiers: safe in a header)."""
    n = len(config.runs)
    return f"optviz-{config.surface}-{n}runs.{ext}"


def _simulated(config: Config) -> list[tuple[Run, Trajectory | ValueError]]:
    return list(zip(config.runs, runner.simulate_config(config)))


def _text(values: np.ndarray) -> list[str]:
    """Each number as its shortest exact text (``repr``); non-finite ones as empty text."""
    if values.dtype.kind != "f":
        return list(map(str, values.tolist()))
    out = list(map(repr, values.tolist()))
    if not np.isfinite(values).all():
        for k in np.flatnonzero(~np.isfinite(values)).tolist():
            out[k] = ""
    return out


def _cell(text: str) -> str:
    """A text cell as CSV writes it (quoted when it holds a comma, a quote or a line break)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([text])
    return buffer.getvalue()


def state_columns(runs: Iterable[tuple[Run, Any]]) -> list[tuple[str, str]]:
    """``(optimizer, variable)`` of every state column, in the order the runs first name them."""
    seen: list[tuple[str, str]] = []
    for run, traj in runs:
        if isinstance(traj, Trajectory):
            seen += [(run.optimizer, name) for name in traj.state if (run.optimizer, name) not in seen]
    return seen


def csv_columns(runs) -> list[str]:
    return list(BASE_COLUMNS) + [f"{opt}.{name}" for opt, name in state_columns(runs)]


def _gradient(surface, xy: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return surface.gradient(xy[:, 0], xy[:, 1])


def csv_text(config: Config, runs: list[tuple[Run, Trajectory | ValueError]] | None = None) -> Iterator[str]:
    """The CSV, as pieces of text (a header, then a slice of rows at a time)."""
    runs = _simulated(config) if runs is None else runs
    surface = config.surface_obj()
    extra = state_columns(runs)
    yield ",".join(map(_cell, list(BASE_COLUMNS) + [f"{opt}.{name}" for opt, name in extra])) + "\r\n"
    for run, traj in runs:
        if not isinstance(traj, Trajectory):
            continue
        head = ",".join(map(_cell, (run.uid, run.optimizer, run_label(run))))
        for i in range(0, len(traj.xy), SLICE):
            j = min(i + SLICE, len(traj.xy))
            xy = traj.xy[i:j]
            grad = _gradient(surface, xy)
            n = j - i
            columns = [[head] * n, list(map(str, range(i, j))), _text(xy[:, 0]), _text(xy[:, 1]),
                       _text(traj.loss[i:j]), _text(grad[:, 0]), _text(grad[:, 1]), _text(traj.f_evals[i:j]),
                       _text(traj.g_evals[i:j]), _text(traj.h_evals[i:j]), _text(traj.cost[i:j])]
            blank = [""] * n
            for opt, name in extra:
                columns.append(_text(traj.state[name][i:j]) if opt == run.optimizer and name in traj.state else blank)
            yield "\r\n".join(map(",".join, zip(*columns))) + "\r\n"


def _gradients(surface, xy: np.ndarray) -> Iterator[str]:
    yield "["
    for i in range(0, len(xy), SLICE):
        yield ("," if i else "") + json_array(_gradient(surface, xy[i:i + SLICE]))[1:-1]
    yield "]"


def _conditions(config: Config, run: Run) -> dict:
    """The conditions the run ran under: the shared ones, overridden by its own."""
    kwargs = config.simulate_kwargs(run)
    return {"noise": kwargs["noise"], "seed": kwargs["seed"], "clip": kwargs["clip"],
            "schedule": kwargs["schedule"] or {"name": "constant"}}


def json_text(config: Config, problems: list[str], link: str,
              runs: list[tuple[Run, Trajectory | ValueError]] | None = None) -> Iterator[str]:
    """The JSON, as pieces of text."""
    runs = _simulated(config) if runs is None else runs
    surface = config.surface_obj()
    yield json.dumps({"link": link, "config": config.to_data(), "problems": list(problems)})[:-1] + ', "runs": ['
    for k, (run, traj) in enumerate(runs):
        head = {"uid": run.uid, "optimizer": run.optimizer, "label": run_label(run),
                "hyperparameters": dict(run.hyperparameters), "conditions": _conditions(config, run)}
        if not isinstance(traj, Trajectory):
            head.update(status="error", message=str(traj), steps=0, requested_steps=config.steps)
            yield ("," if k else "") + json.dumps(head)
            continue
        head.update(status=traj.status, steps=traj.steps, requested_steps=traj.requested_steps,
                    diverged=traj.diverged, work=traj.work)
        yield ("," if k else "") + json.dumps(head)[:-1]
        yield ', "xy": '
        yield from json_sliced(traj.xy)
        yield ', "loss": '
        yield from json_sliced(traj.loss)
        yield ', "grad": '
        yield from _gradients(surface, traj.xy)
        for name, values in (("f_evals", traj.f_evals), ("g_evals", traj.g_evals), ("h_evals", traj.h_evals),
                             ("cost", traj.cost)):
            yield f', "{name}": '
            yield from json_sliced(values)
        yield ', "state": {'
        for i, (name, values) in enumerate(traj.state.items()):
            yield ("," if i else "") + json.dumps(name) + ": "
            yield from json_sliced(values)
        yield "}}"
    yield "]}"


def _request_config() -> tuple[Config, list[str]]:
    return links.parse(flask.request.query_string.decode("utf-8", "replace"))


def _download(pieces: Iterator[str], mimetype: str, name: str) -> flask.Response:
    response = flask.Response(flask.stream_with_context(pieces), mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/data.csv")
def data_csv():
    config, _ = _request_config()
    return _download(csv_text(config, _simulated(config)), "text/csv", filename(config, "csv"))


@blueprint.get("/data.json")
def data_json():
    config, problems = _request_config()
    link = flask.request.url_root.rstrip("/") + "/" + links.serialize(config)
    return _download(json_text(config, problems, link, _simulated(config)), "application/json",
                     filename(config, "json"))


@blueprint.record_once
def _compress_csv(state) -> None:
    """Let Flask-Compress (switched on by ``dash.Dash(compress=True)``) compress CSV too: its list
    of types is fixed when it starts and leaves out text/csv, which compresses about 4 to 1."""
    for fn in state.app.after_request_funcs.get(None, []):
        types = getattr(getattr(fn, "__self__", None), "compress_mimetypes_set", None)
        if isinstance(types, set):
            types.add("text/csv")
