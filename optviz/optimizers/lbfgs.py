"""L-BFGS as ``torch.optim.LBFGS`` computes it: one optviz step is one torch iteration.

The iterates are those of ``torch.optim.LBFGS(params, max_iter=1, max_eval=max_eval, ...)`` whose
``step(closure)`` is called once per optviz step (the closure returns f and sets the gradient):

.. math::
    &\\text{evaluate } f, g \\text{ at } \\theta; \\ \\text{if } \\lVert g \\rVert_\\infty \\le
        \\mathtt{tolerance\\_grad}: \\text{ stay} \\\\
    &y = g - g_{\\text{prev}},\\ s = t_{\\text{prev}} d_{\\text{prev}}; \\ \\text{if } y^\\top s > 10^{-10}:
        \\text{ store } (s, y, \\rho = 1/y^\\top s)
        \\text{ (dropping the oldest beyond } \\mathtt{history\\_size} \\text{ pairs)},
        \\ \\gamma = y^\\top s / y^\\top y \\\\
    &d = -\\gamma\\text{-scaled two-loop recursion on } g
        \\quad (d = -g \\text{ at the first iteration}) \\\\
    &t = \\min(1, 1/\\lVert g \\rVert_1)\\,\\eta \\text{ at the first iteration, else } \\eta \\\\
    &\\text{if } g^\\top d > -\\mathtt{tolerance\\_change}: \\text{ stay} \\\\
    &t \\leftarrow \\text{torch's strong Wolfe search from } t \\ (\\mathtt{line\\_search\\_fn}
        = \\mathtt{strong\\_wolfe}); \\quad \\theta \\leftarrow \\theta + t d

What carries across ``.step()`` calls is torch's state: ``d``, ``t``, the history, ``H_diag``
(gamma), the previous gradient and the iteration count ``n_iter`` (only the very first iteration
uses ``d = -g`` and the shortened first step).  The two early returns of a call are kept: a
gradient below ``tolerance_grad`` returns before the iteration is counted, and a directional
derivative above ``-tolerance_change`` after it (``d``, ``t`` and the previous gradient are then
updated but the point does not move).  With ``max_iter=1`` the "lack of progress" tests at the
end of torch's loop are never reached.

Costs are counted as torch's ``state["func_evals"]`` counts them, one f and one gradient per
closure call: the call at the start of every step (also when the step then stays put), plus each
evaluation of the line search.  The line search gets ``max_eval - 1`` evaluations after its first
(torch's ``max_ls = max_eval - current_evals``).  ``max_eval = 25`` is torch's default for its
default ``max_iter = 20``; torch's default for ``max_iter=1`` is ``max_eval = 1``, which leaves the
search a single trial that is kept only if it lowers f.

``eta`` is ``lr`` times the schedule's factor (a torch LR scheduler stepped after each call).  With
gradient noise, every closure call draws a new noisy gradient, as a stochastic closure would, and
function values stay exact.  The history is kept in fixed arrays of ``history_size`` pairs.  The
updates written ``a += c b`` are fused multiply-adds (:func:`optviz.jit.fma`), rounded once, as in
torch's ``add_(b, alpha=c)`` on the CPU; with them the iterates match torch's to the last bit or so.

Reference: Liu and Nocedal, "On the limited memory BFGS method for large scale optimization",
Math. Programming 45 (1989); Nocedal and Wright (2006), Algorithm 7.4; ``torch/optim/lbfgs.py``
(after Mark Schmidt's minFunc).
"""
import numpy as np

from optviz.jit import fma, kernel
from optviz.kernels import options, record, schedule
from optviz.linesearch import phi, phi_gradient, torch_strong_wolfe
from optviz.spec import Hyperparameter, OptimizerSpec

NONE, STRONG_WOLFE = 0.0, 1.0
#: torch's constants for ``_strong_wolfe`` and the curvature test of the memory update.
TORCH_C1, TORCH_C2, CURVATURE_MIN = 1e-4, 0.9, 1e-10
MAX_HISTORY = 1000
#: The two-loop recursion over this many stored pairs costs about one work unit (one evaluation;
#: see optviz.kernels): 1,000 pairs take about 8 us, 125 units.
PAIRS_PER_UNIT = 8


