"""Figures: pure functions from a surface and some runs to Plotly figures (no Dash, no I/O).

Every view draws each run in the same colour.  Each run contributes a *path* trace (its whole
trajectory, drawn from the start) and a *marker* trace (where it is at the current step); the
marker's ``meta`` names its path trace, so the browser can move markers during playback by
reading the path it already has (see ``assets/optviz.js``), without asking the server.

Arrays are sent as float32 and never contain NaN or inf: values beyond float32's range are
clipped, and a diverged run ends at its last finite iterate with an X.
"""
from __future__ import annotations

import math
import dataclasses
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from _plotly_utils.utils import convert_to_base64

import surfaces
from optviz import cache
from optviz.ui import thinning
from optviz.spec import HESSIAN_COST, Trajectory

__all__ = ["RunView", "COLORS", "SYMBOLS", "MAX_POINTS", "contour_figure", "contour_run_traces",
           "surface3d_figure", "surface3d_run_traces", "loss_figure", "distance_figure", "map_steps", "series_steps",
           "level_transform", "diverged_label", "stopped_label", "surface_key", "static_trace_count"]

#: Okabe-Ito's colour-blind-safe palette, yellow replaced by Tol's wine (yellow vanishes on a
#: light map and on projectors; Tol's olive, tried first, came within ΔE00 5 of the vermillion for
#: deuteranopes); in order of contrast against the map.  tests/test_app_a11y.py checks every pair
#: stays 10 apart under simulated protanopia, deuteranopia and tritanopia.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255")
#: Marker shapes, so runs differ by more than colour.
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "pentagon", "hexagon", "star-diamond", "triangle-down")
#: WebGL draws 3-D markers as font glyphs: "x" is an emoji most fonts lack, so it is not used.
SYMBOLS_3D = ("circle", "square", "diamond", "cross", "circle-open", "square-open", "diamond-open", "circle")
#: At most this many points of a path are sent to the browser (see optviz.ui.thinning).
MAX_POINTS = thinning.LIMIT
CONTOUR_GRID = 160
#: Paths in the 3-D view float this fraction of the height range above the surface.
LIFT = 0.03
SURFACE_GRID = 150
FONT = dict(family="Lato, system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", size=15,
            color="#1f2d3d")
#: The map's colours: light where f is low (the runs' colours stand out there), a muted blue-grey
#: where it is high.
MAP_COLORSCALE = [[0.0, "#ffffff"], [0.25, "#edf2f7"], [0.5, "#d9e3ed"], [0.75, "#c1d0df"], [1.0, "#a7bbcf"]]
_F32_MAX = 1e37


@dataclass(frozen=True, eq=False)
class RunView:
    """What a figure needs to know about one run."""

    uid: str
    label: str
    color: str
    symbol_index: int
    trajectory: Trajectory
    #: Playback draws the path only up to the current step (assets/optviz.js, reveal mode).
    reveal: bool = False
    #: Lines, markers and fonts grow by this factor (presentation mode: 1.4).
    scale: float = 1.0

    @property
    def legend(self) -> str:
        if self.trajectory.diverged:
            return f"{self.label} ({diverged_label(self.trajectory)})"
        if self.trajectory.status in ("work_limit", "time_limit"):
            return f"{self.label} ({stopped_label(self.trajectory)})"
        return self.label


def _path_meta(rv: RunView) -> dict:
    """What optviz.js needs to know about a path trace (``reveal`` only when it is on); the
    step of each drawn point is the trace's ``customdata``."""
    meta = {"role": "path", "run": rv.uid}
    if rv.reveal:
        meta["reveal"] = True
    return meta


def diverged_label(traj: Trajectory) -> str:
    return f"diverged at step {traj.steps + 1}"


def stopped_label(traj: Trajectory) -> str:
    """The legend's note for a run stopped on the request's work or time limit."""
    return f"stopped at step {traj.steps:,} ({traj.status.replace('_', ' ')})"


# -- helpers ---------------------------------------------------------------------------------------
def _f32(values) -> np.ndarray:
    """float32 with no NaN or inf (values beyond float32 clipped)."""
    a = np.asarray(values, dtype=np.float64)
    a = np.nan_to_num(a, nan=0.0, posinf=_F32_MAX, neginf=-_F32_MAX)
    return np.clip(a, -_F32_MAX, _F32_MAX).astype(np.float32)


def _f32_gaps(values) -> np.ndarray:
    """float32 keeping NaN (a gap in a line), other values as :func:`_f32`."""
    a = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(a), np.float32(np.nan), _f32(a)).astype(np.float32)


def map_steps(surface: surfaces.Surface, traj: Trajectory) -> np.ndarray:
    """The steps of a run the map (and the 3-D view) draw: thinned by shape in the plotting
    window (see :mod:`optviz.ui.thinning`); for Nelder-Mead, by its whole simplex."""
    simplex = _simplex(traj)
    return map_points(surface, traj.xy, *(simplex.T if simplex is not None else ()))


