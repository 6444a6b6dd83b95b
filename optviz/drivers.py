"""Drivers: the loop that turns an optimizer's step into a run, written once.

An optimizer whose step needs only the gradient at the current point (every first-order method)
declares its mathematics as two compiled functions, in the manner of jax's example optimizers::

    init(hp, x, y) -> (state, shown)
    update(state, x, y, gx, gy, hp, factor, t) -> (state, x, y, shown)

``state`` is a tuple of floats (the optimizer's memory: momentum, moment estimates, powers of
beta), ``hp`` the hyperparameters in the spec's order, ``factor`` the learning-rate schedule's
factor for step ``t`` (1-based: the update computes ``eta = lr * factor``), and ``shown`` the tuple
of floats recorded in the run's ``state`` columns (the spec's ``state`` names, in order).  A
second-order method's update also receives the Hessian ``(hxx, hxy, hyy)`` after the gradient.

The drivers here do everything else, the same way for every optimizer: read the common options,
draw the gradient (exact, plus noise, then clipped: :func:`optviz.kernels.perturb`), evaluate the
schedule, record each iterate with its loss and evaluation counts, stop a run that diverges or has
used its work or time limit, and store the shown state.  An optimizer module then needs only::

    adam = first_order(init, update)      # the kernel, with optviz.jit.KERNEL_SIGNATURE

How: each driver's loop is written once below, as plain Python that calls ``init`` and ``update``
as globals.  :func:`first_order` makes a copy of that function whose globals name the optimizer's
own ``init`` and ``update`` and compiles it, so Numba inlines them as it inlines any compiled
helper, and the loop runs as fast as the hand-written loops it replaced (see
``benchmarks/README.md``).  The copy is filed under the optimizer's module for Numba's disk cache
(its source stamp is that module's, plus every file it depends on, this one included: see
:func:`optviz.jit.dependencies`), so editing an update recompiles its kernel and only that one.  Passing ``init`` and
``update`` to a compiled driver as arguments instead cannot be cached: Numba then embeds the
functions' addresses in the code, and keys its cache by their types, which hold weak references.  The grid drivers of :mod:`optviz.grid` run the same ``update`` over
many runs at once.

Methods whose step searches along a line or keeps a simplex (gradient descent with a line
search, CG, BFGS, L-BFGS, Nelder-Mead) evaluate the surface themselves and keep their own loops.
"""
import types as _python_types

from optviz.jit import jit, kernel
from optviz.kernels import options, perturb, record, schedule

__all__ = ["first_order", "second_order", "store"]


@jit
def store(state, t, shown):
    """Row ``t`` of the run's ``state`` columns: the tuple ``shown``."""
    for k in range(len(shown)):
        state[t, k] = shown[k]


def init(hp, x, y):  # replaced by the optimizer's own in each compiled copy of a driver
    raise NotImplementedError


def update(*args):  # replaced by the optimizer's own in each compiled copy of a driver
    raise NotImplementedError


def _first_order(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    """Run ``update`` for ``steps`` steps from ``(x, y)``; one gradient per step."""
    o = options(opts)
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    s, shown = init(hp, x, y)
    store(state, 0, shown)
    for t in range(1, steps + 1):
        gx, gy = perturb(gradient(x, y, p), o)
        s, x, y, shown = update(s, x, y, gx, gy, hp, schedule(o, t - 1, steps), t)
        status = record(value(x, y, p), x, y, t, 0, t, 0, xy, loss, counts, o)
        if status:
            return t - 1, status
        store(state, t, shown)
    return steps, 0


def _second_order(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    """As the first-order loop, with the exact Hessian passed to ``update`` after the (perturbed)
    gradient: one gradient and one Hessian per step."""
    o = options(opts)
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    s, shown = init(hp, x, y)
    store(state, 0, shown)
    for t in range(1, steps + 1):
        gx, gy = perturb(gradient(x, y, p), o)
        hxx, hxy, hyy = hessian(x, y, p)
        s, x, y, shown = update(s, x, y, gx, gy, hxx, hxy, hyy, hp, schedule(o, t - 1, steps), t)
        status = record(value(x, y, p), x, y, t, 0, t, t, xy, loss, counts, o)
        if status:
            return t - 1, status
        store(state, t, shown)
    return steps, 0


def specialise(template, init, update, **extra_globals):
    """A copy of the plain function ``template`` whose globals ``init`` and ``update`` are the
    given compiled functions, filed (for Numba's cache) under ``update``'s module as
    ``<template's name>``: one copy per template per module."""
    source = update.py_func
    code = template.__code__.replace(co_filename=source.__code__.co_filename)
    scope = {**template.__globals__, "init": init, "update": update, **extra_globals}
    copy = _python_types.FunctionType(code, scope, template.__name__, template.__defaults__)
    copy.__module__ = source.__module__
    copy.__qualname__ = template.__name__.lstrip("_")
    copy.__doc__ = template.__doc__
    return copy


def first_order(init, update):
    """The kernel (:data:`optviz.jit.KERNEL_SIGNATURE`) of a first-order method."""
    return kernel(specialise(_first_order, init, update))


def second_order(init, update):
    """The kernel of a method whose update also takes the Hessian ``(hxx, hxy, hyy)``."""
    return kernel(specialise(_second_order, init, update))
