"""The app's callbacks: thin wiring between the page and the pure modules.

Two server callbacks carry the data:

* ``apply`` turns whatever changed (the URL on load, a control, a click on the map, a run's
  buttons) into a new validated configuration in ``config-store`` (see ``controller``);
* ``render`` draws the configuration: it runs the optimizers, builds the figures (patching only
  the runs' traces while the surface stays the same, so the contour grid and the 3-D mesh are not
  sent again), and writes the URL that reproduces the view.

Playback runs in the browser (``assets/optviz.js``): clientside callbacks handle the transport
buttons and the scrubber, and an animation loop moves each run's marker on every view, with no
server round trip.

Every server callback validates its input and catches its own failures: a bad value gives an
inline message and leaves the figures as they were, never an error response.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import math
from typing import Any

import dash
import flask
from dash import ALL, MATCH, ClientsideFunction, Input, Output, Patch, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

import optviz
from optviz import grid, links, runner, settings
from optviz.spec import as_float
from optviz.ui import controller, explore, figures, ids, inspector, layout, state, urlstate
from optviz.ui.state import CLIP, MAX_RUNS, Config, run_label
from optviz.ui import export_panel  # the export menu's clientside callbacks

log = logging.getLogger(__name__)

__all__ = ["register", "simulate_runs", "render_outputs"]

_registered = False


def _param_inputs():
    return [Input({"type": kind, "run": ALL, "name": ALL}, "value")
            for kind in (ids.HP, "hp-switch", "hp-choice", ids.HP_TEXT)]


def _safe(alert_key: str, open_key: str):
    """Run a callback's logic; on an unexpected failure leave every output as it was and show
    the message in the alert (the request still answers 200)."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except PreventUpdate:
                raise
            except Exception:  # noqa: BLE001 - a callback must never answer 500
                reference = getattr(flask.g, "request_id", "-")
                log.exception("request %s: callback %s failed", reference, fn.__name__)
                outputs = _no_updates(ctx.outputs_grouping)
                if alert_key is not None:
                    outputs[alert_key] = (f"Something went wrong on the server (reference {reference}); the views "
                                          f"show the last good state and nothing you set was lost.")
                if open_key is not None:
                    outputs[open_key] = True
                return outputs

        return inner

    return wrap


def _no_updates(grouping) -> Any:
    """``no_update`` for every output of a callback's output grouping (single outputs appear in it
    as ``{"id": ..., "property": ...}``, pattern-matching ones as lists of those)."""
    if isinstance(grouping, dict) and "property" in grouping and "id" in grouping:
        return no_update
    if isinstance(grouping, dict):
        return {k: _no_updates(v) for k, v in grouping.items()}
    if isinstance(grouping, list):
        return [no_update for _ in grouping]
    return no_update


# -- apply: controls -> configuration -------------------------------------------------------------
_STATIC_OUTPUTS = {
    "surface": (ids.SURFACE_SELECT, "value"), "start_x": (ids.START_X, "value"), "start_y": (ids.START_Y, "value"),
    "steps": (ids.STEPS_INPUT, "value"), "noise": (ids.NOISE_INPUT, "value"), "seed": (ids.SEED_INPUT, "value"),
    "schedule": (ids.SCHEDULE_SELECT, "value"), "clip_on": (ids.CLIP_SWITCH, "value"),
    "clip": (ids.CLIP_INPUT, "value"), "lossx": (ids.LOSSX_RADIO, "value"),
    "reveal": (ids.REVEAL_SWITCH, "value"), "lesson": (ids.LESSON_SELECT, "value"),
    "present": (ids.PRESENT_SWITCH, "value"),
}
_INVALID_IDS = {"start_x": ids.START_X, "start_y": ids.START_Y, "steps": ids.STEPS_INPUT,
                "noise": ids.NOISE_INPUT, "seed": ids.SEED_INPUT, "clip": ids.CLIP_INPUT}


def _static_values(config: Config) -> dict:
    return {"surface": config.surface, "start_x": config.start[0], "start_y": config.start[1],
            "steps": config.steps, "noise": config.noise, "seed": config.seed, "schedule": config.schedule,
            "clip_on": config.clip is not None, "clip": config.clip if config.clip is not None else CLIP.default,
            "lossx": config.lossx, "reveal": config.reveal, "lesson": config.lesson, "present": config.present}


def _controls_from(values: dict) -> controller.Controls:
    params = {}
    for group in ("hp", "switches", "choices", "texts"):
        for item in ctx.args_grouping.get(group, []) or []:
            cid = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
            value = item.get("value") if isinstance(item, dict) else getattr(item, "value", None)
            if isinstance(cid, dict) and isinstance(cid.get("run"), str) and isinstance(cid.get("name"), str):
                params[(cid["run"], cid["name"])] = value
    conditions = {}
    for item in ctx.args_grouping.get("conditions", []) or []:
        cid = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
        if isinstance(cid, dict) and isinstance(cid.get("run"), str) and isinstance(cid.get("name"), str):
            conditions[(cid["run"], cid["name"])] = item.get("value") if isinstance(item, dict) else item.value
    fields = {k: values.get(k) for k in _STATIC_OUTPUTS if k != "lesson"}
    return controller.Controls(params=params, conditions=conditions, **fields)