def map_points(surface: surfaces.Surface, xy: np.ndarray, *more: np.ndarray) -> np.ndarray:
    """The rows of a path ``xy`` (n, 2) the map draws, thinned by shape in the plotting window;
    ``more`` are further (x, y, x, y, ...) columns a row is kept for when they move."""
    (x0, x1), (y0, y1) = surface.domain
    span = max(x1 - x0, y1 - y0)
    columns = [xy[:, 0], xy[:, 1], *more]
    return thinning.thin(*[(c - (x0 if i % 2 == 0 else y0)) / span for i, c in enumerate(columns)])


def series_steps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The points a line plot draws of one run's ``(x, y)`` (y already on the plot's scale:
    log10 on a log axis), thinned by shape with both axes spanning 1."""
    def unit(a):
        finite = a[np.isfinite(a)]
        span = float(finite.max() - finite.min()) if finite.size else 0.0
        return (a - (finite.min() if finite.size else 0.0)) / (span if span > 0 else 1.0)
    return thinning.thin(unit(np.asarray(x, dtype=np.float64)), unit(np.asarray(y, dtype=np.float64)))


def _at(step: int, steps: np.ndarray) -> int:
    """The index of the last drawn point at or before ``step`` (assets/optviz.js does the same)."""
    return int(min(max(np.searchsorted(steps, step, side="right") - 1, 0), len(steps) - 1))


def surface_key(surface: surfaces.Surface) -> tuple:
    return (surface.name, tuple(surface.values))


@dataclasses.dataclass(frozen=True)
class Terrain:
    """What the views draw of one surface, computed from the surface itself once (then cached by
    :func:`surface_key`: a built-in's name and parameters, a typed formula's text and window):
    the map's grid, where ``f`` is undefined on it, the 3-D view's grid, and the level transform
    (``log``: values span decades, so levels are ``log10(f - floor + eps)``)."""
    xs: np.ndarray          #: the map's grid (CONTOUR_GRID points a side)
    ys: np.ndarray
    Z: np.ndarray           #: f on it, NaN where not finite
    undefined: np.ndarray   #: where f is NaN (undefined), not merely too large (inf)
    xs3: np.ndarray         #: the 3-D view's grid (SURFACE_GRID points a side)
    ys3: np.ndarray
    Z3: np.ndarray
    log: bool
    floor: float
    eps: float
    z_range: tuple[float, float]   #: the 3-D view's heights (transformed), low and high
    mesh: np.ndarray               #: the 3-D view's transformed heights, clipped to z_range; NaN where undefined


def _forward(log: bool, floor: float, eps: float):
    """The map's level transform: ``log10(f - floor + eps)`` where the values span decades, else ``f``."""
    if not log:
        return lambda f: np.asarray(f, dtype=np.float64)
    return lambda f: np.log10(np.maximum(np.asarray(f, dtype=np.float64) - floor, 0.0) + eps)


def terrain(surface: surfaces.Surface) -> Terrain:
    """The :class:`Terrain` of ``surface`` (from the byte-bounded cache when it was drawn before)."""
    key = ("terrain", *surface_key(surface))
    found = cache.get(key)
    if found is not None:
        return found
    xs, ys, raw = surface.grid(CONTOUR_GRID)
    xs3, ys3, raw3 = surface.grid(SURFACE_GRID)
    Z = np.where(np.isfinite(raw), raw, np.nan)
    finite = Z[np.isfinite(Z)]
    zmin = float(finite.min()) if finite.size else 0.0
    zmax = float(finite.max()) if finite.size else 1.0
    fmin = surface.minimum_value
    floor = min(zmin, fmin) if fmin is not None else zmin
    log, eps = bool(surface.log_scale), max((zmax - floor) * 1e-6, 1e-12)
    Z3 = np.where(np.isfinite(raw3), raw3, np.nan)
    T3 = _forward(log, floor, eps)(Z3)
    heights = T3[np.isfinite(T3)]
    lo, hi = (float(heights.min()), float(heights.max())) if heights.size else (0.0, 1.0)
    hi = max(hi, lo + 1e-9)
    found = Terrain(xs=xs, ys=ys, Z=Z, undefined=np.isnan(raw), xs3=xs3, ys3=ys3, Z3=Z3, log=log, floor=floor,
                    eps=eps, z_range=(lo, hi),
                    # too large (inf) is drawn at the top; undefined (NaN: log(x) at x < 0) is a hole, as
                    # on the map (it was a plateau at the top)
                    mesh=np.clip(np.where(np.isfinite(Z3) | np.isnan(raw3), T3, hi), lo, hi))
    cache.put(key, found)
    return found


def level_transform(surface: surfaces.Surface):
    """``(forward, ticks)`` for the values the map colours: ``log10(f - f_floor + eps)`` on
    surfaces whose values span decades (``surface.log_scale``), else ``f`` itself.
    ``ticks(lo, hi)`` gives tick positions in transformed units and their labels in real values
    (decades of ``f - f_floor`` on a log map)."""
    t = terrain(surface)
    log, floor, eps = t.log, t.floor, t.eps
    forward = _forward(log, floor, eps)
    if not log:
        def ticks(lo, hi, n=6):
            vals = _nice_ticks(lo, hi, n)
            return vals, [f"{v:.3g}" for v in vals]
        return forward, ticks

    def ticks(lo, hi, n=6):
        decades = [k for k in range(math.floor(lo) - 1, math.ceil(hi) + 2)
                   if lo <= math.log10(10.0 ** k + eps) <= hi and 10.0 ** k >= 3 * eps]
        if len(decades) > n:
            step = math.ceil(len(decades) / n)
            decades = decades[::-1][::step][::-1]
        vals = [math.log10(10.0 ** k + eps) for k in decades]
        return vals, [_real_label(floor + 10.0 ** k) for k in decades]

    return forward, ticks


