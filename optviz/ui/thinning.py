"""Which iterates of a long run a figure draws: thinned by shape, not evenly.

A point is kept when it lies farther than ``eps`` from the last point kept (in the figure's
normalised coordinates, where the plotting window is 1 wide), and the last point is always kept.
So every dropped point lies within ``eps`` of a kept one that comes just before it: at
``eps = 1/1500`` the drawn path and the markers placed on it are off by at most a pixel on a plot
up to 1,500 pixels wide, however the run moved.  Evenly spaced samples draw a run that converges
in 30 steps as one jump when it takes 100,000 of them; here its first steps are all kept, and
the steps where it sits still cost nothing.  When a run keeps moving by more than ``eps`` at every
step (a long oscillation), ``eps`` is doubled until at most ``limit`` points remain.
"""
from __future__ import annotations

import numpy as np

from optviz.jit import jit

__all__ = ["thin", "EPS", "LIMIT"]

#: Tolerance, as a fraction of the window: a pixel on a plot up to 1,500 pixels across.
EPS = 1.0 / 1500
#: The most points of one run a figure draws.
LIMIT = 5000


@jit
def _keep(points, eps, out):
    """Mark in ``out`` the rows of ``points`` (n, d) kept at tolerance ``eps``; return how many.
    A row farther than ``eps`` from the last kept one in any of its d/2 points (pairs of columns)
    is kept; non-finite rows (gaps) are always kept."""
    n, d = points.shape
    count = 0
    last = np.full(d, np.nan)
    eps2 = eps * eps
    for i in range(n):
        far = i == 0 or i == n - 1
        for j in range(0, d, 2):
            du = points[i, j] - last[j]
            dv = points[i, j + 1] - last[j + 1]
            if not (du * du + dv * dv <= eps2):   # nan compares false: a gap is kept
                far = True
        out[i] = far
        if far:
            count += 1
            for j in range(d):
                last[j] = points[i, j]
    return count


def thin(*coordinates: np.ndarray, eps: float = EPS, limit: int = LIMIT) -> np.ndarray:
    """The indices of the points to draw of a path given by its normalised coordinates, in pairs
    (``u, v``, or ``u1, v1, u2, v2, ...`` for a path that carries several points, such as
    Nelder-Mead's simplex: a row is kept when any of its points moved)."""
    points = np.ascontiguousarray(np.column_stack(coordinates), dtype=np.float64)
    keep = np.empty(len(points), dtype=np.bool_)
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64)
    while _keep(points, eps, keep) > limit:
        eps *= 2.0
    return np.flatnonzero(keep)