def _apply(values: dict, stored: Any) -> dict:
    out = _no_updates(ctx.outputs_grouping)
    trigger = ctx.triggered_id
    current, store_problems = Config.from_data(stored)
    messages: list[str] = []
    if stored is None:  # the page just opened: the link says what to show
        config, problems = urlstate.parse(values.get("search"))
        view, link, more = explore.from_link(values.get("search"))
        problems += more
        if view is not None:   # the link opens the explore panel on a view
            out["explore_open"], out["explore_view"], out["explore_link"] = True, view, link
        out.update(_full_panel(config, state.default_config()))
        out["url_alert"] = _problem_list("This link had problems, so those parts use their defaults:", problems)
        out["url_alert_open"] = bool(problems)
        out["controls_alert_open"] = False
        out["config"] = config.to_data()
        return out

    if trigger == ids.URL:
        # Back or Forward (assets/optviz.js writes each configuration as a history entry): show
        # the configuration of the address the browser went to; an echo of our own is nothing.
        config, problems = urlstate.parse(values.get("search"))
        if urlstate.serialize(config) == urlstate.serialize(current):
            raise PreventUpdate
        out.update(_full_panel(config, current))
        out["url_alert"] = _problem_list("This link had problems, so those parts use their defaults:", problems)
        out["url_alert_open"] = bool(problems)
        out["config"] = config.to_data()
        return out
    controls = _controls_from(values)
    kind = trigger.get("type") if isinstance(trigger, dict) else trigger
    skip = {ids.SURFACE_SELECT: {"surface_params", "start"}, ids.SCHEDULE_SELECT: {"schedule"},
            ids.MAP_CLICK: {"start"}, ids.LESSON_SELECT: {"surface_params", "start", "steps", "noise", "seed",
                                                               "schedule", "clip", "lossx", "reveal", "runs"},
            }.get(kind, set())
    outcome = controller.apply_controls(current, controls, skip=frozenset(skip))
    config = outcome.config
    messages += store_problems
    runs_patch = None

    if kind == ids.LESSON_SELECT:
        config, whole, err = controller.choose_lesson(config, values.get("lesson"))
        if err:
            messages.append(err)
        if whole:
            out.update(_full_panel(config, current))
            out["config"] = config.to_data()
            out["controls_alert"] = _problem_list("Some values were not accepted:", messages)
            out["controls_alert_open"] = bool(messages)
            return out
    elif kind == ids.SURFACE_SELECT:
        config, err = controller.set_surface(config, values.get("surface"))
        if err:
            messages.append(err)
        elif config.surface != current.surface:
            out["surface_params"] = layout.surface_params(config)
            out["surface_info"] = layout.surface_info(config.surface_obj())
            out["start_x"], out["start_y"] = config.start
            outcome.invalid -= {"start_x", "start_y"}
    elif kind == ids.SCHEDULE_SELECT:
        config, err = controller.set_schedule(config, values.get("schedule"))
        if err:
            messages.append(err)
        elif config.schedule != current.schedule:
            out["schedule_params"] = layout.schedule_params(config)
    elif kind == ids.MAP_CLICK:
        config, err = controller.start_from_click(config, values.get("click"))
        if err:
            messages.append(err)
        out["start_x"], out["start_y"] = config.start
        outcome.invalid -= {"start_x", "start_y"}
    elif kind == ids.SWEEP_GRAPH:
        config, run, err = controller.add_cell_run(config, values.get("sweep_cells") or {}, values.get("cell_click"))
        if err:
            messages.append(err)
        if run is not None:
            runs_patch = Patch()
            runs_patch.append(layout.run_card(run))
    elif kind in (ids.RUN_TUNE, ids.TUNE_ALL_BUTTON) and _clicked(trigger):
        uids = [trigger.get("run")] if kind == ids.RUN_TUNE else [r.uid for r in config.runs]
        config, changed, results = controller.tune_runs(config, uids, values.get("tune_second") is True)
        if changed:
            runs_patch = Patch()
            for i in changed:
                runs_patch[i] = layout.run_card(config.runs[i])
        out["tune_report"] = layout.tune_report(config, results)
        out["tune_report_open"] = bool(results)
    elif kind == ids.ADD_RUN_BUTTON:
        config, run, err = controller.add_run(config)
        if err:
            messages.append(err)
        if run is not None:
            runs_patch = Patch()
            runs_patch.append(layout.run_card(run))
    elif kind == ids.COND:
        i = config.index(trigger.get("run"))   # the card's summary, the schedule's parameters, the clip box
        if i is not None:
            runs_patch = Patch()
            runs_patch[i] = layout.run_card(config.runs[i])
    elif kind in (ids.RUN_REMOVE, ids.RUN_DUPLICATE, ids.RUN_OPTIMIZER):
        uid = trigger.get("run")
        if kind == ids.RUN_REMOVE and _clicked(trigger):
            config, i = controller.remove_run(config, uid)
            if i is not None:
                runs_patch = Patch()
                del runs_patch[i]
        elif kind == ids.RUN_DUPLICATE and _clicked(trigger):
            config, run, i, err = controller.duplicate_run(config, uid)
            if err:
                messages.append(err)
            if run is not None:
                runs_patch = Patch()
                runs_patch.insert(i, layout.run_card(run))
        elif kind == ids.RUN_OPTIMIZER:
            config, run, i, err = controller.change_optimizer(config, uid, ctx.triggered[0].get("value"))
            if err:
                messages.append(err)
            if run is not None:
                runs_patch = Patch()
                runs_patch[i] = layout.run_card(run)

    surface_changed = kind == ids.SURFACE_SELECT or (
        kind in (ids.HP, "hp-switch", "hp-choice", ids.HP_TEXT) and isinstance(trigger, dict)
        and trigger.get("run") == ids.SURFACE_OWNER)
    if surface_changed and kind != ids.SURFACE_SELECT and config.surface_params != current.surface_params:
        # a typed formula's text or window: its formula as typeset, and a start the window moved
        out["surface_info"] = layout.surface_info(config.surface_obj())
        if config.start != current.start:
            out["start_x"], out["start_y"] = config.start
            outcome.invalid -= {"start_x", "start_y"}
    if runs_patch is None and surface_changed:
        # the runs the app set up were suited to the new surface: their cards must show it, or
        # the next change would read the old values back
        moved = [i for i, (new, old) in enumerate(zip(config.runs, current.runs))
                 if new.uid == old.uid and new.hyperparameters != old.hyperparameters]
        if moved:
            runs_patch = Patch()
            for i in moved:
                runs_patch[i] = layout.run_card(config.runs[i])
    messages = outcome.messages + messages
    for key, cid in _INVALID_IDS.items():
        out["invalid"][key] = key in outcome.invalid
    if runs_patch is not None:
        out["runs"] = runs_patch
        out["hp_invalid"] = _no_updates(ctx.outputs_grouping["hp_invalid"])
        out["text_invalid"] = _no_updates(ctx.outputs_grouping["text_invalid"])
        out["cond_invalid"] = _no_updates(ctx.outputs_grouping["cond_invalid"])
    else:
        for key, invalid in (("hp_invalid", outcome.invalid_params), ("text_invalid", outcome.invalid_params),
                             ("cond_invalid", outcome.invalid_conditions)):
            out[key] = [
                (item["id"]["run"], item["id"]["name"]) in invalid for item in ctx.outputs_grouping[key]
            ] if isinstance(ctx.outputs_grouping.get(key), list) else no_update
    out["controls_alert"] = _problem_list("Some values were not accepted:", messages)
    out["controls_alert_open"] = bool(messages)
    out["add_disabled"] = len(config.runs) >= MAX_RUNS
    out["run_count"] = f"{len(config.runs)}/{MAX_RUNS}"
    if config != current or store_problems:
        out["config"] = config.to_data()
    return out


