"""What a change in the control panel does to the configuration (pure: no Dash).

The browser sends whatever it likes (a script can post any value to ``/_dash-update-component``),
so every value is validated here.  A bad value never replaces a good one: the configuration
keeps the last good value, the control is flagged, and a message says what is allowed; the text
in the control is left alone so nothing the user typed is lost.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import surfaces
from optviz import grid, optimizers, runner, schedules, settings
from optviz.spec import as_float, shown
from optviz.config import CONDITION_KEYS, defined_at, read_text, suited
from optviz.options import BATCH
from optviz.ui.state import (CLIP, LOSS_AXES, MAX_RUNS, NOISE, SEED, STEP_SIZE_FAMILIES, STEPS, Config, Run,
                             check_start, format_number, free_color, new_run, next_uid, start_bounds, validate_value)

__all__ = ["Controls", "Outcome", "apply_controls", "set_surface", "set_schedule", "add_run", "remove_run",
           "duplicate_run", "change_optimizer", "start_from_click", "choose_lesson", "add_cell_run", "tune_runs",
           "TuneResult", "STATIC_FIELDS"]

#: The single-valued numeric controls (fields of Controls) that can be flagged invalid.
STATIC_FIELDS = ("start_x", "start_y", "steps", "noise", "seed", "clip")


@dataclass
class Controls:
    """The control panel's values as the browser reported them (anything at all)."""

    surface: Any = None
    start_x: Any = None
    start_y: Any = None
    steps: Any = None
    noise: Any = None
    seed: Any = None
    schedule: Any = None
    clip_on: Any = None
    clip: Any = None
    lossx: Any = None
    reveal: Any = None
    present: Any = None
    #: (owner, name) -> value, where owner is a run uid, "surface", "schedule" or "<uid>/schedule"
    #: (a run's own schedule).
    params: dict = field(default_factory=dict)
    #: (run uid, name) -> value of a run's own conditions: noise, seed, schedule ("shared" or a
    #: schedule's name), clip_mode ("shared", "off", "on") and clip.
    conditions: dict = field(default_factory=dict)


@dataclass
class Outcome:
    config: Config
    #: Static fields (see STATIC_FIELDS) whose value was rejected.
    invalid: set = field(default_factory=set)
    #: (owner, name) of parameters whose value was rejected.
    invalid_params: set = field(default_factory=set)
    #: (run uid, name) of a run's own conditions whose value was rejected.
    invalid_conditions: set = field(default_factory=set)
    messages: list = field(default_factory=list)


def _run_name(config: Config, run: Run) -> str:
    return f"{run.spec.title.split(' (')[0]} (run {config.runs.index(run) + 1})"


def _params(hps, current: tuple, given: Mapping[str, Any], owner: str, label: str, out: Outcome) -> tuple:
    values = dict(current)
    for h in hps:
        key = (owner, h.name)
        if key not in given:
            continue
        try:
            values[h.name] = validate_value(h, given[key])
        except ValueError as err:
            out.invalid_params.add(key)
            out.messages.append(f"{label}: {err}. Still using {format_number(values.get(h.name, h.default))}.")
    return tuple((h.name, values.get(h.name, h.default)) for h in hps)


SURFACE = "surface"   # the owner of the surface's parameters in Controls.params


def _within(point, bounds) -> bool:
    (xlo, xhi), (ylo, yhi) = bounds
    return xlo <= point[0] <= xhi and ylo <= point[1] <= yhi


