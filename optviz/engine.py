"""``simulate``: validate the request, run the optimizer's compiled loop, wrap the result."""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

import surfaces
from surfaces import _data
from optviz import optimizers, schedules
from optviz.kernels import (DIVERGED, N_COUNTS, N_OPTS, OPT_BOUND, OPT_CLIP, OPT_DEADLINE, OPT_NOISE, OPT_SCHEDULE,
                            OPT_SCHEDULE_A, OPT_SCHEDULE_B, OPT_SEED, OPT_WORK_LIMIT)
from optviz.options import CLIP, NOISE, SEED, STEPS
from optviz.spec import STATUSES, STEPS_CAP, OptimizerSpec, Trajectory, as_float, shown

__all__ = ["simulate", "STEPS_CAP"]

#: A run is stopped as diverged once |x| or |y| exceeds this many times the plotting window's
#: largest coordinate (and at least this many units).
BOUND_FACTOR = 1e4


def bound(surface: surfaces.Surface, x0: float, y0: float) -> float:
    """How far a run from ``(x0, y0)`` may go before it counts as diverged: :data:`BOUND_FACTOR`
    times the largest coordinate of the window and the start (at least 1)."""
    (xmin, xmax), (ymin, ymax) = surface.domain
    return BOUND_FACTOR * max(1.0, abs(xmin), abs(xmax), abs(ymin), abs(ymax), abs(x0), abs(y0))


def run_options(*, noise, seed, clip, work_limit, time_limit, schedule) -> tuple[np.ndarray, float]:
    """The options common to every kernel (``opts``, see :mod:`optviz.kernels`), checked as
    ``simulate`` checks them, with no bound and no deadline yet (they depend on the start and the
    clock), and the time limit in seconds (``inf`` for none)."""
    opts = np.empty(N_OPTS)
    opts[OPT_NOISE] = NOISE.validate(noise, strict=True)
    opts[OPT_SEED] = SEED.validate(seed, strict=True)
    opts[OPT_CLIP] = _clip(clip)
    opts[OPT_WORK_LIMIT] = _limit("work_limit", work_limit)
    seconds = _limit("time_limit", time_limit)
    schedule_name, schedule_values = schedules.parse(schedule, strict=True)
    opts[OPT_SCHEDULE], opts[OPT_SCHEDULE_A], opts[OPT_SCHEDULE_B] = schedules.encode(schedule_name, schedule_values)
    opts[OPT_BOUND] = opts[OPT_DEADLINE] = math.inf
    return opts, seconds


def _start(start: Any, surface: surfaces.Surface) -> tuple[float, float]:
    if start is None:
        return surface.start
    try:
        x, y = start
    except (TypeError, ValueError):
        raise ValueError(f"start must be a pair of finite numbers (x, y); got {shown(start)}") from None
    point = []
    for name, value in (("start x", x), ("start y", y)):
        number = as_float(value, strict=True)
        if number is None or not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number; got {shown(value)}")
        point.append(number)
    return point[0], point[1]


def _clip(clip: Any) -> float:
    if clip is None:
        return math.inf
    try:
        return CLIP.validate(clip, strict=True)
    except ValueError:
        raise ValueError(f"clip must be None (no clipping) or {CLIP.allowed}; got {shown(clip)}") from None


def _limit(name: str, limit: Any) -> float:
    if limit is None:
        return math.inf
    number = as_float(limit, strict=True)
    if number is None or not number > 0:
        raise ValueError(f"{name} must be None (no limit) or a number > 0; got {shown(limit)}")
    return number


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
#: Columns of the output buffer besides the state: xy (2), loss (1), counts (N_COUNTS int64).
_FIXED_COLUMNS = 3 + N_COUNTS


def _carve(buffer: np.ndarray, rows: int, width: int):
    """``xy`` (rows, 2), ``loss`` (rows,), ``counts`` (rows, N_COUNTS) int64 and ``state``
    (rows, width): views of ``buffer``, one after the other."""
    xy = buffer[:2 * rows].reshape(rows, 2)
    loss = buffer[2 * rows:3 * rows]
    counts = buffer[3 * rows:_FIXED_COLUMNS * rows].view(np.int64).reshape(rows, N_COUNTS)
    state = buffer[_FIXED_COLUMNS * rows:(_FIXED_COLUMNS + width) * rows].reshape(rows, width)
    return xy, loss, counts, state


