"""Drivers: the loop that turns an optimizer's step into a run, written once.

An optimizer whose step needs only the gradient at the current point (every first-order method)
declares its mathematics as two compiled functions, in the manner of jax's example optimizers::

    init(hp, x, y) -> (state, shown)
    update(state, x, y, gx, gy, hp, factor, t) -> (state, x, y, shown)

``state`` is a tuple of floats (the optimizer's memory: momentum, moment estimates, powers of
beta), ``hp`` the hyperparameters in the spec's order (an array for ``init``; for ``update`` a
tuple of the first :func:`hp_count` of them, read once per run: it indexes both alike), ``factor`` the learning-rate schedule's
factor for step ``t`` (1-based: the update computes ``eta = lr * factor``), and ``shown`` the tuple
of floats recorded in the run's ``state`` columns (the spec's ``state`` names, in order).  A
second-order method's update also receives the Hessian ``(hxx, hxy, hyy)`` after the gradient.

The drivers here do everything else, the same way for every optimizer: read the common options,
draw the gradient (exact, plus noise, then clipped: :func:`optviz.kernels.perturb`), evaluate the
schedule, record each iterate with its loss and evaluation counts, stop a run that diverges or has
used its work or time limit, and store the shown state.  An optimizer module then needs only::

    adam = first_order(init, update)      # the kernel, with optviz.jit.KERNEL_SIGNATURE

How: each driver's loop is written once below, as plain Python that calls ``init`` and ``update``
as globals.  :func:`first_order` makes a copy of that function whose globals name the optimizer's
own ``init`` and ``update`` and compiles it, so Numba inlines them as it inlines any compiled
helper, and the loop runs as fast as the hand-written loops it replaced (see
``benchmarks/README.md``).  The copy is filed under the optimizer's module for Numba's disk cache
(its source stamp is that module's, plus every file it depends on, this one included: see
:func:`optviz.jit.dependencies`), so editing an update recompiles its kernel and only that one.  Passing ``init`` and
``update`` to a compiled driver as arguments instead cannot be cached: Numba then embeds the
functions' addresses in the code, and keys its cache by their types, which hold weak references.  The grid drivers of :mod:`optviz.grid` run the same ``update`` over
many runs at once.

Methods whose step searches along a line or keeps a simplex (gradient descent with a line
search, CG, BFGS, L-BFGS, Nelder-Mead) evaluate the surface themselves and keep their own loops.
"""
import ast
import functools
import inspect
import math
import textwrap
import types as _python_types
from collections import namedtuple

import numpy as np
from numba import njit
from numba.np.unsafe.ndarray import to_fixed_tuple

from optviz.jit import compiled_wide, jit, kernel, params_t, thread_cpu_ns, types
from optviz.kernels import (DIVERGED, OK, OPT_DEADLINE, TIME_LIMIT, WORK_LIMIT, clipped, options, perturb,
                            record, schedule)

__all__ = ["first_order", "second_order", "store"]


@jit
def store(state, t, shown):
    """Row ``t`` of the run's ``state`` columns: the tuple ``shown``."""
    for k in range(len(shown)):
        state[t, k] = shown[k]


def init(hp, x, y):  # replaced by the optimizer's own in each compiled copy of a driver
    raise NotImplementedError


def update(*args):  # replaced by the optimizer's own in each compiled copy of a driver
    raise NotImplementedError