def apply_controls(config: Config, controls: Controls, *, skip: frozenset = frozenset()) -> Outcome:
    """``config`` updated with every valid value in ``controls``; invalid ones are reported and
    leave the configuration as it was.  Fields named in ``skip`` are not read (a structural
    change, such as a new surface, is about to reset them)."""
    out = Outcome(config)
    c = config
    surface = c.surface_obj()

    if "surface_params" not in skip:
        given = _params(surface.parameters, c.surface_params, controls.params, "surface", f"{surface.title}", out)
        try:
            changed = replace(c, surface_params=given)
            new_surface = changed.surface_obj()
        except ValueError as err:   # valid one by one, not together: a typed formula's window
            moved = {(SURFACE, k) for (k, v), (_, old) in zip(given, c.surface_params) if v != old}
            out.invalid_params |= moved
            out.messages.append(f"{surface.title}: {err}. Still drawing the surface it had.")
        else:
            if (new_surface.domain != surface.domain and not _within(c.start, start_bounds(new_surface))) \
                    or not defined_at(new_surface, *c.start):
                # the window moved away from the start, or the new formula is undefined there (log(x)
                # at x < 0): the new surface's own start, not the boxes'
                changed, skip = replace(changed, start=tuple(new_surface.start)), skip | {"start"}
            c, surface = changed, new_surface

    if "start" not in skip:
        x, y = c.start
        (xlo, xhi), (ylo, yhi) = start_bounds(surface)
        for name, value, lo, hi in (("start_x", controls.start_x, xlo, xhi), ("start_y", controls.start_y, ylo, yhi)):
            number = _finite(value)
            if number is None or not lo <= number <= hi:
                out.invalid.add(name)
                label = name.replace("_", " ")
                out.messages.append(f"{label} must be a number from {format_number(lo)} to {format_number(hi)} "
                                    f"on {surface.title}; got {_show(value)}. Still starting at "
                                    f"({format_number(c.start[0])}, {format_number(c.start[1])}).")
            elif name == "start_x":
                x = number
            else:
                y = number
        if (x, y) != c.start and not defined_at(surface, x, y):
            out.invalid |= {"start_x", "start_y"}
            out.messages.append(f"{surface.title} is not defined at ({format_number(x)}, {format_number(y)}): start "
                                f"where f has a value (the coloured part of the map). Still starting at "
                                f"({format_number(c.start[0])}, {format_number(c.start[1])}).")
            x, y = c.start
        c = replace(c, start=(x, y))

    for name, hp in (("steps", STEPS), ("noise", NOISE), ("seed", SEED)):
        if name in skip:
            continue
        try:
            c = replace(c, **{name: validate_value(hp, getattr(controls, name))})
        except ValueError as err:
            out.invalid.add(name)
            out.messages.append(f"{err}. Still using {format_number(getattr(c, name))}.")

    if "schedule" not in skip:
        spec = schedules.get(c.schedule)
        c = replace(c, schedule_params=_params(spec.parameters, c.schedule_params, controls.params, "schedule",
                                               f"schedule {spec.title}", out))

    if "clip" not in skip:
        on = controls.clip_on
        if on is True:
            try:
                c = replace(c, clip=validate_value(CLIP, controls.clip))
            except ValueError as err:
                out.invalid.add("clip")
                previous = "off" if c.clip is None else format_number(c.clip)
                out.messages.append(f"{err}. Still using {previous}.")
        elif on is False or on is None:
            c = replace(c, clip=None)
        else:
            out.messages.append(f"the clip switch must be on or off; got {_show(on)}.")

    for name in ("reveal", "present"):
        value = getattr(controls, name)
        if name in skip or value is None:
            continue
        if isinstance(value, bool):
            c = replace(c, **{name: value})
        else:
            out.messages.append(f"the {name} switch must be on or off; got {_show(value)}.")

    if "lossx" not in skip and controls.lossx is not None:
        if controls.lossx in LOSS_AXES:
            c = replace(c, lossx=controls.lossx)
        else:
            out.messages.append(f"the loss axis must be one of {', '.join(LOSS_AXES)}; got {_show(controls.lossx)}.")

    if "runs" not in skip:
        runs = []
        for run in c.runs:
            values = _params(run.spec.hyperparameters, run.hyperparameters, controls.params, run.uid,
                             _run_name(c, run), out)
            conditions = _own_conditions(run, controls, _run_name(c, run), out)
            auto = run.auto and values == run.hyperparameters   # a value the user set: never retuned
            runs.append(replace(run, hyperparameters=values, conditions=conditions, auto=auto))
        c = replace(c, runs=tuple(runs))
    if (c.surface, c.surface_params) != (config.surface, config.surface_params):
        c = replace(c, runs=tuple(suit(c, run, tune=True) for run in c.runs))   # a new condition number, say
    out.config = c
    return out


