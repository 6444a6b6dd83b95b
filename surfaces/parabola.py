"""The round parabola f = x^2 + y^2: each coordinate is the 1-D parabola f(w) = w^2.

Gradient descent with learning rate ``lr`` multiplies each coordinate by ``1 - 2 lr`` per step:
0.8 for lr = 0.1 (a steady creep towards 0), -0.4 for lr = 0.7 (overshooting to the other side
each step, yet converging faster), -1 at lr = 1 (bouncing forever) and divergence beyond.

Reference: the figure "GD over f(x) = x^2, learning rate 0.1 against 0.7" in B. Wang's blog on
optimization in deep learning; Goodfellow, Bengio and Courville, "Deep Learning" (2016), ch. 4.
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    return x * x + y * y


@gradient_function
def gradient(x, y, p):
    return 2.0 * x, 2.0 * y


@hessian_function
def hessian(x, y, p):
    return 2.0, 0.0, 2.0


SURFACE = Surface(
    name="parabola",
    title="Parabola (the learning-rate lesson)",
    latex=r"f(x, y) = x^2 + y^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-1.25, 1.25), (-1.25, 1.25)),
    start=(1.0, 0.0),
    minima=((0.0, 0.0),),
    note=("The first lesson about the learning rate. The start lies on the x axis, so the run is "
          "the 1-D descent on f(x) = x^2: gradient descent maps x to (1 - 2 lr) x. With lr = 0.1 "
          "it creeps down one side, x shrinking by 0.8 per step; with lr = 0.7 it jumps across the "
          "minimum every step, x -> -0.4 x, oscillating yet converging faster. At lr = 1 it "
          "bounces between 1 and -1 forever, and beyond that it diverges. Momentum turns the creep "
          "into a glide; start off the axis to see the same story in both coordinates."),
    reference="B. Wang, blog on optimization in deep learning (GD on x^2, lr 0.1 vs 0.7)",
)
