"""The JSON API, served beside the app: the registries, and one run as numbers.

=========================  ======  ========================================================
path                       method  answer
=========================  ======  ========================================================
``/api/optimizers``        GET     every optimizer's spec (hyperparameters with defaults,
                                   ranges, kinds, help)
``/api/surfaces``          GET     every surface (formula, window, start, minima, parameters)
``/api/schedules``         GET     every learning-rate schedule and its parameters
``/api/trajectory``        POST    one run: ``{"optimizer": "adam", "surface": "rosenbrock",
                                   "start": [-1.5, 2], "steps": 500, "hyperparameters":
                                   {"lr": 0.01}, "noise": 0, "seed": 0, "schedule": null,
                                   "clip": null}`` -> its iterates, losses, counts and state
``/api/sweep``             POST    a grid of runs over one or two hyperparameters: the
                                   trajectory request's keys, plus ``"grid": {"lr": [0.001,
                                   0.01, 0.1]}`` and ``"tol"`` -> final loss, steps to the
                                   tolerance, divergence and status of every cell
``/api/basins``            POST    one run from each start of a grid over the window: the
                                   trajectory request's keys but ``start``, plus
                                   ``"resolution": 64`` -> the minimum each start ends at
                                   (-1 none, -2 diverged) and the steps it took
``/api/openapi.json``      GET     this API described in OpenAPI 3.1
``/healthz``               GET     ``{"status": "ok", "version": ...}``
=========================  ======  ========================================================

A request is checked by the configuration checker the app uses (:meth:`optviz.config.Config.from_data`,
in its strict mode) against the declarations of :mod:`optviz.options` and the specs; the OpenAPI
description is generated from the same declarations.  Every bad request gets a 4xx answer
``{"error": "...", "problems": [...]}`` naming what was wrong and what is allowed.  A run gets the
whole work limit of one request (:mod:`optviz.runner`); a run stopped on it answers 200 with its
``status`` and a ``message``.  A sweep or basin map may spend ``settings.GRID_WORK_LIMIT`` units,
an equal share per cell, and ``settings.TIME_LIMIT`` CPU seconds on each of its two threads; cells
stopped on either answer 200 with their ``status`` and a ``message``.  The arrays are written in slices, so answering a 100,000-step run
never holds more than a slice of its text in memory.
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterator, Mapping

import flask
import numpy as np

import optviz
import surfaces
from optviz import grid as grid_module
from optviz import optimizers, runner, schedules, settings
from optviz.config import Config, start_bounds
from optviz.engine import batched_params
from optviz.options import BATCH, CLIP, NOISE, SEED, STEPS
from optviz.spec import STATUSES, STEPS_CAP, Hyperparameter, Trajectory

__all__ = ["blueprint", "openapi", "ApiError"]

blueprint = flask.Blueprint("api", __name__, url_prefix="/api")

#: Rows of a run's arrays written at once (here and in the data export).
SLICE = 4096
#: The keys of a trajectory request.
REQUEST_KEYS = ("optimizer", "surface", "start", "steps", "hyperparameters", "noise", "seed", "schedule", "clip",
                "batch_size")
#: The keys of a sweep request, and of a basins request.
SWEEP_KEYS = REQUEST_KEYS + ("grid", "tol")
BASINS_KEYS = tuple(k for k in REQUEST_KEYS if k != "start") + ("resolution",)


class ApiError(Exception):
    """A request the API refuses: answered with ``status`` and ``{"error": message, "problems": problems}``."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.problems = problems or [message]


def error_response(status: int, message: str, problems: list[str] | None = None) -> flask.Response:
    response = flask.jsonify(error=message, problems=problems or [message])
    response.status_code = status
    return response


# -- the registries --------------------------------------------------------------------------------
def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def hyperparameter_data(h: Hyperparameter) -> dict:
    """A hyperparameter as JSON (``low``/``high`` are ``null`` when unbounded)."""
    data = {"name": h.name, "kind": h.kind, "default": h.default, "help": h.help, "allowed": h.allowed}
    if h.kind in ("float", "int"):
        lo, hi = h.slider_range
        data.update(low=_number(h.low), high=_number(h.high), low_open=h.low_open, high_open=h.high_open,
                    log=h.log, slider=[lo, hi])
    if h.kind == "choice":
        data["choices"] = list(h.choices)
    if h.kind == "text":
        data["max_length"] = int(h.high)
    return data