def _own_conditions(run: Run, controls: Controls, label: str, out: Outcome) -> tuple:
    """The run's own conditions as its card now sets them; a rejected value is flagged and the
    run keeps what it had."""
    own = dict(run.conditions)
    given = {name: value for (uid, name), value in controls.conditions.items() if uid == run.uid}
    if not given:
        return run.conditions

    def reject(name: str, err: Exception | str, was: str):
        out.invalid_conditions.add((run.uid, name))
        out.messages.append(f"{label}: {err}. Still using {was}.")

    for name, hp in (("noise", NOISE), ("seed", SEED), ("batch", BATCH)):
        if name not in given:
            continue
        value = given[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            own.pop(name, None)   # an empty box: the shared setting
            continue
        try:
            own[name] = validate_value(hp, value)
        except ValueError as err:
            reject(name, f"{err} (or empty for the shared one)", format_number(own[name]) if name in own else "the shared one")
    if "schedule" in given:
        name = given["schedule"]
        if name in ("", None, "shared"):
            own.pop("schedule", None)
            own.pop("schedule_params", None)
        elif name not in schedules.names():
            reject("schedule", f"unknown schedule {_show(name)}; choose one of: {', '.join(schedules.names())}",
                   own.get("schedule", "the shared one"))
        else:
            spec = schedules.get(name)
            current = own.get("schedule_params", ()) if own.get("schedule") == name else \
                tuple((h.name, h.default) for h in spec.parameters)
            own["schedule"] = name
            own["schedule_params"] = _params(spec.parameters, current, controls.params,
                                             f"{run.uid}/schedule", f"{label}, schedule {spec.title}", out)
    if "clip_mode" in given:
        mode = given["clip_mode"]
        if mode in ("", None, "shared"):
            own.pop("clip", None)
        elif mode == "off":
            own["clip"] = None
        elif mode == "on":
            try:
                own["clip"] = validate_value(CLIP, given.get("clip"))
            except ValueError as err:
                reject("clip", err, "the clip it had" if "clip" in own else "the shared one")
        else:
            reject("clip_mode", f"clip must be shared, off or on; got {_show(mode)}", "what it had")
    return tuple((k, own[k]) for k in CONDITION_KEYS if k in own)


def choose_lesson(config: Config, name: Any) -> tuple[Config, bool, str | None]:
    """The lesson picker: a lesson's whole scene (``True``: the panel must show it all), or the
    same scene out of any lesson (``""``)."""
    from optviz import lessons
    if name in ("", None):
        return replace(config, lesson=""), False, None
    if name not in lessons.names():
        return config, False, f"unknown lesson {_show(name)}; choose one of: {', '.join(lessons.names())}."
    return lessons.get(name).scene, True, None


def _finite(value: Any) -> float | None:
    """``value`` (a number or text) as a finite float, else ``None``."""
    number = as_float(read_text(value))
    return number if number is not None and math.isfinite(number) else None


def _show(value: Any) -> str:
    return "nothing (empty or not a number)" if value is None else shown(value, 60)


# -- structural changes ---------------------------------------------------------------------------
def set_surface(config: Config, name: Any) -> tuple[Config, str | None]:
    """Switch surface: its default parameters and start; steps and conditions are kept, and so
    are the runs, but those whose hyperparameters the app chose (``auto``) get the new surface's
    (see :func:`suit`)."""
    if name not in surfaces.names():
        return config, f"unknown surface {_show(name)}; choose one of: {', '.join(surfaces.names())}."
    surface = surfaces.get(name)
    moved = replace(config, surface=name, surface_params=tuple(surface.values), start=tuple(surface.start))
    return replace(moved, runs=tuple(suit(moved, run, tune=True) for run in moved.runs)), None


def suit(config: Config, run: Run, tune: bool = False) -> Run:
    """A run the app set up (``auto``), made to suit ``config``'s surface: the surface's
    suggestions for its optimizer; or else, with ``tune`` (the surface changed) and for a method
    whose ``lr`` is its step size, the learning rate "tune" finds (the lowest loss within the
    steps, see :func:`tuned_values`); or else its own settings while they do not diverge there,
    or else a tamed learning rate.  A run the user set, or from a link, is returned as it is."""
    if not run.auto:
        return run
    surface = config.surface_obj()
    if run.optimizer in surface.suggestions():
        return suited(run, surface)
    if tune and "lr" in run.values and run.spec.family in STEP_SIZE_FAMILIES:
        found, _ = tuned_values(config, run, ("lr",), share=1.0 / (2 * MAX_RUNS))
        if found is not None:
            values = found[0]
            return replace(run, hyperparameters=tuple((k, values.get(k, v)) for k, v in run.hyperparameters))
    trial = runner.trajectory(config, run, settings.WORK_LIMIT // (TAME_TRIES + 2),
                              settings.TIME_LIMIT / (TAME_TRIES + 2))
    if not trial.diverged:
        return run
    spec = run.spec
    return tamed(config, replace(run, hyperparameters=tuple(spec.defaults().items())))


def set_schedule(config: Config, name: Any) -> tuple[Config, str | None]:
    if name not in schedules.names():
        return config, f"unknown schedule {_show(name)}; choose one of: {', '.join(schedules.names())}."
    spec = schedules.get(name)
    return replace(config, schedule=name, schedule_params=tuple((h.name, h.default) for h in spec.parameters)), None


#: How many times a new run's learning rate is divided by 10 to find one that does not diverge.
TAME_TRIES = 4


def tamed(config: Config, run: Run) -> Run:
    """``run`` with its spec's default learning rate divided by 10 (up to :data:`TAME_TRIES`
    times) until it does not diverge on ``config``'s surface, from its start, over its steps: a
    run just added should show the optimizer at work, not blow up in three steps (torch's
    defaults are not tuned for any of these surfaces).  Other runs are not touched, and the user
    can still raise ``lr`` to see a divergence.  The tries share one request's work limit."""
    values = dict(run.hyperparameters)
    if not isinstance(values.get("lr"), float):
        return run
    try:
        for _ in range(TAME_TRIES + 1):
            candidate = replace(run, hyperparameters=tuple(values.items()))
            trial = runner.trajectory(config, candidate, settings.WORK_LIMIT // (TAME_TRIES + 1),
                                      settings.TIME_LIMIT / (TAME_TRIES + 1))
            if not trial.diverged:
                return candidate
            values["lr"] = float(f"{values['lr'] / 10:.3g}")
    except ValueError:
        pass
    return run


def add_run(config: Config) -> tuple[Config, Run | None, str | None]:
    if len(config.runs) >= MAX_RUNS:
        return config, None, f"at most {MAX_RUNS} runs can be compared; remove one first."
    run = suit(config, replace(new_run(config.runs), auto=True))
    return replace(config, runs=config.runs + (run,)), run, None


def remove_run(config: Config, uid: Any) -> tuple[Config, int | None]:
    i = config.index(uid) if isinstance(uid, str) else None
    if i is None:
        return config, None
    return replace(config, runs=config.runs[:i] + config.runs[i + 1:]), i


def duplicate_run(config: Config, uid: Any) -> tuple[Config, Run | None, int | None, str | None]:
    i = config.index(uid) if isinstance(uid, str) else None
    if i is None:
        return config, None, None, None
    if len(config.runs) >= MAX_RUNS:
        return config, None, None, f"at most {MAX_RUNS} runs can be compared; remove one first."
    src = config.runs[i]
    run = Run(uid=next_uid(config.runs), optimizer=src.optimizer, hyperparameters=src.hyperparameters,
              color=free_color(config.runs), conditions=src.conditions, auto=src.auto)
    return replace(config, runs=config.runs[:i + 1] + (run,) + config.runs[i + 1:]), run, i + 1, None


def change_optimizer(config: Config, uid: Any, name: Any) -> tuple[Config, Run | None, int | None, str | None]:
    """Give run ``uid`` another optimizer (with that optimizer's defaults, ``lr`` tamed as in
    :func:`tamed`); it keeps its colour."""
    i = config.index(uid) if isinstance(uid, str) else None
    if i is None:
        return config, None, None, None
    if name not in optimizers.names():
        return config, None, None, f"unknown optimizer {_show(name)}; choose one of: {', '.join(optimizers.names())}."
    old = config.runs[i]
    if old.optimizer == name:
        return config, None, None, None
    spec = optimizers.get(name)
    run = suit(config, Run(uid=old.uid, optimizer=name, hyperparameters=tuple(spec.defaults().items()),
                           color=old.color, auto=True))
    return replace(config, runs=config.runs[:i] + (run,) + config.runs[i + 1:]), run, i, None


def add_cell_run(config: Config, cells: Any, click: Any) -> tuple[Config, Run | None, str | None]:
    """The run of the sweep cell that was clicked (see :func:`optviz.ui.explore.cell_of_click`),
    added after the others: the swept run with that cell's values, its own conditions, a new colour."""
    from optviz.ui import explore
    values = explore.cell_of_click(click, cells)
    if values is None:
        return config, None, None
    source = config.run(cells.get("run")) if isinstance(cells.get("run"), str) else None
    if source is None or source.optimizer != cells.get("optimizer"):
        return config, None, "the swept run has been removed or changed its optimizer: sweep it again."
    if len(config.runs) >= MAX_RUNS:
        return config, None, f"at most {MAX_RUNS} runs can be compared; remove one to add this cell's run."
    try:
        checked = {name: validate_value(source.spec.hyperparameter(name), value) for name, value in values.items()}
    except ValueError as err:
        return config, None, f"that cell cannot be a run: {err}."
    hps = tuple((k, checked.get(k, v)) for k, v in source.hyperparameters)
    run = Run(uid=next_uid(config.runs), optimizer=source.optimizer, hyperparameters=hps,
              color=free_color(config.runs), conditions=source.conditions)
    return replace(config, runs=config.runs + (run,)), run, None


@dataclass(frozen=True)
class TuneResult:
    """What tuning one run found (``error`` if it could not)."""
    uid: str
    label: str
    values: dict
    loss: float = math.nan
    searched: int = 0
    error: str | None = None


def tune_runs(config: Config, uids: list, second: bool = False) -> tuple[Config, list[int], list[TuneResult]]:
    """Runs ``uids`` of ``config`` with the learning rate (and with ``second`` their momentum-like
    setting, see ``explore.tune_params``) that reaches the lowest final loss within the steps, under each run's
    own conditions (see :func:`optviz.tune`); the indices of the runs that changed, and what was
    found for each.  The tuning of all the runs shares ``settings.GRID_WORK_LIMIT``."""
    from optviz.ui import explore
    runs = list(config.runs)
    targets = [i for i, r in enumerate(runs) if r.uid in set(uids)]
    changed, results = [], []
    for i in targets:
        run = runs[i]
        label = _run_name(config, run)
        params = explore.tune_params(run.spec, second)
        if not params:
            why = ("has no learning rate to tune" if "lr" not in run.values else
                   "takes steps its lr does not set (lr is a line search's first trial or a damping there), "
                   "so tune leaves it alone")
            results.append(TuneResult(run.uid, label, {}, error=f"{run.spec.title} {why}"))
            continue
        found, error = tuned_values(config, run, params, share=1.0 / len(targets))
        if error:
            results.append(TuneResult(run.uid, label, {}, error=error))
            continue
        values, loss, searched = found
        hps = tuple((k, values.get(k, v)) for k, v in run.hyperparameters)
        if hps != run.hyperparameters:
            runs[i] = replace(run, hyperparameters=hps, auto=False)
            changed.append(i)
        results.append(TuneResult(run.uid, label, values, loss, searched))
    return replace(config, runs=tuple(runs)), changed, results


def tuned_values(config: Config, run: Run, params: tuple, share: float = 1.0):
    """``((values, loss, settings searched), None)``: the best ``params`` for ``run`` under
    ``config`` rounded to 3 significant digits (unrounded if the rounded values do worse), using
    ``share`` of ``settings.GRID_WORK_LIMIT`` and of the time limit; or ``(None, message)``."""
    spec = run.spec
    cells = grid.tune_size(spec, params)
    fixed = {k: v for k, v in run.hyperparameters if k not in params}
    kwargs = config.simulate_kwargs(run)
    try:
        found = grid.tune(run.optimizer, config.surface_obj(), params=params,
                          work_limit=max(1, int(settings.GRID_WORK_LIMIT * share) // cells),
                          time_limit=settings.TIME_LIMIT * share / 2, **kwargs, **fixed)
    except ValueError as err:
        return None, str(err)
    values = {k: validate_value(spec.hyperparameter(k), float(f"{v:.3g}")) for k, v in found.values.items()}
    rounded = _final_loss(config, run, values, share)
    f_star = config.surface_obj().minimum_value
    if f_star is not None:
        good = rounded is not None and rounded - f_star <= 2 * (found.loss - f_star) + 1e-15
    else:   # no known minimum (a typed formula): as good to a millionth of the loss's size (it was
        # 1e-9 relative, so the long unrounded value nearly always stayed: lr=0.056234132519034905)
        good = rounded is not None and rounded <= found.loss + 1e-6 * max(1.0, abs(found.loss))
    if not good:   # the best setting is often at the edge of diverging: keep it exactly
        values, rounded = dict(found.values), found.loss
    searched = sum(s.final_loss.size for s in found.sweeps)
    return (values, rounded, searched), None


def _final_loss(config: Config, run: Run, values: dict, share: float) -> float | None:
    """The final loss of ``run`` with ``values`` under ``config``, within ``share`` of a request's
    limits (``None`` if it diverges or stops)."""
    candidate = replace(run, hyperparameters=tuple((k, values.get(k, v)) for k, v in run.hyperparameters))
    try:
        traj = runner.trajectory(config, candidate, int(settings.WORK_LIMIT * share), settings.TIME_LIMIT * share / 2)
    except ValueError:
        return None
    if traj.diverged or traj.status != "ok":
        return None
    return float(traj.loss[-1])


def start_from_click(config: Config, click: Any) -> tuple[Config, str | None]:
    """The start moved to where the map was clicked (``{"x": ..., "y": ...}``, the point under
    the pointer as assets/optviz.js reads it, never snapped to a star or a path), rounded to a
    thousandth of the window."""
    try:
        x, y = click["x"], click["y"]
    except (TypeError, KeyError, IndexError):
        return config, None
    surface = config.surface_obj()
    (x0, x1), (y0, y1) = surface.domain
    digits = max(0, 3 - math.floor(math.log10(max(x1 - x0, y1 - y0))))
    fx, fy = _finite(x), _finite(y)
    if fx is None or fy is None:
        return config, f"the clicked point must be two numbers; got {_show(x)}, {_show(y)}."
    try:
        start = check_start(surface, round(fx, digits), round(fy, digits))
    except ValueError as err:
        return config, str(err)
    return replace(config, start=start), None