def _first_order(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    """Run ``update`` for ``steps`` steps from ``(x, y)``; one gradient per step."""
    o = options(opts)
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    s, shown = init(hp, x, y)
    store(state, 0, shown)
    h = to_fixed_tuple(hp[:NH], NH)   # read once: from the array, every step reloaded them (7% slower)
    for t in range(1, steps + 1):
        gx, gy = perturb(gradient(x, y, p), o)
        s, x, y, shown = update(s, x, y, gx, gy, h, schedule(o, t - 1, steps), t)
        status = record(value(x, y, p), x, y, t, 0, t, 0, xy, loss, counts, o)
        if status:
            return t - 1, status
        store(state, t, shown)
    return steps, 0


def _second_order(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    """As the first-order loop, with the exact Hessian passed to ``update`` after the (perturbed)
    gradient: one gradient and one Hessian per step."""
    o = options(opts)
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    s, shown = init(hp, x, y)
    store(state, 0, shown)
    h = to_fixed_tuple(hp[:NH], NH)
    for t in range(1, steps + 1):
        gx, gy = perturb(gradient(x, y, p), o)
        hxx, hxy, hyy = hessian(x, y, p)
        s, x, y, shown = update(s, x, y, gx, gy, hxx, hxy, hyy, h, schedule(o, t - 1, steps), t)
        status = record(value(x, y, p), x, y, t, 0, t, t, xy, loss, counts, o)
        if status:
            return t - 1, status
        store(state, t, shown)
    return steps, 0


def specialise(template, init, update, name=None, **extra_globals):
    """A copy of the plain function ``template`` whose globals ``init`` and ``update`` are the
    given compiled functions (and ``extra_globals``), filed for Numba's cache under ``update``'s
    module as ``name`` (default: the template's name): one copy per name per module."""
    source = update.py_func
    # filed at the line of ``update`` in its module: Numba reads the source there (for a type
    # annotation in the cache) and names the cache file by it
    code = template.__code__.replace(co_filename=source.__code__.co_filename,
                                     co_firstlineno=source.__code__.co_firstlineno)
    scope = {**template.__globals__, "init": init, "update": update, **extra_globals}
    copy = _python_types.FunctionType(code, scope, template.__name__, template.__defaults__)
    copy.__module__ = source.__module__
    copy.__qualname__ = name or template.__name__.lstrip("_")
    copy.__doc__ = template.__doc__
    return copy


#: How each kernel made here was made: its ``init``, its ``update`` and its order (1: gradient;
#: 2: gradient and Hessian), so that :func:`grid_kernel` can run the same update over a grid.
#: ``when`` is ``None``, or ``(column, value)``: the kernel runs this update only when
#: ``hp[column] == value`` (gradient descent's fixed step, when it has no line search).
Made = namedtuple("Made", "init update order when")
MADE: dict = {}


def hp_count(*functions) -> int:
    """How many hyperparameters the functions read: 1 + the largest constant ``i`` in ``hp[i]``
    in their source (the drivers pass ``update`` the first that many as a tuple, read once)."""
    largest = -1
    for fn in functions:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn.py_func)))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "hp"
                    and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int)):
                largest = max(largest, node.slice.value)
    return largest + 1


def first_order(init, update):
    """The kernel (:data:`optviz.jit.KERNEL_SIGNATURE`) of a first-order method."""
    made = kernel(specialise(_first_order, init, update, NH=hp_count(update)))
    MADE[made] = Made(init, update, 1, None)
    return made


def second_order(init, update):
    """The kernel of a method whose update also takes the Hessian ``(hxx, hxy, hyy)``."""
    made = kernel(specialise(_second_order, init, update, NH=hp_count(update)))
    MADE[made] = Made(init, update, 2, None)
    return made


# --- grids: many runs of one update at once ------------------------------------------------------

#: Runs advanced together, step by step, in :func:`grid_kernel`'s loop: enough to fill the
#: vector registers and hide the latency of square roots and divisions.
BLOCK = 32
#: Outputs per run of a grid kernel (rows of ``out``); see :func:`grid_kernel`.
DONE, STATUS, TO_TOL, MINIMUM, SETTLED, WORK = range(6)
#: ``MINIMUM`` for a run that reaches no known minimum, and for one that diverged.
NO_MINIMUM, DIVERGED_MINIMUM = -1, -2


def _columns(name: str, count: int, store: bool, constants=()):
    """A compiled ``name(A, r)`` returning ``(A[0, r], ..., A[count - 1, r])``, or with ``store``
    ``name(A, r, values)`` writing them: column ``r`` of a (count, BLOCK) array as a tuple, read
    and written element by element so that the compiler vectorises across runs (a row view or
    ``to_fixed_tuple`` would not).  ``constants`` are ``(k, value)`` pairs: item ``k`` is then that
    number, written into the code, so that the compiler drops the branches it decides."""
    fixed = dict(constants)
    items = ", ".join(repr(float(fixed[k])) if k in fixed else f"A[{k}, r]" for k in range(count))
    if store:
        body = f"    {items}{',' if count == 1 else ''} = values\n" if count else "    pass\n"
        source = f"def {name}(A, r, values):\n{body}"
    else:
        source = f"def {name}(A, r):\n    return ({items}{',' if count == 1 else ''})\n"
    scope: dict = {}
    exec(compile(source, f"<optviz.drivers.{name}>", "exec"), scope)   # noqa: S102 (our own text)
    return njit(error_model="numpy", nogil=True, inline="always")(scope[name])


