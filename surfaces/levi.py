"""Levi's function N.13: f = sin^2(3 pi x) + (x - 1)^2 (1 + sin^2(3 pi y)) + (y - 1)^2 (1 + sin^2(2 pi y)).

Global minimum f(1, 1) = 0 (in floating point sin(3 pi) is not exactly 0, so f(1, 1) is about
1e-31).  The sin^2 terms carve a grid of local minima, about a third of a unit apart along x and
about half a unit along y; f is symmetric about x = 1 and about y = 1.  The derivatives use
``d/dt sin^2(a t) = a sin(2 a t)``.

Reference: Jamil and Yang, "A literature survey of benchmark functions for global optimisation
problems" (2013); Surjanovic and Bingham, Virtual Library of Simulation Experiments (SFU).
"""
import math

from surfaces._base import Surface, gradient_function, hessian_function, value_function

_PI = math.pi

# All 41 minima in the window, global first (Newton-refined; found by multi-start descent).
_MINIMA = (
    (1.0, 1.0), (0.6703805254516864, 1.0),
    (1.3296194745483139, 1.0), (0.6716660565631725, 0.7338932005461826),
    (0.6716660565631725, 1.2661067994538175), (1.3283339434368275, 0.7338932005461822),
    (1.3283339434368275, 1.2661067994538178), (0.3407792026131151, 1.0),
    (1.659220797386885, 1.0), (0.3408229999150312, 0.6748315124946496),
    (0.3408229999150312, 1.3251684875053504), (1.659177000084969, 0.6748315124946496),
    (1.659177000084969, 1.3251684875053504), (1.0, 0.027337597884571675),
    (1.0, 1.9726624021154284), (1.9887850034237682, 1.0),
    (0.011214996576232036, 1.0), (0.343207859663753, 1.601990640346352),
    (0.343207859663753, 0.39800935965364814), (1.656792140336247, 0.3980093596536481),
    (1.656792140336247, 1.601990640346352), (0.6705268433447077, 0.02130812311413281),
    (0.6705268433447077, 1.9786918768858672), (1.3294731566552924, 0.021308123114132802),
    (1.3294731566552924, 1.9786918768858672), (0.01122653012066969, 0.6700636980566862),
    (0.01122653012066969, 1.329936301943314), (1.9887734698793305, 0.6700636980566862),
    (1.9887734698793305, 1.329936301943314), (0.3408897084403632, 0.012989016148483764),
    (1.659110291559637, 0.012989016148483764), (0.3408897084403632, 1.9870109838515164),
    (1.659110291559637, 1.9870109838515164), (0.011954357720549195, 0.3608235854463746),
    (1.988045642279451, 1.6391764145536256), (0.011954357720549195, 1.6391764145536254),
    (1.9880456422794508, 0.3608235854463746), (1.9887221320464104, 0.007937148545974567),
    (1.9887221320464104, 1.9920628514540255), (0.01127786795358955, 0.007937148545974567),
    (0.01127786795358955, 1.9920628514540253),
)


@value_function
def value(x, y, p):
    a = math.sin(3.0 * _PI * x)
    b = math.sin(3.0 * _PI * y)
    c = math.sin(2.0 * _PI * y)
    return a * a + (x - 1.0) ** 2 * (1.0 + b * b) + (y - 1.0) ** 2 * (1.0 + c * c)


@gradient_function
def gradient(x, y, p):
    b = math.sin(3.0 * _PI * y)
    c = math.sin(2.0 * _PI * y)
    u, v = x - 1.0, y - 1.0
    gx = 3.0 * _PI * math.sin(6.0 * _PI * x) + 2.0 * u * (1.0 + b * b)
    gy = (u * u * 3.0 * _PI * math.sin(6.0 * _PI * y) + 2.0 * v * (1.0 + c * c)
          + v * v * 2.0 * _PI * math.sin(4.0 * _PI * y))
    return gx, gy


@hessian_function
def hessian(x, y, p):
    b = math.sin(3.0 * _PI * y)
    c = math.sin(2.0 * _PI * y)
    u, v = x - 1.0, y - 1.0
    hxx = 18.0 * _PI * _PI * math.cos(6.0 * _PI * x) + 2.0 * (1.0 + b * b)
    hxy = 6.0 * _PI * u * math.sin(6.0 * _PI * y)
    hyy = (18.0 * _PI * _PI * u * u * math.cos(6.0 * _PI * y) + 2.0 * (1.0 + c * c)
           + 8.0 * _PI * v * math.sin(4.0 * _PI * y) + 8.0 * _PI * _PI * v * v * math.cos(4.0 * _PI * y))
    return hxx, hxy, hyy


SURFACE = Surface(
    name="levi",
    title="Levi N.13",
    latex=r"f(x, y) = \sin^2(3\pi x) + (x - 1)^2\left(1 + \sin^2(3\pi y)\right) + (y - 1)^2\left(1 + \sin^2(2\pi y)\right)",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-0.25, 2.25), (-0.25, 2.25)),
    start=(2.1, 0.2),
    minima=_MINIMA,
    note=("A bowl around (1, 1) overlaid with ripples of different wavelengths along the two "
          "axes, so 41 local minima form a grid in this window, deeper towards the centre. From "
          "the default start in the corner, gradient descent and small-step Adam stop in the "
          "first dimple they meet; momentum carries a run across several rows, and with lr = "
          "0.005, mu = 0.9 all the way to the global minimum. All minima of the window are "
          "listed, so the distance to the nearest one shows where each run got stuck."),
    reference="Jamil & Yang (2013); Surjanovic & Bingham, Virtual Library of Simulation Experiments",
)