def _real_label(v: float) -> str:
    if v != 0 and (abs(v) >= 1e4 or abs(v) < 1e-3):
        return f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
    if abs(v) >= 1 and float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _nice_ticks(lo: float, hi: float, n: int) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _map_levels(surface: surfaces.Surface):
    """Contour start/end/size and colourbar ticks (labelled in real values)."""
    forward, ticks = level_transform(surface)
    T = forward(terrain(surface).Z)
    finite = T[np.isfinite(T)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    log = terrain(surface).log
    size = (0.25 if hi - lo <= 6 else 0.5) if log else (hi - lo) / 20
    tickvals, ticktext = ticks(lo, hi, 8)
    return T, dict(start=lo + size / 2, end=hi, size=size), tickvals, ticktext


_AXIS = dict(gridcolor="#e6ebf1", linecolor="#aab7c4", showline=True, zeroline=False, ticks="outside",
             tickcolor="#aab7c4", ticklen=4, automargin=True)


def _scale_of(runs: Sequence[RunView]) -> float:
    """The size factor of a figure's lines, markers and fonts (every run of a figure shares it)."""
    return runs[0].scale if runs else 1.0


def _base_layout(scale: float = 1.0, **extra) -> dict:
    """Shared look (no named template: a template would add kilobytes to every response); fonts
    grow by ``scale`` (presentation mode)."""
    layout = dict(
        font=dict(FONT, size=round(FONT["size"] * scale)), showlegend=False, hovermode="closest",
        paper_bgcolor="white", plot_bgcolor="white", margin=dict(l=56, r=16, t=36, b=48),
        hoverlabel=dict(font_size=round(14 * scale)), colorway=list(COLORS),
    )
    for key, value in extra.items():
        if key in ("xaxis", "yaxis") and isinstance(value, dict):
            value = {**_AXIS, **value}
        layout[key] = value
    return layout


def _trace(kind: str, **props) -> dict:
    """A trace as a plain dict (validated by the unit tests through ``go.Figure``; building
    ``go.Scatter`` objects here would cost a validation pass on every update)."""
    return dict(type=kind, **props)


def _figure(data: list, layout: dict) -> go.Figure:
    return go.Figure(data=data, layout=layout, _validate=False)


def _trace_dicts(traces) -> list[dict]:
    out = [dict(t) for t in traces]
    convert_to_base64(out)
    return out


# -- the 2-D map -----------------------------------------------------------------------------------
def static_trace_count(surface: surfaces.Surface) -> int:
    """How many traces come before the runs' traces in the map and the 3-D view."""
    return 3


def _minima_trace(surface, z=None, three_d=False):
    """Known minima: the global ones as large gold stars, local ones small and pale (Rastrigin
    lists 121 of them: they must not bury the paths)."""
    minima = np.asarray(surface.minima, dtype=np.float64).reshape(-1, 2)
    values = np.array([surface.value(x, y) for x, y in minima])
    best = values.min() if len(values) else 0.0
    is_global = np.isclose(values, best, rtol=1e-9, atol=1e-9)
    local = "local minimum" if len(minima) > 1 else "minimum"
    text = [f"{'global minimum' if g and len(minima) > 1 else local} ({x:.4g}, {y:.4g})<br>f = {v:.4g}"
            for (x, y), v, g in zip(minima, values, is_global)]
    many = len(minima) > 12
    common = dict(mode="markers", name="known minima", hovertemplate="%{text}<extra></extra>", text=text,
                  meta={"role": "minima"})
    colors = np.where(is_global, "#FFD700", "#fbeeb0").tolist()
    if three_d:
        sizes = np.where(is_global, 7, 2.5 if many else 4).tolist()
        return _trace("scatter3d", x=_f32(minima[:, 0]), y=_f32(minima[:, 1]), z=_f32(z if z is not None else []),
                      marker=dict(size=sizes, color=colors, symbol="diamond", line=dict(width=1, color="#333")),
                      **common)
    sizes = np.where(is_global, 20, 7 if many else 11).tolist()
    return _trace("scatter", x=_f32(minima[:, 0]), y=_f32(minima[:, 1]),
                  marker=dict(symbol="star", size=sizes, color=colors, opacity=np.where(is_global, 1.0, 0.75).tolist(),
                              line=dict(width=np.where(is_global, 1.5, 0.6).tolist(), color="#333")),
                  **common)


def _start_trace(start, three_d=False, z=None):
    common = dict(mode="markers", name="start", hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>",
                  meta={"role": "start"})
    if three_d:
        return _trace("scatter3d", x=[start[0]], y=[start[1]], z=[z], marker=dict(size=5, color="white",
                                                                          line=dict(width=2, color="#222")), **common)
    return _trace("scatter", x=[start[0]], y=[start[1]],
                      marker=dict(symbol="circle", size=13, color="white", line=dict(width=3, color="#222")), **common)


def _inside(surface: surfaces.Surface, xy: np.ndarray) -> np.ndarray:
    """Which points of ``xy`` (shape ``(n, 2)``) lie in the plotting window."""
    (x0, x1), (y0, y1) = surface.domain
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)