def _advance_first(s, x, y, hp, factor, t, p, o):
    """One step of a run in a grid (no noise: see :func:`grid_kernel`): ``(state, x, y)``.
    ``CLIPPING`` is a constant of each compiled copy: the clip test, even when it is false, cost
    a quarter of GD's basin loop."""
    gx, gy = gradient(x, y, p)
    if CLIPPING:
        gx, gy = clipped(gx, gy, o)
    s, x, y, _ = update(s, x, y, gx, gy, hp, factor, t)
    return s, x, y


def _advance_second(s, x, y, hp, factor, t, p, o):
    gx, gy = gradient(x, y, p)
    if CLIPPING:
        gx, gy = clipped(gx, gy, o)
    hxx, hxy, hyy = hessian(x, y, p)
    s, x, y, _ = update(s, x, y, gx, gy, hxx, hxy, hyy, hp, factor, t)
    return s, x, y


def _grid(p, starts, hps, steps, opts, bounds, f_star, tol, minima, radius, final_xy, final_loss, out):
    """Run every row of ``starts`` / ``hps`` as ``simulate`` would (no noise: see
    :func:`grid_kernel`), ``BLOCK`` runs at a time, the runs of a block in the inner loop."""
    o = options(opts)
    n = starts.shape[0]
    deadline = thread_cpu_ns() + opts[OPT_DEADLINE] if opts[OPT_DEADLINE] < math.inf else math.inf
    # basins: each run's candidate minimum (the one whose radius it is within; the minima's balls
    # are disjoint, see optviz.grid) and the step it last came within it, followed as it goes.
    # BASINS is a constant of each compiled copy: a sweep's copy does not follow minima, nor does
    # a basin map's count steps to tol (each cost a tenth of GD's basin loop).
    track = BASINS and minima.shape[0] > 0 and radius > 0.0
    r2 = radius * radius
    S = np.zeros((NS, BLOCK))
    H = np.zeros((NH, BLOCK))
    X, Y, F, R = np.zeros(BLOCK), np.zeros(BLOCK), np.zeros(BLOCK), np.zeros(BLOCK)
    alive = np.zeros(BLOCK, dtype=np.bool_)
    done = np.zeros(BLOCK, dtype=np.int64)
    to_tol = np.zeros(BLOCK, dtype=np.int64)
    near = np.full(BLOCK, NO_MINIMUM)
    since = np.zeros(BLOCK, dtype=np.int64)
    CX, CY = np.full(BLOCK, math.inf), np.full(BLOCK, math.inf)   # the candidate's coordinates
    factors = np.empty(steps + 1)   # the schedule's, once (a call per step and block: 4% of GD's loop)
    for t in range(1, steps + 1):
        factors[t] = schedule(o, t - 1, steps)
    for b0 in range(0, n, BLOCK):
        m = min(BLOCK, n - b0)
        if thread_cpu_ns() > deadline:
            for i in range(b0, n):
                out[DONE, i], out[STATUS, i], out[TO_TOL, i] = -1, TIME_LIMIT, -1
                out[MINIMUM, i], out[SETTLED, i], out[WORK, i] = NO_MINIMUM, -1, 0
                final_xy[i, 0] = final_xy[i, 1] = final_loss[i] = math.nan
            return
        for r in range(BLOCK):   # a short last block repeats its first run in the unused lanes
            i = b0 + (r if r < m else 0)
            for k in range(NH):
                H[k, r] = hps[i, k]
            s, _ = init(hps[i], starts[i, 0], starts[i, 1])
            store_state(S, r, s)
            X[r], Y[r], R[r] = starts[i, 0], starts[i, 1], bounds[i]
            F[r] = value(X[r], Y[r], p)
            alive[r] = inside(X[r], Y[r], F[r], R[r])
            done[r] = 0
            to_tol[r] = 0 if not BASINS and F[r] - f_star <= tol else -1
            if track:
                (near[r], CX[r], CY[r]), since[r] = within(X[r], Y[r], minima, r2), 0
        stopped = OK
        for t in range(1, steps + 1):
            # as record(): a step that escapes is a divergence; one that does not but passes the
            # work limit is not kept, and the run stops on the limit
            over = WORK_PER_STEP * t > o.work_limit
            under = not over
            factor = factors[t]
            lost = 0
            for r in range(BLOCK):   # branch-free (selects), so the compiler vectorises across runs
                s0 = load_state(S, r)
                s, x, y = advance(s0, X[r], Y[r], load_hp(H, r), factor, t, p, o)
                f = value(x, y, p)
                moved = alive[r] & inside(x, y, f, R[r])
                keep = moved & under
                store_state(S, r, s if keep else s0)
                if not BASINS:
                    to_tol[r] = t if keep & (to_tol[r] < 0) & (f - f_star <= tol) else to_tol[r]
                X[r], Y[r], F[r], done[r] = (x if keep else X[r]), (y if keep else Y[r]), (f if keep else F[r]), \
                    (t if keep else done[r])
                alive[r] = moved
                if track:   # a step kept outside the candidate's radius
                    dx, dy = x - CX[r], y - CY[r]
                    lost += keep & (not dx * dx + dy * dy <= r2)
            if over:
                stopped = WORK_LIMIT
                break
            if track and lost:   # runs that moved out of their candidate's radius (or have none): look again
                for r in range(BLOCK):
                    dx, dy = X[r] - CX[r], Y[r] - CY[r]
                    if done[r] == t and not dx * dx + dy * dy <= r2:
                        (near[r], CX[r], CY[r]), since[r] = within(X[r], Y[r], minima, r2), t
        for r in range(m):
            i = b0 + r
            d = done[r]
            status = stopped if alive[r] else DIVERGED
            out[DONE, i], out[STATUS, i], out[TO_TOL, i] = d, status, to_tol[r]
            out[WORK, i] = WORK_PER_STEP * d
            final_xy[i, 0], final_xy[i, 1], final_loss[i] = X[r], Y[r], F[r]
            out[MINIMUM, i], out[SETTLED, i] = NO_MINIMUM, d
            if status == DIVERGED:
                out[MINIMUM, i] = DIVERGED_MINIMUM
            elif track and near[r] >= 0:
                out[MINIMUM, i], out[SETTLED, i] = near[r], since[r]


