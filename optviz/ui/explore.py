"""Beyond one run: what many runs of one of the comparison's runs show (pure: no Dash).

=============  =====================================================================
sweep          the final loss (or the steps to a tolerance) over a grid of one or two
               of the run's hyperparameters; each cell is a run that can be added
basins         the minimum the run ends at from every start of a grid over the window,
               shaded by the steps it took
fan            the run repeated with gradient noise and ``n`` seeds: its spread
tune           the learning rate (and optionally one more hyperparameter) that reaches
               the lowest loss within the steps, applied to the run
=============  =====================================================================

Each view runs under the run's own conditions (start, steps, noise, schedule, clip), through
:mod:`optviz.grid`, and spends at most ``settings.GRID_WORK_LIMIT`` units of work, shared equally
by its cells, and ``settings.TIME_LIMIT`` seconds of CPU per thread; a cell that reaches its share
stops there and is drawn as stopped.  The panel's values are checked here (:func:`read_request`):
a bad one is reported with what is allowed and the view keeps what it showed.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping

import numpy as np
import plotly.graph_objects as go

import surfaces
from optviz import cache, grid, links, runner, settings
from optviz.config import Config, Run, format_number, read_text
from optviz.spec import Hyperparameter, OptimizerSpec, shown
from optviz.ui import figures
from optviz.ui.state import STEP_SIZE_FAMILIES

__all__ = ["TABS", "Axis", "Request", "read_request", "axis_choices", "default_axis", "sweep_run", "basins_run",
           "fan_run", "sweep_figure", "basins_figure", "fan_figure", "sweep_note", "basins_note", "fan_note",
           "cell_of_click", "tune_params", "to_link", "from_link", "run_of_link", "SWEEP_POINTS", "BASINS", "FAN",
           "FAN_NOISE", "NO_AXIS", "LINK_KEY"]

#: The panel's views, in the order of its tabs.
TABS = ("sweep", "basins", "fan")
#: The second axis of a sweep left out (a curve, not a heatmap).
NO_AXIS = ""
#: Values along each axis of a two-axis sweep (the default, and the most), and of a one-axis one.
SWEEP_POINTS = Hyperparameter("points", 40, 2, 120, kind="int", help="Values along this axis of the sweep.")
CURVE_POINTS = Hyperparameter("points", 80, 2, grid.AXIS_CAP, kind="int", help="Values along the swept axis.")
#: What a sweep's cells show.
MEASURES = ("loss", "steps")
TOL = Hyperparameter("tol", 1e-6, 0.0, 1e6, low_open=True, log=True,
                     help="A cell has converged when f - f* is at most this (f* the surface's lowest minimum).")
#: Starts along each side of a basin map in the app.
BASINS = Hyperparameter("resolution", 64, 2, 200, kind="int",
                        help="Starts along each side of the window (resolution x resolution runs).")
#: Runs in a noise fan, and the gradient noise it uses when its run has none.
FAN = Hyperparameter("runs", 16, 2, 32, kind="int", help="How many seeds the fan draws.")
FAN_NOISE = Hyperparameter("noise", 0.5, 0.0, 1e3, low_open=True, slider=(0.01, 50.0), log=True,
                           help="Standard deviation of the gradient noise of every run of the fan.")
#: Most steps x runs a fan keeps (every run's whole path is drawn): 8 bytes a coordinate.
FAN_POINTS_CAP = 1_000_000
#: Significant digits of a sweep's values: a cell's run carries exactly the value shown.
DIGITS = 4

#: Colours of the minima of a basin map (not the runs' colours: a basin is not a run).
BASIN_COLORS = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#80b1d3",
                "#bc80bd", "#fb8072")
NONE_COLOR = "#f2f2f2"
DIVERGED_COLOR = "#b2182b"
STOPPED_COLOR = "#9e9e9e"
#: The sweep's colours: dark is good (a low loss, few steps).
SWEEP_COLORSCALE = "Viridis"


# -- the panel's values -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Axis:
    """One axis of a sweep: ``points`` values of hyperparameter ``name`` from ``low`` to ``high``
    (log-spaced where the spec says log), rounded to :data:`DIGITS` significant digits."""
    name: str
    low: float
    high: float
    points: int

    def values(self, spec: OptimizerSpec) -> np.ndarray:
        hp = spec.hyperparameter(self.name)
        if hp.log and self.low > 0:
            raw = np.geomspace(self.low, self.high, self.points)
        else:
            raw = np.linspace(self.low, self.high, self.points)
        if hp.kind == "int":
            raw = np.round(raw)
        rounded = [float(f"{v:.{DIGITS}g}") for v in raw]
        return np.array(sorted(set(hp.validate(v) for v in rounded)), dtype=np.float64)


@dataclasses.dataclass(frozen=True)
class Request:
    """What the panel asks for: the run it explores, and each view's settings."""
    run: str
    x: Axis | None
    y: Axis | None
    measure: str
    tol: float
    resolution: int
    fan_runs: int
    fan_noise: float | None   # None: the run's own noise (or FAN_NOISE's default if it has none)

    def to_data(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_data(cls, data: Any) -> "Request | None":
        """The request a store holds (as :meth:`to_data` wrote it), checked again (a browser can
        send anything), or ``None``."""
        try:
            axes = []
            for key in ("x", "y"):
                given = data.get(key)
                if not given:
                    axes.append(None)
                    continue
                points = CURVE_POINTS.validate(given["points"], strict=True)
                low, high = (float(given[k]) for k in ("low", "high"))
                if not (isinstance(given["name"], str) and math.isfinite(low) and math.isfinite(high) and low < high):
                    return None
                axes.append(Axis(given["name"], low, high, points))
            if axes[1] is not None and (axes[0] is None or max(a.points for a in axes) > SWEEP_POINTS.high):
                return None   # two axes: at most SWEEP_POINTS.high values each
            noise = data.get("fan_noise")
            return cls(run=str(data["run"]), x=axes[0], y=axes[1],
                       measure=data["measure"] if data.get("measure") in MEASURES else "loss",
                       tol=TOL.validate(data["tol"], strict=True),
                       resolution=BASINS.validate(data["resolution"], strict=True),
                       fan_runs=FAN.validate(data["fan_runs"], strict=True),
                       fan_noise=None if noise is None else FAN_NOISE.validate(noise, strict=True))
        except (TypeError, KeyError, AttributeError, ValueError):
            return None


def axis_choices(spec: OptimizerSpec) -> list[dict]:
    return [{"label": h.name + (" (log scale)" if h.log else ""), "value": h.name} for h in grid.sweepable(spec)]


def default_axes(spec: OptimizerSpec) -> tuple[str, str]:
    """The sweep a run opens with: the learning rate against the next hyperparameter the spec
    lists (momentum, beta1, ...), or the learning rate alone."""
    names = [h.name for h in grid.sweepable(spec)]
    if not names:
        return NO_AXIS, NO_AXIS
    first = "lr" if "lr" in names else names[0]
    rest = [n for n in names if n != first]
    return first, rest[0] if rest else NO_AXIS


def default_axis(spec: OptimizerSpec, name: str) -> tuple[float, float]:
    """The range an axis opens with: the hyperparameter's slider range."""
    return spec.hyperparameter(name).slider_range


def _number(value: Any, hp: Hyperparameter, label: str, problems: list[str]) -> Any:
    try:
        return hp.validate(read_text(value))
    except ValueError as err:
        problems.append(f"{label}: {err}")
        return None


def read_request(config: Config, values: Mapping[str, Any], previous: Request | None = None
                 ) -> tuple[Request | None, list[str], set[str]]:
    """The panel's values (anything a browser sends) as a :class:`Request`, with a message for
    each value that is not allowed and the names of the fields that hold one; a part with a bad
    value keeps what ``previous`` (the last request, if for the same run) had, else its default.
    ``values`` has ``run``, ``x``, ``x_from``, ``x_to``, ``x_points``, ``y`` (and its three),
    ``measure``, ``tol``, ``resolution``, ``fan_runs`` and ``fan_noise``."""
    problems: list[str] = []
    invalid: set[str] = set()
    run = config.run(values.get("run")) if isinstance(values.get("run"), str) else None
    if run is None:
        if not config.runs:
            return None, ["add a run to explore it"], set()
        run = config.runs[0]
    spec = run.spec
    names = {h.name for h in grid.sweepable(spec)}
    axes = []
    for key in ("x", "y"):
        name = values.get(key)
        if key == "y" and name in (NO_AXIS, None):
            axes.append(None)
            continue
        if name not in names:
            problems.append(f"{spec.title} has no numeric hyperparameter {shown(name)} to sweep; it has "
                            f"{', '.join(sorted(names)) or 'none'}")
            invalid.add(key)
            axes.append(None)
            continue
        hp = spec.hyperparameter(name)
        low = _number(values.get(f"{key}_from"), hp, f"the sweep's {name} from", problems)
        high = _number(values.get(f"{key}_to"), hp, f"the sweep's {name} to", problems)
        points_hp = SWEEP_POINTS if values.get("y") not in (NO_AXIS, None) else CURVE_POINTS
        points = _number(values.get(f"{key}_points"), points_hp, f"the sweep's {name} points", problems)
        for field, value in (("from", low), ("to", high), ("points", points)):
            if value is None:
                invalid.add(f"{key}_{field}")
        if low is not None and high is not None and not low < high:
            problems.append(f"the sweep's {name} range must go from a smaller value to a larger one; got "
                            f"{format_number(low)} to {format_number(high)}")
            invalid |= {f"{key}_from", f"{key}_to"}
        if None in (low, high, points) or not low < high:
            axes.append(None)
            continue
        axes.append(Axis(name, float(low), float(high), int(points)))
    x, y = axes
    if x is not None and y is not None and x.name == y.name:
        problems.append(f"the sweep's two axes are both {x.name}: choose another for one of them, or none")
        invalid.add("y")
        y = None
    last = previous if previous is not None and previous.run == run.uid else None
    if last is not None and {"x", "x_from", "x_to", "x_points", "y", "y_from", "y_to", "y_points"} & invalid:
        x, y = last.x, last.y   # the sweep shown stays as it was
    measure = values.get("measure") if values.get("measure") in MEASURES else "loss"
    tol = _number(values.get("tol"), TOL, "the sweep's tolerance", problems)
    resolution = _number(values.get("resolution"), BASINS, "the basin map's resolution", problems)
    fan_runs = _number(values.get("fan_runs"), FAN, "the fan's seeds", problems)
    noise_text = values.get("fan_noise")
    fan_noise = None
    if noise_text is not None and str(noise_text).strip():
        fan_noise = _number(noise_text, FAN_NOISE, "the fan's noise σ", problems)
        if fan_noise is None:
            invalid.add("fan_noise")
            fan_noise = last.fan_noise if last is not None else None
    kept = {}
    for name, value, hp in (("tol", tol, TOL), ("resolution", resolution, BASINS), ("fan_runs", fan_runs, FAN)):
        if value is None:
            invalid.add(name)
            value = getattr(last, name) if last is not None else hp.default
        kept[name] = value
    request = Request(run=run.uid, x=x, y=y, measure=measure, fan_noise=fan_noise, **kept)
    return request, problems, invalid


# -- the share link ---------------------------------------------------------------------------------
#: The link's key for the panel (open, its view and its settings), e.g.
#: ``explore=sweep:run=2,y=momentum,x_points=60`` or ``explore=basins:resolution=100``.  Only what
#: differs from the panel's defaults for that run is written; ``run`` is the run's place in the
#: legend (1 = the first).  Not part of the configuration: the runs' links are unchanged by it.
LINK_KEY = "explore"
#: The link's names of the panel's fields (as :func:`read_request` names them).
LINK_FIELDS = {"run": "run", "x": "x", "x_from": "x_from", "x_to": "x_to", "x_points": "x_points", "y": "y",
               "y_from": "y_from", "y_to": "y_to", "y_points": "y_points", "measure": "measure", "tol": "tol",
               "resolution": "resolution", "seeds": "fan_runs", "noise": "fan_noise"}


def to_link(config: Config, request: Request, view: str) -> str:
    """The value of the link's ``explore`` key for the panel showing ``view`` with ``request``."""
    i = config.index(request.run)
    if view not in TABS or i is None:
        return ""
    spec = config.runs[i].spec
    parts: dict[str, Any] = {"run": i + 1} if i else {}
    if view == "sweep":
        defaults = dict(zip("xy", default_axes(spec)))
        for key, axis in (("x", request.x), ("y", request.y)):
            if axis is None:
                if key == "y" and defaults["y"] != NO_AXIS:
                    parts["y"] = "none"
                continue
            if axis.name != defaults[key]:
                parts[key] = axis.name
            low, high = default_axis(spec, axis.name)
            if axis.low != low:
                parts[f"{key}_from"] = format_number(axis.low)
            if axis.high != high:
                parts[f"{key}_to"] = format_number(axis.high)
            if axis.points != SWEEP_POINTS.default:
                parts[f"{key}_points"] = axis.points
        if request.measure != "loss":
            parts["measure"] = request.measure
        if request.tol != TOL.default:
            parts["tol"] = format_number(request.tol)
    elif view == "basins" and request.resolution != BASINS.default:
        parts["resolution"] = request.resolution
    elif view == "fan":
        if request.fan_runs != FAN.default:
            parts["seeds"] = request.fan_runs
        if request.fan_noise is not None:
            parts["noise"] = format_number(request.fan_noise)
    return view + (":" + ",".join(f"{k}={v}" for k, v in parts.items()) if parts else "")


def from_link(search: Any) -> tuple[str | None, dict, list[str]]:
    """``(view, values, problems)`` of a link's ``explore`` key: the view to open (``None``: the
    panel stays closed), the panel's fields as :func:`read_request` names them (``run`` is still
    the run's place in the legend, as text) and what could not be read.  Never raises."""
    from urllib.parse import parse_qsl
    if not isinstance(search, str):
        return None, {}, []
    given = [v for k, v in parse_qsl(search[:20_000].lstrip("?"), keep_blank_values=True) if k == LINK_KEY]
    if not given:
        return None, {}, []
    problems = [f"{LINK_KEY} is given twice; used the first."] if len(given) > 1 else []
    view, given_values, more = links.read_named(given[0])   # view:name=value,... as the link's other keys
    if view not in TABS:
        return None, {}, problems + [f"explore must be one of {', '.join(TABS)} (then :name=value,...); got "
                                     f"{shown(view, 40)}; the panel stays closed."]
    problems += [f"explore: {p}" for p in more]
    values: dict[str, Any] = {}
    for name, value in given_values.items():
        if name not in LINK_FIELDS:
            problems.append(f"explore: {shown(name, 40)} is not one of {', '.join(LINK_FIELDS)}; ignored it.")
            continue
        values[LINK_FIELDS[name]] = NO_AXIS if name == "y" and value == "none" else value
    return view, values, problems


def run_of_link(config: Config, place: Any) -> Run | None:
    """The run at ``place`` (1-based, as text) in ``config``'s legend, or ``None``."""
    try:
        i = int(str(place).strip())
    except ValueError:
        return None
    return config.runs[i - 1] if 1 <= i <= len(config.runs) else None


# -- running ----------------------------------------------------------------------------------------
def _key(kind: str, config: Config, run: Run, *extra) -> tuple:
    """A grid's cache key: its run's (``runner.run_key``), the grid work limit and the grid's own
    settings."""
    return (kind, *runner.run_key(config, run)[1:], settings.GRID_WORK_LIMIT, *extra)


def _cached(key: tuple, compute, statuses):
    """``compute()``, kept in the process's cache under ``key`` unless ``statuses(result)`` (its
    cells' or runs' statuses) has one stopped on the time limit: a slow moment is not the answer."""
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = compute()
    if "time_limit" not in set(statuses(value)):
        cache.put(key, value)
    return value


def _cell_statuses(result) -> list:
    return np.asarray(result.status).ravel().tolist()


def sweep_run(config: Config, run: Run, x: Axis, y: Axis | None, tol: float) -> grid.Sweep:
    """The sweep of ``run`` over ``x`` (and ``y``), under the run's conditions."""
    spec = run.spec
    axes = {a.name: a.values(spec) for a in (x, y) if a is not None}
    cells = int(np.prod([len(v) for v in axes.values()]))
    fixed = {k: v for k, v in run.hyperparameters if k not in axes}

    def compute():
        return grid.sweep(run.optimizer, config.surface_obj(), grid=axes, tol=tol,
                          work_limit=runner.grid_share(cells), time_limit=settings.TIME_LIMIT,
                          **config.simulate_kwargs(run), **fixed)

    return _cached(_key("sweep", config, run, x, y, tol), compute, _cell_statuses)


def basins_run(config: Config, run: Run, resolution: int) -> grid.Basins:
    """The basin map of ``run`` over the surface's window."""
    kwargs = config.simulate_kwargs(run)
    kwargs.pop("start")

    def compute():
        return grid.basins(run.optimizer, config.surface_obj(), resolution=resolution,
                           work_limit=runner.grid_share(resolution ** 2), time_limit=settings.TIME_LIMIT, **kwargs,
                           **dict(run.hyperparameters))

    return _cached(_key("basins", config, run, resolution), compute, _cell_statuses)


#: A fan's noise, when neither the panel nor the run sets one: this fraction of the gradient's
#: norm at the start (noise much smaller than the gradient draws one line).
FAN_NOISE_FRACTION = 0.05


def fan_noise(config: Config, run: Run, noise: float | None) -> float:
    """The fan's noise: as asked; else the run's own (shared or its own), which is none for a run on
    minibatches (each seed draws its own batches); else a twentieth of the gradient's norm at the
    start (2 significant digits; FAN_NOISE's default where that is 0)."""
    if noise is not None:
        return noise
    kwargs = config.simulate_kwargs(run)
    if kwargs["noise"] > 0 or kwargs.get("batch_size", math.inf) < config.surface_obj().data_size:
        return kwargs["noise"]   # its own noise, or none beside its minibatches (the seeds draw them)
    gx, gy = config.surface_obj().gradient(*config.start)
    size = FAN_NOISE_FRACTION * math.hypot(gx, gy)
    if not (math.isfinite(size) and size > 0):
        return FAN_NOISE.default
    return float(f"{min(max(size, FAN_NOISE.slider[0]), FAN_NOISE.high):.2g}")


def fan_run(config: Config, run: Run, runs: int, noise: float | None) -> grid.Fan:
    """``runs`` seeds of ``run`` with gradient noise; ``ValueError`` if they would keep too many points."""
    if runs * (config.steps + 1) > FAN_POINTS_CAP:
        raise ValueError(f"a fan of {runs} runs x {config.steps:,} steps is too large to draw: at most "
                         f"{FAN_POINTS_CAP:,} runs x steps; take fewer steps or runs")
    kwargs = config.simulate_kwargs(run)
    kwargs["noise"] = fan_noise(config, run, noise)

    def compute():
        return grid.fan(run.optimizer, config.surface_obj(), n=runs, work_limit=runner.grid_share(runs),
                        time_limit=settings.TIME_LIMIT / runs, **kwargs, **dict(run.hyperparameters))

    return _cached(_key("fan", config, run, runs, kwargs["noise"]), compute,
                   lambda fan: [traj.status for traj in fan.runs])


#: The settings "tune" may search beside the learning rate: how much of the past a step keeps.
MOMENTUM_LIKE = ("momentum", "beta1", "alpha", "rho")


def tune_params(spec: OptimizerSpec, second: bool) -> tuple[str, ...]:
    """What "tune" searches: the learning rate, and with ``second`` the run's momentum-like
    setting (momentum, beta1, alpha or rho) if it has one.  Empty where ``lr`` is not the step
    size."""
    names = {h.name for h in grid.sweepable(spec)}
    if "lr" not in names or spec.family not in STEP_SIZE_FAMILIES:   # elsewhere lr is a first trial or a damping
        return ()
    other = next((n for n in MOMENTUM_LIKE if n in names and spec.hyperparameter(n).kind == "float"), None)
    return ("lr", other) if second and other else ("lr",)


# -- clicking a cell ----------------------------------------------------------------------------------
def cell_of_click(click: Any, cells: Any) -> dict | None:
    """``{name: value}`` of the sweep cell a click on the sweep's figure hit (``click`` is Plotly's
    clickData; ``cells`` what :func:`sweep_cells` stored), or ``None``.  The click's coordinates
    are matched to the nearest value of each axis, so the run gets exactly that cell's values."""
    try:
        point = click["points"][0]
        names, values, logs = cells["names"], cells["values"], cells["log"]
        coords = [point["x"], point["y"]][:len(names)]
        out = {}
        for name, axis, log, c in zip(names, values, logs, coords):
            axis = np.asarray(axis, dtype=np.float64)
            drawn = np.log10(axis) if log else axis
            c = float(c)
            if not math.isfinite(c):
                return None
            out[name] = float(axis[int(np.argmin(np.abs(drawn - c)))])
        return out if len(out) == len(names) else None
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def sweep_cells(run: Run, result: grid.Sweep) -> dict:
    """What a click on the sweep needs: the swept run, the axes and how they are drawn.  (The
    panel follows the configuration, so the run a click adds is the swept run as it is now.)"""
    spec = run.spec
    return {"run": run.uid, "optimizer": run.optimizer, "names": list(result.names), "values": [v.tolist() for v in result.values],
            "log": [_drawn_log(spec.hyperparameter(n), v) for n, v in zip(result.names, result.values)]}


def _drawn_log(hp: Hyperparameter, values: np.ndarray) -> bool:
    return bool(hp.log and (values > 0).all())


# -- figures ------------------------------------------------------------------------------------------
def _layout(scale: float, **extra) -> dict:
    return figures._base_layout(scale, **extra)


def _axis_ticks(values: np.ndarray, log: bool) -> dict:
    """Axis properties for values drawn as ``log10(value)`` (ticks labelled in real values) or as they are."""
    if not log:
        return {}
    lo, hi = math.log10(values.min()), math.log10(values.max())
    decades = list(range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1))
    if len(decades) < 2:
        ticks = [math.log10(m * 10.0 ** k) for k in range(math.floor(lo) - 1, math.ceil(hi) + 1) for m in (1, 2, 5)]
        ticks = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
    else:
        step = max(1, math.ceil(len(decades) / 6))
        ticks = [float(k) for k in decades[::step]]
    return dict(tickvals=ticks, ticktext=[figures._real_label(10.0 ** t) for t in ticks])