def exit_point(surface: surfaces.Surface, xy: np.ndarray) -> tuple[float, float]:
    """Where a diverged path is marked on the map: its last finite point if that lies in the
    plotting window, else the point where the path last crossed the window's edge."""
    (x0, x1), (y0, y1) = surface.domain
    inside = _inside(surface, xy)
    if inside[-1]:
        return float(xy[-1, 0]), float(xy[-1, 1])
    if not inside.any():
        return float(np.clip(xy[-1, 0], x0, x1)), float(np.clip(xy[-1, 1], y0, y1))
    j = int(np.flatnonzero(inside)[-1])
    return _edge(surface, xy[j], xy[j + 1])


def _edge(surface: surfaces.Surface, a, b) -> tuple[float, float]:
    """The point where the step from ``a`` (inside the window) to ``b`` (outside) crosses its edge."""
    (x0, x1), (y0, y1) = surface.domain
    (ax, ay), (bx, by) = a, b
    t = 1.0  # the largest fraction of the step that stays inside
    for p, q, lo, hi in ((ax, bx, x0, x1), (ay, by, y0, y1)):
        if q > hi:
            t = min(t, (hi - p) / (q - p))
        elif q < lo:
            t = min(t, (lo - p) / (q - p))
    return float(ax + t * (bx - ax)), float(ay + t * (by - ay))


def start_trace(surface: surfaces.Surface, start, three_d: bool = False) -> dict:
    """The start's marker (the last of the static traces, so a patch can move it)."""
    if not three_d:
        return _start_trace(start)
    _, _, sz = _lifted(surface, np.asarray([start], dtype=np.float64), np.array([surface.value(*start)]))
    return _start_trace(start, True, float(sz[0]))


def _simplex(traj: Trajectory) -> np.ndarray | None:
    """The simplex vertices ``(n, 6)`` when the optimizer records one (state x1, y1, ..., y3)."""
    cols = ("x1", "y1", "x2", "y2", "x3", "y3")
    if all(c in traj.state for c in cols):
        return np.column_stack([traj.state[c] for c in cols])
    return None


def contour_run_traces(surface: surfaces.Surface, runs: Sequence[RunView], step: int, first_index: int) -> list:
    """The map's traces for ``runs`` (path, marker, simplex, divergence X), numbered from
    ``first_index`` (the marker's ``meta.path`` points at its path trace)."""
    traces = []
    # A run that diverged is drawn first (under the others) and lighter: oscillating out of the
    # window, its path would otherwise paint over the map and hide the runs that did not.
    for rv in sorted(runs, key=lambda rv: not rv.trajectory.diverged):
        traj = rv.trajectory
        n = len(traj.xy)
        idx = map_steps(surface, traj)
        xy = traj.xy[idx]
        path_index = first_index + len(traces)
        symbol = SYMBOLS[rv.symbol_index % len(SYMBOLS)]
        faint = traj.diverged
        traces.append(_trace("scatter", 
            x=_f32(xy[:, 0]), y=_f32(xy[:, 1]), name=rv.legend, legendgroup=rv.uid, customdata=idx.astype(np.int32),
            mode="lines+markers" if n <= 160 else "lines", opacity=0.5 if faint else 1.0,
            line=dict(color=rv.color, width=(2 if faint else 3) * rv.scale),
            marker=dict(size=(4 if faint else 5) * rv.scale, color=rv.color),
            hovertemplate=f"<b>{rv.legend}</b><br>step %{{customdata:,}}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>",
            meta=_path_meta(rv), uid=f"{rv.uid}-path",
        ))
        k = _at(step, idx)
        (x0, x1), (y0, y1) = surface.domain   # off the map: pinned to its edge (optviz.js does the same)
        traces.append(_trace("scatter", 
            x=_f32(np.clip(xy[k:k + 1, 0], x0, x1)), y=_f32(np.clip(xy[k:k + 1, 1], y0, y1)), name=rv.legend,
            legendgroup=rv.uid, mode="markers", cliponaxis=False,
            marker=dict(symbol=symbol, size=17 * rv.scale, color=rv.color, line=dict(width=2, color="white")),
            hoverinfo="skip", meta={"role": "marker", "run": rv.uid, "path": path_index},
            uid=f"{rv.uid}-marker",
        ))
        simplex = _simplex(traj)
        if simplex is not None:
            sv = np.round(_f32(simplex[idx]).astype(np.float64), 6)
            x1, y1, x2, y2, x3, y3 = sv[k]
            traces.append(_trace("scatter", 
                x=[x1, x2, x3, x1], y=[y1, y2, y3, y1], mode="lines", fill="toself", name=f"{rv.legend} simplex",
                line=dict(color=rv.color, width=2), fillcolor=_rgba(rv.color, 0.18), hoverinfo="skip",
                legendgroup=rv.uid,
                meta={"role": "simplex", "run": rv.uid, "path": path_index, "simplex": sv.tolist()},
                uid=f"{rv.uid}-simplex",
            ))
        if traj.diverged:
            ex, ey = exit_point(surface, traj.xy)
            traces.append(_trace("scatter", 
                x=_f32([ex]), y=_f32([ey]), mode="markers", name=f"{rv.legend}", cliponaxis=False,
                marker=dict(symbol="x", size=20, color=rv.color, line=dict(width=2, color="#111")),
                hovertemplate=f"<b>{rv.label}</b><br>{diverged_label(traj)}<br>last finite point "
                              f"({traj.xy[-1, 0]:.4g}, {traj.xy[-1, 1]:.4g})<extra></extra>",
                legendgroup=rv.uid, meta={"role": "diverged", "run": rv.uid}, uid=f"{rv.uid}-diverged",
            ))
    return traces


