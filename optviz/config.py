"""A comparison's configuration: one canonical format and the one checker every way in uses.

A :class:`Config` is a small frozen record: the surface and its parameters, the start, the
conditions shared by every run (:mod:`optviz.options`), the runs and the loss plot's axis.  Its
canonical form is the plain dict of :meth:`Config.to_data`::

    {"surface": "quadratic", "surface_params": {"condition": 100},
     "start": [-2.5, 1.5], "steps": 300, "noise": 0.0, "seed": 0,
     "schedule": "step", "schedule_params": {"step_size": 50}, "clip": null, "lossx": "step",
     "runs": [{"optimizer": "adam", "hyperparameters": {"lr": 0.05}, "uid": "r0", "color": 0},
              {"optimizer": "adam", "hyperparameters": {"lr": 0.05},
               "conditions": {"noise": 0.5, "seed": 3, "schedule": "cosine", "clip": null}}]}

A run's ``conditions`` override the shared ones for that run only: its own gradient noise and
seed, learning-rate schedule (``schedule`` and ``schedule_params``) or clipping (``clip``, null
for none); a condition it does not name is the shared one.

Every key may be left out (it takes its default).  :meth:`Config.from_data` is the checker: the
share URL (:mod:`optviz.ui.urlstate` turns a query string into this dict), the browser's copy of
the page's state and the JSON API (:mod:`optviz.api`) all go through it.  It never raises: it
returns the configuration and a message for each problem, naming what was wrong and what is
allowed.  The app shows the messages and uses defaults for the bad parts (``strict=False``); the
API refuses a request with any problem (``strict=True``, which also wants numbers as numbers and
switches as booleans, not text).
"""
from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import surfaces
from optviz import optimizers, schedules
from optviz.options import BATCH, CLIP, NOISE, SEED, STEPS
from optviz.spec import Hyperparameter, as_float, shown

__all__ = ["Config", "Run", "MAX_RUNS", "LOSS_AXES", "KEYS", "RUN_KEYS", "CONDITION_KEYS", "STEPS", "NOISE", "SEED",
           "CLIP", "default_config", "default_surface", "default_runs", "new_run", "next_uid", "free_color",
           "validate_value", "resolve_values", "start_bounds", "check_start", "defined_at", "format_number",
           "with_changes", "Problems", "suited", "read_text"]

#: At most this many runs are compared at once (one colour each).
MAX_RUNS = 8
#: The loss plot's horizontal axis: optimizer steps, or cost (function + gradient evaluations).
LOSS_AXES = ("step", "cost")
#: The keys of the canonical dict, and of each of its runs.
KEYS = ("lesson", "surface", "surface_params", "start", "steps", "noise", "seed", "schedule", "schedule_params",
        "clip", "lossx", "reveal", "present", "runs")
RUN_KEYS = ("optimizer", "hyperparameters", "uid", "color", "conditions", "auto")
#: The conditions a run may set for itself (``schedule_params`` goes with ``schedule``).
CONDITION_KEYS = ("noise", "seed", "batch", "schedule", "schedule_params", "clip")

#: The surface the app opens on: the first of these that is registered.
_PREFERRED_SURFACES = ("rosenbrock", "beale")
#: Runs of the first view, each used only if its optimizer is registered (the first four that are).
#: Chosen to contrast on Rosenbrock: a crawling GD, an overshooting heavy ball, Adam and RMSProp.
_PREFERRED_RUNS = (
    ("gd", {"lr": 0.001}),
    ("momentum", {"lr": 0.001, "momentum": 0.9}),
    ("adam", {"lr": 0.1}),
    ("rmsprop", {"lr": 0.01}),
    ("nesterov", {"lr": 0.0008, "momentum": 0.95}),
    ("adamw", {"lr": 0.02}),
)
_DEFAULT_RUN_COUNT = 4