def _clicked(trigger) -> bool:
    """A remove/duplicate button fired because it was clicked (not because it was just added)."""
    value = ctx.triggered[0].get("value") if ctx.triggered else None
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _full_panel(config: Config, shown: Config) -> dict:
    """Every control set to ``config``; the parts that already show it (the page is first
    drawn with ``shown``) are left alone, so opening the default view re-renders nothing."""
    out = dict(_static_values(config))
    out["runs"] = [layout.run_card(r) for r in config.runs] if config.runs != shown.runs else no_update
    same_surface = (config.surface, config.surface_params) == (shown.surface, shown.surface_params)
    out["surface_params"] = no_update if same_surface else layout.surface_params(config)
    out["surface_info"] = no_update if same_surface else layout.surface_info(config.surface_obj())
    same_schedule = (config.schedule, config.schedule_params) == (shown.schedule, shown.schedule_params)
    out["schedule_params"] = no_update if same_schedule else layout.schedule_params(config)
    out["invalid"] = {k: False for k in _INVALID_IDS}
    out["add_disabled"] = len(config.runs) >= MAX_RUNS
    out["run_count"] = f"{len(config.runs)}/{MAX_RUNS}"
    return out


def _problem_list(title: str, problems: list[str]):
    if not problems:
        return no_update
    return [html.Strong(title), html.Ul([html.Li(p) for p in problems], className="mb-0")]


# -- render: configuration -> figures --------------------------------------------------------------
#: How much larger lines, markers and fonts are in presentation mode.
PRESENT_SCALE = 1.4


def simulate_runs(config: Config) -> tuple[list[figures.RunView], list[str]]:
    """Every run of ``config`` as a figure-ready view (cached per run, within one request's work
    limit), and a message for each run that could not be simulated or was stopped on the limit."""
    views, messages = [], []
    for i, (run, traj) in enumerate(zip(config.runs, runner.simulate_config(config))):
        if isinstance(traj, ValueError):
            messages.append(f"{run_label(run)} (run {i + 1}): {traj}")
            continue
        if traj.status == "work_limit":
            messages.append(f"{run_label(run)} (run {i + 1}) {figures.stopped_label(traj)} of {config.steps:,}: "
                            f"one update may do at most {settings.WORK_LIMIT:,} units of work (about one "
                            f"evaluation each), shared by its runs, and this run used its share. To see it "
                            f"further, take fewer steps or runs, or lower settings that multiply the work of "
                            f"a step (max_eval, history_size).")
        elif traj.status == "time_limit":
            messages.append(f"{run_label(run)} (run {i + 1}) {figures.stopped_label(traj)} of {config.steps:,}: "
                            f"one update may compute for at most {settings.TIME_LIMIT:g} s, shared by its runs, "
                            f"and this run's arithmetic was slow (numbers near the smallest a float can hold "
                            f"cost ten times more). Take fewer steps or runs to see it whole.")
        views.append(figures.RunView(uid=run.uid, label=_drawn_label(run, config), color=figures.COLORS[run.color % 8],
                                     symbol_index=run.color, trajectory=traj, reveal=config.reveal,
                                     scale=PRESENT_SCALE if config.present else 1.0))
    return views, messages


def _drawn_label(run, config: Config) -> str:
    """The run's label as the views show it: without a minibatch size where the surface has no
    data to draw batches from (a link may carry one; the run ignores it there)."""
    if "batch" in dict(run.conditions) and not config.surface_obj().data_size:
        run = dataclasses.replace(run, conditions=tuple((k, v) for k, v in run.conditions if k != "batch"))
    return run_label(run)


