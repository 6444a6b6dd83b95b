"""Many runs at once: sweeps over hyperparameters, basins of attraction, noise fans and tuning.

Every cell of a grid is one run of the optimizer's own kernel (the same compiled code
``optviz.simulate`` calls, passed to the grid loop as a first-class function), so a cell equals
``simulate`` with the same settings bit for bit.  The grid loop keeps only what a grid shows (the
final point and loss, the status, the steps to a tolerance, the minimum reached) and reuses one
scratch run per thread, so memory does not grow with the grid; the cells are split between two
threads (the kernels release the GIL).

=============  =====================================================================
``sweep``      final loss, steps to a tolerance and divergence over a grid of one or
               two hyperparameters
``basins``     the minimum each start of a grid over the window ends at, and when
``fan``        one configuration run with ``n`` seeds of gradient noise
``tune``       the learning rate (and optionally one more hyperparameter) that reaches
               the lowest loss within the step budget
=============  =====================================================================

Limits: :data:`AXIS_CAP` values per sweep axis, :data:`RESOLUTION_CAP` per side of a basin map,
:data:`FAN_CAP` runs in a fan, and :data:`CELL_STEPS_CAP` cells x steps in one grid without a
``work_limit`` (with one, each cell stops on it, so the grid's work is bounded anyway).  Bad input
raises ``ValueError`` saying what was wrong and what is allowed, as ``simulate`` does.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import math
from typing import Any, Mapping, Sequence

import numpy as np

import surfaces
from optviz import drivers
from surfaces import _data
from optviz.drivers import DIVERGED_MINIMUM as DIVERGES
from optviz.drivers import DONE, MINIMUM, SETTLED, STATUS, TO_TOL, WORK
from optviz.drivers import NO_MINIMUM as NONE
from optviz.engine import BOUND_FACTOR, _optimizer, _start, _surface, batched_params, run_options, simulate
from optviz.jit import KERNEL_SIGNATURE, PAIR_FN, SCALAR_FN, TRIPLE_FN, compiled, first_class, params_t, thread_cpu_ns, types
from optviz.kernels import (DIVERGED, N_COUNTS, OPT_BOUND, OPT_CLIP, OPT_DEADLINE, OPT_NOISE, OPT_SEED,
                            OPT_WORK_LIMIT, TIME_LIMIT)
from optviz.options import SEED, STEPS
from optviz.spec import STATUSES, Hyperparameter, OptimizerSpec, Trajectory, as_float, shown

__all__ = ["sweep", "basins", "resting_points", "fan", "tune", "tune_size", "sweepable", "Sweep", "Basins",
           "RestingPoints", "Fan", "Tuned",
           "AXIS_CAP", "RESOLUTION_CAP", "FAN_CAP", "CELL_STEPS_CAP"]

#: Most values along one axis of a sweep.
AXIS_CAP = 256
#: Most starts along one side of a basin map (RESOLUTION_CAP ** 2 runs).
RESOLUTION_CAP = 400
#: Most runs in a noise fan.
FAN_CAP = 64
#: A basin map's starts along each side of the window.
RESOLUTION = Hyperparameter("resolution", 64, 2, RESOLUTION_CAP, kind="int",
                            help="Starts along each side of the window (resolution x resolution runs).")
#: Most cells x steps in one grid (about 10-30 s of one core for a first-order method).
CELL_STEPS_CAP = 200_000_000
#: A start is said to reach a minimum when its last iterate is within this fraction of the
#: window's diagonal of it (and ``basins`` counts the steps from which it stays that close).
REACH_FRACTION = 1e-3
#: Threads that share a grid's cells.
THREADS = 2

f8, i8 = types.float64, types.int64
KERNEL_FN = types.FunctionType(KERNEL_SIGNATURE)
_CELLS_SIGNATURE = types.void(
    KERNEL_FN, SCALAR_FN, PAIR_FN, TRIPLE_FN, params_t,   # the optimizer's kernel; the surface
    f8[:, ::1], f8[:, ::1], i8, i8,                        # starts (n, 2), hyperparameters (n, k), steps, state width
    f8[::1], f8[::1], f8[::1],                             # common options; each cell's seed and bound
    f8, f8, f8[:, ::1], f8,                                # f*, tolerance on f - f*, minima (m, 2), reach radius
    f8[:, ::1], f8[::1], i8[:, :],                         # out: final point, final loss, (done, status, to_tol, minimum, settled, work) x n
)
#: The rows of the integer output of :func:`_cells` are those of the blocked loop's
#: (``drivers.DONE`` ...), and ``basins``' codes for a start that reaches no known minimum and for
#: one that diverges are its ``NONE`` and ``DIVERGES`` (imported above).


@compiled(_CELLS_SIGNATURE)
def _cells(kernel, value, gradient, hessian, p, starts, hps, steps, width, opts, seeds, bounds,
           f_star, tol, minima, radius, final_xy, final_loss, out):
    """Run cell ``i`` of the grid from ``starts[i]`` with hyperparameters ``hps[i]``, for every
    ``i``, keeping what a grid shows.  ``opts[OPT_DEADLINE]`` is a duration here (ns of this
    thread's CPU time, inf for none): cells not begun by then get status TIME_LIMIT and done -1."""
    rows = steps + 1
    xy = np.zeros((rows, 2))
    loss = np.zeros(rows)
    counts = np.zeros((rows, N_COUNTS), dtype=np.int64)
    state = np.zeros((rows, max(width, 1)))
    o = opts.copy()
    deadline = thread_cpu_ns() + opts[OPT_DEADLINE] if opts[OPT_DEADLINE] < math.inf else math.inf
    o[OPT_DEADLINE] = deadline
    for i in range(starts.shape[0]):
        if thread_cpu_ns() > deadline:
            for j in range(i, starts.shape[0]):
                out[DONE, j], out[STATUS, j] = -1, TIME_LIMIT
                out[TO_TOL, j], out[MINIMUM, j], out[SETTLED, j], out[WORK, j] = -1, NONE, -1, 0
                final_xy[j, 0] = final_xy[j, 1] = final_loss[j] = math.nan
            return
        o[OPT_SEED] = seeds[i]
        o[OPT_BOUND] = bounds[i]
        counts[rows - 1, 3] = 0   # what record() reads as the work before step 0
        done, status = kernel(value, gradient, hessian, p, starts[i, 0], starts[i, 1], steps, hps[i], o,
                              xy, loss, counts, state)
        out[DONE, i], out[STATUS, i], out[WORK, i] = done, status, counts[done, 3]
        if done == 0 and status == DIVERGED:   # the start itself is not finite: nothing was recorded
            xy[0, 0], xy[0, 1], loss[0] = starts[i, 0], starts[i, 1], value(starts[i, 0], starts[i, 1], p)
        final_xy[i, 0], final_xy[i, 1], final_loss[i] = xy[done, 0], xy[done, 1], loss[done]
        out[TO_TOL, i] = -1
        if not math.isnan(f_star):
            for t in range(done + 1):
                if loss[t] - f_star <= tol:
                    out[TO_TOL, i] = t
                    break
        out[MINIMUM, i], out[SETTLED, i] = NONE, done
        if status == DIVERGED:
            out[MINIMUM, i] = DIVERGES
        elif minima.shape[0] > 0:
            out[MINIMUM, i], out[SETTLED, i] = drivers.reached(xy[:, 0], xy[:, 1], done, minima, radius)


@dataclasses.dataclass(frozen=True)
class _Cells:
    """What :func:`_run` returns: one entry per cell."""
    final_xy: np.ndarray
    final_loss: np.ndarray
    done: np.ndarray
    status: np.ndarray
    to_tol: np.ndarray
    minimum: np.ndarray
    settled: np.ndarray
    work: np.ndarray


def _run(spec: OptimizerSpec, surf: surfaces.Surface, starts: np.ndarray, hps: np.ndarray, steps: int,
         opts: np.ndarray, seeds: np.ndarray, *, tol: float, radius: float, time_limit: float = math.inf,
         batch_size=None) -> _Cells:
    n = len(starts)
    if opts[OPT_WORK_LIMIT] == math.inf and n * max(steps, 1) > CELL_STEPS_CAP:
        raise ValueError(f"a grid of {n:,} runs x {steps:,} steps is too large: at most {CELL_STEPS_CAP:,} "
                         f"runs x steps")
    starts, hps = np.asarray(starts, dtype=np.float64), np.asarray(hps, dtype=np.float64)   # maybe broadcast
    bounds = _bounds(surf, starts)
    opts = opts.copy()
    opts[OPT_DEADLINE] = time_limit * 1e9 if time_limit < math.inf else math.inf
    f_star = surf.minimum_value if surf.minimum_value is not None else math.nan
    minima = np.asarray(surf.minima, dtype=np.float64).reshape(-1, 2)
    final_xy, final_loss, out = np.empty((n, 2)), np.empty(n), np.empty((6, n), dtype=np.int64)
    p = batched_params(surf, batch_size)   # each cell's kernel seeds its own batches, as simulate does
    minibatch = surf.data_size and p[_data.BATCH] < surf.data_size
    blocked = None if minibatch else _blocked_kernel(spec, surf, hps, steps, opts, seeds,
                                                     radius=radius if len(minima) else 0.0)
    kernel = first_class(spec.kernel)
    width = len(spec.state)

    def work(lo, hi):
        if lo < hi and blocked is not None:
            blocked(p, starts[lo:hi], hps[lo:hi], steps, opts, bounds[lo:hi], f_star, tol, minima, radius,
                    final_xy[lo:hi], final_loss[lo:hi], out[:, lo:hi])
        elif lo < hi:
            rows = [np.array(a[lo:hi], order="C") for a in (starts, hps, seeds)]   # writable copies of the views
            _cells(kernel, *surf.functions, p, rows[0], rows[1], steps, width, opts, rows[2], bounds[lo:hi],
                   f_star, tol, minima, radius, final_xy[lo:hi], final_loss[lo:hi], out[:, lo:hi])

    # interleaved halves would balance better, but contiguous slices keep every array a view
    edges = np.linspace(0, n, THREADS + 1).astype(int)
    if n < 2 * THREADS or steps * n < 20_000:
        work(0, n)
    else:
        # the first slice on this thread, the others on new ones (the kernels release the GIL)
        with concurrent.futures.ThreadPoolExecutor(THREADS - 1) as pool:
            others = [pool.submit(work, lo, hi) for lo, hi in zip(edges[1:-1], edges[2:])]
            work(edges[0], edges[1])
            for other in others:
                other.result()
    # views of the rows, not copies: copying the columns of an (n, 6) array into new memory took
    # 1 ms of a 20 ms basin map (cache.size_of counts the rows' buffer, all six, once)
    return _Cells(final_xy, final_loss, *(out[k] for k in (DONE, STATUS, TO_TOL, MINIMUM, SETTLED, WORK)))


def _blocked_kernel(spec: OptimizerSpec, surf: surfaces.Surface, hps: np.ndarray, steps: int, opts: np.ndarray,
                    seeds: np.ndarray, radius: float):
    """The blocked grid loop of :mod:`optviz.drivers` for this optimizer and surface, or ``None``
    where the cells must go run by run: an optimizer with a loop of its own (line searches,
    simplex), gradient noise (the runs of a block would share one generator), or a basin map on
    a surface whose minima are closer than two reach radii (the blocked loop follows which
    minimum a run is near as it goes, which needs at most one within reach of any point)."""
    made = drivers.MADE.get(spec.kernel)
    if made is None or opts[OPT_NOISE] > 0 or not len(hps):
        return None
    if radius > 0 and not drivers.disjoint(surf.minima, radius):
        return None
    if made.when is not None and not (hps[:, made.when[0]] == made.when[1]).all():
        return None
    state, _ = made.init(np.ascontiguousarray(hps[0]), 0.0, 0.0)
    columns = [i for i, h in enumerate(spec.hyperparameters) if h.kind in ("bool", "choice")]
    columns += range(len(spec.hyperparameters), hps.shape[1])   # the spec's fixed values
    switches = tuple((i, float(hps[0, i])) for i in columns if (hps[:, i] == hps[0, i]).all())
    key = (made, surf.value_fn, surf.gradient_fn, surf.hessian_fn, len(state), hps.shape[1], switches,
           bool(opts[OPT_CLIP] < math.inf), radius > 0)
    if key not in _BLOCKED:
        # compiling costs 1-2 s and memory that stays: only for a grid that will save that much,
        # and for at most BLOCKED_KERNELS pairs of update and surface per process
        if len(hps) * steps < BLOCKED_MIN_CELL_STEPS or len(_BLOCKED) >= BLOCKED_KERNELS:
            return None
        _BLOCKED[key] = drivers.grid_kernel(*key)
    return _BLOCKED[key]


#: Compiled blocked kernels of this process, by update and surface.
_BLOCKED: dict = {}
#: The most blocked kernels a process compiles or loads (each 1-2 s to compile, about a megabyte
#: of code that stays); further pairs of update and surface go run by run.
BLOCKED_KERNELS = 32
#: A grid smaller than this many cells x steps goes run by run unless its blocked kernel is ready:
#: run by run it takes at most about 150 ms, less than compiling the blocked loop (1-2 s) would
#: cost, and the app's default sweeps and basin maps (1-1.5 million) never wait for a compiler.
BLOCKED_MIN_CELL_STEPS = 5_000_000


def _bounds(surf: surfaces.Surface, starts: np.ndarray) -> np.ndarray:
    """:func:`optviz.engine.bound` for many starts (the same arithmetic, vectorised)."""
    (xmin, xmax), (ymin, ymax) = surf.domain
    window = max(1.0, abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    return BOUND_FACTOR * np.maximum(window, np.maximum(np.abs(starts[:, 0]), np.abs(starts[:, 1])))


def _tolerance(tol: Any) -> float:
    number = as_float(tol, strict=True)
    if number is None or not (number >= 0 and math.isfinite(number)):
        raise ValueError(f"tol must be a finite number >= 0; got {shown(tol)}")
    return number


# --- sweep ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A grid of runs over one or two hyperparameters.  Axis ``k`` of every array runs over
    ``values[k]``, the values of hyperparameter ``names[k]``."""
    optimizer: str
    surface: str
    names: tuple[str, ...]
    values: tuple[np.ndarray, ...]
    fixed: dict
    steps: int
    tol: float
    final_loss: np.ndarray      #: f at the last iterate (the last finite one for a diverged run)
    steps_to_tol: np.ndarray    #: first step with f - f* <= tol; -1 if never (or f* unknown)
    diverged: np.ndarray        #: bool
    status: np.ndarray          #: "ok", "diverged", "work_limit" or "time_limit"
    final_xy: np.ndarray        #: shape ``grid + (2,)``
    steps_done: np.ndarray

    def best(self) -> dict:
        """The cell with the lowest final loss among those that did not diverge, as
        ``{name: value, ..., "loss": f}`` (``{}`` if every cell diverged).  Among equal losses
        (several may reach exactly 0) the one that reached ``tol`` first wins, then the first in
        grid order."""
        loss = np.where(self.diverged | ~np.isfinite(self.final_loss), np.inf, self.final_loss)
        if not np.isfinite(loss).any():
            return {}
        reached = np.where(self.steps_to_tol >= 0, self.steps_to_tol, np.iinfo(np.int64).max)
        order = np.lexsort((np.arange(loss.size), reached.ravel(), loss.ravel()))
        index = np.unravel_index(int(order[0]), loss.shape)
        out = {name: float(values[i]) for name, values, i in zip(self.names, self.values, index)}
        out["loss"] = float(loss[index])
        return out


def sweepable(spec: OptimizerSpec) -> list[Hyperparameter]:
    """The hyperparameters of ``spec`` a sweep can run over (numbers, not switches or choices)."""
    return [h for h in spec.hyperparameters if h.kind in ("float", "int")]


def _sweepable(spec: OptimizerSpec, name: Any):
    """The numeric hyperparameter ``name`` of ``spec``; ``ValueError`` naming those there are."""
    numeric = [h.name for h in sweepable(spec)]
    if not isinstance(name, str) or name not in {h.name for h in spec.hyperparameters}:
        raise ValueError(f"{spec.name} has no hyperparameter {shown(name)}; its numeric hyperparameters: "
                         f"{', '.join(numeric) or 'none'}")
    hp = spec.hyperparameter(name)
    if hp.kind not in ("float", "int"):
        raise ValueError(f"{name} is a {hp.kind} setting and cannot be swept; numeric: {', '.join(numeric)}")
    return hp


def _axis(spec: OptimizerSpec, name: Any, values: Any) -> np.ndarray:
    hp = _sweepable(spec, name)
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__"):
        raise ValueError(f"grid[{name!r}] must be a list of values; got {shown(values)}")
    if not 1 <= len(values) <= AXIS_CAP:
        raise ValueError(f"grid[{name!r}] must have 1 to {AXIS_CAP} values; got {len(values)}")
    out = np.empty(len(values))
    for i, value in enumerate(values):
        try:
            out[i] = hp.validate(value, strict=True)
        except ValueError as error:
            raise ValueError(f"grid[{name!r}][{i}]: {error}") from None
    return out


def sweep(optimizer, surface, *, grid: Mapping[str, Sequence[float]], start=None, steps=200, tol=1e-6, noise=0.0,
          seed=0, clip=None, schedule=None, work_limit=None, time_limit=None, batch_size=None, **fixed) -> Sweep:
    """Run ``optimizer`` on ``surface`` for every combination of the values in ``grid`` (one or
    two hyperparameter names mapped to lists of values); the other hyperparameters are ``fixed``
    or the spec's defaults.  Every cell equals ``simulate`` with the same settings.

    ``tol`` defines ``steps_to_tol``, the first step at which ``f - f* <= tol`` (``f*`` the
    surface's lowest known minimum; -1 where that never happens or the surface has no known
    minimum).  ``work_limit`` bounds each cell's work (as in ``simulate``); ``time_limit`` the
    CPU seconds of the whole sweep on each of its threads (cells not begun by then have status
    ``"time_limit"``).
    """
    spec = _optimizer(optimizer)
    surf = _surface(surface)
    x0, y0 = _start(start, surf)
    n = STEPS.validate(steps, strict=True)
    if not isinstance(grid, Mapping) or not 1 <= len(grid) <= 2:
        raise ValueError(f"grid must map one or two hyperparameter names to lists of values, such as "
                         f"{{'lr': [0.001, 0.01, 0.1]}}; got {shown(grid)}")
    names = tuple(grid)
    if len(set(names)) != len(names):
        raise ValueError("grid names a hyperparameter twice")
    clash = [name for name in names if name in fixed]
    if clash:
        raise ValueError(f"{clash[0]} is both swept (in grid) and fixed; give it in one place")
    axes = tuple(_axis(spec, name, grid[name]) for name in names)
    values = spec.resolve(fixed, strict=True)
    opts, seconds = run_options(noise=noise, seed=seed, clip=clip, work_limit=work_limit, time_limit=time_limit,
                                schedule=schedule)
    tolerance = _tolerance(tol)

    shape = tuple(len(a) for a in axes)
    base = spec.encode(values)
    hps = np.repeat(base[None, :], int(np.prod(shape)), axis=0)
    columns = [[h.name for h in spec.hyperparameters].index(name) for name in names]
    mesh = np.meshgrid(*axes, indexing="ij")
    for column, m in zip(columns, mesh):
        hps[:, column] = m.ravel()
    starts = np.broadcast_to(np.array([x0, y0]), (len(hps), 2))   # every cell's the same
    seeds = np.broadcast_to(opts[OPT_SEED], len(hps))
    cells = _run(spec, surf, starts, hps, n, opts, seeds, tol=tolerance, radius=0.0, time_limit=seconds,
                 batch_size=batch_size)
    return Sweep(
        optimizer=spec.name, surface=surf.name, names=names, values=axes,
        fixed={k: v for k, v in values.items() if k not in names}, steps=n, tol=tolerance,
        final_loss=cells.final_loss.reshape(shape), steps_to_tol=cells.to_tol.reshape(shape),
        diverged=(cells.status == DIVERGED).reshape(shape),
        status=np.array(STATUSES, dtype=object)[cells.status].reshape(shape),
        final_xy=cells.final_xy.reshape(shape + (2,)), steps_done=cells.done.reshape(shape),
    )


# --- basins --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Basins:
    """Where each start of a ``resolution`` x ``resolution`` grid over the window ends.

    ``minimum[i, j]`` is for the start ``(xs[j], ys[i])``: the index into ``minima`` (the
    surface's known minima) of the minimum the run ends at, -1 for none, -2 for a run that
    diverged; ``steps[i, j]`` the steps it took: for a run that reached a minimum, the first
    step from which it stayed within ``radius`` of it, otherwise the steps it ran.  On a surface
    that lists no minima, ``resting`` says where the runs came to rest instead."""
    optimizer: str
    surface: str
    hyperparameters: dict
    xs: np.ndarray
    ys: np.ndarray
    minima: tuple
    radius: float
    minimum: np.ndarray
    steps: np.ndarray
    final_loss: np.ndarray
    status: np.ndarray
    final_xy: np.ndarray        #: shape ``(resolution, resolution, 2)``: where each run ended
    #: For a surface that lists no minima (a typed formula): where the runs came to rest instead.
    resting: "RestingPoints | None" = None


def basins(optimizer, surface, *, resolution=64, steps=500, domain=None, noise=0.0, seed=0, clip=None,
           schedule=None, work_limit=None, time_limit=None, batch_size=None, **hyperparameters) -> Basins:
    """The basin map of ``optimizer`` on ``surface``: one run from each start of a grid of
    ``resolution`` x ``resolution`` points spanning ``domain`` (default: the surface's window),
    each equal to ``simulate`` from that start.  A run reaches a minimum when its last iterate is
    within ``radius`` (1e-3 of the window's diagonal) of it."""
    spec = _optimizer(optimizer)
    surf = _surface(surface)
    resolution = RESOLUTION.validate(resolution, strict=True)
    n = STEPS.validate(steps, strict=True)
    (x0, x1), (y0, y1) = _domain(domain, surf)
    values = spec.resolve(hyperparameters, strict=True)
    opts, seconds = run_options(noise=noise, seed=seed, clip=clip, work_limit=work_limit, time_limit=time_limit,
                                schedule=schedule)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)   # row i is ys[i], column j is xs[j]
    starts = np.column_stack([X.ravel(), Y.ravel()])
    hps = np.broadcast_to(spec.encode(values), (len(starts), len(spec.encode(values))))   # every start's the same
    seeds = np.broadcast_to(opts[OPT_SEED], len(starts))
    radius = REACH_FRACTION * math.hypot(x1 - x0, y1 - y0)
    tol = 0.0
    cells = _run(spec, surf, starts, hps, n, opts, seeds, tol=tol, radius=radius, time_limit=seconds,
                 batch_size=batch_size)
    shape = (resolution, resolution)
    result = Basins(
        optimizer=spec.name, surface=surf.name, hyperparameters=values, xs=xs, ys=ys, minima=tuple(surf.minima),
        radius=radius, minimum=cells.minimum.reshape(shape), steps=cells.settled.reshape(shape),
        final_loss=cells.final_loss.reshape(shape), status=np.array(STATUSES, dtype=object)[cells.status].reshape(shape),
        final_xy=cells.final_xy.reshape(shape + (2,)),
    )
    return result if surf.minima else dataclasses.replace(result, resting=resting_points(result, surf))


#: A run has come to rest where the gradient is under this fraction of its median over the map's starts.
REST_FRACTION = 1e-3
#: Points of rest closer than this fraction of the window's diagonal are one point.
REST_MERGE_FRACTION = 1e-2
#: Most separate points of rest a map tells apart (it costs a pass over the ends each); runs that
#: rest at further points are counted in ``RestingPoints.untold`` and labelled ``NONE``.
REST_CAP = 100
#: A Hessian eigenvalue this small against the largest is taken as zero (a valley floor of rest points).
FLAT_FRACTION = 1e-6


@dataclasses.dataclass(frozen=True)
class RestingPoints:
    """Where the runs of a basin map came to rest, found from where they ended: the stand-in for
    the minima of a surface that lists none (a typed formula).

    ``points[k]`` is the lowest end point of group ``k`` (a valley floor first, then lowest f
    first) and ``kinds[k]`` what the Hessian says it is: ``"minimum"``, ``"saddle point"``,
    ``"maximum"`` (Newton's method rests at any point where the gradient vanishes), or
    ``"valley floor"`` when the Hessian is singular there (rest points along a curve, such as the circle of
    ``(x^2 + y^2 - 4)^2``, form one group).  ``label`` is shaped like ``Basins.minimum``: the
    group each start's run rests in, ``NONE`` for a run still moving after its steps (or resting
    beyond the first ``REST_CAP`` groups: ``untold`` counts those), ``DIVERGES`` for one that
    diverged."""
    points: np.ndarray
    kinds: tuple
    label: np.ndarray
    untold: int = 0


def resting_points(result: Basins, surface) -> RestingPoints:
    """The points of rest of ``result`` (a basin map of ``surface``).  A run rests where
    ``|grad f| <= REST_FRACTION x`` the median ``|grad f|`` over the starts; ends within
    ``REST_MERGE_FRACTION`` of the window's diagonal of each other are one point."""
    surf = _surface(surface)
    ends = result.final_xy.reshape(-1, 2)
    label = np.full(len(ends), NONE, dtype=np.int64)
    label[result.minimum.ravel() == DIVERGES] = DIVERGES
    X, Y = np.meshgrid(result.xs, result.ys)
    slopes = np.linalg.norm(surf.gradient(X, Y), axis=-1)
    slopes = slopes[np.isfinite(slopes)]
    scale = float(np.median(slopes)) if slopes.size else 0.0
    candidates = np.flatnonzero((label != DIVERGES) & np.isfinite(ends).all(axis=1))
    # (on a surface flat over the whole map, scale is 0 and every end whose gradient is 0 rests)
    steep = np.linalg.norm(surf.gradient(ends[candidates, 0], ends[candidates, 1]), axis=-1)
    resting = steep <= REST_FRACTION * scale
    candidates, steep = candidates[resting], steep[resting]
    if not candidates.size:
        return RestingPoints(np.empty((0, 2)), (), label.reshape(result.minimum.shape))
    at = ends[candidates]
    heights = surf.value(at[:, 0], at[:, 1])
    hessians = surf.hessian(at[:, 0], at[:, 1])
    eigen = np.linalg.eigvalsh(np.where(np.isfinite(hessians), hessians, 0.0))   # ascending, per point
    reach = np.maximum(np.abs(eigen).max(axis=1), np.finfo(float).tiny)
    merge = REST_MERGE_FRACTION * math.hypot(result.xs[-1] - result.xs[0], result.ys[-1] - result.ys[0])
    # flat: the smaller curvature is too small for its sign to tell, either against the larger one or
    # because this end's own gradient puts the stationary point that direction implies (|g| / |lambda|
    # away) beyond the merge distance: along a circle of minima, an end just inside the circle has a
    # slightly negative curvature along it, one just outside a slightly positive one
    small = np.abs(eigen).min(axis=1)
    flat = (small <= FLAT_FRACTION * reach) | (small * merge <= steep)
    points, kinds = [], []
    order = np.argsort(heights, kind="stable")
    left = np.ones(len(order), dtype=bool)
    floor = flat[order]
    if floor.any():   # one group for every end on a valley floor
        first = order[np.flatnonzero(floor)[0]]
        points.append(at[first])
        kinds.append("valley floor")
        label[candidates[order[floor]]] = 0
        left[floor] = False
    while left.any() and len(points) < REST_CAP:
        k = order[np.flatnonzero(left)[0]]
        near = left & (np.hypot(*(at[order] - at[k]).T) <= merge)
        label[candidates[order[near]]] = len(points)
        left &= ~near
        points.append(at[k])
        kinds.append("maximum" if eigen[k, 1] < 0 else "saddle point" if eigen[k, 0] < 0 else "minimum")
    return RestingPoints(np.array(points).reshape(-1, 2), tuple(kinds), label.reshape(result.minimum.shape),
                         untold=int(left.sum()))


def _domain(domain, surf):
    if domain is None:
        return surf.domain
    try:
        (x0, x1), (y0, y1) = domain
        x0, x1, y0, y1 = (as_float(v, strict=True) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError):
        x0 = None
    if x0 is None or None in (x1, y0, y1) or not all(math.isfinite(v) for v in (x0, x1, y0, y1)) \
            or not (x0 < x1 and y0 < y1):
        raise ValueError(f"domain must be ((x0, x1), (y0, y1)) with finite x0 < x1 and y0 < y1; got {shown(domain)}")
    return (x0, x1), (y0, y1)


# --- fan -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Fan:
    """``runs[k]`` is the run with seed ``seeds[k]``; ``mean`` the mean iterate over the runs
    still going at each step, shape ``(steps + 1, 2)`` (NaN once none is)."""
    runs: tuple[Trajectory, ...]
    seeds: tuple[int, ...]
    mean: np.ndarray


def fan(optimizer, surface, *, n=16, noise=0.5, seed=0, steps=200, **kwargs) -> Fan:
    """The same configuration run ``n`` times with gradient noise of standard deviation
    ``noise`` and the seeds ``seed, seed + 1, ...``: the spread of stochastic gradient descent.
    Each run is ``simulate(..., noise=noise, seed=seed + k)``, so the same seed repeats exactly."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= FAN_CAP:
        raise ValueError(f"n must be an integer from 1 to {FAN_CAP}; got {shown(n)}")
    first = SEED.validate(seed, strict=True)
    if first + n - 1 > SEED.high:
        raise ValueError(f"seed + n - 1 must be at most {int(SEED.high)}; got {first + n - 1}")
    runs = tuple(simulate(optimizer, surface, noise=noise, seed=first + k, steps=steps, **kwargs) for k in range(n))
    rows = max(len(r.loss) for r in runs)
    stacked = np.full((n, rows, 2), np.nan)
    for k, run in enumerate(runs):
        stacked[k, :len(run.loss)] = run.xy
    with np.errstate(invalid="ignore"):
        alive = np.isfinite(stacked[..., 0]).sum(axis=0)
        mean = np.where(alive[:, None] > 0, np.nansum(stacked, axis=0) / np.maximum(alive, 1)[:, None], np.nan)
    return Fan(runs=runs, seeds=tuple(range(first, first + n)), mean=mean)


# --- tune ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Tuned:
    """The best values found for ``params`` and the final loss they reach; ``sweeps`` are the
    coarse and refined grids searched."""
    optimizer: str
    surface: str
    values: dict
    loss: float
    sweeps: tuple[Sweep, ...]


#: Points of tune's coarse grid per decade of a log-scale hyperparameter (and in all for a linear
#: one), and of the refined grid around the best coarse cell.
TUNE_COARSE, TUNE_FINE = 4, 9


def _coarse(hp) -> np.ndarray:
    low, high = hp.slider_range
    if hp.log and low > 0:
        decades = max(1, int(math.ceil(math.log10(high / low))))
        return np.geomspace(low, high, TUNE_COARSE * decades + 1)
    return np.linspace(low, high, 4 * TUNE_COARSE + 1)


def _refined(hp, axis: np.ndarray, index: int) -> np.ndarray:
    lo, hi = axis[max(index - 1, 0)], axis[min(index + 1, len(axis) - 1)]
    values = np.geomspace(lo, hi, TUNE_FINE) if hp.log and lo > 0 else np.linspace(lo, hi, TUNE_FINE)
    return np.array([hp.validate(float(v)) for v in values])


def tune_size(optimizer, params=("lr",)) -> int:
    """How many runs :func:`tune` makes for ``params`` (its coarse grid and its finer one)."""
    spec = _optimizer(optimizer)
    names = (params,) if isinstance(params, str) else tuple(params)
    coarse = int(np.prod([len(_coarse(_sweepable(spec, name))) for name in names]))
    return coarse + TUNE_FINE ** len(names)


def tune(optimizer, surface, *, start=None, steps=200, params=("lr",), **fixed) -> Tuned:
    """The values of ``params`` (the learning rate, and optionally one more numeric
    hyperparameter) that reach the lowest final loss within ``steps`` from ``start``: a sweep on a
    grid over each slider's range (log-spaced where the spec says log), then a finer one around
    the best cell.  A tie goes to the first cell in grid order (the smallest values).  ``fixed``
    sets the other hyperparameters and the run's options (noise, schedule, ...), as for
    ``sweep``."""
    spec = _optimizer(optimizer)
    if isinstance(params, str):
        params = (params,)
    params = tuple(params)
    if not 1 <= len(params) <= 2:
        raise ValueError(f"params must name one or two hyperparameters; got {shown(params)}")
    for name in params:
        _sweepable(spec, name)
    coarse = sweep(spec, surface, grid={name: _coarse(spec.hyperparameter(name)) for name in params},
                   start=start, steps=steps, **fixed)
    best = coarse.best()
    if not best:
        raise ValueError(f"every setting of {', '.join(params)} on the search grid diverged; "
                         f"try fewer steps or another start")
    index = [int(np.argmin(np.abs(axis - best[name]))) for name, axis in zip(params, coarse.values)]
    fine = sweep(spec, surface, grid={name: _refined(spec.hyperparameter(name), axis, i)
                                      for name, axis, i in zip(params, coarse.values, index)},
                 start=start, steps=steps, **fixed)
    best_fine = fine.best()
    chosen = best_fine if best_fine and best_fine["loss"] <= best["loss"] else best
    return Tuned(optimizer=spec.name, surface=coarse.surface, values={k: chosen[k] for k in params},
                 loss=chosen["loss"], sweeps=(coarse, fine))
