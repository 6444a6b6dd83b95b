"""Pieces shared by every optimizer kernel.

A kernel is one compiled loop with the signature :data:`optviz.jit.KERNEL_SIGNATURE`::

    kernel(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state)
        -> (steps_done, diverged)

``value``, ``gradient`` and ``hessian`` are the surface's compiled functions and ``p`` its
parameters; ``(x, y)`` is the start; ``hp`` the hyperparameters in the order of the optimizer's
spec; ``opts`` the options common to all optimizers, laid out as the ``OPT_*`` indices below.  The
kernel fills row ``t`` of ``xy``, ``loss``, ``counts`` (cumulative function, gradient and Hessian
evaluations, and the work done) and ``state`` for ``t = 0 .. steps_done``, using :func:`record`,
and stops early only when the run diverges or has used up its work limit.  The status it returns
is :data:`OK`, :data:`DIVERGED` or :data:`WORK_LIMIT`.

Most kernels are made by :mod:`optviz.drivers` from an optimizer's ``init`` and ``update``;
the loop they all share, and that a method with a line search writes itself, is::

    o = options(opts)                                   # scalars; seeds the noise
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    for t in range(1, steps + 1):
        gx, gy = perturb(gradient(x, y, p), o)          # exact + noise, then clipped
        eta = lr * schedule(o, t - 1, steps)            # t counts from 1
        x, y = ...                                      # the update, one equation a line
        status = record(value(x, y, p), x, y, t, fe, ge, he, xy, loss, counts, o)
        if status:
            return t - 1, status

**Work.**  A step's work is counted in *units*: one per function, gradient or Hessian evaluation
the optimizer makes (line-search trials included), plus one per step for the evaluation that
records the loss and the step's own arithmetic (plus ``extra``, for an optimizer whose step costs
more than its evaluations, such as L-BFGS walking a long history).  :func:`record` stops a run
once its cumulative work exceeds ``opts[OPT_WORK_LIMIT]``, so every run is bounded by its limit
plus one step; no step costs more than about 1,100 units (an L-BFGS step with ``max_eval=1000``).
Measured on the service's machines, a unit costs 40-130 ns on every surface, and up to 1.3 us
where the arithmetic reaches subnormal numbers (an iterate within 1e-154 of 0, say, on a surface
whose minimum is at the origin): work units cannot see that, so a run also has a deadline on its
thread's CPU clock as a safety net (see :func:`record`).

Speed: the surface's functions are called in the kernel's own body and every helper here takes
scalars (``o`` is a tuple of floats, unpacked once), so LLVM inlines the helpers and keeps the
whole step in registers; clipping costs nothing unless it is on.  Passing the surface's function
objects or the ``opts`` array into helpers made each step about 4x slower (see
``benchmarks/README.md``).
"""
import math
from collections import namedtuple

import numpy as np

from optviz.jit import jit, thread_cpu_ns
from optviz.schedules import lr_factor

# Layout of ``opts``.
OPT_NOISE = 0      # standard deviation of the Gaussian noise added to each gradient component
OPT_SEED = 1       # seed of the noise
OPT_CLIP = 2       # largest gradient norm (inf: no clipping)
OPT_SCHEDULE = 3   # schedule kind, then its two parameters (see optviz.schedules)
OPT_SCHEDULE_A = 4
OPT_SCHEDULE_B = 5
OPT_BOUND = 6      # a run whose |x| or |y| exceeds this has diverged
OPT_WORK_LIMIT = 7  # the most work units the run may spend (inf: no limit)
OPT_DEADLINE = 8    # the reading of optviz.jit.thread_cpu_ns() at which the run stops (inf: none)
N_OPTS = 9

# What a kernel returns beside the steps it took.
OK = 0          # ran every step
DIVERGED = 1    # the next iterate (or its loss) was not finite, or left the bound
WORK_LIMIT = 2  # stopped once it had used its work limit
TIME_LIMIT = 3  # stopped at its deadline
#: The deadline is checked each time the work crosses a multiple of 2**CLOCK_SHIFT units (every
#: 2.5-8 ms of ordinary arithmetic), so reading the clock costs nothing measurable.
CLOCK_SHIFT = 16
#: Columns of ``counts``: cumulative evaluations of f, of the gradient and of the Hessian, and work.
N_COUNTS = 4


def default_opts() -> np.ndarray:
    """``opts`` for a run with exact gradients, no clipping, a constant rate and no bound or
    limit: set the fields a caller needs on a copy of this (tests, benchmarks)."""
    opts = np.zeros(N_OPTS)
    opts[[OPT_CLIP, OPT_BOUND, OPT_WORK_LIMIT, OPT_DEADLINE]] = math.inf
    return opts


