"""The page's configuration as a URL query string, and back (pure: no Dash, no I/O).

The format (a contract: links in slides and notes depend on it)::

    ?surface=rosenbrock&start=-1.2,1&steps=300&run=adam:lr=0.05,beta1=0.9&run=gd:lr=0.001

=============  ==================================================  ===============================
key            value                                               when absent
=============  ==================================================  ===============================
``surface``    ``name`` or ``name:param=value,...`` (the           the app's default surface
               surface's own parameters, e.g.
               ``quadratic:condition=100,rotation=30``); a
               typed formula is the surface ``formula``, its
               text ``f`` and window ``x_min``, ``x_max``,
               ``y_min``, ``y_max``:
               ``formula:f=sin(x)*cos(y)%2B0.1*x%5E2,x_min=-3``
               (``+`` written ``%2B``, ``^`` ``%5E``)
``start``      ``x,y``                                             the surface's start
``steps``      integer, 0 to ``optviz.STEPS_CAP``                  300
``run``        ``optimizer`` or ``optimizer:hp=value,...``, one    the default comparison
               key per run (at most 8), in legend order; an
               empty ``run=`` means "no runs"; then, after
               ``;``, the run's own conditions:
               ``;noise=0.5;seed=3;schedule=cosine:end_factor=0.1;clip=5``
               (``clip=off``: none for this run; ``batch=8``:
               minibatches, on the loss of a model on data)
``noise``      gradient noise standard deviation, >= 0             0
``seed``       integer seed of the noise                           0
``schedule``   ``name`` or ``name:param=value,...``, e.g.          constant
               ``step:step_size=50,gamma=0.5``
``clip``       gradient norm clip, > 0                             off
``lossx``      ``step`` or ``cost`` (the loss plot's x axis)       step
``lesson``     a lesson's id (:mod:`optviz.lessons`): its scene    none
               is where the link starts, and the link's other
               keys change it
``reveal``     ``on`` or ``off``: playback draws the paths only    off (on in a lesson)
               up to the current step
``present``    ``on`` or ``off``: presentation mode                off
``explore``    the "Beyond one run" panel, open on a view:         closed
               ``sweep``, ``basins`` or ``fan``, then its
               settings that differ from the defaults
               (``sweep:run=2,y=momentum,x_points=60``; see
               ``optviz.ui.explore.to_link``); not part of the
               configuration, so the JSON API and the data
               export ignore it
=============  ==================================================  ===============================

Hyperparameters not named take their optimizer's defaults, so only non-default values are
written.  Numbers are written in their shortest exact form (``0.05``, ``1e-08``); switches as
``true``/``false``.  :func:`parse` never raises: an unknown name or a bad value becomes a
message naming what was wrong and what is allowed, and that part alone takes its default.  The
query string is first read into the canonical dict of :mod:`optviz.config` (:func:`to_data`),
and the values are checked there, by the checker the controls and the JSON API use too.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote

import surfaces
from optviz import schedules
from optviz.config import Config, default_config, default_runs, format_number

__all__ = ["parse", "serialize", "quote_value", "read_named", "KEYS", "PAGE_KEYS"]

KEYS = ("lesson", "surface", "start", "steps", "run", "noise", "seed", "schedule", "clip", "lossx", "reveal",
        "present")
#: Keys the page reads for itself, not part of the configuration (the explore panel's).
PAGE_KEYS = ("explore",)
_SAFE = ":,=.-_;()*"  # left unescaped, so links stay readable (a typed formula's too)
_MAX_LENGTH = 20_000  # longer query strings are cut (a link is never this long)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def read_named(value: str) -> tuple[str, dict[str, str], list[str]]:
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
        data, problems = to_data(search)
        config, more = Config.from_data(data)
    except Exception as err:  # noqa: BLE001 - a bug here must not break the page
        return default_config(), [f"the link could not be read ({type(err).__name__}); opened the default view."]
    problems += more
    if data.get("runs") and not config.runs:
        problems.append("none of the runs in the link could be used; showing the default comparison.")
        config = replace(config, runs=default_runs())
    return config, problems


def to_data(search: Any) -> tuple[dict, list[str]]:
    """The query string as the canonical dict of :mod:`optviz.config` (values still text), and
    the problems of its syntax (a key given twice, a part that is not ``name=value``).  The
    values are checked by :meth:`Config.from_data`, as every other way in is."""
    problems: list[str] = []
    if not isinstance(search, str):
        search = ""
    search = search[:_MAX_LENGTH].lstrip("?")
    single: dict[str, str] = {}
    run_values: list[str] | None = None
    for key, value in parse_qsl(search, keep_blank_values=True):
        if key == "run":
            run_values = (run_values or []) + [value]
        elif key in KEYS:
            if key in single:
                problems.append(f"{key} is given twice; used the first ({_short(single[key])!r}).")
            else:
                single[key] = value
        elif key and key not in PAGE_KEYS:
            problems.append(f"unknown setting {_short(key)!r} ignored; known settings: "
                            f"{', '.join(KEYS + PAGE_KEYS)}.")

    data: dict[str, Any] = {}
    if "lesson" in single:
        data = _lesson_base(single["lesson"], given=single)
    for key, params_key in (("surface", "surface_params"), ("schedule", "schedule_params")):
        if key in single:
            data[key], data[params_key], more = read_named(single[key])
            problems += more
    if "start" in single:
        parts = single["start"].split(",")
        if len(parts) == 2:
            data["start"] = parts
        else:
            problems.append(f"start must be two numbers x,y; got {_short(single['start'])!r}; used the surface's start.")
    for key in ("steps", "noise", "seed", "lossx", "reveal", "present"):
        if key in single:
            data[key] = single[key]
    if "clip" in single:
        data["clip"] = None if single["clip"].strip().lower() in ("", "off", "none") else single["clip"]
    if run_values is not None:   # an empty run= alone: an explicitly empty comparison
        data["runs"] = []
        for value in filter(str.strip, run_values):
            head, *own = value.split(";")
            name, given, more = read_named(head)
            problems += more
            run: dict[str, Any] = {"optimizer": name, "hyperparameters": given}
            conditions = _conditions(own, value, problems)
            if conditions:
                run["conditions"] = conditions
            data["runs"].append(run)
    return data, problems


def _lesson_base(name: str, given: dict[str, str]) -> dict:
    """The canonical dict a ``lesson=`` link starts from: the lesson's scene, less what the link's
    other keys replace (a new surface brings its own start and parameters)."""
    from optviz import lessons
    if name.strip() not in lessons.names():
        return {"lesson": name}   # the checker says which lessons there are
    data = lessons.get(name.strip()).scene.to_data()
    if "surface" in given:
        del data["start"], data["surface_params"]
    if "schedule" in given:
        del data["schedule_params"]
    return data


def _conditions(parts: list[str], value: str, problems: list[str]) -> dict:
    """A run's ``;key=value`` conditions as the canonical dict's ``conditions`` (text values)."""
    out: dict[str, Any] = {}
    for part in filter(str.strip, parts):
        key, eq, text = (x.strip() for x in part.partition("="))
        if not eq:
            problems.append(f"{_short(part)!r} in run {_short(value)!r} is not of the form condition=value; ignored it.")
        elif key in out or (key == "schedule" and "schedule" in out):
            problems.append(f"{key!r} is given twice in run {_short(value)!r}; used the first.")
        elif key == "schedule":
            out["schedule"], out["schedule_params"], more = read_named(text)
            problems += more
        elif key == "clip" and text.lower() in ("off", "none"):
            out["clip"] = None
        else:
            out[key] = text   # noise, seed, clip; anything else is reported by the checker
    return out


def quote_value(text: str) -> str:
    """``text`` escaped as a link's value is (readable: ``:,=.-_;()*`` are left as they are)."""
    return quote(text, safe=_SAFE)


