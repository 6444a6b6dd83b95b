"""The monkey saddle f = x^3 - 3 x y^2 = Re (x + iy)^3: three valleys and three ridges.

The origin is a degenerate stationary point: gradient and Hessian both vanish there.  In polar
coordinates f = r^3 cos(3 theta): ridges at theta = 0, 120, 240 degrees, valleys at 60, 180 and
300 degrees.  The surface is unbounded below, so there are no minima.
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    return x * (x * x - 3.0 * y * y)


@gradient_function
def gradient(x, y, p):
    return 3.0 * (x * x - y * y), -6.0 * x * y


@hessian_function
def hessian(x, y, p):
    return 6.0 * x, -6.0 * y, -6.0 * x


SURFACE = Surface(
    name="monkey_saddle",
    title="Monkey saddle",
    latex=r"f(x, y) = x^3 - 3xy^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-1.5, 1.5), (-1.5, 1.5)),
    start=(1.0, 1e-3),
    minima=(),
    note=("A degenerate saddle: at the origin the Hessian vanishes as well as the gradient, so "
          "second-order information cannot tell the way down. From the start just off the ridge "
          "y = 0, gradient descent slows down as it nears the origin (the gradient shrinks like the "
          "square of the distance) until the tiny sideways component, which grows only "
          "polynomially here rather than exponentially as on the ordinary saddle, tips it into one "
          "of the two neighbouring valleys. Momentum coasts straight through the flat point into "
          "the opposite valley; Newton's method converges onto the flat point itself. Unbounded "
          "below: every escaping run diverges."),
    reference="Classic example of a degenerate (higher-order) saddle point",
)
