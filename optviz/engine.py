"""``simulate``: validate the request, run the optimizer's compiled loop, wrap the result."""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

import surfaces
from optviz import optimizers, schedules
from optviz.kernels import (N_OPTS, OPT_BOUND, OPT_CLIP, OPT_NOISE, OPT_SCHEDULE, OPT_SCHEDULE_A,
                            OPT_SCHEDULE_B, OPT_SEED)
from optviz.spec import STEPS_CAP, OptimizerSpec, Trajectory

__all__ = ["simulate", "STEPS_CAP"]

#: A run is stopped as diverged once |x| or |y| exceeds this many times the plotting window's
#: largest coordinate (and at least this many units).
BOUND_FACTOR = 1e4


def _number(name: str, value: Any, *, low: float = -math.inf, allowed: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < low:
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    return number


def _start(start: Any, surface: surfaces.Surface) -> tuple[float, float]:
    if start is None:
        return surface.start
    try:
        x, y = start
    except (TypeError, ValueError):
        raise ValueError(f"start must be a pair of finite numbers (x, y); got {start!r}") from None
    return (_number("start x", x, allowed="a finite number"), _number("start y", y, allowed="a finite number"))


def _steps(steps: Any) -> int:
    allowed = f"an integer from 0 to {STEPS_CAP:,}"
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, numbers.Real):
        raise ValueError(f"steps must be {allowed}; got {steps!r}")
    if not math.isfinite(float(steps)) or float(steps) != int(steps) or not 0 <= int(steps) <= STEPS_CAP:
        raise ValueError(f"steps must be {allowed}; got {steps!r}")
    return int(steps)


def _seed(seed: Any) -> int:
    allowed = "an integer from 0 to 2**32 - 1"
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2 ** 32:
        raise ValueError(f"seed must be {allowed}; got {seed!r}")
    return int(seed)


def _surface(surface: Any) -> surfaces.Surface:
    if isinstance(surface, surfaces.Surface):
        return surface
    return surfaces.get(surface)


def _optimizer(optimizer: Any) -> OptimizerSpec:
    if isinstance(optimizer, OptimizerSpec):
        return optimizer
    return optimizers.get(optimizer)


#: Output buffers of at least this many bytes are rounded up to :data:`_HUGE_BYTES`.
_ROUND_UP_BYTES = 1 << 19
#: NumPy asks Linux for transparent huge pages for allocations of at least 4 MiB.
_HUGE_BYTES = 1 << 22


def _outputs(rows: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zeroed ``xy`` (rows, 2), ``loss`` (rows,), ``counts`` (rows, 3) int64 and ``state``
    (rows, width), carved from one buffer.

    A long run writes tens of megabytes the process has never touched; in separate arrays every
    4 KiB page of them costs a page fault, which doubled the time of a 100,000-step run.  One
    buffer of 4 MiB or more is backed by 2 MiB pages instead.  The arrays returned are views that
    keep the buffer alive."""
    size = rows * (6 + width)
    if size * 8 >= _ROUND_UP_BYTES:
        size = max(size, _HUGE_BYTES // 8)
    buffer = np.zeros(size)
    xy = buffer[:2 * rows].reshape(rows, 2)
    loss = buffer[2 * rows:3 * rows]
    counts = buffer[3 * rows:6 * rows].view(np.int64).reshape(rows, 3)
    state = buffer[6 * rows:(6 + width) * rows].reshape(rows, width)
    return xy, loss, counts, state


def simulate(optimizer, surface, *, start=None, steps=200, noise=0.0, seed=0, clip=None, schedule=None,
             **hyperparameters) -> Trajectory:
    """Run ``optimizer`` on ``surface`` for ``steps`` steps from ``start``.

    ``optimizer`` and ``surface`` are ids (see ``optviz.optimizers.names()`` and
    ``surfaces.names()``) or spec objects; ``start`` defaults to the surface's ``start``.
    ``noise`` adds Gaussian noise of that standard deviation to each gradient component (the
    stochastic view; the same ``seed`` gives the same path); ``clip`` clips the gradient to that
    norm; ``schedule`` is ``None``, a schedule name or a dict (see :mod:`optviz.schedules`).
    Remaining keywords are the optimizer's hyperparameters; those not given take the spec's
    defaults.

    A run that diverges (non-finite iterate or loss, or one that leaves a generous bound) stops
    there and is returned with ``diverged=True`` and its finite prefix.  Bad input raises
    ``ValueError`` naming what was wrong and what is allowed.
    """
    spec = _optimizer(optimizer)
    surf = _surface(surface)
    x0, y0 = _start(start, surf)
    n = _steps(steps)
    sigma = _number("noise", noise, low=0.0, allowed="a finite number >= 0")
    rng_seed = _seed(seed)
    if clip is None:
        clip_norm = math.inf
    else:
        clip_norm = _number("clip", clip, allowed="None or a finite number > 0")
        if clip_norm <= 0.0:
            raise ValueError(f"clip must be None or a finite number > 0; got {clip!r}")
    schedule_name, schedule_values = schedules.parse(schedule)
    values = spec.resolve(hyperparameters)

    opts = np.empty(N_OPTS)
    opts[OPT_NOISE] = sigma
    opts[OPT_SEED] = rng_seed
    opts[OPT_CLIP] = clip_norm
    opts[OPT_SCHEDULE], opts[OPT_SCHEDULE_A], opts[OPT_SCHEDULE_B] = schedules.encode(schedule_name, schedule_values)
    (xmin, xmax), (ymin, ymax) = surf.domain
    scale = max(1.0, abs(xmin), abs(xmax), abs(ymin), abs(ymax), abs(x0), abs(y0))
    opts[OPT_BOUND] = BOUND_FACTOR * scale

    xy, loss, counts, state = _outputs(n + 1, max(len(spec.state), 1))
    done, diverged = spec.kernel(*surf.functions, surf.params,
                                 x0, y0, n, spec.encode(values), opts, xy, loss, counts, state)
    # (0, diverged) is also how a kernel reports that its first step diverged from a good start
    if done == 0 and diverged and not math.isfinite(surf.value(x0, y0)):
        raise ValueError(f"the start ({x0:g}, {y0:g}) is outside the region where {surf.name!r} is finite")
    keep = done + 1
    return Trajectory(
        optimizer=spec.name,
        surface=surf.name,
        hyperparameters=values,
        xy=xy[:keep],
        loss=loss[:keep],
        f_evals=counts[:keep, 0],
        g_evals=counts[:keep, 1],
        h_evals=counts[:keep, 2],
        diverged=bool(diverged),
        requested_steps=n,
        state={name: state[:keep, i] for i, name in enumerate(spec.state)},
    )
