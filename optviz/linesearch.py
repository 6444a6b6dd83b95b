"""Compiled line searches: how far to go along a direction ``d = (dx, dy)`` from ``(x, y)``.

Every search minimises, approximately, the restriction of the objective to the ray

.. math::
    \\phi(\\alpha) = f(\\theta + \\alpha d) + \\tfrac{\\lambda}{2} \\lVert \\theta + \\alpha d \\rVert^2,
    \\qquad \\phi'(\\alpha) = (\\nabla f(\\theta + \\alpha d) + \\lambda (\\theta + \\alpha d))^\\top d

(``l2`` is the weight decay lambda, 0 for every method but gradient descent) and returns the tuple
``(alpha, f_new, gx_new, gy_new, n_f, n_g, ok)``: the step, phi and the gradient of phi at the new
point, the numbers of function and gradient evaluations it made, and whether it met its
conditions.  A search never raises and never returns a non-finite point: when it cannot find a
step it returns ``alpha = 0`` with the starting value and gradient, and ``ok = False``.  A
direction that does not descend (``phi'(0) >= 0``, or a zero direction) is refused at once, with no
evaluation.  Each search is bounded by ``max_iter`` function evaluations.

**Gradient noise.**  The gradients a search evaluates are the ones the optimizer sees
(:func:`optviz.kernels.stochastic_gradient`: exact, plus noise, then clipped), but the function
values stay exact.  So the sufficient-decrease test compares exact values against a noisy slope
``phi'(0)``: a step is accepted only if it really lowers ``phi``, and a noisy direction that goes
uphill is refused (``alpha = 0``).  The curvature test of the Wolfe searches uses noisy slopes, so
with much noise it is met or missed by chance.

=====================  =====================================================================
search                 accepts ``alpha`` when
=====================  =====================================================================
:func:`armijo`         ``phi(alpha) <= phi(0) + c1 alpha phi'(0)`` (sufficient decrease),
                       trying ``alpha0, rho alpha0, rho^2 alpha0, ...``
:func:`strong_wolfe`   sufficient decrease and ``|phi'(alpha)| <= c2 |phi'(0)|`` (curvature);
                       Nocedal and Wright, *Numerical Optimization* (2006), Algorithms 3.5
                       (bracketing) and 3.6 (zoom), trial steps by cubic interpolation
:func:`torch_strong_wolfe`  a line-for-line port of ``torch.optim.lbfgs._strong_wolfe`` (from
                       minFunc / torch7's ``lswolfe.lua``), used by :mod:`~optviz.optimizers.lbfgs`
=====================  =====================================================================

Common values: ``c1 = 1e-4``; ``c2 = 0.9`` for Newton and quasi-Newton methods (a loose
curvature condition, so the unit step is usually accepted) and ``c2 = 0.1`` for nonlinear
conjugate gradient (a nearly exact search, which keeps the directions conjugate).
"""
import math

from optviz.jit import fma, jit
from optviz.kernels import perturb

__all__ = ["C1", "C2_QUASI_NEWTON", "C2_CG", "RHO", "MAX_ITER", "phi", "phi_gradient", "armijo",
           "strong_wolfe", "cubic_minimizer", "quadratic_minimizer", "torch_cubic_interpolate",
           "torch_strong_wolfe", "repeatable"]

#: Sufficient-decrease constant of every search.
C1 = 1e-4
#: Curvature constant for Newton-type and quasi-Newton methods.
C2_QUASI_NEWTON = 0.9
#: Curvature constant for nonlinear conjugate gradient.
C2_CG = 0.1
#: Backtracking factor of :func:`armijo`.
RHO = 0.5
#: Most function evaluations one search may make.
MAX_ITER = 30

# Extrapolation in the bracketing phase of strong_wolfe: the next trial lies in
# [EXTRAPOLATE_MIN * alpha, EXTRAPOLATE_MAX * alpha].
EXTRAPOLATE_MIN = 2.0
EXTRAPOLATE_MAX = 10.0
# A zoom trial closer than this fraction of the bracket to either end is replaced by bisection.
SAFEGUARD = 0.1


# -- the restricted objective -------------------------------------------------------------------

@jit
def phi(value, p, x, y, l2):
    """f(x, y) + (l2 / 2) |(x, y)|^2, exact."""
    f = value(x, y, p)
    if l2 != 0.0:
        f += 0.5 * l2 * (x * x + y * y)
    return f


@jit
def phi_gradient(gradient, p, x, y, l2, o):
    """The gradient of :func:`phi` as the optimizer sees it (noise and clipping on f's part)."""
    gx, gy = perturb(gradient(x, y, p), o)
    if l2 != 0.0:
        gx += l2 * x
        gy += l2 * y
    return gx, gy


