"""The page's configuration as a URL query string, and back (pure: no Dash, no I/O).

The format (a contract: links in slides and notes depend on it)::

    ?surface=rosenbrock&start=-1.2,1&steps=300&run=adam:lr=0.05,beta1=0.9&run=gd:lr=0.001

=============  ==================================================  ===============================
key            value                                               when absent
=============  ==================================================  ===============================
``surface``    ``name`` or ``name:param=value,...`` (the           the app's default surface
               surface's own parameters, e.g.
               ``quadratic:condition=100,rotation=30``)
``start``      ``x,y``                                             the surface's start
``steps``      integer, 1 to ``optviz.STEPS_CAP``                  300
``run``        ``optimizer`` or ``optimizer:hp=value,...``, one    the default comparison
               key per run (at most 8), in legend order; an
               empty ``run=`` means "no runs"
``noise``      gradient noise standard deviation, >= 0             0
``seed``       integer seed of the noise                           0
``schedule``   ``name`` or ``name:param=value,...``, e.g.          constant
               ``step:step_size=50,gamma=0.5``
``clip``       gradient norm clip, > 0                             off
``lossx``      ``step`` or ``cost`` (the loss plot's x axis)       step
=============  ==================================================  ===============================

Hyperparameters not named take their optimizer's defaults, so only non-default values are
written.  Numbers are written in their shortest exact form (``0.05``, ``1e-08``); switches as
``true``/``false``.  :func:`parse` never raises: an unknown name or a bad value becomes a
message naming what was wrong and what is allowed, and that part alone takes its default.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote

import surfaces
from optviz import optimizers, schedules
from optviz.ui.state import (CLIP, LOSS_AXES, MAX_RUNS, NOISE, SEED, STEPS, Config, Run, check_start,
                             default_config, default_surface, format_number, free_color, next_uid,
                             resolve_values, validate_value)

__all__ = ["parse", "serialize", "KEYS"]

KEYS = ("surface", "start", "steps", "run", "noise", "seed", "schedule", "clip", "lossx")
_SAFE = ":,=.-_"  # left unescaped, so links stay readable
_MAX_LENGTH = 20_000  # longer query strings are cut (a link is never this long)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _named(value: str) -> tuple[str, dict[str, str], list[str]]:
    """``"name:a=1,b=2"`` -> ``("name", {"a": "1", "b": "2"}, problems)``."""
    name, _, rest = value.partition(":")
    given: dict[str, str] = {}
    problems = []
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, val = item.partition("=")
        if not eq:
            problems.append(f"{_short(item)!r} in {_short(value)!r} is not of the form name=value; ignored it.")
        elif key.strip() in given:
            problems.append(f"{key.strip()!r} is given twice in {_short(value)!r}; used the first.")
        else:
            given[key.strip()] = val.strip()
    return name.strip(), given, problems


def parse(search: Any) -> tuple[Config, list[str]]:
    """The configuration a query string (with or without its ``?``) describes, and the problems
    found in it (empty for a clean link).  Never raises."""
    try:
        return _parse(search)
    except Exception as err:  # noqa: BLE001 - a bug here must not break the page
        return default_config(), [f"the link could not be read ({type(err).__name__}); opened the default view."]


def _parse(search: Any) -> tuple[Config, list[str]]:
    problems: list[str] = []
    if not isinstance(search, str):
        search = ""
    search = search[:_MAX_LENGTH].lstrip("?")
    pairs = parse_qsl(search, keep_blank_values=True)
    single: dict[str, str] = {}
    run_values: list[str] = []
    for key, value in pairs:
        if key == "run":
            run_values.append(value)
        elif key in KEYS:
            if key in single:
                problems.append(f"{key} is given twice; used the first ({_short(single[key])!r}).")
            else:
                single[key] = value
        elif key:
            problems.append(f"unknown setting {_short(key)!r} ignored; known settings: {', '.join(KEYS)}.")

    # surface and its parameters
    surface_name = default_surface()
    surface_given: dict[str, str] = {}
    if "surface" in single:
        name, surface_given, more = _named(single["surface"])
        problems += more
        if name in surfaces.names():
            surface_name = name
        else:
            problems.append(f"unknown surface {_short(name)!r}; choose one of: {', '.join(surfaces.names())}. "
                            f"Showing {surface_name}.")
            surface_given = {}
    base = surfaces.get(surface_name)
    surface_params = resolve_values(base.parameters, surface_given, f"surface {surface_name!r}", problems)
    config = default_config(surface_name)
    surface = config.surface_obj() if surface_params == base.values else base.with_params(**dict(surface_params))

    start = tuple(surface.start)
    if "start" in single:
        parts = single["start"].split(",")
        try:
            if len(parts) != 2:
                raise ValueError(f"start must be two numbers x,y; got {_short(single['start'])!r}")
            start = check_start(surface, parts[0], parts[1])
        except ValueError as err:
            problems.append(f"{err}; used the surface's start {format_number(surface.start[0])},"
                            f"{format_number(surface.start[1])}.")

    def number(hp, fallback):
        if hp.name not in single:
            return fallback
        try:
            return validate_value(hp, single[hp.name])
        except ValueError as err:
            problems.append(f"{err}; used {format_number(fallback)}.")
            return fallback

    steps = number(STEPS, STEPS.default)
    noise = number(NOISE, NOISE.default)
    seed = number(SEED, SEED.default)
    clip = None
    if "clip" in single and single["clip"].strip().lower() not in ("", "off", "none"):
        try:
            clip = validate_value(CLIP, single["clip"])
        except ValueError as err:
            problems.append(f"{err} (or off); left clipping off.")

    schedule = "constant"
    schedule_given: dict[str, str] = {}
    if "schedule" in single:
        name, schedule_given, more = _named(single["schedule"])
        problems += more
        if name in schedules.names():
            schedule = name
        else:
            problems.append(f"unknown schedule {_short(name)!r}; choose one of: {', '.join(schedules.names())}. "
                            f"Used a constant rate.")
            schedule_given = {}
    schedule_params = resolve_values(schedules.get(schedule).parameters, schedule_given,
                                     f"schedule {schedule!r}", problems)

    lossx = single.get("lossx", "step")
    if lossx not in LOSS_AXES:
        problems.append(f"lossx must be one of {', '.join(LOSS_AXES)}; got {_short(lossx)!r}. Used step.")
        lossx = "step"

    runs = config.runs
    if run_values:
        runs = _runs(run_values, problems)

    return Config(surface=surface_name, surface_params=surface_params, start=start, steps=steps, noise=noise,
                  seed=seed, schedule=schedule, schedule_params=schedule_params, clip=clip, runs=runs,
                  lossx=lossx), problems


def _runs(values: list[str], problems: list[str]) -> tuple[Run, ...]:
    runs: list[Run] = []
    given_any = False
    ignored: list[str] = []
    for value in values:
        if not value.strip():
            continue  # "run=" alone: an explicitly empty comparison
        given_any = True
        if len(runs) >= MAX_RUNS:
            ignored.append(value)
            continue
        name, given, more = _named(value)
        problems += more
        if name not in optimizers.names():
            problems.append(f"unknown optimizer {_short(name)!r} in run {_short(value)!r}; "
                            f"choose one of: {', '.join(optimizers.names())}. Left that run out.")
            continue
        spec = optimizers.get(name)
        values_ = resolve_values(spec.hyperparameters, given, f"run {len(runs) + 1} ({spec.title})", problems)
        runs.append(Run(uid=next_uid(runs), optimizer=name, hyperparameters=values_, color=free_color(runs)))
    if ignored:
        first = repr(_short(ignored[0]))
        which = first if len(ignored) == 1 else f"{len(ignored)} runs, from {first} on"
        problems.append(f"at most {MAX_RUNS} runs can be compared; ignored {which}.")
    if given_any and not runs:
        problems.append("none of the runs in the link could be used; showing the default comparison.")
        return default_config().runs
    return tuple(runs)


def _quote(text: str) -> str:
    return quote(text, safe=_SAFE)


def _named_value(name: str, values: dict) -> str:
    if not values:
        return name
    return name + ":" + ",".join(f"{k}={format_number(v)}" for k, v in values.items())


def serialize(config: Config) -> str:
    """The query string (with its leading ``?``) that :func:`parse` reads back to ``config``
    (up to run ids and colours, which follow the order of the runs)."""
    surface = surfaces.get(config.surface)
    defaults = dict(surface.values)
    surface_changed = {k: v for k, v in config.surface_params if v != defaults.get(k)}
    parts = [
        ("surface", _named_value(config.surface, surface_changed)),
        ("start", f"{format_number(config.start[0])},{format_number(config.start[1])}"),
        ("steps", format_number(config.steps)),
    ]
    if config.noise != NOISE.default:
        parts.append(("noise", format_number(config.noise)))
    if config.seed != SEED.default:
        parts.append(("seed", format_number(config.seed)))
    if config.schedule != "constant":
        sched_defaults = {h.name: h.default for h in schedules.get(config.schedule).parameters}
        changed = {k: v for k, v in config.schedule_params if v != sched_defaults.get(k)}
        parts.append(("schedule", _named_value(config.schedule, changed)))
    if config.clip is not None:
        parts.append(("clip", format_number(config.clip)))
    if config.lossx != "step":
        parts.append(("lossx", config.lossx))
    for run in config.runs:
        parts.append(("run", _named_value(run.optimizer, run.non_default())))
    if not config.runs:
        parts.append(("run", ""))
    return "?" + "&".join(f"{k}={_quote(v)}" for k, v in parts)