def _measured(surface: surfaces.Surface, result: grid.Sweep, measure: str):
    """``(z, shown, title, log)``: what the cells' colours show (``z``) and their hover (``shown``).
    The final loss is shown as ``f - f*`` (coloured on a log scale) where the surface's lowest value
    is known, else as ``f``."""
    if measure == "steps":
        shown = result.steps_to_tol.astype(np.float64)
        return np.where(shown >= 0, shown, np.nan), shown, f"steps to f − f* ≤ {result.tol:g}", False
    f_star = surface.minimum_value
    if f_star is None:
        return result.final_loss.astype(np.float64), result.final_loss.astype(np.float64), "final f", False
    gap = result.final_loss - f_star
    return np.log10(np.maximum(gap, 1e-16)), gap, "final f − f*", True


def sweep_figure(surface: surfaces.Surface, spec: OptimizerSpec, result: grid.Sweep, measure: str,
                 current: Mapping[str, Any], color: str, scale: float = 1.0) -> go.Figure:
    """The sweep as a heatmap over two hyperparameters (or a curve over one): dark cells are good
    (a low final loss, few steps); diverged cells are red, cells stopped on the work limit grey,
    and the run's own setting is ringed in its colour."""
    names, values = result.names, result.values
    logs = [_drawn_log(spec.hyperparameter(n), v) for n, v in zip(names, values)]
    drawn = [np.log10(v) if log else v for v, log in zip(values, logs)]
    z, raw, title, zlog = _measured(surface, result, measure)
    diverged = result.diverged
    stopped = np.isin(result.status, ("work_limit", "time_limit"))
    good = ~diverged & ~stopped & np.isfinite(z)
    here = [current.get(n) for n in names]
    here_drawn = [math.log10(v) if log and isinstance(v, (int, float)) and v > 0 else v
                  for v, log in zip(here, logs)]
    axes = [dict(title=dict(text=n + (" (log scale)" if log else ""), standoff=4), showgrid=False,
                 **_axis_ticks(v, log)) for n, v, log in zip(names, values, logs)]
    hover_value = "%{customdata[0]:.4g}"
    done = result.steps_done.astype(np.float64)
    if len(names) == 1:
        (x,), (name,) = drawn, names
        shown_z = np.where(good, z, np.nan)
        top = np.nanmax(shown_z) if np.isfinite(shown_z).any() else 1.0
        measure_text = "%{customdata[1]:.0f}" if measure == "steps" else "%{customdata[1]:.3g}"
        traces = [figures._trace("scatter", x=x.tolist(), y=shown_z.tolist(), mode="lines+markers",
                                 line=dict(color=color, width=2 * scale), marker=dict(size=5 * scale, color=color),
                                 customdata=np.column_stack([values[0], raw]).tolist(),
                                 hovertemplate=f"{name} = {hover_value}<br>{title} = {measure_text}"
                                               "<extra>click: add this run</extra>",
                                 meta={"role": "cells"}, name=title)]
        for mask, label, symbol, col in ((diverged, "diverged", "x", DIVERGED_COLOR),
                                         (stopped, "stopped on the work limit", "square-open", STOPPED_COLOR)):
            if mask.any():
                traces.append(figures._trace(
                    "scatter", x=x[mask].tolist(), y=[top] * int(mask.sum()), mode="markers", name=label,
                    marker=dict(symbol=symbol, size=9 * scale, color=col, line=dict(width=2, color=col)),
                    customdata=np.column_stack([values[0][mask], done[mask]]).tolist(),
                    hovertemplate=f"{name} = {hover_value}<br>{label} (step %{{customdata[1]:.0f}})"
                                  "<extra>click: add this run</extra>", meta={"role": label.split()[0]}))
        shapes = []
        if isinstance(here_drawn[0], (int, float)):
            shapes.append(dict(type="line", x0=here_drawn[0], x1=here_drawn[0], yref="paper", y0=0, y1=1,
                               line=dict(color=color, width=2, dash="dot")))
        yaxis = dict(title=dict(text=title + (" (log scale)" if zlog else ""), standoff=4))
        if zlog:
            finite = shown_z[np.isfinite(shown_z)]
            if finite.size:
                yaxis.update(_axis_ticks(10.0 ** np.array([finite.min(), finite.max()]), True))
        layout = _layout(scale, xaxis=axes[0], yaxis=yaxis, shapes=shapes, margin=dict(l=64, r=16, t=12, b=48),
                         clickmode="event")
        return figures._figure(traces, layout)

    x, y = drawn
    Z = z.T   # the heatmap's rows are the second axis
    good_t, div_t, stop_t = good.T, diverged.T, stopped.T
    X, Y = np.meshgrid(values[0], values[1])
    custom = np.stack([X, Y, raw.T, done.T], axis=-1)
    zmin, zmax = (float(np.nanmin(Z[good_t])), float(np.nanmax(Z[good_t]))) if good_t.any() else (0.0, 1.0)
    colorbar = dict(title=dict(text=title + (" (log)" if zlog else ""), side="right"), thickness=14, outlinewidth=0,
                    xpad=6)
    if zlog:
        decades = list(range(math.ceil(zmin), math.floor(zmax) + 1))
        step = max(1, math.ceil(len(decades) / 7))
        colorbar.update(tickvals=decades[::step], ticktext=[f"1e{k}" if k else "1" for k in decades[::step]])
    value_text = "%{customdata[2]:.3g}" if measure != "steps" else "%{customdata[2]:.0f}"
    cell = f"{names[0]} = %{{customdata[0]:.4g}}, {names[1]} = %{{customdata[1]:.4g}}<br>"
    traces = [figures._trace(
        "heatmap", x=x.tolist(), y=y.tolist(), z=np.where(good_t, Z, np.nan).tolist(), customdata=custom.tolist(),
        colorscale=SWEEP_COLORSCALE, zmin=zmin, zmax=zmax if zmax > zmin else zmin + 1, colorbar=colorbar,
        hoverongaps=False, name=title, meta={"role": "cells"},
        hovertemplate=cell + f"{title} = {value_text}<extra>click: add this run</extra>")]
    if measure == "steps":
        never = ~result.diverged & ~stopped & ~np.isfinite(z)
        masks = ((never.T, "not within tol", "#e8e8e8"), (div_t, "diverged", DIVERGED_COLOR),
                 (stop_t, "stopped on the work limit", STOPPED_COLOR))
    else:
        masks = ((div_t, "diverged", DIVERGED_COLOR), (stop_t, "stopped on the work limit", STOPPED_COLOR))
    for mask, label, col in masks:
        if mask.any():
            traces.append(figures._trace(
                "heatmap", x=x.tolist(), y=y.tolist(), z=np.where(mask, 1.0, np.nan).tolist(),
                customdata=custom.tolist(), colorscale=[[0, col], [1, col]], showscale=False, hoverongaps=False,
                name=label, meta={"role": label.split()[0]},
                hovertemplate=cell + f"{label} (step %{{customdata[3]:.0f}})<extra>click: add this run</extra>"))
    if all(isinstance(v, (int, float)) for v in here_drawn):
        traces.append(figures._trace(
            "scatter", x=[here_drawn[0]], y=[here_drawn[1]], mode="markers", name="this run",
            marker=dict(symbol="circle-open", size=16 * scale, color=color, line=dict(width=3 * scale, color=color)),
            hovertemplate=f"the run's own setting: {names[0]} = {format_number(here[0])}, "
                          f"{names[1]} = {format_number(here[1])}<extra></extra>", meta={"role": "current"}))
    legend = [(DIVERGED_COLOR, "diverged"), (STOPPED_COLOR, "stopped (work limit)")]
    if measure == "steps":
        legend.insert(0, ("#e8e8e8", f"never within {result.tol:g}"))
    layout = _layout(scale, xaxis=dict(axes[0], range=_edges(x)), yaxis=dict(axes[1], range=_edges(y)),
                     margin=dict(l=64, r=16, t=28, b=48), clickmode="event",
                     annotations=[_key_note(legend, scale)])
    return figures._figure(traces, layout)