@kernel
def lbfgs(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    lr, max_eval, tolerance_grad, tolerance_change = hp[0], hp[1], hp[2], hp[3]
    history_size, line_search_fn = int(hp[4]), hp[5]
    o = options(opts)
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    state[0, :] = 0.0
    # torch's state, kept across calls
    n_iter = 0
    dx = dy = 0.0
    t_step = 0.0
    h_diag = 1.0
    prev_gx = prev_gy = 0.0
    old_dirs = np.zeros((history_size, 2))    # y's
    old_stps = np.zeros((history_size, 2))    # s's
    ro = np.zeros(history_size)
    al = np.zeros(history_size)
    first = 0                                 # ring buffer: oldest pair's slot
    num_old = 0
    func_evals = 0
    history_work = 0                          # work units spent in the two-loop recursion
    for t in range(1, steps + 1):
        eta = lr * schedule(o, t - 1, steps)
        # evaluate initial f(x) and df/dx
        f = phi(value, p, x, y, 0.0)
        gx, gy = phi_gradient(gradient, p, x, y, 0.0, o)
        func_evals += 1
        if not max(abs(gx), abs(gy)) <= tolerance_grad:
            n_iter += 1
            # compute gradient descent direction
            if n_iter == 1:
                dx, dy = -gx, -gy
                num_old = 0
                first = 0
                h_diag = 1.0
            else:
                # do lbfgs update (update memory)
                yx, yy = gx - prev_gx, gy - prev_gy
                sx, sy = dx * t_step, dy * t_step
                ys = yx * sx + yy * sy
                if ys > CURVATURE_MIN:
                    if num_old == history_size:
                        # shift history by one (limited-memory)
                        first = (first + 1) % history_size
                        num_old -= 1
                    slot = (first + num_old) % history_size
                    old_dirs[slot, 0], old_dirs[slot, 1] = yx, yy
                    old_stps[slot, 0], old_stps[slot, 1] = sx, sy
                    ro[slot] = 1.0 / ys
                    num_old += 1
                    # update scale of initial Hessian approximation
                    h_diag = ys / (yx * yx + yy * yy)
                # two-loop recursion: q = -g; newest to oldest
                qx, qy = -gx, -gy
                for i in range(num_old - 1, -1, -1):
                    k = (first + i) % history_size
                    al[i] = (old_stps[k, 0] * qx + old_stps[k, 1] * qy) * ro[k]
                    qx = fma(-al[i], old_dirs[k, 0], qx)
                    qy = fma(-al[i], old_dirs[k, 1], qy)
                # multiply by initial Hessian; r is the final direction
                rx, ry = qx * h_diag, qy * h_diag
                for i in range(num_old):
                    k = (first + i) % history_size
                    be_i = (old_dirs[k, 0] * rx + old_dirs[k, 1] * ry) * ro[k]
                    rx = fma(al[i] - be_i, old_stps[k, 0], rx)
                    ry = fma(al[i] - be_i, old_stps[k, 1], ry)
                dx, dy = rx, ry
                history_work += num_old // PAIRS_PER_UNIT
            prev_gx, prev_gy = gx, gy
            # reset initial guess for step size
            # (torch holds the first as a 0-dim tensor when 1 / |g|_1 wins the min)
            if n_iter == 1:
                inverse_norm = 1.0 / (abs(gx) + abs(gy))
                t_step = min(1.0, inverse_norm) * eta
                t_tensor = inverse_norm < 1.0
            else:
                t_step = eta
                t_tensor = False
            # directional derivative
            gtd = gx * dx + gy * dy
            if not gtd > -tolerance_change:
                if line_search_fn == STRONG_WOLFE:
                    t_step, f_new, gx_new, gy_new, n_ls, n_ls_g, done = torch_strong_wolfe(
                        value, gradient, p, x, y, t_step, dx, dy, f, gx, gy, gtd, TORCH_C1, TORCH_C2,
                        tolerance_change, int(max_eval) - 1, o, t_tensor)
                    func_evals += n_ls
                x = fma(t_step, dx, x)
                y = fma(t_step, dy, y)
        status = record(value(x, y, p), x, y, t, func_evals, func_evals, 0, xy, loss, counts, o,
                        history_work)
        if status:
            return t - 1, status
        state[t, 0] = t_step
        state[t, 1] = h_diag
        state[t, 2] = num_old
    return steps, 0


SPECS = (
    OptimizerSpec(
        name="lbfgs", title="L-BFGS", family="quasi-Newton",
        update=r"d_t = -H_t \nabla f(\theta_{t-1}) \text{ (two-loop recursion over the last } m "
               r"\text{ pairs } (s, y)\text{)},\quad \theta_t = \theta_{t-1} + t\, d_t",
        hyperparameters=(
            Hyperparameter("lr", 1.0, 0.0, 1e3, low_open=True, log=True, slider=(1e-3, 10.0),
                           help="Step t along the L-BFGS direction (the first step tried, with a line search)."),
            Hyperparameter("max_eval", 25, 1, 1000, kind="int", slider=(1, 50),
                           help="torch's max_eval for a one-iteration step: the line search may use "
                                "max_eval - 1 evaluations after its first."),
            Hyperparameter("tolerance_grad", 1e-7, 0.0, 1.0, log=True, slider=(1e-12, 1e-2),
                           help="Stop moving once the largest gradient component is at most this."),
            Hyperparameter("tolerance_change", 1e-9, 0.0, 1.0, log=True, slider=(1e-15, 1e-3),
                           help="Stay put when the directional derivative is above minus this; "
                                "also ends the line search's zoom."),
            Hyperparameter("history_size", 100, 1, MAX_HISTORY, kind="int", slider=(1, 100),
                           help="How many (s, y) pairs to remember."),
            Hyperparameter("line_search_fn", "none", kind="choice", choices=("none", "strong_wolfe"),
                           help="none: fixed step lr.  strong_wolfe: torch's strong Wolfe line search."),
        ),
        kernel=lbfgs, state=("step_size", "h_diag", "memory"), torch="torch.optim.LBFGS",
        reference="Liu and Nocedal (1989); Nocedal and Wright (2006), Algorithm 7.4; torch.optim.LBFGS",
        note=("BFGS that remembers only the last few steps and gradient changes: the quasi-Newton direction "
              "costs a few dot products, which is why it scales to large models."),
        lineage=("BFGS without the matrix: L-BFGS remembers only the last m pairs (s, y), m = history_size, and "
                 "rebuilds the direction from them by the two-loop recursion, starting from a scaled identity γ = "
                 "yᵀs / yᵀy. For n parameters the memory falls from n² numbers to about 2mn, which is why it "
                 "scales to large models. As torch does by default, it takes the fixed step lr along that "
                 "direction unless line_search_fn is strong_wolfe."),
    ),
)
