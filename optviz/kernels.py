"""Pieces shared by every optimizer kernel.

A kernel is one compiled loop with the signature :data:`optviz.jit.KERNEL_SIGNATURE`::

    kernel(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state)
        -> (steps_done, diverged)

``value``, ``gradient`` and ``hessian`` are the surface's compiled functions and ``p`` its
parameters; ``(x, y)`` is the start; ``hp`` the hyperparameters in the order of the optimizer's
spec; ``opts`` the options common to all optimizers, laid out as the ``OPT_*`` indices below.  The
kernel fills row ``t`` of ``xy``, ``loss``, ``counts`` (cumulative function, gradient and Hessian
evaluations) and ``state`` for ``t = 0 .. steps_done``, using :func:`record`, and stops early only
when the run diverges.

The usual loop body::

    gx, gy = stochastic_gradient(gradient, p, x, y, opts)   # exact + noise, then clipped
    eta = lr * schedule(opts, t - 1, steps)                 # t counts from 1
    x, y = ...                                              # the update, one equation a line
    if record(value, p, x, y, t, fe, ge, he, xy, loss, counts, opts):
        return t - 1, 1
"""
import math

import numpy as np

from optviz.jit import jit
from optviz.schedules import lr_factor

# Layout of ``opts``.
OPT_NOISE = 0      # standard deviation of the Gaussian noise added to each gradient component
OPT_SEED = 1       # seed of the noise
OPT_CLIP = 2       # largest gradient norm (inf: no clipping)
OPT_SCHEDULE = 3   # schedule kind, then its two parameters (see optviz.schedules)
OPT_SCHEDULE_A = 4
OPT_SCHEDULE_B = 5
OPT_BOUND = 6      # a run whose |x| or |y| exceeds this has diverged
N_OPTS = 7


@jit
def seed_noise(opts):
    """Seed the generator behind :func:`stochastic_gradient` (same seed, same path)."""
    np.random.seed(np.int64(opts[OPT_SEED]))


#: ``torch.nn.utils.clip_grad_norm_`` adds this to the norm before dividing by it.
CLIP_NORM_EPS = 1e-6


@jit
def perturb(gx, gy, opts):
    """Add the configured noise to a gradient, then clip its norm as
    ``torch.nn.utils.clip_grad_norm_(max_norm=clip)`` does: multiply by
    ``clip / (norm + 1e-6)`` when that is below 1 (so a gradient whose norm is within 1e-6 of
    ``clip`` is shrunk very slightly too, and a clipped norm ends just under ``clip``)."""
    sigma = opts[OPT_NOISE]
    if sigma > 0.0:
        gx += sigma * np.random.standard_normal()
        gy += sigma * np.random.standard_normal()
    norm = math.sqrt(gx * gx + gy * gy)
    coef = opts[OPT_CLIP] / (norm + CLIP_NORM_EPS)
    if coef < 1.0:
        gx *= coef
        gy *= coef
    return gx, gy


@jit
def stochastic_gradient(gradient, p, x, y, opts):
    """The gradient an optimizer sees: exact, plus noise, clipped."""
    gx, gy = gradient(x, y, p)
    return perturb(gx, gy, opts)


@jit
def schedule(opts, t, total):
    """The learning-rate factor at step ``t`` (0-based) of ``total``."""
    return lr_factor(opts[OPT_SCHEDULE], opts[OPT_SCHEDULE_A], opts[OPT_SCHEDULE_B], t, total)


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
def escaped(x, y, f, opts):
    """True when an iterate or its loss is no longer finite, or has left the bound."""
    bound = opts[OPT_BOUND]
    return not (abs(x) <= bound and abs(y) <= bound and math.isfinite(f))


@jit
def record(value, p, x, y, t, fe, ge, he, xy, loss, counts, opts):
    """Store iterate ``t`` and its loss; return True (and store nothing) if the run diverged."""
    f = value(x, y, p)
    if escaped(x, y, f, opts):
        return True
    xy[t, 0] = x
    xy[t, 1] = y
    loss[t] = f
    counts[t, 0] = fe
    counts[t, 1] = ge
    counts[t, 2] = he
    return False