def _edges(centres: np.ndarray) -> list[float]:
    """The outer edges of heatmap cells centred on ``centres`` (so no cell is cut in half)."""
    if len(centres) < 2:
        return [float(centres[0]) - 0.5, float(centres[0]) + 0.5]
    return [float(centres[0] - (centres[1] - centres[0]) / 2), float(centres[-1] + (centres[-1] - centres[-2]) / 2)]


def _key_note(items, scale: float) -> dict:
    """A one-line key above a figure: ■ colour label, ..."""
    text = "   ".join(f"<span style='color:{c}'>■</span> {label}" for c, label in items)
    return dict(text=text, xref="paper", yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
                showarrow=False, font=dict(size=round(13 * scale)))


def sweep_note(run_label: str, surface: surfaces.Surface, result: grid.Sweep, measure: str) -> str:
    """One sentence above the sweep: what it shows, what is best, how many diverged."""
    cells = result.final_loss.size
    what = ("steps to f − f* ≤ " + f"{result.tol:g}" if measure == "steps" else
            "final f − f*" if surface.minimum_value is not None else "final f")
    text = (f"{run_label}, {result.steps:,} steps from its start: {what} for {cells:,} settings of "
            f"{' and '.join(result.names)}.")
    stopped_mask = np.isin(result.status, ("work_limit", "time_limit"))
    loss = np.where(result.diverged | stopped_mask | ~np.isfinite(result.final_loss), np.inf, result.final_loss)
    if np.isfinite(loss).any():
        index = np.unravel_index(int(np.argmin(loss)), loss.shape)
        setting = ", ".join(f"{n} = {format_number(float(v[i]))}" for n, v, i in zip(result.names, result.values, index))
        f_star = surface.minimum_value
        lowest = f"final f − f*: {loss[index] - f_star:.3g}" if f_star is not None else f"final f: {loss[index]:.3g}"
        text += f" Lowest {lowest} at {setting}" + (" (of the cells that finished)." if stopped_mask.any() else ".")
    diverged = int(result.diverged.sum())
    if diverged:
        text += f" {diverged:,} diverged."
    if measure == "steps" and surface.minimum_value is None:
        text += " This surface has no known lowest value, so no cell can count steps to it: show the final loss."
    stopped = int(np.isin(result.status, ("work_limit", "time_limit")).sum())
    if stopped:
        text += (f" {stopped:,} stopped on the limit (a view may do {settings.GRID_WORK_LIMIT:,} units of work, "
                 f"shared by its cells): take fewer steps or points.")
    return text + " Click a cell to add it as a run."