def optimizer_data(spec) -> dict:
    return {"name": spec.name, "title": spec.title, "family": spec.family, "update": spec.update,
            "note": spec.note, "lineage": spec.lineage, "reference": spec.reference, "torch": spec.torch,
            "state": list(spec.state),
            "hyperparameters": [hyperparameter_data(h) for h in spec.hyperparameters]}


def surface_data(surface: surfaces.Surface) -> dict:
    (xlo, xhi), (ylo, yhi) = start_bounds(surface)
    return {"name": surface.name, "title": surface.title, "latex": surface.latex, "note": surface.note,
            "reference": surface.reference, "domain": [list(surface.domain[0]), list(surface.domain[1])],
            "start": list(surface.start), "start_bounds": [[xlo, xhi], [ylo, yhi]],
            "minima": [list(m) for m in surface.minima], "minimum_value": surface.minimum_value,
            "log_scale": surface.log_scale, "parameters": [hyperparameter_data(h) for h in surface.parameters]}


def schedule_data(spec) -> dict:
    return {"name": spec.name, "title": spec.title, "latex": spec.latex, "help": spec.help,
            "parameters": [hyperparameter_data(h) for h in spec.parameters]}


@blueprint.get("/optimizers")
def list_optimizers():
    return flask.jsonify(optimizers=[optimizer_data(s) for s in optimizers.all_specs()])


@blueprint.get("/surfaces")
def list_surfaces():
    return flask.jsonify(surfaces=[surface_data(s) for s in surfaces.all_surfaces()])


@blueprint.get("/schedules")
def list_schedules():
    return flask.jsonify(schedules=[schedule_data(schedules.get(n)) for n in schedules.names()])


@blueprint.get("/openapi.json")
def openapi_json():
    return flask.jsonify(openapi())