def _legend(views: list[figures.RunView], config: Config):
    """The legend bar: each run's swatch, label and how it ended.  assets/optviz.js shows f at the
    current step while playing or scrubbing (``data-title`` names it), and hides or shows a run
    in every view when its entry is clicked (or focused and Enter or space pressed)."""
    surface = config.surface_obj()
    values_of, title, log, _ = figures.loss_values(surface)
    named = {"data-title": title}
    items = []
    for rv in views:
        traj = rv.trajectory
        symbol = layout.SYMBOL_CHARS[figures.SYMBOLS[rv.symbol_index % len(figures.SYMBOLS)]]
        if traj.diverged:
            status = html.Span(f"✗ {figures.diverged_label(traj)}", className="legend-status diverged", **named)
        elif traj.status in ("work_limit", "time_limit"):
            status = html.Span(f"⏸ {figures.stopped_label(traj)}", className="legend-status stopped",
                               title="The update reached its limit: see the message above the views.", **named)
        else:
            final = float(values_of(traj)[-1])
            shown = "< 1e-15" if log and final <= 1e-15 * max(1.0, abs(surface.minimum_value or 0.0)) \
                else f"= {final:.3g}"
            status = html.Span(f"final {title} {shown}", className="legend-status",
                               title=f"after {traj.steps:,} steps", **named)
        items.append(html.Div([html.Span(symbol, className="legend-swatch", style={"color": rv.color}),
                               html.Span(rv.label, className="legend-label"), status],
                              className="legend-item", role="button", tabIndex="0",
                              title=f"{rv.legend}. Click to hide or show this run in every view.",
                              **{"data-run": rv.uid, "aria-pressed": "true"}))
    if not items:
        items = [html.Span("No runs: add one with “+ add run”.", className="text-muted")]
    if config.present:   # the control panel is hidden: the room still needs to know what surface this is
        items.insert(0, html.Div([html.Div(surface.title, className="legend-surface-title"),
                                  dcc.Markdown(f"$${surface.latex}$$", mathjax=True, className="formula")],
                                 className="legend-surface"))
    return items


def render_outputs(config: Config, step: Any, rendered: Any) -> dict:
    """Everything ``render`` sends for ``config``; patches the map and the 3-D view when the
    surface is the one last drawn (``rendered``)."""
    number = as_float(step, strict=True)
    step = int(number) if number is not None and math.isfinite(number) else 0
    requested = step
    if rendered is None:  # a page just opened: where every run got to, or the start in reveal mode
        step = 0 if config.reveal else config.steps
    step = min(max(step, 0), config.steps)
    surface = config.surface_obj()
    views, errors = simulate_runs(config)
    key = repr((figures.surface_key(surface), config.present))   # a new size redraws everything
    n_static = figures.static_trace_count(surface)
    out: dict[str, Any] = {}
    same = (isinstance(rendered, dict) and rendered.get("key") == key
            and all(isinstance(rendered.get(k), int) and n_static <= rendered[k] <= 1000 for k in ("contour", "surface3d")))
    contour_runs = figures.contour_run_traces(surface, views, step, n_static)
    surface_runs = figures.surface3d_run_traces(surface, views, step, n_static)
    if same:
        out["contour"] = _patch_runs(rendered["contour"], n_static, figures.start_trace(surface, config.start),
                                     contour_runs)
        out["surface3d"] = _patch_runs(rendered["surface3d"], n_static,
                                       figures.start_trace(surface, config.start, three_d=True), surface_runs)
    else:
        out["contour"] = figures.contour_figure(surface, views, config.start, step)
        out["surface3d"] = figures.surface3d_figure(surface, views, config.start, step)
    out["render"] = {"key": key, "contour": n_static + len(contour_runs), "surface3d": n_static + len(surface_runs)}
    out["loss"] = figures.loss_figure(surface, views, step, config.lossx)
    out["distance"] = figures.distance_figure(surface, views, step, config.lossx)
    out["distance_note"] = "" if surface.minima else ("its minima are not known" if surface.formula is not None
                                                      else "no minimum on this surface")
    out["loss_note"] = figures.loss_values(surface)[3]
    out["slider_max"] = config.steps
    out["slider_marks"] = layout.step_marks(config.steps)
    # the slider keeps its place unless the run got shorter than it (or the page just opened)
    out["slider_value"] = step if rendered is None or step != requested else no_update
    out["search"] = urlstate.serialize(config)
    out["legend"] = _legend(views, config)
    out["sim_alert"] = [html.Strong("Some runs could not be drawn in full: "),
                        html.Ul([html.Li(e) for e in errors], className="mb-0")] if errors else no_update
    out["sim_alert_open"] = bool(errors)
    out["lesson_caption"] = layout.lesson_caption(config)
    own = [(figures.COLORS[r.color % 8], config.schedule_arg(r)) for r in config.runs
           if "schedule" in dict(r.conditions)]
    out["schedule_plot"] = figures.schedule_figure(config.steps, config.schedule_arg(), own)
    return out


def inspect_outputs(data: Any, step: Any, overlays: Any) -> dict:
    """The inspector's table (when "numbers" is chosen) and the map's overlays at ``step``."""
    config, _ = Config.from_data(data)
    chosen = set(overlays) if isinstance(overlays, list) else set()
    number = as_float(step, strict=True)
    step = int(number) if number is not None and math.isfinite(number) else 0
    surface = config.surface_obj()
    runs = [(run, traj) for run, traj in zip(config.runs, runner.simulate_config(config))
            if not isinstance(traj, ValueError)]
    colored = [(run.uid, traj, figures.COLORS[run.color % 8]) for run, traj in runs]
    out: dict[str, Any] = {"table": []}
    if "numbers" in chosen:
        out["table"] = layout.inspector_table(config, inspector.rows(surface, [(r.uid, t) for r, t in runs], step))
    shapes: list[dict] = []
    notes: list[dict] = []
    if "field" in chosen:
        shapes.append(inspector.gradient_field(surface))
    if "arrows" in chosen:
        notes += inspector.arrows(surface, colored, step)
    if "curvature" in chosen:
        more_shapes, more_notes = inspector.curvature(surface, colored, step)
        shapes += more_shapes
        notes += more_notes
    if "model" in chosen:
        shapes += inspector.quadratic_model(surface, colored, step)
    patch = Patch()
    patch["layout"]["shapes"] = shapes
    patch["layout"]["annotations"] = notes
    out["map"] = patch
    return out