def _named_value(name: str, values: dict) -> str:
    if not values:
        return name
    return name + ":" + ",".join(f"{k}={format_number(v)}" for k, v in values.items())


def _own_conditions(run) -> str:
    """``;noise=0.5;schedule=step:gamma=0.5;clip=off`` for a run's own conditions."""
    out = ""
    for key, value in run.conditions:
        if key == "schedule_params":
            continue
        if key == "schedule":
            defaults = {h.name: h.default for h in schedules.get(value).parameters}
            params = {k: v for k, v in dict(run.conditions).get("schedule_params", ()) if v != defaults.get(k)}
            out += ";schedule=" + _named_value(value, params)
        else:
            out += f";{key}={'off' if value is None else format_number(value)}"
    return out


def serialize(config: Config) -> str:
    """The query string (with its leading ``?``) that :func:`parse` reads back to ``config``
    (up to run ids and colours, which follow the order of the runs).  The surface, start, steps
    and runs are always written; the other settings when they differ from what the link would
    otherwise mean: the defaults, or the scene of the lesson it names."""
    base = _base(config)
    surface = surfaces.get(config.surface)
    defaults = dict(surface.values)
    surface_changed = {k: v for k, v in config.surface_params if v != defaults.get(k)}
    parts = []
    if config.lesson:
        parts.append(("lesson", config.lesson))
    parts += [
        ("surface", _named_value(config.surface, surface_changed)),
        ("start", f"{format_number(config.start[0])},{format_number(config.start[1])}"),
        ("steps", format_number(config.steps)),
    ]
    if config.noise != base.noise:
        parts.append(("noise", format_number(config.noise)))
    if config.seed != base.seed:
        parts.append(("seed", format_number(config.seed)))
    if (config.schedule, config.schedule_params) != (base.schedule, base.schedule_params):
        sched_defaults = {h.name: h.default for h in schedules.get(config.schedule).parameters}
        changed = {k: v for k, v in config.schedule_params if v != sched_defaults.get(k)}
        parts.append(("schedule", _named_value(config.schedule, changed)))
    if config.clip != base.clip:
        parts.append(("clip", "off" if config.clip is None else format_number(config.clip)))
    if config.lossx != base.lossx:
        parts.append(("lossx", config.lossx))
    if config.reveal != base.reveal:
        parts.append(("reveal", "on" if config.reveal else "off"))
    if config.present != base.present:
        parts.append(("present", "on" if config.present else "off"))
    for run in config.runs:
        parts.append(("run", _named_value(run.optimizer, run.non_default()) + _own_conditions(run)))
    if not config.runs:
        parts.append(("run", ""))
    return "?" + "&".join(f"{k}={quote_value(v)}" for k, v in parts)


def _base(config: Config) -> Config:
    """What a link means where it says nothing: the lesson's scene, or the defaults."""
    if config.lesson:
        from optviz import lessons
        return lessons.get(config.lesson).scene
    return default_config(config.surface)