def contour_figure(surface: surfaces.Surface, runs: Sequence[RunView], start, step: int = 0) -> go.Figure:
    """The 2-D map: filled contours (log-spaced where the surface's values span decades), known
    minima as stars, the start, and each run's path with its marker at ``step``."""
    t = terrain(surface)
    xs, ys, log = t.xs, t.ys, t.log
    T, contours, tickvals, ticktext = _map_levels(surface)
    # values too large to draw take the top colour; where f is undefined the map stays blank
    high = np.nanmax(T[np.isfinite(T)]) if np.isfinite(T).any() else 0.0
    z = np.where(t.undefined, np.nan, np.where(np.isfinite(T), T, high))
    contour = _trace("contour",
        x=_f32(xs), y=_f32(ys), z=_f32_gaps(z),
        contours=dict(coloring="fill", showlines=True, **contours), autocontour=False,
        line=dict(width=0.6, color="rgba(40,60,80,0.35)"), colorscale=MAP_COLORSCALE,
        colorbar=dict(title=dict(text="f (log scale)" if log else "f", side="right"), tickvals=tickvals,
                      ticktext=ticktext, thickness=14, len=1.0, outlinewidth=0, xpad=6),
        hovertemplate="x=%{x:.3g}, y=%{y:.3g}<extra>click to start here</extra>",
        meta={"role": "surface"}, uid="surface",
    )
    traces = [contour, _minima_trace(surface), _start_trace(start)]
    traces += contour_run_traces(surface, runs, step, len(traces))
    (x0, x1), (y0, y1) = surface.domain
    layout = _base_layout(
        _scale_of(runs),
        xaxis=dict(range=[x0, x1], title=dict(text="x", standoff=4), showgrid=False, zeroline=False,
                   constrain="domain"),
        yaxis=dict(range=[y0, y1], title=dict(text="y", standoff=4), showgrid=False, zeroline=False,
                   scaleanchor="x", scaleratio=1, constrain="domain"),
        uirevision=repr(surface_key(surface)), clickmode="event",
        margin=dict(l=48, r=8, t=12, b=40),
    )
    return _figure(traces, layout)


# -- the 3-D view ----------------------------------------------------------------------------------
def _z_range(surface):
    return terrain(surface).z_range


def _mesh(surface):
    """The 3-D mesh as drawn: grid coordinates and transformed heights, clipped to the z range."""
    t = terrain(surface)
    return t.xs3, t.ys3, t.mesh