#: ``opts`` unpacked into scalars, as the kernels use them.
Options = namedtuple("Options", ["noise", "clip", "schedule", "schedule_a", "schedule_b", "bound", "work_limit",
                                 "deadline"])


@jit
def options(opts):
    """Unpack ``opts`` into an :data:`Options` tuple and seed the generator behind
    :func:`perturb` (same seed, same path)."""
    if opts.size != N_OPTS:
        raise ValueError("opts must have N_OPTS entries (see the OPT_* indices of optviz.kernels)")
    np.random.seed(np.int64(opts[OPT_SEED]))
    return Options(opts[OPT_NOISE], opts[OPT_CLIP], opts[OPT_SCHEDULE], opts[OPT_SCHEDULE_A],
                   opts[OPT_SCHEDULE_B], opts[OPT_BOUND], opts[OPT_WORK_LIMIT], opts[OPT_DEADLINE])


#: ``torch.nn.utils.clip_grad_norm_`` adds this to the norm before dividing by it.
CLIP_NORM_EPS = 1e-6


@jit
def perturb(g, o):
    """The gradient an optimizer sees, from the exact gradient ``g = (gx, gy)``: add the
    configured noise, then clip its norm (:func:`clipped`)."""
    gx, gy = g
    if o.noise > 0.0:
        gx += o.noise * np.random.standard_normal()
        gy += o.noise * np.random.standard_normal()
    return clipped(gx, gy, o)


@jit
def clipped(gx, gy, o):
    """``(gx, gy)`` clipped as ``torch.nn.utils.clip_grad_norm_(max_norm=clip)`` does: multiplied
    by ``clip / (norm + 1e-6)`` when that is below 1 (so a gradient whose norm is within 1e-6 of
    ``clip`` is shrunk very slightly too, and a clipped norm ends just under ``clip``).  Without
    noise this is all of :func:`perturb`; the grid loops call it alone, because the generator's
    call, even when skipped, keeps the compiler from vectorising across runs."""
    if o.clip < math.inf:   # no square root and division on the critical path when not clipping
        coef = o.clip / (math.sqrt(gx * gx + gy * gy) + CLIP_NORM_EPS)
        if coef < 1.0:
            gx *= coef
            gy *= coef
    return gx, gy


@jit
def weight_decay_step(x, y, gx, gy, eta, weight_decay, decoupled):
    """Weight decay ``lambda``, the two ways: decoupled (AdamW's, Loshchilov and Hutter), the
    parameters shrink, ``theta <- theta (1 - eta lambda)``; otherwise (L2) the gradient gains
    ``lambda theta``.  Returns ``(x, y, gx, gy)``."""
    if decoupled:
        x *= 1.0 - eta * weight_decay
        y *= 1.0 - eta * weight_decay
    else:
        gx += weight_decay * x
        gy += weight_decay * y
    return x, y, gx, gy


@jit
def schedule(o, t, total):
    """The learning-rate factor at step ``t`` (0-based) of ``total``."""
    return lr_factor(o.schedule, o.schedule_a, o.schedule_b, t, total)


@jit
def bias_power(power, beta):
    """Advance ``power = beta**t`` by one step as a running product.

    Once ``1 - power`` has rounded to 1 the power stops changing: the bias correction is then
    exactly 1 either way, and the product never reaches subnormal numbers (slow on most CPUs).
    """
    if 1.0 - power == 1.0:
        return power
    return power * beta


@jit
def escaped(x, y, f, o):
    """True when an iterate or its loss is no longer finite, or has left the bound."""
    return not (abs(x) <= o.bound and abs(y) <= o.bound and math.isfinite(f))


@jit
def record(f, x, y, t, fe, ge, he, xy, loss, counts, o, extra=0):
    """Store iterate ``t``, its loss ``f`` and the cumulative evaluations ``fe``, ``ge``, ``he``.

    Returns :data:`OK`; :data:`DIVERGED` (storing nothing) when the iterate has escaped;
    :data:`WORK_LIMIT` when the work so far, ``fe + ge + he + t + extra`` units, exceeds the
    run's limit; or :data:`TIME_LIMIT` when the thread's CPU clock has passed the run's deadline
    (read when the work crosses a multiple of ``2**CLOCK_SHIFT``).  The kernel returns
    ``(t - 1, status)`` on any but OK: row ``t`` is dropped."""
    if escaped(x, y, f, o):
        return DIVERGED
    xy[t, 0] = x
    xy[t, 1] = y
    loss[t] = f
    work = fe + ge + he + t + extra
    counts[t, 0] = fe
    counts[t, 1] = ge
    counts[t, 2] = he
    counts[t, 3] = work
    if work > o.work_limit:
        return WORK_LIMIT
    if work >> CLOCK_SHIFT != counts[t - 1, 3] >> CLOCK_SHIFT and thread_cpu_ns() > o.deadline:
        return TIME_LIMIT
    return OK
