"""The Goldstein-Price function: f = A(x, y) B(x, y) with

    A = 1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)
    B = 30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2).

Derivatives by the product rule: with ``u = x + y + 1``, ``A = 1 + u^2 P``; with ``v = 2x - 3y``,
``B = 30 + v^2 Q`` (``P``, ``Q`` the quadratics above).  Global minimum f(0, -1) = 3; three
local minima at (-0.6, -0.4) (f = 30), (1.8, 0.2) (f = 84) and (1.2, 0.8) (f = 840).  These
coordinates are exact (the gradient vanishes at the rationals -3/5, -2/5 etc., checked with
exact arithmetic), so they are listed as the nearest doubles rather than Newton-refined.

Reference: A. A. Goldstein and J. F. Price, "On descent from local minima", Mathematics of
Computation 25 (1971).
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    u = x + y + 1.0
    v = 2.0 * x - 3.0 * y
    a = 1.0 + u * u * (19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y)
    b = 30.0 + v * v * (18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y)
    return a * b


@gradient_function
def gradient(x, y, p):
    u = x + y + 1.0
    v = 2.0 * x - 3.0 * y
    P = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    Q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    Pd = -14.0 + 6.0 * x + 6.0 * y                       # dP/dx = dP/dy
    Qx = -32.0 + 24.0 * x - 36.0 * y
    Qy = 48.0 - 36.0 * x + 54.0 * y
    a = 1.0 + u * u * P
    b = 30.0 + v * v * Q
    ax = 2.0 * u * P + u * u * Pd                        # = ay
    bx = 4.0 * v * Q + v * v * Qx
    by = -6.0 * v * Q + v * v * Qy
    return ax * b + a * bx, ax * b + a * by


@hessian_function
def hessian(x, y, p):
    u = x + y + 1.0
    v = 2.0 * x - 3.0 * y
    P = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    Q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    Pd = -14.0 + 6.0 * x + 6.0 * y
    Qx = -32.0 + 24.0 * x - 36.0 * y
    Qy = 48.0 - 36.0 * x + 54.0 * y
    a = 1.0 + u * u * P
    b = 30.0 + v * v * Q
    ad = 2.0 * u * P + u * u * Pd                        # dA/dx = dA/dy
    add = 2.0 * P + 4.0 * u * Pd + 6.0 * u * u           # every second derivative of A
    bx = 4.0 * v * Q + v * v * Qx
    by = -6.0 * v * Q + v * v * Qy
    bxx = 8.0 * Q + 8.0 * v * Qx + 24.0 * v * v
    bxy = -12.0 * Q + 4.0 * v * Qy - 6.0 * v * Qx - 36.0 * v * v
    byy = 18.0 * Q - 12.0 * v * Qy + 54.0 * v * v
    return (add * b + 2.0 * ad * bx + a * bxx,
            add * b + ad * (bx + by) + a * bxy,
            add * b + 2.0 * ad * by + a * byy)


SURFACE = Surface(
    name="goldstein_price",
    title="Goldstein-Price",
    latex=r"f(x, y) = \left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
          r"\left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    start=(-1.5, -1.5),
    minima=((0.0, -1.0), (-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)),
    log_scale=True,
    note=("Values from 3 to about a million in this window, a deep global minimum at (0, -1) and "
          "three local ones in a crossing pair of valleys. The gradient is enormous on the rim and "
          "tiny on the valley floors, so any fixed learning rate is wrong somewhere: from the "
          "default start gradient descent survives at lr = 1e-5 (and slides to the global "
          "minimum) but is thrown out of the window at 1e-4, momentum lands in the minimum at "
          "(1.8, 0.2) and Adam in the one at (-0.6, -0.4). Gradient clipping, sign-based or "
          "adaptive steps, and a log-scaled loss axis are the usual remedies."),
    reference="Goldstein & Price (1971)",
)