def _mesh_height(surface, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The height of the drawn mesh at (x, y): bilinear between its grid points, as WebGL draws it."""
    xs, ys, T = _mesh(surface)
    i = np.clip(np.searchsorted(xs, x) - 1, 0, len(xs) - 2)
    j = np.clip(np.searchsorted(ys, y) - 1, 0, len(ys) - 2)
    u = np.clip((x - xs[i]) / (xs[i + 1] - xs[i]), 0.0, 1.0)
    v = np.clip((y - ys[j]) / (ys[j + 1] - ys[j]), 0.0, 1.0)
    return ((1 - u) * (1 - v) * T[j, i] + u * (1 - v) * T[j, i + 1]
            + (1 - u) * v * T[j + 1, i] + u * v * T[j + 1, i + 1])


def _height(surface, x: np.ndarray, y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Where a point with loss ``f`` is drawn in 3-D: at its transformed f, but never below the
    drawn mesh (which cuts across narrow valleys and funnels between its grid points, so a run
    at the bottom of one would hang under it), lifted by ``LIFT`` of the z range."""
    forward, _ = level_transform(surface)
    lo, hi = _z_range(surface)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    # fmax: beside a hole in the mesh (f undefined) the mesh's height is NaN; the point's own counts
    z = np.fmax(np.clip(forward(np.asarray(f, dtype=np.float64)), lo, hi), _mesh_height(surface, x, y))
    return z + LIFT * (hi - lo)


def _lifted(surface, xy: np.ndarray, loss: np.ndarray):
    """Points placed on the 3-D surface (see :func:`_height`), clamped to the plotting window."""
    (x0, x1), (y0, y1) = surface.domain
    x = np.clip(xy[:, 0], x0, x1)
    y = np.clip(xy[:, 1], y0, y1)
    inside = (x == xy[:, 0]) & (y == xy[:, 1])
    f = np.where(inside, loss, surface.value(x, y))
    return x, y, _height(surface, x, y, f)


def _path3d(surface: surfaces.Surface, xy: np.ndarray, loss: np.ndarray):
    """A path on the 3-D surface, one point per iterate so playback can index it, as the map
    draws it: iterates outside the plotting window are NaN (a gap in the line, and the marker is
    hidden while the run is out there), and each step that crosses the window's edge is drawn
    up to the edge by a separate stub trace.  Returns ``(x, y, z, stubs)``, ``stubs`` an
    ``(x, y, z)`` of segments separated by NaN, or ``None``."""
    inside = _inside(surface, xy)
    x, y, z = (np.full(len(xy), np.nan) for _ in range(3))
    if inside.any():
        x[inside], y[inside], z[inside] = _lifted(surface, xy[inside], loss[inside])
    crossings = np.flatnonzero(inside[:-1] != inside[1:])
    if not len(crossings):
        return x, y, z, None
    points = []
    for i in crossings:
        a, b = (xy[i], xy[i + 1]) if inside[i] else (xy[i + 1], xy[i])
        points += [tuple(a), _edge(surface, a, b), (np.nan, np.nan)]
    pts = np.asarray(points, dtype=np.float64)
    ok = np.isfinite(pts[:, 0])
    sx, sy, sz = (np.full(len(pts), np.nan) for _ in range(3))
    sx[ok], sy[ok], sz[ok] = _lifted(surface, pts[ok], surface.value(pts[ok, 0], pts[ok, 1]))
    return x, y, z, (sx, sy, sz)


def surface3d_run_traces(surface: surfaces.Surface, runs: Sequence[RunView], step: int, first_index: int) -> list:
    traces = []
    for rv in runs:
        traj = rv.trajectory
        idx = map_steps(surface, traj)
        x, y, z, stubs = _path3d(surface, traj.xy[idx], traj.loss[idx])
        path_index = first_index + len(traces)
        traces.append(_trace("scatter3d", 
            x=_f32_gaps(x), y=_f32_gaps(y), z=_f32_gaps(z), mode="lines", name=rv.legend,
            customdata=idx.astype(np.int32),
            line=dict(color=rv.color, width=6 * rv.scale), connectgaps=False,
            hovertemplate=f"<b>{rv.legend}</b><br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>",
            meta=_path_meta(rv), uid=f"{rv.uid}-path3d",
        ))
        k = _at(step, idx)
        traces.append(_trace("scatter3d", 
            x=_f32_gaps(x[k:k + 1]), y=_f32_gaps(y[k:k + 1]), z=_f32_gaps(z[k:k + 1]), mode="markers",
            name=rv.legend, marker=dict(size=8 * rv.scale, color=rv.color,
                                        symbol=SYMBOLS_3D[rv.symbol_index % len(SYMBOLS_3D)],
                        line=dict(width=2, color="white")),
            hoverinfo="skip", meta={"role": "marker", "run": rv.uid, "path": path_index},
            uid=f"{rv.uid}-marker3d",
        ))
        if stubs is not None:
            sx, sy, sz = stubs
            traces.append(_trace("scatter3d", 
                x=_f32_gaps(sx), y=_f32_gaps(sy), z=_f32_gaps(sz), mode="lines", name=rv.legend, connectgaps=False,
                line=dict(color=rv.color, width=6 * rv.scale), hoverinfo="skip", showlegend=False,
                meta={"role": "edge", "run": rv.uid}, uid=f"{rv.uid}-edge3d",
            ))
        if traj.diverged:
            ex, ey = exit_point(surface, traj.xy)
            _, _, ez = _lifted(surface, np.array([[ex, ey]]), np.array([surface.value(ex, ey)]))
            traces.append(_trace("scatter3d", 
                x=_f32([ex]), y=_f32([ey]), z=_f32(ez), mode="text", name=rv.legend, text=["✗"],
                textfont=dict(size=26, color=rv.color), hovertemplate=f"{diverged_label(traj)}<extra></extra>",
                meta={"role": "diverged", "run": rv.uid}, uid=f"{rv.uid}-diverged3d",
            ))
    return traces


def surface3d_figure(surface: surfaces.Surface, runs: Sequence[RunView], start, step: int = 0) -> go.Figure:
    """The surface in 3-D (log-transformed heights where the map is log-scaled), with each run's
    path lying on it."""
    xs, ys, T = _mesh(surface)
    forward, ticks = level_transform(surface)
    lo, hi = _z_range(surface)
    log = terrain(surface).log
    mesh = _trace("surface", 
        x=_f32(xs), y=_f32(ys), z=_f32_gaps(T), colorscale=MAP_COLORSCALE, showscale=False, opacity=0.9,
        contours=dict(z=dict(show=True, color="rgba(40,60,80,0.35)", width=1, start=lo, end=hi,
                             size=(hi - lo) / 14)),
        lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05, roughness=0.9), hoverinfo="skip",
        meta={"role": "surface"}, uid="surface3d",
    )
    minima = np.asarray(surface.minima, dtype=np.float64).reshape(-1, 2)
    mz = _height(surface, minima[:, 0], minima[:, 1], surface.value(minima[:, 0], minima[:, 1])) \
        if len(minima) else np.array([])
    traces = [mesh, _minima_trace(surface, mz, three_d=True), start_trace(surface, start, three_d=True)]
    traces += surface3d_run_traces(surface, runs, step, len(traces))
    tickvals, ticktext = ticks(lo, hi, 5)
    (x0, x1), (y0, y1) = surface.domain
    scale = _scale_of(runs)
    axis = dict(showbackground=False, gridcolor="#dde3ea", zerolinecolor="#c5ced8",
                title_font=dict(size=round(14 * scale)), tickfont=dict(size=round(11 * scale)))
    layout = _base_layout(
        scale,
        scene=dict(
            xaxis=dict(axis, range=[x0, x1], title=dict(text="x")),
            yaxis=dict(axis, range=[y0, y1], title=dict(text="y")),
            zaxis=dict(axis, range=[lo, hi + 0.03 * (hi - lo)], title=dict(text="f (log)" if log else "f"),
                       tickvals=tickvals, ticktext=ticktext),
            aspectmode="manual", aspectratio=dict(x=1, y=(y1 - y0) / (x1 - x0), z=0.55),
            camera=dict(eye=dict(x=-0.95, y=-1.3, z=1.45)),  # from high up: paths in valleys stay visible
        ),
        uirevision=repr(surface_key(surface)), margin=dict(l=0, r=0, t=0, b=0),
    )
    return _figure(traces, layout)


