"""A request's runs: each run of a configuration simulated under the request's work limit, and cached.

A request (a figure update, a JSON API call) may spend at most ``settings.WORK_LIMIT`` work units
(:mod:`optviz.kernels`: about one evaluation each) across all its runs, checked inside the compiled
loops.  The runs are simulated in legend order, and each may spend an equal share of what the
runs before it left: with ``n`` runs every run gets at least ``1/n`` of the limit, and what light
runs leave goes to the heavier ones after them.  A run that reaches its share stops there, with
``status == "work_limit"``.  The same configuration always gets the same shares, so a link
always draws the same picture.

Time is shared the same way, as a safety net: the request's runs may use at most
``settings.TIME_LIMIT`` seconds of CPU time (of the thread that serves the request, so a busy
machine does not shorten it), each an equal share of what is left.  A run stopped on that clock
(``status == "time_limit"``: arithmetic on subnormal numbers, which work units do not see) is not
cached.

Runs are kept in the process's byte-bounded cache (:mod:`optviz.cache`).  A run that finished
within its share is reused under any share at least as large as the work it did; one that was
stopped on its work limit is reused only under the same share.
"""
from __future__ import annotations

import time

import optviz
from optviz import cache, settings
from optviz.config import Config, Run
from optviz.spec import Trajectory

__all__ = ["trajectory", "simulate_config", "grid_share", "run_key"]


def grid_share(cells: int) -> int:
    """Each cell's work limit in a grid of ``cells`` runs (a sweep, a basin map, a fan): an equal
    share of ``settings.GRID_WORK_LIMIT``."""
    return max(1, settings.GRID_WORK_LIMIT // max(cells, 1))


def run_key(config: Config, run: Run) -> tuple:
    """What a run's result depends on: its cache key (the grids of a run extend it)."""
    kwargs = config.simulate_kwargs(run)
    schedule = tuple(sorted(kwargs["schedule"].items())) if kwargs["schedule"] else None
    return ("run", run.optimizer, config.surface, config.surface_params, run.hyperparameters, tuple(config.start),
            config.steps, kwargs["noise"], kwargs["seed"], kwargs["clip"], schedule, kwargs.get("batch_size"))


def trajectory(config: Config, run: Run, work_limit: int | None = None, time_limit: float | None = None) -> Trajectory:
    """``run`` simulated under ``config``, spending at most ``work_limit`` units and ``time_limit``
    seconds (default: a whole request's).  Raises ``ValueError`` as :func:`optviz.simulate` does."""
    limit = settings.WORK_LIMIT if work_limit is None else max(1, int(work_limit))
    seconds = settings.TIME_LIMIT if time_limit is None else max(1e-3, float(time_limit))   # CPU seconds
    key = run_key(config, run)
    cached = cache.get(key)
    if cached is not None:
        traj, share = cached
        if traj.status != "work_limit" and traj.work <= limit or traj.status == "work_limit" and share == limit:
            return traj
    traj = optviz.simulate(run.optimizer, config.surface_obj(), work_limit=limit, time_limit=seconds,
                           **config.simulate_kwargs(run), **dict(run.hyperparameters))
    if traj.status != "time_limit":
        cache.put(key, (traj, limit))
    return traj


def simulate_config(config: Config, work_limit: int | None = None) -> list[Trajectory | ValueError]:
    """Every run of ``config``, in legend order: its trajectory, or the ``ValueError`` that kept it
    from running.  Together they spend at most ``work_limit`` units (default
    ``settings.WORK_LIMIT``), shared as the module's docstring says."""
    remaining = settings.WORK_LIMIT if work_limit is None else int(work_limit)
    started = time.thread_time()
    out: list[Trajectory | ValueError] = []
    for i, run in enumerate(config.runs):
        left = len(config.runs) - i
        share = remaining // left
        try:
            traj = trajectory(config, run, share, (settings.TIME_LIMIT - (time.thread_time() - started)) / left)
        except ValueError as err:
            out.append(err)
            continue
        remaining -= traj.work
        out.append(traj)
    return out