@jit
def repeatable(o):
    """True when a step that made no progress would be repeated exactly by the next one: no
    gradient noise and a constant schedule.  Kernels then stop evaluating (the run has stalled)."""
    return o.noise == 0.0 and o.schedule == 0.0


# -- backtracking ----------------------------------------------------------------------------------

@jit
def armijo(value, gradient, p, x, y, f0, gx0, gy0, dx, dy, alpha0, c1, rho, l2, max_iter, o):
    """Backtracking: the first of ``alpha0 rho^k`` (k = 0, 1, ...) with sufficient decrease.

    Evaluates only phi while backtracking, then the gradient once at the accepted point.
    """
    slope0 = gx0 * dx + gy0 * dy
    if not (slope0 < 0.0 and alpha0 > 0.0 and math.isfinite(f0)):
        return 0.0, f0, gx0, gy0, 0, 0, False
    alpha = alpha0
    for k in range(max_iter):
        xn = x + alpha * dx
        yn = y + alpha * dy
        f = phi(value, p, xn, yn, l2)
        if f <= f0 + c1 * alpha * slope0:
            gx, gy = phi_gradient(gradient, p, xn, yn, l2, o)
            return alpha, f, gx, gy, k + 1, 1, True
        alpha *= rho
    return 0.0, f0, gx0, gy0, max_iter, 0, False


# -- interpolation ---------------------------------------------------------------------------------

@jit
def cubic_minimizer(a, fa, da, b, fb, db):
    """The minimiser of the cubic with value and slope ``(fa, da)`` at ``a`` and ``(fb, db)`` at
    ``b`` (Nocedal and Wright eq. 3.59); ``nan`` when the cubic has no minimiser."""
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    disc = d1 * d1 - da * db
    if not disc >= 0.0:
        return math.nan
    d2 = math.copysign(math.sqrt(disc), b - a)
    denom = db - da + 2.0 * d2
    if denom == 0.0:
        return math.nan
    return b - (b - a) * (db + d2 - d1) / denom


@jit
def quadratic_minimizer(a, fa, da, b, fb):
    """The minimiser of the parabola with value and slope ``(fa, da)`` at ``a`` and value ``fb``
    at ``b``; ``nan`` when it opens downwards."""
    h = b - a
    curvature = (fb - fa - da * h) / (h * h)
    if not curvature > 0.0:
        return math.nan
    return a - da / (2.0 * curvature)


@jit
def _safeguard(trial, a, b):
    """``trial`` if it lies well inside the interval between ``a`` and ``b``, else its middle."""
    lo = min(a, b)
    hi = max(a, b)
    margin = SAFEGUARD * (hi - lo)
    if lo + margin <= trial <= hi - margin:
        return trial
    return 0.5 * (a + b)


# -- strong Wolfe (Nocedal and Wright) ------------------------------------------------------------