@jit
def reached(xs, ys, done, minima, radius):
    """Where a run of a grid ended, for a basin map: ``(k, t)`` with ``k`` the index of the nearest
    of ``minima`` if it is within ``radius`` of ``(xs[done], ys[done])`` (else
    :data:`NO_MINIMUM`), and ``t`` the first step from which every iterate stays within ``radius``
    of it (``done`` when none is reached)."""
    best, nearest = math.inf, -1
    for k in range(minima.shape[0]):
        dx, dy = xs[done] - minima[k, 0], ys[done] - minima[k, 1]
        if dx * dx + dy * dy < best:
            best, nearest = dx * dx + dy * dy, k
    if nearest < 0 or best > radius * radius:
        return NO_MINIMUM, done
    t = done
    while t > 0:
        dx, dy = xs[t - 1] - minima[nearest, 0], ys[t - 1] - minima[nearest, 1]
        if dx * dx + dy * dy > radius * radius:
            break
        t -= 1
    return nearest, t


@njit(error_model="numpy", nogil=True)
def within(x, y, minima, r2):
    """``(k, x_k, y_k)``: the minimum (row ``k`` of ``minima``) that ``(x, y)`` is within
    ``sqrt(r2)`` of (their balls are disjoint: at most one is), or ``(NO_MINIMUM, inf, inf)``."""
    for k in range(minima.shape[0]):
        dx, dy = x - minima[k, 0], y - minima[k, 1]
        if dx * dx + dy * dy <= r2:
            return k, minima[k, 0], minima[k, 1]
    return NO_MINIMUM, math.inf, math.inf