# -- values -----------------------------------------------------------------------------------------
def format_number(value: Any) -> str:
    """A number as the shortest text that reads back to the same value (``0.05``, ``1e-08``, ``300``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        text = repr(float(value)).replace("e+", "e")
        return text[:-2] if text.endswith(".0") else text
    return str(value)


_DECIMAL_COMMA = re.compile(r"\s*[+-]?\d+,\d+\s*")


def read_text(value: Any) -> Any:
    """What a number box or a link's value says, for the checkers: text with a decimal comma
    (``0,05``, as many keyboards write it) is read with a point; anything else is left as it is.
    The one reader of typed numbers: the controls and the links both go through it."""
    if isinstance(value, str) and _DECIMAL_COMMA.fullmatch(value):
        return value.replace(",", ".")
    return value


def validate_value(hp: Hyperparameter, value: Any, strict: bool = False) -> Any:
    """``hp.validate`` that never raises anything but ``ValueError`` and says "empty" rather than
    "None" for an empty box (a number box that holds no number reports ``None``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{hp.name} must be {hp.allowed}; the box is empty or holds no number")
    if not strict:
        value = read_text(value)
    try:
        return hp.validate(value, strict)
    except ValueError:
        raise
    except Exception:  # noqa: BLE001 - a forged value of an unexpected type
        raise ValueError(f"{hp.name} must be {hp.allowed}; got {shown(value)}") from None


class Problems(list):
    """The messages of one check.  ``add(what, then)`` records what was wrong; unless ``strict``
    it also says what the app did instead (``then``: "used the default 300")."""

    def __init__(self, strict: bool = False):
        super().__init__()
        self.strict = strict

    def add(self, what: str, then: str = "") -> None:
        what = what.rstrip(".")
        self.append(f"{what}; {then}." if then and not self.strict else f"{what}.")


def resolve_values(params: tuple[Hyperparameter, ...], given: Mapping[str, Any], owner: str,
                   problems: Problems, strict: bool = False) -> tuple[tuple[str, Any], ...]:
    """Every parameter of ``params``: the valid given values, defaults for the rest; a message in
    ``problems`` for each unknown name or bad value."""
    report = problems.add
    known = {h.name: h for h in params}
    for name in given:
        if name not in known:
            allowed = ", ".join(known) or "none"
            report(f"{owner} has no setting {shown(name)} (allowed: {allowed})", "ignored it")
    out = []
    for h in params:
        value = h.default
        if h.name in given:
            try:
                value = validate_value(h, given[h.name], strict)
            except ValueError as err:
                report(f"{owner}: {err}", f"used the default {format_number(h.default)}")
        out.append((h.name, value))
    return tuple(out)


def start_bounds(surface: surfaces.Surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where a start may lie: the plotting window widened by its own size on every side."""
    (x0, x1), (y0, y1) = surface.domain
    w, h = x1 - x0, y1 - y0
    return (x0 - w, x1 + w), (y0 - h, y1 + h)


def defined_at(surface: surfaces.Surface, x: float, y: float) -> bool:
    """Whether ``surface`` has a finite value at ``(x, y)`` (a typed formula may not: log(x), x < 0)."""
    return math.isfinite(surface.value(x, y))


def check_start(surface: surfaces.Surface, x: Any, y: Any, strict: bool = False) -> tuple[float, float]:
    """The start as two floats, or ``ValueError`` saying where it may lie: within
    :func:`start_bounds`, where the surface has a finite value (a typed formula may not)."""
    (xlo, xhi), (ylo, yhi) = start_bounds(surface)
    out = []
    for name, value, lo, hi in (("start x", x, xlo, xhi), ("start y", y, ylo, yhi)):
        number = as_float(value if strict else read_text(value), strict)
        if number is None or not math.isfinite(number) or not lo <= number <= hi:
            allowed = f"a number from {format_number(lo)} to {format_number(hi)} on {surface.title}"
            raise ValueError(f"{name} must be {allowed}; got {shown(value)}")
        out.append(number)
    if not defined_at(surface, out[0], out[1]):
        raise ValueError(f"{surface.title} is not defined at the start ({format_number(out[0])}, "
                         f"{format_number(out[1])}): start where f has a value (the coloured part of the map)")
    return out[0], out[1]


# -- records ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One run of the comparison: an optimizer with its own hyperparameters and a fixed colour,
    and the training conditions it sets for itself (``conditions``: pairs of ``noise``, ``seed``,
    ``schedule`` (with ``schedule_params``) and ``clip`` (``None``: no clipping), each overriding
    the shared one)."""

    uid: str
    optimizer: str
    hyperparameters: tuple[tuple[str, Any], ...]
    color: int
    conditions: tuple[tuple[str, Any], ...] = ()
    #: The app chose its hyperparameters (a default run, or one just added): a new surface then
    #: gives it the surface's own suggestions.  Never true for a run from a link or one the user set.
    #: Where a run came from is not what it shows: two runs that differ only here are equal.
    auto: bool = field(default=False, compare=False)

    @property
    def spec(self):
        return optimizers.get(self.optimizer)

    @property
    def values(self) -> dict:
        return dict(self.hyperparameters)

    def non_default(self) -> dict:
        """The hyperparameters that differ from the optimizer's defaults."""
        defaults = self.spec.defaults()
        return {k: v for k, v in self.hyperparameters if v != defaults.get(k)}


@dataclass(frozen=True)
class Config:
    """Everything a page shows; the URL and the browser's store hold exactly this."""

    surface: str
    surface_params: tuple[tuple[str, Any], ...]
    start: tuple[float, float]
    steps: int
    noise: float
    seed: int
    schedule: str
    schedule_params: tuple[tuple[str, Any], ...]
    clip: float | None
    runs: tuple[Run, ...]
    lossx: str = "step"
    #: The lesson this scene comes from (``optviz.lessons``), or "" for none.
    lesson: str = ""
    #: Playback draws the paths only up to the current step.
    reveal: bool = False
    #: Presentation mode: no control panel, larger fonts, lines and markers.
    present: bool = False

    # -- derived -----------------------------------------------------------------------------------
    def surface_obj(self) -> surfaces.Surface:
        return _surface(self.surface, self.surface_params)

    def schedule_arg(self, run: Run | None = None) -> dict | None:
        """The schedule of ``run`` (its own, or the shared one) as ``simulate`` takes it."""
        own = dict(run.conditions) if run is not None else {}
        name = own.get("schedule", self.schedule)
        params = own.get("schedule_params", ()) if "schedule" in own else self.schedule_params
        if name == "constant":
            return None
        return {"name": name, **dict(params)}

    def simulate_kwargs(self, run: Run | None = None) -> dict:
        """The keyword arguments of ``run``'s ``optviz.simulate`` but its hyperparameters: the
        shared conditions, overridden by the run's own."""
        own = dict(run.conditions) if run is not None else {}
        out = dict(start=self.start, steps=self.steps, noise=own.get("noise", self.noise),
                   seed=own.get("seed", self.seed), clip=own.get("clip", self.clip),
                   schedule=self.schedule_arg(run))
        points = self.surface_obj().data_size if "batch" in own else 0
        if points:   # a minibatch: only on the loss of a model on data
            out["batch_size"] = min(own["batch"], points)
        return out

    def run(self, uid: str) -> Run | None:
        return next((r for r in self.runs if r.uid == uid), None)

    def index(self, uid: str) -> int | None:
        return next((i for i, r in enumerate(self.runs) if r.uid == uid), None)

    # -- the canonical dict ------------------------------------------------------------------------
    def to_data(self) -> dict:
        return {
            "surface": self.surface, "surface_params": dict(self.surface_params),
            "start": list(self.start), "steps": self.steps, "noise": self.noise, "seed": self.seed,
            "schedule": self.schedule, "schedule_params": dict(self.schedule_params), "clip": self.clip,
            "lossx": self.lossx, "lesson": self.lesson, "reveal": self.reveal, "present": self.present,
            "runs": [_run_data(r) for r in self.runs],
        }

    @classmethod
    def from_data(cls, data: Any, strict: bool = False) -> tuple["Config", list[str]]:
        """The configuration ``data`` describes (the canonical dict, from any source, forged or
        not) and a message for each problem; bad parts take their defaults.  Never raises."""
        problems = Problems(strict)
        if not isinstance(data, Mapping):
            if data is not None:
                problems.add(f"the settings must be a JSON object (a dict); got {shown(data)}", "used the defaults")
            return default_config(), problems
        for key in data:
            if key not in KEYS:
                problems.add(f"unknown setting {shown(key)} (known: {', '.join(KEYS)})", "ignored it")
        get = data.get

        surface_name = get("surface")
        surface_given = get("surface_params")
        if surface_name is None:
            surface_name = default_surface()
        elif surface_name not in surfaces.names():
            problems.add(f"unknown surface {shown(surface_name)}; choose one of: {', '.join(surfaces.names())}",
                         f"showing {default_surface()}")
            surface_name, surface_given = default_surface(), None
        if surface_given is not None and not isinstance(surface_given, Mapping):
            problems.add(f"surface_params must be an object of parameter values; got {shown(surface_given)}",
                         "used the defaults")
            surface_given = None
        surface_params = resolve_values(surfaces.get(surface_name).parameters, surface_given or {},
                                        f"surface {surface_name!r}", problems, strict)
        try:
            surface = _surface(surface_name, surface_params)
        except ValueError as err:   # parameters valid one by one, not together (a typed formula's window)
            problems.add(f"surface {surface_name!r}: {err}", "used its default window")
            surface_params = _default_window(surface_name, surface_params)
            surface = _surface(surface_name, surface_params)

        start = surface.start
        raw = get("start")
        if isinstance(raw, (list, tuple)) and len(raw) == 2:
            try:
                start = check_start(surface, raw[0], raw[1], strict)
            except ValueError as err:
                problems.add(str(err), f"used the surface's start {format_number(start[0])},{format_number(start[1])}")
        elif raw is not None:
            problems.add(f"start must be a pair [x, y]; got {shown(raw)}", "used the surface's start")

        steps, noise, seed = (_checked(h, get(h.name), problems) for h in (STEPS, NOISE, SEED))
        clip = get("clip")
        if clip is not None:
            clip = _checked(CLIP, clip, problems, fallback=None)

        schedule = get("schedule")
        schedule_given = get("schedule_params")
        if schedule is None:
            schedule = "constant"
        elif schedule not in schedules.names():
            problems.add(f"unknown schedule {shown(schedule)}; choose one of: {', '.join(schedules.names())}",
                         "used a constant rate")
            schedule, schedule_given = "constant", None
        if schedule_given is not None and not isinstance(schedule_given, Mapping):
            problems.add(f"schedule_params must be an object of parameter values; got {shown(schedule_given)}",
                         "used the defaults")
            schedule_given = None
        schedule_params = resolve_values(schedules.get(schedule).parameters, schedule_given or {},
                                         f"schedule {schedule!r}", problems, strict)

        lossx = get("lossx")
        if lossx is None:
            lossx = "step"
        elif lossx not in LOSS_AXES:
            problems.add(f"lossx must be one of {', '.join(LOSS_AXES)}; got {shown(lossx)}", "used step")
            lossx = "step"

        lesson = get("lesson")
        if lesson is None:
            lesson = ""
        elif lesson != "" and lesson not in _lesson_names():
            problems.add(f"unknown lesson {shown(lesson)}; choose one of: {', '.join(_lesson_names())}", "showing none")
            lesson = ""
        reveal = _checked(_REVEAL, get("reveal"), problems)
        present = _checked(_PRESENT, get("present"), problems)

        raw_runs = get("runs")
        if raw_runs is None:
            runs = default_runs(surface)
        elif not isinstance(raw_runs, (list, tuple)):
            problems.add(f"runs must be a list of runs; got {shown(raw_runs)}", "showing no runs")
            runs = ()
        else:
            runs = _runs(raw_runs, problems, strict)

        config = cls(surface=surface_name, surface_params=surface_params, start=start, steps=steps, noise=noise,
                     seed=seed, schedule=schedule, schedule_params=schedule_params, clip=clip, runs=runs,
                     lossx=lossx, lesson=lesson, reveal=reveal, present=present)
        return config, problems


#: The reveal switch of the view, as a declared value (``on``/``off`` in a link).
_REVEAL = Hyperparameter("reveal", False, kind="bool", help="Draw the paths only up to the current step.")
_PRESENT = Hyperparameter("present", False, kind="bool",
                          help="Presentation mode: no control panel; larger fonts, lines and markers.")


def _lesson_names() -> list[str]:
    from optviz import lessons   # lessons are built from configurations
    return lessons.names()


def _run_data(run: Run) -> dict:
    data = {"uid": run.uid, "optimizer": run.optimizer, "hyperparameters": dict(run.hyperparameters),
            "color": run.color}
    if run.auto:
        data["auto"] = True
    if run.conditions:
        own = dict(run.conditions)
        if "schedule_params" in own:
            own["schedule_params"] = dict(own["schedule_params"])
        data["conditions"] = own
    return data


def _checked(hp: Hyperparameter, value: Any, problems: Problems, fallback: Any = ...) -> Any:
    default = hp.default if fallback is ... else fallback
    if value is None:
        return default
    try:
        return validate_value(hp, value, problems.strict)
    except ValueError as err:
        problems.add(str(err), f"used {format_number(default) if default is not None else 'off'}")
        return default


def describe_run(item: Any) -> str:
    """A run of the canonical dict as the URL writes it (``adam:lr=0.05``), for messages."""
    if not isinstance(item, Mapping):
        return shown(item)
    given = item.get("hyperparameters")
    text = str(item.get("optimizer"))
    if isinstance(given, Mapping) and given:
        text += ":" + ",".join(f"{k}={format_number(v)}" for k, v in given.items())
    return shown(text)


def _runs(items, problems: Problems, strict: bool) -> tuple[Run, ...]:
    runs: list[Run] = []
    for number, item in enumerate(items[:MAX_RUNS], 1):
        run = _run(item, number, runs, problems, strict)
        if run is not None:
            runs.append(run)
    if len(items) > MAX_RUNS:
        extra = len(items) - MAX_RUNS
        first = repr(describe_run(items[MAX_RUNS]))
        which = first if extra == 1 else f"{extra} runs, from {first} on"
        problems.add(f"at most {MAX_RUNS} runs can be compared", f"ignored {which}")
    return tuple(runs)


def _run(item: Any, number: int, taken: list[Run], problems: Problems, strict: bool) -> Run | None:
    if not isinstance(item, Mapping):
        problems.add(f"run {number} must be an object with an 'optimizer'; got {shown(item)}", "left that run out")
        return None
    for key in item:
        if key not in RUN_KEYS:
            problems.add(f"run {number} has an unknown setting {shown(key)} (known: {', '.join(RUN_KEYS)})",
                         "ignored it")
    name = item.get("optimizer")
    if name not in optimizers.names():
        problems.add(f"run {number}: unknown optimizer {shown(name)}; choose one of: {', '.join(optimizers.names())}",
                     "left that run out")
        return None
    spec = optimizers.get(name)
    given = item.get("hyperparameters")
    if given is not None and not isinstance(given, Mapping):
        problems.add(f"run {number} ({spec.title}): hyperparameters must be an object of values; got {shown(given)}",
                     "used the defaults")
        given = None
    values = resolve_values(spec.hyperparameters, given or {}, f"run {number} ({spec.title})", problems, strict)
    uid = item.get("uid")
    if not (isinstance(uid, str) and uid.startswith("r") and uid[1:].isdigit() and len(uid) < 12) \
            or uid in {r.uid for r in taken}:
        uid = next_uid(taken)
    color = item.get("color")
    if isinstance(color, bool) or not isinstance(color, int) or not 0 <= color < MAX_RUNS \
            or color in {r.color for r in taken}:
        color = free_color(taken)
    conditions = _conditions(item.get("conditions"), f"run {number} ({spec.title})", problems, strict)
    return Run(uid=uid, optimizer=name, hyperparameters=values, color=color, conditions=conditions,
               auto=item.get("auto") is True)


def _conditions(given: Any, owner: str, problems: Problems, strict: bool) -> tuple[tuple[str, Any], ...]:
    """A run's own conditions, checked by the same declarations as the shared ones; a bad one is
    left out (the run then follows the shared condition)."""
    if given is None:
        return ()
    if not isinstance(given, Mapping):
        problems.add(f"{owner}: conditions must be an object of noise, seed, batch, schedule, clip; got {shown(given)}",
                     "used the shared ones")
        return ()
    out: dict[str, Any] = {}
    for key in given:
        if key not in CONDITION_KEYS:
            problems.add(f"{owner}: unknown condition {shown(key)} (known: {', '.join(CONDITION_KEYS)})", "ignored it")
    for hp in (NOISE, SEED, BATCH):
        if given.get(hp.name) is not None:
            try:
                out[hp.name] = validate_value(hp, given[hp.name], strict)
            except ValueError as err:
                problems.add(f"{owner}: {err}", "used the shared one")
    if "clip" in given:
        try:
            out["clip"] = None if given["clip"] is None else validate_value(CLIP, given["clip"], strict)
        except ValueError as err:
            problems.add(f"{owner}: {err} (or null for no clipping)", "used the shared one")
    name = given.get("schedule")
    if name is not None:
        if name not in schedules.names():
            problems.add(f"{owner}: unknown schedule {shown(name)}; choose one of: {', '.join(schedules.names())}",
                         "used the shared one")
        else:
            params = given.get("schedule_params")
            if params is not None and not isinstance(params, Mapping):
                problems.add(f"{owner}: schedule_params must be an object of parameter values; got {shown(params)}",
                             "used the defaults")
                params = None
            out["schedule"] = name
            out["schedule_params"] = resolve_values(schedules.get(name).parameters, params or {},
                                                    f"{owner}: schedule {name!r}", problems, strict)
    elif given.get("schedule_params") is not None:
        problems.add(f"{owner}: schedule_params without a schedule", "ignored them")
    return tuple((k, out[k]) for k in CONDITION_KEYS if k in out)


# -- defaults and new runs ------------------------------------------------------------------------
def _surface(name: str, params: tuple[tuple[str, Any], ...]) -> surfaces.Surface:
    base = surfaces.get(name)
    if not params or params == base.values:
        return base
    return base.with_params(**dict(params))


def _default_window(name: str, params: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    """``params`` with the window's parameters (a typed formula's ``x_min`` ...) at their defaults."""
    defaults = dict(surfaces.get(name).values)
    return tuple((k, defaults[k] if k in surfaces.FORMULA_WINDOW else v) for k, v in params)


def default_surface() -> str:
    known = surfaces.names()
    return next((s for s in _PREFERRED_SURFACES if s in known), known[0])


def next_uid(runs) -> str:
    taken = [int(r.uid[1:]) for r in runs if r.uid[1:].isdigit()]
    return f"r{max(taken, default=-1) + 1}"


def free_color(runs) -> int:
    used = {r.color for r in runs}
    return next((c for c in range(MAX_RUNS) if c not in used), 0)


def new_run(runs, optimizer: str | None = None, given: Mapping[str, Any] | None = None) -> Run:
    """A run to add beside ``runs``: ``optimizer`` (default: the first registered optimizer not yet
    shown) with its spec's defaults overridden by ``given``; the first free colour."""
    names = optimizers.names()
    if optimizer is None:
        shown_names = {r.optimizer for r in runs}
        optimizer = next((n for n in names if n not in shown_names), names[0])
    spec = optimizers.get(optimizer)
    values = tuple(spec.resolve(dict(given or {})).items())
    return Run(uid=next_uid(runs), optimizer=optimizer, hyperparameters=values, color=free_color(runs))


def default_runs(surface: surfaces.Surface | None = None) -> tuple[Run, ...]:
    """The first view's runs (marked ``auto``), with ``surface``'s suggestions where it has some."""
    runs: list[Run] = []
    known = set(optimizers.names())
    for name, given in _PREFERRED_RUNS:
        if name in known and len(runs) < _DEFAULT_RUN_COUNT:
            spec = optimizers.get(name)
            usable = {k: v for k, v in given.items() if k in spec.defaults()}
            runs.append(new_run(runs, name, usable))
    for name in optimizers.names():  # too few of the preferred ones are registered
        if len(runs) >= min(_DEFAULT_RUN_COUNT, len(known)):
            break
        if name not in {r.optimizer for r in runs}:
            runs.append(new_run(runs, name))
    runs = [replace(r, auto=True) for r in runs]
    return tuple(suited(r, surface) for r in runs) if surface is not None else tuple(runs)


def suited(run: Run, surface: surfaces.Surface) -> Run:
    """``run`` with the hyperparameters ``surface`` suggests for its optimizer (those it does not
    name keep their values); unchanged when the surface suggests nothing for it."""
    given = surface.suggestions().get(run.optimizer)
    if not given:
        return run
    values = {**dict(run.hyperparameters), **given}
    return replace(run, hyperparameters=tuple(run.spec.resolve(values).items()))


def default_config(surface: str | None = None) -> Config:
    name = surface or default_surface()
    surf = surfaces.get(name)
    sched = schedules.get("constant")
    return Config(surface=name, surface_params=tuple(surf.values), start=tuple(surf.start), steps=STEPS.default,
                  noise=NOISE.default, seed=SEED.default, schedule=sched.name,
                  schedule_params=tuple((h.name, h.default) for h in sched.parameters), clip=None,
                  runs=default_runs(surf), lossx="step")


def with_changes(config: Config, **changes) -> Config:
    return replace(config, **changes)
