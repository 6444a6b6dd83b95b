"""A long, straight valley: f = (sqrt(1 + (x - 3.5)^2) - 1) / 5 + 10 y^2.

Designed for optviz after the "long valley" animation of A. Radford (2014).  Across the valley
(along y) the walls are a steep parabola with curvature 20; along its floor the first term is
a pseudo-Huber ramp of slope 1/5 that rounds off into a bowl of curvature 1/5 at x = 3.5.  So
the floor falls gently and almost linearly over most of the window, and the condition number is
100 at the minimum f(3.5, 0) = 0 (and larger everywhere else on the floor).  With
``u = x - 3.5`` and ``q = sqrt(1 + u^2)``: ``df/dx = u / (5 q)`` and ``d2f/dx2 = 1 / (5 q^3)``.
"""
import math

from surfaces._base import Surface, gradient_function, hessian_function, value_function

_SLOPE = 0.2   # slope of the floor far from the minimum
_WALL = 10.0   # f = _WALL * y^2 across the valley
_XMIN = 3.5


@value_function
def value(x, y, p):
    u = x - _XMIN
    return _SLOPE * (math.sqrt(1.0 + u * u) - 1.0) + _WALL * y * y


@gradient_function
def gradient(x, y, p):
    u = x - _XMIN
    return _SLOPE * u / math.sqrt(1.0 + u * u), 2.0 * _WALL * y


@hessian_function
def hessian(x, y, p):
    u = x - _XMIN
    q = math.sqrt(1.0 + u * u)
    return _SLOPE / (q * q * q), 0.0, 2.0 * _WALL


SURFACE = Surface(
    name="long_valley",
    title="Long valley",
    latex=r"f(x, y) = \tfrac15\left(\sqrt{1 + (x - 3.5)^2} - 1\right) + 10\,y^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-1.0, 4.0), (-1.0, 1.0)),
    start=(-0.5, 0.6),
    minima=((3.5, 0.0),),
    log_scale=True,
    note=("A narrow valley whose floor descends gently over a long way: the walls are a hundred "
          "times more curved than the floor, and far from the minimum the floor is almost a "
          "straight ramp. Plain gradient descent must keep its step below 0.1 to stay stable "
          "across the valley, so it bounces from wall to wall and then creeps along the floor. "
          "Momentum accumulates the small, consistent slope along the floor and runs down it; "
          "Adam and RMSProp rescale each coordinate, so the tiny slope along x gets a full-sized "
          "step. Plain Newton's method fails in the other direction: on the ramp part of the floor "
          "its step maps u = x - 3.5 to -u^3, so from the start it diverges unless damped by a "
          "line search. Because the valley is aligned with the axes, this flatters "
          "coordinate-wise methods: compare with the rotated quadratic."),
    reference="Designed for optviz after A. Radford's long-valley animation (2014)",
)