# -- loss and distance -----------------------------------------------------------------------------
def _cursor(step: int) -> dict:
    return dict(type="line", xref="x", yref="paper", x0=step, x1=step, y0=0, y1=1, name="cursor",
                line=dict(color="#34495e", width=1.5, dash="dot"))


def _value_range(runs, values_of, log: bool) -> tuple[float, float] | None:
    """The y range that shows every run that did not diverge, and where each diverged run
    started; a diverging run's climb to huge values would otherwise squash everything else."""
    lo, hi = math.inf, -math.inf
    for rv in runs:
        v = np.asarray(values_of(rv.trajectory), dtype=np.float64)
        v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
        if not v.size:
            continue
        if rv.trajectory.diverged:  # only where it started: its escape runs off the chart
            v = v[:1]
        lo = min(lo, float(v.min()))
        hi = max(hi, float(v.max()))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if log:
        a, b = math.log10(lo), math.log10(max(hi, lo))
        pad = max(0.05 * (b - a), 0.15)
        return a - pad, b + pad
    pad = 0.05 * (hi - lo) or max(abs(hi), 1.0) * 0.05
    return lo - pad, hi + pad


def _series_figure(runs, step, values_of, *, xaxis: str, ytitle: str, ylog: bool):
    traces = []
    yrange = _value_range(runs, values_of, ylog)
    bounds = None if yrange is None else ((10.0 ** yrange[0], 10.0 ** yrange[1]) if ylog else yrange)
    for rv in runs:
        traj = rv.trajectory
        values = np.asarray(values_of(traj), dtype=np.float64)
        xs_all = traj.cost if xaxis == "cost" else np.arange(len(values))
        scaled = np.log10(np.where(values > 0, values, np.nan)) if ylog else values
        idx = series_steps(xs_all, scaled)
        y = _f32(values[idx])
        path_index = len(traces)
        if xaxis == "cost":
            xspec = dict(x=_f32(xs_all[idx]))
            xtext = "cost %{x:,.0f}"
        else:
            xspec = dict(x=idx.astype(np.int32))
            xtext = "step %{x:,.0f}"
        traces.append(_trace(
            "scatter", y=y, mode="lines", name=rv.legend, line=dict(color=rv.color, width=3 * rv.scale),
            customdata=idx.astype(np.int32),
            hovertemplate=f"<b>{rv.legend}</b><br>{xtext}<br>{ytitle} = %{{y:.4g}}<extra></extra>",
            meta=_path_meta(rv), uid=f"{rv.uid}-series", **xspec,
        ))
        k = _at(step, idx)
        xk = float(traj.cost[idx[k]]) if xaxis == "cost" else float(idx[k])
        traces.append(_trace(
            "scatter", x=[xk], y=y[k:k + 1], mode="markers", name=rv.legend, hoverinfo="skip",
            marker=dict(symbol=SYMBOLS[rv.symbol_index % len(SYMBOLS)], size=12 * rv.scale, color=rv.color,
                        line=dict(width=1.5, color="white")),
            meta={"role": "marker", "run": rv.uid, "path": path_index}, uid=f"{rv.uid}-smarker",
        ))
        if traj.diverged:
            xl = float(traj.cost[-1]) if xaxis == "cost" else float(len(traj.xy) - 1)
            last = float(y[-1])
            shown = min(max(last, bounds[0]), bounds[1]) if bounds else last  # on the frame's edge if it ran off
            traces.append(_trace(
                "scatter", x=[xl], y=_f32([shown]), mode="markers", name=rv.legend, cliponaxis=False,
                marker=dict(symbol="x", size=15, color=rv.color, line=dict(width=2, color="#111")),
                hovertemplate=f"<b>{rv.label}</b><br>{diverged_label(traj)}<br>last value {last:.3g}<extra></extra>",
                meta={"role": "diverged", "run": rv.uid}, uid=f"{rv.uid}-sdiverged",
            ))
    xtitle = f"cost (gradients; a value 1, a Hessian {HESSIAN_COST})" if xaxis == "cost" else "step"
    yaxis = dict(title=dict(text=ytitle, standoff=6), type="log" if ylog else "linear", exponentformat="power")
    if yrange is not None:
        yaxis["range"] = list(yrange)
        if ylog:
            decades = yrange[1] - yrange[0]
            if decades <= 2.5:  # 1, 2, 5 of each decade, written out (plotly would write "5" for 0.5)
                vals = [m * 10.0 ** k for k in range(math.floor(yrange[0]), math.ceil(yrange[1]) + 1)
                        for m in (1, 2, 5) if yrange[0] <= math.log10(m * 10.0 ** k) <= yrange[1]]
                yaxis.update(tickvals=vals, ticktext=[_real_label(v) for v in vals])
            else:  # whole decades, or every few on very wide ranges
                yaxis["dtick"] = max(1, math.ceil(decades / 7))
    layout = _base_layout(
        _scale_of(runs),
        xaxis=dict(title=dict(text=xtitle, standoff=6), zeroline=False, rangemode="tozero"),
        yaxis=yaxis,
        shapes=[_cursor(step)] if xaxis == "step" else [],
        uirevision=f"{xaxis}-{ylog}", margin=dict(l=72, r=16, t=16, b=52),
    )
    return _figure(traces, layout)


