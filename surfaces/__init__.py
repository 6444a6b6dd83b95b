"""Analytic 2-D test surfaces.

Each surface lives in its own module (formula, gradient, Hessian and metadata, see ``_base``);
this registry lists them.  Adding a surface is one new module and one line in ``_MODULES``.

>>> import surfaces
>>> surfaces.get("rosenbrock").value(1.0, 1.0)
0.0

A surface can also be typed as a formula (see ``surfaces._formula``):
``surfaces.from_formula("sin(x)*cos(y) + 0.1*(x^2 + y^2)", domain=((-3, 3), (-3, 3)))``.
"""
from surfaces import (ackley, beale, booth, goldstein_price, himmelblau, levi, linear_regression,
                      logistic_regression, long_valley, matyas, mccormick, monkey_saddle, parabola, quadratic,
                      rastrigin, rosenbrock, saddle, six_hump_camel, styblinski_tang, three_hump_camel,
                      tiny_network)
from optviz.registry import Registry
from surfaces._base import Surface
from surfaces import _formula
from surfaces._formula import WINDOW as FORMULA_WINDOW
from surfaces._formula import from_formula

__all__ = ["Surface", "names", "get", "all_surfaces", "from_formula", "FORMULA_WINDOW"]

_MODULES = (
    quadratic,
    rosenbrock,
    beale,
    saddle,
    long_valley,
    himmelblau,
    booth,
    parabola,
    matyas,
    three_hump_camel,
    six_hump_camel,
    mccormick,
    styblinski_tang,
    goldstein_price,
    levi,
    rastrigin,
    ackley,
    monkey_saddle,
    # the losses of small real models, on data that ship with optviz (surfaces/data/)
    linear_regression,
    logistic_regression,
    tiny_network,
)
#: Last, a surface the user types (its parameters are the formula and the window).
_REGISTRY = Registry("surface", [*(module.SURFACE for module in _MODULES), _formula.FORMULA])


def names() -> list[str]:
    """The ids of every surface, in display order."""
    return _REGISTRY.names()


def all_surfaces() -> list[Surface]:
    return _REGISTRY.all()


def get(name: str, **params) -> Surface:
    """The surface called ``name``, with its parameters (if any) set from ``params``.

    Raises ``ValueError`` listing the known names for an unknown one.
    """
    surface = _REGISTRY.get(name)
    return surface.with_params(**params) if params else surface