def _outputs(rows: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zeroed output arrays for ``rows`` iterates, carved from one buffer.

    A long run writes tens of megabytes the process has never touched; in separate arrays every
    4 KiB page of them costs a page fault, which doubled the time of a 100,000-step run.  One
    buffer of 4 MiB or more is backed by 2 MiB pages instead.  The arrays returned are views that
    keep the buffer alive."""
    size = rows * (_FIXED_COLUMNS + width)
    if size * 8 >= _ROUND_UP_BYTES:
        size = max(size, _HUGE_BYTES // 8)
    return _carve(np.zeros(size), rows, width)


def _kept(outputs, keep: int):
    """The first ``keep`` rows of each output array.  When they fill less than 4/5 of the buffer
    (a run that stopped early, or a buffer rounded up to huge pages) they are copied into a
    buffer of their own, so a cached run holds only what it shows."""
    xy, loss, counts, state = outputs
    width = state.shape[1]
    if 5 * keep * (_FIXED_COLUMNS + width) * 8 >= 4 * loss.base.nbytes:
        return xy[:keep], loss[:keep], counts[:keep], state[:keep]
    own = _carve(np.empty(keep * (_FIXED_COLUMNS + width)), keep, width)
    for target, source in zip(own, outputs):
        target[...] = source[:keep]
    return own


def batched_params(surface: surfaces.Surface, batch_size: Any = None) -> np.ndarray:
    """The parameter array ``p`` a run of ``surface`` uses: with ``batch_size`` (on the loss of a
    model on data), each gradient is that of ``batch_size`` points drawn without replacement
    from the run's generator (seeded by ``seed``, as gradient noise is)."""
    p = surface.params
    if batch_size is None:
        return p
    if not surface.data_size:
        models = ", ".join(s.name for s in surfaces.all_surfaces() if s.data_size)
        raise ValueError(f"batch_size needs the loss of a model on data ({models}); {surface.name} has no data")
    number = as_float(batch_size, strict=True)
    if number is None or number != int(number) or not 1 <= number <= surface.data_size:
        raise ValueError(f"batch_size must be an integer from 1 to {surface.data_size} (the number of points of "
                         f"{surface.name}'s data); got {shown(batch_size)}")
    p[_data.BATCH] = number
    return p


def simulate(optimizer, surface, *, start=None, steps=200, noise=0.0, seed=0, clip=None, schedule=None,
             work_limit=None, time_limit=None, batch_size=None, **hyperparameters) -> Trajectory:
    """Run ``optimizer`` on ``surface`` for ``steps`` steps from ``start``.

    ``optimizer`` and ``surface`` are ids (see ``optviz.optimizers.names()`` and
    ``surfaces.names()``) or spec objects; ``start`` defaults to the surface's ``start``.
    ``noise`` adds Gaussian noise of that standard deviation to each gradient component (the
    stochastic view; the same ``seed`` gives the same path); ``clip`` clips the gradient to that
    norm; ``schedule`` is ``None``, a schedule name or a dict (see :mod:`optviz.schedules`).
    ``work_limit`` bounds the work, in units of about one evaluation (see
    :mod:`optviz.kernels`): the run stops once it has spent that much, with
    ``status == "work_limit"``.  ``time_limit`` (seconds of this thread's CPU time) stops it on
    the clock instead, with ``status == "time_limit"`` (Linux only).  ``batch_size``, on the loss
    of a model on data (``linear_regression``, ...), makes each gradient that of a random
    minibatch of that many points (the same ``seed``, the same batches); the loss recorded is the
    whole data set's.  Remaining keywords are the optimizer's hyperparameters; those not given
    take the spec's defaults.

    A run that diverges (non-finite iterate or loss, or one that leaves a generous bound) stops
    there and is returned with ``diverged=True`` and its finite prefix.  Bad input raises
    ``ValueError`` naming what was wrong and what is allowed.
    """
    spec = _optimizer(optimizer)
    surf = _surface(surface)
    x0, y0 = _start(start, surf)
    n = STEPS.validate(steps, strict=True)
    opts, seconds = run_options(noise=noise, seed=seed, clip=clip, work_limit=work_limit, time_limit=time_limit,
                                schedule=schedule)
    values = spec.resolve(hyperparameters, strict=True)
    opts[OPT_BOUND] = bound(surf, x0, y0)
    opts[OPT_DEADLINE] = time.thread_time_ns() + seconds * 1e9 if seconds < math.inf else math.inf

    p = batched_params(surf, batch_size)
    outputs = _outputs(n + 1, max(len(spec.state), 1))
    done, status = spec.kernel(*surf.functions, p, x0, y0, n, spec.encode(values), opts, *outputs)
    # (0, DIVERGED) is also how a kernel reports that its first step diverged from a good start
    if done == 0 and status == DIVERGED and not math.isfinite(surf.value(x0, y0)):
        raise ValueError(f"the start ({x0:g}, {y0:g}) is outside the region where {surf.name!r} is finite")
    xy, loss, counts, state = _kept(outputs, done + 1)
    return Trajectory(
        optimizer=spec.name,
        surface=surf.name,
        hyperparameters=values,
        xy=xy,
        loss=loss,
        f_evals=counts[:, 0],
        g_evals=counts[:, 1],
        h_evals=counts[:, 2],
        diverged=status == DIVERGED,
        requested_steps=n,
        state={name: state[:, i] for i, name in enumerate(spec.state)},
        status=STATUSES[status],
        work=int(counts[-1, 3]),
    )