@jit
def strong_wolfe(value, gradient, p, x, y, f0, gx0, gy0, dx, dy, alpha0, c1, c2, l2, max_iter, o):
    """A step satisfying the strong Wolfe conditions (Nocedal and Wright, Algorithms 3.5 and 3.6).

    Bracketing: try ``alpha0``, then extrapolate (cubic, kept within ``[2, 10]`` times the last
    step) until a step fails sufficient decrease, or does not lower phi, or phi turns upward;
    that brackets a Wolfe step.  Zoom: shrink the bracket ``[lo, hi]`` (``lo`` the best step so far
    with sufficient decrease) by cubic interpolation, or quadratic while the slope at ``hi`` is
    unknown, bisecting when the trial falls within 10% of an end.  The gradient is evaluated only
    at steps that pass the sufficient-decrease test.

    If ``max_iter`` evaluations do not find a Wolfe step, returns the best step found with
    sufficient decrease (``ok = False``), or ``alpha = 0``.
    """
    slope0 = gx0 * dx + gy0 * dy
    if not (slope0 < 0.0 and alpha0 > 0.0 and math.isfinite(f0)):
        return 0.0, f0, gx0, gy0, 0, 0, False
    n_f = 0
    n_g = 0
    # The previous trial (alpha_{i-1} in Algorithm 3.5); its slope and gradient are known.
    a_prev, f_prev, s_prev, gx_prev, gy_prev = 0.0, f0, slope0, gx0, gy0
    # The bracket for the zoom, once found.
    lo, f_lo, s_lo, gx_lo, gy_lo = 0.0, f0, slope0, gx0, gy0
    hi, f_hi, s_hi, hi_slope = 0.0, f0, 0.0, False
    bracketed = False
    a = alpha0
    while n_f < max_iter:
        xn = x + a * dx
        yn = y + a * dy
        f = phi(value, p, xn, yn, l2)
        n_f += 1
        if not (f <= f0 + c1 * a * slope0) or (n_f > 1 and f >= f_prev):
            lo, f_lo, s_lo, gx_lo, gy_lo = a_prev, f_prev, s_prev, gx_prev, gy_prev
            hi, f_hi, hi_slope = a, f, False
            bracketed = True
            break
        gx, gy = phi_gradient(gradient, p, xn, yn, l2, o)
        n_g += 1
        s = gx * dx + gy * dy
        if not math.isfinite(s):
            lo, f_lo, s_lo, gx_lo, gy_lo = a_prev, f_prev, s_prev, gx_prev, gy_prev
            hi, f_hi, hi_slope = a, f, False
            bracketed = True
            break
        if abs(s) <= -c2 * slope0:
            return a, f, gx, gy, n_f, n_g, True
        if s >= 0.0:
            lo, f_lo, s_lo, gx_lo, gy_lo = a, f, s, gx, gy
            hi, f_hi, s_hi, hi_slope = a_prev, f_prev, s_prev, True
            bracketed = True
            break
        # Still going down: extrapolate.
        trial = cubic_minimizer(a_prev, f_prev, s_prev, a, f, s)
        a_next = EXTRAPOLATE_MIN * a
        if trial > a_next:
            a_next = min(trial, EXTRAPOLATE_MAX * a)
        a_prev, f_prev, s_prev, gx_prev, gy_prev = a, f, s, gx, gy
        lo, f_lo, s_lo, gx_lo, gy_lo = a, f, s, gx, gy
        a = a_next
    if bracketed:
        while n_f < max_iter:
            if hi_slope:
                trial = cubic_minimizer(lo, f_lo, s_lo, hi, f_hi, s_hi)
            else:
                trial = quadratic_minimizer(lo, f_lo, s_lo, hi, f_hi)
            a = _safeguard(trial, lo, hi)
            if a == lo or a == hi:
                break  # the bracket has shrunk to adjacent floating-point numbers
            xn = x + a * dx
            yn = y + a * dy
            f = phi(value, p, xn, yn, l2)
            n_f += 1
            if not (f <= f0 + c1 * a * slope0) or f >= f_lo:
                hi, f_hi, hi_slope = a, f, False
                continue
            gx, gy = phi_gradient(gradient, p, xn, yn, l2, o)
            n_g += 1
            s = gx * dx + gy * dy
            if not math.isfinite(s):
                hi, f_hi, hi_slope = a, f, False
                continue
            if abs(s) <= -c2 * slope0:
                return a, f, gx, gy, n_f, n_g, True
            if s * (hi - lo) >= 0.0:
                hi, f_hi, s_hi, hi_slope = lo, f_lo, s_lo, True
            lo, f_lo, s_lo, gx_lo, gy_lo = a, f, s, gx, gy
    if lo > 0.0:
        return lo, f_lo, gx_lo, gy_lo, n_f, n_g, False
    return 0.0, f0, gx0, gy0, n_f, n_g, False


# -- torch's strong Wolfe, ported exactly ----------------------------------------------------------

@jit
def _py_max(a, b):
    """Python's ``max(a, b)``: ``a`` unless ``b > a`` (so a nan in ``a`` is kept)."""
    return b if b > a else a


@jit
def _py_min(a, b):
    """Python's ``min(a, b)``: ``a`` unless ``b < a``."""
    return b if b < a else a


@jit
def torch_cubic_interpolate(x1, f1, g1, x2, f2, g2, xmin_bound, xmax_bound):
    """``torch.optim.lbfgs._cubic_interpolate`` with explicit bounds (torch's default bounds are
    ``(min(x1, x2), max(x1, x2))``), for float steps ``x1``, ``x2``."""
    return _cubic_interpolate_typed(x1, False, f1, g1, x2, False, f2, g2, xmin_bound, False, xmax_bound, False)[0]


