"""The :class:`Surface` record and the decorators a surface module uses.

A surface module writes its formula three times (value, gradient, Hessian), each a compiled
scalar function of ``(x, y, p)`` with ``p`` the surface's parameter array, and declares one
``SURFACE = Surface(...)`` with its metadata.  The optimizer kernels call the compiled functions
directly; the methods of :class:`Surface` evaluate them on Python numbers or NumPy arrays.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from optviz.jit import (PAIR_FN, PAIR_SIG, SCALAR_FN, SCALAR_SIG, TRIPLE_FN, TRIPLE_SIG, compiled, first_class,
                        types)
from optviz.spec import Hyperparameter, resolve

__all__ = ["Surface", "value_function", "gradient_function", "hessian_function", "Hyperparameter"]

value_function = compiled(SCALAR_SIG)
gradient_function = compiled(PAIR_SIG)
hessian_function = compiled(TRIPLE_SIG)

_f8 = types.float64[::1]


@compiled(types.void(SCALAR_FN, _f8, _f8, _f8, _f8))
def _map_value(fn, p, xs, ys, out):
    for i in range(xs.size):
        out[i] = fn(xs[i], ys[i], p)


@compiled(types.void(PAIR_FN, _f8, _f8, _f8, types.float64[:, ::1]))
def _map_gradient(fn, p, xs, ys, out):
    for i in range(xs.size):
        out[i, 0], out[i, 1] = fn(xs[i], ys[i], p)


@compiled(types.void(TRIPLE_FN, _f8, _f8, _f8, types.float64[:, ::1]))
def _map_hessian(fn, p, xs, ys, out):
    for i in range(xs.size):
        out[i, 0], out[i, 1], out[i, 2] = fn(xs[i], ys[i], p)


def _flat_pair(x, y):
    xs, ys = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return xs.shape, np.ascontiguousarray(xs).ravel(), np.ascontiguousarray(ys).ravel()


@dataclass(frozen=True, eq=False)
class Surface:
    """An analytic 2-D loss surface.

    ``value_fn``, ``gradient_fn`` and ``hessian_fn`` are the compiled ``(x, y, p)`` functions.
    ``domain`` is the plotting window ``((xmin, xmax), (ymin, ymax))``; ``start`` a default start
    that makes a good first picture; ``minima`` the known minima (global first), to full double
    precision, empty when the surface is unbounded below.  ``parameters`` declares the surface's
    own parameters (the quadratic's condition number, say), ``make_params`` turns their values
    into the array ``p``, and ``make_minima`` recomputes the minima when they depend on them.
    ``log_scale`` says the values span orders of magnitude, so contour levels should be
    log-spaced.
    """

    name: str
    title: str
    latex: str
    value_fn: Callable = field(repr=False)
    gradient_fn: Callable = field(repr=False)
    hessian_fn: Callable = field(repr=False)
    domain: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    note: str
    parameters: tuple[Hyperparameter, ...] = ()
    values: tuple[tuple[str, Any], ...] = ()
    make_params: Callable[..., Any] | None = field(default=None, repr=False)
    make_minima: Callable[..., Any] | None = field(default=None, repr=False)
    log_scale: bool = False
    reference: str = ""
    #: Hyperparameters that show this surface's lesson, by optimizer (``{"gd": {"lr": 0.02}}``),
    #: or a function of the surface's parameters that returns them; the app gives them to the
    #: runs whose hyperparameters the user has not set.
    suggested: Any = field(default=None, repr=False, compare=False)
    #: The text of a surface typed as a formula (``surfaces.from_formula``); ``None`` for the
    #: built-in ones.
    formula: str | None = None
    #: For the loss of a model on data (``surfaces._data``): how many points; its gradient may then
    #: be a minibatch's (``optviz.simulate(..., batch_size=...)``).  0 for an analytic surface.
    data_size: int = 0
    #: For a family whose parameters change more than ``p`` (a typed formula: its text and its
    #: window): ``rebuild(**values)`` makes the surface for checked parameter values.
    rebuild: Callable[..., "Surface"] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if not self.values and self.parameters:
            object.__setattr__(self, "values", tuple((h.name, h.default) for h in self.parameters))
        if self.make_minima is not None:
            object.__setattr__(self, "minima", tuple(tuple(m) for m in self.make_minima(**dict(self.values))))

    def suggestions(self) -> dict:
        """``{optimizer: {hyperparameter: value}}`` that suit this surface (with its parameters)."""
        given = self.suggested(**dict(self.values)) if callable(self.suggested) else (self.suggested or {})
        return {name: {k: float(f"{v:.3g}") if isinstance(v, float) else v for k, v in hps.items()}
                for name, hps in given.items()}

    # -- parameters ----------------------------------------------------------------------------
    @property
    def params(self) -> np.ndarray:
        """The parameter array ``p`` the compiled functions take."""
        if self.make_params is None:
            return np.zeros(1)
        return np.ascontiguousarray(self.make_params(**dict(self.values)), dtype=np.float64)

    @property
    def functions(self) -> tuple:
        """``(value, gradient, hessian)`` as the optimizer kernels take them (see
        :class:`optviz.jit.FirstClass`)."""
        return first_class(self.value_fn), first_class(self.gradient_fn), first_class(self.hessian_fn)

    def with_params(self, **values) -> "Surface":
        """This surface with some parameters changed (validated; unknown names are errors)."""
        merged = {**dict(self.values), **values}
        checked = resolve(self.parameters, merged, f"surface {self.name!r}")
        if self.rebuild is not None:
            return self.rebuild(**checked)
        return replace(self, values=tuple(checked.items()))

    # -- evaluation (Python numbers or NumPy arrays) --------------------------------------------
    def value(self, x, y):
        """f(x, y); arrays broadcast."""
        shape, xs, ys = _flat_pair(x, y)
        out = np.empty(xs.size)
        _map_value(first_class(self.value_fn), self.params, xs, ys, out)
        return float(out[0]) if shape == () else out.reshape(shape)

    def gradient(self, x, y):
        """The gradient ``[df/dx, df/dy]`` (shape ``(..., 2)`` for array input)."""
        shape, xs, ys = _flat_pair(x, y)
        out = np.empty((xs.size, 2))
        _map_gradient(first_class(self.gradient_fn), self.params, xs, ys, out)
        return out[0] if shape == () else out.reshape(shape + (2,))

    def hessian(self, x, y):
        """The 2x2 Hessian (shape ``(..., 2, 2)`` for array input)."""
        shape, xs, ys = _flat_pair(x, y)
        out = np.empty((xs.size, 3))
        _map_hessian(first_class(self.hessian_fn), self.params, xs, ys, out)
        full = out[:, [0, 1, 1, 2]].reshape(-1, 2, 2)
        return full[0] if shape == () else full.reshape(shape + (2, 2))

    def grid(self, n: int = 200, domain=None):
        """``(xs, ys, Z)`` on an ``n`` x ``n`` grid over ``domain`` (default: the plotting window),
        ``Z[i, j] = f(xs[j], ys[i])`` as Plotly's contour expects."""
        (x0, x1), (y0, y1) = domain or self.domain
        xs = np.linspace(x0, x1, n)
        ys = np.linspace(y0, y1, n)
        X, Y = np.meshgrid(xs, ys)
        return xs, ys, self.value(X, Y)

    @functools.cached_property
    def minimum_value(self) -> float | None:
        """The lowest value among the known minima (``None`` if unbounded below); computed once
        (Rastrigin lists 121 minima)."""
        if not self.minima:
            return None
        return min(self.value(x, y) for x, y in self.minima)

    def nearest_minimum_distance(self, xy: np.ndarray) -> np.ndarray | None:
        """Distance from each point of ``xy`` (shape ``(n, 2)``) to the nearest known minimum
        (compiled: no points x minima array, which for 100,000 points and Rastrigin's 121 minima
        would be 194 MB)."""
        if not self.minima:
            return None
        return _nearest_distance(np.asarray(xy, dtype=np.float64).reshape(-1, 2),
                                 np.asarray(self.minima, dtype=np.float64))

    def __repr__(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.values)
        return f"Surface({self.name}{', ' + extra if extra else ''})"


@compiled("float64[::1](float64[:, :], float64[:, :])")
def _nearest_distance(xy, minima):
    """min_j |xy_i - minima_j| for each i (NaN where the point is NaN, inf where it is infinite)."""
    out = np.empty(xy.shape[0])
    for i in range(xy.shape[0]):
        x, y = xy[i, 0], xy[i, 1]
        best = math.inf
        for j in range(minima.shape[0]):
            dx, dy = x - minima[j, 0], y - minima[j, 1]
            best = min(best, dx * dx + dy * dy)
        out[i] = math.nan if math.isnan(x) or math.isnan(y) else math.sqrt(best)
    return out


def newton_refine(surface: Surface, x: float, y: float, iterations: int = 50) -> tuple[float, float]:
    """Polish an approximate stationary point with Newton's method on the gradient (used to give
    minima to full double precision where published values have few digits)."""
    for _ in range(iterations):
        g = surface.gradient(x, y)
        H = surface.hessian(x, y)
        dx, dy = np.linalg.solve(H, g)
        x, y = x - dx, y - dy
        if math.hypot(dx, dy) <= 1e-16 * max(1.0, math.hypot(x, y)):
            break
    return float(x), float(y)