# -- beyond one run: the explore panel ---------------------------------------------------------------
#: The panel's fields that are read as a request (key of explore.read_request -> component id).
_EXPLORE_INPUTS = {
    **{f"{axis}{part}": ids.sweep_field(axis, field) for axis in "xy"
       for part, field in (("", ""), ("_from", "from"), ("_to", "to"), ("_points", "points"))},
    "measure": ids.SWEEP_MEASURE, "tol": ids.SWEEP_TOL, "resolution": ids.BASINS_RESOLUTION,
    "fan_runs": ids.FAN_RUNS, "fan_noise": ids.FAN_NOISE,
}
#: Those that are flagged when their value is not allowed.
_EXPLORE_FIELDS = {key: cid for key, cid in _EXPLORE_INPUTS.items() if key not in ("measure",)}


def explore_request(data: Any, values: dict, previous: Any, trigger: Any, link: Any = None) -> dict:
    """What ``explore_controls`` sends: the panel's request for the run it explores (a bad value
    keeps the last good one for its part, flagged, with a message), and the run and axis choices
    that fit the configuration.  Choosing another run, or giving the run another optimizer, opens
    its default sweep; choosing another axis opens that hyperparameter's range.  The first time
    the panel opens, the settings of the link the page was opened with (``link``, from
    ``explore.from_link``) are applied over the defaults."""
    config, _ = Config.from_data(data)
    out: dict[str, Any] = {"run_options": layout.explore_run_options(config)}
    last = explore.Request.from_data(previous) if isinstance(previous, dict) else None
    from_link = dict(link) if isinstance(link, dict) and previous is None else {}
    if "run" in from_link:
        linked = explore.run_of_link(config, from_link.pop("run"))
        values = dict(values, run=linked.uid if linked is not None else values.get("run"))
    run = config.run(values.get("run")) if isinstance(values.get("run"), str) else None
    run = run or (config.run(last.run) if last is not None else None) or (config.runs[0] if config.runs else None)
    out["run"] = run.uid if run is not None else None
    out["x_options"] = out["y_options"] = []
    values = dict(values, run=out["run"])
    changes: dict[str, Any] = {}
    if run is not None:
        spec = run.spec
        names = {h.name for h in grid.sweepable(spec)}
        fresh = trigger == ids.EXPLORE_RUN or last is None or (isinstance(previous, dict) and
                                                              previous.get("optimizer") != run.optimizer)
        fresh = fresh or values.get("x") not in names
        if fresh:
            x, y = explore.default_axes(spec)
            changes.update(x=x, y=y)
        changes.update({k: v for k, v in from_link.items() if k in ("x", "y")})
        for axis in "xy":
            moved = trigger == ids.sweep_field(axis)
            name = changes.get(axis, values.get(axis))
            if (fresh or moved) and name in names:
                changes[f"{axis}_from"], changes[f"{axis}_to"] = explore.default_axis(spec, name)
        changes.update({k: v for k, v in from_link.items() if k not in ("x", "y")})
        values.update(changes)
        options = explore.axis_choices(spec)
        out["x_options"] = options
        out["y_options"] = [{"label": "none (a curve)", "value": explore.NO_AXIS}] + options
    request, problems, invalid = explore.read_request(config, values, last)
    out["fields"] = {key: changes.get(key, no_update) for key in _EXPLORE_INPUTS}
    out["invalid"] = {key: key in invalid for key in _EXPLORE_FIELDS}
    out["alert"] = _problem_list("Some values were not accepted:", problems)
    out["alert_open"] = bool(problems)
    out["request"] = dict(request.to_data(), optimizer=run.optimizer) if request is not None and run else None
    return out


