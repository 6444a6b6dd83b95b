"""Ackley's function in 2-D (a = 20, b = 0.2, c = 2 pi):

    f = -20 exp(-0.2 sqrt((x^2 + y^2) / 2)) - exp((cos 2 pi x + cos 2 pi y) / 2) + e + 20.

Computed as ``-20 expm1(-0.2 r) - e expm1((cos 2 pi x + cos 2 pi y)/2 - 1)`` (the same value),
so f(0, 0) is exactly 0 and small values near the minimum keep their precision.

The first term is a cone in ``r = sqrt((x^2 + y^2)/2)``: it has a kink at the origin, where the
gradient has no limit (the cone's part has size 2 sqrt 2 exp(-0.2 r) in every direction) and the
Hessian grows like 1/r.  At exactly (0, 0) this module returns the gradient 0 (the minimum-norm
subgradient: the origin is the global minimum) and the Hessian of the smooth cosine term alone,
2 pi^2 e I, leaving out the cone's unbounded curvature so that it stays finite.  Everywhere
else all three are exact; the gradient is written with the unit vector (x, y)/|(x, y)| so it
stays finite arbitrarily close to the origin, while the Hessian overflows to inf within about
1e-308 of it, as the true curvature does.

The cosine term puts a local minimum near every integer point, pulled slightly towards the
origin by the cone; in the window [-5, 5]^2 that is 120 local minima plus the global one, all
listed (Newton-refined; the list is symmetric under x <-> y and sign changes, so only the 21
with 0 <= y <= x are written out).

Reference: D. H. Ackley, "A connectionist machine for genetic hillclimbing" (1987); Back,
"Evolutionary algorithms in theory and practice" (1996) for the n-dimensional form.
"""
import math

from surfaces._base import Surface, gradient_function, hessian_function, value_function

_TWO_PI = 2.0 * math.pi
_PI2 = math.pi * math.pi
_E = math.e
_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO = math.sqrt(2.0)

# The local minima with 0 <= y <= x, near the integer points (i, j), 0 <= j <= i <= 5.
_WEDGE = (
    (0.0, 0.0),
    (0.9521665459501717, 0.0), (0.9684776587077244, 0.9684776587077244),
    (1.9589197181217173, 0.0), (1.9646166628629862, 0.9824160350791392),
    (1.9744519864841168, 1.9744519864841168),
    (2.964619443112052, 0.0), (2.9672595287625643, 0.9891541864816628),
    (2.973139419924383, 1.9821399503814776), (2.9792239546911445, 2.9792239546911445),
    (3.969466743351758, 0.0), (3.9709183150642833, 0.9927672061700447),
    (3.974540178468205, 1.9873106146274968), (3.978924750768195, 2.9842137381272384),
    (3.983067699689763, 3.983067699689763),
    (4.973611257996986, 0.0), (4.974497722176982, 0.9949203738218393),
    (4.976843849330103, 1.9907648757355259), (4.97995793948682, 2.987995058852837),
    (4.983198896760883, 3.9865680979539455), (4.986180456997876, 4.986180456997876),
)


@value_function
def value(x, y, p):
    r = _SQRT_HALF * math.hypot(x, y)
    cosines = 0.5 * (math.cos(_TWO_PI * x) + math.cos(_TWO_PI * y))
    return -20.0 * math.expm1(-0.2 * r) - _E * math.expm1(cosines - 1.0)


@gradient_function
def gradient(x, y, p):
    rho = math.hypot(x, y)
    e = math.exp(0.5 * (math.cos(_TWO_PI * x) + math.cos(_TWO_PI * y)))
    gx = math.pi * e * math.sin(_TWO_PI * x)
    gy = math.pi * e * math.sin(_TWO_PI * y)
    if rho > 0.0:                      # the cone: 2 sqrt(2) exp(-0.2 r) times the unit vector
        k = 2.0 * _SQRT_TWO * math.exp(-0.2 * _SQRT_HALF * rho)
        gx += k * (x / rho)
        gy += k * (y / rho)
    return gx, gy


@hessian_function
def hessian(x, y, p):
    sx, sy = math.sin(_TWO_PI * x), math.sin(_TWO_PI * y)
    cx, cy = math.cos(_TWO_PI * x), math.cos(_TWO_PI * y)
    e = math.exp(0.5 * (cx + cy))
    hxx = _PI2 * e * (2.0 * cx - sx * sx)
    hxy = -_PI2 * e * sx * sy
    hyy = _PI2 * e * (2.0 * cy - sy * sy)
    rho = math.hypot(x, y)
    if rho > 0.0:                      # the cone, -0.4 w u u^T + (2 w / r)(I - u u^T); left out at the kink
        r = _SQRT_HALF * rho
        w2 = 2.0 * math.exp(-0.2 * r)
        ux, uy = x / rho, y / rho
        hxx += w2 * ((uy * uy) / r - 0.2 * ux * ux)
        hxy -= w2 * ((ux * uy) / r + 0.2 * ux * uy)
        hyy += w2 * ((ux * ux) / r - 0.2 * uy * uy)
    return hxx, hxy, hyy


def _symmetric(wedge):
    """All images of the wedge points under x <-> y and sign changes, origin first."""
    out = []
    for a, b in wedge:
        for u, v in ((a, b), (b, a)):
            for su in (1.0, -1.0):
                for sv in (1.0, -1.0):
                    m = (su * u + 0.0, sv * v + 0.0)
                    if m not in out:
                        out.append(m)
    return tuple(out)


SURFACE = Surface(
    name="ackley",
    title="Ackley",
    latex=r"f(x, y) = -20\,e^{-0.2\sqrt{(x^2 + y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    start=(3.3, -2.6),
    minima=_symmetric(_WEDGE),
    note=("A nearly flat plateau riddled with small dimples, around a deep, sharp funnel at the "
          "origin. Far out, the cone contributes a steady pull of constant size towards the "
          "centre, but every integer point holds a local minimum that traps plain gradient "
          "descent and Newton's method. Large steps, momentum or gradient noise hop over the "
          "dimples; near the centre the funnel's kink makes the gradient jump in direction, so "
          "methods without a decaying step rattle around the minimum. All 121 minima of the "
          "window are listed."),
    reference="Ackley (1987); Back (1996)",
)
