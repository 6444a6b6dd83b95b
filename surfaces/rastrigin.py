"""Rastrigin's function in 2-D: f = 20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y).

Separable: each coordinate sees h(t) = t^2 - 10 cos(2 pi t) (+ 10), whose minima are the
roots of h'(t) = 2t + 20 pi sin(2 pi t) near each integer, pulled slightly towards 0.  In the
usual box [-5.12, 5.12] there are 11 of them (t = 0 and +-0.99496, +-1.98991, ..., +-4.97469),
so f has 11 x 11 = 121 minima there; the global one is f(0, 0) = 0.

Reference: L. A. Rastrigin, "Systems of extremal control" (1974); Muhlenbein, Schomisch and Born
(1991) for the n-dimensional form.
"""
import itertools
import math

from surfaces._base import Surface, gradient_function, hessian_function, value_function

_TWO_PI = 2.0 * math.pi

# Newton-refined roots of h'(t) = 0 near t = 1, ..., 5 (the minima are symmetric: h is even).
_ROOTS = (0.9949586376523348, 1.9899122337085497, 2.984855701039481, 3.9797838603007536,
          4.974691390895051)
_COORDS = (0.0,) + _ROOTS + tuple(-r for r in _ROOTS)


@value_function
def value(x, y, p):
    return 20.0 + x * x - 10.0 * math.cos(_TWO_PI * x) + y * y - 10.0 * math.cos(_TWO_PI * y)


@gradient_function
def gradient(x, y, p):
    return (2.0 * x + 10.0 * _TWO_PI * math.sin(_TWO_PI * x),
            2.0 * y + 10.0 * _TWO_PI * math.sin(_TWO_PI * y))


@hessian_function
def hessian(x, y, p):
    c = 10.0 * _TWO_PI * _TWO_PI
    return 2.0 + c * math.cos(_TWO_PI * x), 0.0, 2.0 + c * math.cos(_TWO_PI * y)


SURFACE = Surface(
    name="rastrigin",
    title="Rastrigin",
    latex=r"f(x, y) = 20 + x^2 - 10\cos(2\pi x) + y^2 - 10\cos(2\pi y)",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-5.12, 5.12), (-5.12, 5.12)),
    start=(-4.5, 3.5),
    # All 121 minima of the window, global first, then outwards ring by ring.
    minima=tuple(sorted(itertools.product(_COORDS, _COORDS), key=lambda m: (round(m[0] ** 2 + m[1] ** 2), m))),
    note=("An egg-crate of 121 local minima on top of a round bowl: the large-scale shape points "
          "to the origin, but every step of a local method sees only the nearest dimple. From "
          "the default start gradient descent stops in the neighbouring dimple and Newton's "
          "method climbs onto the nearby local maximum; momentum with a larger step, Adam with a "
          "large learning rate, or gradient noise (the Langevin view of SGD) hop from dimple to "
          "dimple down the bowl. All local minima of the window are listed, so the distance to "
          "the nearest one shows where each run got stuck."),
    reference="Rastrigin (1974); Muhlenbein, Schomisch & Born (1991)",
)