def _shade(hex_color: str, amount: float) -> str:
    """``hex_color`` darkened by ``amount`` (0: as it is, 1: black)."""
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    k = 1 - amount
    return f"rgb({round(r * k)},{round(g * k)},{round(b * k)})"


#: How a basin map names and marks a point where runs come to rest (a surface with no known minima).
REST_MARKS = {"minimum": ("min", "star-open"), "saddle point": ("saddle", "x-thin-open"),
              "maximum": ("max", "triangle-up-open"), "valley floor": ("floor", None)}
_PLURAL = {"minimum": "minima", "saddle point": "saddle points", "maximum": "maxima", "valley floor": "valley floors"}


def basins_figure(surface: surfaces.Surface, result: grid.Basins, start, scale: float = 1.0) -> go.Figure:
    """Every start of the grid coloured by the minimum its run ends at (pale grey: none; red:
    diverged), darker the more steps it took; the minima as stars and the runs' start as a ring.
    On a surface with no known minima the colours are the points where the runs came to rest
    (``result.resting``), marked by kind (a valley floor by the runs' ends along it), and the
    shade is even (a run's settling step is measured only against known minima).  The key is a
    legend below the map, which wraps on a phone (a colour bar beside it took half the width)."""
    rest = result.resting
    if rest is None:
        places, minimum = result.minima, result.minimum
        names = [f"minimum ({x:.3g}, {y:.3g})" for x, y in places] + ["no known minimum", "diverged"]
        keys = [f"({x:.3g}, {y:.3g})" for x, y in places] + ["none", "diverged"]
    else:
        places, minimum = [tuple(point) for point in rest.points], rest.label
        names = [f"rests at a {kind} ({x:.3g}, {y:.3g})" for kind, (x, y) in zip(rest.kinds, places)] + \
                ["still moving after its steps", "diverged"]
        keys = [REST_MARKS[kind][0] + (f" {rest.kinds[:k + 1].count(kind)}" if rest.kinds.count(kind) > 1 else "")
                for k, kind in enumerate(rest.kinds)] + ["moving", "diverged"]
    m = len(places)
    categories = m + 2                                    # the minima, none, diverged
    code = np.where(minimum >= 0, minimum, np.where(minimum == grid.NONE, m, m + 1))
    steps = np.maximum(result.steps, 0).astype(np.float64)
    most = max(float(steps.max()), 1.0)
    depth = np.log1p(steps) / math.log1p(most) if rest is None else np.zeros_like(steps)   # 0: at once, 1: slowest
    darkest = 0.55 if rest is None else 0.0
    z = code + 0.98 * depth
    colors = [BASIN_COLORS[c % len(BASIN_COLORS)] if c < m else (NONE_COLOR if c == m else DIVERGED_COLOR)
              for c in range(categories)]
    scale_points: list = []
    for c, base in enumerate(colors):
        lo, hi = c / categories, (c + 0.98) / categories
        scale_points += [[lo, _shade(base, 0.0)], [hi, _shade(base, 0.0 if c == m + 1 else darkest)]]
        if c + 1 < categories:
            scale_points.append([(c + 1) / categories - 1e-9, _shade(base, darkest)])
    scale_points[-1][0] = 1.0
    labels = np.array(names, dtype=object)
    verb = np.where((minimum >= 0) & (rest is None), "settled after ", "ran ").astype(object)
    hover = labels[code] + "<br>" + verb + steps.astype(np.int64).astype(str).astype(object) + " steps"
    heat = figures._trace(
        "heatmap", x=result.xs.tolist(), y=result.ys.tolist(), z=z.astype(np.float32), zmin=0, zmax=categories,
        colorscale=scale_points, showscale=False, text=hover.tolist(), name="basins", meta={"role": "basins"},
        hovertemplate="start (%{x:.3g}, %{y:.3g})<br>%{text}<extra></extra>")
    traces = [*figures._trace_dicts([heat]), figures._minima_trace(surface)]
    if rest is not None:
        traces += _rest_traces(rest, result.final_xy, scale)
    traces.append(figures._trace("scatter", x=[start[0]], y=[start[1]], mode="markers", name="the runs' start",
                                 marker=dict(symbol="circle-open", size=14 * scale, color="#222",
                                             line=dict(width=2.5)),
                                 hovertemplate="the runs' start (%{x:.3g}, %{y:.3g})<extra></extra>",
                                 meta={"role": "start"}))
    for trace in traces:
        trace["showlegend"] = False   # the key below lists colours only
    keyed = categories <= KEY_CAP
    if keyed:   # one swatch per colour, in the legend only (no points)
        traces += [figures._trace("scatter", x=[None], y=[None], mode="markers", name=key, showlegend=True,
                                  marker=dict(symbol="square", size=13 * scale, color=_shade(color, shade),
                                              line=dict(width=0.5, color="#888")),
                                  hoverinfo="skip", meta={"role": "key"})
                   # a minimum's cells run from light (at once) to dark; a start that reaches none ran
                   # every step (darkest); a diverged one is never shaded
                   for key, color, shade in zip(keys, colors, [darkest / 2] * m + [darkest, 0.0])]
    layout = _layout(scale,
                     xaxis=dict(range=_edges(result.xs), title=dict(text="start x", standoff=4), showgrid=False,
                                constrain="domain"),
                     yaxis=dict(range=_edges(result.ys), title=dict(text="start y", standoff=4), showgrid=False,
                                scaleanchor="x", scaleratio=1, constrain="domain"),
                     showlegend=keyed,
                     legend=dict(orientation="h", x=0, xanchor="left", y=-0.22, yanchor="top", itemclick=False,
                                 itemdoubleclick=False, title=dict(text="rests at:" if rest is not None else "ends at:"),
                                 font=dict(size=round(12 * scale)), itemwidth=30),
                     margin=dict(l=48, r=8, t=12, b=40))
    return figures._figure(traces, layout)