def disjoint(minima, radius: float) -> bool:
    """No point is within ``radius`` of two of ``minima`` (so a grid can follow, as it goes, which
    one a run is near)."""
    m = np.asarray(minima, dtype=np.float64).reshape(-1, 2)
    if len(m) < 2:
        return True
    d2 = ((m[:, None, :] - m[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(d2, np.inf)
    return bool(d2.min() > (2 * radius) ** 2)


@njit(error_model="numpy", nogil=True, inline="always")
def inside(x, y, f, bound):
    """Not :func:`optviz.kernels.escaped`, with the run's own bound, and without branches (so a
    grid's loop vectorises)."""
    return (abs(x) <= bound) & (abs(y) <= bound) & math.isfinite(f)


#: The signature of a grid kernel (see :func:`grid_kernel`).
f8, i8 = types.float64, types.int64
#: starts and hyperparameters may be broadcast views (a row repeated with stride 0: a basin map's
#: hyperparameters, a sweep's start), read once per run, so they cost no memory to build
rows_t = types.Array(types.float64, 2, "A", readonly=True)
GRID_SIGNATURE = types.void(
    params_t, rows_t, rows_t, i8, f8[::1], f8[::1],           # p, starts, hps, steps, opts, bounds
    f8, f8, f8[:, ::1], f8,                                     # f*, tol, minima, radius
    f8[:, ::1], f8[::1], i8[:, :],                              # out: final point, final loss, integers (6, n)
)


@functools.cache
def grid_kernel(made: Made, surface_module_value, surface_gradient, surface_hessian, n_state: int, n_hp: int,
                switches: tuple = (), clipping: bool = False, basins: bool = False):
    """The compiled grid loop for one update on one surface (its functions inlined, so the loop
    vectorises across runs); compiled on first use and cached on disk, filed under the
    optimizer's module as ``grid_<surface function's module>``.

    ``kernel(p, starts, hps, steps, opts, bounds, f_star, tol, minima, radius, final_xy,
    final_loss, out)`` runs row ``i`` of ``starts``/``hps`` from ``starts[i]`` with bound
    ``bounds[i]``, and writes ``final_xy[i]``, ``final_loss[i]`` and ``out[DONE | STATUS |
    TO_TOL | MINIMUM | SETTLED | WORK, i]``.  ``opts`` as a kernel's, but without noise (the runs of
    a block share one generator, so noisy grids go run by run) and with ``OPT_DEADLINE`` a
    duration in ns.  Each cell equals ``simulate``'s run bit for bit.

    ``switches`` are ``(column, value)`` pairs of hyperparameters that are the same in every row
    (the switches and choices: a grid varies only numbers): they are compiled in as constants, so
    the update's branches on them vanish and its arithmetic vectorises (a branch around a block
    of arithmetic, as optax's AMSGrad in Adam's update, otherwise keeps the loop scalar).  One
    kernel per combination of switches used.  ``clipping``: whether the grid clips gradients
    (``opts[OPT_CLIP]`` finite), compiled in too; a kernel made without it ignores the clip.
    ``basins``: a basin map's copy, which follows the minima (when ``radius`` > 0) and leaves
    ``TO_TOL`` at -1; a sweep's copy (the default) counts the steps to ``tol`` and ignores
    ``minima``."""
    surface_file = surface_module_value.py_func.__module__.rsplit(".", 1)[-1]
    if switches:
        surface_file += "_" + "_".join(f"{k}x{int(v)}" for k, v in switches)
    if clipping:
        surface_file += "_clip"
    if basins:
        surface_file += "_basins"
    scope = dict(value=surface_module_value, gradient=surface_gradient, hessian=surface_hessian, CLIPPING=clipping,
                 BASINS=basins,
                 NS=n_state, NH=n_hp, WORK_PER_STEP=made.order + 1,   # the gradient (and Hessian) and the step
                 load_state=_columns("load_state", n_state, False), store_state=_columns("store_state", n_state, True),
                 load_hp=_columns("load_hp", n_hp, False, switches))
    advance = jit(specialise(_advance_first if made.order == 1 else _advance_second, made.init, made.update,
                             name=f"advance_{surface_file}", **scope))
    scope["advance"] = advance
    return compiled_wide(GRID_SIGNATURE)(specialise(_grid, made.init, made.update, name=f"grid_{surface_file}", **scope))