@jit
def _cubic_interpolate_typed(x1, x1_tensor, f1, g1, x2, x2_tensor, f2, g2, lo, lo_tensor, hi, hi_tensor):
    """:func:`torch_cubic_interpolate` for steps that torch may hold as 0-dim tensors or floats
    (the ``*_tensor`` flags), returning ``(step, step is a tensor)``.

    The type changes one rounding: ``float / tensor`` is ``tensor.reciprocal() * float`` in
    torch (``Tensor.__rtruediv__``), so ``3 (f1 - f2) / (x1 - x2)`` is rounded twice when a step is
    a tensor.  Python's ``min`` and ``max`` return one of their arguments, type and all."""
    if x1_tensor or x2_tensor:
        d1 = g1 + g2 - 3 * (f1 - f2) * (1.0 / (x1 - x2))
    else:
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        # min(max(min_pos, lo), hi), min_pos a tensor (d2 is one)
        t, t_tensor = (lo, lo_tensor) if lo > min_pos else (min_pos, True)
        if hi < t:
            return hi, hi_tensor
        return t, t_tensor
    return (lo + hi) / 2.0, lo_tensor or hi_tensor


@jit
def _torch_bounds(x1, x2):
    if x1 <= x2:
        return x1, x2
    return x2, x1


@jit
def torch_strong_wolfe(value, gradient, p, x, y, t, dx, dy, f, gx, gy, gtd, c1, c2, tolerance_change,
                       max_ls, o, t_tensor=False):
    """``torch.optim.lbfgs._strong_wolfe(obj_func, x, t, d, f, g, gtd, c1, c2, tolerance_change,
    max_ls)``, statement by statement, for a 2-D parameter.

    Each evaluation computes f and the gradient together (torch's closure) at ``theta + t d``,
    rounded once per coordinate as torch's ``add_(d, alpha=t)`` does (:func:`optviz.jit.fma`).  Returns
    ``(t, f_new, gx_new, gy_new, evals, evals, done)``; torch returns ``(f_new, g_new, t, evals)``.
    ``t_tensor`` says whether torch holds the first step as a 0-dim tensor (L-BFGS's first
    iteration may); the port follows which steps torch holds as tensors, because that changes one
    rounding (see :func:`_cubic_interpolate_typed`).  One difference is left: torch's float64
    ``sqrt`` is not always correctly rounded (it may be one ulp off), so an interpolated step can
    differ from torch's in its last bit.  Note torch's own
    quirks, kept: the first trial is always evaluated, even when ``max_ls`` is 0
    (then the step is kept only if it lowers f); the bracketing phase may extrapolate up to 10x.
    """
    d_norm = _py_max(abs(dx), abs(dy))
    # evaluate objective and gradient using initial step
    xn = fma(t, dx, x)
    yn = fma(t, dy, y)
    f_new = phi(value, p, xn, yn, 0.0)
    gx_new, gy_new = phi_gradient(gradient, p, xn, yn, 0.0, o)
    ls_func_evals = 1
    gtd_new = gx_new * dx + gy_new * dy

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, gx_prev, gy_prev, gtd_prev = 0.0, f, gx, gy, gtd
    t_prev_tensor = False
    done = False
    ls_iter = 0
    # The bracket: up to two points (b0, b1) with value, gradient and slope.
    size = 0
    b0 = b1 = 0.0
    b0_tensor = b1_tensor = False
    bf0 = bf1 = 0.0
    bgx0 = bgy0 = bgx1 = bgy1 = 0.0
    bgtd0 = bgtd1 = 0.0
    while ls_iter < max_ls:
        # check conditions
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            size = 2
            b0, b1 = t_prev, t
            b0_tensor, b1_tensor = t_prev_tensor, t_tensor
            bf0, bf1 = f_prev, f_new
            bgx0, bgy0, bgx1, bgy1 = gx_prev, gy_prev, gx_new, gy_new
            bgtd0, bgtd1 = gtd_prev, gtd_new
            break

        if abs(gtd_new) <= -c2 * gtd:
            size = 1
            b0, bf0, bgx0, bgy0 = t, f_new, gx_new, gy_new
            b0_tensor = t_tensor
            done = True
            break

        if gtd_new >= 0:
            size = 2
            b0, b1 = t_prev, t
            b0_tensor, b1_tensor = t_prev_tensor, t_tensor
            bf0, bf1 = f_prev, f_new
            bgx0, bgy0, bgx1, bgy1 = gx_prev, gy_prev, gx_new, gy_new
            bgtd0, bgtd1 = gtd_prev, gtd_new
            break

        # interpolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp, tmp_tensor = t, t_tensor
        t, t_tensor = _cubic_interpolate_typed(t_prev, t_prev_tensor, f_prev, gtd_prev, t, t_tensor, f_new,
                                               gtd_new, min_step, t_tensor or t_prev_tensor, max_step, t_tensor)

        # next step
        t_prev, t_prev_tensor = tmp, tmp_tensor
        f_prev = f_new
        gx_prev, gy_prev = gx_new, gy_new
        gtd_prev = gtd_new
        xn = fma(t, dx, x)
        yn = fma(t, dy, y)
        f_new = phi(value, p, xn, yn, 0.0)
        gx_new, gy_new = phi_gradient(gradient, p, xn, yn, 0.0, o)
        ls_func_evals += 1
        gtd_new = gx_new * dx + gy_new * dy
        ls_iter += 1

    # reached max number of iterations?
    if ls_iter == max_ls:
        size = 2
        b0, b1 = 0.0, t
        b0_tensor, b1_tensor = False, t_tensor
        bf0, bf1 = f, f_new
        bgx0, bgy0, bgx1, bgy1 = gx, gy, gx_new, gy_new

    # zoom phase: we now have a point satisfying the criteria, or
    # a bracket around it. We refine the bracket until we find the
    # exact point satisfying the criteria
    insuf_progress = False
    # find high and low points in bracket (bracket_f[-1] is bf0 for a one-point bracket)
    last_f = bf1 if size == 2 else bf0
    low_pos = 0 if bf0 <= last_f else 1
    while not done and ls_iter < max_ls:
        # line-search bracket is so small
        if abs(b1 - b0) * d_norm < tolerance_change:
            break

        # compute new trial value
        # (the bounds are the bracket's ends, so the bounds' types are the ends' types)
        lo_bound, hi_bound = _torch_bounds(b0, b1)
        lo_tensor, hi_tensor = (b0_tensor, b1_tensor) if b0 <= b1 else (b1_tensor, b0_tensor)
        t, t_tensor = _cubic_interpolate_typed(b0, b0_tensor, bf0, bgtd0, b1, b1_tensor, bf1, bgtd1,
                                               lo_bound, lo_tensor, hi_bound, hi_tensor)

        # test that we are making sufficient progress (see torch's comments)
        b_max = _py_max(b0, b1)
        b_min = _py_min(b0, b1)
        eps = 0.1 * (b_max - b_min)
        if _py_min(b_max - t, t - b_min) < eps:
            # interpolation close to boundary
            if insuf_progress or t >= b_max or t <= b_min:
                # evaluate at 0.1 away from boundary
                if abs(t - b_max) < abs(t - b_min):
                    t = b_max - eps
                else:
                    t = b_min + eps
                t_tensor = b0_tensor or b1_tensor
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        # Evaluate new point
        xn = fma(t, dx, x)
        yn = fma(t, dy, y)
        f_new = phi(value, p, xn, yn, 0.0)
        gx_new, gy_new = phi_gradient(gradient, p, xn, yn, 0.0, o)
        ls_func_evals += 1
        gtd_new = gx_new * dx + gy_new * dy
        ls_iter += 1

        f_low = bf0 if low_pos == 0 else bf1
        if f_new > (f + c1 * t * gtd) or f_new >= f_low:
            # Armijo condition not satisfied or not lower than lowest point: new high
            if low_pos == 0:
                b1, bf1, bgx1, bgy1, bgtd1, b1_tensor = t, f_new, gx_new, gy_new, gtd_new, t_tensor
            else:
                b0, bf0, bgx0, bgy0, bgtd0, b0_tensor = t, f_new, gx_new, gy_new, gtd_new, t_tensor
            low_pos = 0 if bf0 <= bf1 else 1
        else:
            if abs(gtd_new) <= -c2 * gtd:
                # Wolfe conditions satisfied
                done = True
            elif gtd_new * ((b1 - b0) if low_pos == 0 else (b0 - b1)) >= 0:
                # old high becomes new low
                if low_pos == 0:
                    b1, bf1, bgx1, bgy1, bgtd1, b1_tensor = b0, bf0, bgx0, bgy0, bgtd0, b0_tensor
                else:
                    b0, bf0, bgx0, bgy0, bgtd0, b0_tensor = b1, bf1, bgx1, bgy1, bgtd1, b1_tensor
            # new point becomes new low
            if low_pos == 0:
                b0, bf0, bgx0, bgy0, bgtd0, b0_tensor = t, f_new, gx_new, gy_new, gtd_new, t_tensor
            else:
                b1, bf1, bgx1, bgy1, bgtd1, b1_tensor = t, f_new, gx_new, gy_new, gtd_new, t_tensor

    # return stuff
    if low_pos == 0:
        return b0, bf0, bgx0, bgy0, ls_func_evals, ls_func_evals, done
    return b1, bf1, bgx1, bgy1, ls_func_evals, ls_func_evals, done