#: Most colours a basin map's key lists (more are told apart by hovering).
KEY_CAP = 14


def _rest_traces(rest: grid.RestingPoints, final_xy: np.ndarray, scale: float) -> list:
    """One marker trace per kind of resting point; a valley floor is a curve, drawn by the runs'
    ends on it (at most 600 of them)."""
    traces = []
    for kind, (_, symbol) in REST_MARKS.items():
        at = np.array([point for point, k in zip(rest.points, rest.kinds) if k == kind]).reshape(-1, 2)
        if not len(at):
            continue
        if symbol is None:
            ends = final_xy[rest.label == rest.kinds.index(kind)]
            ends = ends[:: max(1, len(ends) // 600)]
            traces.append(figures._trace(
                "scatter", x=ends[:, 0].tolist(), y=ends[:, 1].tolist(), mode="markers", name="valley floor",
                marker=dict(symbol="circle", size=4 * scale, color="#222"),
                hovertemplate="a run rests on the valley floor at (%{x:.4g}, %{y:.4g})<extra></extra>",
                meta={"role": "rest"}))
            continue
        traces.append(figures._trace(
            "scatter", x=at[:, 0].tolist(), y=at[:, 1].tolist(), mode="markers", name=f"{kind} where runs rest",
            marker=dict(symbol=symbol, size=15 * scale, color="#222", line=dict(width=2, color="#222")),
            hovertemplate=f"runs rest at a {kind} (%{{x:.4g}}, %{{y:.4g}})<extra></extra>", meta={"role": "rest"}))
    return traces


def basins_note(run_label: str, surface: surfaces.Surface, result: grid.Basins) -> str:
    n = result.minimum.size
    diverged = int((result.minimum == grid.DIVERGES).sum())
    none = int((result.minimum == grid.NONE).sum())
    starts = f"{run_label} from each of {len(result.xs)} × {len(result.ys)} starts over the window"
    rest = result.resting
    if rest is not None:
        moving = int((rest.label == grid.NONE).sum())
        found = ", ".join(f"{count} {_PLURAL[kind] if count > 1 else kind}"
                          for kind in REST_MARKS for count in [rest.kinds.count(kind)] if count)
        text = (f"{starts}. "
                + ("The minima of a typed formula are not known" if surface.formula is not None else
                   "This surface lists no minima")
                + ", so the colour is where each run came to rest (where the gradient is under a thousandth of its "
                  "typical size on the window)" + (f": {found}." if found else ": no run came to rest."))
        if any(kind in ("saddle point", "maximum") for kind in rest.kinds):
            text += " A run can rest wherever the gradient vanishes, not only at a minimum."
        if rest.untold:
            text += (f" {rest.untold:,} runs rest at further points, past the {len(rest.points)} the map tells apart: "
                     f"they are drawn as still moving.")
            moving -= rest.untold
        tail = [f"{_percent(moving, n)} of the starts are still moving after their steps"] if moving else []
        tail += [f"{_percent(diverged, n)} diverge"] if diverged else []
        text += (" " + "; ".join(tail)[0].upper() + "; ".join(tail)[1:] + ".") if tail else ""
    else:
        text = f"{starts}: the colour is the minimum it ends at, darker the more steps it took to settle there."
        if not result.minima:
            text += " This surface lists no minima, so the map shows only which starts diverge and how long each ran."
        else:
            reached = sum(1 for k in range(len(result.minima)) if (result.minimum == k).any())
            text += f" {reached} of {len(result.minima)} minima are reached"
            text += f"; {_percent(none, n)} of the starts reach none" if none else ""
            text += f"; {_percent(diverged, n)} diverge" if diverged else ""
            text += "."
    stopped = int(np.isin(result.status, ("work_limit", "time_limit")).sum())
    if stopped:
        text += f" {stopped:,} starts stopped on the work limit: take fewer steps or a lower resolution."
    return text


def _percent(k: int, n: int) -> str:
    """``k`` of ``n`` as a percentage that is never rounded to 0 % or 100 % when it is not."""
    share = 100 * k / n
    if 0 < share < 1:
        return "under 1%"
    if 99 < share < 100:
        return "over 99%"
    return f"{share:.0f}%"


def fan_figure(surface: surfaces.Surface, result: grid.Fan, start, color: str, scale: float = 1.0) -> go.Figure:
    """The map with every seed's path drawn thin and translucent, the mean path bold, and where
    each run ended."""
    fig = figures.contour_figure(surface, [], start)
    xs: list = []
    ys: list = []
    ends = []
    for traj in result.runs:   # thinned by shape, as the map's paths are
        shown_xy = traj.xy[figures.map_steps(surface, traj)]
        xs += shown_xy[:, 0].tolist() + [None]
        ys += shown_xy[:, 1].tolist() + [None]
        ends.append(traj.xy[-1])
    mean = result.mean[np.isfinite(result.mean).all(axis=1)]
    mean = mean[figures.map_points(surface, mean)]
    ends = np.array(ends).reshape(-1, 2)
    fig.add_traces([
        go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=figures._rgba(color, 0.28), width=1.2 * scale),
                   name="each seed", hoverinfo="skip", meta={"role": "fan"}),
        go.Scatter(x=ends[:, 0], y=ends[:, 1], mode="markers", name="where each seed ended",
                   marker=dict(size=5 * scale, color=figures._rgba(color, 0.7)), meta={"role": "ends"},
                   hovertemplate="a seed ended at (%{x:.3g}, %{y:.3g})<extra></extra>"),
        go.Scatter(x=mean[:, 0], y=mean[:, 1], mode="lines", name="mean path",
                   line=dict(color=color, width=3.5 * scale), meta={"role": "mean"},
                   hovertemplate="mean of the seeds (%{x:.3g}, %{y:.3g})<extra></extra>"),
    ])
    # no colour bar: the fan is about the spread, and on a phone the bar took a fifth of the map
    fig.update_traces(showscale=False, selector=dict(type="contour"))
    fig.update_layout(uirevision=None)
    return fig


def fan_note(run_label: str, result: grid.Fan, noise: float, auto: bool = False, batch: int | None = None) -> str:
    ends = np.array([traj.xy[-1] for traj in result.runs])
    finite = ends[np.isfinite(ends).all(axis=1)]
    diverged = sum(1 for traj in result.runs if traj.diverged)
    source = [f"minibatches of {batch} points"] if batch is not None else []
    source += [f"gradient noise σ = {format_number(noise)}"] if noise > 0 or batch is None else []
    text = (f"{run_label} with {' and '.join(source)}, seeds {result.seeds[0]} to "
            f"{result.seeds[-1]}: each seed's path in a thin line, their mean in bold.")
    if auto:
        text += " (σ is chosen from the gradient's size at the start, as the run has no noise: set it in “noise σ”.)"
    if len(finite) > 1:
        spread = float(np.sqrt(((finite - finite.mean(axis=0)) ** 2).sum(axis=1).mean()))
        text += f" The end points spread over {spread:.3g} (root-mean-square distance from their mean)."
    if diverged:
        text += f" {diverged} of {len(result.runs)} diverged."
    return text