# -- one run ----------------------------------------------------------------------------------------
def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_json(request: flask.Request) -> Any:
    """The request's JSON body, strictly: ``ApiError`` 415 for another content type, 400 for text
    that is not JSON (``NaN`` and ``Infinity`` included) or too deeply nested."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, f"the body must be JSON, sent with Content-Type: application/json; "
                            f"got {mimetype or 'no content type'!r}")
    raw = request.get_data(cache=False)   # a body over the limit raises 413 here
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:
        detail = str(err) if isinstance(err, ValueError) else "nested too deeply"
        raise ApiError(400, f"the body is not valid JSON ({detail[:200]})") from None


def request_to_data(body: Any, keys: tuple[str, ...] = REQUEST_KEYS) -> tuple[dict, list[str]]:
    """A trajectory request as the canonical dict of :mod:`optviz.config`, and the problems of its
    shape (the values are checked by the configuration checker); ``keys`` are the keys allowed."""
    if not isinstance(body, Mapping):
        return {}, [f"the body must be a JSON object with at least an 'optimizer'; got {type(body).__name__}"]
    problems = [f"unknown key {k!r} (allowed: {', '.join(keys)})" for k in body if k not in keys]
    if "optimizer" not in body:
        problems.append(f"'optimizer' is required: one of {', '.join(optimizers.names())}")
    data: dict[str, Any] = {"runs": [{"optimizer": body.get("optimizer"),
                                      "hyperparameters": body.get("hyperparameters")}]}
    for key in ("steps", "noise", "seed", "hyperparameters"):
        if key in body and body[key] is None:
            problems.append(f"{key} may be left out (for its default) but not null")
        elif key in body and key != "hyperparameters":
            data[key] = body[key]
    for key in ("start", "clip"):   # null: the surface's start, no clipping
        if body.get(key) is not None:
            data[key] = body[key]
    if body.get("batch_size") is not None:   # the run's own minibatch (a run condition in the app)
        data["runs"][0]["conditions"] = {"batch": body["batch_size"]}
    for key, params_key in (("surface", "surface_params"), ("schedule", "schedule_params")):
        value = body.get(key)
        if isinstance(value, Mapping):
            if not isinstance(value.get("name"), str):
                problems.append(f"{key} given as an object needs a 'name' (a string); got {value.get('name')!r}")
                continue
            data[key] = value["name"]
            data[params_key] = {k: v for k, v in value.items() if k != "name"}
        elif value is not None or (key == "surface" and key in body):
            data[key] = value if value is not None else "null"
    return data, problems


def check_request(body: Any, keys: tuple[str, ...] = REQUEST_KEYS) -> Config:
    """The configuration of one run, or ``ApiError`` 400 listing every problem."""
    data, problems = request_to_data(body, keys)
    config, more = Config.from_data(data, strict=True)
    problems += more
    if isinstance(body, Mapping) and body.get("batch_size") is not None and not more:
        try:   # only on the loss of a model on data, and at most its number of points
            batched_params(config.surface_obj(), body["batch_size"])
        except ValueError as err:
            problems.append(str(err))
    if problems:
        raise ApiError(400, " ".join(p if p.endswith(".") else p + "." for p in problems), problems)
    return config


def json_array(values: np.ndarray) -> str:
    """JSON text of a numeric array (non-finite values as ``null``)."""
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        values = np.where(np.isfinite(values), values, None)
    return json.dumps(values.tolist())


def json_sliced(values: np.ndarray) -> Iterator[str]:
    """JSON text of a long array, a slice of rows at a time."""
    yield "["
    for i in range(0, len(values), SLICE):
        yield ("," if i else "") + json_array(values[i:i + SLICE])[1:-1]
    yield "]"


def trajectory_json(traj: Trajectory, message: str | None) -> Iterator[str]:
    """The answer to ``POST /api/trajectory``, as pieces of JSON text."""
    head = {"optimizer": traj.optimizer, "surface": traj.surface, "hyperparameters": traj.hyperparameters,
            "steps": traj.steps, "requested_steps": traj.requested_steps, "status": traj.status,
            "diverged": traj.diverged, "work": traj.work, "message": message}
    yield json.dumps(head)[:-1]
    for name, values in (("xy", traj.xy), ("loss", traj.loss), ("f_evals", traj.f_evals),
                         ("g_evals", traj.g_evals), ("h_evals", traj.h_evals)):
        yield f', "{name}": '
        yield from json_sliced(values)
    yield ', "state": {'
    for i, (name, values) in enumerate(traj.state.items()):
        yield ("," if i else "") + json.dumps(name) + ": "
        yield from json_sliced(values)
    yield "}}"


def _message(traj: Trajectory) -> str | None:
    if traj.status == "work_limit":
        return (f"stopped at step {traj.steps} of {traj.requested_steps}: a request may do at most "
                f"{settings.WORK_LIMIT} units of work (about one evaluation each). Ask for fewer steps, "
                f"or lower settings that multiply a step's work (max_eval, history_size).")
    if traj.status == "time_limit":
        return (f"stopped at step {traj.steps} of {traj.requested_steps}: a request may compute for at most "
                f"{settings.TIME_LIMIT:g} s, and this run's arithmetic was slow (subnormal numbers). "
                f"Ask for fewer steps.")
    return None


@blueprint.post("/trajectory")
def trajectory():
    config = check_request(read_json(flask.request))
    (result,) = runner.simulate_config(config)
    if isinstance(result, ValueError):
        raise ApiError(400, str(result))
    return flask.Response(flask.stream_with_context(trajectory_json(result, _message(result))),
                          mimetype="application/json")


# -- grids of runs ------------------------------------------------------------------------------------
def _nested(values: np.ndarray) -> Any:
    """A numeric array as nested lists, non-finite values as ``None``."""
    if values.dtype.kind == "f":
        return np.where(np.isfinite(values), values, None).tolist()
    return values.tolist()


def _grid_message(statuses: np.ndarray) -> str | None:
    stopped = {s: int((statuses == s).sum()) for s in ("work_limit", "time_limit")}
    if not any(stopped.values()):
        return None
    parts = [f"{n:,} cells stopped on the {what.replace('_', ' ')}" for what, n in stopped.items() if n]
    return (f"{' and '.join(parts)}: a sweep or basin map may do {settings.GRID_WORK_LIMIT:,} units of work, shared "
            f"equally by its cells, in {settings.TIME_LIMIT:g} s of CPU per thread. Ask for fewer cells or steps.")


def _run_kwargs(config: Config) -> dict:
    run = config.runs[0]
    kwargs = config.simulate_kwargs(run)
    kwargs.update(dict(run.hyperparameters))
    return kwargs


@blueprint.post("/sweep")
def sweep():
    body = read_json(flask.request)
    problems = []
    if isinstance(body, Mapping):
        grid = body.get("grid")
        if not isinstance(grid, Mapping) or not grid:
            problems.append("'grid' is required: an object mapping one or two hyperparameter names to lists of "
                            "values, such as {\"lr\": [0.001, 0.01, 0.1]}")
        config_body = {k: v for k, v in body.items() if k not in ("grid", "tol")}
    else:
        grid, config_body = None, body
    try:
        config = check_request(config_body, SWEEP_KEYS)
    except ApiError as err:
        raise ApiError(400, " ".join([*problems, str(err)]), [*problems, *err.problems]) from None
    if problems:
        raise ApiError(400, problems[0], problems)
    kwargs = _run_kwargs(config)
    for name in grid:
        kwargs.pop(name, None)   # the defaults the checker filled in; a value given is swept instead
    given = dict(body.get("hyperparameters") or {})
    overridden = [name for name in grid if name in given]
    cells = int(np.prod([len(v) if isinstance(v, list) else 1 for v in grid.values()]))
    limit = runner.grid_share(cells)
    try:
        result = optviz.sweep(config.runs[0].optimizer, config.surface_obj(), grid=grid, tol=body.get("tol", 1e-6),
                              work_limit=limit, time_limit=settings.TIME_LIMIT, **kwargs)
    except ValueError as err:
        raise ApiError(400, str(err)) from None
    status = np.asarray(result.status, dtype=str)
    notes = [f"hyperparameters.{name} was not used: {name} is swept (grid)" for name in overridden]
    notes += [_grid_message(status)] if _grid_message(status) else []
    return flask.jsonify(
        optimizer=result.optimizer, surface=result.surface, names=list(result.names),
        values=[v.tolist() for v in result.values], hyperparameters=result.fixed, steps=result.steps, tol=result.tol,
        final_loss=_nested(result.final_loss), steps_to_tol=_nested(result.steps_to_tol),
        diverged=_nested(result.diverged), status=status.tolist(), steps_done=_nested(result.steps_done),
        message=" ".join(notes) or None)


@blueprint.post("/basins")
def basins():
    body = read_json(flask.request)
    resolution = body.get("resolution", 64) if isinstance(body, Mapping) else None
    config_body = {k: v for k, v in body.items() if k != "resolution"} if isinstance(body, Mapping) else body
    config = check_request(config_body, BASINS_KEYS)
    try:
        resolution = grid_module.RESOLUTION.validate(resolution, strict=True)
    except ValueError as err:
        raise ApiError(400, str(err)) from None
    limit = runner.grid_share(resolution * resolution)
    kwargs = _run_kwargs(config)
    kwargs.pop("start")
    try:
        result = optviz.basins(config.runs[0].optimizer, config.surface_obj(), resolution=resolution,
                               work_limit=limit, time_limit=settings.TIME_LIMIT, **kwargs)
    except ValueError as err:
        raise ApiError(400, str(err)) from None
    status = np.asarray(result.status, dtype=str)
    return flask.jsonify(
        optimizer=result.optimizer, surface=result.surface, hyperparameters=result.hyperparameters,
        resolution=resolution, xs=result.xs.tolist(), ys=result.ys.tolist(),
        minima=[list(m) for m in result.minima], radius=result.radius, minimum=_nested(result.minimum),
        steps=_nested(result.steps), final_loss=_nested(result.final_loss), status=status.tolist(),
        resting=None if result.resting is None else {
            "points": result.resting.points.tolist(), "kinds": list(result.resting.kinds),
            "label": _nested(result.resting.label)},
        message=_grid_message(status))


@blueprint.errorhandler(ApiError)
def refuse(err: ApiError):
    return error_response(err.status, str(err), err.problems)


# -- the OpenAPI description ------------------------------------------------------------------------
def value_schema(h: Hyperparameter) -> dict:
    """The JSON Schema of one declared value."""
    if h.kind == "bool":
        return {"type": "boolean", "default": h.default, "description": h.help}
    if h.kind == "choice":
        return {"type": "string", "enum": list(h.choices), "default": h.default, "description": h.help}
    if h.kind == "text":   # a typed formula: checked by its parser, whose message says what is wrong
        return {"type": "string", "maxLength": int(h.high), "default": h.default, "description": h.help}
    schema: dict[str, Any] = {"type": "integer" if h.kind == "int" else "number", "default": h.default,
                              "description": f"{h.help} Allowed: {h.allowed}."}
    if math.isfinite(h.low):
        schema["exclusiveMinimum" if h.low_open else "minimum"] = h.low
    if math.isfinite(h.high):
        schema["exclusiveMaximum" if h.high_open else "maximum"] = h.high
    return schema


def _object(params, description: str = "") -> dict:
    schema = {"type": "object", "properties": {h.name: value_schema(h) for h in params},
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def _named_choice(kind: str, items) -> dict:
    """A surface or schedule: its name, or an object with the name and its parameters."""
    variants: list[dict] = [{"type": "string", "enum": [item.name for item in items]}]
    for item in items:
        params = item.parameters
        obj = _object(params)
        obj["properties"] = {"name": {"const": item.name}, **obj["properties"]}
        obj["required"] = ["name"]
        variants.append(obj)
    return {"description": f"The {kind}: a name, or an object with the name and the {kind}'s parameters.",
            "oneOf": variants}


def _request_schema() -> dict:
    """A trajectory request: one variant per optimizer, each with its own hyperparameters."""
    common = {
        "surface": _named_choice("surface", surfaces.all_surfaces()),
        "start": {"description": "Where the run starts, [x, y]; null for the surface's start. It may lie in the "
                                 "plotting window widened by its own size on every side (see start_bounds).",
                  "oneOf": [{"type": "null"}, {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                                "maxItems": 2}]},
        "steps": value_schema(STEPS), "noise": value_schema(NOISE), "seed": value_schema(SEED),
        "batch_size": {"description": ("On the loss of a model on data (linear_regression, logistic_regression, "
                                       "tiny_network): each gradient is that of a random minibatch of this many "
                                       "points, at most the data's size (200), drawn from the seed; null for every "
                                       "point. Refused on other surfaces."),
                       "oneOf": [{"type": "null"}, {"type": "integer", "minimum": 1, "maximum": int(BATCH.high)}]},
        "clip": {"description": f"Gradient norm clip; null for none. Allowed: {CLIP.allowed}.",
                 "oneOf": [{"type": "null"}, value_schema(CLIP)]},
        "schedule": {"oneOf": [{"type": "null"},
                               _named_choice("schedule", [schedules.get(n) for n in schedules.names()])]},
    }
    variants = []
    for spec in optimizers.all_specs():
        variants.append({
            "title": spec.title, "type": "object", "required": ["optimizer"], "additionalProperties": False,
            "properties": {"optimizer": {"const": spec.name},
                           "hyperparameters": _object(spec.hyperparameters, f"{spec.title}'s hyperparameters; "
                                                      "those not given take their defaults."),
                           **common},
        })
    return {"oneOf": variants}


def _sweep_request_schema() -> dict:
    """A sweep request: a trajectory request plus ``grid`` (each optimizer's numeric
    hyperparameters, one or two of them, each a list of values) and ``tol``."""
    variants = []
    for spec, variant in zip(optimizers.all_specs(), _request_schema()["oneOf"]):
        numeric = [h for h in spec.hyperparameters if h.kind in ("float", "int")]
        variant = json.loads(json.dumps(variant))
        variant["required"] = ["optimizer", "grid"]
        variant["properties"]["grid"] = {
            "type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": False,
            "description": "One or two hyperparameters, each mapped to the list of its values to run; axis k of "
                           "every answer array runs over the k-th of them. A hyperparameter swept here "
                           "takes these values even if hyperparameters gives it too (the answer's message "
                           "then says so).",
            "properties": {h.name: {"type": "array", "minItems": 1, "maxItems": grid_module.AXIS_CAP,
                                    "items": value_schema(h)} for h in numeric}}
        variant["properties"]["tol"] = {"type": "number", "minimum": 0, "default": 1e-6,
                                        "description": "steps_to_tol counts the steps until f - f* <= tol."}
        variants.append(variant)
    return {"oneOf": variants}


def _basins_request_schema() -> dict:
    """A basins request: a trajectory request without ``start``, plus ``resolution``."""
    variants = []
    for variant in _request_schema()["oneOf"]:
        variant = json.loads(json.dumps(variant))
        del variant["properties"]["start"]
        variant["properties"]["resolution"] = value_schema(grid_module.RESOLUTION)
        variants.append(variant)
    return {"oneOf": variants}


def _grid_schema(kind: str) -> dict:
    def cells(items: dict) -> dict:
        return {"type": "array", "items": {"anyOf": [items, {"type": "array"}]},
                "description": "Nested lists shaped like the grid."}
    number = {"type": ["number", "null"]}
    common = {"optimizer": {"type": "string"}, "surface": {"type": "string"},
              "hyperparameters": {"type": "object"},
              "status": cells({"type": "string", "enum": list(STATUSES)}),
              "final_loss": cells(number), "message": {"type": ["string", "null"]}}
    if kind == "sweep":
        properties = {**common, "names": {"type": "array", "items": {"type": "string"}},
                      "values": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                      "steps": {"type": "integer"}, "tol": {"type": "number"},
                      "steps_to_tol": cells({"type": "integer"}), "diverged": cells({"type": "boolean"}),
                      "steps_done": cells({"type": "integer"})}
    else:
        properties = {**common, "resolution": {"type": "integer"},
                      "xs": {"type": "array", "items": {"type": "number"}},
                      "ys": {"type": "array", "items": {"type": "number"}},
                      "minima": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                      "radius": {"type": "number"}, "minimum": cells({"type": "integer", "minimum": -2}),
                      "steps": cells({"type": "integer"}),
                      "resting": {
                          "type": ["object", "null"], "required": ["points", "kinds", "label"],
                          "description": "On a surface that lists no minima (a typed formula): the points where "
                                         "the runs came to rest, what each is, and for each start the index of the "
                                         "point its run rests at (-1 still moving, -2 diverged); null otherwise.",
                          "properties": {
                              "points": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                              "kinds": {"type": "array", "items": {"type": "string", "enum": [
                                  "minimum", "saddle point", "maximum", "valley floor"]}},
                              "label": cells({"type": "integer", "minimum": -2})}}}
    return {"type": "object", "required": list(properties), "properties": properties}


def _trajectory_schema() -> dict:
    numbers = {"type": "array", "items": {"type": "number"}}
    counts = {"type": "array", "items": {"type": "integer", "minimum": 0}}
    return {
        "type": "object",
        "required": ["optimizer", "surface", "hyperparameters", "steps", "requested_steps", "status", "diverged",
                     "work", "xy", "loss", "f_evals", "g_evals", "h_evals", "state", "message"],
        "properties": {
            "optimizer": {"type": "string"}, "surface": {"type": "string"},
            "hyperparameters": {"type": "object", "description": "Every hyperparameter, defaults filled in."},
            "steps": {"type": "integer", "minimum": 0, "maximum": STEPS_CAP,
                      "description": "Steps taken: fewer than requested when the run diverged or was stopped."},
            "requested_steps": {"type": "integer", "minimum": 0, "maximum": STEPS_CAP},
            "status": {"type": "string", "enum": list(STATUSES)},
            "diverged": {"type": "boolean"},
            "work": {"type": "integer", "minimum": 0,
                     "description": "Work done, in units of about one evaluation."},
            "message": {"type": ["string", "null"], "description": "Why a run stopped early on a limit."},
            "xy": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                              "maxItems": 2},
                   "description": "The iterates: xy[0] is the start, xy[k] the point after k steps."},
            "loss": numbers, "f_evals": counts, "g_evals": counts, "h_evals": counts,
            "state": {"type": "object", "additionalProperties": {"type": "array",
                                                                 "items": {"type": ["number", "null"]}},
                      "description": "The optimizer's state at each iterate, by name (see GET /api/optimizers)."},
        },
    }


def openapi() -> dict:
    """This API in OpenAPI 3.1, generated from the registries and the declarations."""
    error = {"description": "The request was refused: what was wrong and what is allowed.",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    def listing(key: str, description: str) -> dict:
        return {"description": description, "content": {"application/json": {"schema": {
            "type": "object", "required": [key], "properties": {key: {"type": "array", "items": {"type": "object"}}}}}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "optviz API", "version": optviz.__version__,
                 "description": "Run optimizers on analytic 2-D surfaces. Each request may do at most "
                                f"{settings.WORK_LIMIT:,} units of work (about one evaluation each; a sweep or basin "
                                f"map {settings.GRID_WORK_LIMIT:,}) and compute "
                                f"for {settings.TIME_LIMIT:g} s; bodies are limited to "
                                f"{settings.MAX_BODY_BYTES:,} bytes."},
        "paths": {
            "/api/optimizers": {"get": {"summary": "Every optimizer and its hyperparameters",
                                        "responses": {"200": listing("optimizers", "The optimizers, in display order.")}}},
            "/api/surfaces": {"get": {"summary": "Every surface", "responses": {"200": listing("surfaces", "The surfaces.")}}},
            "/api/schedules": {"get": {"summary": "Every learning-rate schedule",
                                       "responses": {"200": listing("schedules", "The schedules.")}}},
            "/api/trajectory": {"post": {
                "summary": "One run of an optimizer on a surface",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/TrajectoryRequest"}}}},
                "responses": {
                    "200": {"description": "The run.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Trajectory"}}}},
                    "400": error, "413": error, "415": error,
                }}},
            "/api/sweep": {"post": {
                "summary": "A grid of runs over one or two hyperparameters",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SweepRequest"}}}},
                "responses": {
                    "200": {"description": "Every cell's outcome.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Sweep"}}}},
                    "400": error, "413": error, "415": error,
                }}},
            "/api/basins": {"post": {
                "summary": "The minimum each start of a grid over the window ends at",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/BasinsRequest"}}}},
                "responses": {
                    "200": {"description": "The basin map.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Basins"}}}},
                    "400": error, "413": error, "415": error,
                }}},
            "/api/openapi.json": {"get": {"summary": "This description",
                                          "responses": {"200": {"description": "OpenAPI 3.1",
                                                                "content": {"application/json": {}}}}}},
            "/healthz": {"get": {"summary": "Health check", "responses": {"200": {
                "description": "The server answers.", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status", "version"],
                    "properties": {"status": {"const": "ok"}, "version": {"type": "string"}}}}}}}}},
        },
        "components": {"schemas": {
            "TrajectoryRequest": _request_schema(),
            "Trajectory": _trajectory_schema(),
            "SweepRequest": _sweep_request_schema(),
            "Sweep": _grid_schema("sweep"),
            "BasinsRequest": _basins_request_schema(),
            "Basins": _grid_schema("basins"),
            "Error": {"type": "object", "required": ["error", "problems"],
                      "properties": {"error": {"type": "string"},
                                     "problems": {"type": "array", "items": {"type": "string"}}}},
        }},
    }
