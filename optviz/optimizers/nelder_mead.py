"""The Nelder-Mead simplex method: derivative-free, a triangle that flips, stretches and shrinks.

One step is one iteration on the simplex ``x_1, x_2, x_3`` sorted by value
(``f_1 <= f_2 <= f_3``), with ``c = (x_1 + x_2) / 2`` the centroid of the best two:

.. math::
    (x_1, x_2, x_3) &= (\\theta_0,\\ \\theta_0 + (h, 0),\\ \\theta_0 + (0, h))
        &&\\text{the initial simplex, } h = \\mathtt{initial\\_size} \\\\
    c &= (x_1 + x_2) / 2 &&\\text{with the vertices sorted so that } f_1 \\le f_2 \\le f_3 \\\\
    x_r &= c + \\alpha (c - x_3) &&\\text{reflect; if } f_1 \\le f_r < f_2 \\text{: replace } x_3 \\\\
    x_e &= c + \\alpha\\gamma (c - x_3) &&\\text{expand if } f_r < f_1
        \\text{: keep the better of } x_e, x_r \\\\
    x_c &= c + \\alpha\\rho (c - x_3) &&\\text{contract outside if } f_2 \\le f_r < f_3
        \\text{: keep if } f_c \\le f_r \\\\
    x_{cc} &= c - \\rho (c - x_3) &&\\text{contract inside if } f_r \\ge f_3
        \\text{: keep if } f_{cc} < f_3 \\\\
    x_i &= x_1 + \\sigma (x_i - x_1),\\ i = 2, 3 &&\\text{shrink, when a contraction is rejected} \\\\
    \\theta_t &= x_1 &&\\text{the best vertex, once the simplex is sorted again}

The arithmetic, the tests and the stable ordering of ties are those of
``scipy.optimize.minimize(method="Nelder-Mead")`` (no adaptive coefficients), so given the same
initial simplex both produce the same iterates.  The initial simplex is the start and the start
moved by ``initial_size`` along x and along y (scipy instead moves each coordinate by 5%).

``xy[t]`` is the best vertex after ``t`` iterations (``xy[0]`` the start) and the state holds the
three vertices, best first (at ``t = 0`` the initial simplex in its construction order: nothing has
been evaluated yet).  Counts are function evaluations: the three of the initial simplex
are counted with the first step, then 1 to 4 per iteration.  The method uses no gradient, so
gradient noise and clipping do not apply; it has no step size, so the schedule does not either.
Once the simplex has collapsed to one point it cannot change again, and later steps stay put
without evaluating.

Reference: Nelder and Mead, "A simplex method for function minimization", Computer J. 7 (1965);
Lagarias, Reeds, Wright and Wright, SIAM J. Optim. 9 (1998).
"""
import math

import numpy as np

from optviz.jit import jit, kernel
from optviz.kernels import options, record
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def _key(f):
    """A value to sort by: nan counts as +inf (worst), as in numpy's argsort."""
    return f if f == f else math.inf


@jit
def _sort(sx, sy, fs):
    """Sort the 3 vertices by value in place, keeping the order of ties (insertion sort)."""
    for i in range(1, 3):
        j = i
        while j > 0 and _key(fs[j]) < _key(fs[j - 1]):
            sx[j], sx[j - 1] = sx[j - 1], sx[j]
            sy[j], sy[j - 1] = sy[j - 1], sy[j]
            fs[j], fs[j - 1] = fs[j - 1], fs[j]
            j -= 1