def explore_outputs(data: Any, request_data: Any, tab: Any) -> dict:
    """The open tab of the explore panel (the others are left as they are)."""
    out = {k: no_update for k in ("sweep", "sweep_note", "cells", "basins", "basins_note", "fan", "fan_note")}
    config, _ = Config.from_data(data)
    request = explore.Request.from_data(request_data)
    run = config.run(request.run) if request is not None else None
    note = {"sweep": "sweep_note", "basins": "basins_note", "fan": "fan_note"}.get(tab, "sweep_note")
    if request is None:
        out[note] = "This view's settings were not understood: set them again above."
        return out
    if run is None:
        out[note] = "Add a run to explore it."
        return out
    label = f"{run_label(run)} (run {config.index(run.uid) + 1})"
    color = figures.COLORS[run.color % len(figures.COLORS)]
    scale = PRESENT_SCALE if config.present else 1.0
    surface = config.surface_obj()
    try:
        if tab == "basins":
            result = explore.basins_run(config, run, request.resolution)
            out["basins"] = explore.basins_figure(surface, result, config.start, scale)
            out["basins_note"] = explore.basins_note(label, surface, result)
        elif tab == "fan":
            noise = explore.fan_noise(config, run, request.fan_noise)
            result = explore.fan_run(config, run, request.fan_runs, request.fan_noise)
            out["fan"] = explore.fan_figure(surface, result, config.start, color, scale)
            kwargs = config.simulate_kwargs(run)
            batch = kwargs.get("batch_size") if kwargs.get("batch_size", math.inf) < surface.data_size else None
            auto = request.fan_noise is None and kwargs["noise"] == 0 and batch is None
            out["fan_note"] = explore.fan_note(label, result, noise, auto, batch)
        else:
            if request.x is None:
                out["sweep_note"] = (f"{run.spec.title} has no numeric hyperparameter to sweep." if not
                                     grid.sweepable(run.spec) else "Choose the sweep's axes (see the message above).")
                return out
            result = explore.sweep_run(config, run, request.x, request.y, request.tol)
            out["sweep"] = explore.sweep_figure(surface, run.spec, result, request.measure, run.values, color, scale)
            out["sweep_note"] = explore.sweep_note(label, surface, result, request.measure)
            out["cells"] = explore.sweep_cells(run, result)
    except ValueError as err:
        out[note] = f"This view cannot be drawn: {err}."
    except Exception:  # noqa: BLE001 - the note says so; the figure stays as it was
        reference = getattr(flask.g, "request_id", "-") if flask.has_request_context() else "-"
        log.exception("request %s: the explore panel's %s failed", reference, tab)
        out = {k: no_update for k in out}
        out[note] = (f"Something went wrong on the server (reference {reference}); this view shows what it "
                     f"showed before.")
    return out


def _patch_runs(total: int, n_static: int, start_trace: dict, run_traces: list) -> Patch:
    patch = Patch()
    for i in range(total - 1, n_static - 1, -1):
        del patch["data"][i]
    patch["data"][n_static - 1] = figures.run_trace_dicts([start_trace])[0]
    patch["data"].extend(figures.run_trace_dicts(run_traces))
    return patch


# -- registration --------------------------------------------------------------------------------
def window_summaries(data: Any, count: int) -> list:
    """The folded window's line of a typed formula, from the configuration (one per summary shown:
    none unless the surface is a typed formula)."""
    config, _ = Config.from_data(data)
    return [layout.window_summary(config.surface_obj())] * count