def loss_values(surface: surfaces.Surface):
    """``(values_of, title, log_axis, note)``: what the loss plot draws on this surface, and a
    note saying so.

    With a known minimum value f*, the gap ``f - f*`` on a log axis (linear convergence is a
    straight line, superlinear a bending one); without one (a surface unbounded below), ``f``
    itself on a linear axis."""
    fstar = surface.minimum_value
    if fstar is not None and math.isfinite(fstar):
        floor = 1e-16 * max(1.0, abs(fstar))
        if fstar == 0:
            return (lambda t: np.maximum(t.loss, floor)), "f", True, "f on a log scale (its minimum is 0)"
        return (lambda t: np.maximum(t.loss - fstar, floor)), "f − f*", True, \
            f"the gap to the minimum value f* = {fstar:.6g}, on a log scale"
    why = "its minima are not known" if surface.formula is not None else "this surface has no minimum"
    return (lambda t: t.loss), "f", False, f"f on a linear scale: {why}"


def loss_figure(surface: surfaces.Surface, runs: Sequence[RunView], step: int = 0, xaxis: str = "step") -> go.Figure:
    """The loss of each run against step (or cost), with a cursor at ``step``."""
    values_of, title, log, _ = loss_values(surface)
    return _series_figure(runs, step, values_of, xaxis=xaxis, ytitle=title, ylog=log)


def distance_figure(surface: surfaces.Surface, runs: Sequence[RunView], step: int = 0,
                    xaxis: str = "step") -> go.Figure:
    """Distance to the nearest known minimum against step (or cost); an explanation instead when
    the surface has none."""
    if not surface.minima:
        fig = _figure([], _base_layout(
            xaxis=dict(visible=False), yaxis=dict(visible=False), margin=dict(l=16, r=16, t=16, b=16),
            annotations=[dict(text=("The minima of a typed formula are not known,<br>so there is no distance to "
                                    "measure." if surface.formula is not None else
                                    f"{surface.title} has no minimum (it is unbounded below),<br>"
                                    "so there is no distance to one."), showarrow=False, xref="paper",
                              yref="paper", x=0.5, y=0.5, font=dict(size=16, color="#555"))]))
        return fig

    computed: dict[int, np.ndarray] = {}   # the range and the traces both ask for each run's

    def distance(traj):
        if id(traj) not in computed:
            computed[id(traj)] = np.maximum(surface.nearest_minimum_distance(traj.xy), 1e-16)
        return computed[id(traj)]

    return _series_figure(runs, step, distance, xaxis=xaxis, ytitle="distance", ylog=True)


def schedule_figure(steps: int, shared: dict | None, own: Sequence[tuple[str, dict | None]] = ()) -> go.Figure:
    """The learning-rate factor over the run: the shared schedule (grey), and each run's own
    schedule in its colour (``own``: ``(colour, schedule)`` pairs)."""
    from optviz import schedules   # figures draw; the schedule's own module computes
    ts = np.unique(np.linspace(0, max(steps - 1, 0), min(max(steps, 1), 400)).round().astype(int))
    traces = []
    for color, schedule, width in [("#7f8c8d", shared, 3), *[(c, sch, 2) for c, sch in own]]:
        traces.append(_trace("scatter", x=ts, y=_f32(schedules.factors(schedule, steps, ts)), mode="lines",
                             line=dict(color=color, width=width), hovertemplate="step %{x:,}: × %{y:.3g}<extra></extra>"))
    layout = _base_layout(
        xaxis=dict(title=None, zeroline=False, rangemode="tozero", tickfont=dict(size=10), nticks=4),
        yaxis=dict(title=dict(text="lr ×", standoff=2), range=[0, 1.08], tickfont=dict(size=10), nticks=3,
                   zeroline=False),
        margin=dict(l=40, r=8, t=6, b=22), showlegend=False, font=dict(FONT, size=11),
    )
    return _figure(traces, layout)


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def run_trace_dicts(traces) -> list[dict]:
    """Traces as JSON-ready dicts with float arrays base64-encoded (for ``dash.Patch`` updates)."""
    return _trace_dicts(traces)


__all__ += ["run_trace_dicts", "loss_values", "start_trace", "schedule_figure"]