@kernel
def nelder_mead(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    alpha, gamma, rho, sigma, initial_size = hp[0], hp[1], hp[2], hp[3], hp[4]
    o = options(opts)   # derivative-free: only the divergence bound applies
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    sx = np.array([x, x + initial_size, x])
    sy = np.array([y, y, y + initial_size])
    fs = np.zeros(3)
    for i in range(3):
        state[0, 2 * i] = sx[i]
        state[0, 2 * i + 1] = sy[i]
    fe = 0
    for t in range(1, steps + 1):
        if t == 1:
            for i in range(3):
                fs[i] = value(sx[i], sy[i], p)
            fe += 3
            _sort(sx, sy, fs)
        collapsed = (sx[0] == sx[1] == sx[2]) and (sy[0] == sy[1] == sy[2])
        if not collapsed:
            # centroid of the best two; then the trial points along c - x_3, in scipy's arithmetic
            cx = (sx[0] + sx[1]) / 2.0
            cy = (sy[0] + sy[1]) / 2.0
            xr = (1.0 + alpha) * cx - alpha * sx[2]
            yr = (1.0 + alpha) * cy - alpha * sy[2]
            fr = value(xr, yr, p)
            fe += 1
            shrink = False
            if fr < fs[0]:
                xe = (1.0 + alpha * gamma) * cx - alpha * gamma * sx[2]
                ye = (1.0 + alpha * gamma) * cy - alpha * gamma * sy[2]
                fe_ = value(xe, ye, p)
                fe += 1
                if fe_ < fr:
                    sx[2], sy[2], fs[2] = xe, ye, fe_
                else:
                    sx[2], sy[2], fs[2] = xr, yr, fr
            elif fr < fs[1]:
                sx[2], sy[2], fs[2] = xr, yr, fr
            elif fr < fs[2]:
                xc = (1.0 + rho * alpha) * cx - rho * alpha * sx[2]
                yc = (1.0 + rho * alpha) * cy - rho * alpha * sy[2]
                fc = value(xc, yc, p)
                fe += 1
                if fc <= fr:
                    sx[2], sy[2], fs[2] = xc, yc, fc
                else:
                    shrink = True
            else:
                xcc = (1.0 - rho) * cx + rho * sx[2]
                ycc = (1.0 - rho) * cy + rho * sy[2]
                fcc = value(xcc, ycc, p)
                fe += 1
                if fcc < fs[2]:
                    sx[2], sy[2], fs[2] = xcc, ycc, fcc
                else:
                    shrink = True
            if shrink:
                for j in range(1, 3):
                    sx[j] = sx[0] + sigma * (sx[j] - sx[0])
                    sy[j] = sy[0] + sigma * (sy[j] - sy[0])
                    fs[j] = value(sx[j], sy[j], p)
                fe += 2
            _sort(sx, sy, fs)
        status = record(fs[0], sx[0], sy[0], t, fe, 0, 0, xy, loss, counts, o)
        if status:
            return t - 1, status
        for i in range(3):
            state[t, 2 * i] = sx[i]
            state[t, 2 * i + 1] = sy[i]
    return steps, 0


SPECS = (
    OptimizerSpec(
        name="nelder_mead", title="Nelder-Mead simplex", family="derivative-free",
        update=r"x_r = c + \alpha (c - x_{\text{worst}}),\ \text{then expand } (\gamma)\text{, contract } (\rho)"
               r"\text{ or shrink } (\sigma) \text{ towards } x_{\text{best}}",
        hyperparameters=(
            Hyperparameter("alpha", 1.0, 0.0, 10.0, low_open=True, slider=(0.1, 3.0),
                           help="Reflection: how far the worst vertex is mirrored through the others."),
            Hyperparameter("gamma", 2.0, 1.0, 10.0, low_open=True, slider=(1.1, 5.0),
                           help="Expansion: how much further to go when the reflection is the new best."),
            Hyperparameter("rho", 0.5, 0.0, 1.0, low_open=True, high_open=True,
                           help="Contraction: how far towards the centroid when the reflection is poor."),
            Hyperparameter("sigma", 0.5, 0.0, 1.0, low_open=True, high_open=True,
                           help="Shrink: factor by which the simplex shrinks towards its best vertex."),
            Hyperparameter("initial_size", 0.25, 0.0, 100.0, low_open=True, log=True, slider=(1e-2, 2.0),
                           help="Edge of the initial simplex along x and y, in the surface's units."),
        ),
        kernel=nelder_mead, state=("x1", "y1", "x2", "y2", "x3", "y3"),
        reference="Nelder and Mead (1965); Lagarias et al. (1998)",
        note=("Needs only function values: a triangle that reflects its worst corner away from trouble, "
              "stretches along good directions and shrinks around a minimum."),
        lineage=("Nelder and Mead took the simplex method of Spendley, Hext and Himsworth (1962), which moves a "
                 "regular simplex of fixed shape, mainly by reflecting its worst corner, and let the shape change: "
                 "it expands along a good direction, contracts after a poor reflection and shrinks around the best "
                 "corner. It needs only function values, no gradient; the price is slow progress in many "
                 "dimensions and no guarantee: it can stall even on a smooth convex function."),
    ),
)
