"""Gradient descent, with a fixed step (``torch.optim.SGD`` without momentum) or a line search.

.. math::
    g_t &= \\nabla f(\\theta_{t-1}) + \\lambda \\theta_{t-1} \\\\
    \\alpha_t &= \\eta_t \\quad (\\mathtt{line\\_search} = \\mathtt{none}) \\\\
    \\alpha_t &= \\text{search along } -g_t \\text{ from } \\alpha = \\eta_t
        \\quad (\\mathtt{armijo}, \\mathtt{wolfe}) \\\\
    \\theta_t &= \\theta_{t-1} - \\alpha_t g_t

``eta_t`` is ``lr`` times the schedule's factor.  The line searches (see :mod:`optviz.linesearch`)
work on ``phi(alpha) = f + (lambda / 2) |theta|^2`` along ``-g``: ``armijo`` backtracks by halving
from ``eta_t`` until ``f`` falls by at least ``1e-4 alpha |g|^2``; ``wolfe`` finds a step with
sufficient decrease and ``|phi'(alpha)| <= 0.9 |phi'(0)|`` (strong Wolfe).  A search that finds no
step leaves the point where it is; without noise and with a constant schedule the next search would
do the same, so the run stays there and stops counting evaluations.

Cost per step: one gradient (none); with a line search, the search's function and gradient
evaluations (the gradient at the accepted point is the next step's gradient), plus one value and
one gradient at the start.  With gradient noise the function values stay exact: a noisy direction
that goes uphill is refused, and then a fresh gradient is drawn at the next step.

Reference: Cauchy (1847); Armijo, "Minimization of functions having Lipschitz continuous first
partial derivatives", Pacific J. Math. 16 (1966); Wolfe, "Convergence conditions for ascent
methods", SIAM Review 11 (1969); Nocedal and Wright, *Numerical Optimization* (2006), ch. 3.
"""
from optviz.drivers import MADE, first_order
from optviz.jit import jit, kernel
from optviz.kernels import options, record, schedule
from optviz.linesearch import (C1, C2_QUASI_NEWTON, MAX_ITER, RHO, armijo, phi, phi_gradient, repeatable,
                               strong_wolfe)
from optviz.spec import Hyperparameter, OptimizerSpec

NONE, ARMIJO, WOLFE = 0.0, 1.0, 2.0


@jit
def init(hp, x, y):
    """No memory: the step is the gradient's, scaled."""
    return (0.0,), (0.0,)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    """The fixed step (``line_search = none``)."""
    lr, weight_decay = hp[0], hp[1]
    alpha = lr * factor
    gx += weight_decay * x
    gy += weight_decay * y
    x -= alpha * gx
    y -= alpha * gy
    return state, x, y, (alpha,)


fixed_step = first_order(init, update)


@kernel
def gd(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    lr, weight_decay, line_search = hp[0], hp[1], hp[2]
    if line_search == NONE:
        return fixed_step(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state)
    o = options(opts)
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    state[0, 0] = 0.0
    fe = ge = 0
    f = gx = gy = 0.0
    known = False      # f and g at the current point are known (from the last line search)
    stalled = False    # a search failed and the next one would repeat it exactly
    for t in range(1, steps + 1):
        eta = lr * schedule(o, t - 1, steps)
        if stalled:
            alpha = 0.0
        else:
            if not known:
                f = phi(value, p, x, y, weight_decay)
                gx, gy = phi_gradient(gradient, p, x, y, weight_decay, o)
                fe += 1
                ge += 1
                known = True
            dx, dy = -gx, -gy
            if line_search == ARMIJO:
                alpha, f_new, gx_new, gy_new, n_f, n_g, ok = armijo(
                    value, gradient, p, x, y, f, gx, gy, dx, dy, eta, C1, RHO, weight_decay, MAX_ITER, o)
            else:
                alpha, f_new, gx_new, gy_new, n_f, n_g, ok = strong_wolfe(
                    value, gradient, p, x, y, f, gx, gy, dx, dy, eta, C1, C2_QUASI_NEWTON, weight_decay,
                    MAX_ITER, o)
            fe += n_f
            ge += n_g
            if alpha > 0.0:
                x = x + alpha * dx
                y = y + alpha * dy
                f, gx, gy = f_new, gx_new, gy_new
            elif o.noise > 0.0:
                known = False                # draw a fresh noisy gradient next time
            elif repeatable(o):
                stalled = True
        status = record(value(x, y, p), x, y, t, fe, ge, 0, xy, loss, counts, o)
        if status:
            return t - 1, status
        state[t, 0] = alpha
    return steps, 0


# grids of runs without a line search run the fixed step's update (optviz.drivers.grid_kernel)
MADE[gd] = MADE[fixed_step]._replace(when=(2, NONE))

SPECS = (
    OptimizerSpec(
        name="gd", title="Gradient descent", family="first-order",
        update=r"\theta_t = \theta_{t-1} - \alpha_t \left(\nabla f(\theta_{t-1}) + \lambda\theta_{t-1}\right),"
               r"\quad \alpha_t = \eta \text{ or a line search from } \eta",
        hyperparameters=(
            Hyperparameter("lr", 1e-2, 0.0, 100.0, low_open=True, log=True, slider=(1e-4, 10.0),
                           help="Step size eta; with a line search, the first step tried at each iteration."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0),
                           help="L2 penalty lambda added to the gradient (and to f in the line search)."),
            Hyperparameter("line_search", "none", kind="choice", choices=("none", "armijo", "wolfe"),
                           help="none: fixed step.  armijo: halve until f falls enough.  "
                                "wolfe: strong Wolfe conditions (c1 = 1e-4, c2 = 0.9)."),
        ),
        kernel=gd, state=("step_size",), torch="torch.optim.SGD",
        reference="Cauchy (1847); Armijo (1966); Wolfe (1969); Nocedal and Wright (2006), ch. 3",
        note=("Step straight downhill. With a fixed step it is stable only below 2 / (largest curvature); "
              "a line search picks the step at each iteration and trades evaluations for safety."),
        lineage=("The root of the family: step against the gradient, η times it, remembering nothing from one step "
                 "to the next. Momentum, the adaptive methods (AdaGrad, RMSprop, Adam and their kin) and the sign "
                 "methods grew from it by changing how a step is built from gradients, and conjugate gradient by "
                 "adding a memory of the last direction to its line search. Its weakness is one rate for every "
                 "direction: small enough for the steepest, it crawls along the flattest."),
    ),
)
