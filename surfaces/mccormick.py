"""McCormick's function: f = sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1.

With ``s = x + y`` and ``d = x - y`` it separates: f = sin(s) + s/2 + (d - 1)^2.  Its minima
lie on the line d = 1 where cos(s) = -1/2 and sin(s) < 0, i.e. s = -2 pi/3 + 2 pi k, so
x = (s + 1)/2, y = (s - 1)/2.  In the plotting window (the usual search box) k = 0 gives the
global minimum f = -sqrt(3)/2 - pi/3 = -1.9132229549810362 at (-0.5472, -1.5472), and k = 1 a
local one, f = -sqrt(3)/2 + 2 pi/3, at (2.5944, 1.5944).  Outside the box f is unbounded below
(the s/2 term), so "global" means global within the box, as in the literature.

Reference: G. P. McCormick, "Computability of global solutions to factorable nonconvex programs"
(1976); Jamil and Yang (2013), function 86.
"""
import math

from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    d = x - y
    return math.sin(x + y) + d * d - 1.5 * x + 2.5 * y + 1.0


@gradient_function
def gradient(x, y, p):
    c = math.cos(x + y)
    d = x - y
    return c + 2.0 * d - 1.5, c - 2.0 * d + 2.5


@hessian_function
def hessian(x, y, p):
    s = math.sin(x + y)
    return 2.0 - s, -2.0 - s, 2.0 - s


SURFACE = Surface(
    name="mccormick",
    title="McCormick",
    latex=r"f(x, y) = \sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-1.5, 4.0), (-3.0, 4.0)),
    start=(3.5, 3.5),
    minima=(
        (-0.5471975511965976, -1.5471975511965976),
        (2.5943951023931953, 1.5943951023931953),
    ),
    note=("A diagonal valley along x - y = 1 whose floor is a sine wave on a gentle slope, so it "
          "holds a global minimum (inside this window) and a shallower local one further up. "
          "Started above the upper dip, plain descent and Adam with small steps drop into the "
          "valley and stop in the local minimum. Enough momentum carries a run over the hump, but "
          "then nothing holds it in the global dip either: the function has no lower bound, and "
          "the run slides on down the valley and out of the window. The minima listed are the "
          "exact ones, x = (s + 1)/2, y = (s - 1)/2 with s = -2 pi/3 and 4 pi/3."),
    reference="McCormick (1976); Jamil & Yang (2013), no. 86",
)
