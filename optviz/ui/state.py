"""The app's configuration: what the URL encodes, what the controls edit, what the figures show.

A :class:`Config` is a small frozen record.  Everything that reaches it from outside (a URL, the
browser's copy in a ``dcc.Store``, a control's value) goes through the validators here, which
return the value or a message naming what was wrong and what is allowed; a bad part falls back to
its default and everything valid is kept.

The app's global settings are :class:`~optviz.spec.Hyperparameter` records, like an optimizer's,
so one set of helpers validates them, builds their controls and writes them to the URL.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from typing import Any, Mapping

import surfaces
from optviz import optimizers, schedules
from optviz.spec import STEPS_CAP, Hyperparameter

__all__ = ["Config", "Run", "STEPS", "NOISE", "SEED", "CLIP", "MAX_RUNS", "LOSS_AXES", "default_config",
           "default_surface", "default_runs", "new_run", "run_label", "validate_value", "start_bounds",
           "check_start", "format_number"]

#: At most this many runs are compared at once (one colour each).
MAX_RUNS = 8

STEPS = Hyperparameter("steps", 300, 1, STEPS_CAP, kind="int", help="How many optimizer steps each run takes.")
NOISE = Hyperparameter("noise", 0.0, 0.0, 1e3, slider=(0.0, 5.0),
                       help="Standard deviation of Gaussian noise added to each gradient component "
                            "(a picture of stochastic gradients).")
SEED = Hyperparameter("seed", 0, 0, 2 ** 32 - 1, kind="int", help="Seed of the gradient noise: the same seed gives the same path.")
CLIP = Hyperparameter("clip", 10.0, 0.0, 1e6, low_open=True, log=True, slider=(1e-2, 1e3),
                      help="Rescale the gradient to at most this norm before each step.")
#: The loss plot's horizontal axis: optimizer steps, or cost (function + gradient evaluations).
LOSS_AXES = ("step", "cost")

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


def validate_value(hp: Hyperparameter, value: Any) -> Any:
    """``hp.validate`` that never raises anything but ``ValueError`` and says "empty" rather than
    "None" for an empty box (a number box that holds no number reports ``None``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{hp.name} must be {hp.allowed}; the box is empty or holds no number")
    try:
        return hp.validate(value)
    except ValueError:
        raise
    except Exception:  # noqa: BLE001 - a forged value of an unexpected type
        raise ValueError(f"{hp.name} must be {hp.allowed}; got {value!r}") from None


def resolve_values(params: tuple[Hyperparameter, ...], given: Mapping[str, Any], owner: str,
                   problems: list[str]) -> tuple[tuple[str, Any], ...]:
    """Every parameter of ``params``: the valid given values, defaults for the rest; a message in
    ``problems`` for each unknown name or bad value."""
    known = {h.name: h for h in params}
    for name in given:
        if name not in known:
            allowed = ", ".join(known) or "none"
            problems.append(f"{owner} has no setting {name!r} (allowed: {allowed}); ignored it.")
    out = []
    for h in params:
        value = h.default
        if h.name in given:
            try:
                value = validate_value(h, given[h.name])
            except ValueError as err:
                problems.append(f"{owner}: {err}; used the default {format_number(h.default)}.")
        out.append((h.name, value))
    return tuple(out)


def start_bounds(surface: surfaces.Surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where a start may lie: the plotting window widened by its own size on every side."""
    (x0, x1), (y0, y1) = surface.domain
    w, h = x1 - x0, y1 - y0
    return (x0 - w, x1 + w), (y0 - h, y1 + h)


def check_start(surface: surfaces.Surface, x: Any, y: Any) -> tuple[float, float]:
    """The start as two floats, or ``ValueError`` saying where it may lie."""
    (xlo, xhi), (ylo, yhi) = start_bounds(surface)
    out = []
    for name, value, lo, hi in (("start x", x, xlo, xhi), ("start y", y, ylo, yhi)):
        allowed = f"a number from {format_number(lo)} to {format_number(hi)} on {surface.title}"
        try:
            number = float(value.strip()) if isinstance(value, str) else value
        except ValueError:
            raise ValueError(f"{name} must be {allowed}; got {value!r}") from None
        if isinstance(number, bool) or not isinstance(number, numbers.Real) or not math.isfinite(number) \
                or not lo <= number <= hi:
            raise ValueError(f"{name} must be {allowed}; got {value!r}")
        out.append(float(number))
    return out[0], out[1]


# -- records ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One run of the comparison: an optimizer with its own hyperparameters and a fixed colour."""

    uid: str
    optimizer: str
    hyperparameters: tuple[tuple[str, Any], ...]
    color: int

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

    # -- derived -----------------------------------------------------------------------------------
    def surface_obj(self) -> surfaces.Surface:
        return _surface(self.surface, self.surface_params)

    def schedule_arg(self) -> dict | None:
        if self.schedule == "constant":
            return None
        return {"name": self.schedule, **dict(self.schedule_params)}

    def simulate_kwargs(self) -> dict:
        """The keyword arguments shared by every run's ``optviz.simulate``."""
        return dict(start=self.start, steps=self.steps, noise=self.noise, seed=self.seed,
                    clip=self.clip, schedule=self.schedule_arg())

    def run(self, uid: str) -> Run | None:
        return next((r for r in self.runs if r.uid == uid), None)

    def index(self, uid: str) -> int | None:
        return next((i for i, r in enumerate(self.runs) if r.uid == uid), None)

    # -- the browser's copy -----------------------------------------------------------------------
    def to_data(self) -> dict:
        return {
            "surface": self.surface, "surface_params": dict(self.surface_params),
            "start": list(self.start), "steps": self.steps, "noise": self.noise, "seed": self.seed,
            "schedule": self.schedule, "schedule_params": dict(self.schedule_params), "clip": self.clip,
            "lossx": self.lossx,
            "runs": [{"uid": r.uid, "optimizer": r.optimizer, "hyperparameters": dict(r.hyperparameters),
                      "color": r.color} for r in self.runs],
        }

    @classmethod
    def from_data(cls, data: Any) -> tuple["Config", list[str]]:
        """Rebuild a config from the browser's copy, which a script may have forged: every part is
        validated, bad parts take defaults and are reported."""
        problems: list[str] = []
        if not isinstance(data, Mapping):
            return default_config(), ([] if data is None else ["the stored settings were unreadable; used the defaults."])
        get = data.get
        surface_name = get("surface")
        if surface_name not in surfaces.names():
            problems.append(f"unknown surface {surface_name!r}; known: {', '.join(surfaces.names())}.")
            surface_name = default_surface()
        sp = get("surface_params")
        surface_params = resolve_values(surfaces.get(surface_name).parameters, sp if isinstance(sp, Mapping) else {},
                                        f"surface {surface_name!r}", problems)
        surface = _surface(surface_name, surface_params)
        start = surface.start
        raw = get("start")
        if isinstance(raw, (list, tuple)) and len(raw) == 2:
            try:
                start = check_start(surface, raw[0], raw[1])
            except ValueError as err:
                problems.append(f"{err}; used the surface's start.")
        elif raw is not None:
            problems.append(f"start must be a pair [x, y]; got {raw!r}.")
        steps, noise, seed = (_checked(h, get(h.name), problems) for h in (STEPS, NOISE, SEED))
        clip = get("clip")
        if clip is not None:
            clip = _checked(CLIP, clip, problems, fallback=None)
        schedule = get("schedule", "constant")
        if schedule not in schedules.names():
            problems.append(f"unknown schedule {schedule!r}; known: {', '.join(schedules.names())}.")
            schedule = "constant"
        scp = get("schedule_params")
        schedule_params = resolve_values(schedules.get(schedule).parameters, scp if isinstance(scp, Mapping) else {},
                                         f"schedule {schedule!r}", problems)
        lossx = get("lossx", "step")
        if lossx not in LOSS_AXES:
            problems.append(f"lossx must be one of {', '.join(LOSS_AXES)}; got {lossx!r}.")
            lossx = "step"
        runs: list[Run] = []
        raw_runs = get("runs")
        if not isinstance(raw_runs, list):
            raw_runs = []
            problems.append("the stored runs were unreadable; dropped them.")
        for item in raw_runs[:MAX_RUNS]:
            run = _run_from_data(item, runs, problems)
            if run is not None:
                runs.append(run)
        if len(raw_runs) > MAX_RUNS:
            problems.append(f"at most {MAX_RUNS} runs; dropped the rest.")
        config = cls(surface=surface_name, surface_params=surface_params, start=start, steps=steps, noise=noise,
                     seed=seed, schedule=schedule, schedule_params=schedule_params, clip=clip, runs=tuple(runs),
                     lossx=lossx)
        return config, problems


def _checked(hp: Hyperparameter, value: Any, problems: list[str], fallback: Any = ...) -> Any:
    if value is None and fallback is ...:
        return hp.default
    try:
        return validate_value(hp, value)
    except ValueError as err:
        default = hp.default if fallback is ... else fallback
        problems.append(f"{err}; used {format_number(default) if default is not None else 'off'}.")
        return default


def _run_from_data(item: Any, taken: list[Run], problems: list[str]) -> Run | None:
    if not isinstance(item, Mapping):
        problems.append(f"a stored run was unreadable ({item!r}); dropped it.")
        return None
    name = item.get("optimizer")
    if name not in optimizers.names():
        problems.append(f"unknown optimizer {name!r}; known: {', '.join(optimizers.names())}. Dropped that run.")
        return None
    hp = item.get("hyperparameters")
    values = resolve_values(optimizers.get(name).hyperparameters, hp if isinstance(hp, Mapping) else {},
                            f"{optimizers.get(name).title}", problems)
    uid = item.get("uid")
    used_uids = {r.uid for r in taken}
    if not (isinstance(uid, str) and uid.startswith("r") and uid[1:].isdigit() and len(uid) < 12) or uid in used_uids:
        uid = next_uid(taken)
    color = item.get("color")
    used_colors = {r.color for r in taken}
    if isinstance(color, bool) or not isinstance(color, int) or not 0 <= color < MAX_RUNS or color in used_colors:
        color = free_color(taken)
    return Run(uid=uid, optimizer=name, hyperparameters=values, color=color)


# -- defaults and new runs ------------------------------------------------------------------------
def _surface(name: str, params: tuple[tuple[str, Any], ...]) -> surfaces.Surface:
    base = surfaces.get(name)
    if not params or params == base.values:
        return base
    return base.with_params(**dict(params))


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
        shown = {r.optimizer for r in runs}
        optimizer = next((n for n in names if n not in shown), names[0])
    spec = optimizers.get(optimizer)
    values = tuple(spec.resolve(dict(given or {})).items())
    return Run(uid=next_uid(runs), optimizer=optimizer, hyperparameters=values, color=free_color(runs))


def default_runs() -> tuple[Run, ...]:
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
    return tuple(runs)


def default_config(surface: str | None = None) -> Config:
    name = surface or default_surface()
    surf = surfaces.get(name)
    sched = schedules.get("constant")
    return Config(surface=name, surface_params=tuple(surf.values), start=tuple(surf.start), steps=STEPS.default,
                  noise=NOISE.default, seed=SEED.default, schedule=sched.name,
                  schedule_params=tuple((h.name, h.default) for h in sched.parameters), clip=None,
                  runs=default_runs(), lossx="step")


def run_label(run: Run) -> str:
    """The legend entry of a run: its optimizer's title, ``lr`` and any other hyperparameter that
    differs from the default (``Adam lr=0.05 beta1=0.8``)."""
    spec = run.spec
    values = run.values
    shown = {}
    if "lr" in values:
        shown["lr"] = values["lr"]
    shown.update(run.non_default())
    parts = []
    for name, value in shown.items():
        if isinstance(value, bool):
            parts.append(name if value else f"no {name}")
        elif isinstance(value, str):
            parts.append(f"{name}={value}")
        else:
            parts.append(f"{name}={_short(value)}")
    if len(parts) > 3:
        parts = parts[:3] + ["…"]
    return " ".join([spec.title.split(" (")[0]] + parts)


def _short(value: float) -> str:
    return format_number(value) if isinstance(value, int) else f"{value:.4g}"


def with_changes(config: Config, **changes) -> Config:
    return replace(config, **changes)


__all__ += ["with_changes", "next_uid", "free_color", "resolve_values"]