def register() -> None:
    """Register every callback with Dash (idempotent)."""
    global _registered
    if _registered:
        return
    _registered = True
    export_panel.register()

    @dash.callback(Output({"type": ids.WINDOW_SUMMARY, "owner": ALL}, "children"),
                   Input(ids.CONFIG_STORE, "data"), State({"type": ids.WINDOW_SUMMARY, "owner": ALL}, "id"),
                   prevent_initial_call=True)
    def window_summary(data, shown):
        """A window typed into the folded boxes shows in their summary (the boxes are not redrawn)."""
        if not shown:
            raise PreventUpdate
        try:
            return window_summaries(data, len(shown))
        except Exception:  # noqa: BLE001 - a callback must never answer 500; the line just stays as it was
            log.exception("request %s: the window's summary failed", getattr(flask.g, "request_id", "-"))
            raise PreventUpdate from None

    hp_in, switch_in, choice_in, text_in = _param_inputs()

    @dash.callback(
        output=dict(
            config=Output(ids.CONFIG_STORE, "data"),
            runs=Output(ids.RUNS_CONTAINER, "children"),
            surface_params=Output(ids.SURFACE_PARAMS, "children"),
            surface_info=Output(ids.SURFACE_INFO, "children"),
            schedule_params=Output(ids.SCHEDULE_PARAMS, "children"),
            **{k: Output(cid, prop) for k, (cid, prop) in _STATIC_OUTPUTS.items()},
            invalid={k: Output(cid, "invalid") for k, cid in _INVALID_IDS.items()},
            hp_invalid=Output({"type": ids.HP, "run": ALL, "name": ALL}, "invalid"),
            text_invalid=Output({"type": ids.HP_TEXT, "run": ALL, "name": ALL}, "invalid"),
            cond_invalid=Output({"type": ids.COND, "run": ALL, "name": ALL}, "invalid"),
            url_alert=Output(ids.URL_ALERT, "children"),
            url_alert_open=Output(ids.URL_ALERT, "is_open"),
            controls_alert=Output(ids.CONTROLS_ALERT, "children"),
            controls_alert_open=Output(ids.CONTROLS_ALERT, "is_open"),
            add_disabled=Output(ids.ADD_RUN_BUTTON, "disabled"),
            run_count=Output(ids.RUN_COUNT, "children"),
            tune_report=Output(ids.TUNE_REPORT, "children"),
            tune_report_open=Output(ids.TUNE_REPORT, "is_open"),
            explore_open=Output(ids.EXPLORE_OPEN, "value"),
            explore_view=Output(ids.EXPLORE_TABS, "value"),
            explore_link=Output(ids.EXPLORE_LINK, "data"),
        ),
        inputs=dict(
            search=Input(ids.URL, "search"),
            **{k: Input(cid, prop) for k, (cid, prop) in _STATIC_OUTPUTS.items()},
            hp=hp_in, switches=switch_in, choices=choice_in, texts=text_in,
            conditions=Input({"type": ids.COND, "run": ALL, "name": ALL}, "value"),
            optimizers=Input({"type": ids.RUN_OPTIMIZER, "run": ALL}, "value"),
            add=Input(ids.ADD_RUN_BUTTON, "n_clicks"),
            removes=Input({"type": ids.RUN_REMOVE, "run": ALL}, "n_clicks"),
            duplicates=Input({"type": ids.RUN_DUPLICATE, "run": ALL}, "n_clicks"),
            click=Input(ids.MAP_CLICK, "data"),
            cell_click=Input(ids.SWEEP_GRAPH, "clickData"),
            tunes=Input({"type": ids.RUN_TUNE, "run": ALL}, "n_clicks"),
            tune_all=Input(ids.TUNE_ALL_BUTTON, "n_clicks"),
        ),
        state=dict(stored=State(ids.CONFIG_STORE, "data"), sweep_cells=State(ids.SWEEP_CELLS, "data"),
                   tune_second=State(ids.TUNE_SECOND, "value")),
    )
    @_safe("controls_alert", "controls_alert_open")
    def apply(stored, sweep_cells, tune_second, **values):
        """Controls (or the URL on load) -> a validated configuration."""
        return _apply({**values, "sweep_cells": sweep_cells, "tune_second": tune_second}, stored)

    @dash.callback(
        output=dict(
            contour=Output(ids.CONTOUR_GRAPH, "figure"),
            surface3d=Output(ids.SURFACE3D_GRAPH, "figure"),
            loss=Output(ids.LOSS_GRAPH, "figure"),
            distance=Output(ids.DISTANCE_GRAPH, "figure"),
            distance_note=Output(ids.DISTANCE_NOTE, "children"),
            loss_note=Output(ids.LOSS_NOTE, "children"),
            slider_max=Output(ids.STEP_SLIDER, "max"),
            slider_marks=Output(ids.STEP_SLIDER, "marks"),
            slider_value=Output(ids.STEP_SLIDER, "value", allow_duplicate=True),
            search=Output(ids.URL_SYNC, "data"),
            legend=Output(ids.LEGEND, "children"),
            sim_alert=Output(ids.SIM_ALERT, "children"),
            sim_alert_open=Output(ids.SIM_ALERT, "is_open"),
            render=Output(ids.RENDER_STORE, "data"),
            lesson_caption=Output(ids.LESSON_CAPTION, "children"),
            schedule_plot=Output(ids.SCHEDULE_PLOT, "figure"),
        ),
        inputs=dict(data=Input(ids.CONFIG_STORE, "data")),
        state=dict(step=State(ids.STEP_SLIDER, "value"), rendered=State(ids.RENDER_STORE, "data")),
        prevent_initial_call=True,
    )
    @_safe("sim_alert", "sim_alert_open")
    def render(data, step, rendered):
        """Configuration -> figures, legend and the URL that reproduces them."""
        config, problems = Config.from_data(data)
        if data is None:
            raise PreventUpdate
        out = render_outputs(config, step, rendered)
        if problems:
            out["sim_alert"] = [html.Strong("The settings were repaired: "), html.Ul([html.Li(p) for p in problems])]
            out["sim_alert_open"] = True
        return out

    @dash.callback(
        output=dict(table=Output(ids.INSPECTOR, "children"),
                    map=Output(ids.CONTOUR_GRAPH, "figure", allow_duplicate=True)),
        inputs=dict(step=Input(ids.STEP_STORE, "data"), rendered=Input(ids.RENDER_STORE, "data"),
                    overlays=Input(ids.OVERLAYS, "value")),
        state=dict(data=State(ids.CONFIG_STORE, "data")),
        prevent_initial_call=True,
    )
    @_safe(None, None)
    def inspect(step, rendered, overlays, data):
        """The step inspector's table and the map's overlays at the current step."""
        if data is None or (not overlays and ctx.triggered_id != ids.OVERLAYS):
            raise PreventUpdate   # nothing shown: nothing to compute
        return inspect_outputs(data, step, overlays)

    @dash.callback(
        output=dict(
            request=Output(ids.EXPLORE_REQUEST, "data"),
            sync=Output(ids.EXPLORE_SYNC, "data"),
            run_options=Output(ids.EXPLORE_RUN, "options"),
            run=Output(ids.EXPLORE_RUN, "value"),
            alert=Output(ids.EXPLORE_ALERT, "children"),
            alert_open=Output(ids.EXPLORE_ALERT, "is_open"),
            **{f"{axis}_options": Output(ids.sweep_field(axis), "options") for axis in "xy"},
            fields={key: Output(cid, "value") for key, cid in _EXPLORE_INPUTS.items()},
            invalid={key: Output(cid, "invalid") for key, cid in _EXPLORE_FIELDS.items()},
        ),
        inputs=dict(
            data=Input(ids.CONFIG_STORE, "data"),
            opened=Input(ids.EXPLORE_OPEN, "value"),
            view=Input(ids.EXPLORE_TABS, "value"),
            run=Input(ids.EXPLORE_RUN, "value"),
            **{key: Input(cid, "value") for key, cid in _EXPLORE_INPUTS.items()},
        ),
        state=dict(previous=State(ids.EXPLORE_REQUEST, "data"), link=State(ids.EXPLORE_LINK, "data")),
    )
    @_safe("alert", "alert_open")
    def explore_controls(data, opened, view, previous, link, **values):
        """The explore panel's values -> a checked request (and the choices that fit its run),
        and the panel's part of the URL."""
        if not opened:   # closed: nothing to check, nothing to compute, nothing in the URL
            out = _no_updates(ctx.outputs_grouping)
            out["sync"] = ""
            return out
        out = explore_request(data, values, previous, ctx.triggered_id, link)
        config, _ = Config.from_data(data)
        request = explore.Request.from_data(out["request"]) if out["request"] else None
        text = explore.to_link(config, request, view) if request is not None else ""
        out["sync"] = f"{explore.LINK_KEY}={links.quote_value(text)}" if text else ""
        return out

    @dash.callback(
        output=dict(
            sweep=Output(ids.SWEEP_GRAPH, "figure"), sweep_note=Output(ids.SWEEP_NOTE, "children"),
            cells=Output(ids.SWEEP_CELLS, "data"),
            basins=Output(ids.BASINS_GRAPH, "figure"), basins_note=Output(ids.BASINS_NOTE, "children"),
            fan=Output(ids.FAN_GRAPH, "figure"), fan_note=Output(ids.FAN_NOTE, "children"),
        ),
        inputs=dict(request=Input(ids.EXPLORE_REQUEST, "data"), tab=Input(ids.EXPLORE_TABS, "value")),
        state=dict(data=State(ids.CONFIG_STORE, "data"), opened=State(ids.EXPLORE_OPEN, "value")),
        prevent_initial_call=True,
    )
    @_safe(None, None)
    def explore_views(request, tab, data, opened):
        """The explore panel's open tab, drawn for its request."""
        if not opened or request is None:
            raise PreventUpdate
        return explore_outputs(data, request, tab)

    # -- in the browser ---------------------------------------------------------------------------
    dash.clientside_callback(
        ClientsideFunction("optviz", "transport"),
        Output(ids.PLAY_BUTTON, "children"),
        Output(ids.STEP_SLIDER, "value"),
        Input(ids.PLAY_BUTTON, "n_clicks"),
        Input(ids.BACK_BUTTON, "n_clicks"),
        Input(ids.FORWARD_BUTTON, "n_clicks"),
        Input(ids.FIRST_BUTTON, "n_clicks"),
        Input(ids.LAST_BUTTON, "n_clicks"),
        Input(ids.SPEED_SELECT, "value"),
        State(ids.STEP_SLIDER, "value"),
        State(ids.STEP_SLIDER, "max"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        ClientsideFunction("optviz", "showStep"),
        Output(ids.STEP_STORE, "data"),
        Input(ids.STEP_SLIDER, "value"),
        Input(ids.STEP_SLIDER, "max"),
    )
    dash.clientside_callback(
        ClientsideFunction("optviz", "syncSlider"),
        Output({"type": ids.HP_SLIDER, "run": MATCH, "name": MATCH}, "value"),
        Output({"type": ids.HP, "run": MATCH, "name": MATCH}, "value"),
        Input({"type": ids.HP_SLIDER, "run": MATCH, "name": MATCH}, "value"),
        Input({"type": ids.HP, "run": MATCH, "name": MATCH}, "value"),
        State({"type": ids.HP_SLIDER, "run": MATCH, "name": MATCH}, "className"),
        State({"type": ids.HP_SLIDER, "run": MATCH, "name": MATCH}, "min"),
        State({"type": ids.HP_SLIDER, "run": MATCH, "name": MATCH}, "max"),
        State({"type": ids.HP_SLIDER, "run": MATCH, "name": MATCH}, "step"),
        prevent_initial_call=True,
    )
    @dash.callback(
        Output({"type": ids.ABOUT_BODY, "run": MATCH}, "children"),
        Input({"type": ids.ABOUT_TOGGLE, "run": MATCH}, "n_clicks"),
        State({"type": ids.RUN_OPTIMIZER, "run": MATCH}, "value"),
        prevent_initial_call=True,
    )
    def about(n_clicks, optimizer):
        """A run's "about" section, built the first time it is opened."""
        if not isinstance(n_clicks, int) or n_clicks != 1 or optimizer not in optviz.optimizers.names():
            raise PreventUpdate
        return layout.about_optimizer(optimizer)

    @dash.callback(
        Output(ids.ALGORITHM_MODAL, "is_open"),
        Output(ids.ALGORITHM_TITLE, "children"),
        Output(ids.ALGORITHM_BODY, "children"),
        Input({"type": ids.ALGORITHM_BUTTON, "optimizer": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def whole_rule(clicks):
        """An optimizer's whole update rule, in a dialog wide enough for it."""
        trigger = ctx.triggered_id
        name = trigger.get("optimizer") if isinstance(trigger, dict) else None
        if name not in optviz.optimizers.names() or not any(isinstance(c, int) and c > 0 for c in clicks or []):
            raise PreventUpdate
        return True, f"{optviz.optimizers.get(name).title}: the update rule", layout.algorithm(name)

    dash.clientside_callback(
        ClientsideFunction("optviz", "toggle"),
        Output({"type": ids.ABOUT_BODY, "run": MATCH}, "className"),
        Input({"type": ids.ABOUT_TOGGLE, "run": MATCH}, "n_clicks"),
        State({"type": ids.ABOUT_BODY, "run": MATCH}, "className"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        ClientsideFunction("optviz", "opened"),
        Output(ids.EXPLORE_BODY, "is_open"),
        Input(ids.EXPLORE_OPEN, "value"),
    )
    dash.clientside_callback(
        ClientsideFunction("optviz", "panes"),
        [Output(ids.explore_pane(tab), "hidden") for tab in explore.TABS],
        Input(ids.EXPLORE_TABS, "value"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        ClientsideFunction("optviz", "presenting"),
        Output(ids.PAGE, "className"),
        Input(ids.CONFIG_STORE, "data"),
        State(ids.PAGE, "className"),
    )
    dash.clientside_callback(
        ClientsideFunction("optviz", "writeUrl"),
        Output(ids.URL_WRITTEN, "data"),
        Input(ids.URL_SYNC, "data"),
        Input(ids.EXPLORE_SYNC, "data"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        ClientsideFunction("optviz", "shareLink"),
        Output(ids.SHARE_BUTTON, "children"),
        Input(ids.SHARE_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )
